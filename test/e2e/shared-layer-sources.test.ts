/**
 * Issue 9 item 7: two real registries serve the same layer (one diff id) as different blobs —
 * gzip in the first, a plain tar in the second. Image A is pulled from the first, then image B
 * from the second: B's layer "Already exists" from A's bytes. B must still save (with A
 * removed, so only B keeps the bytes alive) and push, through the real docker CLI; the results
 * are cross-checked with skopeo.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  fetchManifest,
  goArch,
  haveCommand,
  makeTempDir,
  MT,
  OciLayoutWriter,
  pushVerbatim,
  requireRoot,
  runOk,
  skipBecause,
  startDaemon,
  startRegistry,
  tarDirectory,
  type TestDaemon,
  type TestRegistry,
} from '../support';

const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

describe('e2e: a layer shared across registries as different blobs (save and push)', function () {
  let d: TestDaemon;
  let reg1: TestRegistry;
  let reg2: TestRegistry;
  let work: string;
  let diffId: string;
  let plainDigest: string;

  before(async function () {
    requireRoot(this);
    for (const cmd of ['docker', 'docker-registry', 'skopeo']) if (!haveCommand(cmd)) skipBecause(this, `${cmd} is not installed`);
    work = await makeTempDir('berth-e2e-shared-layer-');
    [reg1, reg2] = await Promise.all([startRegistry(), startRegistry()]);
    d = await startDaemon();

    const staging = path.join(work, 'staging');
    await fs.mkdir(staging);
    await fs.writeFile(path.join(staging, 'shared.txt'), 'the same files, two encodings\n');
    const tar = await tarDirectory(staging);
    diffId = sha256(tar);
    const layout = new OciLayoutWriter(path.join(work, 'layout'));
    await layout.init();
    const gz = await layout.blob(gzipSync(tar), MT.ociLayerGzip);
    const plain = await layout.blob(tar, OCI_LAYER_TAR);
    plainDigest = plain.digest;
    const a = await layout.image({ layers: [{ desc: gz, diffId }], architecture: goArch(), config: { Cmd: ['a'] }, history: [{ created_by: 'a' }] });
    const b = await layout.image({ layers: [{ desc: plain, diffId }], architecture: goArch(), config: { Cmd: ['b'] }, history: [{ created_by: 'b' }] });
    layout.tag('a', a.manifest);
    layout.tag('b', b.manifest);
    await layout.finish();
    await pushVerbatim(reg1.host, 'shared/a', '1', layout.dir, a.manifest);
    await pushVerbatim(reg2.host, 'shared/b', '1', layout.dir, b.manifest);
    const served = await fetchManifest(reg2.host, 'shared/b', '1');
    assert.equal((served.body.layers as { digest: string }[])[0]?.digest, plainDigest, 'the second registry should serve the plain tar');
  });

  after(async function () {
    await d?.stop();
    await reg1?.stop();
    await reg2?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('B, whose layer already existed from another registry\'s gzip blob, saves and pushes', async function () {
    const pullA = await d.docker(['pull', `${reg1.host}/shared/a:1`]);
    assert.equal(pullA.code, 0, pullA.stderr);
    const pullB = await d.docker(['pull', `${reg2.host}/shared/b:1`]);
    assert.equal(pullB.code, 0, pullB.stderr);
    assert.match(pullB.stdout, /Already exists/, pullB.stdout);

    // A goes away: only B's record can keep the stored bytes of the shared layer alive.
    const rmi = await d.docker(['rmi', `${reg1.host}/shared/a:1`]);
    assert.equal(rmi.code, 0, rmi.stderr);

    const archive = path.join(work, 'b.tar');
    const save = await d.docker(['save', '-o', archive, `${reg2.host}/shared/b:1`]);
    assert.equal(save.code, 0, save.stderr);
    const inspected = JSON.parse((await runOk('skopeo', ['inspect', `docker-archive:${archive}`])).stdout) as { Layers: string[] };
    assert.deepEqual(inspected.Layers, [diffId], 'the saved layer is the uncompressed tar of the diff id');

    for (const [reg, repo] of [[reg1, 'shared/b-copy:1'], [reg2, 'shared/b:2']] as const) {
      const target = `${reg.host}/${repo}`;
      const tag = await d.docker(['tag', `${reg2.host}/shared/b:1`, target]);
      assert.equal(tag.code, 0, tag.stderr);
      const push = await d.docker(['push', target]);
      assert.equal(push.code, 0, push.stdout + push.stderr);
      const remote = JSON.parse((await runOk('skopeo', ['inspect', '--tls-verify=false', `docker://${target}`])).stdout) as { Layers: string[] };
      assert.equal(remote.Layers.length, 1);
      // Whatever encoding was pushed, pulling it back gives the same image.
      await runOk('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${target}`, `dir:${path.join(work, repo.replace(/[/:]/g, '_'))}`]);
    }
    const pulledBack = await d.docker(['pull', `${reg1.host}/shared/b-copy:1`]);
    assert.equal(pulledBack.code, 0, pulledBack.stderr);
  });
});
