/**
 * Daemon-wide endpoints the docker CLI uses beyond images and containers: the event stream,
 * `system prune` (which also prunes networks, volumes and build cache), `network ls`,
 * `volume ls`, and error bodies that the CLI prints as one sentence.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: system endpoints (events, system prune, networks, volumes)', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon(() => [], (daemon, fx) => ((d = daemon), (f = fx)));

  it('docker events streams container lifecycle events as they happen', async function () {
    const events = spawn('docker', ['events', '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], { env: d.env() });
    let out = '';
    events.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const run = await d.docker(['run', '--rm', '--name', 'evented', f.hello.ref]);
      assert.equal(run.code, 0, run.stderr);
      for (let i = 0; i < 50 && !/destroy evented/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      events.kill();
    }
    const actions = out.trim().split('\n');
    assert.deepEqual(actions.filter((l) => /^(create|start|die|destroy) evented$/.test(l)), ['create evented', 'start evented', 'die evented', 'destroy evented']);
  });

  it('docker events --since/--until replays past events and ends', async function () {
    const since = Math.floor(Date.now() / 1000) - 60;
    const r = await d.docker(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000)), '--filter', 'event=destroy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /container destroy [0-9a-f]{64}/);
  });

  it('docker system prune, network ls and volume ls work', async function () {
    const prune = await d.docker(['system', 'prune', '-f']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.match(prune.stdout, /Total reclaimed space/);
    const nets = await d.docker(['network', 'ls', '--format', '{{.Name}}']);
    assert.equal(nets.code, 0, nets.stderr);
    assert.deepEqual(nets.stdout.trim().split('\n').sort(), ['bridge', 'host', 'none']);
    const vols = await d.docker(['volume', 'ls']);
    assert.equal(vols.code, 0, vols.stderr);
  });

  it('an unknown endpoint is a 404 whose message the docker CLI prints as a sentence', async function () {
    const r = await d.docker(['network', 'inspect', 'no-such-net']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /network no-such-net not found/);
    assert.doesNotMatch(r.stderr, /\{"message"/);
  });
});
