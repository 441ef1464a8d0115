/**
 * A client of one registry (OCI distribution spec) with one set of credentials: ping, manifests,
 * blobs, tags and the catalog. Every request carries the Authorization its scope needs; a 401
 * teaches the client the registry's challenge and the request is retried once. Uploads live in
 * upload.ts. Errors are BerthErrors with one sentence naming the thing.
 */
import { Readable } from 'node:stream';
import { BerthError, invalid, notFound } from '../errors';
import { Digest, isDigest, sha256Of } from '../oci/digest';
import { MediaType } from '../oci/types';
import { ParsedManifest, parseManifestDocument } from '../oci/validate';
import { Authenticator, TokenCache } from './authenticator';
import { AuthConfig, isAnonymous } from './credentials';
import { Endpoint } from './endpoint';
import { httpError, parseErrorBody, formatErrorItems } from './errors';
import { readBody, Response, send, SendOptions } from './transport';

export const MANIFEST_ACCEPT = [MediaType.DockerManifest, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.OciIndex].join(', ');

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  parsed: ParsedManifest;
}

export const pullScope = (repo: string): string => `repository:${repo}:pull`;
export const pushScope = (repo: string): string => `repository:${repo}:pull,push`;

export class RegistryClient {
  private readonly auth: Authenticator;

  constructor(
    readonly endpoint: Endpoint,
    readonly creds: AuthConfig,
    tokens: TokenCache,
  ) {
    this.auth = new Authenticator(endpoint.domain, creds, tokens);
  }

  get domain(): string {
    return this.endpoint.domain;
  }

