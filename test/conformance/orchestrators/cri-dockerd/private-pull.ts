/**
 * An image from a private registry (the pod's imagePullSecrets): the kubelet's PullImage
 * carries the secret's username and password, cri-dockerd puts them in a registry.AuthConfig
 * and the moby client sends it as X-Registry-Auth, base64url of json.Encoder's output (with its
 * trailing newline). Without credentials the pull must fail in a way cri-dockerd reports: an
 * HTTP error status, or a JSONMessage error in the stream (kube_docker_client.go:437-439).
 */
import * as assert from 'node:assert/strict';
import { at, goHeaders, goQuery, type Step } from '../replay';
import { src } from './source';

/** base64url(json.Encoder(registry.AuthConfig)): omitempty fields, then "\n" (kube_docker_client.go:288-294). */
export function registryAuthHeader(auth: { username?: string; password?: string }): string {
  const o: Record<string, string> = {};
  if (auth.username) o.username = auth.username;
  if (auth.password) o.password = auth.password;
  // Go's base64.URLEncoding: the URL alphabet, with padding (node's 'base64url' drops it)
  return Buffer.from(JSON.stringify(o) + '\n').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export function privatePullSteps(repo: string, tag: string, creds: { username: string; password: string }): Step[] {
  const pull = (name: string, auth: string, expectOk: boolean): Step => ({
    name,
    source: src('core/image.go:143-153 PullImage → libdocker/kube_docker_client.go:405-441'),
    why: expectOk ? 'the secret\'s credentials in X-Registry-Auth; progress decoded until EOF' : 'no credentials: the registry says 401 and cri-dockerd must see an error (status or in-band)',
    method: 'POST',
    path: `/v{{v}}/images/create${goQuery({ fromImage: repo, tag })}`,
    headers: goHeaders({ method: 'POST', extra: [['X-Registry-Auth', auth]] }),
    // dockerd answers a registry's 401 before the stream started with 500 (api/images-pull.ts asStreamStartError)
    status: expectOk ? 200 : 500,
    decode: 'raw',
    timeoutMs: 120_000,
    check: (r) => {
      const lines = r.text.split('\n').filter(Boolean);
      const inBand = r.statusCode === 200 ? lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((m) => m.error !== undefined || m.errorDetail !== undefined) : [];
      if (expectOk) assert.deepEqual(inBand, [], 'no in-band error with the right credentials');
      else assert.ok(r.statusCode !== 200 || inBand.length > 0, `an unauthenticated pull must fail, got ${r.statusCode} ${r.text.slice(0, 300)}`);
      // berthd: "unauthorized: authentication required for HOST"; dockerd: "...: no basic auth credentials"
      if (!expectOk) assert.match(r.text, /authentication required|no basic auth credentials/, 'the error says why');
    },
  });
  return [
    {
      name: 'private image status (absent)',
      source: src('core/image.go:99'),
      why: '404: not present',
      method: 'GET',
      path: `/v{{v}}/images/${repo}:${tag}/json`,
      headers: goHeaders(),
      status: 404,
      errorMatches: /No such image: /, // the 404 decides (IsErrNotFound); the text is only shown
    },
    pull('pull without the secret', 'e30K', false),
    pull('pull with the imagePullSecret', registryAuthHeader(creds), true),
    {
      name: 'private image ref',
      source: src('core/image.go:158 getImageRef'),
      why: 'the pulled image is there, with its RepoDigest',
      method: 'GET',
      path: `/v{{v}}/images/${repo}:${tag}/json`,
      headers: goHeaders(),
      status: 200,
      shape: { Id: 'string', RepoDigests: ['string'] },
      check: (r) => assert.ok((at(r.json, 'RepoDigests') as string[]).some((d) => d.startsWith(`${repo}@sha256:`))),
    },
  ];
}
