/**
 * Isolation between networks, as dockerd's DOCKER-ISOLATION-STAGE-1/2 chains give it:
 * containers on different bridge networks (user networks and the default bridge) cannot reach
 * each other by address; a container connected to both reaches both; a published port stays
 * reachable from any network through the host (dockerd's default userland proxy does the
 * same); an `--internal` network is closed both ways and has no route out. Probes are busybox
 * wget under timeout(1) (busybox wget -T segfaults) against busybox httpd on the test daemon's bridges.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { haveCommand, skipBecause, type TestDaemon, useDockerDaemon, waitFor } from '../support';

const httpd = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

describe('e2e: isolation between networks (dockerd\'s DOCKER-ISOLATION semantics)', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(function () {
    if (!haveCommand('/usr/lib/podman/netavark')) skipBecause(this, 'netavark is not installed (scripts/install.sh installs it)');
  });

  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const ipOn = async (name: string, net: string) => JSON.parse(await ok(['inspect', name]))[0].NetworkSettings.Networks[net].IPAddress as string;
  /** Runs a throw-away busybox on `net` that fetches `url`: the body, or '' when it cannot. */
  const probe = async (net: string, url: string, extra: string[] = []) => {
    const r = await d.docker(['run', '--rm', '--network', net, ...extra, image, 'sh', '-c', `timeout 3 wget -q -O- ${url} || echo unreachable`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  /** Probes until the answer is `want` (a server just started), failing with the last answer. */
  const until = async (net: string, url: string, want: string) => {
    let last = '';
    await waitFor(`${url} from ${net}`, async () => (last = await probe(net, url)) === want).catch((err) => assert.fail(`${String(err)}; last answer: ${last}`));
  };

  afterEach(async function () {
    await d.docker(['rm', '-f', 'a1', 'b1', 'd1', 'i1', 'both']);
    for (const n of ['neta', 'netb', 'inner']) await d.docker(['network', 'rm', n]);
  });

  it('containers on different networks cannot reach each other; on the same network, or connected to both, they can', async function () {
    await ok(['network', 'create', 'neta']);
    await ok(['network', 'create', 'netb']);
    await ok(['run', '-d', '--name', 'a1', '--network', 'neta', image, ...httpd('on-a')]);
    await ok(['run', '-d', '--name', 'd1', image, ...httpd('on-default')]);
    const a1 = await ipOn('a1', 'neta');
    const d1 = await ipOn('d1', 'bridge');
    await until('neta', `http://${a1}/`, 'on-a');
    assert.equal(await probe('netb', `http://${a1}/`), 'unreachable', 'netb → neta is dropped');
    assert.equal(await probe('bridge', `http://${a1}/`), 'unreachable', 'the default bridge → neta is dropped');
    assert.equal(await probe('neta', `http://${d1}/`), 'unreachable', 'neta → the default bridge is dropped');
    assert.equal(await probe('bridge', `http://${d1}/`), 'on-default', 'within the default bridge traffic flows');
    // A container on netb that is also connected to neta reaches a1 over its neta interface.
    await ok(['run', '-d', '--name', 'both', '--network', 'netb', image, 'sleep', '300']);
    await ok(['network', 'connect', 'neta', 'both']);
    assert.equal(await ok(['exec', 'both', 'timeout', '3', 'wget', '-q', '-O-', `http://${a1}/`]), 'on-a');
    // After the last container of netb is gone (its bridge removed by netavark), neta stays isolated.
    await ok(['rm', '-f', 'both']);
    assert.equal(await probe('bridge', `http://${a1}/`), 'unreachable', 'still isolated after another network\'s last container left');
  });

  it('a published port is reached from another network through the host, as with dockerd\'s default proxy', async function () {
    await ok(['network', 'create', 'neta']);
    await ok(['network', 'create', 'netb']);
    const port = 20000 + Math.floor(Math.random() * 10000);
    await ok(['run', '-d', '--name', 'a1', '--network', 'neta', '-p', `${port}:80`, image, ...httpd('published')]);
    const gwB = JSON.parse(await ok(['network', 'inspect', 'netb']))[0].IPAM.Config[0].Gateway as string;
    await until('netb', `http://${gwB}:${port}/`, 'published');
    assert.equal(await probe('netb', `http://${await ipOn('a1', 'neta')}/`), 'unreachable', 'but not its address');
  });

  it('--internal: no way in from other networks, no route out', async function () {
    await ok(['network', 'create', '--internal', 'inner']);
    await ok(['run', '-d', '--name', 'i1', '--network', 'inner', image, ...httpd('inside')]);
    await ok(['run', '-d', '--name', 'd1', image, ...httpd('outside')]);
    const i1 = await ipOn('i1', 'inner');
    const d1 = await ipOn('d1', 'bridge');
    await until('inner', 'http://i1/', 'inside');
    assert.equal(await probe('bridge', `http://${i1}/`), 'unreachable', 'the default bridge → internal is dropped');
    assert.equal(await probe('inner', `http://${d1}/`), 'unreachable', 'internal → the default bridge is dropped');
    const routes = await ok(['exec', 'i1', 'ip', 'route']);
    assert.ok(!/^default/m.test(routes), `no default route on an internal network: ${routes}`);
  });

  it('the isolation rules of a removed network are gone', async function () {
    await ok(['network', 'create', 'neta']);
    const bridge = `br-${(await ok(['network', 'inspect', '-f', '{{.Id}}', 'neta'])).slice(0, 12)}`;
    const rules = () => spawnSync('iptables', ['-w', '-t', 'mangle', '-S'], { encoding: 'utf8' }).stdout;
    assert.ok(rules().includes(bridge), `isolation rules name ${bridge}`);
    await ok(['network', 'rm', 'neta']);
    assert.ok(!rules().includes(bridge), `no rule names ${bridge} after network rm`);
  });
});
