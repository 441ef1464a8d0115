/**
 * `berth network ...` and the networking flags of `berth run`, through the berth CLI against a
 * test daemon (issue 7): create, ls (table, -q, --filter, --format), inspect (JSON and -f),
 * run with --network/--network-alias/--ip/--dns-search/--add-host, connect --alias of a running container, rm refused while in use, disconnect, rm,
 * prune; and Docker's network events (create/connect/disconnect/destroy) as the docker CLI's
 * `events --filter type=network` shows them.
 */
import * as assert from 'node:assert/strict';
import { type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: berth network CLI and network events', function () {
  this.timeout(240_000);
  let d: TestDaemon;
  let image: string;
  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  const ok = async (args: string[]): Promise<string> => {
    const r = await d.berth(args);
    assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('-p with container-port ranges as the docker CLI parses them', async () => {
    await ok(['create', '--name', 'berth-ranges', '-p', '127.0.0.1:18000-18002:80-82', '-p', '19000-19001/udp', '-p', '18500-18510:90', image, 'true']);
    const c = JSON.parse(await ok(['inspect', 'berth-ranges']))[0];
    await d.berth(['rm', 'berth-ranges']);
    assert.deepEqual(c.HostConfig.PortBindings, {
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18000' }], '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '18001' }], '82/tcp': [{ HostIp: '127.0.0.1', HostPort: '18002' }],
      '19000/udp': [{ HostIp: '', HostPort: '' }], '19001/udp': [{ HostIp: '', HostPort: '' }], '90/tcp': [{ HostIp: '', HostPort: '18500-18510' }],
    });
    for (const [spec, msg] of [['8000-8001:80-82', /invalid ranges specified for container and host Ports: 80-82 and 8000-8001/], ['80/xyz', /invalid proto: xyz/], ['8000:abc', /invalid containerPort: abc/], ['99999:80', /invalid hostPort: 99999/]] as const) {
      const r = await d.berth(['create', '-p', spec, image, 'true']);
      assert.equal(r.code, 125, `${spec}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });

  it('creates, lists, inspects, connects, refuses rm in use, disconnects, removes and prunes', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = (await ok(['network', 'create', '--label', 'team=a', 'berth-net1'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);

    const table = (await ok(['network', 'ls'])).split('\n');
    assert.match(table[0] as string, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    assert.ok(table.some((l) => new RegExp(`^${id.slice(0, 12)}\\s+berth-net1\\s+bridge\\s+local$`).test(l)), table.join('\n'));
    assert.ok(table.some((l) => /\sbridge\s+bridge\s+local$/.test(l)));
    assert.equal((await ok(['network', 'ls', '-q', '--no-trunc', '--filter', 'label=team=a'])).trim(), id);
    assert.equal((await ok(['network', 'ls', '--filter', 'name=berth-net1', '--format', '{{.Name}} {{.Driver}} {{.Internal}}'])).trim(), 'berth-net1 bridge false');

    const [net] = JSON.parse(await ok(['network', 'inspect', 'berth-net1'])) as { Id: string; IPAM: { Config: { Subnet: string; Gateway: string }[] }; Labels: Record<string, string> }[];
    assert.equal(net?.Id, id);
    assert.deepEqual(net?.Labels, { team: 'a' });
    const subnet = net?.IPAM.Config[0]?.Subnet as string;
    assert.equal((await ok(['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', id.slice(0, 12)])).trim(), 'berth-net1 bridge');
    const prefix = subnet.split('.').slice(0, 3).join('.');

    // run with the networking flags, then connect the running container with an alias and an address
    await ok(['run', '-d', '--name', 'berth-netc', '--network', 'berth-net1', '--network-alias', 'web', '--ip', `${prefix}.50`,
      '--dns-search', 'example.test', '--add-host', 'db.test:10.9.9.9', image, 'sleep', '300']);
    assert.equal((await ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'berth-netc'])).trim(), `${prefix}.50`);
    const hosts = await ok(['exec', 'berth-netc', 'cat', '/etc/hosts', '/etc/resolv.conf']);
    assert.match(hosts, /10\.9\.9\.9\s+db\.test/);
    assert.match(hosts, /search example\.test/);

    await ok(['network', 'create', 'berth-net2']);
    await ok(['network', 'connect', '--alias', 'other', 'berth-net2', 'berth-netc']);
    const containers = JSON.parse(await ok(['network', 'inspect', '-f', '{{json .Containers}}', 'berth-net2'])) as Record<string, { Name: string }>;
    assert.deepEqual(Object.values(containers).map((c) => c.Name), ['berth-netc']);
    const ifaces = await ok(['exec', 'berth-netc', 'ip', '-o', 'addr']);
    assert.match(ifaces, /eth1/);

    const inUse = await d.berth(['network', 'rm', 'berth-net2']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /has active endpoints/);

    await ok(['network', 'disconnect', 'berth-net2', 'berth-netc']);
    assert.equal((await ok(['network', 'rm', 'berth-net2'])).trim(), 'berth-net2');
    const gone = await d.berth(['network', 'inspect', 'berth-net2']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No such network: berth-net2/);

    await ok(['rm', '-f', 'berth-netc']);
    await ok(['network', 'create', 'berth-net3']);
    const pruned = await ok(['network', 'prune', '-f']);
    assert.match(pruned, /^Deleted Networks:\n/);
    assert.match(pruned, /^berth-net1$/m);
    assert.match(pruned, /^berth-net3$/m);
    assert.deepEqual((await ok(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n').sort(), ['bridge', 'host', 'none']);

    // the docker CLI's view of the same run: Docker's event shape for networks
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = await d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'type=network', '--format', '{{json .}}']);
    assert.equal(ev.code, 0, ev.stderr);
    const events = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
    assert.ok(events.every((e) => e.Type === 'network'));
    const net1 = events.filter((e) => e.Actor.Attributes.name === 'berth-net1');
    // run --network: connect at start, disconnect when it ends (rm -f), as dockerd
    assert.deepEqual(net1.map((e) => e.Action), ['create', 'connect', 'disconnect', 'destroy']);
    assert.ok(net1.every((e) => e.Actor.ID === id && e.Actor.Attributes.type === 'bridge'));
    const net2 = events.filter((e) => e.Actor.Attributes.name === 'berth-net2');
    assert.deepEqual(net2.map((e) => e.Action), ['create', 'connect', 'disconnect', 'destroy']);
    const cids = (await d.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'event=connect', '--format', '{{.Actor.Attributes.container}}'])).stdout.trim().split('\n');
    assert.equal(cids.length, 2);
    assert.match(cids[0] as string, /^[0-9a-f]{64}$/);
    assert.equal(cids[0], cids[1]);
    for (const e of [...net1.slice(1, 3), ...net2.slice(1, 3)]) assert.equal(e.Actor.Attributes.container, cids[0]);
  });

  it('refuses bad input with one sentence', async () => {
    const dup = await d.berth(['network', 'create', 'bridge']);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /predefined bridge network/);
    const noSubnet = await d.berth(['network', 'create', '--gateway', '10.1.1.1', 'berth-x']);
    assert.notEqual(noSubnet.code, 0);
    assert.match(noSubnet.stderr, /must have a corresponding subnet/);
    const missing = await d.berth(['network', 'rm', 'berth-nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });
});
