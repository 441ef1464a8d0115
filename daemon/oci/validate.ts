/**
 * Validators for OCI/Docker documents that cross a trust boundary (registry replies, archives,
 * disk): they parse unknown JSON into the typed shapes of types.ts or throw InvalidParameter
 * with a sentence naming what is wrong. Unknown extra fields are kept as they are. Pure.
 */
import { invalid } from '../errors';
import { Digest, isDigest } from './digest';
import { Descriptor, ImageConfig, Index, Manifest, MediaType, Platform } from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw invalid(`${what}: "${key}" must be a string`);
  return v;
}

function optStrMap(o: Obj, key: string, what: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(`${what}: "${key}" must map strings to strings`);
  return v as Record<string, string>;
}

function parsePlatformField(v: unknown, what: string): Platform | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw invalid(`${what}: "platform" must be an object`);
  const p: Platform = { architecture: str(v, 'architecture', what), os: str(v, 'os', what) };
  if (typeof v.variant === 'string') p.variant = v.variant;
  if (typeof v['os.version'] === 'string') p['os.version'] = v['os.version'];
  return p;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObj(v)) throw invalid(`${what} is not a descriptor object`);
  const digest = str(v, 'digest', what);
  if (!isDigest(digest)) throw invalid(`${what}: unsupported or malformed digest "${digest}"`);
  const size = v.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${what}: "size" must be a non-negative integer`);
  const d: Descriptor = { mediaType: typeof v.mediaType === 'string' ? v.mediaType : '', digest, size };
  const platform = parsePlatformField(v.platform, what);
  if (platform) d.platform = platform;
  const annotations = optStrMap(v, 'annotations', what);
  if (annotations) d.annotations = annotations;
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === 'string');
  return d;
}

export const MANIFEST_TYPES: readonly string[] = [MediaType.DockerManifest, MediaType.OciManifest];
export const INDEX_TYPES: readonly string[] = [MediaType.DockerManifestList, MediaType.OciIndex];
export const LAYER_TYPES: readonly string[] = [
  MediaType.DockerLayerGzip, MediaType.DockerLayer, MediaType.OciLayer, MediaType.OciLayerGzip, MediaType.OciLayerZstd,
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
];

export type ParsedManifest = { kind: 'manifest'; mediaType: string; manifest: Manifest } | { kind: 'index'; mediaType: string; index: Index };

/**
 * Parses a manifest or index reply. `contentType` (the HTTP Content-Type) is used when the
 * document has no mediaType field; both must agree when both are present.
 */
export function parseManifestDocument(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  if (!isObj(doc)) throw invalid(`${what} is not a JSON object`);
  if (doc.schemaVersion === 1) throw invalid(`${what} uses Docker image manifest schema 1, which berth does not support`);
  if (doc.schemaVersion !== 2) throw invalid(`${what} has unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  const ct = contentType?.split(';')[0]?.trim();
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  let mediaType = declared ?? (ct && ct !== 'application/json' ? ct : undefined);
  if (!mediaType) mediaType = Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  const annotations = optStrMap(doc, 'annotations', what);
  if (INDEX_TYPES.includes(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalid(`${what}: an index must list "manifests"`);
    const manifests = doc.manifests.map((m, i) => parseDescriptor(m, `${what}: manifests[${i}]`));
    return { kind: 'index', mediaType, index: { schemaVersion: 2, mediaType: declared, manifests, annotations } };
  }
  if (MANIFEST_TYPES.includes(mediaType)) {
    const config = parseDescriptor(doc.config, `${what}: config`);
    if (!Array.isArray(doc.layers)) throw invalid(`${what}: a manifest must list "layers"`);
    const layers = doc.layers.map((l, i) => parseDescriptor(l, `${what}: layers[${i}]`));
    for (const [i, l] of layers.entries()) {
      if (l.mediaType && !LAYER_TYPES.includes(l.mediaType)) throw invalid(`${what}: layers[${i}] has unsupported media type "${l.mediaType}"`);
    }
    return { kind: 'manifest', mediaType, manifest: { schemaVersion: 2, mediaType: declared, config, layers, annotations } };
  }
  throw invalid(`${what} has unsupported media type "${mediaType}"`);
}

/** Parses an image config blob; only what berth relies on is checked strictly. */
export function parseImageConfig(bytes: Buffer, what: string): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid(`${what} is not valid JSON`);
  }
  if (!isObj(doc)) throw invalid(`${what} is not a JSON object`);
  const rootfs = doc.rootfs;
  if (!isObj(rootfs) || !Array.isArray(rootfs.diff_ids)) throw invalid(`${what}: "rootfs.diff_ids" is missing`);
  for (const d of rootfs.diff_ids) {
    if (typeof d !== 'string' || !isDigest(d)) throw invalid(`${what}: malformed diff id ${JSON.stringify(d)}`);
  }
  if (typeof doc.architecture !== 'string' || typeof doc.os !== 'string') throw invalid(`${what}: "architecture" and "os" must be strings`);
  if (doc.config !== undefined && doc.config !== null && !isObj(doc.config)) throw invalid(`${what}: "config" must be an object`);
  return doc as unknown as ImageConfig;
}

/** The diff ids of a parsed config, typed. */
export function diffIdsOf(config: ImageConfig): Digest[] {
  return config.rootfs.diff_ids;
}
