/**
 * `DELETE /images/{name}` with Docker's rules (moby daemon/images/image_delete.go):
 * - By name: untag it. If other references remain, that is all. When the last tag of a
 *   repository goes, that repository's digest references go too.
 * - By id: with one reference (or a tag plus digests of the same repository) untag and delete;
 *   with references in several repositories refuse unless forced.
 * - Conflicts: dependent child images and running containers are hard (never forced); tags
 *   and stopped containers are soft (force overrides).
 * - Deleting an image releases what only it needed (GC, candidates scoped to this image) and,
 *   unless noprune, deletes its untagged parents no one else needs.
 * Removals run one at a time so two concurrent rmi never race on the same references.
 */
import { BerthError, conflict } from '../errors';
import { Digest, hexOf, shortId } from '../oci/digest';
import { Reference, fullName, parseReference, withDefaultTag } from '../oci/reference';
import type { Stores } from '../store/stores';
import type { EventBus } from '../events';
import type { GarbageCollector } from '../store/gc';
import { referenceKey } from '../store/references';
import { familiar, parseKey } from './catalog';
import { requireImageId } from '../store/lookup';
import type { ImageUsers } from './users';
import type { DeleteItem } from '../wire/types';

export type { DeleteItem } from '../wire/types';

export interface RemoveResult {
  items: DeleteItem[];
  /** Unpacked bytes of the layers that were deleted. */
  reclaimed: number;
}

const DEPENDENT_CHILD = 1;
const RUNNING = 2;
const ACTIVE_REFERENCE = 4;
const STOPPED = 8;
const HARD = DEPENDENT_CHILD | RUNNING;
const SOFT = ACTIVE_REFERENCE | STOPPED;

class DeleteConflict extends BerthError {
  constructor(id: Digest, readonly hard: boolean, readonly used: boolean, why: string) {
    super('Conflict', `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${why}`);
  }
}

/** Docker's isSingleReference: one tag, or digests all in the repository of the one tag. */
function isSingleReference(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: Reference | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.digest) canonical.add(fullName(r));
    else if (!single) single = r;
    else return false;
  }
  const first = single ?? (refs[0] as Reference);
  return canonical.size === 1 && canonical.has(fullName(first));
}

