/**
 * Registry credentials in Docker's own config file (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`): `{"auths": {"localhost:5000": {"auth": base64("user:pass")}}}`,
 * Docker Hub under `https://index.docker.io/v1/`. Other keys of the file are kept untouched.
 * Credential helpers (`credsStore`) are not supported: berth reads and writes the file only.
 * Also: the X-Registry-Auth header value for a registry, as the docker CLI sends it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliError } from './http';

export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export interface Credentials {
  username: string;
  password: string;
  serveraddress: string;
}

export function configPath(): string {
  const dir = process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

function readConfig(): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(configPath(), 'utf8');
  } catch {
    return {};
  }
  try {
    const o = JSON.parse(text) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
  } catch {
    throw new CliError(`${configPath()} is not valid JSON`);
  }
}

function writeConfig(cfg: Record<string, unknown>): void {
  const file = configPath();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The registry host of an image name: `localhost:5000/x` → `localhost:5000`, `busybox` → docker.io. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first === 'index.docker.io' ? 'docker.io' : first;
  return 'docker.io';
}

/** The config key of a server: Docker Hub's legacy URL, else the bare host[:port]. */
export function serverKey(server: string): string {
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') return DOCKER_HUB_KEY;
  return host;
}

function auths(cfg: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const a = cfg.auths;
  return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, Record<string, unknown>>) : {};
}

/** Stored credentials for a server, if any. Keys written with a scheme or path match too. */
export function getCredentials(server: string): Credentials | undefined {
  const key = serverKey(server);
  for (const [k, v] of Object.entries(auths(readConfig()))) {
    if (serverKey(k) !== key || !v || typeof v.auth !== 'string') continue;
    const plain = Buffer.from(v.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon <= 0) continue;
    return { username: plain.slice(0, colon), password: plain.slice(colon + 1), serveraddress: key };
  }
  return undefined;
}

export function saveCredentials(server: string, username: string, password: string): void {
  const cfg = readConfig();
  const a = auths(cfg);
  a[serverKey(server)] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  cfg.auths = a;
  writeConfig(cfg);
}

/** Removes a server's credentials; false when there were none. */
export function removeCredentials(server: string): boolean {
  const cfg = readConfig();
  const a = auths(cfg);
  const key = serverKey(server);
  const found = Object.keys(a).filter((k) => serverKey(k) === key);
  if (!found.length) return false;
  for (const k of found) delete a[k];
  cfg.auths = a;
  writeConfig(cfg);
  return true;
}

/** The X-Registry-Auth header for an image's registry (`{}` when no credentials are stored). */
export function registryAuthHeader(image: string): string {
  const creds = getCredentials(registryOf(image));
  return Buffer.from(JSON.stringify(creds ?? {})).toString('base64url');
}
