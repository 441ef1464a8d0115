/**
 * The bridge-mode variant: `network { mode = "bridge"  port "http" { to = 8080 } }` with two
 * tasks. Nomad's network hook asks the docker driver for the group's network namespace
 * (CreateNetwork, network.go:29-93): a pause container `nomad_init_<alloc>` from infra_image
 * with NetworkMode none and RestartPolicy unless-stopped, whose NetworkSettings.SandboxKey is
 * handed to CNI (played by the test, cni.ts). The tasks then run with NetworkMode
 * "container:<pause id>" and the /etc/hosts Nomad generated. At the end the hook tears CNI down
 * and DestroyNetwork stops and removes the pause container (network.go:95-156).
 *
 * Midway berthd is restarted: Nomad's client restarts too and finds its pause containers again
 * by their label and "/nomad_init_" name (recoverPauseContainers, driver.go:868-899); the
 * namespace its CNI configured must have survived.
 */
import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { httpGet, waitFor } from '../../../support';
import { at, goFilters, goQuery, type Step, type Vars } from '../replay';
import { ALLOC_LABEL, fingerprintSteps } from './fingerprint';
import { addressIn, allocNetFor, setUp, tearDown, type AllocNet } from './cni';
import { MiB, pauseCreateBody, type TaskSpec } from './job';
import { checkLimits, netnsOf, sameNetns } from './host-checks';
import { INSPECT, SUMMARY } from './shapes';
import { nomadHeaders, src } from './source';
import { destroyTaskSteps, execSteps, imageGcSteps, pullSteps, startTaskSteps, statsSteps, stopTaskSteps } from './task-steps';
import { INDEX_HTML, WEB } from './default-job';

export const SIDECAR: TaskSpec = {
  name: 'sidecar',
  memoryMB: 32,
  cpuMHz: 50,
  pidsLimit: 32,
  script: ['echo "sidecar: up"', 'trap \'echo "sidecar: SIGTERM"; exit 0\' TERM', 'while :; do sleep 1 & wait $!; done'].join('\n'),
};

/** The web task without its own port mapping: in bridge mode CNI's portmap publishes the group port. */
const WEB_BRIDGE: TaskSpec = { ...WEB, port: { label: 'http', to: 8080 } };

function local(name: string, source: string, why: string, f: (vars: Vars) => void | Promise<void>): Step {
  return { name, source, why, local: f };
}

/** CreateNetwork's calls, up to the inspect that yields the SandboxKey. */
function createNetworkSteps(): Step[] {
  const pauseName = (vars: Vars): string => `nomad_init_${vars.allocId}`;
  return [
    {
      name: 'infra image present? (tag is not "latest")',
      source: src('drivers/docker/network.go:203-214', 'client/image_inspect.go:13'),
      why: 'an infra image already here is only reference-counted, not pulled',
      method: 'GET',
      path: '/v{{v}}/images/{{pauseImage}}/json',
      headers: nomadHeaders(),
      status: 200,
      shape: { Id: 'string', RepoTags: ['string'] },
      capture: { pauseImageId: (r) => at(r.json, 'Id') },
    },
    {
      name: 'is the pause container already there? (list all)',
      source: src('drivers/docker/network.go:65 → driver.go:1690', 'client/container_list.go:40'),
      why: 'a running /nomad_init_<alloc> would be reused as is (network.go:69)',
      method: 'GET',
      path: `/v{{v}}/containers/json${goQuery({ all: '1' })}`,
      headers: nomadHeaders(),
      status: 200,
      shape: [SUMMARY],
      check: (r, vars) => assert.ok(!(r.json as { Names: string[] }[]).some((c) => c.Names.includes('/' + pauseName(vars)))),
    },
    {
      name: 'create the pause container',
      source: src('drivers/docker/network.go:73 → driver.go:514 (config: network.go:160-182)', 'client/container_create.go:18'),
      why: 'infra image, the alloc label, NetworkMode none, RestartPolicy unless-stopped; every other field Go\'s zero value',
      method: 'POST',
      path: (vars) => `/v${vars.v}/containers/create${goQuery({ name: pauseName(vars) })}`,
      headers: nomadHeaders({ body: 'json' }),
      body: (vars: Vars) => pauseCreateBody(vars),
      status: 201,
      shape: { Id: 'string', Warnings: ['string'] },
    },
    {
      name: 'find the pause container by name',
      source: src('drivers/docker/driver.go:519 → :1690', 'client/container_list.go:40'),
      why: 'createContainer returns containerByName\'s result, not the create answer',
      method: 'GET',
      path: `/v{{v}}/containers/json${goQuery({ all: '1' })}`,
      headers: nomadHeaders(),
      status: 200,
      shape: [SUMMARY],
      check: (r, vars) => {
        const found = (r.json as { Id: string; Names: string[] }[]).filter((c) => c.Names.includes('/' + pauseName(vars)));
        assert.equal(found.length, 1);
        vars.pauseId = (found[0] as { Id: string }).Id;
      },
    },
    {
      name: 'inspect the created pause container',
      source: src('drivers/docker/driver.go:1720', 'client/container_inspect.go:30'),
      why: 'containerByName inspects what it found',
      method: 'GET',
      path: '/v{{v}}/containers/{{pauseId}}/json',
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
    },
    {
      name: 'start the pause container',
      source: src('drivers/docker/network.go:78 → driver.go:599', 'client/container_start.go:20'),
      why: 'a 409 would count as started',
      method: 'POST',
      path: '/v{{v}}/containers/{{pauseId}}/start',
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
    },
    {
      name: 'inspect the pause container for its SandboxKey',
      source: src('drivers/docker/network.go:84, :45-60 (spec.Path = SandboxKey)', 'client/container_inspect.go:30'),
      why: 'NetworkSettings.SandboxKey becomes NetworkIsolationSpec.Path, the namespace CNI configures',
      method: 'GET',
      path: '/v{{v}}/containers/{{pauseId}}/json',
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r) => {
        assert.equal(at(r.json, 'State.Running'), true);
        assert.equal(at(r.json, 'HostConfig.NetworkMode'), 'none');
        assert.equal(at(r.json, 'HostConfig.RestartPolicy.Name'), 'unless-stopped');
        assert.match(String(at(r.json, 'NetworkSettings.SandboxKey')), /^\//, 'SandboxKey must be a path CNI can open');
      },
      capture: { sandboxKey: (r) => at(r.json, 'NetworkSettings.SandboxKey'), pausePid: (r) => at(r.json, 'State.Pid') },
    },
  ];
}

