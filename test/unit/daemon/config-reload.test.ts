// daemon.json's reloadable keys, the live config a SIGHUP swaps, log formats, the socket
// group lookup, sd_notify messages and the registry-mirror source order.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../../daemon/config';
import { normaliseMirror, parseFileConfig } from '../../../daemon/config-file';
import { LiveConfig } from '../../../daemon/config-live';
import { formatLine } from '../../../daemon/log';
import { notifierFromEnv } from '../../../daemon/notify';
import { lookupGroup, socketGroup } from '../../../daemon/socket-group';
import { Registries } from '../../../daemon/registry';
import { registryConfig } from '../../../daemon/info';
import { unixAddress } from '../../../native/ffi/sd-notify';
import { checkUlimits, mergeUlimits } from '../../../daemon/ulimits';

async function tempFile(text: string): Promise<{ file: string; dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-reload-'));
  const file = path.join(dir, 'daemon.json');
  await fs.writeFile(file, text);
  return { file, dir };
}

describe('unit: daemon.json reloadable keys', () => {
  it('reads mirrors, concurrency, labels and log format, with dockerd defaults', async () => {
    const { file, dir } = await tempFile(JSON.stringify({
      'registry-mirrors': ['https://mirror.example.com/'], 'max-concurrent-downloads': 6, 'max-concurrent-uploads': 2,
      labels: ['tier=a'], 'log-format': 'text', group: 'staff',
    }));
    const r = parseArgs(['--config-file', file, '--label', 'b=c', '--registry-mirror', 'http://127.0.0.1:5000']);
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual(r.config.registryMirrors, ['https://mirror.example.com', 'http://127.0.0.1:5000']);
    assert.equal(r.config.maxConcurrentDownloads, 6);
    assert.equal(r.config.maxConcurrentUploads, 2);
    assert.deepEqual(r.config.labels, ['tier=a', 'b=c']);
    assert.equal(r.config.logFormat, 'text');
    assert.equal(r.config.group, 'staff');
    await fs.writeFile(file, '{}');
    const d = parseArgs(['--config-file', file]);
    if (d.kind === 'run') {
      assert.equal(d.config.maxConcurrentDownloads, 3);
      assert.equal(d.config.maxConcurrentUploads, 5);
      assert.equal(d.config.logFormat, 'json');
    }
    await fs.rm(dir, { recursive: true });
  });

  it('names the key and the problem for a value of the wrong shape', () => {
    assert.throws(() => parseFileConfig('{"labels": 3}', 'f.json'), /config file f.json: "labels" must be a list of strings/);
    assert.throws(() => parseFileConfig('{"max-concurrent-downloads": 0}', 'f.json'), /"max-concurrent-downloads" must be a whole number of at least 1/);
    assert.throws(() => parseFileConfig('{"debug": "yes"}', 'f.json'), /"debug" must be true or false/);
    assert.throws(() => parseFileConfig('{"default-ulimits": {"nofile": {"Soft": 10, "Hard": 5}}}', 'f.json'), /soft limit 10 is above the hard limit 5/);
    assert.throws(() => parseFileConfig('{"default-ulimits": {"bogus": {"Soft": 1, "Hard": 1}}}', 'f.json'), /unknown ulimit "bogus"/);
    assert.throws(() => normaliseMirror('ftp://x'), /scheme must be http or https/);
    assert.throws(() => normaliseMirror('https://x/v2/path'), /no path/);
    assert.throws(() => parseArgs(['--log-format', 'xml', '--config-file', '/dev/null']), /not valid JSON|invalid log format/);
  });

  it('refuses what berth cannot apply yet instead of ignoring it', async () => {
    for (const [body, message] of [
      [{ 'log-driver': 'syslog' }, /berth does not support the syslog logging driver/],
      [{ 'log-opts': { 'max-size': 'ten' } }, /invalid size: 'ten'/],
      [{ 'log-opts': { tag: 'x' } }, /log opt 'tag' is not supported by berth/],
    ] as const) {
      const { file, dir } = await tempFile(JSON.stringify(body));
      assert.throws(() => parseArgs(['--config-file', file]), message);
      await fs.rm(dir, { recursive: true });
    }
  });

  it('takes log-driver and log-opts as the containers\' default', async () => {
    const { file, dir } = await tempFile(JSON.stringify({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '1k', 'max-file': '2' } }));
    const r = parseArgs(['--config-file', file]);
    await fs.rm(dir, { recursive: true });
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual([r.config.logDriver, r.config.logOpts], ['json-file', { 'max-size': '1k', 'max-file': '2' }]);
  });

  it('reads default-ulimits (Name optional, as dockerd) and merges them under a container\'s own', async () => {
    const { file, dir } = await tempFile(JSON.stringify({ 'default-ulimits': { nofile: { Soft: 1024, Hard: 2048 }, nproc: { Name: 'nproc', Soft: 10, Hard: -1 } } }));
    const r = parseArgs(['--config-file', file]);
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    assert.deepEqual(r.config.defaultUlimits.nofile, { Name: 'nofile', Soft: 1024, Hard: 2048 });
    const merged = mergeUlimits(checkUlimits([{ Name: 'nofile', Soft: 5, Hard: 6 }]), Object.values(r.config.defaultUlimits));
    assert.deepEqual(merged, [{ Name: 'nofile', Hard: 6, Soft: 5 }, { Name: 'nproc', Soft: 10, Hard: -1 }].sort((a, b) => (a.Name === 'nofile' ? -1 : b.Name === 'nofile' ? 1 : 0)));
    assert.throws(() => checkUlimits({}), /HostConfig.Ulimits must be a list/);
    assert.throws(() => checkUlimits([{ Name: 'nofile', Soft: -1, Hard: 5 }]), /soft limit -1 is above the hard limit 5/);
    assert.deepEqual(checkUlimits(null), []);
    await fs.rm(dir, { recursive: true });
  });
});

