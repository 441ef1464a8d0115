// berthd's flags and daemon.json, and the API version middleware's prefix handling.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, DEFAULTS } from '../../../daemon/config';
import { compareVersions } from '../../../daemon/api/version';

describe('berthd config', () => {
  const none = ['--config-file', '/nonexistent/x.json'];

  it('uses dockerd-like defaults', async () => {
    // An empty daemon.json, not the host's /etc/berth/daemon.json (the package test installs one).
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cfg-'));
    await fs.writeFile(path.join(dir, 'daemon.json'), '{}');
    const r = parseArgs(['--config-file', path.join(dir, 'daemon.json')]);
    await fs.rm(dir, { recursive: true });
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual(r.config.hosts, [DEFAULTS.host]);
    assert.equal(r.config.dataRoot, '/var/lib/berth');
    assert.equal(r.config.execRoot, '/run/berth');
  });

  it('--cgroup-parent / "cgroup-parent": the flag over the file, systemd\'s form refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cfg-'));
    const file = path.join(dir, 'daemon.json');
    await fs.writeFile(file, JSON.stringify({ 'cgroup-parent': '/from-file' }));
    const fromFile = parseArgs(['--config-file', file]);
    const fromFlag = parseArgs(['--config-file', file, '--cgroup-parent', 'pods']);
    await fs.writeFile(file, JSON.stringify({ 'cgroup-parent': 'system.slice:docker:x' }));
    assert.throws(() => parseArgs(['--config-file', file]), /slice:prefix:name/);
    await fs.writeFile(file, JSON.stringify({ 'cgroup-parent': 5 }));
    assert.throws(() => parseArgs(['--config-file', file]), /"cgroup-parent" must be a string/);
    await fs.rm(dir, { recursive: true });
    assert.ok(fromFile.kind === 'run' && fromFlag.kind === 'run');
    if (fromFile.kind !== 'run' || fromFlag.kind !== 'run') return;
    assert.equal(fromFile.config.cgroupParent, '/from-file');
    assert.equal(fromFlag.config.cgroupParent, 'pods');
  });

  it('fails clearly when an explicit config file is missing', () => {
    assert.throws(() => parseArgs(none), /cannot read config file \/nonexistent\/x.json/);
  });

  it('merges daemon.json under flags, and repeats --insecure-registry', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cfg-'));
    const file = path.join(dir, 'daemon.json');
    await fs.writeFile(file, JSON.stringify({ 'data-root': '/srv/berth', 'insecure-registries': ['reg:5000'] }));
    const r = parseArgs(['--config-file', file, '--insecure-registry', 'a:1', '--insecure-registry=b:2', '-H', 'unix:///tmp/x.sock']);
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.equal(r.config.dataRoot, '/srv/berth');
    assert.deepEqual(r.config.insecureRegistries, ['reg:5000', 'a:1', 'b:2']);
    assert.deepEqual(r.config.hosts, ['unix:///tmp/x.sock']);
    await fs.rm(dir, { recursive: true });
  });

  it('rejects unknown keys, bad JSON, unknown flags and tcp hosts with one sentence each', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cfg-'));
    const file = path.join(dir, 'daemon.json');
    await fs.writeFile(file, '{"bogus": 1}');
    assert.throws(() => parseArgs(['--config-file', file]), /unknown key "bogus"/);
    await fs.writeFile(file, '{not json');
    assert.throws(() => parseArgs(['--config-file', file]), /is not valid JSON/);
    await fs.rm(dir, { recursive: true });
    assert.throws(() => parseArgs(['--frobnicate']), /unknown flag: --frobnicate/);
    assert.throws(() => parseArgs(['-H', 'tcp://0.0.0.0:2375']), /unsupported host/);
  });
});

describe('API versions', () => {
  it('compares dotted versions numerically', () => {
    assert.ok(compareVersions('1.9', '1.24') < 0);
    assert.ok(compareVersions('1.47', '1.47') === 0);
    assert.ok(compareVersions('1.50', '1.47') > 0);
  });
});
