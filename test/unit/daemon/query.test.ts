import * as assert from 'node:assert/strict';
import { qbool, qint, qlist, qopt, qstr } from '../../../daemon/api/query';

describe('unit: query parameters (Docker httputils rules)', () => {
  const express = (query: Record<string, string | string[]>) => ({ query });

  it('BoolValue: "", 0, no, false, none are false in any case; anything else is true', () => {
    for (const v of ['', '0', 'no', 'NO', 'false', 'False', 'none', ' none ']) assert.equal(qbool(express({ x: v }), 'x'), false, v);
    for (const v of ['1', 'true', 'yes', 'YES', 'on', 'anything']) assert.equal(qbool(express({ x: v }), 'x'), true, v);
    assert.equal(qbool(express({}), 'x'), false);
  });

  it('a default applies when absent or empty (rm, pause)', () => {
    assert.equal(qbool(express({}), 'rm', true), true);
    assert.equal(qbool(express({ rm: '' }), 'rm', true), true);
    assert.equal(qbool(express({ rm: '0' }), 'rm', true), false);
  });

  it('reads express and upgrade (URLSearchParams) requests alike; the first value wins', () => {
    const sp = new URLSearchParams('t=a&t=&t=b&nocache=yes&n=12');
    const ex = express({ t: ['a', '', 'b'], nocache: 'yes', n: '12' });
    for (const src of [sp, ex]) {
      assert.deepEqual(qlist(src, 't'), ['a', 'b']);
      assert.equal(qstr(src, 't'), 'a');
      assert.equal(qbool(src, 'nocache'), true);
      assert.equal(qint(src, 'n'), 12);
      assert.equal(qopt(src, 'missing'), undefined);
    }
    assert.equal(qstr(express({ e: '' }), 'e'), '');
    assert.equal(qopt(express({ e: '' }), 'e'), undefined);
  });

  it('an integer parameter that is not one is InvalidParameter', () => {
    assert.throws(() => qint(express({ t: '1.5' }), 't'), (e: { kind?: string }) => e.kind === 'InvalidParameter');
  });
});
