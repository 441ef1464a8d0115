/**
 * Finding a local image by what a user types: a name (`busybox`, `busybox:1.36`,
 * `localhost:5000/x@sha256:...`), a full id (`sha256:...`) or a unique id prefix (`3c0b2a7a0b2f`).
 * Shared by every service that takes an image argument.
 */
import { BerthError, invalid, notFound } from '../errors';
import { Digest } from '../oci/digest';
import { fullName, parseReference, withDefaultTag, looksLikeIdPrefix, Reference } from '../oci/reference';
import { ImageConfig } from '../oci/types';
import type { Stores } from './stores';
import type { ImageRecord } from './images';

export interface LocalImage {
  record: ImageRecord;
  config: ImageConfig;
}

/** Resolves a user's image argument to an image id, or undefined when nothing matches. */
export async function resolveImageId(stores: Pick<Stores, 'images' | 'refs'>, nameOrId: string): Promise<Digest | undefined> {
  if (looksLikeIdPrefix(nameOrId)) {
    const hex = nameOrId.replace(/^sha256:/, '');
    // A 64-hex id, or a prefix of one: Docker tries ids before names for such strings,
    // but a short all-hex string may also be a repository name, so fall through to names.
    const matches = await stores.images.matchPrefix(hex);
    if (matches.length === 1) return matches[0];
    if (matches.length > 1 && hex.length < 64) {
      throw invalid(`image id prefix "${nameOrId}" is ambiguous: it matches ${matches.length} images`);
    }
    if (nameOrId.startsWith('sha256:')) return undefined;
  }
  let ref: Reference;
  try {
    ref = withDefaultTag(parseReference(nameOrId));
  } catch (err) {
    if (err instanceof BerthError) return undefined;
    throw err;
  }
  const id = stores.refs.get(ref);
  if (id) return id;
  if (ref.digest) return findByRepoDigest(stores, fullName(ref), ref.digest);
  return undefined;
}

/**
 * A `name@sha256:...` known only from an image record's repoDigests (pull records the manifest
 * digest there without a reference-store entry), as `docker run name@digest` expects.
 */
async function findByRepoDigest(stores: Pick<Stores, 'images'>, name: string, digest: Digest): Promise<Digest | undefined> {
  for (const id of await stores.images.list()) {
    const rec = await stores.images.get(id);
    if (!rec) continue;
    for (const [n, d] of Object.entries(rec.repoDigests)) {
      if (d !== digest) continue;
      try {
        if (fullName(parseReference(n)) === name) return id;
      } catch {
        // a record name that no longer parses: not a match
      }
    }
  }
  return undefined;
}

/** Like resolveImageId, but throws Docker's NotFound ("No such image: x"). */
export async function requireImageId(stores: Pick<Stores, 'images' | 'refs'>, nameOrId: string): Promise<Digest> {
  const id = await resolveImageId(stores, nameOrId);
  if (!id || !(await stores.images.get(id))) throw notFound(`No such image: ${nameOrId}`);
  return id;
}

/** Loads an image's record and config. */
export async function loadImage(stores: Pick<Stores, 'images' | 'content'>, id: Digest): Promise<LocalImage> {
  const record = await stores.images.require(id);
  const config = (await stores.content.readJson(id)) as ImageConfig;
  return { record, config };
}
