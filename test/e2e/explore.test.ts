/**
 * `berth image explore` and its API extension against a real berthd: an image built by berth
 * whose layers add, overwrite and delete files (every figure checked by hand below), the same
 * image saved and loaded back, a pulled image with whiteouts and an opaque directory, the
 * `--ci` gate passing and failing where it should, and the interactive view driven with keys
 * in a pty (python3's pty module) while its screen is read back.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExploreReport as Report, TreeNode } from '../../daemon/wire/explore';
import { haveCommand, makeTempDir, repoRoot, run, skipBecause, type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

function child(node: TreeNode | undefined, ...names: string[]): TreeNode | undefined {
  let n = node;
  for (const name of names) n = n?.Children?.find((c) => c.Name === name);
  return n;
}

// Layer 2 adds four files, layer 3 overwrites one, deletes a directory and adds a copy of an
// existing file's content, layer 4 deletes a file.
const DOCKERFILE = (base: string) => `FROM ${base}
RUN mkdir -p /data/sub && dd if=/dev/zero of=/data/big.bin bs=1000 count=100 && echo hello > /data/keep.txt && dd if=/dev/zero of=/data/sub/gone.bin bs=1000 count=30 && echo same > /data/a.txt
RUN dd if=/dev/zero of=/data/big.bin bs=1000 count=50 && rm -rf /data/sub && echo same > /data/b.txt
RUN rm /data/keep.txt
`;

describe('e2e: image explore (API extension, table/json, --ci, interactive view)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let work: string;
  let report: Report;

  useDockerDaemon((fx) => [fx.busybox, fx.busyboxExtra], (daemon, fx) => ((d = daemon), (f = fx)));

  before(async function () {
    work = await makeTempDir('berth-e2e-explore-');
    await fs.writeFile(path.join(work, 'Dockerfile'), DOCKERFILE(f.busybox.ref));
    const b = await d.berth(['build', '-t', 'wasteful:1', work]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const r = await d.berth(['image', 'explore', '--format', 'json', 'wasteful:1']);
    assert.equal(r.code, 0, r.stderr);
    report = JSON.parse(r.stdout) as Report;
  });

  after(async function () {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('gives each layer its instruction, size and added/modified/removed tallies', function () {
    const L = report.Layers;
    assert.equal(L.length, 5);
    assert.deepEqual(report.RepoTags, ['wasteful:1']);
    assert.match(L[2]?.CreatedBy ?? '', /mkdir -p \/data\/sub/);
    assert.match(L[4]?.CreatedBy ?? '', /rm \/data\/keep.txt/);
    assert.deepEqual([L[2]?.Size, L[3]?.Size, L[4]?.Size], [130011, 50005, 0]);
    assert.deepEqual(L[2]?.Added, { Files: 4, Bytes: 130011 });
    assert.deepEqual(L[2]?.Modified, { Files: 0, Bytes: 0 });
    assert.deepEqual(L[2]?.Removed, { Files: 0, Bytes: 0 });
    assert.deepEqual(L[3]?.Added, { Files: 1, Bytes: 5 });
    assert.deepEqual(L[3]?.Modified, { Files: 1, Bytes: 50000 });
    assert.deepEqual(L[3]?.Removed, { Files: 1, Bytes: 30000 });
    assert.deepEqual(L[4]?.Added, { Files: 0, Bytes: 0 });
    assert.deepEqual(L[4]?.Removed, { Files: 1, Bytes: 6 });
    assert.equal(report.Size, L.reduce((n, l) => n + l.Size, 0));
    assert.equal(report.UserSize, report.Size - (L[0]?.Size ?? 0));
  });

  it('gives each layer its change tree with per-directory totals', function () {
    const t2 = report.Layers[2]?.Tree;
    assert.equal(child(t2, 'data')?.Size, 130011);
    assert.equal(child(t2, 'data')?.Files, 4);
    assert.equal(child(t2, 'data', 'sub', 'gone.bin')?.Change, 'added');
    const t3 = report.Layers[3]?.Tree;
    assert.equal(child(t3, 'data', 'big.bin')?.Change, 'modified');
    assert.equal(child(t3, 'data', 'big.bin')?.Size, 50000);
    assert.equal(child(t3, 'data', 'sub')?.Change, 'removed');
    assert.equal(child(t3, 'data', 'sub')?.Size, 30000);
    assert.equal(child(t3, 'data', 'b.txt')?.Change, 'added');
    assert.equal(child(t3, 'data')?.Size, 50005, 'a removed entry does not count in its directory total');
    const t4 = report.Layers[4]?.Tree;
    assert.equal(child(t4, 'data', 'keep.txt')?.Change, 'removed');
    assert.equal(child(t4, 'data', 'keep.txt')?.Size, 6);
  });

  it('lists the hidden and duplicated bytes, biggest first', function () {
    const w = report.Waste;
    assert.deepEqual(w.Hidden, [
      { Path: '/data/big.bin', Layer: 2, Size: 100000, By: 3, How: 'overwritten' },
      { Path: '/data/sub/gone.bin', Layer: 2, Size: 30000, By: 3, How: 'deleted' },
      { Path: '/data/keep.txt', Layer: 2, Size: 6, By: 4, How: 'deleted' },
    ]);
    assert.equal(w.HiddenBytes, 130006);
    const dup = w.Duplicates.find((g) => g.Copies.some((c) => c.Path === '/data/b.txt'));
    assert.deepEqual(dup?.Copies, [{ Path: '/data/a.txt', Layer: 2 }, { Path: '/data/b.txt', Layer: 3 }]);
    assert.equal(dup?.Bytes, 5);
    assert.equal(w.DuplicateBytes, 5);
    assert.equal(w.TotalBytes, 130011);
  });

  it('computes efficiency, wasted bytes and user wasted percent as dive defines them', function () {
    const base = (report.Layers[0]?.Size ?? 0) + (report.Layers[1]?.Size ?? 0);
    // Sightings per path: big.bin 100000 + 50000, keep.txt 6 + 0 (whiteout of a file),
    // gone.bin 30000, sub 30000 (whiteout of a directory: what was below), a.txt 5, b.txt 5.
    // Empty directories are sightings too (of 0 bytes): only paths with bytes matter here.
    assert.deepEqual(report.Inefficiencies.filter((i) => i.Bytes > 0), [
      { Path: '/data/big.bin', Count: 2, Bytes: 150000 },
      { Path: '/data/keep.txt', Count: 2, Bytes: 6 },
    ]);
    assert.equal(report.WastedBytes, 150006);
    assert.ok(Math.abs(report.Efficiency - (base + 110010) / (base + 210016)) < 1e-12, String(report.Efficiency));
    assert.ok(Math.abs(report.UserWastedPercent - 150006 / report.UserSize) < 1e-12);
  });

  it('serves the image tree after a layer (and only its changes) on the API', async function () {
    const r = await run('curl', ['-sf', '--unix-socket', d.socket, 'http://x/berth/v1/images/wasteful:1/layers/3/tree?view=image']);
    assert.equal(r.code, 0, r.stderr);
    const tree = JSON.parse(r.stdout) as TreeNode;
    assert.equal(child(tree, 'data', 'keep.txt')?.Change, undefined);
    assert.equal(child(tree, 'data', 'sub')?.Change, 'removed');
    assert.ok(child(tree, 'bin', 'busybox'), 'the whole image is shown');
    const c = await run('curl', ['-sf', '--unix-socket', d.socket, 'http://x/berth/v1/images/wasteful:1/layers/3/tree?view=image&changes=1']);
    const changes = JSON.parse(c.stdout) as TreeNode;
    assert.deepEqual(changes.Children?.map((n) => n.Name), ['data']);
    assert.deepEqual(child(changes, 'data')?.Children?.map((n) => n.Name), ['b.txt', 'big.bin', 'sub']);
    const bad = await run('curl', ['-s', '--unix-socket', d.socket, 'http://x/berth/v1/images/wasteful:1/layers/9/tree']);
    assert.match(bad.stdout, /layer 9 does not exist/);
    const missing = await d.berth(['image', 'explore', 'no-such-image']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image: no-such-image/);
  });

  it('prints a table without a terminal', async function () {
    const r = await d.berth(['image', 'explore', 'wasteful:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^LAYER\s+SIZE\s+ADDED\s+MODIFIED\s+REMOVED\s+COMMAND$/m);
    assert.match(r.stdout, /^3\s+50\.01kB\s+1 \(5B\)\s+1 \(50kB\)\s+1 \(30kB\)\s+RUN /m);
    assert.match(r.stdout, /^100kB\s+2\s+3\s+overwritten\s+\/data\/big\.bin$/m);
    assert.match(r.stdout, /^Efficiency: \d+\.\d{4} %/m);
  });

  it('explores an image saved and loaded back with the same figures', async function () {
    const tar = path.join(work, 'wasteful.tar');
    assert.equal((await d.berth(['save', '-o', tar, 'wasteful:1'])).code, 0);
    assert.equal((await d.berth(['rmi', 'wasteful:1'])).code, 0);
    const load = await d.berth(['load', '-i', tar]);
    assert.equal(load.code, 0, load.stderr);
    const r = await d.berth(['image', 'explore', '--format', 'json', 'wasteful:1']);
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout) as Report;
    assert.equal(again.Efficiency, report.Efficiency);
    assert.deepEqual(again.Waste, report.Waste);
    assert.deepEqual(again.Layers.map((l) => [l.Size, l.Added, l.Modified, l.Removed]), report.Layers.map((l) => [l.Size, l.Added, l.Modified, l.Removed]));
  });

  it('explores layers stored without an index (built on first use, hashing only same-size files) with the same figures', async function () {
    const dirs = report.Layers.map((l) => path.join(d.dataRoot, 'layers', l.ChainID.slice(7)));
    for (const dir of dirs) await fs.rm(path.join(dir, 'index.json'));
    await d.restart();
    const r = await d.berth(['image', 'explore', '--format', 'json', 'wasteful:1']);
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout) as Report;
    assert.equal(again.Efficiency, report.Efficiency);
    assert.deepEqual(again.Waste, report.Waste);
    const top = JSON.parse(await fs.readFile(path.join(dirs[3] as string, 'index.json'), 'utf8')) as { recorded: string; entries: { path: string; sha256?: string }[] };
    assert.equal(top.recorded, 'later');
    assert.ok(top.entries.find((e) => e.path === 'data/b.txt')?.sha256, 'the duplicate candidate got its hash');
    assert.equal(top.entries.find((e) => e.path === 'data/big.bin')?.sha256, undefined, 'a file of a size found in no other layer is not hashed');
  });

  it('explores a pulled image with whiteouts and an opaque directory', async function () {
    const r = await d.berth(['image', 'explore', '--format', 'json', f.busyboxExtra.ref]);
    assert.equal(r.code, 0, r.stderr);
    const x = JSON.parse(r.stdout) as Report;
    assert.equal(x.Layers.length, 4);
    const last = x.Layers[3];
    // gone.txt by a whiteout; old/a.txt and old/sub/b.txt hidden by the opaque directory.
    assert.equal(last?.Removed.Files, 3);
    assert.deepEqual(x.Waste.Hidden.map((h) => h.Path).sort(), ['/opt/gone.txt', '/opt/old/a.txt', '/opt/old/sub/b.txt']);
    assert.ok(x.Waste.Hidden.every((h) => h.How === 'deleted' && h.Layer === 2 && h.By === 3));
    assert.equal(child(last?.Tree, 'opt', 'old', 'new.txt')?.Change, 'added');
  });

  it('--ci passes and fails where it should, naming the failed rule', async function () {
    // user wasted = 150006 / ~181 kB ≈ 0.83: over dive's default 0.1.
    const dflt = await d.berth(['image', 'explore', '--ci', 'wasteful:1']);
    assert.equal(dflt.code, 1, dflt.stdout);
    assert.match(dflt.stdout, /FAIL: highestUserWastedPercent/);
    assert.match(dflt.stderr, /failed the rule highestUserWastedPercent/);
    const pass = await d.berth(['image', 'explore', '--ci', '--lowest-efficiency', '0.5', '--highest-user-wasted-percent', '0.9', '--highest-wasted-bytes', '200kB', 'wasteful:1']);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /Result:PASS \[Total:3\] \[Passed:3\] \[Failed:0\] \[Skipped:0\]/);
    const bytes = await d.berth(['image', 'explore', '--ci', '--highest-wasted-bytes', '150kB', '--highest-user-wasted-percent', 'disabled', 'wasteful:1']);
    assert.equal(bytes.code, 1);
    assert.match(bytes.stdout, /FAIL: highestWastedBytes: too many bytes wasted \(wasted-bytes=150006 > threshold=150000\)/);
    assert.match(bytes.stdout, /SKIP: highestUserWastedPercent/);
    const eff = await d.berth(['image', 'explore', '--ci', '--lowest-efficiency', '0.999', '--highest-user-wasted-percent', 'disabled', 'wasteful:1']);
    assert.equal(eff.code, 1);
    assert.match(eff.stderr, /failed the rule lowestEfficiency/);
    const bad = await d.berth(['image', 'explore', '--ci', '--highest-wasted-bytes', 'lots', 'wasteful:1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid value "lots" for --highest-wasted-bytes/);
  });

  it('the interactive view renders in a pty and follows the keys', async function () {
    if (!haveCommand('python3')) skipBecause(this, 'python3 is needed to drive a pty');
    // Each expectation names a tree row (box-drawing branch before the name), so a screen still
    // loading its tree never passes for the one after the key.
    const steps = [
      { keys: '', expect: 'Layer 0: its changes.*── busybox' },
      { keys: 'jjjj', expect: 'Layer 4: its changes.*── keep\\.txt' },
      { keys: 'a', expect: 'Image after layer 4.*── busybox' },
      { keys: 'c', expect: 'Image after layer 4 \\(changes only\\).*── keep\\.txt' },
      { keys: '\t', expect: 'Image after layer 4' },
      { keys: ' ', expect: '── data/ ⊕' },
      { keys: 'q', expect: '' },
    ];
    const script = path.join(repoRoot(), 'test', 'support', 'pty-screen.py');
    const r = await run('python3', [script, '120', '40', JSON.stringify(steps), '--', process.execPath, path.join(repoRoot(), 'bin', 'berth'), '-H', d.host, 'image', 'explore', 'wasteful:1'], { env: d.env() });
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { steps: { keys: string; matched: boolean; screen: string }[]; exit: number | null; tail: string };
    for (const s of res.steps) assert.ok(s.matched, `after keys ${JSON.stringify(s.keys)} the screen was:\n${s.screen}`);
    const layer4 = res.steps[1]?.screen ?? '';
    assert.match(layer4, /Removed\s+1 files\s+6B/);
    assert.match(layer4, /-rw-r--r-- +0:0 +6B - │   └── keep\.txt/);
    const image = res.steps[2]?.screen ?? '';
    // Marks are relative to the selected layer: layer 4 changed nothing under /bin.
    assert.match(image, /0B   │   ├── ash → \/bin\/busybox/);
    assert.match(image, /efficiency \d+\.\d\d %/);
    const changes = res.steps[3]?.screen ?? '';
    assert.doesNotMatch(changes, /── bin\//);
    assert.equal(res.exit, 0, res.tail);
  });
});
