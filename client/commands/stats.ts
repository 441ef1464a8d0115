/**
 * `berth stats [--no-stream] [CONTAINER...]`: CPU %, memory, network and block I/O, pids, as
 * the docker CLI prints them (its formulas: CPU % from the delta to precpu_stats, memory less
 * the inactive file cache). Without names: every running container.
 */
import { parseFlags } from '../flags';
import { bytesSize, humanSizeWithPrecision, shortId, tabwrite } from '../format';
import type { CommandContext } from '../main';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function statsRow(s: Obj): string[] {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPct = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
  const mem = s.memory_stats ?? {};
  const st = mem.stats ?? {};
  const inactive = st.total_inactive_file ?? st.inactive_file ?? 0;
  const used = Math.max(0, (mem.usage ?? 0) - (inactive < (mem.usage ?? 0) ? inactive : 0));
  const limit = mem.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values((s.networks ?? {}) as Record<string, Obj>)) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let rd = 0;
  let wr = 0;
  for (const e of (s.blkio_stats?.io_service_bytes_recursive ?? []) as Obj[]) {
    const op = String(e.op).toLowerCase();
    if (op === 'read') rd += e.value ?? 0;
    if (op === 'write') wr += e.value ?? 0;
  }
  const hs = (n: number) => humanSizeWithPrecision(n, 3);
  return [
    shortId(String(s.id ?? '')), String(s.name ?? '').replace(/^\//, ''), `${cpuPct.toFixed(2)}%`,
    `${bytesSize(used)} / ${bytesSize(limit)}`, `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    `${hs(rx)} / ${hs(tx)}`, `${hs(rd)} / ${hs(wr)}`, String(s.pids_stats?.current ?? 0),
  ];
}

const HEADER = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, { 'no-stream': { type: 'bool' }, all: { type: 'bool', short: 'a' } });
  if (p.help) {
    process.stdout.write('Usage:  berth stats [OPTIONS] [CONTAINER...]\n\nDisplay a live stream of container(s) resource usage statistics\n\nOptions:\n  -a, --all         Show all containers (default shows just running)\n      --no-stream   Disable streaming stats and only pull the first result\n');
    return;
  }
  let names = p.args;
  if (names.length === 0) {
    const list = await client.json<{ Id: string }[]>('/containers/json', { query: { all: p.bools.all ? '1' : undefined } });
    names = list.map((c) => c.Id);
  }
  const rows = new Map<string, string[]>();
  const print = () => {
    const lines = [HEADER, ...names.map((n) => rows.get(n)).filter((r): r is string[] => !!r)].map((r) => r.join('\t'));
    if (!p.bools['no-stream'] && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    process.stdout.write(tabwrite(lines, 10, 3));
  };
  if (p.bools['no-stream']) {
    let failed = 0;
    for (const n of names) {
      try {
        rows.set(n, statsRow(await client.json<Obj>(`/containers/${encodeURIComponent(n)}/stats`, { query: { stream: '0' } })));
      } catch (err) {
        failed++;
        process.stderr.write(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    print();
    return failed ? 1 : 0;
  }
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      print();
    }, 200);
  };
  await Promise.all(names.map((n) => client.stream(`/containers/${encodeURIComponent(n)}/stats`, { query: { stream: '1' } }, (m) => {
    rows.set(n, statsRow(m));
    schedule();
  })));
  if (timer) clearTimeout(timer);
  print();
}
