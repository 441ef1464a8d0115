/**
 * The node around cri-dockerd, shared by the CI replay against berthd (../cri-dockerd.test.ts)
 * and the by-hand replay against Debian's dockerd (cross-check.ts): the pause image, the
 * kubelet's pod directory, the CNI plugin (cni.ts), and the host-side checks of the running pod
 * (namespaces, resolv.conf, host port, OOM scores, cgroups, capabilities, logs, /dev/shm).
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import * as path from 'node:path';
import { httpGet, makeTempDir, removeTree, run, waitFor, type RunResult } from '../../../support';
import { isRFC3339Nano, type Vars } from '../replay';
import { setUp, tearDown, type PodNet } from './cni';
import { resolvContent, type PodOptions } from './pod-steps';
import { BROKEN, CGROUP_PARENT, CRASHER, POD, SIDECAR, WEB } from './pod-spec';

/** The docker CLI pointed at the daemon under test. */
export type DockerCli = (args: string[]) => Promise<RunResult>;

/** The node's pod-infra image name (cri-dockerd's default, sandbox_helpers.go:41). */
export const PAUSE = 'registry.k8s.io/pause:3.10';

/**
 * The kubelet's pod cgroups (CGROUP_PARENT and its parents) in every hierarchy: berthd, like
 * dockerd, makes the missing levels of a cgroup parent but removes only the container's own.
 * rmdir removes only empty ones: whatever something else still uses stays.
 */
export function removePodCgroups(): void {
  const levels = CGROUP_PARENT.split('/').filter(Boolean).map((_, i, a) => '/' + a.slice(0, i + 1).join('/')).reverse();
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((n) => `/sys/fs/cgroup/${n}`)];
  for (const root of roots) for (const l of levels) if (existsSync(`${root}${l}`)) try { rmdirSync(`${root}${l}`); } catch { /* in use */ }
}

/** The memory limit of the cgroup `pid` is in (v1 memory.limit_in_bytes or v2 memory.max). */
export function memoryLimit(pid: number): string {
  const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const v1 = /^\d+:[^:]*\bmemory\b[^:]*:(.*)$/m.exec(cg)?.[1];
  const v2 = /^0::(.*)$/m.exec(cg)?.[1];
  const file = v1 !== undefined ? `/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes` : `/sys/fs/cgroup${v2 ?? ''}/memory.max`;
  return readFileSync(file, 'utf8').trim();
}

/** Whether `--ipc container:X` shares X's /dev/shm on this berthd (a file written by X is seen). */
export async function ipcShmShared(docker: DockerCli): Promise<boolean> {
  const a = await docker(['run', '-d', '--ipc', 'shareable', PAUSE]);
  if (a.code !== 0) return false;
  const id = a.stdout.trim();
  try {
    const pid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim());
    await fs.writeFile(`/proc/${pid}/root/dev/shm/probe`, 'x');
    const b = await docker(['run', '--rm', '--ipc', `container:${id}`, '--entrypoint', 'cat', PAUSE, '/dev/shm/probe']);
    return b.code === 0 && b.stdout === 'x';
  } finally {
    await docker(['rm', '-f', id]);
  }
}

/** Builds the pause image from busybox: sleeps until TERM (registry.k8s.io is not reachable here). */
export async function buildPause(docker: DockerCli, busyboxRef: string): Promise<void> {
  const ctx = await makeTempDir('pause');
  try {
    await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${busyboxRef}\nENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]\n`);
    const b = await docker(['build', '-q', '-t', PAUSE, ctx]);
    assert.equal(b.code, 0, b.stderr);
  } finally {
    await removeTree(ctx);
  }
}

/** The kubelet's pod directory: /var/lib/kubelet/pods/<uid>/{etc-hosts,containers/<name>/<file>}. */
export async function makePodDir(): Promise<string> {
  const dir = await makeTempDir('kubelet-pod');
  await fs.writeFile(path.join(dir, 'etc-hosts'), `127.0.0.1\tlocalhost\n10.0.0.1\t${POD.hostname}\n`);
  for (const c of [WEB, SIDECAR, CRASHER, BROKEN]) {
    await fs.mkdir(path.join(dir, 'containers', c.name), { recursive: true });
    await fs.writeFile(path.join(dir, 'containers', c.name, 'termination-log'), '');
  }
  return dir;
}

/** Removes the pod's containers, its CNI leftovers and cgroups (after a failure too). */
export async function cleanupPod(docker: DockerCli | undefined, net: PodNet | undefined): Promise<void> {
  if (net) tearDown(net);
  if (docker) {
    const left = await docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${POD.uid}`]);
    for (const id of left.stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', id]);
  }
}

