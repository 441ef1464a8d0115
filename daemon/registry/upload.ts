/**
 * Pushing to a registry: cross-repository blob mounts, blob uploads (POST to start, then one
 * monolithic PUT for small blobs, or a streamed PATCH then PUT `?digest=` for big ones), and
 * manifests. The registry verifies digests on its side; an upload that fails is abandoned
 * (the registry expires it).
 */
import { Readable, Transform } from 'node:stream';
import { BerthError } from '../errors';
import { Digest, isDigest, sha256Of } from '../oci/digest';
import { RegistryClient, pullScope, pushScope } from './client';
import { httpError } from './errors';
import { readBody, Response } from './transport';

/** Blobs up to this size go up in one PUT; bigger ones stream in a PATCH. */
export const MONOLITHIC_LIMIT = 8 * 1024 * 1024;

async function expect(res: Response, ok: number[], context: string): Promise<Buffer> {
  const body = await readBody(res, 1024 * 1024);
  const status = res.statusCode ?? 0;
  if (!ok.includes(status)) throw httpError(status, body, context);
  return body;
}

function locationOf(client: RegistryClient, res: Response, context: string): string {
  const loc = res.headers.location;
  if (!loc) throw new BerthError('Unavailable', `${context}: the registry sent no upload location`);
  return new URL(loc, client.endpoint.baseUrl + '/').toString();
}

function withDigest(location: string, digest: Digest): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/**
 * Asks the registry to mount `digest` from `fromRepo` into `repo` (same registry). True when
 * mounted; false when the registry started a normal upload instead (which is cancelled).
 */
export async function mountBlob(client: RegistryClient, repo: string, digest: Digest, fromRepo: string): Promise<boolean> {
  const q = new URLSearchParams({ mount: digest, from: fromRepo });
  const res = await client.request(`/v2/${repo}/blobs/uploads/?${q}`, [pushScope(repo), pullScope(fromRepo)], { method: 'POST', headers: { 'Content-Length': '0' } });
  const status = res.statusCode ?? 0;
  const context = `mounting blob ${digest} into ${client.domain}/${repo}`;
  if (status === 201) {
    res.resume();
    return true;
  }
  await expect(res, [202], context);
  // Not mounted: drop the upload session the registry opened for us.
  const loc = res.headers.location;
  if (loc) {
    const del = await client.request(new URL(loc, client.endpoint.baseUrl + '/').toString(), [pushScope(repo)], { method: 'DELETE' }).catch(() => undefined);
    del?.resume();
  }
  return false;
}

/**
 * Uploads a blob. `open` returns a fresh stream of its bytes (it may be called again when the
 * registry asks for credentials); `onBytes` reports bytes sent so far.
 */
export async function uploadBlob(client: RegistryClient, repo: string, digest: Digest, size: number, open: () => Readable, onBytes?: (n: number) => void): Promise<void> {
  const context = `uploading blob ${digest} to ${client.domain}/${repo}`;
  const scopes = [pushScope(repo)];
  const start = await client.request(`/v2/${repo}/blobs/uploads/`, scopes, { method: 'POST', headers: { 'Content-Length': '0' } });
  await expect(start, [202], context);
  const location = locationOf(client, start, context);
  const counted = (): Readable => {
    let n = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        onBytes?.(n);
        cb(null, chunk);
      },
    });
    const src = open();
    src.on('error', (err) => counter.destroy(err));
    return src.pipe(counter);
  };
  if (size <= MONOLITHIC_LIMIT) {
    const res = await client.request(withDigest(location, digest), scopes, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: counted,
    });
    await expect(res, [201, 204], context);
    return;
  }
  const patch = await client.request(location, scopes, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size), 'Content-Range': `0-${size - 1}` },
    body: counted,
  });
  await expect(patch, [202, 204], context);
  const done = await client.request(withDigest(locationOf(client, patch, context), digest), scopes, { method: 'PUT', headers: { 'Content-Length': '0' } });
  await expect(done, [201, 204], context);
}

/** Puts a manifest under a tag (or digest); returns its digest as the registry computed it. */
export async function putManifest(client: RegistryClient, repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
  const res = await client.request(`/v2/${repo}/manifests/${reference}`, [pushScope(repo)], {
    method: 'PUT',
    headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
    body: bytes,
  });
  await expect(res, [200, 201, 202], `pushing manifest for ${client.domain}/${repo}:${reference}`);
  const ours = sha256Of(bytes);
  const theirs = res.headers['docker-content-digest'];
  if (typeof theirs === 'string' && isDigest(theirs) && theirs !== ours) {
    throw new BerthError('System', `registry ${client.domain} stored the manifest under ${theirs}, expected ${ours}`);
  }
  return ours;
}
