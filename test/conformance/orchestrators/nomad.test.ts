/**
 * HashiCorp Nomad's docker task driver, replayed: the calls drivers/docker/ makes through the
 * moby Go client (see nomad/source.ts for the commits), over berthd's socket in raw HTTP, each
 * step citing the source line it reproduces. Nomad cannot be installed here (not in Debian,
 * BUSL); this is how its code would exercise berthd.
 *
 * 1. a job with a port, a memory limit and logs (default network mode);
 * 2. the same task in a group bridge network: a pause container (network none, unless-stopped)
 *    whose SandboxKey the test's CNI side configures, and tasks in container:<pause>.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, haveCommand, makeTempDir, pushFixtures, removeTree, requireRoot, sharedFixtures, skipBecause, startDaemon, startRegistry, type Fixtures, type TestDaemon } from '../../support';
import { replayOn } from './replay';
import { defaultJobSteps, INDEX_HTML } from './nomad/default-job';
import { makeAllocDir, renderTemplate } from './nomad/job';
import { bridgeJobSteps } from './nomad/bridge-job';
import { exitsJobSteps } from './nomad/exits-job';
import { authJobSteps } from './nomad/auth-job';
import { restartJobSteps } from './nomad/restart-job';
import { nomadRegistryAuth } from './nomad/task-steps';

/** Nomad's default infra_image (config.go:277-283): registry.k8s.io/pause-<GOARCH>:3.3. */
const PAUSE_IMAGE = `registry.k8s.io/pause-${process.arch === 'x64' ? 'amd64' : process.arch}:3.3`;

/**
 * A stand-in for the pause image, built under Nomad's default infra_image name (the real one
 * is not reachable here): a PID 1 that waits for a signal and exits at SIGTERM, as pause does.
 */
async function buildPauseImage(d: TestDaemon, busybox: string, dir: string): Promise<void> {
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${busybox}\nENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"]\n`);
  for (const args of [['pull', '-q', busybox], ['build', '-q', '-t', PAUSE_IMAGE, dir]]) {
    const r = await d.docker(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  }
}

/** "<registry>/busybox:latest" → repo and tag as reference.ParseNormalizedNamed splits them. */
function splitRef(ref: string): { repo: string; tag: string } {
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? { repo: ref.slice(0, i), tag: ref.slice(i + 1) } : { repo: ref, tag: 'latest' };
}

describe('conformance: Nomad docker driver replay', function () {
  let d: TestDaemon | undefined;
  let fx: Fixtures | undefined;
  let root = '';

  before(async function () {
    requireRoot(this);
    if (!haveCommand('nsenter') || !haveCommand('iptables')) skipBecause(this, 'nsenter and iptables are needed to play the CNI side');
    fx = await sharedFixtures();
    d = await startDaemon();
    root = await makeTempDir('nomad');
  });

  after(async function () {
    await d?.stop();
    if (root) await removeTree(root);
  });

  it('a job with a port, a memory limit and logs (default network mode)', async function () {
    if (!d || !fx) throw new Error('no daemon');
    const allocId = randomUUID();
    const allocDir = makeAllocDir(root, allocId, ['web']);
    renderTemplate(allocDir, 'web', 'index.html', INDEX_HTML);
    const { repo, tag } = splitRef(fx.busybox.ref);
    await replayOn(d, defaultJobSteps(), {
      vars: {
        image: fx.busybox.ref, imageRepo: repo, imageTag: tag, allocId, allocDir,
        hostIp: '127.0.0.1', hostPort: String(await freePort()),
        cpuset: readFileSync('/sys/devices/system/cpu/online', 'utf8').trim(),
      },
    });
  });

  it('an OOM-killed task; a task logging to "none" stopped with kill_signal', async function () {
    if (!d || !fx) throw new Error('no daemon');
    const allocId = randomUUID();
    const allocDir = makeAllocDir(root, allocId, ['hog', 'quiet']);
    const { repo, tag } = splitRef(fx.busybox.ref);
    await replayOn(d, exitsJobSteps(), {
      vars: { image: fx.busybox.ref, imageRepo: repo, imageTag: tag, allocId, allocDir, cpuset: readFileSync('/sys/devices/system/cpu/online', 'utf8').trim() },
    });
  });

  it('a private image: the task\'s auth block in X-Registry-Auth', async function () {
    if (!d) throw new Error('no daemon');
    const auth = { username: 'nomad', password: 'job-secret' };
    const registry = await startRegistry({ auth });
    try {
      const img = (await pushFixtures(registry.host, { auth })).busybox.ref;
      const { repo, tag } = splitRef(img);
      await replayOn(d, authJobSteps(auth.username, auth.password), {
        vars: { image: img, imageRepo: repo, imageTag: tag, registryAuth: nomadRegistryAuth(auth.username, auth.password) },
      });
    } finally {
      await registry.stop();
    }
  });

  it('berthd restarts under a running task: the container lives on, Nomad\'s held wait ends', async function () {
    if (!d || !fx) throw new Error('no daemon');
    const allocId = randomUUID();
    const { repo, tag } = splitRef(fx.busybox.ref);
    await replayOn(d, restartJobSteps(() => (d as TestDaemon).restart()), {
      vars: { image: fx.busybox.ref, imageRepo: repo, imageTag: tag, allocId, allocDir: makeAllocDir(root, allocId, ['long']), cpuset: readFileSync('/sys/devices/system/cpu/online', 'utf8').trim() },
    });
  });

  it('bridge mode: a pause container, its SandboxKey for CNI, tasks in container:<pause>', async function () {
    if (!d || !fx) throw new Error('no daemon');
    const slot = d.netSlot;
    if (!slot) throw new Error('the test daemon has no network slot');
    const allocId = randomUUID();
    const allocDir = makeAllocDir(root, allocId, ['web', 'sidecar']);
    renderTemplate(allocDir, 'web', 'index.html', INDEX_HTML);
    await buildPauseImage(d, fx.busybox.ref, allocDir);
    const { repo, tag } = splitRef(fx.busybox.ref);
    const hostPort = await freePort();
    const { steps, cleanup } = bridgeJobSteps(() => (d as TestDaemon).restart(), slot.pool, slot.n, hostPort);
    try {
      await replayOn(d, steps, {
        vars: {
          image: fx.busybox.ref, imageRepo: repo, imageTag: tag, pauseImage: PAUSE_IMAGE, allocId, allocDir,
          hostPort: String(hostPort), cpuset: readFileSync('/sys/devices/system/cpu/online', 'utf8').trim(),
        },
      });
    } finally {
      cleanup();
    }
  });
});
