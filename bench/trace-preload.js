// bench/trace-preload.js: where berthd's milliseconds go, without touching its code.
// Preloaded with `node -r ./bench/trace-preload.js bin/berthd ...` (bench/where.sh does it).
// Every function exported by a module under dist/daemon/ (and every method of an exported
// class) is wrapped to add its wall time, inclusive of what it awaits, to a table keyed by
// module:function. SIGUSR2 writes the table as JSON lines to $BERTH_TRACE_OUT and resets it.
// Inclusive times nest (start contains mountRootfs), so rows do not add up; concurrent calls
// overlap. tsc's CommonJS output calls imports as `(0, mod_1.fn)(...)`, reading the export
// at call time, so wrapping the exports object is enough.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');

const ROOT = path.join(__dirname, '..', 'dist', 'daemon') + path.sep;
const OUT = process.env.BERTH_TRACE_OUT || '/dev/stderr';
const table = new Map();
const seen = new WeakSet();

function record(key, t0) {
  const ms = performance.now() - t0;
  const row = table.get(key) || { n: 0, ms: 0 };
  row.n += 1;
  row.ms += ms;
  table.set(key, row);
}

function wrap(key, fn) {
  const kind = fn.constructor && fn.constructor.name;
  if (kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction') return fn;
  const wrapped = function (...args) {
    const t0 = performance.now();
    let r;
    try {
      r = fn.apply(this, args);
    } catch (err) {
      record(key, t0);
      throw err;
    }
    if (r && typeof r.then === 'function') {
      r.then(() => record(key, t0), () => record(key, t0));
      return r;
    }
    record(key, t0);
    return r;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

function patch(file, exp) {
  if (!exp || typeof exp !== 'object' || seen.has(exp)) return;
  seen.add(exp);
  const mod = path.relative(ROOT, file).replace(/\.js$/, '');
  for (const name of Object.keys(exp)) {
    const d = Object.getOwnPropertyDescriptor(exp, name);
    if (!d || !d.writable || typeof d.value !== 'function') continue;
    const fn = d.value;
    if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) {
      for (const m of Object.getOwnPropertyNames(fn.prototype)) {
        const md = Object.getOwnPropertyDescriptor(fn.prototype, m);
        if (m === 'constructor' || !md || typeof md.value !== 'function' || !md.writable) continue;
        fn.prototype[m] = wrap(`${mod}:${name}.${m}`, md.value);
      }
    } else {
      exp[name] = wrap(`${mod}:${name}`, fn);
    }
  }
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exp = load.apply(this, arguments);
  if (parent && parent.filename && parent.filename.startsWith(ROOT) && request.startsWith('.')) {
    try {
      const file = Module._resolveFilename(request, parent, isMain);
      if (file.startsWith(ROOT)) patch(file, exp);
    } catch {
      // a resolution failure is the loader's business, not the tracer's
    }
  }
  return exp;
};

process.on('SIGUSR2', () => {
  const rows = [...table.entries()].map(([key, r]) => JSON.stringify({ key, n: r.n, ms: +r.ms.toFixed(2) }));
  fs.appendFileSync(OUT, rows.join('\n') + '\n--\n');
  table.clear();
});
