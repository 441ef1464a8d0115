/**
 * Registry credentials as the Engine API carries them: the `X-Registry-Auth` header is base64url
 * (padding optional, standard base64 accepted too) of a JSON AuthConfig
 * `{"username","password","auth","serveraddress","identitytoken","registrytoken"}`. A missing or
 * empty header (`e30=` = `{}`) means anonymous. Never log these values.
 */
import { invalid } from '../errors';

export interface AuthConfig {
  username?: string;
  password?: string;
  serverAddress?: string;
  /** OAuth2 refresh token from a previous login (Docker's `identitytoken`). */
  identityToken?: string;
  /** A bearer token to send as is (Docker's `registrytoken`). */
  registryToken?: string;
}

export function isAnonymous(auth: AuthConfig): boolean {
  return !auth.username && !auth.password && !auth.identityToken && !auth.registryToken;
}

function field(o: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** Parses an AuthConfig object in Docker's JSON shape (either case of keys). */
export function authConfigFromJson(o: Record<string, unknown>): AuthConfig {
  const cfg: AuthConfig = {
    username: field(o, 'username', 'Username'),
    password: field(o, 'password', 'Password'),
    serverAddress: field(o, 'serveraddress', 'ServerAddress'),
    identityToken: field(o, 'identitytoken', 'IdentityToken'),
    registryToken: field(o, 'registrytoken', 'RegistryToken'),
  };
  const auth = field(o, 'auth', 'Auth');
  if (auth && !cfg.username) {
    const plain = Buffer.from(auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) {
      cfg.username = plain.slice(0, colon);
      cfg.password = plain.slice(colon + 1);
    }
  }
  return cfg;
}

/** Decodes an X-Registry-Auth header. Throws InvalidParameter when it is not base64 JSON. */
export function parseRegistryAuthHeader(header: string | string[] | undefined): AuthConfig {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !value.trim()) return {};
  const b64 = value.trim().replace(/-/g, '+').replace(/_/g, '/');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw invalid('invalid X-Registry-Auth header: expected base64url-encoded JSON credentials');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('invalid X-Registry-Auth header: expected a JSON object');
  }
  return authConfigFromJson(parsed as Record<string, unknown>);
}

/** Encodes credentials for the X-Registry-Auth header (what the CLI sends). */
export function encodeRegistryAuth(auth: AuthConfig): string {
  const o: Record<string, string> = {};
  if (auth.username) o.username = auth.username;
  if (auth.password) o.password = auth.password;
  if (auth.serverAddress) o.serveraddress = auth.serverAddress;
  if (auth.identityToken) o.identitytoken = auth.identityToken;
  if (auth.registryToken) o.registrytoken = auth.registryToken;
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
