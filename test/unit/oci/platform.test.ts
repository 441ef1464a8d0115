/** Platform parsing and manifest selection (daemon/oci/platform.ts). */
import * as assert from 'node:assert/strict';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, selectManifest } from '../../../daemon/oci/platform';
import type { Descriptor } from '../../../daemon/oci/types';

const d = (arch: string, os = 'linux', variant?: string, n = 1): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100,
  platform: { os, architecture: arch, ...(variant ? { variant } : {}) },
});

describe('unit: oci platform', function () {
  it('knows the host platform from process.arch', function () {
    const h = hostPlatform();
    assert.equal(h.os, 'linux');
    if (process.arch === 'x64') assert.equal(h.architecture, 'amd64');
  });

  it('parses os/arch[/variant] and normalises aliases', function () {
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.equal(formatPlatform(parsePlatform('Linux/ARM/v7')), 'linux/arm/v7');
    assert.throws(() => parsePlatform('linux//'), /invalid platform "linux\/\/"/);
    assert.throws(() => parsePlatform('a/b/c/d'), /invalid platform/);
    // One word is an OS or an architecture (containerd's rule); anything else is refused.
    assert.deepEqual(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.equal(parsePlatform('linux').os, 'linux');
    assert.throws(() => parsePlatform('bogus'), /"bogus": unknown operating system or architecture/);
  });

  it('matches variants the way containerd does', function () {
    assert.ok(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' }));
    assert.ok(!platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }));
    assert.ok(!platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' }));
  });

  it('skips unknown/unknown attestation entries and picks the wanted platform', function () {
    const list = [d('unknown', 'unknown', undefined, 1), d('arm64', 'linux', 'v8', 2), d('amd64', 'linux', undefined, 3)];
    assert.equal(selectManifest(list, parsePlatform('linux/amd64')).digest, list[2]?.digest);
    assert.equal(selectManifest(list, parsePlatform('linux/arm64')).digest, list[1]?.digest);
    assert.throws(() => selectManifest([d('unknown', 'unknown')], parsePlatform('linux/amd64')), /no matching manifest for linux\/amd64/);
  });

  it('prefers the exact arm variant over older compatible ones', function () {
    const list = [d('arm', 'linux', 'v6', 1), d('arm', 'linux', 'v7', 2)];
    assert.equal(selectManifest(list, parsePlatform('linux/arm/v7')).digest, list[1]?.digest);
    assert.equal(selectManifest(list, parsePlatform('linux/arm/v6')).digest, list[0]?.digest);
  });

  it('names the platform when nothing matches', function () {
    assert.throws(() => selectManifest([d('amd64')], parsePlatform('linux/s390x')), {
      message: 'no matching manifest for linux/s390x in the manifest list entries',
    });
  });
});
