// Subnets, pools and published ports: the pure parts of daemon/networks.
import { strict as assert } from 'node:assert';
import { formatCidr, overlaps, parseCidr } from '../../../daemon/networks/cidr';
import { DEFAULT_POOLS, hostRoutes, parsePoolFlag, pickSubnet } from '../../../daemon/networks/pools';
import { PortAllocator, portRequests, portsView } from '../../../daemon/networks/ports';
import { BerthError } from '../../../daemon/errors';

const kindOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof BerthError ? `${e.kind}: ${e.message}` : String(e);
  }
  return 'no error';
};

describe('networks: subnets and pools', () => {
  it('parses CIDRs, refuses host bits when strict, and finds overlaps', () => {
    assert.equal(formatCidr(parseCidr('172.18.3.4/16')), '172.18.0.0/16');
    assert.match(kindOf(() => parseCidr('172.18.3.4/16', 'subnet', true)), /InvalidParameter: .*did you mean 172\.18\.0\.0\/16/);
    assert.match(kindOf(() => parseCidr('300.1.1.1/8')), /InvalidParameter: invalid subnet 300\.1\.1\.1\/8/);
    assert.ok(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.3.0.0/24')));
    assert.ok(!overlaps(parseCidr('10.3.1.0/24'), parseCidr('10.3.0.0/24')));
  });

  it('reads the host routes from /proc/net/route and skips the default route', () => {
    const text = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n'
      + 'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n'
      + 'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n'
      + 'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n';
    assert.deepEqual(hostRoutes(text).map(formatCidr), ['192.0.2.0/24', '172.17.0.0/16']);
  });

  it('picks the first pool subnet that overlaps no route and no network', () => {
    const taken = [parseCidr('172.17.0.0/16'), parseCidr('172.18.0.0/16')];
    assert.equal(formatCidr(pickSubnet(DEFAULT_POOLS, taken)!), '172.19.0.0/16');
    const pool = parsePoolFlag('base=10.9.0.0/22,size=24');
    assert.equal(formatCidr(pickSubnet([pool], [parseCidr('10.9.0.0/23')])!), '10.9.2.0/24');
    assert.equal(pickSubnet([pool], [parseCidr('10.9.0.0/22')]), undefined);
    assert.match(kindOf(() => parsePoolFlag('base=10.9.0.0/22,size=8')), /size 8 must be between 22 and 30/);
  });
});

describe('networks: published ports', () => {
  it('turns PortBindings and -P into requests; refuses bad ports with one sentence', () => {
    const reqs = portRequests({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }], '53/udp': [{ HostPort: '5300-5310' }] }, { '80/tcp': {}, '443/tcp': {} }, true);
    assert.deepEqual(reqs, [
      { containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPortLo: 8080, hostPortHi: 8080 },
      { containerPort: 80, proto: 'tcp', hostIp: '', hostPortLo: 0, hostPortHi: 0 },
      { containerPort: 53, proto: 'udp', hostIp: '', hostPortLo: 5300, hostPortHi: 5310 },
      { containerPort: 443, proto: 'tcp', hostIp: '', hostPortLo: 0, hostPortHi: 0 },
    ]);
    assert.match(kindOf(() => portRequests({ 'abc/tcp': [] }, undefined, false)), /InvalidParameter: invalid container port "abc"/);
    assert.match(kindOf(() => portRequests({ '80/tcp': [{ HostPort: '70000' }] }, undefined, false)), /InvalidParameter: invalid host port "70000"/);
    assert.match(kindOf(() => portRequests({ '80/tcp': [{ HostPort: '9-3' }] }, undefined, false)), /the end is below the start/);
    assert.match(kindOf(() => portRequests({ '80/tcp': [{ HostIp: 'localhost', HostPort: '1' }] }, undefined, false)), /invalid host IP "localhost"/);
    assert.match(kindOf(() => portRequests({ '80/xyz': [] }, undefined, false)), /invalid port specification: "80\/xyz"/);
  });

  it('hands out random ports in rotating order, never twice, skipping ports a host process holds', async () => {
    const held = new Set([40002]);
    const a = new PortAllocator(async (_ip, p) => !held.has(p), [40000, 40004]);
    const any = { containerPort: 80, proto: 'tcp' as const, hostIp: '', hostPortLo: 0, hostPortHi: 0 };
    const got = [];
    for (const id of ['a', 'b', 'c', 'd']) got.push((await a.allocate(id, [any]))[0]!.hostPort);
    assert.deepEqual(got, [40000, 40001, 40003, 40004]);
    a.release('a');
    await assert.rejects(a.allocate('e', [any, any]), /no free port left/); // 40000 free again, then none
    assert.equal((await a.allocate('e', [any]))[0]!.hostPort, 40000, 'a failed request kept nothing');
  });

  it('refuses a fixed port taken by a container or a host process, and grants all or nothing', async () => {
    const a = new PortAllocator(async (_ip, p) => p !== 9999, [40000, 40010]);
    const fixed = (p: number, ip = '') => ({ containerPort: 80, proto: 'tcp' as const, hostIp: ip, hostPortLo: p, hostPortHi: p });
    await a.allocate('a', [fixed(8080, '127.0.0.1')]);
    await assert.rejects(a.allocate('b', [fixed(8080)]), /Bind for 0\.0\.0\.0:8080 failed: port is already allocated/);
    await assert.rejects(a.allocate('b', [fixed(8081), fixed(9999)]), /Bind for 0\.0\.0\.0:9999 failed: the port is in use by a process on the host/);
    assert.equal((await a.allocate('c', [fixed(8081)]))[0]!.hostPort, 8081, '8081 was given back');
    await a.allocate('d', [fixed(8080, '127.0.0.2')]); // another address, same port: fine
    assert.deepEqual(portsView([{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8081 }], { '80/tcp': {}, '53/udp': {} }, undefined), {
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }], '53/udp': null,
    });
  });
});
