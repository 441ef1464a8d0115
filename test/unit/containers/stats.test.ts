// stats' JSON shape (Docker's StatsResponse) from samples, and update's merge rules.
import { strict as assert } from 'node:assert';
import { pumpStats, statsJson, type StatsSample } from '../../../daemon/containers/stats';
import type { CgroupStats } from '../../../daemon/runtime/cgroup-stats';
import { mergeResources, updateContainer } from '../../../daemon/containers/update';
import type { ContainerRecord } from '../../../daemon/containers/record';

const rec = { Id: 'abc', Name: '/web', HostConfig: {}, State: { Running: true, Pid: 1 } } as unknown as ContainerRecord;

function sample(total: number, system: number): StatsSample {
  return {
    read: new Date(1e12 + total).toISOString(), system, online: 2,
    cg: {
      cpu: { total, percpu: [total, 0], kernel: 10, user: 20, throttling: { periods: 1, throttled_periods: 0, throttled_time: 0 } },
      memory: { usage: 4096, maxUsage: 8192, failcnt: 0, limit: 64 << 20, stats: { total_inactive_file: 1024 } },
      pids: { current: 2, limit: 30 },
      blkio: { serviceBytes: [{ major: 8, minor: 0, op: 'Read', value: 5 }], serviced: [] },
    },
    networks: { eth0: { rx_bytes: 1, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 2, tx_packets: 1, tx_errors: 0, tx_dropped: 0 } },
  };
}

