// GET /containers/{id}/logs?tail=: Docker's reading of the value.
import { strict as assert } from 'node:assert';
import { parseTail } from '../../../daemon/api/containers-logs';

describe('containers: logs tail parameter', () => {
  it('takes a line count, and reads all, negatives and non-numbers as every line (docker logs --tail abc)', () => {
    assert.equal(parseTail('3'), 3);
    assert.equal(parseTail('0'), 0);
    assert.equal(parseTail('all'), undefined);
    assert.equal(parseTail('-1'), undefined);
    assert.equal(parseTail('abc'), undefined);
    assert.equal(parseTail('1.5'), undefined);
    assert.equal(parseTail(undefined), undefined);
  });
});
