// Docker's filters argument in both JSON shapes, and the matchers image filters use.
import { strict as assert } from 'node:assert';
import { globMatch, labelsMatch, matchLabels, parseFilters, parseGoDuration, parseUntil, untilMatches } from '../../../daemon/filters';
import { BerthError } from '../../../daemon/errors';

describe('image filters', () => {
  it('reads the CLI shape {"dangling":{"true":true}} and the list shape {"dangling":["true"]}', () => {
    const a = parseFilters('{"dangling":{"true":true},"label":{"a=1":true,"b":true}}');
    const b = parseFilters('{"dangling":["true"],"label":["a=1","b"]}');
    for (const f of [a, b]) {
      assert.equal(f.bool('dangling', false), true);
      assert.deepEqual([...f.get('label')].sort(), ['a=1', 'b']);
    }
    assert.equal(parseFilters('{"dangling":{"false":true}}').bool('dangling', true), false);
    assert.equal(parseFilters(undefined).has('dangling'), false);
  });

  it('rejects bad JSON, unknown keys and bad booleans as InvalidParameter', () => {
    const isInvalid = (e: unknown) => e instanceof BerthError && e.kind === 'InvalidParameter';
    assert.throws(() => parseFilters('{nope'), isInvalid);
    assert.throws(() => parseFilters('{"color":["red"]}').validate(['dangling']), /invalid filter 'color'/);
    assert.throws(() => parseFilters('{"dangling":["maybe"]}').bool('dangling', false), /invalid filter 'dangling=maybe'/);
  });

  it('matches labels by key and by key=value, all of them, and negated', () => {
    const labels = { a: '1', b: '2' };
    assert.equal(matchLabels(labels, ['a']), true);
    assert.equal(matchLabels(labels, ['a=1', 'b=2']), true);
    assert.equal(matchLabels(labels, ['a=2']), false);
    assert.equal(matchLabels(null, ['a']), false);
  });

  it("label and label! as Docker's list and prune apply them; until", () => {
    const labels = { a: '1', b: '2' };
    const f = (o: object) => parseFilters(JSON.stringify(o));
    assert.equal(labelsMatch(f({ 'label!': ['c'] }), labels), true);
    assert.equal(labelsMatch(f({ 'label!': ['a'] }), labels), false);
    assert.equal(labelsMatch(f({ 'label!': ['a=2'] }), labels), true);
    // several label! values: dropped only when all of them hold (moby's MatchKVList)
    assert.equal(labelsMatch(f({ 'label!': ['a', 'c'] }), labels), true);
    assert.equal(labelsMatch(f({ 'label!': ['a', 'b=2'] }), labels), false);
    assert.equal(labelsMatch(f({ label: ['a'], 'label!': ['b=3'] }), labels), true);
    assert.equal(labelsMatch(f({ label: ['c'] }), labels), false);
    assert.equal(labelsMatch(f({}), null), true);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(untilMatches(f({ until: ['1h'] }), now - 2 * 3600_000, now), true);
    assert.equal(untilMatches(f({ until: ['1h'] }), now - 60_000, now), false);
    assert.throws(() => untilMatches(f({ until: ['2025-12-31T00:00:00Z', '1h'] }), now - 2 * 3600_000, now), /more than one until filter specified/);
  });

  it("globs like Go's path.Match", () => {
    assert.equal(globMatch('busy*', 'busybox:latest'), true);
    assert.equal(globMatch('localhost:5000/*', 'localhost:5000/busybox:latest'), true);
    assert.equal(globMatch('*', 'localhost:5000/busybox'), false);
    assert.equal(globMatch('b?sybox', 'busybox'), true);
    assert.equal(globMatch('[a-c]usybox', 'busybox'), true);
    assert.equal(globMatch('busybox', 'busybox:latest'), false);
  });

  it('reads until as a timestamp, a date or a Go duration', () => {
    const now = 1_800_000_000_000;
    assert.equal(parseUntil('1700000000', now), 1_700_000_000_000);
    assert.equal(parseUntil('24h', now), now - 86_400_000);
    assert.equal(parseUntil('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.throws(() => parseUntil('yesterday', now), /invalid filter 'until=yesterday'/);
  });
});
