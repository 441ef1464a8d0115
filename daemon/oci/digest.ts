/**
 * Content digests (`sha256:<64 hex>`): parsing, validation and hashing helpers. Pure; no I/O.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../errors';

export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Parses a digest or throws InvalidParameter naming the bad value. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw invalid(`invalid digest "${s}": expected sha256:<64 hex digits>`);
  return s;
}

export function sha256Of(data: string | Buffer): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The 64 hex characters after "sha256:". */
export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** Docker's short id: the first 12 hex characters. */
export function shortId(idOrDigest: string): string {
  const hex = idOrDigest.startsWith('sha256:') ? idOrDigest.slice(7) : idOrDigest;
  return hex.slice(0, 12);
}

/**
 * The chain id of a layer stack (OCI image-spec config.md): chain(L0) = diff(L0),
 * chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). Layers are stored by chain id, so the same
 * diff on different parents is a different unpacked layer, and a shared base is stored once.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diff of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diff : sha256Of(`${prev} ${diff}`));
  }
  return out;
}
