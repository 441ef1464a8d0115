// Checks Docker makes on POST /containers/create before merging with the image, and the Mounts view.
import { strict as assert } from 'node:assert';
import { parseCreateRequest } from '../../../daemon/containers/create-config';
import { inspectMounts, mountsOf } from '../../../daemon/containers/mounts';
import { apiMounts } from '../../../daemon/containers/mounts-api';

describe('containers: create request validation', () => {
  it('refuses a relative WorkingDir with Docker\'s message (docker run -w rel)', () => {
    assert.throws(() => parseCreateRequest({ Image: 'busybox', WorkingDir: 'rel' }),
      (err: Error & { kind?: string }) => err.kind === 'InvalidParameter' && err.message === 'the working directory \'rel\' is invalid, it needs to be an absolute path');
  });

  it('accepts an absolute or empty WorkingDir', () => {
    assert.equal(parseCreateRequest({ Image: 'busybox', WorkingDir: '/new/dir' }).config.WorkingDir, '/new/dir');
    assert.equal(parseCreateRequest({ Image: 'busybox', WorkingDir: '' }).config.WorkingDir, '');
  });
});

describe('containers: Mounts in inspect and ps', () => {
  it('lists binds as Docker does and leaves --tmpfs mounts to HostConfig.Tmpfs', () => {
    const mounts = inspectMounts({ Binds: ['/h:/c:ro', '/h2:/c2'], Tmpfs: { '/run': 'size=1m' } });
    assert.deepEqual(mounts, [
      { Type: 'bind', Source: '/h', Destination: '/c', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'bind', Source: '/h2', Destination: '/c2', Mode: '', RW: true, Propagation: 'rprivate' },
    ]);
  });
});

describe('containers: --mount (HostConfig.Mounts)', () => {
  const hc = (Mounts: unknown) => ({ Mounts });

  it('turns bind and tmpfs mounts into runtime mounts and inspect entries', () => {
    const h = hc([
      { Type: 'bind', Source: '/host/dir/', Target: '/m', ReadOnly: true },
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
    ]);
    assert.deepEqual(mountsOf(h), [
      { type: 'bind', source: '/host/dir/', destination: '/m', readonly: true },
      { type: 'tmpfs', destination: '/t', options: 'size=1048576,mode=1777' },
    ]);
    assert.deepEqual(inspectMounts(h), [
      { Type: 'bind', Source: '/host/dir/', Destination: '/m', Mode: '', RW: false, Propagation: 'rprivate' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
  });

  it('refuses what Docker refuses, with its messages', () => {
    assert.throws(() => mountsOf(hc([{ Type: 'bind', Target: '/m' }])), /invalid mount config for type "bind": field Source must not be empty/);
    assert.throws(() => mountsOf(hc([{ Type: 'bind', Source: '/a' }])), /field Target must not be empty/);
    assert.throws(() => mountsOf(hc([{ Type: 'bind', Source: '/a', Target: 'rel' }])), /mount path must be absolute/);
    assert.throws(() => mountsOf(hc([{ Type: 'tmpfs', Source: '/a', Target: '/t' }])), /field Source must not be specified/);
    assert.throws(() => mountsOf(hc([{ Type: 'volume', Source: 'v', Target: '/t' }])), /named volumes are not supported/);
    assert.throws(() => mountsOf({ Binds: ['/a:/m'], Mounts: [{ Type: 'bind', Source: '/b', Target: '/m' }] }), /Duplicate mount point: \/m/);
    assert.throws(() => apiMounts('x'), /expected a list/);
  });
});
