/**
 * The contract between the containers service and the runtime (the C helper and its
 * per-container monitor). The containers service decides *what* runs (merging image config
 * and the create request); the runtime makes it run, outlive berthd, and report back.
 *
 * Owner: runtime/. The containers service depends only on this file's types and on the
 * `Runtime` object main wires in.
 */
import type { Duplex } from 'node:stream';
import type { DevicePolicy } from './device-rules';
import type { Resources } from './resources';
import type { CgroupStats } from './cgroup-stats';
import type { OomWatch } from './oom-watch';

export interface BindMount {
  type: 'bind';
  source: string;
  destination: string;
  readonly: boolean;
  /** A volume: filled with the image's content at `destination` when empty (prepareRootfs). */
  seed?: boolean;
}

export interface TmpfsMount {
  type: 'tmpfs';
  destination: string;
  /** mount options such as "size=64m,mode=1777" */
  options: string;
}

export type MountSpec = BindMount | TmpfsMount;

/**
 * What the container's processes may do, as the create request gave it (validated there):
 * the runtime resolves it at start and exec (security.ts).
 */
export interface ProcessSecurity {
  /** HostConfig.CapAdd / CapDrop, Docker's names with or without CAP_, or ALL. */
  capAdd: string[];
  capDrop: string[];
  /** --privileged: every capability berthd holds, no seccomp filter. */
  privileged: boolean;
  /** HostConfig.SecurityOpt: seccomp=..., no-new-privileges... */
  securityOpt: string[];
}

/** Everything the helper needs to start one container's init process. */
export interface ContainerSpec {
  id: string;
  /** Read-only image layer dirs, lowest first, and the container's writable layer. */
  layers: { lower: string[]; upper: string; work: string };
  /** Where the rootfs is mounted (overlay of the above). */
  rootfs: string;
  args: string[];
  env: string[];
  cwd: string;
  /** As the user typed it: "", "name", "uid", "name:group", "uid:gid"; resolved inside the rootfs. */
  user: string;
  hostname: string;
  tty: boolean;
  /** Keep stdin open for attach (`-i`). */
  openStdin: boolean;
  readonlyRootfs: boolean;
  /** Run a tiny init as pid 1 that forwards signals and reaps (`--init`). */
  init: boolean;
  mounts: MountSpec[];
  /**
   * Run once the rootfs is mounted and before the container's first process (volumes copy
   * the image's content at their destination from it). A failure fails the start.
   */
  prepareRootfs?: (rootfs: string) => Promise<void>;
  /** Docker json-file log path; '' for no log (--log-driver none). */
  logPath: string;
  /** Rotation (--log-opt max-size / max-file): at this many bytes (0: never), keeping this many files. */
  logRotate?: { maxSize: number; maxFiles: number };
  /** Files berth writes into the container: /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** Initial terminal size [rows, cols] for tty containers. */
  consoleSize?: [number, number];
  /** Network mode: "none" gives an isolated netns with loopback up; "host" shares the host's. */
  network: 'none' | 'host' | 'private';
  /** setrlimit before exec (`--ulimit`, daemon.json default-ulimits); -1 is unlimited. */
  rlimits?: { name: string; soft: number; hard: number }[];
  /** A network namespace file to join instead of making a new one (set up by daemon/networks). */
  netns?: string;
  /**
   * The daemon is still setting up `netns` (netavark) while the container starts, so the two
   * overlap: `created` resolves once the namespace file exists (the helper is spawned after
   * it), `ready` once its interfaces, addresses and rules are in place. The container's
   * process waits for `ready` before it runs anything of the user's; a rejection of either
   * aborts the start with that error.
   */
  netPending?: { created: Promise<void>; ready: Promise<void> };
  /** `--ipc` / `--pid`: "" (new namespace), "host", or a namespace file to join. */
  ipcNs?: string;
  pidNs?: string;
  /** `--sysctl` values ("net.ipv4.ip_forward=1"), written in the container's namespaces. */
  sysctls?: string[];
  /**
   * A client will attach right after start (attach-before-start, `docker run` without -d):
   * the monitor keeps a short-lived container's output and socket until one client attached
   * with `replay` (or 60 s passed), so nothing printed before the attach is lost.
   */
  awaitAttach?: boolean;
  /** --device, --device-cgroup-rule, --privileged's devices; Docker's default rules when absent. */
  devices?: DevicePolicy;
  /** Capabilities, seccomp, no_new_privs; Docker's defaults when absent. */
  security?: ProcessSecurity;
  /** Paths masked / made read-only inside (system-paths.ts); Docker's defaults when absent. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** Memory, CPU, pids and I/O limits (resources.ts); none when absent. */
  resources?: Resources;
  /**
   * HostConfig.CgroupParent: the container's cgroup goes under it (cgroup-place.ts) instead
   * of berth's own parent.
   */
  cgroupParent?: string;
  /** /dev/shm's size in bytes (--shm-size); Docker's 64 MiB when absent. */
  shmSize?: number;
  /** Docker's OomScoreAdj (-1000..1000), written before exec; the host's inherited value when absent. */
  oomScoreAdj?: number;
  /**
   * `--ipc`'s /dev/shm (ipc-shm.ts): "private" (also when absent) a tmpfs of its own;
   * "shareable" one on the host that `container:` joiners bind too; "none" no /dev/shm;
   * "host" the host's; { container } the shareable /dev/shm of that running container.
   */
  ipcShm?: 'private' | 'shareable' | 'none' | 'host' | { container: string };
}

