/**
 * Answering a registry's auth challenge: anonymous, Basic (username/password), or Bearer
 * tokens from the realm the challenge names (distribution token spec), with Basic credentials
 * or an identity (refresh) token. Tokens are cached per realm, service, scopes and user until
 * they expire (`expires_in`, 60 s when absent). Secrets are never logged.
 */
import { BerthError } from '../errors';
import { AuthConfig, isAnonymous } from './credentials';
import { Challenge, parseChallenges } from './challenge';
import { httpError } from './errors';
import { readBody, send } from './transport';

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Bearer tokens shared by every client of the daemon. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  get(key: string, now = Date.now()): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= now) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  set(key: string, token: string, expiresInSec: number, now = Date.now()): void {
    // Renew a little early so a token never expires in flight.
    this.tokens.set(key, { token, expiresAt: now + Math.max(1, expiresInSec - 5) * 1000 });
  }
}

/** Parses a token server reply: `token` and/or `access_token`, `expires_in` seconds. */
export function parseTokenReply(body: Buffer): { token: string; expiresIn: number } {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new BerthError('Unauthorized', 'the registry token server sent a reply that is not JSON');
  }
  const token = typeof o.token === 'string' && o.token ? o.token : typeof o.access_token === 'string' ? o.access_token : '';
  if (!token) throw new BerthError('Unauthorized', 'the registry token server sent no token');
  const expiresIn = typeof o.expires_in === 'number' && o.expires_in > 0 ? o.expires_in : 60;
  return { token, expiresIn };
}

export class Authenticator {
  private challenge: Challenge | undefined;

  constructor(
    private readonly host: string,
    private readonly creds: AuthConfig,
    private readonly cache: TokenCache,
  ) {}

  /** Records the challenge of a 401 reply. False when there is none we can answer. */
  learn(wwwAuthenticate: string | string[] | undefined): boolean {
    const challenges = parseChallenges(wwwAuthenticate);
    const picked = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!picked) return false;
    this.challenge = picked;
    return true;
  }

  get knowsChallenge(): boolean {
    return this.challenge !== undefined;
  }

  /** The Authorization header for a request needing `scopes`, or undefined (anonymous). */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    if (this.creds.registryToken) return `Bearer ${this.creds.registryToken}`;
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      if (!this.creds.username) return undefined;
      return `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
    }
    const realm = ch.params.realm;
    if (!realm) throw new BerthError('Unauthorized', `registry ${this.host} asked for a bearer token without naming a realm`);
    const service = ch.params.service ?? '';
    const allScopes = [...new Set([...(ch.params.scope ? [ch.params.scope] : []), ...scopes])].sort();
    const key = [realm, service, allScopes.join(' '), this.creds.username ?? '', this.creds.identityToken ? 'id' : ''].join('|');
    const cached = this.cache.get(key);
    if (cached) return `Bearer ${cached}`;
    const { token, expiresIn } = await this.fetchToken(realm, service, allScopes);
    this.cache.set(key, token, expiresIn);
    return `Bearer ${token}`;
  }

  private async fetchToken(realm: string, service: string, scopes: string[]): Promise<{ token: string; expiresIn: number }> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new BerthError('Unauthorized', `registry ${this.host} named an invalid token realm "${realm}"`);
    }
    let res;
    if (this.creds.identityToken) {
      // OAuth2 refresh-token grant, as Docker does after a login that returned an identity token.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.creds.identityToken, client_id: 'berth' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await send(url.toString(), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (!isAnonymous(this.creds) && this.creds.username) {
        url.searchParams.set('account', this.creds.username);
        headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password ?? ''}`).toString('base64')}`;
      }
      res = await send(url.toString(), { headers });
    }
    const body = await readBody(res, 1024 * 1024);
    const status = res.statusCode ?? 0;
    if (status === 401 || status === 403) {
      throw new BerthError('Unauthorized', `authentication to ${this.host} failed: incorrect username or password`);
    }
    if (status >= 400) throw httpError(status, body, `getting a token from ${url.host}`);
    return parseTokenReply(body);
  }
}
