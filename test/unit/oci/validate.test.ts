/** Manifest, index and config validation (daemon/oci/validate.ts). */
import * as assert from 'node:assert/strict';
import { parseImageConfig, parseManifestDocument } from '../../../daemon/oci/validate';
import { MediaType } from '../../../daemon/oci/types';

const D = `sha256:${'a'.repeat(64)}`;
const buf = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('unit: oci validate', function () {
  it('parses a Docker schema2 manifest', function () {
    const p = parseManifestDocument(buf({ schemaVersion: 2, mediaType: MediaType.DockerManifest, config: { mediaType: MediaType.DockerConfig, digest: D, size: 3 }, layers: [{ mediaType: MediaType.DockerLayerGzip, digest: D, size: 9 }] }), undefined, 'm');
    assert.equal(p.kind, 'manifest');
    assert.equal(p.mediaType, MediaType.DockerManifest);
    if (p.kind === 'manifest') assert.equal(p.manifest.layers[0]?.size, 9);
  });

  it('takes the media type from Content-Type when the document has none (OCI)', function () {
    const p = parseManifestDocument(buf({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, digest: D, size: 1, platform: { os: 'linux', architecture: 'amd64' } }] }), `${MediaType.OciIndex}; charset=utf-8`, 'i');
    assert.equal(p.kind, 'index');
    if (p.kind === 'index') assert.equal(p.index.manifests[0]?.platform?.architecture, 'amd64');
  });

  it('rejects schema 1, bad JSON, bad digests, negative sizes and unknown types with a sentence', function () {
    assert.throws(() => parseManifestDocument(buf({ schemaVersion: 1 }), undefined, 'manifest for x:1'), /manifest for x:1 uses Docker image manifest schema 1/);
    assert.throws(() => parseManifestDocument(Buffer.from('{'), undefined, 'm'), /m is not valid JSON/);
    assert.throws(() => parseManifestDocument(buf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { digest: 'md5:x', size: 1 }, layers: [] }), undefined, 'm'), /malformed digest/);
    assert.throws(() => parseManifestDocument(buf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { digest: D, size: -1 }, layers: [] }), undefined, 'm'), /non-negative integer/);
    assert.throws(() => parseManifestDocument(buf({ schemaVersion: 2, mediaType: 'text/plain' }), undefined, 'm'), /unsupported media type "text\/plain"/);
    assert.throws(() => parseManifestDocument(buf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { digest: D, size: 1 }, layers: [{ mediaType: 'application/x-evil', digest: D, size: 1 }] }), undefined, 'm'), /layers\[0\] has unsupported media type/);
  });

  it('checks the parts of a config berth relies on', function () {
    const ok = parseImageConfig(buf({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D] } }), 'c');
    assert.deepEqual(ok.rootfs.diff_ids, [D]);
    assert.throws(() => parseImageConfig(buf({ architecture: 'amd64', os: 'linux' }), 'c'), /rootfs.diff_ids/);
    assert.throws(() => parseImageConfig(buf({ architecture: 'amd64', os: 'linux', rootfs: { diff_ids: ['x'] } }), 'c'), /malformed diff id/);
  });
});
