#!/usr/bin/env node
/**
 * bench/cli.sh helper: builds single-file esbuild bundles of the CLI and of the daemon into
 * dist/bench-bundle/ so the bench can time them against tsc's per-file output in dist/. They
 * are measurements only: bin/berth and bin/berthd do not use them (bench/RESULTS.md, "CLI
 * start-up", says why). dist/bench-bundle/ sits two levels under the repo like dist/client/,
 * so __dirname-relative look-ups (package.json, native/helper/build) resolve as in dist/.
 *
 * esbuild (devDependency): the widely used, well-kept bundler that reads TypeScript directly
 * and ships its binary inside its npm package (no network at build time).
 *
 *   node bench/cli-bundle.js      # prints the two output paths
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'bench-bundle');

// esbuild keys the modules of a glob require (`require(`./commands/${name}`)`) by file name
// with its extension, while the code asks without one: accept both spellings.
function patchGlob(file) {
  const code = fs.readFileSync(file, 'utf8');
  const re = /var __glob = \(map\) => \((\w+)\) => \{\n  var fn = map\[\1\];/;
  if (!code.includes('__glob(')) return;
  if (!re.test(code)) throw new Error(`esbuild's __glob helper changed shape in ${file}`);
  fs.writeFileSync(file, code.replace(re, (_m, p) => `var __glob = (map) => (${p}) => {\n  var fn = map[${p}] || map[${p} + ".ts"];`));
}

const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', logLevel: 'error' };
const cli = path.join(OUT, 'berth.js');
const daemon = path.join(OUT, 'berthd.js');
// The CLI's npm packages (tar, dockerignore: `berth build` only) stay in node_modules.
esbuild.buildSync({ ...common, entryPoints: ['client/main.ts'], outfile: cli, packages: 'external' });
// The daemon's are bundled (express alone is ~60 files), except koffi's native addon.
esbuild.buildSync({ ...common, entryPoints: ['daemon/main.ts'], outfile: daemon, external: ['koffi'] });
patchGlob(cli);
patchGlob(daemon);
process.stdout.write(`${cli}\n${daemon}\n`);
