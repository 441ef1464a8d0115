/**
 * Shared setup of the runtime integration tests: temp roots, a busybox layer made from
 * Debian's busybox-static, ContainerSpec building, and skipping cleanly without root.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StorePaths } from '../../daemon/store/paths';
import { createRuntime } from '../../daemon/runtime';
import type { Cgroups } from '../../daemon/runtime/cgroups';
import type { ContainerSpec, Runtime } from '../../daemon/runtime/types';
import { skipBecause } from '../support/skip';

export const HELPER = path.resolve(__dirname, '../../../native/helper/build/berth-helper');
const BUSYBOX = '/bin/busybox';

/** Why these tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!fs.existsSync(BUSYBOX)) return 'needs busybox-static (/bin/busybox)';
  return undefined;
}

export function buildHelper(): void {
  execFileSync('make', ['-s', '-C', path.resolve(__dirname, '../../../native/helper')], { stdio: 'inherit' });
}

/** A read-only layer dir holding a static busybox with its applet links and a passwd. */
export function makeBusyboxLayer(dir: string): string {
  const diff = path.join(dir, 'diff');
  for (const d of ['bin', 'etc', 'root', 'tmp']) fs.mkdirSync(path.join(diff, d), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(diff, 'bin/busybox'));
  fs.chmodSync(path.join(diff, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list']).toString().split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') fs.symlinkSync('busybox', path.join(diff, 'bin', a));
  fs.writeFileSync(path.join(diff, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(diff, 'etc/group'), 'root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n');
  return diff;
}

export class RuntimeFixture {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rt-'));
  readonly paths = new StorePaths(path.join(this.root, 'data'), path.join(this.root, 'run'));
  readonly runtime: Runtime;
  readonly layer = makeBusyboxLayer(path.join(this.root, 'layer'));
  readonly ids: string[] = [];

  /**
   * helper: another build of berth-helper (the sanitizer suite's); default the project's.
   * cgroups: a fixed hierarchy (the v2 mount of a hybrid host); default the host's own.
   */
  constructor(readonly helper = HELPER, cgroups?: Cgroups) {
    this.runtime = createRuntime({ paths: this.paths, helperPath: helper, cgroups });
  }

  newId(): string {
    const id = randomBytes(32).toString('hex');
    this.ids.push(id);
    return id;
  }

  spec(args: string[], over: Partial<ContainerSpec> = {}): ContainerSpec {
    const id = over.id ?? this.newId();
    const dir = this.paths.containerDir(id);
    for (const d of ['upper', 'work', 'rootfs']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(path.join(dir, 'hosts'), `127.0.0.1\tlocalhost\n`);
    fs.writeFileSync(path.join(dir, 'hostname'), `${id.slice(0, 12)}\n`);
    fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
    return {
      id,
      layers: { lower: [this.layer], upper: path.join(dir, 'upper'), work: path.join(dir, 'work') },
      rootfs: path.join(dir, 'rootfs'),
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      user: '',
      hostname: id.slice(0, 12),
      tty: false,
      openStdin: false,
      readonlyRootfs: false,
      init: false,
      mounts: [],
      logPath: path.join(dir, 'json.log'),
      etcFiles: { hosts: path.join(dir, 'hosts'), hostname: path.join(dir, 'hostname'), resolvConf: path.join(dir, 'resolv.conf') },
      network: 'none',
      ...over,
    };
  }

  /** Log lines of a container's json-file log, parsed. */
  logLines(spec: ContainerSpec): { log: string; stream: string; time: string }[] {
    return fs.readFileSync(spec.logPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
  }

  /** stdout of a container run to completion. */
  async run(args: string[], over: Partial<ContainerSpec> = {}): Promise<{ out: string; err: string; code: number; spec: ContainerSpec }> {
    const spec = this.spec(args, over);
    await this.runtime.start(spec);
    const st = await this.runtime.waitExit(spec.id);
    const lines = this.logLines(spec);
    await this.runtime.cleanup(spec.id, spec.rootfs);
    return {
      out: lines.filter((l) => l.stream === 'stdout').map((l) => l.log).join(''),
      err: lines.filter((l) => l.stream === 'stderr').map((l) => l.log).join(''),
      code: st.exitCode,
      spec,
    };
  }

  async dispose(): Promise<void> {
    for (const id of this.ids) {
      await this.runtime.signal(id, 'KILL').catch(() => undefined);
      const rootfs = path.join(this.paths.containerDir(id), 'rootfs');
      await this.runtime.waitExit(id).catch(() => undefined);
      await this.runtime.cleanup(id, rootfs).catch(() => undefined);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Mount points under dir in the daemon's own mount table. */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
}

/**
 * Registers the before/after hooks of a suite that runs containers: skips the suite (saying
 * why) where it cannot run, builds the helper, and hands the fixture to `ready`.
 */
export function useRuntimeFixture(ready: (fx: RuntimeFixture) => void): void {
  let fx: RuntimeFixture | undefined;
  before(function () {
    const why = skipReason();
    if (why) skipBecause(this, why);
    buildHelper();
    fx = new RuntimeFixture();
    ready(fx);
  });
  after(async () => {
    if (fx) await fx.dispose();
  });
}
