/**
 * `berth system check [--repair]` against a real berthd: a corrupted blob, a file deleted from
 * an unpacked layer, a removed layer directory and a stale mount under the data root are each
 * found; --repair quarantines, unpacks the damaged layers again from their blobs, drops the
 * references to the quarantined blob and detaches the mount; a second run is clean, the
 * repaired image runs, and the store is still clean after a SIGKILL and restart.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, requireRoot, run, sharedFixtures, skipBecause, startDaemon, type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

interface Finding {
  Object: string;
  Id: string;
  Problem: string;
  Severity: string;
  Repair?: string;
  Repaired?: boolean;
}
interface Report {
  Checked: Record<string, number>;
  Findings: Finding[];
  PullAgain: string[];
  Quarantine?: string;
  Ok: boolean;
}

/** Findings other than idle cgroups that other engines on this shared host may have left. */
const ours = (r: Report) => r.Findings.filter((f) => f.Object !== 'cgroup' && f.Severity !== 'info');

describe('e2e: system check and --repair', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon((fx) => [fx.busybox, fx.busyboxExtra], (daemon, fx) => ((d = daemon), (f = fx)));

  after(async function () {
    // a failed run may leave the test mount behind
    if (d) await run('umount', ['-l', path.join(d.dataRoot, 'containers', 'f'.repeat(64), 'rootfs')]);
  });

  async function check(args: string[] = []): Promise<{ code: number | null; report: Report; stderr: string }> {
    const r = await d.berth(['system', 'check', '--format', 'json', ...args]);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  }

  async function imageRecord(ref: string): Promise<{ layers: { chainId: string; blob?: { digest: string } }[] }> {
    const id = (await d.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
    return JSON.parse(await fs.readFile(path.join(d.dataRoot, 'images', `${id.slice(7)}.json`), 'utf8'));
  }

  it('finds nothing wrong in a fresh store', async function () {
    const { report } = await check();
    assert.deepEqual(ours(report), []);
    assert.ok(report.Checked.Blobs! > 0 && report.Checked.Layers === 4 && report.Checked.Images === 2);
  });

  it('finds a corrupt blob, a damaged and a missing layer and a stale mount; --repair fixes them; a second run is clean', async function () {
    const extra = await imageRecord(f.busyboxExtra.ref);
    const blob = extra.layers[0]?.blob?.digest as string;
    const damaged = extra.layers[2]?.chainId as string;
    const removed = extra.layers[3]?.chainId as string;
    // 1. a blob whose bytes changed
    const blobFile = path.join(d.dataRoot, 'blobs', 'sha256', blob.slice(7));
    const bytes = await fs.readFile(blobFile);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await fs.writeFile(blobFile, bytes);
    // 2. a file deleted from an unpacked layer
    await fs.rm(path.join(d.dataRoot, 'layers', damaged.slice(7), 'diff', 'opt', 'stay.txt'));
    // 3. a layer directory removed
    await fs.rm(path.join(d.dataRoot, 'layers', removed.slice(7)), { recursive: true });
    // 4. a mount nobody owns
    const stale = path.join(d.dataRoot, 'containers', 'f'.repeat(64), 'rootfs');
    await fs.mkdir(stale, { recursive: true });
    assert.equal((await run('mount', ['-t', 'tmpfs', 'tmpfs', stale])).code, 0);

    // 5. an image record that gives a wrong size for a blob
    const bbId = (await d.docker(['image', 'inspect', '--format', '{{.Id}}', f.busybox.ref])).stdout.trim();
    const bbFile = path.join(d.dataRoot, 'images', `${bbId.slice(7)}.json`);
    const bbRec = JSON.parse(await fs.readFile(bbFile, 'utf8')) as { layers: { blob?: { size: number } }[] };
    (bbRec.layers[1]?.blob as { size: number }).size += 1;
    await fs.writeFile(bbFile, JSON.stringify(bbRec));

    const found = await check();
    assert.equal(found.code, 1);
    assert.equal(found.report.Ok, false);
    const by = (o: string, id: string) => found.report.Findings.find((x) => x.Object === o && x.Id === id);
    assert.match(by('blob', blob)?.Problem ?? '', /content hashes to sha256:[0-9a-f]{64}, not to its name/);
    assert.match(by('layer', damaged)?.Problem ?? '', /missing \/opt\/stay\.txt/);
    assert.match(by('layer', removed)?.Problem ?? '', /missing \(layer 3 of image/);
    assert.match(by('mount', stale)?.Problem ?? '', /no container owns it/);
    assert.equal(by('mount', stale)?.Severity, 'warning');
    assert.ok(found.report.Findings.some((x) => x.Object === 'image' && x.Id === bbId && /the record gives the blob of layer 1/.test(x.Problem)));
    const human = await d.berth(['system', 'check']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /^ERROR +blob sha256:[0-9a-f]{64}: content hashes to/m);
    assert.match(human.stdout, /run 'berth system check --repair' to fix what can be fixed/);

    const fixed = await check(['--repair']);
    assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 1));
    const left = fixed.report.Findings.filter((x) => x.Severity !== 'info' && !x.Repaired);
    assert.deepEqual(left, []);
    assert.ok(fixed.report.Quarantine, 'damaged things went to quarantine');
    await fs.access(path.join(fixed.report.Quarantine as string, 'blobs', blob.slice(7)));
    await fs.access(path.join(fixed.report.Quarantine as string, 'layers', damaged.slice(7), 'diff', 'opt'));
    assert.match(JSON.stringify(fixed.report.Findings), /reference dropped/);
    assert.match(JSON.stringify(fixed.report.Findings), /size corrected from the verified blob/);

    const again = await check();
    assert.equal(again.code, 0, JSON.stringify(again.report, null, 1));
    assert.deepEqual(ours(again.report), []);
    assert.equal((await run('findmnt', [stale])).code, 1, 'the stale mount is gone');
    // The layers unpacked again from their blobs serve the image.
    const cat = await d.docker(['run', '--rm', f.busyboxExtra.ref, 'cat', '/opt/stay.txt']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'stay\n');
  });

  it('collects leftover blobs, but leaves alone those stored in the last hour (a pull may still need them)', async function () {
    const put = async (text: string, ageMs: number) => {
      const hex = createHash('sha256').update(text).digest('hex');
      const file = path.join(d.dataRoot, 'blobs', 'sha256', hex);
      await fs.writeFile(file, text);
      const t = new Date(Date.now() - ageMs);
      await fs.utimes(file, t, t);
      return { digest: `sha256:${hex}`, file };
    };
    const old = await put('left over by a crash', 2 * 3600_000);
    const fresh = await put('written by a pull in flight', 0);
    const found = await check();
    assert.equal(found.code, 1);
    assert.equal(found.report.Findings.find((x) => x.Id === old.digest)?.Severity, 'warning');
    assert.equal(found.report.Findings.find((x) => x.Id === fresh.digest)?.Severity, 'info');
    const fixed = await check(['--repair']);
    assert.equal(fixed.code, 0, JSON.stringify(fixed.report, null, 1));
    await assert.rejects(fs.access(old.file));
    await fs.access(fresh.file);
    await fs.rm(fresh.file);
  });

  it('verifies a layer stored without an index by regenerating its tar (layers berth built)', async function () {
    const ctx = await fs.mkdtemp(path.join(d.dir, 'ctx-'));
    await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${f.busybox.ref}\nRUN mkdir -p /srv && echo built > /srv/file && chmod 600 /srv/file\n`);
    const b = await d.berth(['build', '-t', 'built-here:1', ctx]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    const rec = await imageRecord('built-here:1');
    const top = rec.layers[rec.layers.length - 1]?.chainId as string;
    const index = path.join(d.dataRoot, 'layers', top.slice(7), 'index.json');
    await fs.rm(index);
    const found = await check();
    assert.deepEqual(found.report.Findings.filter((x) => x.Id === top), [], 'the regenerated tar matches the diff id');
    await check(['--repair']);
    assert.equal((JSON.parse(await fs.readFile(index, 'utf8')) as { recorded: string }).recorded, 'unpack');
    // and from then on the tree is checked file by file
    await fs.writeFile(path.join(d.dataRoot, 'layers', top.slice(7), 'diff', 'srv', 'file'), 'changed\n');
    const changed = await check();
    assert.match(changed.report.Findings.find((x) => x.Id === top)?.Problem ?? '', /content changed \/srv\/file/);
    const fixed = await check(['--repair']);
    assert.match(fixed.report.Findings.find((x) => x.Id === top)?.Repair ?? '', /unpacked again from blob/, 'a built layer keeps its tar as a blob');
    const run = await d.docker(['run', '--rm', 'built-here:1', 'cat', '/srv/file']);
    assert.equal(run.stdout, 'built\n');
  });

  it('--repair while pulls and builds run leaves them intact', async function () {
    const ctx = await fs.mkdtemp(path.join(d.dir, 'ctx-'));
    await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${f.busybox.ref}\nRUN echo during > /during\n`);
    const checks = (async () => {
      const codes: (number | null)[] = [];
      for (let i = 0; i < 4; i++) codes.push((await d.berth(['system', 'check', '--repair', '--format', 'json'])).code);
      return codes;
    })();
    const [pull, build, codes] = await Promise.all([d.docker(['pull', '-q', f.hello.ref]), d.berth(['build', '-t', 'during:1', ctx]), checks]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(build.code, 0, build.stderr + build.stdout);
    assert.ok(codes.every((c) => c === 0 || c === 1), String(codes));
    const after = await check();
    assert.equal(after.code, 0, JSON.stringify(after.report, null, 1));
    assert.equal((await d.docker(['run', '--rm', 'during:1', 'cat', '/during'])).stdout, 'during\n');
    assert.equal((await d.docker(['run', '--rm', f.hello.ref])).code, 0);
  });

  it('is clean after berthd is killed and restarted', async function () {
    await d.kill();
    await d.restart();
    const { code, report } = await check();
    assert.equal(code, 0, JSON.stringify(report, null, 1));
    assert.deepEqual(ours(report), []);
    assert.ok(report.Findings.some((x) => x.Object === 'quarantine'), 'the earlier quarantine is mentioned');
  });
});

