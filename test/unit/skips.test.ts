/**
 * A skipped test prints why (COORDINATION/DESIGN rule): every skip in test/ goes through
 * test/support/skip.ts (skipBecause, skipUnless, requireRoot, requireCommands), which prints
 * the reason; a bare `this.skip()` or `it.skip` is a silent hole in coverage.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/proc';
import { tsSources } from '../support/sources';

const ROOT = repoRoot();

describe('unit: every skipped test says why', () => {
  it('no bare this.skip(), it.skip or describe.skip outside test/support/skip.ts', () => {
    const bad: string[] = [];
    for (const file of tsSources('test')) {
      if (file === 'test/support/skip.ts' || file === 'test/unit/skips.test.ts') continue;
      readFileSync(path.join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/\bthis\.skip\(\)|\b(it|describe|context)\.skip\(|\bx(it|describe)\(/.test(code)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(bad, [], 'skip through skipBecause/skipUnless (test/support/skip.ts) so the reason is printed');
  });
});
