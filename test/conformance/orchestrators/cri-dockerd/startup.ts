/**
 * cri-dockerd's start-up against the daemon: API version negotiation (a HEAD /_ping on the
 * unversioned path), the version check (API ≥ 1.42, parsed as semver after appending ".0" to
 * the two-part ApiVersion), and /info for the root dir, the cgroup driver the kubelet's must
 * equal, and the runtimes it reports as CRI runtime handlers.
 */
import * as assert from 'node:assert/strict';
import { goHeaders, type Step } from '../replay';
import { CLIENT_MAX_API, src } from './source';

/** Go's versions.LessThan on "1.x" strings. */
function lessThan(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  }
  return false;
}

/** Sets {{v}} (the negotiated API version, e.g. "1.46") and {{cgroupDriver}}. */
export function startupSteps(): Step[] {
  return [
    {
      name: 'negotiate the API version',
      source: src('libdocker/kube_docker_client.go:97 → vendor/github.com/docker/docker/client/ping.go:27'),
      why: 'NegotiateAPIVersion pings the unversioned /_ping with HEAD and takes min(API-Version header, 1.46)',
      method: 'HEAD',
      path: '/_ping',
      headers: goHeaders({ method: 'HEAD' }),
      status: 200,
      expectHeaders: { 'api-version': /^1\.\d+$/, ostype: 'linux' },
      capture: {
        v: (r) => {
          const server = r.headers['api-version'] ?? '';
          return lessThan(server, CLIENT_MAX_API) ? server : CLIENT_MAX_API;
        },
      },
    },
    {
      name: 'version check',
      source: src('core/docker_service.go:159 checkVersionCompatibility → :557 getDockerAPIVersion → libdocker/kube_docker_client.go:486'),
      why: 'refuses to start unless semver.Parse(ApiVersion + ".0") >= 1.42.0 (fixAPIVersion, core/docker_service.go:324)',
      method: 'GET',
      path: '/v{{v}}/version',
      headers: goHeaders(),
      status: 200,
      shape: { ApiVersion: 'string', Version: 'string' },
      check: (r) => {
        const api = (r.json as { ApiVersion: string }).ApiVersion;
        // fixAPIVersion appends ".0": only a two-part version becomes valid semver.
        assert.match(api, /^\d+\.\d+$/, `ApiVersion ${api} must have two parts, or "${api}.0" is not semver`);
        assert.ok(!lessThan(api, '1.42'), `ApiVersion ${api} is older than cri-dockerd's minimum 1.42`);
      },
    },
    {
      name: 'docker info',
      source: src('core/docker_service.go:216 getDockerInfo → libdocker/kube_docker_client.go:499'),
      why: 'reads DockerRootDir, CgroupDriver (must equal the kubelet\'s, :231) and Runtimes/DefaultRuntime (getRuntimeHandlers, :355)',
      method: 'GET',
      path: '/v{{v}}/info',
      headers: goHeaders(),
      status: 200,
      shape: { DockerRootDir: 'string', CgroupDriver: 'string', Runtimes: { '*': { path: 'string', status: '?object' } }, DefaultRuntime: 'string' },
      check: (r) => {
        const info = r.json as { CgroupDriver: string; Runtimes: Record<string, unknown>; DefaultRuntime: string };
        assert.ok(['cgroupfs', 'systemd'].includes(info.CgroupDriver), `CgroupDriver ${info.CgroupDriver}`);
        assert.ok(info.DefaultRuntime in info.Runtimes, `DefaultRuntime ${info.DefaultRuntime} is not among Runtimes ${Object.keys(info.Runtimes).join(', ')}`);
        // IsCRISupportedLogDriver (core/logs.go:137): the kubelet reads json-file logs itself
        assert.equal((r.json as { LoggingDriver: string }).LoggingDriver, 'json-file');
      },
      capture: {
        cgroupDriver: (r) => (r.json as { CgroupDriver: string }).CgroupDriver,
        dockerRoot: (r) => (r.json as { DockerRootDir: string }).DockerRootDir,
        runtimes: (r) => Object.keys((r.json as { Runtimes: object }).Runtimes).join(','),
      },
    },
  ];
}