export interface NodeSide {
  docker: DockerCli;
  podDir: string;
  podNet: PodNet;
  shmShared: boolean;
  appRepo: string;
  appTag: string;
  /** What the sandbox's oom_score_adj is when -998 cannot be set (no CAP_SYS_RESOURCE), and the create warning that says so. */
  raisedOomScore: string;
  raisedOomWarning?: RegExp;
}

/** The pod's PodOptions with this node's CNI plugin and checks. */
export function nodeSide(n: NodeSide): PodOptions {
  const pidOf = async (id: string): Promise<number> => Number((await n.docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim());

  const checkPod = async (v: Vars): Promise<void> => {
    const pids = { sandbox: Number(v.sandboxPid), web: await pidOf(v.web as string), sidecar: await pidOf(v.sidecar as string) };
    const ns = (pid: number, kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);
    const read = (p: string) => readFileSync(p, 'utf8');
    // Every check runs; the failures are reported together.
    const checks: [string, () => void | Promise<void>][] = [
      ['web and sidecar share the sandbox\'s net and ipc namespaces', () => {
        for (const kind of ['net', 'ipc']) for (const c of ['web', 'sidecar'] as const) assert.equal(ns(pids[c], kind), ns(pids.sandbox, kind), `${c} ${kind}`);
      }],
      // Docker points a container:<id> container at the sandbox's resolv.conf and hostname.
      ['both see the rewritten pod resolv.conf, the kubelet\'s /etc/hosts and the pod hostname', async () => {
        for (const c of ['web', 'sidecar'] as const) {
          assert.equal(read(`/proc/${pids[c]}/root/etc/resolv.conf`), resolvContent(), `${c} resolv.conf`);
          assert.equal(read(`/proc/${pids[c]}/root/etc/hosts`), read(path.join(n.podDir, 'etc-hosts')), `${c} /etc/hosts`);
          const h = await run('nsenter', [`--uts=/proc/${pids[c]}/ns/uts`, 'hostname']);
          assert.equal(h.stdout.trim(), POD.hostname, `${c} hostname`);
        }
      }],
      ['the host port reaches the pod through the portmap DNAT', async () => {
        let body = '';
        await waitFor(`http://${n.podNet.hostIp}:${n.podNet.hostPort}/ to answer`, async () => {
          body = (await httpGet(`http://${n.podNet.hostIp}:${n.podNet.hostPort}/`).catch(() => ({ body: '' }))).body;
          return body !== '';
        }, { timeoutMs: 15_000 });
        assert.equal(body, 'pod-ok\n');
      }],
      ['OomScoreAdj is applied (sandbox -998, apps as the kubelet computed)', () => {
        // Without CAP_SYS_RESOURCE (this VM's root lacks it) nobody may go below their own
        // value: berthd raises -998 to its own (inherited from the test) and warns.
        const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(read('/proc/self/status'))?.[1] ?? '0'}`);
        const canLower = ((capEff >> 24n) & 1n) === 1n;
        assert.equal(read(`/proc/${pids.sandbox}/oom_score_adj`).trim(), canLower ? '-998' : n.raisedOomScore, 'sandbox');
        if (!canLower && n.raisedOomWarning) assert.match(v.sandboxWarnings ?? '', n.raisedOomWarning);
        assert.equal(read(`/proc/${pids.web}/oom_score_adj`).trim(), String(WEB.resources.OomScoreAdj), 'web');
        assert.equal(read(`/proc/${pids.sidecar}/oom_score_adj`).trim(), String(SIDECAR.resources.OomScoreAdj), 'sidecar');
      }],
      ['the containers run under the pod\'s cgroup parent', () => {
        for (const c of ['sandbox', 'web', 'sidecar'] as const) assert.ok(read(`/proc/${pids[c]}/cgroup`).includes(CGROUP_PARENT), `${c}: ${read(`/proc/${pids[c]}/cgroup`)}`);
      }],
      ['capabilities, no_new_privs and the kubelet\'s mounts reach the processes', async () => {
        const status = (pid: number) => read(`/proc/${pid}/status`);
        // web: drop ALL, add NET_BIND_SERVICE (bit 10)
        assert.match(status(pids.web), /^CapEff:\s*0000000000000400$/m, 'web CapEff');
        assert.match(status(pids.web), /^NoNewPrivs:\s*1$/m, 'web no-new-privileges');
        assert.doesNotMatch(status(pids.sidecar), /^CapEff:\s*0+$/m, 'sidecar keeps the default set');
        assert.equal((BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status(pids.sidecar))?.[1] ?? '0'}`) >> 13n) & 1n, 0n, 'sidecar dropped NET_RAW (bit 13)');
        await fs.writeFile(`/proc/${pids.web}/root/dev/termination-log`, 'bye');
        assert.equal(read(path.join(n.podDir, 'containers', 'web', 'termination-log')), 'bye', 'the termination log is the kubelet\'s file');
      }],
      ['the memory limit is set (Memory = MemorySwap)', () => assert.equal(memoryLimit(pids.web), String(WEB.resources.Memory))],
      ['the kubelet can read the log at LogPath as Docker json-file lines', () => {
        const lines = read(v.sidecarLog as string).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
        assert.ok(lines.some((l) => l.log === 'sidecar-started\n' && l.stream === 'stdout' && isRFC3339Nano(l.time)), JSON.stringify(lines));
      }],
      ['the pod shares one /dev/shm (IPC shareable + container:<sandbox>)', async () => {
        if (!n.shmShared) {
          process.stdout.write('      pending: /dev/shm is not shared through --ipc container: yet (issue 7); the namespace check above covers IPC\n');
          return;
        }
        await fs.writeFile(`/proc/${pids.web}/root/dev/shm/pod-shm`, 'shared');
        assert.equal(read(`/proc/${pids.sidecar}/root/dev/shm/pod-shm`), 'shared');
      }],
    ];
    const failed: string[] = [];
    for (const [what, check] of checks) {
      try {
        await check();
      } catch (e) {
        failed.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (failed.length) throw new Error(`pod checks failed:\n    ${failed.join('\n    ')}`);
  };

  return {
    pauseImage: PAUSE,
    appRepo: n.appRepo,
    appTag: n.appTag,
    hostPort: n.podNet.hostPort,
    podDir: n.podDir,
    cniAdd: (v) => setUp(n.podNet, Number(v.sandboxPid)),
    cniDel: () => tearDown(n.podNet),
    checkPod,
    waitExited: (key) => async (v) => {
      await waitFor(`${key} to exit`, async () => (await n.docker(['inspect', '-f', '{{.State.Running}}', v[key] as string])).stdout.trim() === 'false', { timeoutMs: 20_000 });
    },
    portForward: async (v) => {
      const r = await run('nsenter', ['-t', String(v.forwardPid), '-n', 'busybox', 'nc', '127.0.0.1', '80'], { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 20_000 });
      assert.match(r.stdout, /^HTTP\/1\.[01] 200[\s\S]*\r\n\r\npod-ok\n$/, r.stdout + r.stderr);
    },
    checkResized: async (v) => assert.equal(memoryLimit(await pidOf(v.web as string)), String(192 * 1024 * 1024)),
  };
}
