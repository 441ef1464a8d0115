/**
 * Resource limits: `--ulimit` (docker CLI and berth) and daemon.json `default-ulimits` reach
 * the container's processes, exec sessions get the container's limits, the container's own
 * limit wins over the default by name, a SIGHUP reload changes the default for the next start,
 * and a soft limit above the hard one is refused at create in one sentence.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { requireRoot, sharedFixtures, skipBecause, haveCommand, startDaemon, waitFor, type Fixtures, type TestDaemon } from '../support';

describe('e2e: ulimits (--ulimit, default-ulimits, reload)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let configFile = '';

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    f = await sharedFixtures();
    d = await startDaemon();
    configFile = path.join(d.dir, 'limits.json');
    await fs.writeFile(configFile, JSON.stringify({ 'default-ulimits': { nofile: { Name: 'nofile', Soft: 321, Hard: 654 } } }));
    await d.stop({ keepDirs: true });
    d = await startDaemon({ dataRoot: d.dataRoot, execRoot: d.execRoot, args: ['--config-file', configFile] });
    const r = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async function () {
    await d?.stop();
  });

  const limits = async (args: string[]) => {
    const r = await d.docker(['run', '--rm', ...args, f.busybox.ref, 'sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn)']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  it('applies --ulimit and the daemon default, the container\'s own winning by name', async function () {
    assert.equal(await limits([]), '321 654');
    assert.equal(await limits(['--ulimit', 'nofile=100:200']), '100 200');
    const b = await d.berth(['run', '--rm', '--ulimit', 'nofile=77', f.busybox.ref, 'sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn)']);
    assert.equal(b.stdout.trim(), '77 77', b.stderr);
    const inspect = await d.docker(['create', '--ulimit', 'nproc=50:60', f.busybox.ref]);
    const ul = await d.docker(['inspect', '-f', '{{json .HostConfig.Ulimits}}', inspect.stdout.trim()]);
    assert.equal(ul.stdout.trim(), '[{"Name":"nproc","Hard":60,"Soft":50}]');
    await d.docker(['rm', inspect.stdout.trim()]);
  });

  it('gives exec sessions the container\'s limits', async function () {
    const run = await d.docker(['run', '-d', '--ulimit', 'nofile=150:250', f.busybox.ref, 'sleep', '60']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    try {
      const e = await d.docker(['exec', id, 'sh', '-c', 'echo $(ulimit -Sn) $(ulimit -Hn)']);
      assert.equal(e.stdout.trim(), '150 250', e.stderr);
    } finally {
      await d.docker(['rm', '-f', id]);
    }
  });

  it('a SIGHUP reload changes the default for the next container', async function () {
    await fs.writeFile(configFile, JSON.stringify({ 'default-ulimits': { nofile: { Name: 'nofile', Soft: 400, Hard: 500 } } }));
    process.kill(d.pid as number, 'SIGHUP');
    await waitFor('the reload', async () => (await fs.readFile(d.logFile, 'utf8')).includes('configuration reloaded'));
    assert.equal(await limits([]), '400 500');
  });

  it('refuses a soft limit above the hard one at create, in one sentence', async function () {
    const r = await d.dockerode().createContainer({ Image: f.busybox.ref, HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] } }).then(
      () => assert.fail('created'),
      (err: { statusCode?: number; json?: { message?: string } }) => err,
    );
    assert.equal(r.statusCode, 400);
    assert.equal(r.json?.message, 'ulimit nofile: the soft limit 10 is above the hard limit 5');
    const bad = await d.docker(['run', '--rm', '--ulimit', 'bogus=1', f.busybox.ref, 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown ulimit "bogus"|invalid argument/);
  });
});
