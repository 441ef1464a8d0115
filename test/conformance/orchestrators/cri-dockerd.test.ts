/**
 * Kubernetes through cri-dockerd, replayed: the calls cri-dockerd (Mirantis/cri-dockerd, see
 * cri-dockerd/source.ts for the commit) makes to a Docker Engine API daemon, over berthd's
 * socket in raw HTTP, each step citing the source line it reproduces. A real kubelet and
 * cri-dockerd cannot be installed here; this is how their code would exercise berthd.
 *
 * The test plays the rest of the node: the pause image (built locally, as a node's
 * --pod-infra-container-image would be present), the kubelet's pod directory (etc-hosts,
 * termination log), and the CNI plugins (cri-dockerd/cni.ts). Everything it adds to the host
 * is removed in after(), also when a step fails.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildFixtureLayout, freePort, haveCommand, run, runOk, startRegistry, httpGet, makeTempDir, removeTree, requireRoot, sharedFixtures, skipBecause, startDaemon, waitFor, type Fixtures, type TestDaemon } from '../../support';
import { isRFC3339Nano, replayOn, type Vars } from './replay';
import { podNetFor, setUp, tearDown, type PodNet } from './cri-dockerd/cni';
import { podSteps, resolvContent } from './cri-dockerd/pod-steps';
import { BROKEN, CGROUP_PARENT, CRASHER, POD, SIDECAR, WEB } from './cri-dockerd/pod-spec';
import { startupSteps } from './cri-dockerd/startup';
import { privatePullSteps, registryAuthHeader } from './cri-dockerd/private-pull';

const PAUSE = 'registry.k8s.io/pause:3.10';

/**
 * The kubelet's pod cgroups (CGROUP_PARENT and its parents) in every hierarchy: berthd, like
 * dockerd, makes the missing levels of a cgroup parent but removes only the container's own.
 * rmdir removes only empty ones: whatever something else still uses stays.
 */
function removePodCgroups(): void {
  const levels = CGROUP_PARENT.split('/').filter(Boolean).map((_, i, a) => '/' + a.slice(0, i + 1).join('/')).reverse();
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((n) => `/sys/fs/cgroup/${n}`)];
  for (const root of roots) for (const l of levels) if (existsSync(`${root}${l}`)) try { rmdirSync(`${root}${l}`); } catch { /* in use */ }
}

/** The memory limit of the cgroup `pid` is in (v1 memory.limit_in_bytes or v2 memory.max). */
function memoryLimit(pid: number): string {
  const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const v1 = /^\d+:[^:]*\bmemory\b[^:]*:(.*)$/m.exec(cg)?.[1];
  const v2 = /^0::(.*)$/m.exec(cg)?.[1];
  const file = v1 !== undefined ? `/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes` : `/sys/fs/cgroup${v2 ?? ''}/memory.max`;
  return readFileSync(file, 'utf8').trim();
}

