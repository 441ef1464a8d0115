/**
 * testcontainers-node 11.14.0 against berthd, unchanged: a container with an exposed port,
 * started with the library's default wait strategy (it waits for the mapped host port), reached
 * over HTTP at the host and port the library computes; a user network with a network alias.
 * On this VM /.dockerenv exists, so testcontainers believes it runs inside a container and asks
 * the `bridge` network for its IPAM gateway to reach mapped ports: that path is covered too.
 * `withHealthCheck` + `Wait.forHealthCheck()` waits for the container's health check.
 * Ryuk (the reaper image) comes from Docker Hub, which is unreachable here: it is disabled.
 */
import * as assert from 'node:assert/strict';
import { haveCommand, httpGet, skipBecause, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: testcontainers-node on berthd', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;
  const saved: Record<string, string | undefined> = {};

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(function () {
    if (!haveCommand('/usr/lib/podman/netavark')) skipBecause(this, 'netavark is not installed (scripts/install.sh installs it)');
    // testcontainers reads its settings from the environment when first used.
    for (const k of ['DOCKER_HOST', 'TESTCONTAINERS_RYUK_DISABLED', 'DOCKER_CONFIG', 'TESTCONTAINERS_HOST_OVERRIDE']) saved[k] = process.env[k];
    Object.assign(process.env, { DOCKER_HOST: d.host, TESTCONTAINERS_RYUK_DISABLED: 'true', DOCKER_CONFIG: d.env().DOCKER_CONFIG });
    delete process.env.TESTCONTAINERS_HOST_OVERRIDE;
  });

  after(function () {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('starts a container, waits for its mapped port, and the test reaches it; a network alias resolves', async function () {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { GenericContainer, Network } = require('testcontainers') as typeof import('testcontainers');
    const network = await new Network().start();
    const web = await new GenericContainer(image)
      .withCommand(['sh', '-c', 'mkdir -p /www && echo from-testcontainers > /www/index.html && exec httpd -f -p 80 -h /www'])
      .withExposedPorts(80)
      .withNetwork(network)
      .withNetworkAliases('api')
      .start();
    try {
      const url = `http://${web.getHost()}:${web.getMappedPort(80)}/`;
      assert.equal((await httpGet(url)).body, 'from-testcontainers\n');
      const client = await new GenericContainer(image).withCommand(['sleep', '60']).withNetwork(network).start();
      try {
        const r = await client.exec(['wget', '-q', '-O-', 'http://api/']);
        assert.equal(r.exitCode, 0, r.output);
        assert.equal(r.output, 'from-testcontainers\n');
      } finally {
        await client.stop();
      }
    } finally {
      await web.stop();
      await network.stop();
    }
    assert.equal((await d.docker(['ps', '-aq'])).stdout.trim(), '');
  });

  // testcontainers keeps the client of its first use: its health wait shares this file's daemon.
  it('Wait.forHealthCheck() waits through starting to healthy; an unhealthy container fails start()', async function () {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { GenericContainer, Wait } = require('testcontainers') as typeof import('testcontainers');
    const c = await new GenericContainer(image)
      .withCommand(['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 300'])
      .withNetworkMode('none')
      .withHealthCheck({ test: ['CMD-SHELL', 'test -e /tmp/ready'], interval: 200, timeout: 2000, retries: 50 })
      .withWaitStrategy(Wait.forHealthCheck())
      .start();
    try {
      const h = JSON.parse((await d.docker(['inspect', '-f', '{{json .State.Health}}', c.getId()])).stdout) as { Status: string };
      assert.equal(h.Status, 'healthy');
    } finally {
      await c.stop({ timeout: 1000 });
    }
    const bad = await new GenericContainer(image)
      .withCommand(['sleep', '300'])
      .withNetworkMode('none')
      .withHealthCheck({ test: ['CMD', 'false'], interval: 200, timeout: 2000, retries: 1 })
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(30_000)
      .start()
      .then(() => undefined, (e: Error) => e);
    assert.ok(bad instanceof Error, 'start() of an unhealthy container must fail');
    assert.match(bad.message, /unhealthy/i);
  });
});

