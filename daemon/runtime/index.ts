/**
 * runtime/: how a ContainerSpec becomes a running container. Public surface:
 * createRuntime() → Runtime (types.ts). Only this directory imports native/ffi.
 */
import type { Resources } from './resources';
import { KoffiSyscalls, type Syscalls } from '../../native/ffi';
import type { StorePaths } from '../store/paths';
import { detectCgroups, type Cgroups } from './cgroups';
import type { CgroupPlace } from './cgroup-place';
import { defaultHelperPath } from './helper';
import type { DeviceRule } from './device-rules';
import type { MountEntry } from './mountinfo';
import { HelperRuntime } from './runtime';
import type { Runtime } from './types';

export type { Runtime } from './types';
export { StartError } from './helper-error';

export interface RuntimeOptions {
  paths: StorePaths;
  /** The berth-helper binary; default native/helper/build/berth-helper (or $BERTH_HELPER). */
  helperPath?: string;
  /** For tests: a fake Syscalls. */
  syscalls?: Syscalls;
  /** For tests: a fixed cgroup manager. */
  cgroups?: Cgroups;
  /** For tests: the mount table (default /proc/self/mountinfo). */
  mountinfo?: () => Promise<MountEntry[]>;
}

/**
 * Builds the runtime. Synchronous so the composition root stays simple: the cgroup
 * hierarchy is detected on first use.
 */
export function createRuntime(opts: RuntimeOptions): Runtime {
  const sys = opts.syscalls ?? new KoffiSyscalls();
  const cgroups = opts.cgroups ?? lazyCgroups();
  return new HelperRuntime(opts.paths, sys, cgroups, opts.helperPath ?? defaultHelperPath(), opts.mountinfo);
}

/** A Cgroups that detects v1/v2 on its first call. */
function lazyCgroups(): Cgroups {
  let real: Promise<Cgroups> | undefined;
  const get = () => (real ??= detectCgroups());
  let version: 0 | 1 | 2 = 0;
  const wrap = <A extends unknown[], R>(f: (c: Cgroups, ...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const c = await get();
    version = c.version;
    return f(c, ...a);
  };
  return {
    get version() {
      return version;
    },
    place: wrap((c, id: string, parent?: string) => c.place(id, parent)),
    create: wrap((c, at: CgroupPlace) => c.create(at)),
    freeze: wrap((c, at: CgroupPlace) => c.freeze(at)),
    thaw: wrap((c, at: CgroupPlace) => c.thaw(at)),
    pids: wrap((c, at: CgroupPlace) => c.pids(at)),
    setDevices: wrap((c, at: CgroupPlace, rules: readonly DeviceRule[]) => c.setDevices(at, rules)),
    killAll: wrap((c, at: CgroupPlace) => c.killAll(at)),
    remove: wrap((c, at: CgroupPlace) => c.remove(at)),
    setResources: wrap((c, at: CgroupPlace, r: Resources) => c.setResources(at, r)),
    oomKills: wrap((c, at: CgroupPlace) => c.oomKills(at)),
    views: wrap((c, at: CgroupPlace) => c.views(at)),
    stats: wrap((c, at: CgroupPlace) => c.stats(at)),
  };
}