export class ImageRemover {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stores: Stores,
    private readonly gc: GarbageCollector,
    private readonly users: () => ImageUsers,
    private readonly events?: EventBus,
  ) {}

  remove(nameOrId: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<RemoveResult> {
    const run = this.queue.then(() => this.doRemove(nameOrId, !!opts.force, !opts.noprune));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private refsOf(id: Digest): Reference[] {
    return this.stores.refs.keysFor(id).map(parseKey).filter((r): r is Reference => r !== undefined);
  }

  private async untag(ref: Reference, id: Digest, out: DeleteItem[]): Promise<void> {
    await this.stores.refs.deleteKey(referenceKey(ref));
    out.push({ Untagged: familiar(ref) });
    this.events?.emit('image', 'untag', id, { name: familiar(ref) });
  }

  private async doRemove(input: string, force: boolean, prune: boolean): Promise<RemoveResult> {
    const id = await requireImageId(this.stores, input);
    const result: RemoveResult = { items: [], reclaimed: 0 };
    const hex = hexOf(id);
    const byId = input === id || (/^[a-f0-9]+$/.test(input) && hex.startsWith(input));
    let refs = this.refsOf(id);
    if (!byId) {
      const ref = withDefaultTag(parseReference(input));
      if (!force && isSingleReference(refs)) {
        const [user] = await this.users().containersUsing(id);
        if (user) {
          throw conflict(`conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(user)} is using its referenced image ${shortId(id)}`);
        }
      }
      if (this.stores.refs.get(ref) === id) await this.untag(ref, id, result.items);
      else if (ref.digest) await this.dropRecordDigest(id, ref, result.items);
      refs = this.refsOf(id);
      if (!ref.digest && !refs.some((r) => !r.digest && fullName(r) === fullName(ref))) {
        for (const r of refs.filter((x) => x.digest && fullName(x) === fullName(ref))) await this.untag(r, id, result.items);
        refs = this.refsOf(id);
        if (refs.length > 0) await this.dropRecordDigests(id, fullName(ref), result.items);
      }
      if (refs.length > 0) return result;
    } else if (isSingleReference(refs)) {
      await this.check(id, HARD | (force ? 0 : SOFT & ~ACTIVE_REFERENCE));
      for (const r of refs) await this.untag(r, id, result.items);
    }
    // Once a repository reference was removed, conflicts (children, a running container) end
    // the removal quietly, as in Docker: the untag stands and is not reported as an error.
    await this.deleteImage(id, result, force, prune, !byId);
    return result;
  }

  /** A digest reference known only from the image record (pull's repoDigests). */
  private async dropRecordDigest(id: Digest, ref: Reference, out: DeleteItem[]): Promise<void> {
    const rec = await this.stores.images.require(id);
    const names = Object.keys(rec.repoDigests).filter((n) => {
      const r = parseKey(n);
      return r && fullName(r) === fullName(ref) && rec.repoDigests[n] === ref.digest;
    });
    if (names.length === 0) return;
    for (const n of names) delete rec.repoDigests[n];
    await this.stores.images.put(rec);
    out.push({ Untagged: familiar(ref) });
  }

  /** Drops the record's digests of one repository (its last tag is gone), reporting them. */
  private async dropRecordDigests(id: Digest, repo: string, out: DeleteItem[]): Promise<void> {
    const rec = await this.stores.images.require(id);
    const names = Object.keys(rec.repoDigests).filter((n) => {
      const r = parseKey(n);
      return r && fullName(r) === repo;
    });
    if (names.length === 0) return;
    for (const n of names) {
      const r = parseKey(n) as Reference;
      const digest = rec.repoDigests[n] as Digest;
      const shown = familiar({ domain: r.domain, path: r.path, digest });
      if (!out.some((i) => 'Untagged' in i && i.Untagged === shown)) out.push({ Untagged: shown });
      delete rec.repoDigests[n];
    }
    await this.stores.images.put(rec);
  }

  private async childrenOf(id: Digest): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const other of await this.stores.images.list()) {
      if ((await this.stores.images.get(other))?.parent === id) out.push(other);
    }
    return out;
  }

  private async check(id: Digest, mask: number): Promise<void> {
    if (mask & DEPENDENT_CHILD && (await this.childrenOf(id)).length > 0) {
      throw new DeleteConflict(id, true, false, 'image has dependent child images');
    }
    const users = mask & (RUNNING | STOPPED) ? await this.users().containersUsing(id) : [];
    if (mask & RUNNING) {
      for (const c of users) {
        if (await this.users().isRunning(c)) throw new DeleteConflict(id, true, true, `image is being used by running container ${shortId(c)}`);
      }
    }
    if (mask & ACTIVE_REFERENCE && this.refsOf(id).length > 0) {
      throw new DeleteConflict(id, false, false, 'image is referenced in multiple repositories');
    }
    const [stopped] = users;
    if (mask & STOPPED && stopped) throw new DeleteConflict(id, false, true, `image is being used by stopped container ${shortId(stopped)}`);
  }

  /** Docker's imageDeleteHelper. `quiet` is the parent-pruning mode: conflicts end it silently. */
  private async deleteImage(id: Digest, result: RemoveResult, force: boolean, prune: boolean, quiet: boolean): Promise<void> {
    try {
      await this.check(id, HARD | (force ? 0 : SOFT));
    } catch (err) {
      if (quiet && err instanceof DeleteConflict) return;
      throw err;
    }
    const rec = await this.stores.images.get(id);
    if (!rec) return;
    const manifests: Digest[] = [];
    for (const r of this.refsOf(id)) {
      if (r.digest) manifests.push(r.digest);
      await this.untag(r, id, result.items);
    }
    const shown = new Set(result.items.map((i) => ('Untagged' in i ? i.Untagged : '')));
    for (const [name, digest] of Object.entries(rec.repoDigests)) {
      const r = parseKey(name);
      if (!r) continue;
      const s = familiar({ domain: r.domain, path: r.path, digest });
      if (!shown.has(s)) result.items.push({ Untagged: s });
    }
    const candidates = await this.gc.digestsOf(rec, manifests);
    await this.stores.images.delete(id);
    this.events?.emit('image', 'delete', id);
    result.items.push({ Deleted: id });
    const collected = await this.gc.collect({ candidates });
    for (const l of collected.layers) {
      result.items.push({ Deleted: l.chainId });
      result.reclaimed += l.size;
    }
    if (!prune || !rec.parent) return;
    await this.deleteImage(rec.parent, result, false, true, true);
  }
}

/** The key a tag request writes (`repo[:tag]`, tag defaults to latest). */
export function tagReference(repo: string, tag: string | undefined): Reference {
  const ref = parseReference(tag ? `${repo}:${tag}` : repo);
  return withDefaultTag(ref);
}
