/**
 * What the test checks on the host about a running task, beyond what Nomad reads from the API:
 * that the limits in the create body reached the kernel (the task's cgroups, found from
 * /proc/<pid>/cgroup as any tool would, not from berth's layout), that CAP_NET_RAW is gone,
 * that the task's environment and network namespace are what Nomad asked for, and that the
 * json-file options rotated the log.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The cgroup directory of `pid` for a v1 controller, or the v2 unified one. */
export function cgroupDir(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const l of lines) {
    const [, ctrls, p] = l.split(':');
    if (ctrls?.split(',').includes(controller)) return path.join('/sys/fs/cgroup', controller, p ?? '');
  }
  const unified = lines.find((l) => l.startsWith('0::'));
  if (unified && existsSync('/sys/fs/cgroup/cgroup.controllers')) return path.join('/sys/fs/cgroup', unified.slice(3));
  throw new Error(`no ${controller} cgroup for pid ${pid}: ${lines.join(' | ')}`);
}

function read(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8').trim();
}

const cgroup2 = (): boolean => existsSync('/sys/fs/cgroup/cgroup.controllers');

/** Memory = MemorySwap (no swap), PidsLimit, CpuShares, CpusetCpus as the kernel sees them. */
export function checkLimits(pid: number, want: { memory: number; pids: number; cpuShares: number; cpuset: string }): void {
  if (cgroup2()) {
    const dir = cgroupDir(pid, 'memory');
    assert.equal(Number(read(dir, 'memory.max')), want.memory, 'memory.max');
    assert.equal(read(dir, 'memory.swap.max'), '0', 'memory.swap.max: MemorySwap = Memory means no swap');
    assert.equal(read(dir, 'pids.max'), String(want.pids), 'pids.max');
    // Docker's shares → weight conversion (1 + (shares-2)*9999/262142).
    assert.equal(Number(read(dir, 'cpu.weight')), Math.floor(1 + ((want.cpuShares - 2) * 9999) / 262142), 'cpu.weight');
    if (want.cpuset) assert.equal(read(dir, 'cpuset.cpus'), want.cpuset, 'cpuset.cpus');
    return;
  }
  const mem = cgroupDir(pid, 'memory');
  assert.equal(Number(read(mem, 'memory.limit_in_bytes')), want.memory, 'memory.limit_in_bytes');
  if (existsSync(path.join(mem, 'memory.memsw.limit_in_bytes'))) {
    assert.equal(Number(read(mem, 'memory.memsw.limit_in_bytes')), want.memory, 'memory.memsw.limit_in_bytes: MemorySwap = Memory');
  }
  assert.equal(read(mem, 'memory.swappiness'), '0', 'memory.swappiness (MemorySwappiness 0)');
  assert.equal(read(cgroupDir(pid, 'pids'), 'pids.max'), String(want.pids), 'pids.max');
  assert.equal(Number(read(cgroupDir(pid, 'cpu'), 'cpu.shares')), want.cpuShares, 'cpu.shares');
  if (want.cpuset) assert.equal(read(cgroupDir(pid, 'cpuset'), 'cpuset.cpus'), want.cpuset, 'cpuset.cpus');
}

const CAP_NET_RAW = 13n;
const CAP_CHOWN = 0n;

/** CapDrop [CAP_NET_RAW]: gone from the effective and bounding sets; the other defaults stay. */
export function checkCaps(pid: number): void {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  for (const set of ['CapEff', 'CapBnd']) {
    const m = new RegExp(`^${set}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    assert.ok(m, `${set} in /proc/${pid}/status`);
    const bits = BigInt('0x' + m[1]);
    assert.equal((bits >> CAP_NET_RAW) & 1n, 0n, `${set} still has CAP_NET_RAW`);
    assert.equal((bits >> CAP_CHOWN) & 1n, 1n, `${set} lost CAP_CHOWN (a default Nomad keeps)`);
  }
}

/** The task's environment holds the NOMAD_* variables of the create body. */
export function checkEnv(pid: number, want: Record<string, string>): void {
  const env = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((e) => {
    const i = e.indexOf('=');
    return [e.slice(0, i), e.slice(i + 1)];
  }));
  for (const [k, v] of Object.entries(want)) assert.equal(env[k], v, `task env ${k}`);
}

/** The network namespace inode of a process ("net:[4026532...]"). */
export function netnsOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

/** A SandboxKey names a file that is the same namespace as the process's (bind-mounted nsfs). */
export function sameNetns(sandboxKey: string, pid: number): boolean {
  const st = statSync(sandboxKey);
  return `net:[${st.ino}]` === netnsOf(pid);
}

/**
 * json-file max-size=2m max-file=2 honoured: the current file and one rotated file, each at
 * most 2 MB (plus the entry that crossed the line), and no third.
 */
export function checkRotation(logPath: string): void {
  const max = 2_000_000; // units.FromHumanSize("2m"): decimal
  assert.ok(existsSync(logPath), `LogPath ${logPath} exists`);
  assert.ok(existsSync(`${logPath}.1`), `${logPath}.1: a 5 MB burst must have rotated the log`);
  assert.ok(!existsSync(`${logPath}.2`), `${logPath}.2 exists: max-file=2 keeps two files`);
  for (const f of [logPath, `${logPath}.1`]) {
    const size = statSync(f).size;
    assert.ok(size <= max + 4096, `${f} is ${size} bytes, over max-size=2m`);
  }
}
