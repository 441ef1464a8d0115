/**
 * The test images, built offline into one OCI layout (cached by input hash under
 * /tmp/berth-fixtures-<hash>, so repeated runs reuse it):
 *
 *   hello          1 layer: /hello (static, from examples/hello-world/hello.c); Cmd ["/hello"]
 *   busybox        2 layers: busybox-static + applet symlinks + /tmp /root; then /etc/passwd, group
 *   busybox-extra  busybox's 2 layers + a layer adding /opt files + a layer with whiteouts
 *   multi          OCI index: unknown/unknown attestation, linux/<other arch>, linux/<host arch>
 *   multi-plain    the same without the attestation (pushed as a Docker manifest list)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MT, OciLayoutWriter, type Layer } from './oci-layout';
import { repoRoot, runOk } from './proc';

/** Bump when the recipe below changes, so stale caches are not reused. */
const RECIPE_VERSION = '2';
export const BUSYBOX_BIN = '/bin/busybox';
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the busybox-extra layers do, for whiteout tests. */
export const WHITEOUT_FACTS = {
  /** Added in layer 3, deleted by a `.wh.` file in layer 4: must be absent. */
  removed: '/opt/gone.txt',
  /** Added in layer 3, untouched: must be present with content "stay\n". */
  kept: '/opt/stay.txt',
  /** Had a.txt and sub/b.txt in layer 3; layer 4 makes it opaque and adds new.txt. */
  opaqueDir: '/opt/old',
  opaqueEntries: ['new.txt'],
} as const;

export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[arch] ?? arch;
}

export interface FixtureLayout {
  /** The OCI layout directory; tags: hello, busybox, busybox-extra, multi, multi-plain. */
  dir: string;
  hostArch: string;
  otherArch: string;
}

