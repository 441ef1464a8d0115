/**
 * `docker top CONTAINER [ps OPTIONS]`: with ps options Docker runs the host's `ps` with them and
 * keeps the rows whose PID column is one of the container's processes (moby `parsePSOutput`).
 * Without options top.ts reads /proc directly, which is faster and needs no `ps` binary.
 */
import { execFile } from 'node:child_process';
import { invalid, systemError } from '../errors';

export interface TopBody {
  Titles: string[];
  Processes: string[][];
}

/** ps_args as ps's argv (Docker splits it on whitespace too). */
export function psArgv(psArgs: string): string[] {
  const argv = psArgs.split(/\s+/).filter(Boolean);
  if (argv.length === 0) throw invalid('ps_args is empty');
  return argv;
}

/**
 * Keep ps's rows for the given pids. The last title (the command) takes the rest of each line,
 * so commands with spaces stay one cell. Thread rows ("-" in the PID column, from `ps m`) follow
 * the process they belong to, as in Docker.
 */
export function parsePsOutput(output: string, pids: number[]): TopBody {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter(Boolean);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw invalid('Couldn\'t find PID field in ps output');
  const wanted = new Set(pids);
  const processes: string[][] = [];
  let inContainer = false;
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    const pidField = fields[pidIndex] ?? '';
    if (pidField === '-') {
      if (inContainer) processes.push(row(fields, titles.length));
      continue;
    }
    const pid = Number(pidField);
    if (!Number.isInteger(pid)) throw systemError(`Unexpected pid '${pidField}' in ps output`);
    inContainer = wanted.has(pid);
    if (inContainer) processes.push(row(fields, titles.length));
  }
  return { Titles: titles, Processes: processes };
}

function row(fields: string[], ntitles: number): string[] {
  if (ntitles === 0) return fields;
  return [...fields.slice(0, ntitles - 1), fields.slice(ntitles - 1).join(' ')];
}

/** Run the host's ps with the user's options and keep the container's rows. */
export async function psTop(psArgs: string, pids: number[]): Promise<TopBody> {
  const argv = psArgv(psArgs);
  const output = await new Promise<string>((resolve, reject) => {
    execFile('ps', argv, { maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim().split('\n')[0] || err.message;
        reject(invalid(`ps ${argv.join(' ')} failed: ${detail}`, err));
      } else resolve(String(stdout));
    });
  });
  return parsePsOutput(output, pids);
}
