/**
 * Opens the listening sockets: `unix:///path` (stale socket files removed, mode 0660, owned by
 * root and the socket group, see socket-group.ts) or `fd://` (systemd socket activation: the
 * fds passed in LISTEN_FDS, starting at 3; systemd set their owner and mode).
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Server } from 'node:http';
import { BerthError } from './errors';

async function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

function listenOn(server: Server, target: string | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target, () => { server.off('error', reject); resolve(); });
  });
}

export async function listenAll(server: Server, hosts: readonly string[], gid?: number): Promise<string[]> {
  const listening: string[] = [];
  for (const host of hosts) {
    if (host.startsWith('fd://')) {
      const count = Number(process.env.LISTEN_FDS ?? '0');
      if (String(process.env.LISTEN_PID ?? process.pid) !== String(process.pid) || count < 1) {
        throw new BerthError('InvalidParameter', 'fd:// needs systemd socket activation (LISTEN_FDS is not set for this process)');
      }
      for (let fd = 3; fd < 3 + count; fd++) await listenOn(server, { fd });
      listening.push(host);
      continue;
    }
    const socketPath = host.slice('unix://'.length);
    await fs.mkdir(path.dirname(socketPath), { recursive: true });
    if (await isLive(socketPath)) throw new BerthError('Conflict', `${socketPath} is already served by another daemon`);
    await fs.rm(socketPath, { force: true });
    await listenOn(server, socketPath);
    await fs.chmod(socketPath, 0o660);
    if (gid !== undefined) await fs.chown(socketPath, process.getuid?.() ?? 0, gid);
    listening.push(host);
  }
  return listening;
}
