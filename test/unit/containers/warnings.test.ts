// Create tells the user about Docker settings berth accepts but does not apply.
import { strict as assert } from 'node:assert';
import { createWarnings } from '../../../daemon/containers/warnings';
import type { HostConfig } from '../../../daemon/containers/record';

describe('containers: create warnings', () => {
  it('says nothing for what the docker CLI sends by default', () => {
    const hc: HostConfig = { PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Privileged: false, CapAdd: null, CapDrop: null, Memory: 0, NanoCpus: 0, PidsLimit: null, Devices: [] };
    assert.deepEqual(createWarnings(hc), []);
    assert.deepEqual(createWarnings({}), []);
  });

  it('names each ignored setting: --privileged, --cap-add, -m/--cpus, --restart, --device, -p', () => {
    const w = createWarnings({
      Privileged: true, CapAdd: ['NET_ADMIN'], Memory: 10 << 20, NanoCpus: 5e8, RestartPolicy: { Name: 'always' },
      Devices: [{ PathOnHost: '/dev/fuse' }], PortBindings: { '80/tcp': [{ HostPort: '8080' }] },
    });
    assert.equal(w.length, 6);
    assert.ok(w.some((x) => x.includes('--privileged is ignored')));
    assert.ok(w.some((x) => x.includes('--cap-add and --cap-drop are ignored')));
    assert.ok(w.includes('berth does not set resource limits: --memory, --cpus are ignored'));
    assert.ok(w.includes('berth does not restart containers: --restart always is ignored'));
    assert.ok(w.some((x) => x.includes('--device is ignored')));
    assert.ok(w.some((x) => x.includes('-p is ignored')));
  });
});
