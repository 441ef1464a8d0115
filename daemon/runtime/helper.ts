/**
 * Running the C helper: locating the binary and the `start` handshake. The helper prints one
 * JSON line on stdout (native/helper/start.c) which is parsed here as untrusted input.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { BerthError, systemError } from '../errors';

/** build output next to the sources; dist/daemon/runtime → repo root is three levels up */
export function defaultHelperPath(): string {
  if (process.env.BERTH_HELPER) return process.env.BERTH_HELPER;
  const candidates = [
    path.resolve(__dirname, '../../../native/helper/build/berth-helper'),
    path.resolve(__dirname, '../../native/helper/build/berth-helper'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

export interface HelperResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function runHelper(helper: string, args: string[]): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => reject(systemError(`running the container helper ${helper}: ${e.message}`, e)));
    child.once('close', (code, signal) =>
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 128 + (signal ? 9 : 0) }),
    );
  });
}

export interface StartReport {
  pid: number;
  startTime: number;
  monitorPid: number;
}

/** Turns the helper's report into a StartReport or a BerthError in Docker's words. */
export function parseStartReport(r: HelperResult): StartReport {
  let v: unknown;
  try {
    v = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw systemError(`the container helper failed (exit ${r.code}): ${r.stderr.trim() || 'no output'}`);
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (r.code === 0 && typeof o.pid === 'number' && typeof o.startTime === 'number' && typeof o.monitorPid === 'number') {
    return { pid: o.pid, startTime: o.startTime, monitorPid: o.monitorPid };
  }
  const message = typeof o.error === 'string' ? o.error : `the container helper failed (exit ${r.code})`;
  const exitCode = typeof o.exitCode === 'number' ? o.exitCode : 125;
  throw new StartError(message, exitCode);
}

/**
 * A container that could not start. exitCode follows Docker: 127 command not found, 126 not
 * executable, 125 anything else. User mistakes (command, user, bind source) are
 * InvalidParameter; the rest System.
 */
export class StartError extends BerthError {
  constructor(message: string, readonly exitCode: number) {
    super(exitCode === 126 || exitCode === 127 || /^unable to find (user|group)|bind mount source/.test(message) ? 'InvalidParameter' : 'System', message);
    this.name = 'StartError';
  }
}
