/**
 * `exec` into a running container: the helper (native/helper/cmd-exec.c) joins the container's namespaces
 * and cgroups and runs the process. Its stdout/stderr are the process's (no tty) or the pty
 * (tty); fd 3 is a control socket carrying {"pid"} / {"error"} lines up and "resize" down.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { systemError } from '../errors';
import { posixSpawn, type SpawnedChild, type SpawnExit } from '../../native/ffi';
import { frame } from './frames';
import { StartError, parseHelperFailure } from './helper-error';
import type { ResolvedSecurity } from './security';
import { encodeExecSpec } from './spec-file';
import type { ExecProcess, ExecSpec } from './types';

/** {"pid":N} once the process runs, or the helper's error report (helper-error.ts). */
type ControlMessage = Record<string, unknown>;

function readControl(ctl: Socket): Promise<ControlMessage> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      ctl.off('data', onData);
      try {
        const v = JSON.parse(buf.slice(0, nl)) as unknown;
        resolve(typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ControlMessage) : {});
      } catch {
        resolve({});
      }
    };
    ctl.on('data', onData);
    ctl.once('close', () => resolve({}));
  });
}

export async function startExec(
  helper: string, rundir: string, pid: number, spec: ExecSpec, cgroups: string[], security: ResolvedSecurity,
): Promise<ExecProcess> {
  const specPath = path.join(rundir, `exec-${randomBytes(6).toString('hex')}.spec`);
  await fs.writeFile(specPath, encodeExecSpec(pid, spec, cgroups, security), { mode: 0o600 });
  // posix_spawn, not child_process: libuv forks, and forking berthd costs 10+ ms (spawn.ts).
  let child: SpawnedChild;
  try {
    child = posixSpawn(helper, ['exec', specPath], ['pipe', 'pipe', 'pipe', 'pipe']);
  } catch (e) {
    await fs.rm(specPath, { force: true });
    const err = e as Error;
    throw systemError(`running the container helper: ${err.message}`, err);
  }
  const [stdin, stdout, stderr, ctl] = child.stdio as [Socket, Socket, Socket, Socket];
  stdin.on('error', () => undefined); // EPIPE when the process ignores its stdin
  ctl.on('error', () => undefined);
  if (!spec.stdin) stdin.end();
  // Listeners go on at once: child_process resumes (and so drops) unconsumed stdio at exit.
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (stdin.writable) stdin.write(chunk, () => cb());
      else cb();
    },
    final(cb) {
      stdin.end();
      cb();
    },
  });
  let open = 2;
  const done = () => {
    if (--open === 0) stream.push(null);
  };
  stdout.on('data', (d: Buffer) => stream.push(spec.tty ? d : frame(1, d)));
  stderr.on('data', (d: Buffer) => stream.push(spec.tty ? d : frame(2, d)));
  stdout.once('end', done);
  stderr.once('end', done);

  const exited = child.exited.then((e: SpawnExit) => {
    // as child_process does at exit: nothing can read what is still queued for stdin
    stdin.destroy();
    return e.code ?? (e.signal ? 128 + 9 : 255);
  });
  exited.catch(() => undefined);
  // The helper writes {"pid"} before it can exit, but its exit may be seen first (a quick
  // process, or SIGCHLD handled before the socket): once it has exited, fd 3 is closed or
  // holds the message, so the control channel decides.
  const control = readControl(ctl);
  const msg = await Promise.race([control, exited.then(() => control)]);
  await fs.rm(specPath, { force: true });
  if (typeof msg.pid !== 'number') {
    const code = await exited.catch(() => 125);
    throw new StartError(parseHelperFailure(msg) ?? { step: 'exec-session', errno: 0, exitCode: code, message: `exec failed (exit ${code}) without a report` });
  }
  const procPid = msg.pid;

  return {
    pid: procPid,
    stream,
    resize(rows: number, cols: number) {
      if (!ctl.destroyed) ctl.write(`resize ${Math.trunc(rows)} ${Math.trunc(cols)}\n`);
    },
    closeStdin() {
      stdin.end();
    },
    exited,
  };
}