describe('unit: live configuration (SIGHUP)', () => {
  it('applies reloadable settings through the same Config object and reports restart-only ones', async () => {
    const { file, dir } = await tempFile(JSON.stringify({ labels: ['a=1'] }));
    const argv = ['--config-file', file, '-H', 'unix:///tmp/x.sock'];
    const first = parseArgs(argv);
    assert.equal(first.kind, 'run');
    if (first.kind !== 'run') return;
    const applied: string[] = [];
    const live = new LiveConfig(first.config, () => parseArgs(argv), (s) => applied.push(s.logLevel));
    const seenByService = live.config;
    assert.deepEqual(seenByService.labels, ['a=1']);

    await fs.writeFile(file, JSON.stringify({ labels: ['a=2'], debug: true, 'registry-mirrors': ['http://m:1'], 'data-root': '/elsewhere' }));
    const r = live.reload();
    assert.deepEqual(r.changed.sort(), ['labels', 'logLevel', 'registryMirrors']);
    assert.deepEqual(r.needRestart, ['dataRoot']);
    assert.deepEqual(seenByService.labels, ['a=2']);
    assert.equal(seenByService.logLevel, 'debug');
    assert.deepEqual(seenByService.registryMirrors, ['http://m:1']);
    assert.equal(seenByService.dataRoot, '/var/lib/berth', 'data-root changes only at restart');
    assert.deepEqual(applied, ['debug']);

    await fs.writeFile(file, '{"labels": ');
    assert.throws(() => live.reload(), /is not valid JSON/);
    assert.deepEqual(seenByService.labels, ['a=2'], 'a bad file keeps the running settings');
    await fs.rm(dir, { recursive: true });
  });
});

