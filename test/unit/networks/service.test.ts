// The networks service over an in-memory store: built-in networks, create's checks with
// Docker's kinds, address allocation, and the create-time checks of a container's settings.
import { strict as assert } from 'node:assert';
import { NetworkService } from '../../../daemon/networks/service';
import { ContainerNetworks, type ContainerLike } from '../../../daemon/networks/endpoints';
import type { NetworkRecord, NetworkStore } from '../../../daemon/networks/record';
import { parseCidr } from '../../../daemon/networks/cidr';
import { matchesNetwork, parseNetworkFilters } from '../../../daemon/networks/views';
import type { NetnsDir } from '../../../daemon/networks/netns';
import type { SandboxFiles } from '../../../daemon/networks/sandbox';

class MemStore {
  recs = new Map<string, NetworkRecord>();
  async loadAll() { return [...this.recs.values()]; }
  async save(r: NetworkRecord) { this.recs.set(r.Id, JSON.parse(JSON.stringify(r))); }
  async delete(id: string) { this.recs.delete(id); }
}

async function service(routes = ['192.0.2.0/24']) {
  const store = new MemStore();
  const svc = new NetworkService(store as unknown as NetworkStore, { bridgeName: 'bt9', pools: [{ base: '10.9.0.0/16', size: 24 }] }, () => routes.map((r) => parseCidr(r)));
  await svc.init();
  return { svc, store };
}

const rejectsWith = (p: Promise<unknown>, kind: string, re: RegExp) => assert.rejects(p, (e: { kind?: string; message?: string }) => e.kind === kind && re.test(String(e.message)));

