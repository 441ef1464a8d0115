/** The CLI side of registries: config.json credentials and Docker-like progress rendering. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { getCredentials, registryAuthHeader, registryOf, removeCredentials, saveCredentials, serverKey } from '../../../client/auth-config';
import { ProgressRenderer } from '../../../client/progress';
import { plausibleName, qualifiedName } from '../../../client/commands/pull';

describe('unit: registry CLI helpers', function () {
  let dir: string;
  const saved = process.env.DOCKER_CONFIG;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cfg-'));
    process.env.DOCKER_CONFIG = dir;
  });

  afterEach(function () {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps credentials in Docker\'s config.json format, other keys untouched', function () {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ psFormat: 'x', auths: { 'https://other:1/v2/': { auth: Buffer.from('o:p').toString('base64') } } }));
    saveCredentials('localhost:5000', 'me', 'pa:ss');
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { psFormat: string; auths: Record<string, { auth: string }> };
    assert.equal(cfg.psFormat, 'x');
    assert.equal(cfg.auths['localhost:5000']?.auth, Buffer.from('me:pa:ss').toString('base64'));
    assert.deepEqual(getCredentials('localhost:5000'), { username: 'me', password: 'pa:ss', serveraddress: 'localhost:5000' });
    assert.equal(getCredentials('other:1')?.username, 'o', 'keys with a scheme and path match the host');
    const header = JSON.parse(Buffer.from(registryAuthHeader('localhost:5000/x:1'), 'base64url').toString()) as { username: string };
    assert.equal(header.username, 'me');
    assert.deepEqual(JSON.parse(Buffer.from(registryAuthHeader('busybox'), 'base64url').toString()), {});
    assert.ok(removeCredentials('http://localhost:5000'));
    assert.ok(!removeCredentials('localhost:5000'));
  });

  it('says "Using default tag" only for a name that parses, as the docker CLI', () => {
    for (const ok of ['busybox', 'library/busybox', 'localhost:5000/a/b-c', 'Registry.Example:5000/x', 'a__b/c.d']) assert.ok(plausibleName(ok), ok);
    for (const bad of ['Busybox', 'library/Busybox', 'localhost:5000/UP', 'a/-b', '']) assert.equal(plausibleName(bad), false, bad);
  });

  it('knows registries and Docker Hub\'s legacy key', function () {
    assert.equal(registryOf('busybox'), 'docker.io');
    assert.equal(registryOf('me/app'), 'docker.io');
    assert.equal(registryOf('localhost/app'), 'localhost');
    assert.equal(registryOf('127.0.0.1:5000/a/b:1'), '127.0.0.1:5000');
    assert.equal(serverKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(serverKey('https://index.docker.io/v1/'), 'https://index.docker.io/v1/');
    assert.equal(qualifiedName('busybox:latest'), 'docker.io/library/busybox:latest');
    assert.equal(qualifiedName('localhost:5000/hello:latest'), 'localhost:5000/hello:latest');
  });

  const render = (tty: boolean, msgs: object[]): string => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const r = new ProgressRenderer(out, tty);
    for (const m of msgs) r.render(m);
    r.finish();
    return text;
  };
  const pull = [
    { status: 'Pulling from hello', id: 'latest' },
    { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
    { status: 'Downloading', progressDetail: { current: 1, total: 2 }, progress: '[=>  ] 1B/2B', id: 'aaa' },
    { status: 'Pull complete', progressDetail: {}, id: 'aaa' },
    { status: 'Digest: sha256:x' },
  ];

  it('prints plain lines without bars off a terminal', function () {
    assert.equal(render(false, pull), 'latest: Pulling from hello\naaa: Pulling fs layer\naaa: Pull complete\nDigest: sha256:x\n');
  });

  it('rewrites one line per id in place on a terminal', function () {
    const text = render(true, pull);
    assert.ok(text.startsWith('latest: Pulling from hello\n\n\x1b[1A\x1b[2K\raaa: Pulling fs layer\r\x1b[1B'), JSON.stringify(text));
    assert.ok(text.includes('\x1b[1A\x1b[2K\raaa: Downloading [=>  ] 1B/2B\r\x1b[1B'));
    assert.ok(text.endsWith('Digest: sha256:x\n'));
  });
});
