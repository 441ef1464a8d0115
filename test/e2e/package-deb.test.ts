/**
 * The Debian package, end to end on this machine: scripts/package-deb.sh builds it, `dpkg -i`
 * installs it (every file lands, the berth group exists, /etc/berth/daemon.json is a
 * conffile), `systemd-analyze verify` accepts the installed units, the installed berthd
 * started by systemd-socket-activate sends READY=1 once /_ping answers, reloads an edited
 * daemon.json on SIGHUP and says STOPPING=1; started by hand it gives its socket to the berth
 * group, so a user in that group runs hello-world through /usr/bin/berth without sudo and a
 * user outside it is refused. `dpkg -r` stops that berthd and keeps /var/lib/berth;
 * `dpkg --purge` removes it.
 *
 * The machine is shared: the suite skips when berth is already installed or a berthd runs on
 * /var/lib/berth or /run/berth; it moves an idle /var/lib/berth, /run/berth or
 * /etc/berth/daemon.json aside and puts it back, and removes the users it made and the berth
 * group when the group did not exist before, and the default bridge berth0 and its firewall
 * rules when the installed berthd made them.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  haveCommand, listenNotify, makeTempDir, ping, removeTree, repoRoot, requireRoot, run, runOk, sharedFixtures, skipBecause,
  removeBridgeNetwork, snapshotHostNetwork, socketActivate, waitFor, type Activated, type Fixtures, type HostNetworkSnapshot,
  type NotifyListener, type RunResult,
} from '../support';

const SYSTEM_DIRS = ['/var/lib/berth', '/run/berth'];
const CONFFILE = '/etc/berth/daemon.json';

/** The pid in DIR/berthd.pid when that process is alive and is a berthd. */
function liveBerthd(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'berthd.pid'), 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berthd') ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function installed(): Promise<string> {
  const r = await run('dpkg-query', ['-W', '-f', '${Status}', 'berth']);
  return r.code === 0 ? r.stdout.trim() : 'not installed';
}

const groupExists = async (name: string) => (await run('getent', ['group', name])).code === 0;

