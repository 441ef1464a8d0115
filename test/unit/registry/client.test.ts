/**
 * The registry client against an in-process fake registry on 127.0.0.1 with a bearer token
 * server: challenge handling, token caching, wrong credentials, digest checks, Docker's error
 * wording, truncated blobs, and a dead registry.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { Registries } from '../../../daemon/registry';
import { BerthError } from '../../../daemon/errors';

const sha = (b: Buffer | string): `sha256:${string}` => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha('cfg'), size: 3 }, layers: [] }));
const blob = Buffer.alloc(100_000, 7);

describe('unit: registry client (fake registry)', function () {
  let server: http.Server;
  let host = '';
  let tokenRequests = 0;

  before(async function () {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        tokenRequests++;
        const basic = Buffer.from('u:p').toString('base64');
        if (req.headers.authorization !== `Basic ${basic}`) {
          res.writeHead(401).end('{"details":"bad creds"}');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `T ${url.searchParams.getAll('scope').join(' ')}`, expires_in: 300 }));
        return;
      }
      if (!req.headers.authorization?.startsWith('Bearer T')) {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake"`, 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const p = url.pathname;
      if (p === '/v2/') return void res.writeHead(200).end('{}');
      if (p === '/v2/repo/manifests/latest' || p === `/v2/repo/manifests/${sha(manifest)}`) {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Docker-Content-Digest': sha(manifest) });
        return void res.end(manifest);
      }
      if (p === '/v2/repo/manifests/lying') {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Docker-Content-Digest': sha('other') });
        return void res.end(manifest);
      }
      if (p === `/v2/repo/manifests/${sha('wanted')}`) {
        res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' });
        return void res.end(manifest);
      }
      if (p === `/v2/repo/blobs/${sha(blob)}`) {
        res.writeHead(200, { 'Content-Length': String(blob.length) });
        res.write(blob.subarray(0, 1000));
        // Truncated: the connection dies before Content-Length bytes.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(function () {
    server.close();
    server.closeAllConnections();
  });

  it('answers a bearer challenge with a token for the scope and caches it', async function () {
    const registries = new Registries();
    const c = registries.client(host, { username: 'u', password: 'p' });
    tokenRequests = 0;
    const m = await c.getManifest('repo', 'latest', `${host}/repo:latest`);
    assert.equal(m.digest, sha(manifest));
    assert.equal(m.parsed.kind, 'manifest');
    await c.getManifest('repo', m.digest, `${host}/repo@${m.digest}`);
    // A second client of the same factory reuses the cached token after learning the challenge.
    await registries.client(host, { username: 'u', password: 'p' }).getManifest('repo', 'latest', 'x');
    assert.equal(tokenRequests, 1);
  });

  it('reports wrong credentials as Unauthorized in one sentence', async function () {
    const c = new Registries().client(host, { username: 'u', password: 'wrong' });
    await assert.rejects(c.ping(), (e: unknown) => e instanceof BerthError && e.kind === 'Unauthorized' && /incorrect username or password/.test(e.message));
  });

  it('says the tag is unknown with Docker wording', async function () {
    const c = new Registries().client(host, { username: 'u', password: 'p' });
    await assert.rejects(c.getManifest('repo', 'nope', `${host}/repo:nope`), (e: unknown) => e instanceof BerthError && e.kind === 'NotFound' && e.message === `manifest for ${host}/repo:nope not found: manifest unknown: manifest unknown`);
  });

  it('refuses manifests that do not match the requested or announced digest', async function () {
    const c = new Registries().client(host, { username: 'u', password: 'p' });
    await assert.rejects(c.getManifest('repo', sha('wanted'), 'x'), /does not match its digest/);
    await assert.rejects(c.getManifest('repo', 'lying', 'x'), /does not match the digest the registry announced/);
  });

  it('fails a truncated blob download', async function () {
    const c = new Registries().client(host, { username: 'u', password: 'p' });
    const { stream } = await c.openBlob('repo', sha(blob));
    await assert.rejects(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    );
  });

  it('names a registry that is down', async function () {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const c = new Registries().client(`127.0.0.1:${port}`);
    await assert.rejects(c.ping(), (e: unknown) => e instanceof BerthError && e.kind === 'Unavailable' && e.message === `cannot reach registry 127.0.0.1:${port}: connection refused`);
  });
});
