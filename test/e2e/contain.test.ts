/**
 * Containment, attacked from inside a container the way issue 9 found it open: a static probe
 * (contain/probe.c, built here with `cc -static`) tries user namespaces + mount, the kernel
 * keyrings, personality(READ_IMPLIES_EXEC), bpf and perf_event_open, and reports each errno.
 * Under Docker's default seccomp profile every one is EPERM; `seccomp=unconfined`, a profile
 * file and --privileged change that as they do under Docker. Capabilities (--cap-add,
 * --cap-drop, --privileged, non-root users), no_new_privs (off by default: a setuid binary
 * works; on with --security-opt no-new-privileges), and descriptors: berthd runs with fd 300
 * open on a canary file that no container, --init container or exec session may reach.
 * Writes stay in the suite's temp dir (the canary) and the probe's own mount namespace.
 */
import * as assert from 'node:assert/strict';
import { closeSync, openSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, repoRoot, requireRoot, run, sharedFixtures, skipBecause, startDaemon, type TestDaemon } from '../support';

const DOCKER_DEFAULT_CAPS = 'a80425fb';
const ATTACKS = ['userns', 'keys', 'personality', 'bpf', 'perf'];
const ATTACK_RESULTS = ['unshare', 'add_key', 'keyctl', 'personality', 'bpf', 'perf_event_open'];

/** "k=v" lines → object */
function kv(out: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of out.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) o[l.slice(0, eq)] = l.slice(eq + 1).trim();
  }
  return o;
}

/** Fields of /proc/<pid>/status as printed by `grep -E ... /proc/self/status` in the container. */
function status(out: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const m of out.matchAll(/^(\w+):\s*(\S+)$/gm)) o[m[1]!] = m[2]!;
  return o;
}

const hex = (s: string | undefined) => BigInt(`0x${s ?? 'x'}`).toString(16);