describe('networks: the service', () => {
  it('has bridge (on the configured bridge, first free pool subnet), host and none, kept across restarts', async () => {
    const { svc, store } = await service(['10.9.0.0/24']);
    assert.deepEqual(svc.all().map((n) => n.Name).sort(), ['bridge', 'host', 'none']);
    const b = svc.get('bridge');
    assert.equal(b.BridgeName, 'bt9');
    assert.deepEqual(b.IPAM.Config, [{ Subnet: '10.9.1.0/24', Gateway: '10.9.1.1' }]);
    const again = new NetworkService(store as unknown as NetworkStore, { bridgeName: 'bt9', pools: [{ base: '10.9.0.0/16', size: 24 }] }, () => []);
    await again.init();
    assert.equal(again.get('bridge').Id, b.Id);
    assert.deepEqual(again.get('bridge').IPAM.Config, b.IPAM.Config, 'the subnet is kept (containers keep their addresses)');
  });

  it('creates user networks with Docker\'s refusals: duplicate 409, overlap 403, predefined 403, bad input 400', async () => {
    const { svc } = await service();
    const { Id } = await svc.create({ Name: 'app', Labels: { a: 'b' } });
    const app = svc.get(Id.slice(0, 6));
    assert.equal(app.BridgeName, `br-${Id.slice(0, 12)}`);
    assert.equal(app.DnsEnabled, true);
    assert.equal(app.IPAM.Config[0]!.Subnet, '10.9.1.0/24');
    await rejectsWith(svc.create({ Name: 'app' }), 'Conflict', /^network with name app already exists$/);
    await rejectsWith(svc.create({ Name: 'other', IPAM: { Config: [{ Subnet: '10.9.1.128/25' }] } }), 'Forbidden', /Pool overlaps with other one on this address space/);
    await rejectsWith(svc.create({ Name: 'bridge' }), 'Forbidden', /predefined bridge network/);
    await rejectsWith(svc.create({ Name: 'x', Driver: 'overlay' }), 'InvalidParameter', /only the bridge network driver/);
    await rejectsWith(svc.create({ Name: 'x', IPAM: { Config: [{ Subnet: '10.50.0.0/24', Gateway: '10.51.0.1' }] } }), 'InvalidParameter', /invalid gateway 10\.51\.0\.1/);
    await rejectsWith(svc.create({ Name: 'bad name!' }), 'InvalidParameter', /invalid network name/);
    await rejectsWith(svc.remove('host'), 'Forbidden', /host is a pre-defined network and cannot be removed/);
    await rejectsWith(svc.remove('nope'), 'NotFound', /^network nope not found$/);
  });

  it('bridge options: the bridge name and the defaults are taken; anything else is refused, never ignored; no aux addresses', async () => {
    const { svc } = await service();
    await svc.create({ Name: 'named', Options: { 'com.docker.network.bridge.name': 'brnamed', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.driver.mtu': '1500' } });
    assert.equal(svc.get('named').BridgeName, 'brnamed');
    await rejectsWith(svc.create({ Name: 'noicc', Options: { 'com.docker.network.bridge.enable_icc': 'false' } }), 'InvalidParameter', /enable_icc=false is not supported by berth: only true/);
    await rejectsWith(svc.create({ Name: 'nomasq', Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }), 'InvalidParameter', /enable_ip_masquerade=false is not supported/);
    await rejectsWith(svc.create({ Name: 'mtu', Options: { 'com.docker.network.driver.mtu': '9000' } }), 'InvalidParameter', /mtu=9000 is not supported/);
    await rejectsWith(svc.create({ Name: 'odd', Options: { 'com.example.whatever': 'x' } }), 'InvalidParameter', /network option com.example.whatever is not supported by berth/);
    await rejectsWith(svc.create({ Name: 'aux', IPAM: { Config: [{ Subnet: '10.61.0.0/24', AuxiliaryAddresses: { router: '10.61.0.5' } }] } }), 'InvalidParameter', /--aux-address/);
    assert.equal(svc.find('noicc'), undefined, 'nothing stored for a refused network');
  });

  it('hands out addresses: never the gateway, a wanted one only when free', async () => {
    const { svc } = await service();
    await svc.create({ Name: 'app', IPAM: { Config: [{ Subnet: '10.60.0.0/29', Gateway: '10.60.0.1' }] } });
    const n = svc.get('app');
    const ips = [svc.allocateIp(n), svc.allocateIp(n), svc.allocateIp(n, '10.60.0.6')];
    assert.deepEqual(ips, ['10.60.0.2', '10.60.0.3', '10.60.0.6']);
    assert.throws(() => svc.allocateIp(n, '10.60.0.3'), /Address already in use/);
    assert.throws(() => svc.allocateIp(n, '10.60.0.1'), /Address already in use/);
    assert.throws(() => svc.allocateIp(n, '10.61.0.3'), /not a host address of network app/);
    svc.allocateIp(n); svc.allocateIp(n);
    assert.throws(() => svc.allocateIp(n), /no available IPv4 addresses on network app/);
    svc.releaseIp(n.Id, '10.60.0.2');
    assert.equal(svc.allocateIp(n), '10.60.0.2');
  });

  it('filters as network ls does: name substring, type, dangling, label', async () => {
    const { svc } = await service();
    await svc.create({ Name: 'frontend', Labels: { tier: 'web' } });
    const names = (f: string) => svc.all().filter((n) => matchesNetwork(n, parseNetworkFilters(f), false)).map((n) => n.Name).sort();
    assert.deepEqual(names('{"name":["front"]}'), ['frontend']);
    assert.deepEqual(names('{"type":["builtin"]}'), ['bridge', 'host', 'none']);
    assert.deepEqual(names('{"dangling":["true"]}'), ['frontend']);
    assert.deepEqual(names('{"label":["tier=web"]}'), ['frontend']);
    assert.deepEqual(names('{"label!":["tier=web"],"type":["custom"]}'), []);
    assert.deepEqual(names('{"label!":["tier=web","zone"],"type":["custom"]}'), ['frontend'], 'label! drops only what has all of them (moby)');
    assert.throws(() => parseNetworkFilters('{"colour":["x"]}'), /invalid filter 'colour'/);
  });
});

describe('networks: a container\'s settings at create', () => {
  it('refuses ports with host/container networking (none keeps them unpublished), unknown networks, aliases and IPs on the default bridge', async () => {
    const { svc } = await service();
    await svc.create({ Name: 'app', IPAM: { Config: [{ Subnet: '10.70.0.0/24' }] } });
    const other: ContainerLike = { Id: 'a'.repeat(64), Name: '/other', HostConfig: {}, Config: {}, State: { Running: true, Pid: 1 } };
    const cn = new ContainerNetworks(svc, undefined, {} as NetnsDir, {} as SandboxFiles, {
      find: (ref) => (ref === 'other' ? other : undefined), etcPaths: () => ({ hosts: '', hostname: '', resolvConf: '' }), update: async () => undefined,
    });
    const prep = (hostConfig: ContainerLike['HostConfig'], networkingConfig?: unknown) => () => cn.prepare({ id: 'b'.repeat(64), name: '/c', hostConfig, networkingConfig, exposedPorts: { '80/tcp': {} } });
    assert.throws(prep({ NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } }), /published ports \(-p\/-P\) cannot be used with --network host/);
    // --network none keeps them unpublished, as dockerd (cri-dockerd's sandbox sends them; create warns)
    assert.deepEqual(Object.keys(prep({ NetworkMode: 'none', PublishAllPorts: true })().Networks), ['none']);
    assert.throws(prep({ NetworkMode: 'container:other', PortBindings: { '80/tcp': [{}] } }), /conflicting options: port publishing and the container type network mode/);
    assert.throws(prep({ NetworkMode: 'container:gone' }), /No such container: gone/);
    assert.throws(prep({ NetworkMode: 'nosuch' }), (e: { kind?: string; message?: string }) => e.kind === 'NotFound' && e.message === 'network nosuch not found');
    assert.throws(prep({ NetworkMode: 'default' }, { EndpointsConfig: { default: { Aliases: ['x'] } } }), /network-scoped alias is supported only for containers in user defined networks/);
    assert.throws(prep({}, { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: '10.9.1.5' } } } }), /user specified IP address is supported on user defined networks only/);
    assert.throws(prep({ NetworkMode: 'app' }, { EndpointsConfig: { app: { IPAMConfig: { IPv4Address: '10.71.0.5' } } } }), /not in the subnet of network app/);
    assert.throws(prep({ NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '1' } }), /not allowed in host network namespace/);
    assert.throws(prep({ Sysctls: { 'kernel.hostname': 'x' } }), /sysctl "kernel.hostname" is not whitelisted/);
    const st = prep({ NetworkMode: 'app', Sysctls: { 'net.core.somaxconn': '1024' } }, { EndpointsConfig: { app: { Aliases: ['api'], IPAMConfig: { IPv4Address: '10.70.0.9' } } } })();
    assert.deepEqual(Object.keys(st.Networks), ['app']);
    assert.deepEqual(st.Networks.app!.Aliases, ['api']);
    assert.deepEqual(st.Networks.app!.IPAMConfig, { IPv4Address: '10.70.0.9' });
    assert.deepEqual(Object.keys(prep({ NetworkMode: 'default' })().Networks), ['bridge']);
  });
});
