/**
 * The JSON of berth's `image explore` API extension as the CLI reads it (the daemon's
 * daemon/images/explore.ts is the source of truth; the README documents both).
 */
export interface Tally {
  Files: number;
  Bytes: number;
}

export interface TreeNode {
  Name: string;
  Type: string;
  Size: number;
  Files: number;
  Change?: 'added' | 'modified' | 'removed';
  Mode?: number;
  Uid?: number;
  Gid?: number;
  Link?: string;
  Layer?: number;
  Children?: TreeNode[];
}

export interface ExploreLayer {
  Index: number;
  ChainID: string;
  DiffID: string;
  Digest?: string;
  CreatedBy: string;
  Created?: string;
  Comment?: string;
  Size: number;
  Entries: number;
  Added: Tally;
  Modified: Tally;
  Removed: Tally;
  Tree?: TreeNode;
}

export interface ExploreReport {
  Id: string;
  RepoTags: string[];
  Size: number;
  UserSize: number;
  Efficiency: number;
  WastedBytes: number;
  UserWastedPercent: number;
  Layers: ExploreLayer[];
  Inefficiencies: { Path: string; Count: number; Bytes: number }[];
  Waste: {
    HiddenBytes: number;
    DuplicateBytes: number;
    TotalBytes: number;
    Hidden: { Path: string; Layer: number; Size: number; By: number; How: string }[];
    Duplicates: { Sha256: string; Size: number; Bytes: number; Copies: { Path: string; Layer: number }[] }[];
  };
}

/** The instruction of a layer as people write it: Docker's `/bin/sh -c #(nop) ` prefix dropped. */
export function instruction(createdBy: string): string {
  const s = createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, '').replace(/^\/bin\/sh -c /, 'RUN ').trim();
  return s || '(no history)';
}
