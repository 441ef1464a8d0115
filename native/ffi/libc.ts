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

/** A koffi function object: call it, or `.async(...args, cb)` to run it on the libuv threadpool. */
export type KoffiFn = ((...args: any[]) => any) & { async: (...args: any[]) => void };

/** A module's bound C functions by its own names, with errno beside them. */
export type LibcFunctions<K extends string> = { readonly [P in K]: KoffiFn } & { errno(): number };

/**
 * The C functions one module declares (its name -> C prototype), bound on first use and kept:
 * the one binding step every ffi module shares. `types` runs first, for the structs the
 * prototypes name.
 */
export function libcFunctions<K extends string>(
  prototypes: Record<K, string>,
  types?: (koffi: any) => void,
): () => LibcFunctions<K> {
  let bound: LibcFunctions<K> | undefined;
  return () => {
    if (bound) return bound;
    const { koffi, libc, errno } = loadLibc();
    types?.(koffi);
    const fns: Record<string, KoffiFn> = {};
    for (const [name, prototype] of Object.entries<string>(prototypes)) fns[name] = libc.func(prototype);
    bound = Object.assign(fns, { errno }) as LibcFunctions<K>;
    return bound;
  };
}
