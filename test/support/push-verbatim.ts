/**
 * Uploads an image from an OCI layout with the distribution API itself, blobs exactly as they
 * are: skopeo's docker transport would gzip a plain layer on the way, and some tests need a
 * registry that serves exactly the bytes they made (plain tars, odd configs).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Descriptor } from './oci-layout';

export async function pushVerbatim(host: string, repo: string, tag: string, layoutDir: string, manifest: Descriptor): Promise<void> {
  const blobPath = (digest: string) => path.join(layoutDir, 'blobs', 'sha256', digest.slice(7));
  const body = JSON.parse(await fs.readFile(blobPath(manifest.digest), 'utf8')) as { config: Descriptor; layers: Descriptor[] };
  for (const desc of [body.config, ...body.layers]) {
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202, `starting an upload: ${start.status}`);
    const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
    location.searchParams.set('digest', desc.digest);
    const put = await fetch(location, { method: 'PUT', body: await fs.readFile(blobPath(desc.digest)), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201, `uploading ${desc.digest}: ${put.status} ${await put.text()}`);
  }
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: await fs.readFile(blobPath(manifest.digest)), headers: { 'content-type': manifest.mediaType } });
  assert.equal(put.status, 201, `putting the manifest: ${put.status} ${await put.text()}`);
}
