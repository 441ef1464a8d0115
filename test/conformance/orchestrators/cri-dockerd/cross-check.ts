/**
 * The cri-dockerd transcripts replayed against Debian's dockerd (docker.io 20.10, API 1.41)
 * instead of berthd: a check of the transcripts themselves — that what they expect of a Docker
 * daemon (status codes, Status texts, State after a failed start, the resize race, the update's
 * zero RestartPolicy, -p with --network none, the pull's 500 without credentials ...) is what
 * the reference daemon answers. Not part of the CI suite (dockerd is not installed by
 * scripts/install.sh); run by hand as root after `npm run build`:
 *
 *   node dist/test/conformance/orchestrators/cri-dockerd/cross-check.js
 *
 * dockerd 20.10 speaks API 1.41, which cri-dockerd itself refuses (it needs 1.42): the start-up
 * replay must fail at the version check, and the pod is then replayed at /v1.41. dockerd runs
 * on its own socket and roots under a temp dir with --bridge=none --iptables=false (the pod's
 * network is the test's CNI side anyway); everything is removed at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildFixtureLayout, freePort, makeTempDir, ping, pushFixtures, removeTree, run, runOk, startRegistry, waitFor } from '../../../support';
import { replay, type Step, type Vars } from '../replay';
import { podNetFor } from './cni';
import { buildPause, cleanupPod, ipcShmShared, makePodDir, nodeSide, removePodCgroups, type DockerCli } from './node';
import { podSteps } from './pod-steps';
import { privatePullSteps } from './private-pull';
import { startupSteps } from './startup';

function canLowerOomScore(): boolean {
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
  return ((capEff >> 24n) & 1n) === 1n;
}

/**
 * Without CAP_SYS_RESOURCE (this VM's root) runc cannot write the sandbox's -998 and dockerd's
 * start fails ("can't get final child's PID from pipe: EOF"): cri-dockerd's pods cannot run on
 * dockerd on such a host at all. To check the rest of the transcript the sandbox is created with
 * OomScoreAdj 0 here, and that is printed. (berthd raises the value and warns instead.)
 */
function withoutNegativeOom(steps: Step[]): Step[] {
  if (canLowerOomScore()) return steps;
  return steps.map((s) => {
    if (s.name !== 'create the sandbox (pause)' || !('body' in s)) return s;
    process.stdout.write('  dockerd differs (host): no CAP_SYS_RESOURCE, so the sandbox is created with OomScoreAdj 0 instead of -998 (runc cannot start it otherwise)\n');
    const body = JSON.parse(JSON.stringify(s.body)) as { HostConfig: { OomScoreAdj: number } };
    body.HostConfig.OomScoreAdj = 0;
    return { ...s, body };
  });
}

function logStep(rec: { step: Step; reply?: { statusCode: number }; ms: number }, i: number): void {
  process.stdout.write(`  ${String(i + 1).padStart(2)} ${String(rec.reply?.statusCode ?? 'local').padEnd(5)} ${rec.step.name}\n`);
}

async function main(): Promise<void> {
  const dir = await makeTempDir('cri-dockerd-x');
  const procs: ChildProcess[] = [];
  const registry = await startRegistry();
  const sock = path.join(dir, 'd.sock');
  const docker: DockerCli = (args) => run('docker', ['-H', `unix://${sock}`, ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: path.join(dir, 'cli') } });
  const podNet = podNetFor('10.250.0.0/19', 997, await freePort(), 80);
  let podDir = '';
  let failed = 0;
  try {
    const fx = await pushFixtures(registry.host);
    const c = path.join(dir, 'ctrd');
    mkdirSync(c, { recursive: true });
    mkdirSync(path.join(dir, 'cli'));
    writeFileSync(path.join(c, 'config.toml'), `version = 2\nroot = "${c}/root"\nstate = "${c}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${c}/c.sock"\n[ttrpc]\n  address = "${c}/c.sock.ttrpc"\n`);
    procs.push(spawn('containerd', ['--config', path.join(c, 'config.toml')], { stdio: ['ignore', 'ignore', 'ignore'] }));
    await waitFor('containerd', async () => spawnSync('test', ['-S', `${c}/c.sock`]).status === 0);
    writeFileSync(path.join(dir, 'daemon.json'), '{}');
    procs.push(spawn('dockerd', ['-H', `unix://${sock}`, '--containerd', `${c}/c.sock`, '--config-file', path.join(dir, 'daemon.json'),
      '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'pid'),
      '--storage-driver', 'overlay2', '--bridge=none', '--iptables=false', '--ip-masq=false'], { stdio: ['ignore', 'ignore', 'ignore'] }));
    await waitFor('dockerd', () => ping(sock), { timeoutMs: 60_000 });

    const runs: Array<[string, () => Promise<void>]> = [
      ['start-up (must fail: dockerd 20.10 speaks API 1.41)', async () => {
        const r = await replay(sock, startupSteps(), { onStep: logStep }).then(() => undefined, (e: Error) => e);
        if (!r || !/step 2 "version check".*older than cri-dockerd's minimum 1\.42/s.test(r.message)) throw new Error(`expected the version check to refuse 1.41, got ${r?.message ?? 'success'}`);
        process.stdout.write('  refused at the version check, as cri-dockerd would\n');
      }],
      ['a pod with two containers and a port', async () => {
        await buildPause(docker, fx.busybox.ref);
        podDir = await makePodDir();
        const node = nodeSide({
          docker, podDir, podNet, shmShared: await ipcShmShared(docker), appRepo: fx.busyboxExtra.repository, appTag: fx.busyboxExtra.tag,
          raisedOomScore: readFileSync('/proc/self/oom_score_adj', 'utf8').trim(),
        });
        const vars: Vars = { v: '1.41', runtimes: 'runc,io.containerd.runc.v2,io.containerd.runtime.v1.linux' };
        await replay(sock, withoutNegativeOom(podSteps(node)), { vars, onStep: logStep });
      }],
      ['a private image', async () => {
        const creds = { username: 'kube', password: 's3cr?t>>~' };
        const reg = await startRegistry({ auth: creds });
        try {
          const layout = await buildFixtureLayout();
          await runOk('skopeo', ['copy', '-q', '--dest-tls-verify=false', '--dest-creds', `${creds.username}:${creds.password}`, `oci:${layout.dir}:hello`, `docker://${reg.host}/team/hello:private`], { timeoutMs: 120_000 });
          await replay(sock, privatePullSteps(`${reg.host}/team/hello`, 'private', creds), { vars: { v: '1.41' }, onStep: logStep });
        } finally {
          await reg.stop();
        }
      }],
    ];
    for (const [name, fn] of runs) {
      process.stdout.write(`${name}:\n`);
      await fn().then(() => process.stdout.write('  ok\n'), (err: Error) => {
        failed++;
        process.stdout.write(`  FAILED: ${err.message}\n`);
      });
    }
  } finally {
    await cleanupPod(docker, podNet).catch(() => undefined);
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)));
    }
    removePodCgroups();
    // dockerd's own /docker cgroups (the pause image build's containers): only the empty ones go
    for (const ctl of readdirSync('/sys/fs/cgroup')) {
      const d = `/sys/fs/cgroup/${ctl}/docker`;
      if (existsSync(d)) spawnSync('find', [d, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], { stdio: 'ignore' });
    }
    await registry.stop();
    if (podDir) await removeTree(podDir);
    await removeTree(dir);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 2;
});