async function stage(root: string, files: Record<string, { data?: string | Buffer; mode?: number; link?: string; dir?: boolean; uid?: number }>): Promise<void> {
  for (const [rel, f] of Object.entries(files)) {
    const p = path.join(root, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    if (f.dir) await fs.mkdir(p, { recursive: true });
    else if (f.link) await fs.symlink(f.link, p);
    else await fs.writeFile(p, f.data ?? '');
    if (f.mode !== undefined) await fs.chmod(p, f.mode);
    if (f.uid !== undefined && process.getuid?.() === 0) await fs.lchown(p, f.uid, f.uid);
  }
}

async function build(dir: string, helloSrc: string): Promise<void> {
  const w = new OciLayoutWriter(dir);
  await w.init();
  const work = path.join(dir, '.staging');
  const hostArch = goArch();
  const otherArch = hostArch === 'arm64' ? 'amd64' : 'arm64';

  // hello
  const helloRoot = path.join(work, 'hello');
  await fs.mkdir(helloRoot, { recursive: true });
  await runOk('make', ['-s', '-B', '-C', path.dirname(helloSrc), `OUT=${path.join(helloRoot, 'hello')}`]);
  const helloLayer = await w.layerFromDir(helloRoot);
  const helloHist = [{ created_by: 'COPY hello / # buildkit' }, { created_by: 'CMD ["/hello"]', empty_layer: true }];
  const hello = await w.image({ layers: [helloLayer], architecture: hostArch, config: { Cmd: ['/hello'], Env: [`PATH=${IMAGE_PATH}`] }, history: helloHist });
  w.tag('hello', hello.manifest);

  // busybox: layer 1 the binary and applets, layer 2 /etc
  const base: Record<string, { data?: Buffer; mode?: number; link?: string; dir?: boolean; uid?: number }> = {
    'bin/busybox': { data: readFileSync(BUSYBOX_BIN), mode: 0o755 },
    tmp: { dir: true, mode: 0o1777 },
    root: { dir: true, mode: 0o700 },
    'home/app': { dir: true, mode: 0o755, uid: 1000 },
    'var/tmp': { dir: true, mode: 0o1777 },
  };
  const list = (await runOk(BUSYBOX_BIN, ['--list-full'])).stdout.split('\n').filter((l) => l && l !== 'bin/busybox');
  for (const applet of list) base[applet] = { link: '/bin/busybox' };
  await stage(path.join(work, 'bb1'), base);
  await stage(path.join(work, 'bb2'), {
    'etc/passwd': { data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n'), mode: 0o644 },
    'etc/group': { data: Buffer.from('root:x:0:\nnobody:x:65534:\napp:x:1000:\n'), mode: 0o644 },
  });
  const bb1 = await w.layerFromDir(path.join(work, 'bb1'));
  const bb2 = await w.layerFromDir(path.join(work, 'bb2'));
  const bbConfig = { Cmd: ['sh'], Env: [`PATH=${IMAGE_PATH}`] };
  const bbHist = [{ created_by: '/bin/sh -c #(nop) ADD busybox and applets' }, { created_by: '/bin/sh -c #(nop) ADD etc files' }, { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }];
  const busybox = await w.image({ layers: [bb1, bb2], architecture: hostArch, config: bbConfig, history: bbHist });
  w.tag('busybox', busybox.manifest);

  // busybox-extra: shares busybox's layers, then adds files and removes some with whiteouts
  await stage(path.join(work, 'x3'), {
    'opt/stay.txt': { data: 'stay\n' },
    'opt/gone.txt': { data: 'gone\n' },
    'opt/old/a.txt': { data: 'a\n' },
    'opt/old/sub/b.txt': { data: 'b\n' },
  });
  await stage(path.join(work, 'x4'), {
    'opt/.wh.gone.txt': { data: '' },
    'opt/old/.wh..wh..opq': { data: '' },
    'opt/old/new.txt': { data: 'new\n' },
  });
  const x3 = await w.layerFromDir(path.join(work, 'x3'));
  const x4 = await w.layerFromDir(path.join(work, 'x4'));
  const extraHist = [...bbHist.slice(0, 2), { created_by: '/bin/sh -c #(nop) ADD opt files' }, { created_by: '/bin/sh -c rm /opt/gone.txt && rm -rf /opt/old/* && echo new > /opt/old/new.txt' }, bbHist[2]!];
  const extra = await w.image({ layers: [bb1, bb2, x3, x4] as Layer[], architecture: hostArch, config: bbConfig, history: extraHist });
  w.tag('busybox-extra', extra.manifest);

  // multi: the hello image for two architectures plus an attestation entry to be skipped
  const other = await w.image({ layers: [helloLayer], architecture: otherArch, variant: otherArch === 'arm64' ? 'v8' : undefined, config: { Cmd: ['/hello'], Env: [`PATH=${IMAGE_PATH}`] }, history: helloHist });
  const statement = await w.json({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', subject: [{ name: 'hello', digest: { sha256: hello.manifest.digest.slice(7) } }], predicate: {} }, MT.inToto);
  const attConfig = await w.json({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } }, MT.ociConfig);
  const att = await w.json({ schemaVersion: 2, mediaType: MT.ociManifest, config: attConfig, layers: [{ ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }] }, MT.ociManifest);
  const multi = await w.index([
    { ...att, platform: { architecture: 'unknown', os: 'unknown' }, annotations: { 'vnd.docker.reference.digest': hello.manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' } },
    other.manifest,
    hello.manifest,
  ]);
  w.tag('multi', multi);
  // Docker manifest lists cannot carry the in-toto layer: the list form has the two platforms.
  w.tag('multi-plain', await w.index([other.manifest, hello.manifest]));
  await w.finish();
  await fs.rm(work, { recursive: true, force: true });
}

/** Builds the fixture layout once per set of inputs; later calls return the cached one. */
export async function buildFixtureLayout(): Promise<FixtureLayout> {
  const helloSrc = path.join(repoRoot(), 'examples', 'hello-world', 'hello.c');
  const hostArch = goArch();
  const otherArch = hostArch === 'arm64' ? 'amd64' : 'arm64';
  if (!existsSync(BUSYBOX_BIN)) throw new Error(`${BUSYBOX_BIN} is missing (Debian package busybox-static)`);
  const gcc = (await runOk('gcc', ['--version'])).stdout.split('\n')[0] ?? '';
  const key = createHash('sha256').update(RECIPE_VERSION).update(readFileSync(helloSrc)).update(readFileSync(BUSYBOX_BIN)).update(gcc).update(String(process.getuid?.())).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `berth-fixtures-${key}`);
  if (existsSync(path.join(dir, 'index.json'))) return { dir, hostArch, otherArch };
  // Build beside it and rename: concurrent runs never see a half-built layout.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await build(tmp, helloSrc);
    await fs.rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!existsSync(path.join(dir, 'index.json'))) throw err; // someone else won the race: fine
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return { dir, hostArch, otherArch };
}
