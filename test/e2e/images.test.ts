/**
 * images, inspect, tag, rmi, history, image prune, search, info and system df through the real
 * docker CLI and through bin/berth, against berthd with images pulled from the local registry.
 * rmi of an image whose base another image shares keeps the shared layers.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { skipBecause, type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: images (docker CLI and berth)', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon((fx) => [fx.busybox, fx.busyboxExtra, fx.hello], (daemon, fx) => ((d = daemon), (f = fx)));

  it('docker images lists the pulled images in Docker columns with 12-hex ids', async function () {
    const r = await d.docker(['images']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    const row = lines.find((l) => l.startsWith(`${f.busybox.repository} `));
    assert.ok(row, r.stdout);
    assert.match(row!, new RegExp(`\\s+latest\\s+${f.busybox.id.slice(7, 19)}\\s+.+ago\\s+[\\d.]+[kM]B$`));
    const q = await d.docker(['images', '-q', '--no-trunc', f.busybox.ref]);
    assert.equal(q.stdout.trim(), f.busybox.id);
    const fmt = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${f.host}/busybox*`]);
    assert.deepEqual(fmt.stdout.trim().split('\n').sort(), [f.busyboxExtra.ref, f.busybox.ref].sort());
    // As in Docker, a `name:tag` pattern does not match digest references; a bare name does.
    const digests = await d.docker(['images', '--digests', '--format', '{{.Digest}}', f.busybox.repository]);
    assert.equal(digests.stdout.trim(), f.busybox.digest);
  });

  it('docker image inspect and docker inspect show the image in Docker shape', async function () {
    const r = await d.docker(['image', 'inspect', f.busybox.ref]);
    assert.equal(r.code, 0, r.stderr);
    const [img] = JSON.parse(r.stdout) as { Id: string; RepoTags: string[]; RepoDigests: string[]; RootFS: { Layers: string[] }; Config: { Cmd: string[] }; Os: string }[];
    assert.equal(img!.Id, f.busybox.id);
    assert.deepEqual(img!.RepoTags, [f.busybox.ref]);
    assert.deepEqual(img!.RepoDigests, [`${f.busybox.repository}@${f.busybox.digest}`]);
    assert.equal(img!.RootFS.Layers.length, 2);
    assert.deepEqual(img!.Config.Cmd, ['sh']);
    const any = await d.docker(['inspect', '-f', '{{.Id}} {{.Os}}', f.busybox.ref]);
    assert.equal(any.code, 0, any.stderr);
    assert.equal(any.stdout.trim(), `${f.busybox.id} linux`);
    const missing = await d.docker(['image', 'inspect', 'nosuch:1']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image: nosuch:1/);
  });

  it('docker tag, docker history and docker rmi follow Docker rules', async function () {
    assert.equal((await d.docker(['tag', f.hello.ref, 'hello-copy:1'])).code, 0);
    const h = await d.docker(['history', 'hello-copy:1']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout.split('\n')[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.match(h.stdout, new RegExp(`^${f.hello.id.slice(7, 19)}\\s`, 'm'));
    const conflict = await d.docker(['rmi', f.hello.id.slice(7, 19)]);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories/);
    const untag = await d.docker(['rmi', 'hello-copy:1']);
    assert.equal(untag.code, 0, untag.stderr);
    assert.equal(untag.stdout.trim(), 'Untagged: hello-copy:1');
    const inspect = await d.docker(['image', 'inspect', f.hello.ref]);
    assert.equal(inspect.code, 0, 'the other tag still resolves');
  });

  it('rmi of an image sharing its base with another keeps the shared layers', async function () {
    const before = JSON.parse((await d.docker(['image', 'inspect', f.busybox.ref])).stdout) as { GraphDriver: { Data: Record<string, string> } }[];
    const dirs = [before[0]!.GraphDriver.Data.UpperDir!, ...(before[0]!.GraphDriver.Data.LowerDir ?? '').split(':').filter(Boolean)];
    assert.equal(dirs.length, 2);
    const r = await d.docker(['rmi', f.busyboxExtra.ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Untagged: ${f.busyboxExtra.ref.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^Deleted: ${f.busyboxExtra.id}$`, 'm'));
    const deleted = r.stdout.split('\n').filter((l) => l.startsWith('Deleted: ')).length;
    assert.equal(deleted, 1 + 2, 'the image and its two own layers, not the shared ones');
    for (const dir of dirs) assert.ok(existsSync(dir), `${dir} must survive`);
    const after = await d.docker(['image', 'inspect', f.busybox.ref]);
    assert.equal(after.code, 0, after.stderr);
    // Pull it back: the shared layers are already there.
    const again = await d.docker(['pull', f.busyboxExtra.ref]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Already exists/);
  });

  it('an image a container uses: rmi is a conflict, rmi -f keeps what the container needs', async function () {
    let helloLayers: string[] = [];
    const run = await d.docker(['run', '--rm', f.busybox.ref, 'true']);
    if (run.code !== 0) skipBecause(this, `containers do not run here: ${run.stderr.trim()}`);
    assert.equal((await d.docker(['tag', f.hello.ref, 'hello-used:1'])).code, 0);
    const created = await d.docker(['create', '--name', 'uses-hello', 'hello-used:1']);
    assert.equal(created.code, 0, created.stderr);
    try {
      // With two tags the first rmi only untags; the last tag is then protected.
      const conflict = await d.docker(['rmi', f.hello.ref, 'hello-used:1']);
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stdout, new RegExp(`^Untagged: ${f.hello.ref.replace(/[.]/g, '\\.')}$`, 'm'));
      assert.match(conflict.stderr, /unable to remove repository reference "hello-used:1" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
      const prune = await d.docker(['image', 'prune', '-a', '-f']);
      assert.equal(prune.code, 0, prune.stderr);
      assert.equal((await d.docker(['image', 'inspect', 'hello-used:1'])).code, 0, 'prune -a keeps images containers use');
      const layersOut = await d.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'hello-used:1']);
      helloLayers = JSON.parse(layersOut.stdout) as string[];
      const forced = await d.docker(['rmi', '-f', 'hello-used:1']);
      assert.equal(forced.code, 0, forced.stderr);
      const start = await d.docker(['start', '-a', 'uses-hello']);
      assert.equal(start.code, 0, start.stderr);
      assert.match(start.stdout, new RegExp(f.helloGreeting));
    } finally {
      await d.docker(['rm', '-f', 'uses-hello']);
    }
    // The container was the last user of hello's layer (its image was force-removed):
    // removing the container collects that layer, unless another image still needs it.
    const records = readdirSync(path.join(d.dataRoot, 'images')).map((n) => readFileSync(path.join(d.dataRoot, 'images', n), 'utf8'));
    const top = helloLayers[0]!; // one layer: its chain id is its diff id
    if (!records.some((r) => r.includes(top))) {
      assert.equal(existsSync(path.join(d.dataRoot, 'layers', top.slice('sha256:'.length))), false, 'orphaned layer collected');
    }
    // Re-pull what prune -a removed, for the tests below.
    for (const img of [f.busybox, f.busyboxExtra]) assert.equal((await d.docker(['pull', '-q', img.ref])).code, 0);
  });

  it('docker image prune removes dangling images only and reports space', async function () {
    const r = await d.docker(['image', 'prune', '-f']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Total reclaimed space: \d/m);
    assert.equal((await d.docker(['image', 'inspect', f.busybox.ref])).code, 0);
  });

  it('docker search lists the registry catalog', async function () {
    const r = await d.docker(['search', `${f.host}/busy`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$/);
    assert.match(r.stdout, new RegExp(`^${f.host.replace(/[.]/g, '\\.')}/busybox\\s`, 'm'));
    assert.match(r.stdout, /busybox-extra/);
    assert.doesNotMatch(r.stdout, /hello/);
  });

  it('docker info and docker system df print without errors', async function () {
    const info = await d.docker(['info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^ Images: \d+$/m);
    assert.match(info.stdout, /^ Storage Driver: overlay2$/m);
    assert.match(info.stdout, new RegExp(`^ Docker Root Dir: ${d.dataRoot}$`, 'm'));
    assert.doesNotMatch(info.stderr, /error/i);
    const fmt = await d.docker(['info', '--format', '{{.Driver}} {{.OSType}}']);
    assert.equal(fmt.stdout.trim(), 'overlay2 linux');
    const df = await d.docker(['system', 'df']);
    assert.equal(df.code, 0, df.stderr);
    assert.match(df.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/m);
    assert.match(df.stdout, /^Images\s+\d+\s+\d+\s+\S+B\s+/m);
  });

  it('docker-py and dockerode see the same images and tags', async function () {
    const py = await d.dockerPy('import docker, json; c = docker.from_env(); print(json.dumps(sorted(t for i in c.images.list() for t in i.tags)))');
    if (/No module named 'docker'/.test(py.stderr)) skipBecause(this, 'docker-py (python3-docker) is not installed');
    assert.equal(py.code, 0, py.stderr);
    const pyTags = JSON.parse(py.stdout) as string[];
    assert.ok(pyTags.includes(f.busybox.ref), py.stdout);
    const node = await d.dockerode().listImages();
    assert.deepEqual(node.flatMap((i) => i.RepoTags ?? []).sort(), pyTags);
    const byId = await d.dockerPy(`import docker; print(docker.from_env().images.get(${JSON.stringify(f.busybox.ref)}).id)`);
    assert.equal(byId.stdout.trim(), f.busybox.id);
  });

  it('bin/berth does the same: images, tag, inspect, history, rmi, prune, search, info, system df', async function () {
    const imgs = await d.berth(['images']);
    assert.equal(imgs.code, 0, imgs.stderr);
    assert.match(imgs.stdout.split('\n')[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(imgs.stdout, new RegExp(`${f.busybox.id.slice(7, 19)}`));
    assert.equal((await d.berth(['tag', f.busybox.ref, 'bb:mine'])).code, 0);
    const ins = await d.berth(['inspect', '-f', '{{.Id}}', 'bb:mine']);
    assert.equal(ins.stdout.trim(), f.busybox.id);
    const hist = await d.berth(['history', '-q', 'bb:mine']);
    assert.equal(hist.stdout.split('\n')[0], f.busybox.id.slice(7, 19));
    const rmi = await d.berth(['rmi', 'bb:mine']);
    assert.equal(rmi.stdout.trim(), 'Untagged: bb:mine');
    const bad = await d.berth(['rmi', 'nosuch:1']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim(), 'berth: No such image: nosuch:1');
    const prune = await d.berth(['image', 'prune', '-f']);
    assert.match(prune.stdout, /Total reclaimed space: /);
    const search = await d.berth(['search', `${f.host}/hello`]);
    assert.match(search.stdout, new RegExp(`${f.host.replace(/[.]/g, '\\.')}/hello`));
    const info = await d.berth(['info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^Server:$/m);
    const df = await d.berth(['system', 'df']);
    assert.match(df.stdout, /^Images\s+\d+/m);
  });
});
