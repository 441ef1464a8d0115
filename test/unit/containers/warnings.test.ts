// Create tells the user about Docker settings berth accepts but does not apply.
import { strict as assert } from 'node:assert';
import { createWarnings } from '../../../daemon/containers/warnings';
import type { HostConfig } from '../../../daemon/containers/record';
import { extraHostLines, hostsFile } from '../../../daemon/containers/etc-files';

describe('containers: create warnings', () => {
  it('says nothing for what the docker CLI sends by default', () => {
    const hc: HostConfig = { PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Privileged: false, CapAdd: null, CapDrop: null, Memory: 0, NanoCpus: 0, PidsLimit: null, Devices: [] };
    assert.deepEqual(createWarnings(hc), []);
    assert.deepEqual(createWarnings({}), []);
  });

  it('names no applied setting: -m/--cpus, --restart, -p, --device, --privileged, --cap-add are all applied', () => {
    const w = createWarnings({
      Privileged: true, CapAdd: ['NET_ADMIN'], Memory: 10 << 20, NanoCpus: 5e8, RestartPolicy: { Name: 'always' },
      Devices: [{ PathOnHost: '/dev/fuse' }], PortBindings: { '80/tcp': [{ HostPort: '8080' }] },
    });
    assert.deepEqual(w, []);
  });

  it('gives Docker\'s warning for --oom-kill-disable without a memory limit', () => {
    assert.ok(createWarnings({ OomKillDisable: true })[0]?.startsWith('OOM killer is disabled for the container, but no memory limit is set'));
  });
});

describe('containers: --add-host NAME:host-gateway', () => {
  it('is 127.0.0.1 with --network host, the bridge gateway on a bridge, left out (with a warning) with --network none', () => {
    assert.deepEqual(extraHostLines(['a:10.0.0.1', 'gw:host-gateway', 'v6:::1'], false), ['10.0.0.1\ta', '::1\tv6']);
    assert.deepEqual(extraHostLines(['gw:host-gateway'], true), ['127.0.0.1\tgw']);
    assert.deepEqual(extraHostLines(['gw:host-gateway'], false, '172.17.0.1'), ['172.17.0.1\tgw']);
    assert.ok(!hostsFile('abc', '', ['gw:host-gateway']).includes('host-gateway'));
    assert.ok(hostsFile('abc', '', [], { ipAddress: '172.17.0.2' }).endsWith('172.17.0.2\tabc\n'));
    assert.equal(createWarnings({ ExtraHosts: ['gw:host-gateway'], NetworkMode: 'none' }).length, 1);
    assert.deepEqual(createWarnings({ ExtraHosts: ['gw:host-gateway'] }), []);
    assert.deepEqual(createWarnings({ ExtraHosts: ['gw:host-gateway'], NetworkMode: 'host' }), []);
    assert.deepEqual(createWarnings({ ExtraHosts: ['a:10.0.0.1'] }), []);
  });
});
