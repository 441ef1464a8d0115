/**
 * Docker's filters through the docker CLI (issue 8, small gaps): `container prune --filter
 * label!=...` and `until=`, `images --filter label!=/until=/dangling/reference/before/since`,
 * `image prune --filter label!=`, and Docker's "invalid filter" for keys an endpoint does
 * not take.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTree, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: filters (docker CLI)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  const ok = async (args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const names = async (args: string[]) => (await ok(args)).split('\n').filter(Boolean).sort();

  it('container prune --filter label!=, label=, until=', async function () {
    await ok(['create', '--name', 'keepme', '--label', 'keep=1', image, 'true']);
    await ok(['create', '--name', 'keep2', '--label', 'keep=2', image, 'true']);
    await ok(['create', '--name', 'plain', image, 'true']);
    assert.deepEqual(await names(['container', 'prune', '-f', '--filter', 'until=1h']), ['Total reclaimed space: 0B']);
    assert.equal((await ok(['ps', '-a', '-q'])).split('\n').filter(Boolean).length, 3, 'until=1h spares containers made just now');
    await ok(['container', 'prune', '-f', '--filter', 'label!=keep=1']);
    assert.deepEqual(await names(['ps', '-a', '--format', '{{.Names}}']), ['keepme']);
    await ok(['create', '--name', 'plain2', image, 'true']);
    await ok(['container', 'prune', '-f', '--filter', 'label=keep']);
    assert.deepEqual(await names(['ps', '-a', '--format', '{{.Names}}']), ['plain2']);
    await ok(['container', 'prune', '-f']);
  });

  it('refuses keys an endpoint does not take, as Docker does', async function () {
    const prune = await d.docker(['container', 'prune', '-f', '--filter', 'status=exited']);
    assert.notEqual(prune.code, 0);
    assert.match(prune.stderr, /invalid filter 'status'/);
    const ps = await d.docker(['ps', '--filter', 'label!=x']);
    assert.notEqual(ps.code, 0);
    assert.match(ps.stderr, /invalid filter 'label!'/);
    const images = await d.docker(['images', '--filter', 'color=red']);
    assert.match(images.stderr, /invalid filter 'color'/);
  });

  it('images --filter label!=, label=, until=, reference=, dangling=; image prune --filter label!=', async function () {
    const ctx = await makeTempDir('filters');
    try {
      for (const [tag, label] of [['labelled:1', 'LABEL keep=1'], ['unlabelled:1', 'LABEL other=1']]) {
        await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${image}\n${label}\n`);
        await ok(['build', '-q', '-t', tag as string, ctx]);
      }
    } finally {
      await removeTree(ctx);
    }
    const repos = (args: string[]) => names(['images', '--format', '{{.Repository}}', ...args]);
    assert.deepEqual(await repos(['--filter', 'label=keep']), ['labelled']);
    assert.deepEqual(await repos(['--filter', 'label!=keep', '--filter', 'reference=*labelled']), ['unlabelled']);
    assert.deepEqual(await repos(['--filter', 'until=1h']), [image.replace(/:[^:/]+$/, '')], 'only the pulled image is older than an hour');
    assert.deepEqual(await repos(['--filter', 'dangling=true']), []);
    await ok(['image', 'prune', '-a', '-f', '--filter', 'label!=keep']);
    const left = await repos([]);
    assert.ok(left.includes('labelled') && !left.includes('unlabelled'), left.join(' '));
  });
});
