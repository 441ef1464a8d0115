/**
 * The real mount Syscalls (mount, umount2, the fsopen/fsconfig/fsmount family), through koffi
 * (research/ffi.md: prebuilt, ~100 ns per call, `.async` runs a call on the libuv threadpool).
 * libc is already loaded, so `koffi.load(null)`.
 * FFI glue is the one place `any` is allowed: koffi's function objects are untyped.
 */
import { libcFunctions } from './libc';
import { errnoError } from './errno';
import { overlayData, type OverlayOptions, type Syscalls } from './syscalls';

const FSCONFIG_SET_STRING = 1;
const FSCONFIG_CMD_CREATE = 6;
const FSMOUNT_CLOEXEC = 1;
const AT_FDCWD = -100;
const MOVE_MOUNT_F_EMPTY_PATH = 4;
const ENOSYS = 38;
const EINVAL = 22;

const bind = libcFunctions({
  mount: 'int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)',
  umount2: 'int umount2(const char *target, int flags)',
  fsopen: 'int fsopen(const char *fsname, unsigned int flags)',
  fsconfig: 'int fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux)',
  fsmount: 'int fsmount(int fd, unsigned int flags, unsigned int attr)',
  moveMount: 'int move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)',
  close: 'int close(int fd)',
});
type Bound = ReturnType<typeof bind>;

/** Thrown inside mountOverlayNew when the kernel lacks the new API or `lowerdir+`. */
class Unsupported extends Error {}

function mountOverlayNew(b: Bound, o: OverlayOptions): void {
  const fd = b.fsopen('overlay', 0) as number;
  if (fd < 0) {
    const e = b.errno();
    if (e === ENOSYS) throw new Unsupported('fsopen');
    throw errnoError('fsopen', e, 'overlay');
  }
  let mfd = -1;
  try {
    // lowerdir+ appends a layer below the ones given so far: give the top layer first.
    for (const dir of [...o.lower].reverse()) {
      if ((b.fsconfig(fd, FSCONFIG_SET_STRING, 'lowerdir+', dir, 0) as number) < 0) {
        const e = b.errno();
        if (e === EINVAL && dir === o.lower[o.lower.length - 1]) throw new Unsupported('lowerdir+');
        throw errnoError('fsconfig lowerdir+', e, dir);
      }
    }
    for (const [key, value] of [['upperdir', o.upper], ['workdir', o.work]] as const) {
      if ((b.fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0) as number) < 0) throw errnoError(`fsconfig ${key}`, b.errno(), value);
    }
    if ((b.fsconfig(fd, FSCONFIG_CMD_CREATE, null, null, 0) as number) < 0) throw errnoError('fsconfig create overlay', b.errno(), o.target);
    mfd = b.fsmount(fd, FSMOUNT_CLOEXEC, 0) as number;
    if (mfd < 0) throw errnoError('fsmount overlay', b.errno(), o.target);
    if ((b.moveMount(mfd, '', AT_FDCWD, o.target, MOVE_MOUNT_F_EMPTY_PATH) as number) < 0) {
      throw errnoError('move_mount overlay to', b.errno(), o.target);
    }
  } finally {
    if (mfd >= 0) b.close(mfd);
    b.close(fd);
  }
}

export class KoffiSyscalls implements Syscalls {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
    const b = bind();
    if ((b.mount(source, target, fstype, flags, data) as number) < 0) throw errnoError('mount', b.errno(), target);
  }

  umount(target: string, flags = 0): Promise<void> {
    const b = bind();
    return new Promise((resolve, reject) => {
      b.umount2.async(target, flags, (err: unknown, r: number) => {
        if (err) return reject(err);
        // koffi reads errno of the threadpool call in the callback (verified in ffi.md §1).
        if (r < 0) return reject(errnoError('umount2', b.errno(), target));
        resolve();
      });
    });
  }

  mountOverlay(opts: OverlayOptions): void {
    const b = bind();
    try {
      mountOverlayNew(b, opts);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      this.mount('overlay', opts.target, 'overlay', 0, overlayData(opts));
    }
  }
}