/** Whether `--ipc container:X` shares X's /dev/shm on this berthd (a file written by X is seen). */
async function ipcShmShared(d: TestDaemon): Promise<boolean> {
  const a = await d.docker(['run', '-d', '--ipc', 'shareable', PAUSE]);
  if (a.code !== 0) return false;
  const id = a.stdout.trim();
  try {
    const pid = Number((await d.docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim());
    await fs.writeFile(`/proc/${pid}/root/dev/shm/probe`, 'x');
    const b = await d.docker(['run', '--rm', '--ipc', `container:${id}`, '--entrypoint', 'cat', PAUSE, '/dev/shm/probe']);
    return b.code === 0 && b.stdout === 'x';
  } finally {
    await d.docker(['rm', '-f', id]);
  }
}

describe('conformance: cri-dockerd (Kubernetes) replay', function () {
  this.timeout(300_000);
  let d: TestDaemon | undefined;
  let f: Fixtures;
  let podDir = '';
  let net: PodNet | undefined;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker') || !haveCommand('nsenter') || !haveCommand('iptables')) skipBecause(this, 'needs the docker CLI, nsenter and iptables');
    f = await sharedFixtures();
    d = await startDaemon();
    // The node's pause image: something that sleeps until TERM (registry.k8s.io is not reachable here).
    const ctx = await makeTempDir('pause');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${f.busybox.ref}\nENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]\n`);
    const b = await d.docker(['build', '-q', '-t', PAUSE, ctx]);
    await removeTree(ctx);
    assert.equal(b.code, 0, b.stderr);
    // The kubelet's pod directory: /var/lib/kubelet/pods/<uid>/{etc-hosts,containers/<name>/<n>}.
    podDir = await makeTempDir('kubelet-pod');
    await fs.writeFile(path.join(podDir, 'etc-hosts'), `127.0.0.1\tlocalhost\n${'10.0.0.1'}\t${POD.hostname}\n`);
    for (const c of [WEB, SIDECAR, CRASHER, BROKEN]) {
      await fs.mkdir(path.join(podDir, 'containers', c.name), { recursive: true });
      await fs.writeFile(path.join(podDir, 'containers', c.name, 'termination-log'), '');
    }
  });

  after(async function () {
    if (net) tearDown(net);
    if (d?.pid) {
      const left = await d.docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${POD.uid}`]);
      for (const id of left.stdout.split('\n').filter(Boolean)) await d.docker(['rm', '-f', id]);
    }
    await d?.stop();
    if (podDir) await removeTree(podDir);
    removePodCgroups();
  });

  it('start-up: negotiates API ≥ 1.42 from /_ping and /version, reads /info', async function () {
    if (!d) throw new Error('no daemon');
    await replayOn(d, startupSteps());
  });

  it('a pod with two containers and a port: sandbox, containers, status, exec probe, stats, stop, remove', async function () {
    const daemon = d;
    if (!daemon?.netSlot) throw new Error('no daemon with a network slot');
    // /dev/shm through --ipc container: is issue 7's (helper netgaps); checked once it works.
    const shmShared = await ipcShmShared(daemon);
    const hostPort = await freePort();
    const podNet = podNetFor(daemon.netSlot.pool, daemon.netSlot.n, hostPort, 80);
    net = podNet;
    const pidOf = async (id: string): Promise<number> => Number((await daemon.docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim());

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
            assert.equal(read(`/proc/${pids[c]}/root/etc/hosts`), read(path.join(podDir, 'etc-hosts')), `${c} /etc/hosts`);
            const h = await run('nsenter', [`--uts=/proc/${pids[c]}/ns/uts`, 'hostname']);
            assert.equal(h.stdout.trim(), POD.hostname, `${c} hostname`);
          }
        }],
        ['the host port reaches the pod through the portmap DNAT', async () => {
          let body = '';
          await waitFor(`http://${podNet.hostIp}:${hostPort}/ to answer`, async () => {
            body = (await httpGet(`http://${podNet.hostIp}:${hostPort}/`).catch(() => ({ body: '' }))).body;
            return body !== '';
          }, { timeoutMs: 15_000 });
          assert.equal(body, 'pod-ok\n');
        }],
        ['OomScoreAdj is applied (sandbox -998, apps as the kubelet computed)', () => {
          // Without CAP_SYS_RESOURCE (this VM's root lacks it) nobody may go below their own
          // value: berthd raises -998 to its own (0, inherited from this process) and warns.
          const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(read('/proc/self/status'))?.[1] ?? '0'}`);
          const canLower = ((capEff >> 24n) & 1n) === 1n;
          assert.equal(read(`/proc/${pids.sandbox}/oom_score_adj`).trim(), canLower ? '-998' : read('/proc/self/oom_score_adj').trim(), 'sandbox');
          if (!canLower) assert.match(v.sandboxWarnings ?? '', /lacks CAP_SYS_RESOURCE, so OomScoreAdj -998 is raised/);
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
          assert.equal(read(path.join(podDir, 'containers', 'web', 'termination-log')), 'bye', 'the termination log is the kubelet\'s file');
        }],
        ['the memory limit is set (Memory = MemorySwap)', () => assert.equal(memoryLimit(pids.web), String(WEB.resources.Memory))],
        ['the kubelet can read the log at LogPath as Docker json-file lines', () => {
          const lines = read(v.sidecarLog as string).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
          assert.ok(lines.some((l) => l.log === 'sidecar-started\n' && l.stream === 'stdout' && isRFC3339Nano(l.time)), JSON.stringify(lines));
        }],
        ['the pod shares one /dev/shm (IPC shareable + container:<sandbox>)', async () => {
          if (!shmShared) {
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

    await replayOn(daemon, [
      ...startupSteps(),
      ...podSteps({
        pauseImage: PAUSE,
        appRepo: f.busyboxExtra.repository,
        appTag: f.busyboxExtra.tag,
        hostPort,
        podDir,
        cniAdd: (v) => setUp(podNet, Number(v.sandboxPid)),
        cniDel: () => tearDown(podNet),
        checkPod,
        waitExited: (key) => async (v) => {
          await waitFor(`${key} to exit`, async () => (await daemon.docker(['inspect', '-f', '{{.State.Running}}', v[key] as string])).stdout.trim() === 'false', { timeoutMs: 20_000 });
        },
        portForward: async (v) => {
          const r = await run('nsenter', ['-t', String(v.forwardPid), '-n', 'busybox', 'nc', '127.0.0.1', '80'], { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 20_000 });
          assert.match(r.stdout, /^HTTP\/1\.[01] 200[\s\S]*\r\n\r\npod-ok\n$/, r.stdout + r.stderr);
        },
        checkResized: async (v) => assert.equal(memoryLimit(await pidOf(v.web as string)), String(192 * 1024 * 1024)),
      }),
    ]);
  });
  it('an image from a private registry: pulled with the imagePullSecret in X-Registry-Auth, refused without it', async function () {
    const daemon = d;
    if (!daemon) throw new Error('no daemon');
    if (!haveCommand('htpasswd') || !haveCommand('skopeo')) skipBecause(this, 'needs htpasswd and skopeo for an authenticated registry');
    // A password whose base64url has '-', '_' and padding, as Go's base64.URLEncoding writes it.
    const creds = { username: 'kube', password: 's3cr?t>>~' };
    const header = registryAuthHeader(creds);
    assert.match(header, /-/);
    assert.match(header, /_/);
    assert.match(header, /=$/);
    const reg = await startRegistry({ auth: creds });
    try {
      const layout = await buildFixtureLayout();
      await runOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', '--dest-creds', `${creds.username}:${creds.password}`, `oci:${layout.dir}:hello`, `docker://${reg.host}/team/hello:private`], { timeoutMs: 120_000 });
      await replayOn(daemon, [...startupSteps(), ...privatePullSteps(`${reg.host}/team/hello`, 'private', creds)]);
    } finally {
      await reg.stop();
    }
  });
});
