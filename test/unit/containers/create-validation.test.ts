// Checks Docker makes on POST /containers/create before merging with the image, and the Mounts view.
import { strict as assert } from 'node:assert';
import { parseCreateRequest } from '../../../daemon/containers/create-config';
import { checkBindSources, inspectMounts, mountsOf } from '../../../daemon/containers/mounts';
import { apiMounts } from '../../../daemon/containers/mounts-api';

describe('containers: create request validation', () => {
  it('refuses a relative WorkingDir with Docker\'s message (docker run -w rel)', () => {
    assert.throws(() => parseCreateRequest({ Image: 'busybox', WorkingDir: 'rel' }),
      (err: Error & { kind?: string }) => err.kind === 'InvalidParameter' && err.message === 'the working directory \'rel\' is invalid, it needs to be an absolute path');
  });

  it('takes only its own runtime and OomScoreAdj in [-1000, 1000], with Docker\'s messages (cri-dockerd sends both)', () => {
    for (const Runtime of [undefined, '', 'berth']) assert.equal(parseCreateRequest({ Image: 'busybox', HostConfig: { Runtime } }).hostConfig.Runtime, 'berth');
    assert.throws(() => parseCreateRequest({ Image: 'busybox', HostConfig: { Runtime: 'runc' } }), (e: Error & { kind?: string }) => e.kind === 'InvalidParameter' && e.message === 'unknown or invalid runtime name: runc');
    assert.equal(parseCreateRequest({ Image: 'busybox', HostConfig: { OomScoreAdj: -998 } }).hostConfig.OomScoreAdj, -998);
    assert.throws(() => parseCreateRequest({ Image: 'busybox', HostConfig: { OomScoreAdj: 1001 } }), /: Invalid value 1001, range for oom score adj is \[-1000, 1000\]$/);
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
    assert.deepEqual(mountsOf(hc([{ Type: 'volume', Source: 'v', Target: '/t' }])), [], 'volumes become MountPoints at create, not runtime mounts here');
    assert.throws(() => mountsOf(hc([{ Type: 'volume', Source: '/abs', Target: '/t' }])), /invalid volume name/);
    assert.throws(() => mountsOf(hc([{ Type: 'volume', Source: 'v', Target: '/t', VolumeOptions: { DriverConfig: { Name: 'nfs' } } }])), /only the local volume driver/);
    assert.throws(() => mountsOf({ Binds: ['/a:/m'], Mounts: [{ Type: 'bind', Source: '/b', Target: '/m' }] }), /Duplicate mount point: \/m/);
    assert.throws(() => apiMounts('x'), /expected a list/);
  });
});

describe('containers: create body types (issue 9 item 11)', () => {
  const refuses = (body: Record<string, unknown>, message: string) =>
    assert.throws(() => parseCreateRequest({ Image: 'busybox', ...body }), (err: Error & { kind?: string }) => err.kind === 'InvalidParameter' && err.message === message);

  it('refuses wrongly typed fields with a 400 naming the field, as Docker\'s decoder does', () => {
    refuses({ Env: 'A=1' }, 'invalid Env: expected a list of strings, got a string');
    refuses({ Tty: 'yes' }, 'invalid Tty: expected a boolean (true or false), got a string');
    refuses({ OpenStdin: 1 }, 'invalid OpenStdin: expected a boolean (true or false), got an integer');
    refuses({ StopTimeout: 1.5 }, 'invalid StopTimeout: expected an integer, got a fractional number');
    refuses({ Labels: { a: 1 } }, 'invalid Labels: expected an object of strings, got an object');
    refuses({ Healthcheck: { Test: 'true' } }, 'invalid Healthcheck.Test: expected a list of strings, got a string');
    refuses({ HostConfig: { AutoRemove: 'yes' } }, 'invalid HostConfig.AutoRemove: expected a boolean (true or false), got a string');
    refuses({ HostConfig: { Memory: '1g' } }, 'invalid HostConfig.Memory: expected an integer, got a string');
    refuses({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: '1' }] } }, 'invalid HostConfig.Ulimits[0].Soft: expected an integer, got a string');
    refuses({ HostConfig: { RestartPolicy: { Name: 3 } } }, 'invalid HostConfig.RestartPolicy.Name: expected a string, got an integer');
  });

  it('accepts what Docker accepts: null anywhere, Cmd and Entrypoint as one string, unknown fields', () => {
    const r = parseCreateRequest({ Image: 'busybox', Env: null, Tty: null, Cmd: 'echo hi', Entrypoint: ['sh', '-c'], Unknown: 'x', HostConfig: { Memory: null, Init: null, Foo: 1 } });
    assert.deepEqual(r.config.Cmd, ['echo hi']);
  });
});

describe('containers: bind modes and /proc (issue 9 item 11)', () => {
  it('refuses two words of one group ("ro,rw") with Docker\'s message', () => {
    assert.throws(() => mountsOf({ Binds: ['/tmp:/x:ro,rw'] }), /^BerthError: invalid mode: ro,rw$/);
    assert.throws(() => mountsOf({ Binds: ['/tmp:/x:z,Z'] }), /invalid mode: z,Z/);
    assert.throws(() => mountsOf({ Binds: ['/tmp:/x:rw,bogus'] }), /invalid mode: rw,bogus/);
    assert.equal(mountsOf({ Binds: ['/tmp:/x:ro,z,rshared,nocopy,cached'] }).length, 1);
  });

  it('refuses binds over /proc (unless procfs) and inside /proc, as runc does; lxcfs files pass', async () => {
    const refused = async (spec: string, message: string) =>
      assert.rejects(checkBindSources(mountsOf({ Binds: [spec] })), (err: Error) => err.message === message);
    await refused('/tmp:/proc', 'invalid mount config: "/proc" cannot be mounted because it is not of type proc');
    await refused('/tmp:/proc/', 'invalid mount config: "/proc/" cannot be mounted because it is not of type proc');
    await refused('/tmp:/proc/sys', 'invalid mount config: "/proc/sys" cannot be mounted because it is inside /proc');
    await assert.rejects(checkBindSources(mountsOf({ Tmpfs: { '/proc': '' } })), /not of type proc/);
    await checkBindSources(mountsOf({ Binds: ['/proc:/proc', '/etc/hostname:/proc/uptime', '/tmp:/sys', '/tmp:/dev/x'] }));
  });
});
