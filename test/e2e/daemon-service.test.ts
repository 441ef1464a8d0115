/**
 * berthd as a system service, from the checkout: started by systemd-socket-activate with a
 * $NOTIFY_SOCKET the test listens on (READY=1 once /_ping answers, RELOADING=1/READY=1 around a
 * SIGHUP, STOPPING=1), daemon.json reloaded on SIGHUP and shown live by `docker info`, a bad
 * file kept out with one log line, registry-mirrors used for Docker Hub pulls (a local
 * docker-registry plays the mirror), the socket's group, and --log-format text.
 * The installed package is tested the same way in package-deb.test.ts.
 */
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import {
  haveCommand, listenNotify, makeTempDir, ping, removeTree, repoRoot, requireRoot, run, runBerthd, sharedRegistry, skipBecause,
  socketActivate, startDaemon, waitFor, type Activated, type Fixtures, type NotifyListener,
} from '../support';

const DOCKER = (socket: string, args: string[]) =>
  run('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: path.join(path.dirname(socket), 'docker-config') } });
/** The JSON progress messages of POST /images/create, as the API streams them. */
function pullProgress(socket: string, ref: string): Promise<{ status?: string }[]> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: `/images/create?fromImage=${encodeURIComponent(ref)}` }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status?: string })));
    });
    req.on('error', reject);
    req.end();
  });
}
const BERTH = (socket: string, args: string[]) => run(process.execPath, [path.join(repoRoot(), 'bin', 'berth'), '-H', `unix://${socket}`, ...args]);

