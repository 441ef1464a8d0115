/**
 * The shape of a container record's `MountPoints` (its volumes, resolved at create by
 * volume-mounts.ts) and its parser for records read from disk. A leaf: imports nothing.
 */
/** One entry of the record's MountPoints: a volume, or a bind inherited by --volumes-from. */
export interface MountPoint {
  Type: 'volume' | 'bind';
  /** The volume's name (Type volume). */
  Name?: string;
  Source: string;
  Destination: string;
  RW: boolean;
  Mode: string;
  /** No copy of the image's content into an empty volume (`nocopy`, `volume-nocopy`). */
  NoCopy?: boolean;
  /** Made for this container (`-v /path`, image VOLUME): `rm -v` and `--rm` remove it. */
  Anonymous?: boolean;
}

/** The record's MountPoints list, parsed from disk (untrusted shape). */
export function parseMountPoints(v: unknown): MountPoint[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((m): m is MountPoint => !!m && typeof m === 'object' && (m.Type === 'volume' || m.Type === 'bind')
    && typeof m.Source === 'string' && typeof m.Destination === 'string');
}

