/**
 * Where a registry's API lives and whether it is spoken to over plain HTTP. docker.io maps to
 * registry-1.docker.io; localhost, 127.0.0.0/8, ::1 and the daemon's `--insecure-registry`
 * entries (host[:port] or IPv4 CIDR) are insecure (HTTP); everything else is HTTPS. Pure.
 */
import { DEFAULT_DOMAIN, DOCKER_HUB_REGISTRY } from '../oci/reference';

export interface Endpoint {
  /** The registry as users name it (`docker.io`, `localhost:5000`). */
  domain: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000` (no trailing slash). */
  baseUrl: string;
  insecure: boolean;
}

/** Splits `host[:port]` (IPv6 in brackets) into the host and the port string. */
export function splitHostPort(hostPort: string): { host: string; port?: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (m) return { host: m[1] as string, port: m[2] };
  const colon = hostPort.lastIndexOf(':');
  if (colon > 0 && hostPort.indexOf(':') === colon) return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
  return { host: hostPort };
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4ToInt(ip);
  const b = base === undefined ? undefined : ipv4ToInt(base);
  const bits = Number(bitsText);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const shift = 32 - bits;
  return Math.floor(a / 2 ** shift) === Math.floor(b / 2 ** shift);
}

/** True when `domain` (host[:port]) is reached over plain HTTP. */
export function isInsecure(domain: string, insecureRegistries: readonly string[]): boolean {
  const { host } = splitHostPort(domain);
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  for (const entry of insecureRegistries) {
    const e = entry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (e === domain || e === host) return true;
    if (e.includes('/') && inCidr(host, e)) return true;
  }
  return false;
}

export function resolveEndpoint(domain: string, insecureRegistries: readonly string[]): Endpoint {
  const apiHost = domain === DEFAULT_DOMAIN ? DOCKER_HUB_REGISTRY : domain;
  const insecure = domain !== DEFAULT_DOMAIN && isInsecure(domain, insecureRegistries);
  return { domain, baseUrl: `${insecure ? 'http' : 'https'}://${apiHost}`, insecure };
}

/** A Docker Hub mirror given as scheme://host[:port] (validated by the config). */
export function mirrorEndpoint(mirror: string): Endpoint {
  const url = new URL(mirror);
  return { domain: url.host, baseUrl: `${url.protocol}//${url.host}`, insecure: url.protocol === 'http:' };
}