describe('e2e: berthd under systemd-style supervision (notify, reload, mirrors)', function () {
  let dir = '';
  let socket = '';
  let configFile = '';
  let logFile = '';
  let notify: NotifyListener | undefined;
  let daemon: Activated | undefined;
  let registryHost = '';
  let fixtures: Fixtures | undefined;

  before(async function () {
    requireRoot(this);
    for (const c of ['systemd-socket-activate', 'docker', 'skopeo']) if (!haveCommand(c)) skipBecause(this, `${c} is not installed (scripts/install.sh)`);
    dir = await makeTempDir('service');
    socket = path.join(dir, 'berth.sock');
    configFile = path.join(dir, 'daemon.json');
    logFile = path.join(dir, 'berthd.log');
    await fs.mkdir(path.join(dir, 'docker-config'));
    await fs.writeFile(configFile, '{}\n');
    const shared = await sharedRegistry();
    const registry = shared.registry;
    fixtures = shared.fixtures;
    registryHost = registry.host;
    // The "mirror" holds library/berth-mirror-test, as a Docker Hub mirror would hold library/*.
    const copy = await run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${fixtures.hello.ref}`, `docker://${registry.host}/library/berth-mirror-test:latest`]);
    assert.equal(copy.code, 0, copy.stderr);
    notify = await listenNotify(path.join(dir, 'notify.sock'));
  });

  after(async function () {
    await daemon?.stop('SIGKILL');
    await notify?.close();
    if (dir) await removeTree(dir);
  });

  it('sends READY=1 only once the socket serves; the first connection starts berthd', async function () {
    daemon = socketActivate(socket, [process.execPath, path.join(repoRoot(), 'bin', 'berthd'), '-H', 'fd://', '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'run'), '--config-file', configFile], { env: { NOTIFY_SOCKET: notify!.path }, logFile });
    await waitFor('systemd-socket-activate to listen', async () => statSync(socket, { throwIfNoEntry: false }) !== undefined);
    assert.equal(notify!.messages.length, 0, 'nothing is started before the first connection');
    const firstPing = ping(socket); // queued in the socket until berthd accepts it
    const ready = await notify!.waitFor(/^READY=1$/m);
    assert.match(ready, /^MAINPID=\d+$/m);
    assert.equal(await ping(socket), true, 'the socket answers /_ping when READY=1 has been sent');
    assert.equal(await firstPing, true);
  });

  it('SIGHUP reloads daemon.json: RELOADING=1 then READY=1, and docker info shows the new values', async function () {
    await fs.writeFile(configFile, JSON.stringify({
      debug: true, labels: ['tier=reloaded'], 'registry-mirrors': [`http://${registryHost}`], 'max-concurrent-downloads': 1, 'insecure-registries': ['reg.example:5000'],
    }));
    const before = notify!.messages.length;
    daemon!.child.kill('SIGHUP');
    await notify!.waitFor(/^RELOADING=1$/m, { after: before });
    const idx = notify!.messages.findIndex((m, i) => i >= before && /^RELOADING=1$/m.test(m));
    await notify!.waitFor(/^READY=1$/m, { after: idx + 1 });
    const info = await DOCKER(socket, ['info', '--format', '{{json .Labels}}|{{.Debug}}|{{json .RegistryConfig.Mirrors}}']);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stdout.trim(), `["tier=reloaded"]|true|["http://${registryHost}/"]`);
    assert.match(readFileSync(logFile, 'utf8'), /"msg":"configuration reloaded"/);
    const text = await BERTH(socket, ['info']);
    assert.match(text.stdout, /^ Labels:\n  tier=reloaded$/m);
    assert.match(text.stdout, new RegExp(`^ Registry Mirrors:\\n  http://${registryHost.replace(/\./g, '\\.')}/$`, 'm'));
    assert.match(text.stdout, /^ Debug Mode: true$/m);
    assert.match(text.stdout, /^ Insecure Registries:\n  reg\.example:5000$/m);
  });

  it('the reloaded max-concurrent-downloads applies to the next pull (one layer at a time: the others wait)', async function () {
    // busybox has two layers; with one download at a time the second is announced as Waiting.
    const progress = await pullProgress(socket, fixtures!.busybox.ref);
    assert.equal(progress.filter((m) => m.status === 'Waiting').length, 1, JSON.stringify(progress));
  });

  it('pulls a Docker Hub image through the mirror (docker.io/library/NAME)', async function () {
    const r = await BERTH(socket, ['pull', 'berth-mirror-test']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Status: Downloaded newer image for berth-mirror-test:latest/);
    const images = await DOCKER(socket, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.match(images.stdout, /^berth-mirror-test:latest$/m);
  });

  it('falls back to Docker Hub itself when the mirror misses, and says so clearly when that fails too', async function () {
    const r = await DOCKER(socket, ['pull', 'docker.io/library/berth-not-on-the-mirror:1']);
    assert.notEqual(r.code, 0);
    // The mirror answered "not found"; Docker Hub is unreachable from this machine.
    assert.match(r.stderr, /cannot reach registry registry-1\.docker\.io/);
    assert.doesNotMatch(r.stderr, /at \S+ \(/, 'no stack trace');
    assert.match(readFileSync(logFile, 'utf8'), /registry mirror failed, trying the next source/);
  });

  it('a bad daemon.json keeps the running configuration and logs one clear line', async function () {
    await fs.writeFile(configFile, '{"labels": "not-a-list"}');
    const before = notify!.messages.length;
    daemon!.child.kill('SIGHUP');
    await notify!.waitFor(/^READY=1$/m, { after: before + 1 });
    const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('configuration not reloaded'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match((JSON.parse(lines[0] as string) as { error: string }).error, /"labels" must be a list of strings/);
    const info = await DOCKER(socket, ['info', '--format', '{{json .Labels}}']);
    assert.equal(info.stdout.trim(), '["tier=reloaded"]');
  });

  it('sends STOPPING=1 on SIGTERM and exits 0', async function () {
    const before = notify!.messages.length;
    const code = await daemon!.stop('SIGTERM');
    await notify!.waitFor(/^STOPPING=1$/m, { after: before });
    assert.equal(code, 0);
  });
});

describe('e2e: berthd socket group and log format', function () {
  before(function () {
    requireRoot(this);
  });

  it('gives the unix socket it creates to --group, mode 0660, and logs logfmt with --log-format text', async function () {
    const d = await startDaemon({ args: ['--group', 'daemon', '--log-format', 'text'] });
    try {
      // The socket answers a moment before chmod/chown are done and the start-up line is written.
      await waitFor('the start-up log line', async () => readFileSync(d.logFile, 'utf8').includes('msg="berthd listening"'));
      const st = statSync(d.socket);
      assert.equal(st.mode & 0o777, 0o660);
      assert.equal(st.gid, Number((await run('getent', ['group', 'daemon'])).stdout.split(':')[2]));
      assert.match(readFileSync(d.logFile, 'utf8'), /^time="[^"]+" level=info msg="berthd listening" /m);
    } finally {
      await d.stop();
    }
  });

  it('--validate checks daemon.json without starting: "configuration OK", or the one sentence and exit 1', async function () {
    const dir = await makeTempDir('validate');
    try {
      await fs.writeFile(`${dir}/daemon.json`, JSON.stringify({ labels: ['a=b'], 'registry-mirrors': ['https://mirror.example.com'] }));
      const ok = await runBerthd(['--validate', '--config-file', `${dir}/daemon.json`]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'configuration OK\n');
      await fs.writeFile(`${dir}/daemon.json`, JSON.stringify({ 'registry-mirrors': ['ftp://mirror'] }));
      const bad = await runBerthd(['--validate', '--config-file', `${dir}/daemon.json`]);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'berthd: invalid registry mirror "ftp://mirror": the scheme must be http or https\n');
    } finally {
      await removeTree(dir);
    }
  });

  it('refuses to start with a --group that does not exist, in one sentence', async function () {
    const dir = await makeTempDir('group');
    try {
      await fs.writeFile(`${dir}/daemon.json`, '{}');
      const r = await runBerthd(['-H', `unix://${dir}/s.sock`, '--data-root', `${dir}/d`, '--exec-root', `${dir}/r`, '--config-file', `${dir}/daemon.json`, '--group', 'no-such-group-berth']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /^berthd: group "no-such-group-berth" for the API socket does not exist/);
    } finally {
      await removeTree(dir);
    }
  });
});