export interface ExitStatus {
  /** Docker's exit code: the process's code, or 128+signal. */
  exitCode: number;
  /** ISO time the process ended. */
  finishedAt: string;
  oomKilled?: boolean;
  /** Set when setup failed before exec (e.g. "exec: \"foo\": executable file not found in $PATH"). */
  error?: string;
}

export interface StartedProcess {
  pid: number;
  startedAt: string;
}

/** The streams of an attached client. */
export interface AttachStreams {
  stdin?: boolean;
  stdout: boolean;
  stderr: boolean;
  /** First deliver everything the container printed since start (up to 1 MiB), then live output. */
  replay?: boolean;
}

export interface AttachConnection {
  /**
   * Output from the container. Without a tty, chunks are stdcopy-framed
   * ([stream,0,0,0,len BE32] + data; 1 stdout, 2 stderr); with a tty, raw bytes.
   */
  output: NodeJS.ReadableStream;
  /** Writes to the container's stdin (if attached with stdin). */
  writeStdin(data: Buffer): void;
  /** Closes the container's stdin (client half-close). */
  closeStdin(): void;
  /** Detaches without affecting the container. */
  close(): void;
}

export interface ExecSpec {
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  tty: boolean;
  stdin: boolean;
  privileged?: boolean;
  consoleSize?: [number, number];
  /** The container's: an exec runs under the same filter and capability bounds. */
  security?: ProcessSecurity;
}

export interface ExecProcess {
  pid: number;
  /** As AttachConnection: framed without tty, raw with. */
  stream: Duplex;
  resize(rows: number, cols: number): void;
  closeStdin(): void;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

export interface Runtime {
  /**
   * Mounts the rootfs, starts the monitor and the container's init. Resolves when the
   * process has exec'd; rejects with a BerthError (exit code 126/127 semantics in the message,
   * Docker's wording) when setup or exec fails. Nothing is left mounted on failure.
   */
  start(spec: ContainerSpec): Promise<StartedProcess>;
  /** Attaches to a running container's monitor (stdio / pty). */
  attach(id: string, streams: AttachStreams): Promise<AttachConnection>;
  resize(id: string, rows: number, cols: number): Promise<void>;
  /** Sends a signal to the container's init (by name or number). */
  signal(id: string, signal: string | number): Promise<void>;
  /** Resolves when the container's process has ended (works after a daemon restart too). */
  waitExit(id: string): Promise<ExitStatus>;
  /** The recorded exit status, or undefined when still running / never started. */
  readExit(id: string): Promise<ExitStatus | undefined>;
  /** True when the container's init is alive (used at daemon start to re-attach). */
  isRunning(id: string): Promise<boolean>;
  /** Unmounts the rootfs and removes runtime files after the container stopped. Idempotent. */
  cleanup(id: string, rootfs: string): Promise<void>;
  /** Freezes / thaws all processes of the container (cgroup freezer). */
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** Pids of the container's processes, for `top`. */
  pids(id: string): Promise<number[]>;
  exec(id: string, spec: ExecSpec): Promise<ExecProcess>;
  /**
   * At daemon start: unmounts rootfs mounts (from /proc/self/mountinfo) of containers whose
   * init is not running. Returns the mount points it unmounted. Idempotent.
   */
  reconcile?(): Promise<string[]>;
  /**
   * Runs `fn` with the rootfs of a container that is not running mounted at spec.rootfs
   * (the archive API of a stopped container), unmounting it afterwards unless it was mounted
   * already. The caller holds the container's lifecycle lock, so no start interleaves.
   */
  withRootfs?<T>(spec: ContainerSpec, fn: () => Promise<T>): Promise<T>;
  /** Changes a running container's limits (`update`). */
  setResources?(id: string, r: Resources): Promise<void>;
  /** The container's cgroup counters for `stats`. */
  stats?(id: string): Promise<CgroupStats>;
  /**
   * Follows the OOM kills in a running container's memory cgroup as they happen (oom-watch.ts):
   * onOom for each new one after this call, until close().
   */
  watchOom?(id: string, onOom: () => void): OomWatch;
}