describe('e2e: the Debian package (build, install, run, remove, purge)', function () {
  this.timeout(120_000);
  let dir = '';
  let deb = '';
  let fixtures: Fixtures;
  let createdGroup = false;
  const users: string[] = [];
  const movedAside: [string, string][] = [];
  let notify: NotifyListener | undefined;
  let activated: Activated | undefined;
  let manualPid: number | undefined;
  let machineLock: ChildProcess | undefined;
  let owned = false;
  // The installed berthd makes the default bridge berth0 and its rules; the suite removes them.
  let hostNetwork: HostNetworkSnapshot | undefined;
  /** What dpkg -L listed after the install. */
  let listed: string[] = [];
  const member = `berthpkg${process.pid}`;
  const outsider = `berthout${process.pid}`;

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const dpkg = (args: string[]) => run('dpkg', ['--force-confdef', '--force-confold', ...args], { env });
  /** /usr/bin/berth as `user` (own HOME), through `socket`. */
  const berthAs = (user: string, socket: string, args: string[]): Promise<RunResult> =>
    run('setpriv', ['--reuid', user, '--regid', user, '--init-groups', '/usr/bin/berth', '-H', `unix://${socket}`, ...args], {
      env: { PATH: '/usr/bin:/bin', HOME: path.join(dir, user) },
    });

  before(async function () {
    requireRoot(this);
    for (const c of ['dpkg-deb', 'dpkg-shlibdeps', 'systemd-analyze', 'systemd-socket-activate', 'setpriv', 'useradd', 'man']) {
      if (!haveCommand(c)) skipBecause(this, `${c} is not installed (scripts/install.sh)`);
    }
    // One package test per machine at a time (other worktrees run the suite too).
    // -o: only flock itself holds the lock; `cat` ends (and the lock with it) when our end of its stdin closes.
    machineLock = spawn('flock', ['-n', '-o', '-E', '99', '/run/lock/berth-package-test.lock', 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const got = await new Promise<boolean>((resolve) => {
      machineLock!.stdout!.once('data', () => resolve(true));
      machineLock!.once('exit', () => resolve(false));
    });
    if (!got) skipBecause(this, 'another run of this suite holds /run/lock/berth-package-test.lock (one package test per machine)');
    const state = await installed();
    if (/ok installed|config-files/.test(state)) {
      skipBecause(this, `a berth package is installed here (${state}); this suite does not touch it (dpkg --purge berth to run it)`);
    }
    for (const d of SYSTEM_DIRS) {
      const pid = liveBerthd(d);
      if (pid) skipBecause(this, `a berthd (pid ${pid}) runs on ${d}; purging the package would remove its state`);
    }
    owned = true; // from here on, what is on this machine is this run's to clean up
    hostNetwork = snapshotHostNetwork('berth0');
    dir = await makeTempDir('package');
    await fs.chmod(dir, 0o755);
    for (const p of [...SYSTEM_DIRS, CONFFILE]) {
      if (!existsSync(p)) continue;
      const aside = `${p}.moved-by-package-test-${process.pid}`;
      await fs.rename(p, aside);
      movedAside.push([p, aside]);
    }
    createdGroup = !(await groupExists('berth'));
    fixtures = await sharedFixtures();
    const r = await run('bash', [path.join(repoRoot(), 'scripts', 'package-deb.sh'), '--no-build', '-o', dir]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    deb = path.join(dir, (await fs.readdir(dir)).find((n) => /^berth_.*\.deb$/.test(n)) ?? 'missing.deb');
  });

  after(async function () {
    if (!owned) {
      machineLock?.stdin?.end();
      return;
    }
    await activated?.stop('SIGKILL');
    await notify?.close();
    if (manualPid) {
      try {
        process.kill(manualPid, 'SIGTERM');
        await waitFor('the hand-started berthd to exit', async () => !existsSync(`/proc/${manualPid}`), { timeoutMs: 30_000 });
      } catch {
        // already gone
      }
    }
    const state = await installed();
    if (/installed|config-files/.test(state) && !/not-installed/.test(state)) await dpkg(['--purge', 'berth']);
    if (hostNetwork) removeBridgeNetwork('berth0', hostNetwork);
    for (const u of users) await run('userdel', ['-r', u]);
    if (createdGroup && (await groupExists('berth'))) await run('groupdel', ['berth']);
    for (const [p, aside] of movedAside) {
      await fs.rm(p, { recursive: true, force: true });
      await fs.rename(aside, p);
    }
    if (dir) await removeTree(dir);
    machineLock?.stdin?.end();
  });

  it('installs with dpkg -i: files where Debian puts them, the berth group, a conffile', async function () {
    const r = await dpkg(['-i', deb]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(await installed(), /install ok installed/);
    for (const f of [
      '/usr/bin/berth', '/usr/sbin/berthd', '/usr/lib/berth/dist/daemon/main.js', '/usr/lib/berth/dist/client/main.js',
      '/usr/lib/berth/native/helper/build/berth-helper', '/usr/lib/berth/node_modules/koffi/package.json', '/usr/lib/berth/node_modules/express/package.json',
      '/lib/systemd/system/berthd.service', '/lib/systemd/system/berthd.socket', CONFFILE,
      '/usr/share/man/man1/berth.1.gz', '/usr/share/man/man8/berthd.8.gz', '/usr/share/bash-completion/completions/berth',
      '/usr/share/zsh/vendor-completions/_berth', '/usr/share/fish/vendor_completions.d/berth.fish', '/usr/share/doc/berth/copyright',
    ]) assert.ok(existsSync(f), `${f} is missing`);
    for (const f of ['/usr/lib/berth/node_modules/typescript', '/usr/lib/berth/node_modules/mocha', '/usr/lib/berth/dist/test']) {
      assert.ok(!existsSync(f), `${f} is not for run time`);
    }
    // Every file the package lists is there.
    listed = (await runOk('dpkg', ['-L', 'berth'])).stdout.split('\n').filter(Boolean);
    assert.deepEqual(listed.filter((f) => !existsSync(f)), []);
    assert.match((await runOk('dpkg-query', ['-W', '-f', '${Conffiles}', 'berth'])).stdout, /\/etc\/berth\/daemon\.json [0-9a-f]{32}/);
    assert.ok(await groupExists('berth'), 'postinst creates the berth group');
    assert.match(r.stdout + r.stderr, /systemd is not running here|^$/m);
    assert.match((await runOk('/usr/sbin/berthd', ['--version'])).stdout, /^berthd version \d+\.\d+\.\d+/);
    assert.match((await runOk('/usr/bin/berth', ['--help'])).stdout, /Usage: berth/);
    assert.equal((await runOk('man', ['-w', 'berthd'])).stdout.trim(), '/usr/share/man/man8/berthd.8.gz');
    assert.equal((await runOk('/usr/bin/node', ['-e', 'JSON.parse(require("fs").readFileSync("/etc/berth/daemon.json","utf8"))'])).code, 0);
  });

  it('systemd-analyze verify accepts the installed units with no warning', async function () {
    const r = await run('systemd-analyze', ['verify', '/lib/systemd/system/berthd.service', '/lib/systemd/system/berthd.socket']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  });

  it('the installed berthd, socket-activated, is READY=1 once /_ping answers, reloads daemon.json on SIGHUP, says STOPPING=1', async function () {
    const socket = path.join(dir, 'activated.sock');
    notify = await listenNotify(path.join(dir, 'notify.sock'));
    // As berthd.service runs it (ExecStart=/usr/sbin/berthd -H fd://), with the default roots.
    activated = socketActivate(socket, ['/usr/sbin/berthd', '-H', 'fd://'], { env: { NOTIFY_SOCKET: notify.path }, logFile: path.join(dir, 'activated.log') });
    await waitFor('systemd-socket-activate to listen', async () => existsSync(socket));
    const first = ping(socket);
    await notify.waitFor(/^READY=1$/m);
    assert.equal(await ping(socket), true);
    assert.equal(await first, true);
    const pull = await run('/usr/bin/berth', ['-H', `unix://${socket}`, 'pull', fixtures.hello.ref]);
    assert.equal(pull.code, 0, pull.stderr);

    const conf = JSON.parse(readFileSync(CONFFILE, 'utf8')) as Record<string, unknown>;
    // Atomically (temp + rename), as an editor would: nothing ever reads a half-written file.
    await fs.writeFile(`${CONFFILE}.tmp`, JSON.stringify({ ...conf, labels: ['installed=yes'], 'max-concurrent-downloads': 4 }, null, 2));
    await fs.rename(`${CONFFILE}.tmp`, CONFFILE);
    const before = notify.messages.length;
    activated.child.kill('SIGHUP');
    await notify.waitFor(/^RELOADING=1$/m, { after: before });
    await notify.waitFor(/^READY=1$/m, { after: before + 1 });
    const info = await run('/usr/bin/berth', ['-H', `unix://${socket}`, 'info', '--format', '{{json .Labels}}']);
    assert.equal(info.stdout.trim(), '["installed=yes"]', info.stderr);

    const n = notify.messages.length;
    assert.equal(await activated.stop('SIGTERM'), 0);
    await notify.waitFor(/^STOPPING=1$/m, { after: n });
    activated = undefined;
  });

  it('a user in the berth group runs hello-world through /usr/bin/berth; a user outside it is refused', async function () {
    const socket = path.join(dir, 'berth.sock');
    for (const [u, groups] of [[member, ['-G', 'berth']], [outsider, []]] as const) {
      await runOk('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...groups, u]);
      users.push(u);
      await fs.mkdir(path.join(dir, u));
      await runOk('chown', [`${u}:`, path.join(dir, u)]);
    }
    // berthd creates the socket itself here: root:berth 0660 without any flag (the group exists).
    const log = await fs.open(path.join(dir, 'manual.log'), 'a');
    const child = spawn('/usr/sbin/berthd', ['-H', `unix://${socket}`], { stdio: ['ignore', log.fd, log.fd], detached: true });
    await log.close();
    manualPid = child.pid;
    child.unref();
    await waitFor('the installed berthd to answer', () => ping(socket), { timeoutMs: 30_000 });
    // The socket answers a moment before chmod/chown are done and the start-up line is written.
    await waitFor('the start-up log line', async () => readFileSync(path.join(dir, 'manual.log'), 'utf8').includes('"msg":"berthd listening"'));
    const st = statSync(socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.uid, 0);
    assert.equal(st.gid, Number((await runOk('getent', ['group', 'berth'])).stdout.split(':')[2]));

    const hello = await berthAs(member, socket, ['run', '--rm', fixtures.hello.ref]);
    assert.equal(hello.code, 0, hello.stderr);
    assert.match(hello.stdout, new RegExp(fixtures.helloGreeting));
    const refused = await berthAs(outsider, socket, ['ps']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /permission denied/i);
  });

  it('dpkg -r stops berthd cleanly and keeps /var/lib/berth and the edited conffile', async function () {
    const r = await dpkg(['-r', 'berth']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(manualPid !== undefined && !existsSync(`/proc/${manualPid}`), 'prerm stopped the running berthd');
    assert.match(readFileSync(path.join(dir, 'manual.log'), 'utf8'), /berthd shutting down/);
    manualPid = undefined;
    for (const f of ['/usr/bin/berth', '/usr/sbin/berthd', '/usr/lib/berth', '/lib/systemd/system/berthd.service']) assert.ok(!existsSync(f), `${f} is still there`);
    assert.ok(existsSync('/var/lib/berth/images') || existsSync('/var/lib/berth'), '/var/lib/berth is kept');
    assert.ok((await fs.readdir('/var/lib/berth')).length > 0, 'its content is kept');
    assert.ok(existsSync(CONFFILE), 'a conffile stays until purge');
    assert.match(await installed(), /deinstall ok config-files/);
  });

  it('dpkg --purge removes /var/lib/berth, /run/berth and /etc/berth; the berth group stays as policy says', async function () {
    const r = await dpkg(['--purge', 'berth']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const p of ['/var/lib/berth', '/run/berth', '/etc/berth']) assert.ok(!existsSync(p), `${p} is still there`);
    assert.ok((await installed()).includes('not-installed') || (await installed()) === 'not installed', await installed());
    assert.ok(await groupExists('berth'), 'the group stays (files elsewhere may carry its gid)');
    // Nothing the package installed is left: no file, no directory of its own, no unit links.
    const ours = listed.filter((f) => f.includes('berth') && existsSync(f));
    assert.deepEqual(ours, []);
    assert.ok(!existsSync('/etc/systemd/system/sockets.target.wants/berthd.socket'));
  });
});
