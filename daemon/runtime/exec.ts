/**
 * `exec` into a running container: the helper (nsexec.c) joins the container's namespaces
 * and cgroups and runs the process. Its stdout/stderr are the process's (no tty) or the pty
 * (tty); fd 3 is a control socket carrying {"pid"} / {"error"} lines up and "resize" down.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Duplex, type Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { systemError } from '../errors';
import { frame } from './frames';
import { StartError } from './helper';
import { encodeExecSpec } from './spec-file';
import type { ExecProcess, ExecSpec } from './types';

interface ControlMessage {
  pid?: number;
  error?: string;
  exitCode?: number;
}

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
        resolve(typeof v === 'object' && v !== null ? (v as ControlMessage) : {});
      } catch {
        resolve({});
      }
    };
    ctl.on('data', onData);
    ctl.once('close', () => resolve({}));
  });
}

export async function startExec(helper: string, rundir: string, pid: number, spec: ExecSpec, cgroups: string[]): Promise<ExecProcess> {
  const specPath = path.join(rundir, `exec-${randomBytes(6).toString('hex')}.spec`);
  await fs.writeFile(specPath, encodeExecSpec(pid, spec, cgroups), { mode: 0o600 });
  const child = spawn(helper, ['exec', specPath], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const ctl = child.stdio[3] as Socket;
  const stdin = child.stdin!;
  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
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

  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(systemError(`running the container helper: ${e.message}`, e)));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 255)));
  });
  exited.catch(() => undefined);
  const msg = await Promise.race([readControl(ctl), exited.then((): ControlMessage => ({}))]);
  await fs.rm(specPath, { force: true });
  if (typeof msg.pid !== 'number') {
    const code = await exited.catch(() => 125);
    throw new StartError(msg.error ?? `exec failed (exit ${code})`, msg.exitCode ?? code);
  }

  return {
    pid: msg.pid,
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
