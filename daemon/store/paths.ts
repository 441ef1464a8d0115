/**
 * Where everything lives under the two roots. One place, so no module invents a path.
 *
 *   <data-root>/blobs/sha256/<hex>        content store (manifests, configs, compressed layers)
 *   <data-root>/ingest/                   blobs being downloaded (never look complete)
 *   <data-root>/layers/<chainhex>/        unpacked read-only layers: diff/ + layer.json
 *   <data-root>/images/<idhex>.json       image records (id = config digest)
 *   <data-root>/repositories.json         tags and digests → image id
 *   <data-root>/containers/<id>/          container record, writable layer (upper, work), rootfs mountpoint
 *   <data-root>/volumes/<name>/           a volume: volume.json (its record) and _data/ (its content)
 *   <data-root>/tmp/                      scratch space of the daemon, emptied at start
 *   <exec-root>/berthd.pid                the pid/lock file
 *   <exec-root>/containers/<id>/          runtime files: monitor socket, exit status
 */
import * as path from 'node:path';

export class StorePaths {
  constructor(
    readonly dataRoot: string,
    readonly execRoot: string,
  ) {}

  get blobs(): string { return path.join(this.dataRoot, 'blobs', 'sha256'); }
  get ingest(): string { return path.join(this.dataRoot, 'ingest'); }
  get layers(): string { return path.join(this.dataRoot, 'layers'); }
  get images(): string { return path.join(this.dataRoot, 'images'); }
  get repositories(): string { return path.join(this.dataRoot, 'repositories.json'); }
  get containers(): string { return path.join(this.dataRoot, 'containers'); }
  get tmp(): string { return path.join(this.dataRoot, 'tmp'); }
  get volumes(): string { return path.join(this.dataRoot, 'volumes'); }
  get pidFile(): string { return path.join(this.execRoot, 'berthd.pid'); }
  get runContainers(): string { return path.join(this.execRoot, 'containers'); }

  /** An unpacked layer's directory (diff/, layer.json, index.json). */
  layerDir(chainId: string): string { return path.join(this.layers, chainId.replace(/^sha256:/, '')); }

  containerDir(id: string): string { return path.join(this.containers, id); }
  containerRunDir(id: string): string { return path.join(this.runContainers, id); }
}
