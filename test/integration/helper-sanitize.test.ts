/**
 * berth-helper built with AddressSanitizer and UndefinedBehaviorSanitizer (`make SANITIZE=1`)
 * into a temp dir, then driven through the real Runtime: start with output and exit codes,
 * setup failures, a tty, --init, exec sessions, attach. A memory error or undefined
 * behaviour anywhere in the start helper, the monitor, the container's setup or an exec
 * session shows up as a sanitizer report (the monitor's own stderr is monitor.log in the
 * run dir; an exec session's stderr is the exec stream) or as an abort, and fails the test.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeFixture, skipReason } from './runtime-fixture';
import type { ContainerSpec } from '../../daemon/runtime/types';
import { skipBecause } from '../support/skip';

const REPORT = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

describe('berth-helper under ASan + UBSan (integration)', function () {
  this.timeout(120_000);
  let fx: RuntimeFixture | undefined;
  let prevAsan: string | undefined;
  let prevUbsan: string | undefined;
  let build: string | undefined;

  before(function () {
    const why = skipReason() ?? (hasSanitizers() ? undefined : 'the C compiler has no libasan/libubsan');
    if (why) skipBecause(this, why);
    prevAsan = process.env.ASAN_OPTIONS;
    prevUbsan = process.env.UBSAN_OPTIONS;
    // Reports go to stderr (a log_path would not exist after pivot_root); exit code 99 tells
    // a sanitizer's verdict apart from the helper's own 125/126/127. No leak check: an exec
    // session ends inside the container's pid and mount namespaces, where LeakSanitizer's
    // tracer cannot see its parent and spins forever (and the monitor leaves by _exit).
    process.env.ASAN_OPTIONS = 'exitcode=99:detect_leaks=0:abort_on_error=0';
    process.env.UBSAN_OPTIONS = 'exitcode=99:print_stacktrace=1:halt_on_error=1';
    build = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-helper-asan-'));
    execFileSync('make', ['-s', '-C', path.resolve(__dirname, '../../../native/helper'), 'SANITIZE=1', `BUILD=${build}`], { stdio: 'inherit' });
    fx = new RuntimeFixture(path.join(build, 'berth-helper'));
  });

  after(async () => {
    if (prevAsan === undefined) delete process.env.ASAN_OPTIONS;
    else process.env.ASAN_OPTIONS = prevAsan;
    if (prevUbsan === undefined) delete process.env.UBSAN_OPTIONS;
    else process.env.UBSAN_OPTIONS = prevUbsan;
    if (fx) await fx.dispose();
    if (build) fs.rmSync(build, { recursive: true, force: true });
  });

  /** The monitor's diagnostics, read before cleanup removes the run dir. */
  function monitorLog(spec: ContainerSpec): string {
    return fs.readFileSync(path.join(fx!.paths.containerRunDir(spec.id), 'monitor.log'), 'utf8');
  }

  async function finish(spec: ContainerSpec): Promise<number> {
    const st = await fx!.runtime.waitExit(spec.id);
    const log = monitorLog(spec);
    assert.doesNotMatch(log, REPORT, log);
    await fx!.runtime.cleanup(spec.id, spec.rootfs);
    return st.exitCode;
  }

  it('runs containers: output, exit codes, a tty, --init, devices', async () => {
    const f = fx!;
    const devices = (privileged: boolean) => ({ mappings: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/sub/berth-null', CgroupPermissions: 'rw' }], rules: ['c 1:11 r'], privileged });
    for (const over of [{}, { tty: true }, { init: true }, { readonlyRootfs: true, init: true, tty: true }, { devices: devices(false) }, { devices: devices(true) }]) {
      const spec = f.spec(['sh', '-c', 'echo out; echo err >&2; exit 3'], over);
      await f.runtime.start(spec);
      assert.equal(await finish(spec), 3, JSON.stringify(over));
      assert.match(f.logLines(spec).map((l) => l.log).join(''), /out/);
    }
  });

  it('reports setup failures (unknown command, unknown user) in Docker\'s words', async () => {
    const f = fx!;
    await assert.rejects(f.runtime.start(f.spec(['nosuchcmd'])), (e: Error & { exitCode?: number }) => {
      assert.doesNotMatch(e.message, REPORT);
      assert.equal(e.exitCode, 127);
      return true;
    });
    await assert.rejects(f.runtime.start(f.spec(['true'], { user: 'app' })), /unable to find user app/);
  });

  it('execs into a running container and attaches to it', async () => {
    const f = fx!;
    const spec = f.spec(['sh', '-c', 'read line; echo got $line'], { openStdin: true });
    await f.runtime.start(spec);
    const p = await f.runtime.exec(spec.id, { args: ['sh', '-c', 'echo in; exit 4'], env: [], cwd: '/', user: '', tty: false, stdin: false });
    const out = (await collect(p.stream)).toString();
    assert.equal(await p.exited, 4);
    assert.doesNotMatch(out, REPORT, out);
    const t = await f.runtime.exec(spec.id, { args: ['tty'], env: [], cwd: '/', user: 'nobody', tty: true, stdin: false });
    const tout = (await collect(t.stream)).toString();
    assert.match(tout, /^\/dev\/pts\/\d+/, tout);
    assert.equal(await t.exited, 0);
    await assert.rejects(f.runtime.exec(spec.id, { args: ['nosuch'], env: [], cwd: '/', user: '', tty: false, stdin: false }), /executable file not found/);
    const conn = await f.runtime.attach(spec.id, { stdin: true, stdout: true, stderr: true });
    const all = collect(conn.output);
    conn.writeStdin(Buffer.from('hello\n'));
    conn.closeStdin();
    assert.match((await all).toString(), /got hello/);
    assert.equal(await finish(spec), 0);
  });
});

/** Whether cc can link a sanitized program here (Debian: libasan and libubsan come with gcc). */
function hasSanitizers(): boolean {
  try {
    execFileSync('sh', ['-c', 'echo "int main(void){return 0;}" | cc -x c -fsanitize=address,undefined -o /dev/null -'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
