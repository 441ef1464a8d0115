/**
 * The Nomad transcripts replayed against Debian's dockerd (docker.io 20.10, API 1.41) instead
 * of berthd: a check of the transcripts themselves — what they expect (304 on the second stop,
 * a SandboxKey for a network-none container, the logs refusal text, OOMKilled...) is what the
 * reference daemon answers. Not part of the CI suite (dockerd is not installed by
 * scripts/install.sh); run by hand as root:
 *
 *   node dist/test/conformance/orchestrators/nomad/cross-check.js
 *
 * dockerd runs on its own sockets and roots under a temp dir, on a bridge made for it
 * (dkrnomad0, 10.252.0.1/24), with --iptables=false (ports go through docker-proxy; the
 * host's firewall is left alone) and --live-restore (containers outlive its restart, as berthd's
 * do); everything is removed at the end. The bridge variant's mid-way restart is skipped there
 * (the restart job covers a restart under a running task).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, makeTempDir, ping, pushFixtures, removeTree, startRegistry, waitFor } from '../../../support';
import { replay, type Step, type Vars } from '../replay';
import { bridgeJobSteps } from './bridge-job';
import { defaultJobSteps, INDEX_HTML } from './default-job';
import { exitsJobSteps } from './exits-job';
import { authJobSteps } from './auth-job';
import { nomadRegistryAuth } from './task-steps';
import { restartJobSteps } from './restart-job';
import { makeAllocDir, renderTemplate } from './job';

const BRIDGE = 'dkrnomad0';
const PAUSE_IMAGE = `registry.k8s.io/pause-${process.arch === 'x64' ? 'amd64' : process.arch}:3.3`;

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Where dockerd 20.10 itself does not do what the transcripts check (found by this script):
 * the failure is printed and the replay goes on.
 *  - following logs across a json-file rotation repeats lines, or loses some (both seen in
 *    different runs); berthd sends each line once;
 *  - a follow sometimes ends at the container's stop before its last line is sent (1 run in 3
 *    here lost the recovered logger's only line); berthd sends every line before the end;
 *  - libnetwork removes a sandbox's netns file later (its garbage collection runs every
 *    minute); berthd's is gone with the container.
 */
const KNOWN_DIFFERENCES = new Set(['web: the log stream ends with the container', 'web: the new logger\'s stream (from the recovery on) ends', 'the namespace went with the pause container']);

function tolerateKnown(steps: Step[]): Step[] {
  return steps.map((step): Step => {
    if (!KNOWN_DIFFERENCES.has(step.name)) return step;
    const note = (err: unknown): void => void process.stdout.write(`     dockerd differs (known): ${(err as Error).message.split('\n').slice(0, 6).join(' | ')}\n`);
    if ('local' in step) {
      const f = step.local;
      return { ...step, local: async (vars) => { try { await f(vars); } catch (err) { note(err); } } };
    }
    const check = 'check' in step ? step.check : undefined;
    if (!check) return step;
    return { ...step, check: async (r, vars) => { try { await check(r, vars); } catch (err) { note(err); } } } as Step;
  });
}

function logStep(rec: { step: Step; reply?: { statusCode: number }; ms: number }, i: number): void {
  process.stdout.write(`  ${String(i + 1).padStart(2)} ${String(rec.reply?.statusCode ?? 'local').padEnd(5)} ${rec.step.name}\n`);
}

