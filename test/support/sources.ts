/**
 * The TypeScript sources of the repository, for unit tests that read the code itself (the
 * error catalogue's uses, skips without a reason).
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './proc';

/** The .ts files below `dir` (relative to the repository root), as paths relative to it. */
export function tsSources(dir: string): string[] {
  const root = repoRoot();
  const out: string[] = [];
  for (const n of readdirSync(path.join(root, dir))) {
    const rel = `${dir}/${n}`;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...tsSources(rel));
    else if (n.endsWith('.ts')) out.push(rel);
  }
  return out;
}
