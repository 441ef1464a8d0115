/**
 * The set of containers in memory and their names: Docker's lookup order (full id, exact
 * name, unique id prefix), and name uniqueness — names being created are reserved so two
 * concurrent creates cannot both take one. The records themselves live on disk (record.ts).
 */
import { BerthError, conflict, invalid, notFound } from '../errors';
import type { ContainerRecord } from './record';

export class ContainerNameIndex {
  private readonly byId = new Map<string, ContainerRecord>();
  /** Names taken by creates still in progress → their ids. */
  private readonly reserved = new Map<string, string>();

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  add(rec: ContainerRecord): void {
    this.byId.set(rec.Id, rec);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  byExactId(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  find(ref: string): ContainerRecord | undefined {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const name = ref.startsWith('/') ? ref : `/${ref}`;
    for (const r of this.byId.values()) if (r.Name === name) return r;
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    const hits = this.all().filter((r) => r.Id.startsWith(ref));
    if (hits.length > 1) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
    return hits[0];
  }

  get(ref: string): ContainerRecord {
    const r = this.find(ref);
    if (!r) throw notFound(`No such container: ${ref}`);
    return r;
  }

  /** The container (or create in progress) holding a name. */
  owner(name: string): Pick<ContainerRecord, 'Id'> | undefined {
    for (const r of this.byId.values()) if (r.Name === name) return r;
    const reservedBy = this.reserved.get(name);
    return reservedBy ? { Id: reservedBy } : undefined;
  }

  /** Throws Docker's 409 when the name is taken. */
  checkFree(name: string): void {
    const owner = this.owner(name);
    if (owner) throw nameConflict(name, owner.Id);
  }

  /** Holds a name for a create in progress; returns the release function. */
  reserve(name: string, id: string): () => void {
    this.checkFree(name);
    this.reserved.set(name, id);
    return () => {
      if (this.reserved.get(name) === id) this.reserved.delete(name);
    };
  }
}

export function nameConflict(name: string, ownerId: string): BerthError {
  return conflict(`Conflict. The container name "${name}" is already in use by container "${ownerId}". You have to remove (or rename) that container to be able to reuse that name.`);
}
