/**
 * A recording fake of Syscalls for unit tests: every call is appended to `calls`, mounts
 * are tracked in `mounted`, and `failNext` injects an errno into the next matching call.
 */
import { errnoError } from './errno';
import type { OverlayOptions, Syscalls } from './syscalls';

export type RecordedCall =
  | { op: 'mount'; source: string | null; target: string; fstype: string | null; flags: number; data: string | null }
  | { op: 'umount'; target: string; flags: number }
  | { op: 'mountOverlay'; opts: OverlayOptions };

export class RecordingSyscalls implements Syscalls {
  readonly calls: RecordedCall[] = [];
  readonly mounted = new Set<string>();
  private failures: { op: RecordedCall['op']; errno: number }[] = [];

  /** The next call of `op` fails with `errno`. */
  failNext(op: RecordedCall['op'], errno: number): void {
    this.failures.push({ op, errno });
  }

  private takeFailure(op: RecordedCall['op'], target: string): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i < 0) return;
    const [f] = this.failures.splice(i, 1);
    throw errnoError(op === 'umount' ? 'umount2' : 'mount', f!.errno, target);
  }

  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
    this.calls.push({ op: 'mount', source, target, fstype, flags, data });
    this.takeFailure('mount', target);
    this.mounted.add(target);
  }

  async umount(target: string, flags = 0): Promise<void> {
    this.calls.push({ op: 'umount', target, flags });
    this.takeFailure('umount', target);
    if (!this.mounted.delete(target)) throw errnoError('umount2', 22, target);
  }

  mountOverlay(opts: OverlayOptions): void {
    this.calls.push({ op: 'mountOverlay', opts: { ...opts, lower: [...opts.lower] } });
    this.takeFailure('mountOverlay', opts.target);
    this.mounted.add(opts.target);
  }
}
