/**
 * The JSON of berth's `image explore` API extension (GET /images/{name}/explore), written by
 * daemon/images/explore.ts and read by the CLI's client/explore/. Types only, importing
 * nothing (see types.ts); the README documents the fields.
 */

/** A digest as daemon/oci/digest.ts spells it (wire/ imports nothing, so restated here). */
type Digest = `sha256:${string}`;

/** What a layer did to a path. */
export type Change = 'added' | 'modified' | 'removed';

export interface TreeNode {
  Name: string;
  /** file, dir, symlink, hardlink, char, block, fifo, socket. */
  Type: string;
  /** Bytes: a file's size, a directory's total below, a removed entry's bytes. */
  Size: number;
  /** Non-directory entries at or below this node. */
  Files: number;
  /** What the selected layer did here; absent when it left the node as it was. */
  Change?: Change;
  /** Permission bits (e.g. 0o755 = 493). */
  Mode?: number;
  Uid?: number;
  Gid?: number;
  /** Symlink target or hard link path. */
  Link?: string;
  /** The layer the entry comes from. */
  Layer?: number;
  Children?: TreeNode[];
}

export interface Inefficiency {
  Path: string;
  Count: number;
  Bytes: number;
}

export interface Tally {
  Files: number;
  Bytes: number;
}

export interface ExploreLayer {
  Index: number;
  ChainID: Digest;
  DiffID: Digest;
  /** The compressed blob the layer came in, when the store has it. */
  Digest?: Digest;
  /** The instruction that made the layer (config history); "" when the image has no history. */
  CreatedBy: string;
  Created?: string;
  Comment?: string;
  /** Bytes of the layer's files (Docker's layer size). */
  Size: number;
  /** Non-directory entries in the layer (whiteouts included). */
  Entries: number;
  Added: Tally;
  Modified: Tally;
  Removed: Tally;
  /** The layer's own changes as a tree (with `?tree=1`). */
  Tree?: TreeNode;
}

export interface HiddenJson {
  Path: string;
  Layer: number;
  Size: number;
  /** The layer that overwrote or deleted it. */
  By: number;
  How: 'overwritten' | 'deleted';
}

export interface DuplicateJson {
  Sha256: string;
  Size: number;
  /** Bytes stored more than once: Size × (copies − 1). */
  Bytes: number;
  Copies: { Path: string; Layer: number }[];
}

export interface ExploreReport {
  Id: Digest;
  RepoTags: string[];
  /** Σ layer sizes. */
  Size: number;
  /** Σ layer sizes without the first layer (dive's "user size"). */
  UserSize: number;
  /** dive's efficiency score, 0..1. */
  Efficiency: number;
  /** dive's wasted bytes (every sighting of a path seen in more than one layer). */
  WastedBytes: number;
  /** dive's wasted bytes / user size, as a ratio (0.1 = 10%). */
  UserWastedPercent: number;
  Layers: ExploreLayer[];
  /** dive's inefficient paths, biggest first. */
  Inefficiencies: Inefficiency[];
  Waste: {
    /** Bytes stored in a layer that a later layer overwrote or deleted. */
    HiddenBytes: number;
    /** Bytes of visible files whose identical content a lower layer also holds visibly. */
    DuplicateBytes: number;
    TotalBytes: number;
    Hidden: HiddenJson[];
    Duplicates: DuplicateJson[];
  };
}
