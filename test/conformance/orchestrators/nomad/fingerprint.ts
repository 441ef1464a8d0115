/**
 * Nomad's docker driver meeting the daemon: the plugin's SetConfig starts the pause-container
 * recovery (a label-filtered list), then the fingerprint loop asks for the version, the
 * networks (the default bridge's gateway becomes the node attribute driver.docker.bridge_ip)
 * and /info (runtimes, OS type; the cgroup driver is read again at every task start).
 * The moby client negotiates the API version lazily, on its first request, with a HEAD /_ping.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { goQuery, goFilters, type Step } from '../replay';
import { NETWORK, SUMMARY } from './shapes';
import { CLIENT_MAX_API, CLIENT_MIN_API, nomadHeaders, src } from './source';

/** Go's versions.LessThan on "1.x" strings. */
export function lessThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  }
  return false;
}

/** The label every Nomad container carries (driver.go:87). */
export const ALLOC_LABEL = 'com.hashicorp.nomad.alloc_id';

/** IPv4 addresses configured on this host's interfaces. */
export function hostAddresses(): string[] {
  const out = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1] as string);
}

/** Sets {{v}} (the negotiated version), {{bridgeIp}}, {{cgroupDriver}}. */
export function fingerprintSteps(): Step[] {
  return [
    {
      name: 'negotiate the API version (first request of the plugin)',
      source: src('drivers/docker/driver.go:2068 WithAPIVersionNegotiation', 'client/ping.go:108 (HEAD /_ping, unversioned)') + ', client/client.go:337',
      why: 'the client takes min(Api-Version header, 1.55) and refuses a server older than 1.40',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
      expectHeaders: { 'api-version': /^1\.\d+$/, ostype: 'linux' },
      capture: {
        v: (r) => {
          const server = r.headers['api-version'] ?? '';
          assert.ok(!lessThan(server, CLIENT_MIN_API), `API ${server} is older than the client's minimum ${CLIENT_MIN_API}`);
          return lessThan(server, CLIENT_MAX_API) ? server : CLIENT_MAX_API;
        },
      },
    },
    {
      name: 'recover pause containers (running, labelled)',
      source: src('drivers/docker/config.go:860 → driver.go:875', 'client/container_list.go:40') + ', client/filters.go:48',
      why: 'lists running containers with the alloc_id label and keeps those named /nomad_init_* as pause containers',
      method: 'GET',
      path: (vars) => `/v${vars.v}/containers/json${goQuery({ filters: goFilters({ label: [ALLOC_LABEL] }) })}`,
      headers: nomadHeaders(),
      status: 200,
      shape: [SUMMARY],
      check: (r) => assert.deepEqual(r.json, [], 'a fresh daemon has no Nomad containers'),
    },
    {
      name: 'fingerprint: server version',
      source: src('drivers/docker/fingerprint.go:111', 'client/version.go:56'),
      why: 'driver.docker.version = Version; a failure marks the driver undetected',
      method: 'GET',
      path: '/v{{v}}/version',
      headers: nomadHeaders(),
      status: 200,
      shape: { Version: 'string', ApiVersion: 'string', MinAPIVersion: 'string', Os: 'string', Arch: 'string', Components: [{ Name: 'string', Version: 'string', Details: '?object' }], Platform: '?object', Experimental: '?bool' },
      check: (r) => {
        const v = r.json as { Version: string; Os: string };
        assert.notEqual(v.Version, '', 'driver.docker.version would be empty');
        assert.equal(v.Os, 'linux');
      },
    },
    {
      name: 'fingerprint: networks (bridge gateway)',
      source: src('drivers/docker/fingerprint.go:144-164', 'client/network_list.go:17'),
      why: 'the network named "bridge": IPAM.Config[0].Gateway (a netip.Addr) becomes driver.docker.bridge_ip',
      method: 'GET',
      path: '/v{{v}}/networks',
      headers: nomadHeaders(),
      status: 200,
      shape: [NETWORK],
      check: (r) => {
        const nets = r.json as { Name: string; IPAM: { Config: { Gateway?: string }[] } }[];
        const bridge = nets.find((n) => n.Name === 'bridge');
        assert.ok(bridge, `no network named "bridge" among ${nets.map((n) => n.Name).join(', ')}`);
        const gw = bridge.IPAM.Config[0]?.Gateway;
        assert.ok(gw && gw !== '0.0.0.0', `bridge IPAM.Config[0].Gateway is ${JSON.stringify(gw)}: bridge_ip would not be set`);
      },
      capture: { bridgeIp: (r) => (r.json as { Name: string; IPAM: { Config: { Gateway: string }[] } }[]).find((n) => n.Name === 'bridge')?.IPAM.Config[0]?.Gateway },
    },
    {
      name: 'fingerprint: info (runtimes, OS type)',
      source: src('drivers/docker/fingerprint.go:168-186', 'client/system_info.go:23'),
      why: 'driver.docker.runtimes = the sorted names of Runtimes, driver.docker.os_type = OSType; StartTask reads CgroupDriver (driver.go:358, handle.go:268)',
      method: 'GET',
      path: '/v{{v}}/info',
      headers: nomadHeaders(),
      status: 200,
      shape: { OSType: 'string', Runtimes: { '*': { path: '?string', runtimeArgs: '?array', status: '?object' } }, CgroupDriver: 'string', CgroupVersion: 'string', DefaultRuntime: 'string', NCPU: 'int', MemTotal: 'int', DockerRootDir: 'string' },
      check: (r) => {
        const info = r.json as { OSType: string; Runtimes: Record<string, unknown>; CgroupDriver: string };
        assert.equal(info.OSType, 'linux');
        assert.ok(Object.keys(info.Runtimes).length > 0, 'no runtimes: driver.docker.runtimes would be empty');
        assert.ok(['cgroupfs', 'systemd'].includes(info.CgroupDriver), `CgroupDriver ${info.CgroupDriver}`);
      },
      capture: { cgroupDriver: (r) => (r.json as { CgroupDriver: string }).CgroupDriver },
    },
  ];
}