  /**
   * Sends a request to `path` (or an absolute URL) with auth for `scopes`. On a 401 with a
   * challenge it authenticates and retries once; a second 401 is Unauthorized.
   */
  async request(path: string, scopes: readonly string[], opts: SendOptions = {}): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.endpoint.baseUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers = { ...opts.headers };
      const authz = await this.auth.header(scopes);
      if (authz) headers.Authorization = authz;
      const res = await send(url, { ...opts, headers });
      if (res.statusCode !== 401) return res;
      const body = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
      if (attempt === 0 && this.auth.learn(res.headers['www-authenticate'])) continue;
      const items = parseErrorBody(body).filter((e) => e.code !== 'UNAUTHORIZED');
      const why = isAnonymous(this.creds) ? 'authentication required' : 'incorrect username or password';
      throw new BerthError('Unauthorized', `unauthorized: ${why} for ${this.domain}${items.length ? ` (${formatErrorItems(items)})` : ''}`);
    }
  }

  /** GET /v2/: checks the registry answers and the credentials are accepted (docker login). */
  async ping(): Promise<void> {
    const res = await this.request('/v2/', []);
    const body = await readBody(res, 64 * 1024);
    if ((res.statusCode ?? 0) >= 400) throw httpError(res.statusCode ?? 0, body, `registry ${this.domain} refused the connection check`);
  }

  /**
   * Fetches a manifest or index by tag or digest and validates it. By digest, the bytes must
   * hash to it; by tag, they must match the Docker-Content-Digest header when one is sent.
   * `display` names the image in errors (`localhost:5000/x:nope`).
   */
  async getManifest(repo: string, reference: string, display: string): Promise<FetchedManifest> {
    const res = await this.request(`/v2/${repo}/manifests/${reference}`, [pullScope(repo)], { headers: { Accept: MANIFEST_ACCEPT } });
    const status = res.statusCode ?? 0;
    const bytes = await readBody(res, 4 * 1024 * 1024);
    if (status === 404) {
      const items = parseErrorBody(bytes);
      const detail = items.length ? formatErrorItems(items) : 'manifest unknown';
      if (items.some((e) => e.code === 'NAME_UNKNOWN')) throw notFound(`repository ${this.domain}/${repo} not found: ${detail}`);
      throw notFound(`manifest for ${display} not found: ${detail}`);
    }
    if (status >= 400) throw httpError(status, bytes, `fetching manifest for ${display}`);
    const digest = sha256Of(bytes);
    if (isDigest(reference) && digest !== reference) {
      throw invalid(`manifest for ${display} does not match its digest: got ${digest}`);
    }
    const header = res.headers['docker-content-digest'];
    if (!isDigest(reference) && typeof header === 'string' && isDigest(header) && header !== digest) {
      throw invalid(`manifest for ${display} does not match the digest the registry announced (${header})`);
    }
    const parsed = parseManifestDocument(bytes, res.headers['content-type'], `manifest for ${display}`);
    return { bytes, digest, mediaType: parsed.mediaType, parsed };
  }

  /** HEAD a manifest: its digest when it exists, undefined on 404. */
  async headManifest(repo: string, reference: string): Promise<Digest | undefined> {
    const res = await this.request(`/v2/${repo}/manifests/${reference}`, [pullScope(repo)], { method: 'HEAD', headers: { Accept: MANIFEST_ACCEPT } });
    res.resume();
    if (res.statusCode === 404) return undefined;
    if ((res.statusCode ?? 0) >= 400) throw httpError(res.statusCode ?? 0, Buffer.alloc(0), `checking manifest ${repo}:${reference}`);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' && isDigest(d) ? d : undefined;
  }

  /** Opens a blob for streaming. The caller verifies digest and size while reading. */
  async openBlob(repo: string, digest: Digest): Promise<{ stream: Readable; size: number | undefined }> {
    const res = await this.request(`/v2/${repo}/blobs/${digest}`, [pullScope(repo)]);
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const body = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
      if (status === 404) throw notFound(`blob ${digest} not found in ${this.domain}/${repo}`);
      throw httpError(status, body, `fetching blob ${digest} from ${this.domain}/${repo}`);
    }
    const len = res.headers['content-length'];
    return { stream: res, size: len !== undefined ? Number(len) : undefined };
  }

  /** Reads a small blob (a config) fully and verifies its digest. */
  async getBlob(repo: string, digest: Digest, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const { stream } = await this.openBlob(repo, digest);
    const bytes = await readBody(stream as Response, limit);
    if (sha256Of(bytes) !== digest) throw invalid(`blob ${digest} from ${this.domain}/${repo} does not match its digest`);
    return bytes;
  }

  /** HEAD a blob: true when the registry has it in `repo`. */
  async hasBlob(repo: string, digest: Digest, scopes = [pullScope(repo)]): Promise<boolean> {
    const res = await this.request(`/v2/${repo}/blobs/${digest}`, scopes, { method: 'HEAD' });
    res.resume();
    const status = res.statusCode ?? 0;
    if (status === 404) return false;
    if (status >= 400) throw httpError(status, Buffer.alloc(0), `checking blob ${digest} in ${this.domain}/${repo}`);
    return true;
  }

  /** Tags of a repository (`GET /v2/<repo>/tags/list`), following pagination. */
  async listTags(repo: string): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    while (next) {
      const res = await this.request(next, [pullScope(repo)]);
      const body = await readBody(res);
      if (res.statusCode === 404) throw notFound(`repository ${this.domain}/${repo} not found`);
      if ((res.statusCode ?? 0) >= 400) throw httpError(res.statusCode ?? 0, body, `listing tags of ${this.domain}/${repo}`);
      const o = JSON.parse(body.toString('utf8')) as { tags?: unknown };
      if (Array.isArray(o.tags)) out.push(...o.tags.filter((t): t is string => typeof t === 'string'));
      next = nextLink(res.headers.link);
    }
    return out;
  }

  /**
   * Repository names from `GET /v2/_catalog` (distribution registries), at most `limit`.
   * Registries without a catalog (Docker Hub) answer 401/404: NotImplemented then.
   */
  async catalog(limit = 1000): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/_catalog?n=${Math.min(limit, 1000)}`;
    while (next && out.length < limit) {
      const res = await this.request(next, ['registry:catalog:*']);
      const body = await readBody(res);
      const status = res.statusCode ?? 0;
      if (status === 404 || status === 405) throw new BerthError('NotImplemented', `registry ${this.domain} has no catalog to search`);
      if (status >= 400) throw httpError(status, body, `listing the catalog of ${this.domain}`);
      const o = JSON.parse(body.toString('utf8')) as { repositories?: unknown };
      if (Array.isArray(o.repositories)) out.push(...o.repositories.filter((r): r is string => typeof r === 'string'));
      next = nextLink(res.headers.link);
    }
    return out.slice(0, limit);
  }
}

/** The target of an RFC 5988 `Link: <...>; rel="next"` header. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const link = Array.isArray(header) ? header.join(', ') : header;
  if (!link) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return m ? m[1] : undefined;
}
