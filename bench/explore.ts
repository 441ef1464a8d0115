/**
 * How fast `image explore` is on a 200 MB, 20,000-file image (bench/pull-image.ts's image,
 * 4 layers, loaded into a fresh berthd with `berth load`), and what recording the file index
 * adds when a layer is stored. Usage (after `npm run build`, as root):
 *   node dist/bench/explore.js [ROUNDS=5]
 * Prints a markdown table of medians (min–max) for bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { walkLayer } from '../daemon/layers/file-index';
import { startDaemon, type TestDaemon } from '../test/support';

function get(socket: string, p: string): Promise<{ ms: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http.get({ socketPath: socket, path: p }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${p}: HTTP ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes });
      });
    }).on('error', reject);
  });
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)] ?? 0;
  return `${med.toFixed(0)} ms (${(s[0] ?? 0).toFixed(0)}–${(s[s.length - 1] ?? 0).toFixed(0)})`;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-explore-'));
  let d: TestDaemon | undefined;
  try {
    const layout = path.join(work, 'layout');
    execFileSync(process.execPath, [path.join(__dirname, 'pull-image.js'), layout, '200', '20000', '4'], { stdio: 'inherit' });
    const tar = path.join(work, 'image.tar');
    execFileSync('skopeo', ['copy', '-q', `oci:${layout}:bench`, `docker-archive:${tar}:bench:latest`]);
    d = await startDaemon();
    const load = await d.berth(['load', '-i', tar], { timeoutMs: 600_000 });
    if (load.code !== 0) throw new Error(`load failed: ${load.stderr}`);
    const report = JSON.parse((await d.berth(['image', 'explore', '--format', 'json', 'bench'])).stdout) as { Size: number; Layers: { ChainID: string; Entries: number }[] };
    const files = report.Layers.reduce((n, l) => n + l.Entries, 0);
    const layerDirs = report.Layers.map((l) => path.join(d!.dataRoot, 'layers', l.ChainID.slice(7)));

    const rows: [string, string][] = [];
    const walk: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      for (const dir of layerDirs) walkLayer(path.join(dir, 'diff'));
      walk.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    rows.push(['recording the file indexes (walk + sha256 of every file, all 4 layers, one thread)', stats(walk)]);

    const api = '/berth/v1/images/bench/layers';
    const cold: number[] = [];
    const warm: number[] = [];
    const trees: number[] = [];
    const imageTree: number[] = [];
    let treeBytes = 0;
    for (let i = 0; i < rounds; i++) {
      await d.restart();
      cold.push((await get(d.socket, api)).ms);
      warm.push((await get(d.socket, api)).ms);
      const t = await get(d.socket, `${api}?tree=1&limit=0`);
      trees.push(t.ms);
      treeBytes = t.bytes;
      imageTree.push((await get(d.socket, `${api}/3/tree?view=image`)).ms);
    }
    rows.push(['`GET …/layers` first request after a daemon start (reads the recorded indexes)', stats(cold)]);
    rows.push(['`GET …/layers` again (analysis cached per image)', stats(warm)]);
    rows.push([`\`GET …/layers?tree=1&limit=0\` (every layer's change tree, ${(treeBytes / 1e6).toFixed(1)} MB of JSON)`, stats(trees)]);
    rows.push(['`GET …/layers/3/tree?view=image` (the whole image after the top layer)', stats(imageTree)]);

    const ci: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      const r = await d.berth(['image', 'explore', '--ci', '--highest-user-wasted-percent', 'disabled', 'bench']);
      ci.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.code !== 0) throw new Error(`--ci failed: ${r.stdout} ${r.stderr}`);
    }
    rows.push(['`berth image explore --ci bench`, CLI process end to end (warm daemon)', stats(ci)]);

    const lazy: number[] = [];
    for (let i = 0; i < rounds; i++) {
      for (const dir of layerDirs) fs.rmSync(path.join(dir, 'index.json'), { force: true });
      await d.restart();
      lazy.push((await get(d.socket, api)).ms);
    }
    rows.push(['`GET …/layers` for layers stored without an index (built on first use, 4 worker threads)', stats(lazy)]);

    const check: number[] = [];
    for (let i = 0; i < Math.min(rounds, 3); i++) {
      const t0 = process.hrtime.bigint();
      const r = await d.berth(['system', 'check', '--format', 'json'], { timeoutMs: 600_000 });
      check.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (![0, 1].includes(r.code ?? -1)) throw new Error(`check failed: ${r.stderr}`);
    }
    rows.push(['`berth system check` on this store (re-hashes every blob and every layer file)', stats(check)]);

    process.stdout.write(`\nImage: ${(report.Size / 1e6).toFixed(0)} MB in ${files} files, ${report.Layers.length} layers; ${rounds} rounds; ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}\n\n`);
    process.stdout.write('| what | median (min–max) |\n|:---|---:|\n');
    for (const [k, v] of rows) process.stdout.write(`| ${k} | ${v} |\n`);
  } finally {
    await d?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
