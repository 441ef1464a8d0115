// tmpfs volumes: mounted by the first running user, unmounted by the last (Docker's local
// driver's active count), swept after a restart when no running container uses them.
import { strict as assert } from 'node:assert';
import { ActiveMounts } from '../../../daemon/volumes/active-mounts';
import { splitMountOptions, type VolumeMounter } from '../../../daemon/runtime/volume-mount';

function fakeMounter(): VolumeMounter & { mounted: Set<string>; calls: string[] } {
  const mounted = new Set<string>();
  const calls: string[] = [];
  return {
    mounted, calls,
    async mountTmpfs(dir, options) {
      if (options.includes('fail')) throw new Error('mount refused');
      calls.push(`mount ${dir} ${options}`);
      mounted.add(dir);
    },
    async unmount(dir) {
      calls.push(`umount ${dir}`);
      mounted.delete(dir);
    },
    async mountedUnder(root) {
      return [...mounted].filter((p) => p.startsWith(root + '/'));
    },
  };
}

const vol = (name: string, options = 'size=1m') => ({ name, dataDir: `/v/${name}/_data`, options });
const dirOf = (n: string) => `/v/${n}/_data`;

describe('volumes: tmpfs volumes shared by their running users', () => {
  it('mounts at the first user, unmounts after the last; idempotent per container', async () => {
    const m = fakeMounter();
    const a = new ActiveMounts(m);
    await a.activate('c1', [vol('t')]);
    await a.activate('c2', [vol('t')]);
    await a.activate('c2', [vol('t')]);
    assert.deepEqual(m.calls, ['mount /v/t/_data size=1m']);
    await a.release('c1', dirOf);
    assert.equal(m.mounted.has('/v/t/_data'), true);
    await a.release('c2', dirOf);
    await a.release('c2', dirOf);
    assert.deepEqual(m.calls, ['mount /v/t/_data size=1m', 'umount /v/t/_data']);
  });

  it('a failed mount leaves nothing mounted for that container', async () => {
    const m = fakeMounter();
    const a = new ActiveMounts(m);
    await assert.rejects(a.activate('c1', [vol('ok'), vol('bad', 'fail')]), /mount refused/);
    assert.equal(m.mounted.size, 0);
    assert.equal(a.inUse('ok'), false);
  });

  it('sweep unmounts the _data mounts nobody uses, nothing else', async () => {
    const m = fakeMounter();
    m.mounted.add('/v/old/_data');
    m.mounted.add('/v/other/elsewhere');
    const a = new ActiveMounts(m);
    await a.activate('c1', [vol('live')]);
    await a.sweep('/v');
    assert.deepEqual([...m.mounted].sort(), ['/v/live/_data', '/v/other/elsewhere']);
  });

  it('splits mount(8) options into flags and the filesystem\'s data', () => {
    assert.deepEqual(splitMountOptions('size=1m,ro,uid=1000,noexec,rw'), { flags: 1 | 8, data: 'size=1m,uid=1000' });
    assert.deepEqual(splitMountOptions(''), { flags: 0, data: '' });
  });
});