async function main(): Promise<void> {
  const dir = await makeTempDir('nomad-dockerd');
  const procs: ChildProcess[] = [];
  const registry = await startRegistry();
  try {
    const fx = await pushFixtures(registry.host);
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    sh('ip', ['addr', 'add', '10.252.0.1/24', 'dev', BRIDGE]);
    sh('ip', ['link', 'set', BRIDGE, 'up']);
    const c = path.join(dir, 'ctrd');
    mkdirSync(c, { recursive: true });
    writeFileSync(path.join(c, 'config.toml'), `version = 2\nroot = "${c}/root"\nstate = "${c}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${c}/c.sock"\n[ttrpc]\n  address = "${c}/c.sock.ttrpc"\n`);
    procs.push(spawn('containerd', ['--config', path.join(c, 'config.toml')], { stdio: ['ignore', 'ignore', 'ignore'] }));
    await waitFor('containerd', async () => spawnSync('test', ['-S', `${c}/c.sock`]).status === 0);
    const sock = path.join(dir, 'd.sock');
    writeFileSync(path.join(dir, 'daemon.json'), '{}');
    // --live-restore: containers outlive a dockerd restart, as berthd's outlive berthd's.
    const startDockerd = async (): Promise<ChildProcess> => {
      const p = spawn('dockerd', ['-H', `unix://${sock}`, '--containerd', `${c}/c.sock`, '--config-file', path.join(dir, 'daemon.json'),
        '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'pid'),
        '--storage-driver', 'overlay2', `--bridge=${BRIDGE}`, '--iptables=false', '--ip-masq=false', '--live-restore'], { stdio: ['ignore', 'ignore', 'ignore'] });
      procs.push(p);
      await waitFor('dockerd', () => ping(sock), { timeoutMs: 60_000 });
      return p;
    };
    let dockerd = await startDockerd();
    const restartDockerd = async (): Promise<void> => {
      const old = dockerd;
      old.kill('SIGTERM');
      await new Promise((r) => (old.exitCode !== null ? r(undefined) : old.once('exit', r)));
      procs.splice(procs.indexOf(old), 1);
      dockerd = await startDockerd();
    };
    const docker = (args: string[]): void => sh('docker', ['-H', `unix://${sock}`, ...args]);
    const cpuset = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    const i = fx.busybox.ref.lastIndexOf(':');
    const base: Vars = { image: fx.busybox.ref, imageRepo: fx.busybox.ref.slice(0, i), imageTag: fx.busybox.ref.slice(i + 1), cpuset };

    const runs: Array<[string, () => Promise<void>]> = [
      ['default network mode job', async () => {
        const allocId = randomUUID();
        const allocDir = makeAllocDir(dir, allocId, ['web']);
        renderTemplate(allocDir, 'web', 'index.html', INDEX_HTML);
        await replay(sock, tolerateKnown(defaultJobSteps()), { vars: { ...base, allocId, allocDir, hostIp: '127.0.0.1', hostPort: String(await freePort()) }, onStep: logStep });
      }],
      ['OOM and kill_signal job', async () => {
        const allocId = randomUUID();
        await replay(sock, exitsJobSteps(), { vars: { ...base, allocId, allocDir: makeAllocDir(dir, allocId, ['hog', 'quiet']) }, onStep: logStep });
      }],
      ['private image (auth)', async () => {
        const auth = { username: 'nomad', password: 'job-secret' };
        const reg = await startRegistry({ auth });
        try {
          const img = (await pushFixtures(reg.host, { auth })).busybox.ref;
          const k = img.lastIndexOf(':');
          await replay(sock, authJobSteps(auth.username, auth.password), {
            vars: { image: img, imageRepo: img.slice(0, k), imageTag: img.slice(k + 1), registryAuth: nomadRegistryAuth(auth.username, auth.password) }, onStep: logStep,
          });
        } finally {
          await reg.stop();
        }
      }],
      ['dockerd (live-restore) restarts under a running task', async () => {
        const allocId = randomUUID();
        await replay(sock, restartJobSteps(restartDockerd), { vars: { ...base, allocId, allocDir: makeAllocDir(dir, allocId, ['long']) }, onStep: logStep });
      }],
      ['bridge mode variant', async () => {
        const allocId = randomUUID();
        const allocDir = makeAllocDir(dir, allocId, ['web', 'sidecar']);
        renderTemplate(allocDir, 'web', 'index.html', INDEX_HTML);
        writeFileSync(path.join(allocDir, 'Dockerfile'), `FROM ${fx.busybox.ref}\nENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"]\n`);
        docker(['pull', '-q', fx.busybox.ref]);
        docker(['build', '-q', '-t', PAUSE_IMAGE, allocDir]);
        const hostPort = await freePort();
        const { steps, cleanup } = bridgeJobSteps(async () => undefined, '10.251.0.0/19', 999, hostPort);
        try {
          await replay(sock, tolerateKnown(steps), { vars: { ...base, pauseImage: PAUSE_IMAGE, allocId, allocDir, hostPort: String(hostPort) }, onStep: logStep });
        } finally {
          cleanup();
        }
      }],
    ];
    let failed = 0;
    for (const [name, run] of runs) {
      process.stdout.write(`${name}:\n`);
      await run().then(() => process.stdout.write('  ok\n'), (err: Error) => {
        failed++;
        process.stdout.write(`  FAILED: ${err.message}\n`);
      });
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)));
    }
    spawnSync('ip', ['link', 'del', BRIDGE]);
    await registry.stop();
    await removeTree(dir);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 2;
});
