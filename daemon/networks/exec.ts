/**
 * Runs the network tools (netavark, unshare, umount, ip) and collects their output. Through
 * posix_spawn (native/ffi) rather than child_process: forking a large Node process costs
 * milliseconds on every container start. An interface, so unit tests can fake the tools.
 */
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { posixSpawn } from '../../native/ffi';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunTool = (file: string, args: string[], input?: string) => Promise<ToolResult>;

function collect(s: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!s) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const resolved = new Map<string, string>();

/** posix_spawn does not search $PATH: the tool's full path (cached). */
export function which(file: string): string {
  if (file.includes('/')) return file;
  const hit = resolved.get(file);
  if (hit) return hit;
  for (const dir of (process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir || '.', file);
    try {
      accessSync(p, constants.X_OK);
      resolved.set(file, p);
      return p;
    } catch {
      // next
    }
  }
  return file;
}

export const runTool: RunTool = async (file, args, input) => {
  const child = posixSpawn(which(file), args, [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']);
  const [stdin, stdout, stderr] = child.stdio;
  if (stdin && input !== undefined) {
    stdin.on('error', () => undefined); // a tool that exits without reading its input
    stdin.end(input);
  }
  const [out, err, exit] = await Promise.all([collect(stdout), collect(stderr), child.exited]);
  return { code: exit.code ?? 128 + (exit.signal ?? 0), stdout: out, stderr: err };
};
