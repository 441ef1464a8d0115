// Resource limits: Docker's validation, and the control-file writes under v1 and v2, checked
// against a fake cgroup root (a temp dir holding the files the kernel would offer).
import { strict as assert } from 'node:assert';
import { mkdtempSync, promises as fs, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CgroupsV1, CgroupsV2 } from '../../../daemon/runtime/cgroups';
import { blkioToIoWeight, hasLimits, sharesToWeight, validateResources, v1Writes, v2Writes, parseCpuset } from '../../../daemon/runtime/resources';
import { keyValues, parseIoStat, parseNetDev, parseV1Blkio } from '../../../daemon/runtime/cgroup-stats';
import type { DeviceBpf } from '../../../native/ffi';

const host = { cpus: 2, cpusetCpus: '0-1', cpusetMems: '0' };
const MB = 1024 * 1024;

describe('runtime: resource validation (Docker\'s messages)', () => {
  const refuses = (r: Parameters<typeof validateResources>[0], msg: string) =>
    assert.throws(() => validateResources(r, host, 1), (e: Error & { kind?: string }) => e.message === msg && e.kind === 'InvalidParameter');

  it('refuses what dockerd refuses', () => {
    refuses({ Memory: 4 * MB }, 'Minimum memory limit allowed is 6MB');
    refuses({ Memory: 32 * MB, MemorySwap: 16 * MB }, 'Minimum memoryswap limit should be larger than memory limit, see usage');
    refuses({ MemorySwap: 16 * MB }, 'You should always set the Memory limit when using Memoryswap limit, see usage');
    refuses({ MemoryReservation: MB }, 'Minimum memory reservation allowed is 6MB');
    refuses({ Memory: 16 * MB, MemoryReservation: 32 * MB }, 'Minimum memory limit can not be less than memory reservation limit, see usage');
    refuses({ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    refuses({ NanoCpus: 1e9, CpuPeriod: 100000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
    refuses({ NanoCpus: 1e9, CpuQuota: 100000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    refuses({ CpuPeriod: 999 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    refuses({ CpuQuota: 999 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    refuses({ CpusetCpus: '0-3' }, 'Requested CPUs are not available - requested 0-3, available: 0-1');
    refuses({ CpusetCpus: 'x' }, 'Invalid value x for cpuset cpus');
    refuses({ CpusetMems: '1' }, 'Requested memory nodes are not available - requested 1, available: 0');
    refuses({ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000');
    refuses({ MemorySwappiness: 101 }, 'Invalid value: 101, valid memory swappiness range is 0-100');
  });

  it('accepts Docker\'s defaults and sentinels; warns as Docker does', () => {
    assert.deepEqual(validateResources({ Memory: 0, MemorySwap: -1, PidsLimit: -1, MemorySwappiness: -1, CpuQuota: -1 }, host, 1), []);
    assert.deepEqual(validateResources({ CpuShares: 1 }, host, 1), ['Changing requested CPUShares of 1 to minimum allowed of 2']);
    assert.equal(validateResources({ Memory: 8 * MB, OomKillDisable: true }, host, 2)[0], 'Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    assert.equal(hasLimits({ Memory: 0, PidsLimit: 0, MemorySwappiness: 60 }), false);
    assert.equal(hasLimits({ PidsLimit: 5 }), true);
    assert.deepEqual([...(parseCpuset('0-2,5') ?? [])], [0, 1, 2, 5]);
  });
});

describe('runtime: cgroup writes', () => {
  const all = () => true;
  it('v1: memsw opened before the limit, Docker\'s 2x swap default, cpus as quota over 100 ms', () => {
    const w = v1Writes({ Memory: 64 * MB, NanoCpus: 5e8, PidsLimit: 50, CpuShares: 512 }, all).map((x) => `${x.ctrl}/${x.file}=${x.value}`);
    assert.deepEqual(w.slice(0, 3), ['memory/memory.memsw.limit_in_bytes=-1', `memory/memory.limit_in_bytes=${64 * MB}`, `memory/memory.memsw.limit_in_bytes=${128 * MB}`]);
    assert.ok(w.includes('cpu/cpu.cfs_quota_us=50000') && w.includes('cpu/cpu.cfs_period_us=100000') && w.includes('cpu/cpu.shares=512'));
    assert.ok(w.includes('pids/pids.max=50'));
    // no swap accounting: memsw is left alone
    assert.ok(!v1Writes({ Memory: 64 * MB }, (_c, f) => !f.includes('memsw')).some((x) => x.file.includes('memsw')));
  });

  it('v2: translations (swap counts swap alone, shares -> weight, blkio -> io.weight)', () => {
    const w = Object.fromEntries(v2Writes({ Memory: 64 * MB, MemorySwap: 96 * MB, CpuQuota: 20000, CpuPeriod: 50000, CpuShares: 1024, BlkioWeight: 500 }, all).map((x) => [x.file, x.value]));
    assert.equal(w['memory.max'], String(64 * MB));
    assert.equal(w['memory.swap.max'], String(32 * MB));
    assert.equal(w['cpu.max'], '20000 50000');
    assert.equal(w['cpu.weight'], String(sharesToWeight(1024)));
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(262144), 10000);
    assert.equal(w['io.weight'], `default ${blkioToIoWeight(500)}`);
    const cleared = Object.fromEntries(v2Writes({}, all).map((x) => [x.file, x.value]));
    assert.deepEqual(cleared, { 'memory.max': 'max', 'memory.swap.max': 'max', 'memory.low': '0', 'cpu.weight': '100', 'cpu.max': 'max 100000', 'pids.max': 'max' });
  });

  const noBpf = {} as DeviceBpf;
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'berth-cg-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('v2 over a fake root: delegates controllers, writes each file in the container\'s directory', async () => {
    const cg = new CgroupsV2(root, noBpf);
    writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
    const [dir] = await cg.create(await cg.place('c1'));
    assert.equal(dir, path.join(root, 'berth', 'c1'));
    for (const f of ['memory.max', 'memory.swap.max', 'memory.low', 'cpu.weight', 'cpu.max', 'pids.max', 'cpuset.cpus', 'memory.events']) writeFileSync(path.join(dir as string, f), '');
    await cg.setResources(await cg.place('c1'), { Memory: 32 * MB, NanoCpus: 1.5e9, PidsLimit: 7, CpusetCpus: '1' });
    const rd = (f: string) => readFileSync(path.join(dir as string, f), 'utf8');
    assert.equal(rd('memory.max'), String(32 * MB));
    assert.equal(rd('memory.swap.max'), String(32 * MB));
    assert.equal(rd('cpu.max'), '150000 100000');
    assert.equal(rd('pids.max'), '7');
    assert.equal(rd('cpuset.cpus'), '1');
    assert.deepEqual(await cg.views(await cg.place('c1')), [['', dir]]);
    writeFileSync(path.join(dir as string, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    assert.equal(await cg.oomKills(await cg.place('c1')), 1);
    // a limit whose controller is not delegated is refused, not dropped
    await fs.rm(path.join(dir as string, 'pids.max'));
    await assert.rejects(cg.setResources(await cg.place('c1'), { PidsLimit: 3 }), /does not delegate the pids controller/);
  });

  it('v1 over a fake root: one directory per hierarchy, cpuset inherited, OOM kills counted', async () => {
    for (const c of ['memory', 'cpu', 'pids', 'cpuset']) mkdirSync(path.join(root, c));
    writeFileSync(path.join(root, 'cpuset', 'cpuset.cpus'), '0-1');
    writeFileSync(path.join(root, 'cpuset', 'cpuset.mems'), '0');
    mkdirSync(path.join(root, 'cpuset', 'berth', 'c2'), { recursive: true });
    for (const d of ['berth', 'berth/c2']) for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(path.join(root, 'cpuset', d, f), '');
    const cg = new CgroupsV1(root, ['memory', 'cpu', 'pids', 'cpuset']);
    await cg.create(await cg.place('c2'));
    assert.equal(readFileSync(path.join(root, 'cpuset/berth/c2/cpuset.cpus'), 'utf8'), '0-1');
    for (const f of ['memory/berth/c2/memory.limit_in_bytes', 'memory/berth/c2/memory.oom_control', 'pids/berth/c2/pids.max', 'cpu/berth/c2/cpu.shares']) writeFileSync(path.join(root, f), '');
    await cg.setResources(await cg.place('c2'), { Memory: 16 * MB, PidsLimit: 9, CpuShares: 100 });
    assert.equal(readFileSync(path.join(root, 'memory/berth/c2/memory.limit_in_bytes'), 'utf8'), String(16 * MB));
    assert.equal(readFileSync(path.join(root, 'pids/berth/c2/pids.max'), 'utf8'), '9');
    assert.equal(readFileSync(path.join(root, 'cpu/berth/c2/cpu.shares'), 'utf8'), '100');
    writeFileSync(path.join(root, 'memory/berth/c2/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    assert.equal(await cg.oomKills(await cg.place('c2')), 2);
    assert.deepEqual((await cg.views(await cg.place('c2'))).map(([n]) => n), ['memory', 'cpu', 'pids', 'cpuset']);
  });
});

describe('runtime: stats parsing', () => {
  it('reads memory.stat, blkio, io.stat and /proc/PID/net/dev', () => {
    assert.deepEqual(keyValues('cache 4096\nrss 8192\nbad x\n'), { cache: 4096, rss: 8192 });
    assert.deepEqual(parseV1Blkio('8:0 Read 10\n8:0 Write 20\n8:0 Total 30\nTotal 30\n'), [
      { major: 8, minor: 0, op: 'Read', value: 10 }, { major: 8, minor: 0, op: 'Write', value: 20 }]);
    const io = parseIoStat('253:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n');
    assert.deepEqual(io.serviceBytes, [{ major: 253, minor: 0, op: 'read', value: 100 }, { major: 253, minor: 0, op: 'write', value: 200 }]);
    const net = parseNetDev('Inter-|   Receive\n face |bytes\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n');
    assert.deepEqual(Object.keys(net), ['eth0']);
    assert.deepEqual(net.eth0, { rx_bytes: 1000, rx_packets: 10, rx_errors: 1, rx_dropped: 2, tx_bytes: 2000, tx_packets: 20, tx_errors: 3, tx_dropped: 4 });
  });
});
