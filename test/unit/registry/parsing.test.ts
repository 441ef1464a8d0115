/** Pure parts of the registry client: challenges, X-Registry-Auth, endpoints, errors, progress. */
import * as assert from 'node:assert/strict';
import { parseChallenges } from '../../../daemon/registry/challenge';
import { encodeRegistryAuth, parseRegistryAuthHeader } from '../../../daemon/registry/credentials';
import { isInsecure, resolveEndpoint } from '../../../daemon/registry/endpoint';
import { formatErrorItems, httpError, networkError, parseErrorBody } from '../../../daemon/registry/errors';
import { parseTokenReply, TokenCache } from '../../../daemon/registry/authenticator';
import { nextLink } from '../../../daemon/registry/client';
import { humanSize, progressBar } from '../../../daemon/images/pull-progress';

describe('unit: registry parsing', function () {
  it('parses bearer and basic challenges, quoted commas and escapes included', function () {
    const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"');
    assert.equal(c?.scheme, 'bearer');
    assert.deepEqual(c?.params, { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' });
    const two = parseChallenges(['Basic realm="Registry \\"Realm\\""', 'Bearer realm=https://x/t']);
    assert.deepEqual(two.map((x) => x.scheme), ['basic', 'bearer']);
    assert.equal(two[0]?.params.realm, 'Registry "Realm"');
    assert.equal(two[1]?.params.realm, 'https://x/t');
    assert.deepEqual(parseChallenges(undefined), []);
  });

  it('decodes X-Registry-Auth: empty, {} (e30=), base64url JSON, auth field, identity token', function () {
    assert.deepEqual(parseRegistryAuthHeader(undefined), {});
    assert.deepEqual(parseRegistryAuthHeader('e30='), { username: undefined, password: undefined, serverAddress: undefined, identityToken: undefined, registryToken: undefined });
    const enc = Buffer.from(JSON.stringify({ username: 'u', password: 'p?>~', serveraddress: 'localhost:5000' })).toString('base64url');
    const a = parseRegistryAuthHeader(enc);
    assert.equal(a.username, 'u');
    assert.equal(a.password, 'p?>~');
    assert.equal(a.serverAddress, 'localhost:5000');
    const viaAuth = parseRegistryAuthHeader(Buffer.from(JSON.stringify({ auth: Buffer.from('me:s:ecret').toString('base64') })).toString('base64'));
    assert.equal(viaAuth.username, 'me');
    assert.equal(viaAuth.password, 's:ecret');
    assert.equal(parseRegistryAuthHeader(encodeRegistryAuth({ identityToken: 'tok' })).identityToken, 'tok');
    assert.throws(() => parseRegistryAuthHeader('!!!notjson'), /invalid X-Registry-Auth header/);
  });

  it('speaks plain HTTP only to insecure registries', function () {
    assert.ok(isInsecure('localhost:5000', []));
    assert.ok(isInsecure('127.0.0.1:5000', []));
    assert.ok(isInsecure('127.10.20.30', []));
    assert.ok(isInsecure('[::1]:5000', []));
    assert.ok(!isInsecure('10.0.0.5:5000', []));
    assert.ok(isInsecure('10.0.0.5:5000', ['10.0.0.5:5000']));
    assert.ok(isInsecure('10.0.0.5:5000', ['10.0.0.0/8']));
    assert.ok(isInsecure('myreg.local:443', ['myreg.local']));
    assert.equal(resolveEndpoint('docker.io', []).baseUrl, 'https://registry-1.docker.io');
    assert.equal(resolveEndpoint('127.0.0.1:5000', []).baseUrl, 'http://127.0.0.1:5000');
    assert.equal(resolveEndpoint('quay.io', []).baseUrl, 'https://quay.io');
  });

  it('formats registry errors as Docker does, with the right kind', function () {
    const body = Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] }));
    assert.equal(formatErrorItems(parseErrorBody(body)), 'manifest unknown: manifest unknown');
    const e = httpError(404, body, 'fetching x');
    assert.equal(e.kind, 'NotFound');
    assert.equal(e.message, 'fetching x: manifest unknown: manifest unknown');
    assert.equal(httpError(503, Buffer.from('oops'), 'y').kind, 'Unavailable');
    const n = networkError('127.0.0.1:5999', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    assert.equal(n.message, 'cannot reach registry 127.0.0.1:5999: connection refused');
    assert.equal(n.kind, 'Unavailable');
  });

  it('reads token replies and expires cached tokens', function () {
    assert.deepEqual(parseTokenReply(Buffer.from('{"token":"a","expires_in":300}')), { token: 'a', expiresIn: 300 });
    assert.deepEqual(parseTokenReply(Buffer.from('{"access_token":"b"}')), { token: 'b', expiresIn: 60 });
    assert.throws(() => parseTokenReply(Buffer.from('{}')), /sent no token/);
    const c = new TokenCache();
    c.set('k', 't', 60, 1000);
    assert.equal(c.get('k', 2000), 't');
    assert.equal(c.get('k', 1000 + 60_000), undefined);
  });

  it('follows Link pagination headers', function () {
    assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
    assert.equal(nextLink(undefined), undefined);
  });

  it('renders sizes and progress bars byte for byte like dockerd', function () {
    assert.equal(humanSize(3645), '3.645kB');
    assert.equal(humanSize(313751), '313.8kB');
    assert.equal(humanSize(32768), '32.77kB');
    assert.equal(humanSize(512), '512B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(1_234_567), '1.235MB');
    assert.equal(progressBar(3645, 313751), `[>${' '.repeat(50)}]  3.645kB/313.8kB`);
    assert.equal(progressBar(32768, 313751), `[=====>${' '.repeat(45)}]  32.77kB/313.8kB`);
    assert.equal(progressBar(313751, 313751), `[${'='.repeat(50)}>]  313.8kB/313.8kB`);
    assert.equal(progressBar(512, 8), `[${'='.repeat(50)}>]     512B`);
    assert.equal(progressBar(1536), ' 1.536kB');
  });
});
