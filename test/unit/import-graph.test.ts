/**
 * DESIGN.md §2, "what may import what", checked over the TypeScript sources (not dist/, which
 * can hold output of deleted files): static imports, re-exports, import() and require().
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/proc';

const ROOT = repoRoot();
const SOURCE_DIRS = ['daemon', 'client', 'native'];

/** Module specifiers a source text imports (comments removed first). */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [
    /\bfrom\s+['"]([^'"]+)['"]/g, // import … from 'x', export … from 'x'
    /^\s*import\s+['"]([^'"]+)['"]/gm, // import 'x'
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x'), require('x')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1] as string);
  return found;
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(ROOT, dir));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const rel = `${dir}/${n}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...walk(rel));
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

interface Edge {
  from: string; // repo-relative file, e.g. daemon/main.ts
  to: string; // repo-relative module without extension, e.g. daemon/config
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of SOURCE_DIRS.flatMap(walk)) {
    for (const spec of specifiers(readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue; // packages and node: builtins
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.(js|ts)$/, '').replace(/\/index$/, '');
      out.push({ from: file, to });
    }
  }
  return out;
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir + '/');
const show = (bad: Edge[]): string => bad.map((e) => `${e.from} → ${e.to}`).join('\n');

describe('unit: import graph (DESIGN.md §2)', function () {
  const graph = edges();

  it('the scanner finds static, type-only, dynamic and multi-line imports', function () {
    const text = `/* import { x } from './in-comment' */\nimport type { A } from './a';\nimport {\n  b,\n} from "./b";\nexport * from './c';\nimport './d';\nconst e = await import('./e');\nconst f = require('./f');\n// const g = require('./g');\n`;
    assert.deepEqual(specifiers(text).sort(), ['./a', './b', './c', './d', './e', './f']);
    assert.ok(graph.some((e) => e.from === 'daemon/main.ts' && e.to === 'daemon/config'), 'daemon/main.ts → daemon/config not found');
  });

  it('client/ never imports daemon/ (except daemon/version-info)', function () {
    const bad = graph.filter((e) => under(e.from, 'client') && under(e.to, 'daemon') && e.to !== 'daemon/version-info');
    assert.equal(bad.length, 0, `client code must talk to the daemon over HTTP only:\n${show(bad)}`);
  });

  it('services (daemon/images, build, containers) never import daemon/api/', function () {
    const services = ['daemon/images', 'daemon/build', 'daemon/containers'];
    const bad = graph.filter((e) => services.some((s) => under(e.from, s)) && under(e.to, 'daemon/api'));
    assert.equal(bad.length, 0, `services must not depend on the HTTP layer:\n${show(bad)}`);
  });

  it('only daemon/runtime/ and daemon/layers/ (and the composition root, for sd_notify) import native/ffi', function () {
    const allowed = ['daemon/runtime', 'daemon/layers', 'native/ffi'];
    // daemon/main.ts wires native/ffi/sd-notify into daemon/notify's injected transport.
    const bad = graph.filter((e) => under(e.to, 'native/ffi') && !allowed.some((a) => under(e.from, a)) && !(e.from === 'daemon/main.ts' && e.to === 'native/ffi/sd-notify'));
    assert.equal(bad.length, 0, `native/ffi is for daemon/runtime and daemon/layers only:
${show(bad)}`);
  });

  it('daemon/oci/ imports nothing from store, registry, runtime or api', function () {
    const banned = ['daemon/store', 'daemon/registry', 'daemon/runtime', 'daemon/api'];
    const bad = graph.filter((e) => under(e.from, 'daemon/oci') && banned.some((b) => under(e.to, b)));
    assert.equal(bad.length, 0, `daemon/oci is pure data:\n${show(bad)}`);
  });
});