describe('e2e: system check on a full disk', function () {
  let d: TestDaemon | undefined;
  let mnt: string;
  let f: Fixtures;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    f = await sharedFixtures();
    mnt = await makeTempDir('berth-e2e-check-full-');
    // A small filesystem of its own for the data root, so filling it hurts nobody else.
    assert.equal((await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt])).code, 0);
    d = await startDaemon({ dataRoot: path.join(mnt, 'data') });
    const pull = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  after(async function () {
    await d?.stop();
    if (mnt) await removeTree(mnt);
  });

  it('a repair that runs out of space says so, loses nothing, and finishes once there is room', async function () {
    const dd = d as TestDaemon;
    const id = (await dd.docker(['image', 'inspect', '--format', '{{.Id}}', f.busybox.ref])).stdout.trim();
    const rec = JSON.parse(await fs.readFile(path.join(dd.dataRoot, 'images', `${id.slice(7)}.json`), 'utf8')) as { layers: { chainId: string }[] };
    const base = rec.layers[0]?.chainId as string;
    await fs.rm(path.join(dd.dataRoot, 'layers', base.slice(7), 'diff', 'bin', 'busybox'));
    const fill = path.join(mnt, 'fill');
    await run('dd', ['if=/dev/zero', `of=${fill}`, 'bs=1M', 'count=64']); // stops at ENOSPC
    const full = await dd.berth(['system', 'check', '--repair', '--format', 'json']);
    assert.equal(full.code, 1, full.stdout + full.stderr);
    const report = JSON.parse(full.stdout) as Report;
    const layer = report.Findings.filter((x) => x.Id === base);
    assert.ok(layer.length > 0 && layer.every((x) => x.Repaired === false), JSON.stringify(layer, null, 1));
    assert.match(JSON.stringify(layer), /no space left|ENOSPC/i);
    assert.deepEqual(report.PullAgain, [], 'a transient failure drops no image');
    assert.ok(await fs.stat(path.join(dd.dataRoot, 'images', `${id.slice(7)}.json`)), 'the image record is kept');

    await fs.rm(fill);
    const fixed = await dd.berth(['system', 'check', '--repair', '--format', 'json']);
    assert.equal(fixed.code, 0, fixed.stdout);
    const again = await dd.berth(['system', 'check']);
    assert.equal(again.code, 0, again.stdout);
    const r = await dd.docker(['run', '--rm', f.busybox.ref, 'echo', 'whole again']);
    assert.equal(r.stdout, 'whole again\n', r.stderr);
  });
});