describe('e2e: containment (seccomp, capabilities, no_new_privs, inherited fds)', function () {
  let d: TestDaemon;
  let dir: string;
  let canary: string;
  const image = 'contain-probe:1';

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    if (!haveCommand('cc')) skipBecause(this, 'no C compiler (run scripts/install.sh)');
    const f = await sharedFixtures();
    dir = await makeTempDir('berth-e2e-contain-');
    const ctx = path.join(dir, 'ctx');
    await fs.mkdir(ctx);
    const cc = await run('cc', ['-static', '-O2', '-o', path.join(ctx, 'probe'), path.join(repoRoot(), 'test/e2e/contain/probe.c')]);
    if (cc.code !== 0) skipBecause(this, `cannot build the static probe (libc6-dev static libraries?): ${cc.stderr.trim()}`);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${f.busybox.ref}\nCOPY probe /probe\nRUN cp /probe /suid-probe && chmod 4755 /suid-probe\n`);
    canary = path.join(dir, 'canary');
    await fs.writeFile(canary, '');
    const fd = openSync(canary, 'a');
    try {
      d = await startDaemon({ inheritFds: { 300: fd } });
    } finally {
      closeSync(fd);
    }
    const pull = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(pull.code, 0, pull.stderr);
    const b = await d.docker(['build', '-q', '-t', image, ctx]);
    assert.equal(b.code, 0, b.stderr);
  });

  after(async function () {
    await d?.stop();
    if (dir) await removeTree(dir);
  });

  const probe = async (opts: string[], ...what: string[]) => {
    const r = await d.docker(['run', '--rm', ...opts, image, '/probe', ...what]);
    assert.equal(r.code, 0, r.stderr);
    return kv(r.stdout);
  };
  const procStatus = async (opts: string[], file = '/proc/self/status') => {
    const r = await d.docker(['run', '--rm', ...opts, image, 'grep', '-E', '^(Cap|Seccomp|NoNewPrivs)', file]);
    assert.equal(r.code, 0, r.stderr);
    return status(r.stdout);
  };
  const daemonCaps = async () => status(await fs.readFile(`/proc/${d.pid}/status`, 'utf8')).CapBnd;

  describe('seccomp', () => {
    it('the default profile is on (Seccomp: 2) and every attack gets EPERM; seccomp=unconfined lets them reach the kernel', async function () {
      assert.equal((await procStatus([])).Seccomp, '2');
      const r = await probe([], ...ATTACKS);
      for (const k of ATTACK_RESULTS) assert.equal(r[k], 'EPERM', `${k}: ${JSON.stringify(r)}`);
      assert.equal(r.mount, undefined, 'no mount attempt without the namespace');

      assert.equal((await procStatus(['--security-opt', 'seccomp=unconfined'])).Seccomp, '0');
      const u = await probe(['--security-opt', 'seccomp=unconfined'], ...ATTACKS);
      assert.equal(u.add_key, 'OK');
      assert.equal(u.keyctl, 'OK');
      assert.equal(u.personality, 'OK');
      assert.equal(u.bpf, 'EINVAL', 'reached the kernel, which refuses the unknown command');
      assert.equal(u.perf_event_open, 'EINVAL', 'reached the kernel, which refuses the flags');
      assert.notEqual(u.unshare, undefined);
    });

    it('a profile file (the docker CLI sends its content): its rules apply, conditions included', async function () {
      const file = path.join(dir, 'profile.json');
      await fs.writeFile(file, JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
          { names: ['add_key'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } },
          { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0x400000, op: 'SCMP_CMP_EQ' }] },
        ],
      }));
      const r = await probe(['--security-opt', `seccomp=${file}`], 'keys', 'personality', 'bpf');
      assert.equal(r.keyctl, 'ENOSYS', 'errnoRet of the rule');
      assert.equal(r.add_key, 'OK', 'the rule needs CAP_SYS_ADMIN, which the container lacks');
      assert.equal(r.personality, 'EPERM', 'the argument matched');
      assert.equal(r.bpf, 'EINVAL', 'allowed by the default action');
      const badFile = path.join(dir, 'bad-profile.json');
      await fs.writeFile(badFile, '{"defaultAction":"SCMP_ACT_NOPE"}');
      const bad = await d.docker(['run', '--rm', '--security-opt', `seccomp=${badFile}`, image, 'true']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Decoding seccomp profile failed: defaultAction: unknown action "SCMP_ACT_NOPE"/);
    });

    it('--privileged turns it off; exec sessions and --init containers are filtered too', async function () {
      assert.equal((await procStatus(['--privileged'])).Seccomp, '0');
      assert.equal((await procStatus(['--init'], '/proc/1/status')).Seccomp, '2', 'pid 1 of --init');
      assert.equal((await probe(['--init'], 'keys')).keyctl, 'EPERM');
      const c = await d.docker(['run', '-d', image, 'sleep', '60']);
      assert.equal(c.code, 0, c.stderr);
      const id = c.stdout.trim();
      try {
        const e = await d.docker(['exec', id, '/probe', ...ATTACKS]);
        assert.equal(e.code, 0, e.stderr);
        const r = kv(e.stdout);
        for (const k of ATTACK_RESULTS) assert.equal(r[k], 'EPERM', `exec ${k}: ${e.stdout}`);
        const s = await d.docker(['exec', '--privileged', id, 'grep', '-E', '^(CapEff|Seccomp)', '/proc/self/status']);
        assert.equal(s.code, 0, s.stderr);
        const st = status(s.stdout);
        assert.equal(st.Seccomp, '2', 'exec --privileged keeps the container\'s filter, as Docker');
        assert.equal(hex(st.CapEff), hex(await daemonCaps()), 'exec --privileged has every capability berthd holds');
      } finally {
        await d.docker(['rm', '-f', id]);
      }
    });

    it('docker info and berth info list it under Security Options', async function () {
      const r = await d.docker(['info', '--format', '{{json .SecurityOptions}}']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok((JSON.parse(r.stdout) as string[]).includes('name=seccomp,profile=builtin'), r.stdout);
      for (const c of [d.docker(['info']), d.berth(['info'])]) {
        const out = await c;
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, /Security Options:\n\s+seccomp\n\s+Profile: builtin\n/);
      }
    });
  });

  describe('capabilities and no_new_privs', () => {
    it("Docker's default set; no_new_privs off (a setuid binary run by nobody gets euid 0), on with --security-opt no-new-privileges", async function () {
      const s = await procStatus([]);
      assert.equal(hex(s.CapEff), DOCKER_DEFAULT_CAPS);
      assert.equal(hex(s.CapBnd), DOCKER_DEFAULT_CAPS);
      assert.equal(s.NoNewPrivs, '0');
      const r = await d.docker(['run', '--rm', '-u', 'nobody', image, '/suid-probe', 'euid']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(kv(r.stdout).euid, '0');

      assert.equal((await procStatus(['--security-opt', 'no-new-privileges'])).NoNewPrivs, '1');
      const n = await d.docker(['run', '--rm', '-u', 'nobody', '--security-opt', 'no-new-privileges=true', image, '/suid-probe', 'euid']);
      assert.equal(n.code, 0, n.stderr);
      assert.equal(kv(n.stdout).euid, '65534');
    });

    it('--cap-drop ALL, --cap-drop/--cap-add by Docker names with or without CAP_', async function () {
      const none = await procStatus(['--cap-drop', 'ALL']);
      assert.equal(hex(none.CapEff), '0');
      assert.equal(hex(none.CapBnd), '0');
      const some = await procStatus(['--cap-drop', 'chown', '--cap-drop', 'CAP_KILL', '--cap-add', 'NET_ADMIN', '--cap-add', 'cap_sys_ptrace']);
      const want = (BigInt(`0x${DOCKER_DEFAULT_CAPS}`) & ~(1n << 0n) & ~(1n << 5n)) | (1n << 12n) | (1n << 19n);
      assert.equal(hex(some.CapEff), want.toString(16));
      assert.equal(hex(some.CapBnd), want.toString(16));
      const only = await procStatus(['--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE']);
      assert.equal(hex(only.CapEff), (1n << 10n).toString(16));
      const nonRoot = await procStatus(['-u', 'nobody', '--cap-add', 'NET_ADMIN']);
      assert.equal(hex(nonRoot.CapEff), '0', 'a non-root user has no effective capabilities');
      const bad = await d.docker(['run', '--rm', '--cap-add', 'CAP_NOPE', image, 'true']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid CapAdd: unknown capability: "CAP_NOPE"/);
    });

    it('--privileged and --cap-add ALL: every capability berthd holds (not more: root here may lack some)', async function () {
      const held = hex(await daemonCaps());
      assert.equal(hex((await procStatus(['--privileged'])).CapEff), held);
      assert.equal(hex((await procStatus(['--cap-add', 'ALL'])).CapEff), held);
      const withAdmin = await probe(['--cap-add', 'SYS_ADMIN'], 'userns');
      assert.equal(withAdmin.unshare, 'OK', 'CAP_SYS_ADMIN lifts the profile\'s namespace rules, as Docker\'s does');
    });
  });

  describe('--privileged mounts', () => {
    it('as Docker: /sys read-write, no masked or read-only /proc paths, none in inspect', async function () {
      // mount points under /proc and /sys, but /proc itself and the cgroup view (resources.test.ts)
      const script = "awk '$5 ~ /^\\/(proc|sys)(\\/|$)/ && $5 != \"/proc\" && $5 !~ /^\\/sys\\/fs\\/cgroup/ {split($6, o, \",\"); print $5, o[1]}' /proc/self/mountinfo";
      const plain = await d.docker(['run', '--rm', image, 'sh', '-c', script]);
      assert.equal(plain.code, 0, plain.stderr);
      const p = plain.stdout.trim().split('\n');
      assert.ok(p.includes('/sys ro') && p.includes('/proc/sys ro') && p.includes('/proc/keys rw'), plain.stdout);
      const priv = await d.docker(['run', '--name', 'priv-mounts', '--privileged', image, 'sh', '-c', script]);
      assert.equal(priv.code, 0, priv.stderr);
      assert.deepEqual(priv.stdout.trim().split('\n'), ['/sys rw']);
      const i = await d.docker(['inspect', '-f', '{{json .HostConfig.MaskedPaths}} {{json .HostConfig.ReadonlyPaths}} {{.HostConfig.Privileged}}', 'priv-mounts']);
      assert.equal(i.stdout.trim(), 'null null true');
      await d.docker(['rm', 'priv-mounts']);
    });
  });

  describe('masked and read-only paths', () => {
    const script = "awk '$5 ~ /^\\/(proc|sys|tmp)(\\/|$)/ && $5 != \"/proc\" && $5 !~ /^\\/sys\\/fs\\/cgroup/ {split($6, o, \",\"); print $5, o[1]}' /proc/self/mountinfo";

    it('--security-opt systempaths=unconfined (the CLI sends empty lists) unmasks /proc; /sys stays read-only', async function () {
      const r = await d.docker(['run', '--rm', '--security-opt', 'systempaths=unconfined', image, 'sh', '-c', script]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['/sys ro']);
    });

    it('HostConfig.MaskedPaths / ReadonlyPaths of the API replace the defaults (dockerode)', async function () {
      const docker = d.dockerode();
      const c = await docker.createContainer({
        Image: image, Tty: true, Cmd: ['sh', '-c', `wc -c < /proc/cpuinfo; touch /tmp/x 2>/dev/null || echo tmp-ro; ${script}`],
        HostConfig: { MaskedPaths: ['/proc/cpuinfo'], ReadonlyPaths: ['/tmp'] },
      });
      try {
        await c.start();
        await c.wait();
        const out = (await c.logs({ stdout: true, stderr: true })).toString(); // a tty: no stdcopy frames
        const lines = out.replace(/\r/g, '').trim().split('\n').map((l) => l.trim());
        assert.equal(lines[0], '0', out);
        assert.equal(lines[1], 'tmp-ro', out);
        assert.deepEqual(lines.slice(2).sort(), ['/proc/cpuinfo rw', '/sys ro', '/tmp ro'], out);
        const info = await c.inspect();
        assert.deepEqual([info.HostConfig.MaskedPaths, info.HostConfig.ReadonlyPaths], [['/proc/cpuinfo'], ['/tmp']]);
      } finally {
        await c.remove({ force: true });
      }
      await assert.rejects(docker.createContainer({ Image: image, HostConfig: { MaskedPaths: ['relative'] } }), /invalid HostConfig.MaskedPaths: expected a list of absolute paths/);
    });
  });

  describe('other clients', () => {
    it('the berth CLI (seccomp=FILE read client-side, as docker does) and docker-py send the same settings', async function () {
      const file = path.join(dir, 'allow-but-keyctl.json');
      await fs.writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] }));
      const b = await d.berth(['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'kill', '--security-opt', `seccomp=${file}`, image, '/probe', 'keys']);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(kv(b.stdout).keyctl, 'ENOSYS');
      const s = await d.berth(['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'kill', '--security-opt', 'no-new-privileges', image, 'grep', '-E', '^(CapEff|NoNewPrivs)', '/proc/self/status']);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(status(s.stdout), { CapEff: (1n << 5n).toString(16).padStart(16, '0'), NoNewPrivs: '1' });
      const py = await d.dockerPy(`import docker
c = docker.from_env()
print(c.containers.run('${image}', ['grep', '-E', '^(CapEff|NoNewPrivs|Seccomp)', '/proc/self/status'], cap_drop=['ALL'], cap_add=['NET_ADMIN'],
  security_opt=['no-new-privileges', 'seccomp=unconfined'], remove=True).decode(), end='')
`);
      assert.equal(py.code, 0, py.stderr);
      const st = status(py.stdout);
      assert.deepEqual([st.CapEff, st.NoNewPrivs, st.Seccomp], [(1n << 12n).toString(16).padStart(16, '0'), '1', '0']);
    });
  });

  describe('inherited descriptors', () => {
    const noLeak = (r: Record<string, string>, what: string) => {
      assert.equal(r.fds, '0,1,2', `${what}: ${JSON.stringify(r)}`);
      assert.equal(r.write300, 'EBADF', what);
    };

    it('with close_range refused by the profile, the fallback still leaves only stdio', async function () {
      const file = path.join(dir, 'no-close-range.json');
      await fs.writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_ERRNO' }] }));
      noLeak(await probe(['--security-opt', `seccomp=${file}`], 'fds'), 'run, close_range refused');
      noLeak(await probe(['--security-opt', `seccomp=${file}`, '-t'], 'fds'), 'run -t, close_range refused');
    });

    it('berthd holds fd 300; a container, an --init container and an exec session do not', async function () {
      noLeak(await probe([], 'fds'), 'run');
      noLeak(await probe(['--init'], 'fds'), 'run --init');
      noLeak(await probe(['-t'], 'fds'), 'run -t');
      const c = await d.docker(['run', '-d', '--init', image, 'sleep', '60']);
      assert.equal(c.code, 0, c.stderr);
      const id = c.stdout.trim();
      try {
        const e = await d.docker(['exec', id, '/probe', 'fds']);
        assert.equal(e.code, 0, e.stderr);
        noLeak(kv(e.stdout), 'exec');
        // nothing but berthd holds the canary: not the monitor, the helper, pid 1 of --init
        const holders: number[] = [];
        for (const p of await fs.readdir('/proc')) {
          if (!/^\d+$/.test(p)) continue;
          const fds = await fs.readdir(`/proc/${p}/fd`).catch(() => [] as string[]);
          for (const f of fds) if ((await fs.readlink(`/proc/${p}/fd/${f}`).catch(() => '')) === canary) holders.push(Number(p));
        }
        assert.deepEqual([...new Set(holders)], [d.pid]);
      } finally {
        await d.docker(['rm', '-f', id]);
      }
      assert.equal(await fs.readFile(canary, 'utf8'), '', 'nothing was written through the inherited descriptor');
    });
  });
});
