/**
 * The CLI side of `image explore`: sizes read like dive's (go-humanize), dive's rule verdicts,
 * and the interactive view's keys.
 */
import * as assert from 'node:assert/strict';
import { evaluate, parseBytes } from '../../../client/explore/ci';
import { initialState, parseKeys, press, withTree } from '../../../client/explore/tui-state';
import type { ExploreReport } from '../../../client/explore/types';

describe('image explore CLI', function () {
  it('reads sizes like go-humanize: decimal units, binary with i, bare bytes', function () {
    assert.equal(parseBytes('20MB'), 20_000_000);
    assert.equal(parseBytes('20 mb'), 20_000_000);
    assert.equal(parseBytes('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseBytes('512KiB'), 524_288);
    assert.equal(parseBytes('1000'), 1000);
    assert.throws(() => parseBytes('lots'), /invalid value "lots"/);
  });

  it('applies dive\'s rules with dive\'s defaults', function () {
    const report = { Efficiency: 0.95, WastedBytes: 2_000_000, UserWastedPercent: 0.2 } as ExploreReport;
    assert.deepEqual(evaluate(report, {}).map((r) => r.status), ['PASS', 'SKIP', 'FAIL']);
    assert.deepEqual(evaluate(report, { highestWastedBytes: '1MB', highestUserWastedPercent: '0.3' }).map((r) => r.status), ['PASS', 'FAIL', 'PASS']);
    assert.deepEqual(evaluate(report, { lowestEfficiency: '0.96', highestUserWastedPercent: 'disabled' }).map((r) => r.status), ['FAIL', 'SKIP', 'SKIP']);
  });

  it('moves between layers, folds directories and switches views with keys', function () {
    const report = { Layers: [{}, {}, {}] } as unknown as ExploreReport;
    assert.deepEqual(parseKeys('jj\x1b[A\tq'), ['down', 'down', 'up', 'tab', 'quit']);
    let s = initialState('img', report);
    let step = press(s, 'down');
    assert.equal(step.state.layer, 1);
    assert.equal(step.fetch, true);
    s = withTree(step.state, { Name: '', Type: 'dir', Size: 0, Files: 0, Children: [{ Name: 'etc', Type: 'dir', Size: 1, Files: 1, Children: [{ Name: 'x', Type: 'file', Size: 1, Files: 1 }] }] });
    s = press(s, 'tab').state;
    assert.equal(s.focus, 'tree');
    s = press(s, 'down').state;
    assert.equal(s.cursor, 1);
    s = press(s, 'left').state; // to the parent
    assert.equal(s.cursor, 0);
    s = press(s, 'toggle').state;
    assert.deepEqual([...s.collapsed], ['etc']);
    step = press(s, 'view');
    assert.equal(step.state.view, 'image');
    assert.equal(step.fetch, true);
    assert.equal(press(s, 'quit').quit, true);
  });
});
