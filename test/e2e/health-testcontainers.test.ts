/**
 * testcontainers-node against berthd, unchanged: `withHealthCheck` + `Wait.forHealthCheck()`
 * returns once the container's health check passes (the probe creates its file after a
 * second, so the library really waits through "starting"), and a container whose check never
 * passes makes start() fail with the library's unhealthy error instead of hanging.
 * Ryuk (the reaper image) comes from Docker Hub, unreachable here: it is disabled.
 */
import * as assert from 'node:assert/strict';
import { type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: testcontainers-node Wait.forHealthCheck() on berthd', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;
  const saved: Record<string, string | undefined> = {};

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(function () {
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

  it('waits for healthy; an unhealthy container fails start()', async function () {
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
