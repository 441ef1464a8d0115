/**
 * Pushes the test images (fixture-images.ts) to a registry with skopeo, in the formats a
 * client meets in the wild, and reports what the registry now holds (digests, image ids) so
 * tests can assert exact values. Also a tiny manifest reader for cross-checking pushes.
 */
import * as http from 'node:http';
import { buildFixtureLayout, WHITEOUT_FACTS } from './fixture-images';
import { MT } from './oci-layout';
import { runOk } from './proc';

export interface FixtureImage {
  /** `HOST/name:tag`, ready for `pull`. */
  ref: string;
  /** `HOST/name` */
  repository: string;
  tag: string;
  /** Manifest (or index/list) digest as the registry serves it: `ref@digest` pulls the same. */
  digest: string;
  mediaType: string;
  /** Image id (config digest); for single-platform images and for the host entry of lists. */
  id: string;
  /** Compressed layer digests, in order (host platform for lists). */
  layers: string[];
}

export interface Fixtures {
  host: string;
  /** Docker schema2, 1 layer (/hello), Cmd ["/hello"]. */
  hello: FixtureImage;
  /** The same image pushed as an OCI manifest (same id, different manifest digest). */
  helloOci: FixtureImage;
  /** Docker schema2, 2 layers; Cmd ["sh"]; users root, nobody, app (1000). */
  busybox: FixtureImage;
  /** Docker schema2, 4 layers (busybox's 2 shared), with whiteouts: see `whiteout`. */
  busyboxExtra: FixtureImage;
  /** OCI index: unknown/unknown attestation, linux/<otherArch>, linux/<hostArch> (= hello). */
  multi: FixtureImage;
  /** A Docker manifest list of linux/<otherArch> and linux/<hostArch> (no attestation). */
  multiDocker: FixtureImage;
  /** Per-architecture manifest digests inside `multi` (OCI). */
  multiPlatforms: Record<string, string>;
  hostArch: string;
  otherArch: string;
  /** First line /hello prints. */
  helloGreeting: string;
  whiteout: typeof WHITEOUT_FACTS;
}

export interface RegistryAuth {
  username: string;
  password: string;
}

const ACCEPT = [MT.dockerManifest, MT.dockerList, MT.ociManifest, MT.ociIndex].join(', ');

/** GET /v2/<repo>/manifests/<ref> over plain HTTP: digest, media type and parsed body. */
export function fetchManifest(host: string, repo: string, reference: string, auth?: RegistryAuth): Promise<{ digest: string; mediaType: string; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { Accept: ACCEPT };
  if (auth) headers.Authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port: Number(port), path: `/v2/${repo}/manifests/${reference}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`GET manifest ${host}/${repo}:${reference}: HTTP ${res.statusCode} ${text}`));
        resolve({ digest: String(res.headers['docker-content-digest']), mediaType: String(res.headers['content-type']), body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
  });
}

type Desc = { digest: string; platform?: { architecture: string; os: string } };

async function describeImage(host: string, name: string, tag: string, hostArch: string, auth?: RegistryAuth): Promise<FixtureImage> {
  const top = await fetchManifest(host, name, tag, auth);
  let single = top;
  if (top.mediaType === MT.ociIndex || top.mediaType === MT.dockerList) {
    const entry = (top.body.manifests as Desc[]).find((m) => m.platform?.os === 'linux' && m.platform.architecture === hostArch);
    if (!entry) throw new Error(`${name}:${tag} has no linux/${hostArch} entry`);
    single = await fetchManifest(host, name, entry.digest, auth);
  }
  const config = single.body.config as Desc;
  const layers = (single.body.layers as Desc[]).map((l) => l.digest);
  return { ref: `${host}/${name}:${tag}`, repository: `${host}/${name}`, tag, digest: top.digest, mediaType: top.mediaType, id: config.digest, layers };
}

/**
 * Builds (or reuses) the fixture layout and pushes every image to `registryHost`
 * (`127.0.0.1:PORT`). Resolves with what was pushed. Pushing again is harmless.
 */
export async function pushFixtures(registryHost: string, opts: { auth?: RegistryAuth } = {}): Promise<Fixtures> {
  const layout = await buildFixtureLayout();
  const creds = opts.auth ? ['--dest-creds', `${opts.auth.username}:${opts.auth.password}`] : [];
  const copy = (src: string, dest: string, extra: string[]) =>
    runOk('skopeo', ['copy', '-q', '--retry-times', '2', '--dest-tls-verify=false', ...creds, ...extra, `oci:${layout.dir}:${src}`, `docker://${registryHost}/${dest}`], { timeoutMs: 120_000 });
  // Schema2 pushes first: they upload the shared blobs, the rest then only mount or skip them.
  await copy('busybox', 'busybox:latest', ['--format', 'v2s2']);
  await Promise.all([
    copy('hello', 'hello:latest', ['--format', 'v2s2']),
    copy('busybox-extra', 'busybox-extra:latest', ['--format', 'v2s2']),
  ]);
  await Promise.all([
    copy('hello', 'hello:oci', ['--format', 'oci']),
    copy('multi', 'multi:latest', ['--all', '--preserve-digests']),
    copy('multi-plain', 'multi:docker', ['--all', '--format', 'v2s2']),
  ]);
  const { hostArch, otherArch } = layout;
  const d = (name: string, tag: string) => describeImage(registryHost, name, tag, hostArch, opts.auth);
  const [hello, helloOci, busybox, busyboxExtra, multi, multiDocker] = await Promise.all([
    d('hello', 'latest'), d('hello', 'oci'), d('busybox', 'latest'), d('busybox-extra', 'latest'), d('multi', 'latest'), d('multi', 'docker'),
  ]);
  const index = await fetchManifest(registryHost, 'multi', 'latest', opts.auth);
  const multiPlatforms: Record<string, string> = {};
  for (const m of index.body.manifests as Desc[]) {
    if (m.platform?.os === 'linux') multiPlatforms[m.platform.architecture] = m.digest;
  }
  return {
    host: registryHost,
    hello: hello!, helloOci: helloOci!, busybox: busybox!, busyboxExtra: busyboxExtra!, multi: multi!, multiDocker: multiDocker!,
    multiPlatforms, hostArch, otherArch, helloGreeting: 'Hello from berth!', whiteout: WHITEOUT_FACTS,
  };
}
