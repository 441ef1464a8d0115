/**
 * bench/run-api: the `docker run --rm IMAGE true` sequence through the Engine API with a warm
 * client (one process, keep-alive connections): create → wait (headers) → start → wait result
 * → remove, N times; then M containers started concurrently with create+start (`run -d`).
 * Prints JSON: per-phase medians (ms) and the concurrent batch's wall time.
 *
 * Usage: node dist/bench/run-api.js SOCKET IMAGE [N=100] [M=50]
 *        node dist/bench/run-api.js SOCKET IMAGE serve
 * In serve mode (what bench/run.sh uses, to interleave this client with the other candidates
 * while it stays warm) each stdin line "once" runs one create→start→wait→remove and prints
 * its phases as one JSON line; "concurrent M" starts M `sleep 60` containers at once, prints
 * {"wallMs"}, then force-removes them. BENCH_API (default v1.41, what dockerd 20.10 speaks)
 * prefixes the paths, so the same client can drive berthd and dockerd. BENCH_NET sets
 * HostConfig.NetworkMode (unset: the daemon's default bridge; "none": loopback only); in serve
 * mode "once none" / "concurrent 50 none" pick it per line.
 */
import * as http from 'node:http';
import * as readline from 'node:readline';

const [socketPath = '', image = 'busybox', nArg = '100', mArg = '50'] = process.argv.slice(2);
const api = process.env.BENCH_API ?? 'v1.41';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Res { status: number; body: string }

function call(method: string, path: string, body?: unknown, onHeaders?: () => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ socketPath, agent, method, path: `/${api}${path}`, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} }, (res) => {
      onHeaders?.();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function must(r: Res, what: string): Res {
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.body}`);
  return r;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;

const defaultNet = process.env.BENCH_NET;
const hostConfig = (net: string | undefined) => (net ? { NetworkMode: net } : {});

async function once(net = defaultNet): Promise<Record<string, number>> {
  const t0 = performance.now();
  const { Id } = JSON.parse(must(await call('POST', '/containers/create', { Image: image, Cmd: ['true'], HostConfig: { AutoRemove: false, ...hostConfig(net) } }), 'create').body) as { Id: string };
  const t1 = performance.now();
  let headers!: () => void;
  const waitHeaders = new Promise<void>((r) => (headers = r));
  const waited = call('POST', `/containers/${Id}/wait?condition=next-exit`, undefined, headers);
  await waitHeaders;
  must(await call('POST', `/containers/${Id}/start`), 'start');
  const t2 = performance.now();
  must(await waited, 'wait');
  const t3 = performance.now();
  must(await call('DELETE', `/containers/${Id}`), 'remove');
  const t4 = performance.now();
  return { create: t1 - t0, start: t2 - t1, waitExit: t3 - t2, remove: t4 - t3, total: t4 - t0 };
}

async function concurrent(m: number, net = defaultNet): Promise<number> {
  const c0 = performance.now();
  const ids = await Promise.all(Array.from({ length: m }, async () => {
    const { Id } = JSON.parse(must(await call('POST', '/containers/create', { Image: image, Cmd: ['sleep', '60'], HostConfig: hostConfig(net) }), 'create').body) as { Id: string };
    must(await call('POST', `/containers/${Id}/start`), 'start');
    return Id;
  }));
  const wallMs = performance.now() - c0;
  await Promise.all(ids.map((id) => call('DELETE', `/containers/${id}?force=1`)));
  return wallMs;
}

async function serve(): Promise<void> {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [cmd, a1, a2] = line.trim().split(/\s+/);
    const out = cmd === 'concurrent' ? { wallMs: await concurrent(Number(a1 ?? 50), a2 ?? defaultNet) } : await once(a1 ?? defaultNet);
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  agent.destroy();
}

async function main(): Promise<void> {
  if (nArg === 'serve') return serve();
  const n = Number(nArg);
  const m = Number(mArg);
  for (let i = 0; i < 5; i++) await once(); // warm-up
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < n; i++) runs.push(await once());
  const phases = Object.fromEntries(['create', 'start', 'waitExit', 'remove', 'total'].map((k) => [k, +median(runs.map((r) => r[k] ?? 0)).toFixed(2)]));
  const totals = runs.map((r) => r.total ?? 0);

  const concurrentMs = await concurrent(m);
  process.stdout.write(JSON.stringify({ n, medianMs: phases, p95TotalMs: +p95(totals).toFixed(2), concurrent: { m, wallMs: +concurrentMs.toFixed(1) } }) + '\n');
  agent.destroy();
}

main().catch((err) => {
  process.stderr.write(`run-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
