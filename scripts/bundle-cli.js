#!/usr/bin/env node
/**
 * Build step (`npm run build`, after tsc): bundles the `berth` CLI into one file,
 * dist/cli/berth.js, and primes its V8 code cache (dist/cli/berth.js.cache). client/launch.ts
 * runs it; see there for why. bench/RESULTS.md ("CLI start-up") has the numbers.
 *
 * Why esbuild: it is the well-kept, widely used bundler that understands TypeScript and
 * CommonJS without a plugin stack, needs no network at build time (its binary comes inside an
 * npm package), and bundles the lazy `require(`./commands/${name}`)` of client/main.ts as a
 * glob: every command is in the file, but each module's body runs only when required, so the
 * lazy loading of the design survives bundling. New files under client/commands/ are picked
 * up without any change here.
 *
 * npm packages stay external (`packages: 'external'`): today only `berth build` uses any (tar,
 * @balena/dockerignore), and require()d from node_modules on first use they cost the other
 * commands nothing.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli', 'berth.js');
const CACHE = `${OUT}.cache`;

function fail(message) {
  process.stderr.write(`bundle-cli: ${message}\n`);
  process.exit(1);
}

esbuild.buildSync({
  absWorkingDir: ROOT,
  entryPoints: ['client/main.ts'],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
});

// esbuild keys a glob require's modules by file name with the extension (`./commands/ps.ts`)
// while the code asks for `./commands/ps` (which is what Node resolves in dist/). Teach the
// helper both spellings, and make a miss look like Node's (client/commands/image.ts checks for
// MODULE_NOT_FOUND). The build fails if esbuild ever changes the helper's shape.
let code = fs.readFileSync(OUT, 'utf8');
const GLOB = /var __glob = \(map\) => \((\w+)\) => \{\n  var fn = map\[\1\];\n  if \(fn\) return fn\(\);\n  throw new Error\(("Module not found in bundle: ") \+ \1\);\n\};/;
if (code.includes('__glob(')) {
  if (!GLOB.test(code)) fail("esbuild's __glob helper changed shape; update the patch in scripts/bundle-cli.js");
  code = code.replace(
    GLOB,
    (_m, p, msg) =>
      `var __glob = (map) => (${p}) => {\n  var fn = map[${p}] || map[${p} + ".ts"];\n  if (fn) return fn();\n` +
      `  throw Object.assign(new Error(${msg} + ${p}), { code: "MODULE_NOT_FOUND" });\n};`,
  );
  fs.writeFileSync(OUT, code);
}

// A cache from an older bundle must never be used (V8 checks only the source's length); the
// first run below writes a fresh one. It also proves the bundle starts.
fs.rmSync(CACHE, { force: true });
const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'berth'), '--help'], { encoding: 'utf8' });
if (r.status !== 0 || !r.stdout.includes('Usage: berth')) fail(`the bundled CLI does not start:\n${r.stderr}`);
if (!fs.existsSync(CACHE)) fail(`no code cache was written to ${CACHE}`);