/** DestroyNetwork (after the hook's CNI DEL): stop with t=1, force remove, infra image GC. */
function destroyNetworkSteps(): Step[] {
  return [
    {
      name: 'stop the pause container',
      source: src('drivers/docker/network.go:131', 'client/container_stop.go:39'),
      why: 'Timeout 1: the pause process ends at SIGTERM or is killed a second later',
      method: 'POST',
      path: `/v{{v}}/containers/{{pauseId}}/stop${goQuery({ t: '1' })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
    },
    {
      name: 'remove the pause container',
      source: src('drivers/docker/network.go:135-139', 'client/container_remove.go:21'),
      why: 'force=1; an error here fails DestroyNetwork',
      method: 'DELETE',
      path: `/v{{v}}/containers/{{pauseId}}${goQuery({ force: '1' })}`,
      headers: nomadHeaders({ method: 'DELETE' }),
      status: 204,
    },
    {
      name: 'infra image GC: inspect',
      source: src('drivers/docker/network.go:146', 'client/image_inspect.go:13'),
      why: 'the id to drop the alloc\'s reference from (RemoveImage, network.go:152)',
      method: 'GET',
      path: '/v{{v}}/images/{{pauseImage}}/json',
      headers: nomadHeaders(),
      status: 200,
      check: (r, vars) => assert.equal(at(r.json, 'Id'), vars.pauseImageId),
    },
  ];
}

/**
 * The variant's transcript. `restartDaemon` restarts the daemon midway, `pool` is its address pool.
 * The test sets {{image}}, {{imageRepo}}, {{imageTag}}, {{pauseImage}}, {{allocId}},
 * {{allocDir}}, {{hostPort}}, {{cpuset}}.
 */
export function bridgeJobSteps(restartDaemon: () => Promise<void>, pool: string, slot: number, hostPort: number): { steps: Step[]; cleanup: () => void } {
  const net: AllocNet = allocNetFor(pool, slot, hostPort, 8080);
  const cni = 'client/allocrunner/networking_bridge_linux.go (bridge + portmap CNI, played by the test)';
  const steps: Step[] = [
    ...fingerprintSteps(),
    ...createNetworkSteps(),
    local('the SandboxKey is the pause container\'s namespace', cni, 'CNI opens the path: it must be a bind of the same nsfs inode', (vars) => {
      assert.ok(sameNetns(vars.sandboxKey ?? '', Number(vars.pausePid)), `${vars.sandboxKey} is not the namespace of pid ${vars.pausePid}`);
    }),
    local('CNI ADD through the SandboxKey', cni, 'veth into the namespace, address, route, host port DNAT', (vars) => {
      setUp(net, vars.sandboxKey ?? '');
      vars.allocIp = net.allocIp;
      vars.hostIp = net.hostIp;
      // network_hook.go:182-206: HostsConfig{Address, Hostname = pause id[:12]}; hostnames/mount.go writes <alloc>/hosts.
      vars.hostname = (vars.pauseId ?? '').slice(0, 12);
      vars.hostsFile = path.join(vars.allocDir ?? '', 'hosts');
      writeFileSync(vars.hostsFile, `# this file was generated by Nomad\n127.0.0.1 localhost\n::1 localhost\n\n${net.allocIp} ${vars.hostname}\n`);
    }),
    local('berthd restarts (so does the Nomad client)', 'test', 'the pause container and its configured namespace must survive', async () => {
      await restartDaemon();
    }),
    {
      name: 'recover pause containers after the restart',
      source: src('drivers/docker/config.go:860 → driver.go:875-898', 'client/container_list.go:40'),
      why: 'running containers with the alloc_id label; one named /nomad_init_* is tracked as a pause container again',
      method: 'GET',
      path: (vars) => `/v${vars.v}/containers/json${goQuery({ filters: goFilters({ label: [ALLOC_LABEL] }) })}`,
      headers: nomadHeaders(),
      status: 200,
      shape: [SUMMARY],
      check: (r, vars) => {
        const c = (r.json as { Id: string; Names: string[]; Labels: Record<string, string> }[]).find((x) => x.Names.some((n) => n.startsWith('/nomad_init_')));
        assert.ok(c, 'the running pause container is listed with its label');
        assert.equal(c.Id, vars.pauseId);
        assert.equal(c.Labels[ALLOC_LABEL], vars.allocId);
      },
    },
    {
      name: 'the pause container is still the group\'s namespace',
      source: src('drivers/docker/network.go:65-70 (CreateNetwork on an existing alloc)', 'client/container_inspect.go:30'),
      why: 'a running /nomad_init_<alloc> is reused with its SandboxKey',
      method: 'GET',
      path: '/v{{v}}/containers/{{pauseId}}/json',
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r, vars) => {
        assert.equal(at(r.json, 'State.Running'), true);
        assert.equal(at(r.json, 'NetworkSettings.SandboxKey'), vars.sandboxKey);
        assert.equal(addressIn(vars.sandboxKey ?? ''), net.allocIp, 'the CNI address is still in the namespace');
      },
    },
    ...pullSteps('image', 'imageRepo', 'imageTag', 'imageId'),
    ...startTaskSteps(WEB_BRIDGE, 'web', { networkMode: 'container:{{pauseId}}', hostsFile: '{{hostsFile}}', firstTask: true }),
    ...startTaskSteps(SIDECAR, 'side', { networkMode: 'container:{{pauseId}}', hostsFile: '{{hostsFile}}', firstTask: false }),
    local('both tasks are in the pause container\'s namespace', 'test', 'NetworkMode container:<pause id>', (vars) => {
      const want = netnsOf(Number(vars.pausePid));
      assert.equal(netnsOf(Number(vars.webPid)), want, 'web');
      assert.equal(netnsOf(Number(vars.sidePid)), want, 'sidecar');
      checkLimits(Number(vars.sidePid), { memory: SIDECAR.memoryMB * MiB, pids: SIDECAR.pidsLimit, cpuShares: SIDECAR.cpuMHz, cpuset: vars.cpuset ?? '' });
    }),
    local('the group port reaches web through CNI\'s portmap', cni, 'host port → alloc IP:8080 in the shared namespace', async (vars) => {
      const url = `http://${vars.hostIp}:${hostPort}/index.html`;
      await waitFor(`GET ${url}`, async () => (await httpGet(url).catch(() => ({ body: '' }))).body === INDEX_HTML, { timeoutMs: 20_000 });
    }),
    ...execSteps('side', ['/bin/sh', '-c', 'hostname; cat /etc/hosts | tail -n 1; wget -q -O - http://127.0.0.1:8080/index.html; wget -q -O - "http://$(hostname):8080/index.html"'], (out) => {
      const lines = out.split('\n');
      assert.equal(lines[0]?.length, 12, `the sidecar's hostname is the pause container's (${lines[0]})`);
      assert.equal(lines[1]?.split(' ')[1], lines[0], 'Nomad\'s /etc/hosts maps that hostname');
      assert.equal(lines.slice(2).join('\n'), INDEX_HTML + INDEX_HTML, 'web answers the sidecar on localhost and on the alloc address');
    }),
    ...statsSteps('web', 1, WEB.memoryMB * MiB),
    ...stopTaskSteps(SIDECAR, 'side', (stdout, stderr) => {
      assert.equal(stdout, 'sidecar: up\nsidecar: SIGTERM\n');
      assert.equal(stderr, '');
    }),
    ...stopTaskSteps(WEB_BRIDGE, 'web', (stdout, stderr) => {
      assert.equal(stderr, 'web: ready\n');
      assert.deepEqual(stdout.split('\n').filter(Boolean).slice(-2), ['web: started on port 8080', 'web: SIGTERM']);
    }),
    ...destroyTaskSteps(SIDECAR, 'side'),
    ...destroyTaskSteps(WEB_BRIDGE, 'web'),
    local('CNI DEL', cni, 'the network hook\'s Postrun tears CNI down before DestroyNetwork', () => tearDown(net)),
    ...destroyNetworkSteps(),
    local('the namespace went with the pause container', 'test', 'nothing left at the SandboxKey', (vars) => {
      assert.ok(!existsSync(vars.sandboxKey ?? ''), `${vars.sandboxKey} still exists`);
    }),
    ...imageGcSteps('pauseImageId', 200),
    ...imageGcSteps('imageId', 200),
  ];
  return { steps, cleanup: () => tearDown(net) };
}
