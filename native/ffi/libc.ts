/**
 * The one place koffi and libc are loaded. Required lazily (first call), so the CLI and the
 * unit tests never pay koffi's load time. libc is already mapped into Node, so `load(null)`
 * (dlopen(NULL)) finds its symbols without naming a file.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- FFI glue: koffi's function objects are untyped */
export interface Libc {
  koffi: any;
  libc: any;
  /** errno of the last call made through koffi on this thread. */
  errno(): number;
}

let loaded: Libc | undefined;

export function loadLibc(): Libc {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const koffi = require('koffi') as any;
  loaded = { koffi, libc: koffi.load(null), errno: () => koffi.errno() as number };
  return loaded;
}
