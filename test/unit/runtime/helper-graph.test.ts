/**
 * The C helper's file graph (issue 10 item 6): file a depends on file b when a.c or a.h
 * includes "b.h" and b.c exists. No circles, and every .c file opens with a comment that
 * names it (the header comment says what the file owns).
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/proc';

const DIR = path.join(repoRoot(), 'native/helper');

function graph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of readdirSync(DIR).filter((n) => /\.[ch]$/.test(n))) {
    const mod = f.slice(0, -2);
    const deps = g.get(mod) ?? new Set<string>();
    g.set(mod, deps);
    for (const m of readFileSync(path.join(DIR, f), 'utf8').matchAll(/^#include "([^"]+)\.h"/gm)) {
      const dep = m[1] as string;
      if (dep !== mod && existsSync(path.join(DIR, `${dep}.c`))) deps.add(dep);
    }
  }
  return g;
}

/** One cycle as a path a -> ... -> a, or undefined. */
export function findCycle(g: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of g.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

describe('native/helper file graph', () => {
  it('finds a circle when there is one (self-check)', () => {
    const g = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
    assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
  });

  it('has no circle between the C files', () => {
    const cycle = findCycle(graph());
    assert.equal(cycle, undefined, `circle: ${cycle?.join(' -> ')}`);
  });

  it('opens every file with a comment naming it', () => {
    for (const f of readdirSync(DIR).filter((n) => /\.[ch]$/.test(n))) {
      const text = readFileSync(path.join(DIR, f), 'utf8');
      assert.ok(text.startsWith(`/* ${f}:`), `${f} does not start with "/* ${f}: ..."`);
    }
  });
});
