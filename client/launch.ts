/**
 * Start-up of the `berth` CLI (bin/berth requires this file). It owns one thing: getting from
 * `node bin/berth` to client/main.ts as cheaply as Node allows.
 *
 * `npm run build` bundles the CLI into one file, dist/cli/berth.js (scripts/bundle-cli.js), so
 * Node resolves and reads one module instead of a dozen. Node 20 has no module.enableCompileCache,
 * so this file compiles the bundle itself through vm.Script with V8's code cache beside it
 * (dist/cli/berth.js.cache): V8 then skips parsing the ~130 KB bundle, which would otherwise cost
 * more than the module resolution the bundle saves. The cache is an optimisation only: missing,
 * stale (another Node/V8 version) or unwritable, the bundle still runs, compiled from source, and
 * a fresh cache is written when the directory allows it. Without a bundle (tsc only), the
 * per-file output in dist/client/ runs instead.
 */
import * as fs from 'node:fs';
import { createRequire, wrap } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** dist/cli/berth.js, next to this file's dist/client/. */
const BUNDLE = path.join(__dirname, '..', 'cli', 'berth.js');
const CODE_CACHE = `${BUNDLE}.cache`;

type CommonJsWrapper = (exports: unknown, require: NodeRequire, module: { exports: unknown }, filename: string, dirname: string) => void;

/** Runs the bundle; false when there is none. */
function runBundle(): boolean {
  let source: string;
  try {
    source = fs.readFileSync(BUNDLE, 'utf8');
  } catch {
    return false;
  }
  let cachedData: Buffer | undefined;
  try {
    // V8 validates a cache against the source's length only: one older than the bundle is stale.
    if (fs.statSync(CODE_CACHE).mtimeMs >= fs.statSync(BUNDLE).mtimeMs) cachedData = fs.readFileSync(CODE_CACHE);
  } catch {
    // no cache yet: compile from source and write one at exit
  }
  const script = new vm.Script(wrap(source), { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // At exit the functions this command ran are compiled too, so the cache holds them as well.
    process.once('exit', () => writeCache(script));
  }
  const fn = script.runInThisContext() as CommonJsWrapper;
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
  return true;
}

/** Best effort: temp file + rename so a concurrent `berth` never reads half a cache. */
function writeCache(script: vm.Script): void {
  const tmp = `${CODE_CACHE}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, CODE_CACHE);
  } catch {
    // read-only install or a race with another writer: the next run compiles from source again
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

if (!runBundle()) require('./main');
