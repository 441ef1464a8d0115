/**
 * berth-helper driven directly (no daemon, no overlay: a plain directory as rootfs): its
 * spec parser, its report on stdout, the json-file log encoding, and exec's control channel.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HELPER, buildHelper, makeBusyboxLayer, skipReason } from './runtime-fixture';
import { skipBecause } from '../support/skip';

function writeSpec(file: string, records: string[]): void {
  fs.writeFileSync(file, records.map((r) => `${r}\0`).join(''));
}

function helper(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(HELPER, args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Polls for a file the monitor writes asynchronously (bounded, no timing asserted). */
async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${file} never appeared`);
}

describe('berth-helper (integration)', function () {
  let tmp: string;
  let rootfs: string;
  let n = 0;

  before(function () {
    const why = skipReason();
    if (why) skipBecause(this, why);
    buildHelper();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-'));
    rootfs = makeBusyboxLayer(path.join(tmp, 'layer'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  function base(): { rundir: string; log: string; records: string[] } {
    const rundir = path.join(tmp, `run${n++}`);
    const log = path.join(rundir, 'json.log');
    return { rundir, log, records: [`id=c${n}`, `rootfs=${rootfs}`, `rundir=${rundir}`, `log=${log}`, 'hostname=h'] };
  }

  it('prints usage and exits 125 without a subcommand', () => {
    const r = helper([]);
    assert.equal(r.code, 125);
    assert.match(r.err, /usage: berth-helper start SPEC \| exec SPEC/);
  });

  it('rejects unknown keys and a spec without a command', () => {
    const b = base();
    const f = path.join(tmp, 'bad.spec');
    writeSpec(f, [...b.records, 'colour=blue', 'arg=true']);
    let r = helper(['start', f]);
    assert.equal(r.code, 125);
    assert.match(r.err, /spec: unknown key `colour`/);
    writeSpec(f, b.records);
    r = helper(['start', f]);
    assert.match(r.err, /spec: no command \(`arg`\)/);
  });

  it('reports the container pid on stdout and records exit.json and the log', async () => {
    const b = base();
    const f = path.join(tmp, 'ok.spec');
    writeSpec(f, [...b.records, 'arg=sh', 'arg=-c', 'arg=printf \'a"b\\\\c\\t\\001\\n\'; head -c 20000 /dev/zero | tr "\\0" x; exit 9']);
    const r = helper(['start', f]);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as { pid: number; monitorPid: number; tty: boolean };
    assert.ok(report.pid > 0 && report.monitorPid > 0 && report.tty === false);
    const exit = JSON.parse(await waitForFile(path.join(b.rundir, 'exit.json'))) as { exitCode: number; pid: number };
    assert.equal(exit.exitCode, 9);
    assert.equal(exit.pid, report.pid);
    const lines = fs.readFileSync(b.log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string });
    assert.equal(lines[0]!.log, 'a"b\\c\t\u0001\n');
    // Docker splits lines longer than 16 KiB into pieces without a newline
    assert.deepEqual(lines.slice(1).map((l) => l.log.length), [16384, 20000 - 16384]);
  });

  it('reports a setup failure as JSON with Docker\'s exit code', () => {
    const b = base();
    const f = path.join(tmp, 'missing.spec');
    writeSpec(f, [...b.records, 'arg=/bin/missing']);
    const r = helper(['start', f]);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.out), { step: 'exec', errno: 2, exitCode: 127, message: 'exec: "/bin/missing": stat /bin/missing: no such file or directory' });
  });

  it('names the failing step: a cgroup it cannot join is reported as such (not as "the monitor went away")', () => {
    const b = base();
    const f = path.join(tmp, 'cgroup.spec');
    writeSpec(f, [...b.records, `cgroup=${path.join(tmp, 'no-such-cgroup')}`, 'arg=true']);
    const r = helper(['start', f]);
    assert.equal(r.code, 1);
    const rep = JSON.parse(r.out) as Record<string, unknown>;
    assert.equal(rep.step, 'cgroup');
    assert.equal(rep.errno, 2);
    assert.match(String(rep.message), /^join cgroup `.*no-such-cgroup`: No such file or directory$/);
  });

  it('exec without the container\'s pid says so (the message was empty)', () => {
    const f = path.join(tmp, 'nopid.spec');
    writeSpec(f, ['arg=true']);
    const r = helper(['exec', f]);
    assert.equal(r.code, 125);
    assert.match(r.err, /spec: `pid` of the container is required/);
  });

  it('exec fails clearly for a process that is gone', () => {
    const f = path.join(tmp, 'exec.spec');
    writeSpec(f, ['pid=999999999', 'arg=true']);
    const r = helper(['exec', f]);
    assert.equal(r.code, 125);
    assert.match(r.err, /open `\/proc\/999999999\/ns\/ipc`: No such file or directory/);
  });
});
