// How a new container's volumes are resolved: named over anonymous at one destination, binds
// and tmpfs win over image VOLUMEs, --volumes-from with :ro, failing lookups, mount order.
import { strict as assert } from 'node:assert';
import { resolveMountPoints, sortMounts, volumeMountSpecs, type ContainerVolumes } from '../../../daemon/containers/volume-mounts';
import type { ContainerRecord } from '../../../daemon/containers/record';
import type { MountSpec } from '../../../daemon/runtime/types';

function fakeVolumes(): ContainerVolumes & { made: string[] } {
  let n = 0;
  const made: string[] = [];
  return {
    made,
    async ensure(name) { const Name = name ?? `anon${++n}`; made.push(Name); return { Name }; },
    dataDir: (name) => `/vols/${name}/_data`,
    mountOf: (name, destination, readonly, seed): MountSpec => ({ type: 'bind', source: `/vols/${name}/_data`, destination, readonly, ...(seed ? { seed: true } : {}) }),
    async remove() { /* unused */ },
    async seed() { /* unused */ },
  };
}

describe('container volumes (MountPoints)', () => {
  it('named beats anonymous at a destination; binds and tmpfs take theirs from image VOLUMEs', async () => {
    const v = fakeVolumes();
    const made: string[] = [];
    const points = await resolveMountPoints(
      { Binds: ['db:/data:ro', '/host:/etc/conf'], Tmpfs: { '/run/x': '' } },
      { '/data': {}, '/etc/conf': {}, '/run/x': {}, '/cache/': {} }, v, () => undefined, made,
    );
    assert.deepEqual(points.map((p) => [p.Destination, p.Name, p.RW, p.Mode, !!p.Anonymous]).sort(), [
      ['/cache', 'anon1', true, '', true],
      ['/data', 'db', false, 'ro', false],
    ]);
    assert.deepEqual(made, ['anon1'], 'only anonymous volumes are reported as made here');
  });

  it('--volumes-from copies volumes and binds, :ro makes them read-only, an unknown container is 404', async () => {
    const v = fakeVolumes();
    const src = { HostConfig: { Binds: ['/h:/b'] }, MountPoints: [{ Type: 'volume', Name: 'anonX', Source: '/vols/anonX/_data', Destination: '/v', RW: true, Mode: '', Anonymous: true }] } as unknown as ContainerRecord;
    const points = await resolveMountPoints({ VolumesFrom: ['src:ro'] }, undefined, v, (r) => (r === 'src' ? src : undefined), []);
    assert.deepEqual(points.map((p) => [p.Type, p.Destination, p.RW, p.Anonymous]), [['bind', '/b', false, undefined], ['volume', '/v', false, undefined]]);
    await assert.rejects(resolveMountPoints({ VolumesFrom: ['nope'] }, undefined, v, () => undefined, []), /No such container: nope/);
    await assert.rejects(resolveMountPoints({ VolumesFrom: ['src:zz'] }, undefined, v, () => src, []), /invalid mode: zz/);
  });

  it('seeds unless nocopy, and mounts parents before children', async () => {
    const v = fakeVolumes();
    const points = await resolveMountPoints({ Binds: ['a:/x/y', 'b:/x:nocopy'] }, undefined, v, () => undefined, []);
    const specs = sortMounts(volumeMountSpecs(points, v));
    assert.deepEqual(specs.map((m) => [m.destination, m.type === 'bind' && m.seed === true]), [['/x', false], ['/x/y', true]]);
  });
});
