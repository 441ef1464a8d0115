/**
 * A real OCI distribution registry for tests: Debian's `docker-registry` on 127.0.0.1 with its
 * own temp config and storage, deletes enabled, optionally behind htpasswd basic auth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { track, untrack } from './lifecycle';
import { freePort, haveCommand, makeTempDir, removeTree, runOk, waitFor } from './proc';

export interface RegistryOptions {
  /** Require basic auth with these credentials (needs `htpasswd` from apache2-utils). */
  auth?: { username: string; password: string };
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the form used in image references. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  auth?: { username: string; password: string };
  /** Temp dir with config.yml, storage/ and registry.log. */
  dir: string;
  /** Stops the registry and removes its storage. Idempotent. */
  stop(): Promise<void>;
}

function configYaml(storage: string, port: number, htpasswd?: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: berth-test-registry',
  ];
  if (htpasswd) lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${htpasswd}`);
  return lines.join('\n') + '\n';
}

/** Status of GET /v2/, or 0 when nothing answers. */
function v2Status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** Starts a registry and resolves once `GET /v2/` answers (200, or 401 in auth mode). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  if (!haveCommand('docker-registry')) throw new Error('docker-registry is not installed (Debian package docker-registry; run scripts/install.sh)');
  const dir = await makeTempDir('registry');
  let htpasswd: string | undefined;
  if (opts.auth) {
    if (!haveCommand('htpasswd')) throw new Error('htpasswd is not installed (Debian package apache2-utils)');
    htpasswd = path.join(dir, 'htpasswd');
    const r = await runOk('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password]);
    await fs.writeFile(htpasswd, r.stdout);
  }
  // A free port can be taken by someone else before the registry binds it: retry a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'config.yml');
    const logFile = path.join(dir, 'registry.log');
    await fs.writeFile(config, configYaml(path.join(dir, 'storage'), port, htpasswd));
    const logFd = openSync(logFile, 'a');
    const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    let stopped = false;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      untrack(tracked);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await removeTree(dir);
    };
    const tracked = { stop, child: () => child };
    track(tracked);
    const expected = opts.auth ? 401 : 200;
    try {
      await waitFor(`docker-registry on 127.0.0.1:${port}`, async () => (await v2Status(port)) === expected, {
        timeoutMs: 20_000,
        abort: () => {
          if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${tail(logFile)}`);
        },
      });
    } catch (err) {
      stopped = true;
      untrack(tracked);
      child.kill('SIGKILL');
      await exited;
      if (attempt < 3 && /address already in use/.test(tail(logFile))) continue;
      await removeTree(dir);
      throw err;
    }
    return { host: `127.0.0.1:${port}`, port, url: `http://127.0.0.1:${port}`, auth: opts.auth, dir, stop };
  }
}
