/**
 * The build service's contracts: its options (from POST /build), its output channel (the
 * legacy builder's stream lines), and the two capabilities it borrows from other services —
 * pulling a missing base image, and running a RUN step in a container.
 */
import type { ProgressMessage } from '../images/pull-progress';
import type { Digest } from '../oci/digest';
import type { AuthConfig } from '../registry';

export interface BuildOptions {
  tags: string[];
  /** Path of the Dockerfile inside the context. */
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  quiet: boolean;
  /** Remove intermediate containers after a successful step (Docker's default). */
  rm: boolean;
  /** Remove intermediate containers even after a failed step. */
  forceRm: boolean;
  platform?: string;
  /** X-Registry-Config: registry host → credentials. */
  auth: Record<string, AuthConfig>;
}

export interface BuildOutput {
  /** A line (or part) of the build log: `{"stream": text}`. */
  stream(text: string): void;
  /** `{"aux": value}` (the image id message). */
  aux(value: unknown): void;
  /** Pull progress messages while fetching a base image. */
  progress(msg: ProgressMessage): void;
}

export interface BuildResult {
  id: Digest;
  tags: string[];
}

/** Pulls an image (for FROM / COPY --from of an image not present); resolves with its id. */
export type PullFn = (image: string, platform: string | undefined, auth: Record<string, AuthConfig>, progress: (m: ProgressMessage) => void) => Promise<Digest>;

export interface RunStepRequest {
  /** The image the step runs on. */
  imageId: Digest;
  /** The full command (shell form already wrapped in the SHELL). */
  cmd: string[];
  /** The image's env plus the build args in scope. */
  env: string[];
  user: string;
  workdir: string;
  /** Output of the command (stdout and stderr interleaved). */
  output(chunk: Buffer): void;
  /** Aborted when the client goes away: the step's container is killed. */
  signal: AbortSignal;
  /** Called with the container id once it exists (` ---> Running in <id>`). */
  onContainer(id: string): void;
}

export interface RunStepResult {
  containerId: string;
  exitCode: number;
  /** The container's writable layer: the step's changes, overlay whiteouts included. */
  upperDir: string;
  /** Removes the step's container (called after the layer was stored, or on failure). */
  remove(): Promise<void>;
}

export type RunStepFn = (req: RunStepRequest) => Promise<RunStepResult>;
