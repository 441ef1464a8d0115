// The test suite's sweep of netavark's shared chains (test/support/netpool.ts): netavark 1.4
// never removes the jumps to NETAVARK-HOSTPORT-* and NETAVARK_FORWARD (its "Never" teardown
// policy), so the suite removes them once no network of anyone uses them, and only then.
import { strict as assert } from 'node:assert';
import { netavarkSweepPlan } from '../../support/netpool';

// What the host showed after a full suite run (iptables -S of each table).
const NAT_LEFT = [
  '-P PREROUTING ACCEPT', '-P INPUT ACCEPT', '-P OUTPUT ACCEPT', '-P POSTROUTING ACCEPT',
  '-N NETAVARK-HOSTPORT-DNAT', '-N NETAVARK-HOSTPORT-MASQ', '-N NETAVARK-HOSTPORT-SETMARK',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
  '-A OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
  '-A POSTROUTING -j NETAVARK-HOSTPORT-MASQ',
  '-A NETAVARK-HOSTPORT-MASQ -m comment --comment "netavark portfw masq mark" -m mark --mark 0x2000/0x2000 -j MASQUERADE',
  '-A NETAVARK-HOSTPORT-SETMARK -j MARK --set-xmark 0x2000/0x2000',
].join('\n');
const FILTER_LEFT = [
  '-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT', '-N NETAVARK_FORWARD',
  '-A FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD',
].join('\n');

describe('test support: sweeping netavark\'s shared chains', () => {
  it('removes the jumps, the mark/masquerade rules and the chains when nothing uses them', () => {
    const plan = netavarkSweepPlan(NAT_LEFT, FILTER_LEFT);
    assert.deepEqual(plan.nat, [
      '-D PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
      '-D OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT',
      '-D POSTROUTING -j NETAVARK-HOSTPORT-MASQ',
      '-D NETAVARK-HOSTPORT-MASQ -m comment --comment "netavark portfw masq mark" -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      '-D NETAVARK-HOSTPORT-SETMARK -j MARK --set-xmark 0x2000/0x2000',
      '-X NETAVARK-HOSTPORT-DNAT', '-X NETAVARK-HOSTPORT-SETMARK', '-X NETAVARK-HOSTPORT-MASQ',
    ]);
    assert.deepEqual(plan.filter, ['-D FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD', '-X NETAVARK_FORWARD']);
  });

  it('touches nothing while a network (anyone\'s: another berthd, podman) is set up', () => {
    const none = { nat: [], filter: [] };
    assert.deepEqual(netavarkSweepPlan(`${NAT_LEFT}\n-N NETAVARK-7D24D33E39064`, FILTER_LEFT), none, 'a per-network NAT chain');
    assert.deepEqual(netavarkSweepPlan(NAT_LEFT, `${FILTER_LEFT}\n-A NETAVARK_FORWARD -s 172.17.0.0/16 -j ACCEPT`), none, 'forward rules of a subnet');
    assert.deepEqual(netavarkSweepPlan(`${NAT_LEFT}\n-A NETAVARK-HOSTPORT-DNAT -p tcp --dport 8080 -j NETAVARK-DN-1`, FILTER_LEFT), none, 'a published port');
  });

  it('has nothing to do on a host without netavark chains', () => {
    assert.deepEqual(netavarkSweepPlan('-P PREROUTING ACCEPT', '-P FORWARD ACCEPT'), { nat: [], filter: [] });
  });
});
