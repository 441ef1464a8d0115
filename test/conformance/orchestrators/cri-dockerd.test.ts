/**
 * Kubernetes through cri-dockerd, replayed: the calls cri-dockerd (Mirantis/cri-dockerd, see
 * cri-dockerd/source.ts for the commit) makes to a Docker Engine API daemon, over berthd's
 * socket in raw HTTP, each step citing the source line it reproduces. A real kubelet and
 * cri-dockerd cannot be installed here; this is how their code would exercise berthd.
 */
import { startDaemon, requireRoot, type TestDaemon } from '../../support';
import { replayOn } from './replay';
import { startupSteps } from './cri-dockerd/startup';

describe('conformance: cri-dockerd (Kubernetes) replay', function () {
  let d: TestDaemon | undefined;

  before(async function () {
    requireRoot(this);
    d = await startDaemon();
  });

  after(async function () {
    await d?.stop();
  });

  it('start-up: negotiates API ≥ 1.42 from /_ping and /version, reads /info', async function () {
    if (!d) throw new Error('no daemon');
    await replayOn(d, startupSteps());
  });
});