describe('containers: stats JSON', () => {
  it('has Docker\'s keys, precpu from the previous sample', () => {
    const prev = sample(100, 1000);
    const j = statsJson(rec, sample(200, 2000), prev) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(Object.keys(j), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks']);
    assert.equal(j.preread, prev.read);
    assert.deepEqual(j.cpu_stats, { cpu_usage: { total_usage: 200, percpu_usage: [200, 0], usage_in_kernelmode: 10, usage_in_usermode: 20 }, system_cpu_usage: 2000, online_cpus: 2, throttling_data: { periods: 1, throttled_periods: 0, throttled_time: 0 } });
    assert.equal(j.precpu_stats.cpu_usage.total_usage, 100);
    assert.deepEqual(j.memory_stats, { usage: 4096, max_usage: 8192, stats: { total_inactive_file: 1024 }, failcnt: 0, limit: 64 << 20 });
    assert.deepEqual(j.pids_stats, { current: 2, limit: 30 });
    assert.deepEqual(j.blkio_stats.io_service_bytes_recursive, [{ major: 8, minor: 0, op: 'Read', value: 5 }]);
    assert.equal(j.blkio_stats.io_serviced_recursive, null);
    assert.equal(j.name, '/web');
  });

  it('a container that is not running: zero times, empty memory_stats, no networks', () => {
    const j = statsJson(rec, undefined, undefined) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(j.read, '0001-01-01T00:00:00Z');
    assert.deepEqual(j.memory_stats, {});
    assert.equal(j.networks, undefined);
    assert.equal(j.cpu_stats.cpu_usage.total_usage, 0);
  });
});

describe('containers: stats stream through a stop (dockerd: zeroed objects until the client leaves)', () => {
  it('zeroed objects after the stop (the first carries the last sample as precpu), real ones after a restart, the end at removal', async () => {
    const state = { Running: true, Pid: 1 };
    let present = true;
    const live = { ...rec, State: state } as unknown as ContainerRecord;
    let removed: (() => void) | undefined;
    let n = 0;
    const out: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const cg = () => sample(++n * 100, n * 1000).cg;
    const done = pumpStats({
      record: () => (present ? live : undefined),
      runtime: { stats: async (): Promise<CgroupStats> => cg() },
      onRemoved: (fn) => ((removed = fn), () => undefined),
    }, { stream: true, oneShot: false }, (o) => {
      out.push(o);
      // the script of the container's life, one step per object written
      if (out.length === 2) state.Running = false;
      if (out.length === 4) state.Running = true;
      if (out.length === 6) {
        present = false;
        removed?.();
      }
    }, new AbortController().signal, 5);
    await done;
    assert.equal(out.length, 6);
    const total = (o: Record<string, any>, k: string) => o[k].cpu_usage.total_usage; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.ok(total(out[1]!, 'cpu_stats') > 0);
    // stopped: zero read and cpu; the first zero object's precpu is the last real sample
    assert.equal(out[2]!.read, '0001-01-01T00:00:00Z');
    assert.equal(total(out[2]!, 'cpu_stats'), 0);
    assert.equal(total(out[2]!, 'precpu_stats'), total(out[1]!, 'cpu_stats'));
    assert.equal(out[2]!.preread, out[1]!.read);
    assert.equal(total(out[3]!, 'precpu_stats'), 0);
    assert.equal(out[3]!.preread, '0001-01-01T00:00:00Z');
    // running again: real samples, the first with an empty precpu
    assert.ok(total(out[4]!, 'cpu_stats') > 0);
    assert.equal(total(out[4]!, 'precpu_stats'), 0);
    assert.equal(total(out[5]!, 'precpu_stats'), total(out[4]!, 'cpu_stats'));
  });

  it('a stream of a container that never ran gives zeroed objects until the client leaves', async () => {
    const stopped = { ...rec, State: { Running: false, Pid: 0 } } as unknown as ContainerRecord;
    const client = new AbortController();
    let count = 0;
    await pumpStats({ record: () => stopped, runtime: {}, onRemoved: () => () => undefined }, { stream: true, oneShot: false }, (o) => {
      assert.equal(o.read, '0001-01-01T00:00:00Z');
      if (++count === 3) client.abort();
    }, client.signal, 5);
    assert.equal(count, 3);
  });
});

describe('containers: update', () => {
  it('merges as dockerd: zero keeps, PidsLimit -1 clears, memory above the old swap is refused', () => {
    assert.deepEqual(mergeResources({ Memory: 32 << 20, CpuShares: 512 }, { Memory: 0, CpuShares: 256 }), { Memory: 32 << 20, CpuShares: 256 });
    assert.equal(mergeResources({ PidsLimit: 20 }, { PidsLimit: -1 }).PidsLimit, 0);
    assert.throws(() => mergeResources({ Memory: 32 << 20, MemorySwap: 64 << 20 }, { Memory: 128 << 20 }), /update the memoryswap at the same time/);
  });

  it('refuses bad bodies and policies before touching anything', async () => {
    let touched = false;
    const t = {
      get: () => rec,
      updateRecord: async () => { touched = true; },
      runtime: {},
    };
    await assert.rejects(updateContainer(t, 'web', { Memory: '64m' }), /invalid Memory: expected an integer/);
    await assert.rejects(updateContainer(t, 'web', { RestartPolicy: { Name: 'sometimes' } }), /invalid restart policy 'sometimes'/);
    await assert.rejects(updateContainer(t, 'web', { RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }), /only be used with 'on-failure'/);
    assert.equal(touched, false);
  });

  it('keeps the restart policy when the body\'s RestartPolicy has an empty Name (Go clients send the zero struct)', async () => {
    const r = { ...rec, State: { Running: false, Pid: 0 }, HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } } as unknown as ContainerRecord;
    const t = { get: () => r, updateRecord: async (_id: string, fn: (x: ContainerRecord) => Promise<void>) => fn(r), runtime: {} };
    await updateContainer(t, 'web', { Memory: 64 << 20, MemorySwap: 64 << 20, RestartPolicy: { Name: '', MaximumRetryCount: 0 } });
    assert.deepEqual(r.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(r.HostConfig.Memory, 64 << 20);
    await updateContainer(t, 'web', { RestartPolicy: { Name: 'always' } });
    assert.deepEqual(r.HostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
  });
});
