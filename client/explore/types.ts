/**
 * The JSON of berth's `image explore` API extension as the CLI reads it: the types are
 * daemon/wire/explore.ts (shared with the daemon, type-only), plus the CLI's helpers over them.
 */
export type { ExploreLayer, ExploreReport, Tally, TreeNode } from '../../daemon/wire/explore';

/** The instruction of a layer as people write it: Docker's `/bin/sh -c #(nop) ` prefix dropped. */
export function instruction(createdBy: string): string {
  const s = createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, '').replace(/^\/bin\/sh -c /, 'RUN ').trim();
  return s || '(no history)';
}
