/**
 * Running the C helper: locating the binary and the `start` handshake. The helper prints one
 * JSON line on stdout (native/helper/cmd-start.c) which is parsed here as untrusted input.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { systemError } from '../errors';
import { StartError, parseHelperFailure } from './helper-error';
import { posixSpawn, type SpawnedChild } from '../../native/ffi';

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

/**
 * Runs the helper to completion and collects its output. Spawned with posix_spawn
 * (native/ffi/spawn.ts), not child_process: libuv forks, and forking berthd costs 10+ ms.
 * With `gate` (spec `netwait`), the helper's stdin is a pipe: 'g' is written on it once the
 * gate resolves; a rejection closes it unwritten, which makes the helper abort the start.
 */
export function runHelper(helper: string, args: string[], gate?: Promise<void>): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    let child: SpawnedChild;
    try {
      child = posixSpawn(helper, args, [gate ? 'pipe' : 'ignore', 'pipe', 'pipe']);
    } catch (e) {
      const err = e as Error;
      return reject(systemError(`running the container helper ${helper}: ${err.message}`, err));
    }
    const stdin = child.stdio[0];
    if (gate && stdin) {
      stdin.on('error', () => undefined); // a helper that failed before reading it
      gate.then(() => stdin.end('g'), () => stdin.end());
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Like child_process's 'close': both streams ended and the process reaped.
    const ended = [child.stdio[1]!, child.stdio[2]!].map((s, i) => {
      s.on('data', (d: Buffer) => (i === 0 ? out : err).push(d));
      s.on('error', () => undefined);
      return new Promise<void>((res) => s.once('close', () => res()));
    });
    void Promise.all([child.exited, ...ended]).then(([exit]) =>
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: exit.code ?? 128 + (exit.signal ? 9 : 0) }),
    );
  });
}

export interface StartReport {
  pid: number;
  startTime: number;
  monitorPid: number;
}

/** Turns the helper's report into a StartReport, or throws its StartError (helper-error.ts). */
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
  const failure = parseHelperFailure(v);
  if (!failure) throw systemError(`the container helper failed (exit ${r.code}) without a report: ${r.stderr.trim() || r.stdout.trim() || 'no output'}`);
  throw new StartError(failure);
}