describe('unit: log formats', () => {
  it('json is one object per line; text is logfmt like dockerd', () => {
    const t = '2026-01-01T00:00:00.000Z';
    assert.deepEqual(JSON.parse(formatLine('json', t, 'info', 'hello', { n: 1 })), { time: t, level: 'info', msg: 'hello', n: 1 });
    assert.equal(formatLine('text', t, 'warn', 'x y', { file: '/etc/berth/daemon.json', list: ['a', 'b'], why: 'two words' }),
      `time="${t}" level=warn msg="x y" file=/etc/berth/daemon.json list=a,b why="two words"`);
  });
});

describe('unit: socket group', () => {
  it('finds groups in a group file; an explicit missing group is one clear sentence', async () => {
    const { file, dir } = await tempFile('root:x:0:\nberth:x:998:alice\n');
    assert.equal(lookupGroup('berth', file), 998);
    assert.equal(lookupGroup('1234', file), 1234);
    assert.equal(lookupGroup('nope', file), undefined);
    assert.equal(socketGroup(undefined, 'berth', file), 998);
    assert.equal(socketGroup(undefined, 'docker', file), undefined);
    assert.throws(() => socketGroup('nope', 'berth', file), /group "nope" for the API socket does not exist/);
    await fs.rm(dir, { recursive: true });
  });
});

describe('unit: sd_notify', () => {
  it('sends READY/RELOADING/STOPPING to $NOTIFY_SOCKET and hides it from children', () => {
    const sent: [string, string][] = [];
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '@sd' };
    const n = notifierFromEnv((s, m) => sent.push([s, m]), env);
    assert.equal(env.NOTIFY_SOCKET, undefined);
    n.ready();
    n.reloading();
    n.stopping();
    assert.deepEqual(sent.map(([s]) => s), ['@sd', '@sd', '@sd']);
    assert.match(sent[0]?.[1] ?? '', /^READY=1\n/);
    assert.match(sent[1]?.[1] ?? '', /^RELOADING=1\nMONOTONIC_USEC=\d+\n/);
    assert.match(sent[2]?.[1] ?? '', /^STOPPING=1\n/);
  });

  it('does nothing without $NOTIFY_SOCKET and survives a failing transport', () => {
    let calls = 0;
    notifierFromEnv(() => calls++, {}).ready();
    assert.equal(calls, 0);
    notifierFromEnv(() => { throw new Error('ECONNREFUSED'); }, { NOTIFY_SOCKET: '/x' }).ready();
  });

  it('encodes path and abstract sockaddr_un addresses', () => {
    const p = unixAddress('/run/systemd/notify');
    assert.equal(p.len, 2 + '/run/systemd/notify'.length + 1);
    assert.equal(p.addr.subarray(2, p.len - 1).toString(), '/run/systemd/notify');
    const a = unixAddress('@abc');
    assert.equal(a.len, 2 + 1 + 3);
    assert.equal(a.addr[2], 0);
    assert.equal(a.addr.subarray(3, 6).toString(), 'abc');
    assert.throws(() => unixAddress('/' + 'x'.repeat(200)), /ENAMETOOLONG/);
  });
});

describe('unit: registry mirrors', () => {
  it('Docker Hub pulls try the mirrors first, anonymously; other registries only themselves', () => {
    const settings = { insecureRegistries: [] as string[], registryMirrors: ['http://127.0.0.1:5000', 'https://mirror.example.com'] };
    const regs = new Registries(settings);
    const hub = regs.pullSources('docker.io', { username: 'u', password: 'p' });
    assert.deepEqual(hub.map((c) => c.endpoint.baseUrl), ['http://127.0.0.1:5000', 'https://mirror.example.com', 'https://registry-1.docker.io']);
    assert.deepEqual(hub.map((c) => c.creds.username), [undefined, undefined, 'u']);
    assert.deepEqual(regs.pullSources('localhost:5000').map((c) => c.endpoint.baseUrl), ['http://localhost:5000']);
    settings.registryMirrors = [];
    assert.equal(regs.pullSources('docker.io').length, 1, 'settings are read on each use');
    assert.deepEqual((registryConfig([], ['http://m:1']) as { Mirrors: string[] }).Mirrors, ['http://m:1/']);
  });
});
