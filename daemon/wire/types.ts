/**
 * Docker Engine API shapes that berthd writes and the berth CLI reads, defined once so both
 * sides agree on what is on the wire. Types only: the client imports them with `import type`,
 * so nothing of the daemon is loaded into the CLI (.dependency-cruiser.cjs allows client/ this
 * folder and daemon/version-info.ts, nothing else). Field names are Docker's.
 */

/** One line of a JSON progress stream (pull, push, build, load): jsonmessage.JSONMessage. */
export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: unknown;
  /** Errors after the 200: in-band, with a failing RUN's exit code as `code`. */
  errorDetail?: { code?: number; message: string };
  error?: string;
}

/** GET /images/{name}/history, one layer. */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** GET /images/search, one result. */
export interface SearchResult {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

/** DELETE /images/{name} and image prune: one untagged name or one deleted image. */
export type DeleteItem = { Untagged: string; Deleted?: never } | { Deleted: string; Untagged?: never };

/** POST /images/prune. */
export interface ImagePruneReport {
  ImagesDeleted: DeleteItem[] | null;
  SpaceReclaimed: number;
}

/** POST /containers/{id}/wait. */
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}
