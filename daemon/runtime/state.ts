/**
 * The two files the monitor writes in <exec-root>/containers/<id>/ (atomically, tmp +
 * rename), parsed as untrusted input:
 *   state.json  {pid, startTime, monitorPid, monitorStartTime, tty} once the container exec'd
 *   exit.json   {exitCode, finishedAt, pid, error?} once it ended (or failed to start)
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExitStatus } from './types';

export interface MonitorState {
  pid: number;
  startTime: number;
  monitorPid: number;
  monitorStartTime: number;
  tty: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function parseState(v: unknown): MonitorState | undefined {
  if (!isObject(v)) return undefined;
  const { pid, startTime, monitorPid, monitorStartTime, tty } = v;
  if (!isInt(pid) || !isInt(startTime) || !isInt(monitorPid) || !isInt(monitorStartTime) || typeof tty !== 'boolean') return undefined;
  return { pid, startTime, monitorPid, monitorStartTime, tty };
}

export function parseExit(v: unknown): ExitStatus | undefined {
  if (!isObject(v) || !isInt(v.exitCode) || typeof v.finishedAt !== 'string') return undefined;
  const out: ExitStatus = { exitCode: v.exitCode, finishedAt: v.finishedAt };
  if (typeof v.error === 'string') out.error = v.error;
  return out;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined; // missing, or (never, thanks to rename) half-written
  }
}

export async function readState(rundir: string): Promise<MonitorState | undefined> {
  return parseState(await readJson(path.join(rundir, 'state.json')));
}

export async function readExitFile(rundir: string): Promise<ExitStatus | undefined> {
  return parseExit(await readJson(path.join(rundir, 'exit.json')));
}
