// The containers service over a fake runtime: Docker's lifecycle rules and messages
// (404 for a missing image, 409 name conflict, 304 start/stop no-ops, 409 rm of a running
// container), wait conditions, auto-remove, start failures (127), stop escalating to SIGKILL,
// and recovery after a daemon restart.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStores, Stores } from '../../../daemon/store/stores';
import { registerImage } from '../../../daemon/images/register';
import { parseReference } from '../../../daemon/oci/reference';
import { ContainerStore } from '../../../daemon/containers/record';
import { ContainerService } from '../../../daemon/containers/service';
import { ContainerQueries } from '../../../daemon/containers/queries';
import { BerthError } from '../../../daemon/errors';
import { FakeRuntime } from './fake-runtime';
import { setLogLevel } from '../../../daemon/log';

async function rejectsWith(p: Promise<unknown>, kind: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('ContainerService', () => {
  before(() => setLogLevel('warn'));
  after(() => setLogLevel('info'));
  let root: string;
  let stores: Stores;
  let runtime: FakeRuntime;
  let svc: ContainerService;

  const body = (cmd: string[], extra: Record<string, unknown> = {}) => ({ Image: 'busybox', Cmd: cmd, ...extra });

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctr-'));
    stores = await openStores({ dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'run') });
    const img = await registerImage(stores, {
      architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] },
      config: { Env: ['PATH=/bin', 'A=image'], Cmd: ['sh'], WorkingDir: '/w', Labels: { from: 'image' } },
    });
    await stores.refs.set(parseReference('busybox:latest'), img.id);
    runtime = new FakeRuntime();
    svc = new ContainerService(stores, new ContainerStore(stores.paths), runtime);
    await svc.recover();
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('answers 404 "No such image" for a missing image, naming it with its tag', async () => {
    await rejectsWith(svc.create(undefined, { Image: 'nothere' }), 'NotFound', /^No such image: nothere:latest$/);
  });

  it('merges the image config and writes the record, /etc files and writable layer', async () => {
    const { Id } = await svc.create('web', body(['echo', 'hi'], { Env: ['A=user'] }));
    const rec = svc.get('web');
    assert.equal(rec.Id, Id);
    assert.equal(rec.Name, '/web');
    assert.deepEqual(rec.Config.Env, ['A=user', 'PATH=/bin']);
    assert.equal(rec.Config.WorkingDir, '/w');
    assert.equal(rec.Path, 'echo');
    assert.deepEqual(rec.Args, ['hi']);
    assert.equal(rec.Config.Hostname, Id.slice(0, 12));
    const dir = stores.paths.containerDir(Id);
    for (const f of ['container.json', 'hosts', 'hostname', 'resolv.conf', 'upper', 'work']) await fs.stat(path.join(dir, f));
    assert.equal(await fs.readFile(path.join(dir, 'hostname'), 'utf8'), `${Id.slice(0, 12)}\n`);
    assert.equal(svc.get(Id.slice(0, 6)).Id, Id);
  });

  it('refuses a name already in use with Docker\'s 409 message', async () => {
    const { Id } = await svc.create('dup', body(['sleep']));
    await rejectsWith(svc.create('dup', body(['sleep'])), 'Conflict',
      new RegExp(`^Conflict\\. The container name "/dup" is already in use by container "${Id}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.$`));
  });

  it('runs to completion: wait next-exit gives the exit code; start twice is 304; stop of a stopped one is 304', async () => {
    const { Id } = await svc.create('xx', body(['exit', '3']));
    const waited = svc.wait(Id, 'next-exit');
    await svc.start(Id);
    assert.deepEqual(await waited, { StatusCode: 3, Error: null });
    const rec = svc.get(Id);
    assert.equal(rec.State.Status, 'exited');
    assert.equal(rec.State.ExitCode, 3);
    await rejectsWith(svc.stop(Id), 'NotModified');
    assert.deepEqual(await svc.wait(Id, 'not-running'), { StatusCode: 3, Error: null });
  });

  it('start of a running container is 304; rm without force is 409; rm -f kills and removes', async () => {
    const { Id } = await svc.create('rr', body(['sleep']));
    await svc.start(Id);
    await rejectsWith(svc.start(Id), 'NotModified');
    await rejectsWith(svc.remove('rr', false), 'Conflict', /^cannot remove container "\/rr": container is running: stop the container before removing or force remove$/);
    const removed = svc.wait(Id, 'removed');
    await svc.remove('rr', true);
    assert.equal((await removed).StatusCode, 137);
    assert.equal(svc.find(Id), undefined);
    await assert.rejects(fs.stat(stores.paths.containerDir(Id)));
  });

  it('stop sends SIGTERM, then SIGKILL when the container ignores it', async () => {
    const { Id } = await svc.create(undefined, body(['stubborn']));
    await svc.start(Id);
    await svc.stop(Id, 0);
    assert.ok(runtime.calls.includes(`signal ${Id} 15`));
    assert.ok(runtime.calls.includes(`signal ${Id} 9`));
    assert.equal(svc.get(Id).State.ExitCode, 137);
    assert.match(svc.get(Id).Name, /^\/[a-z]+_[a-z]+\d?$/);
  });

  it('auto-removes after exit and fires the removed condition', async () => {
    const { Id } = await svc.create(undefined, body(['echo', 'bye'], { HostConfig: { AutoRemove: true } }));
    const removed = svc.wait(Id, 'removed');
    await svc.start(Id);
    assert.equal((await removed).StatusCode, 0);
    assert.equal(svc.find(Id), undefined);
  });

  it('records exit code 127 and the runtime message when the command is missing', async () => {
    const { Id } = await svc.create('mm', body(['missing']));
    await rejectsWith(svc.start(Id), 'InvalidParameter', /executable file not found in \$PATH/);
    const rec = svc.get(Id);
    assert.equal(rec.State.ExitCode, 127);
    assert.equal(rec.State.Status, 'created');
    assert.match(rec.State.Error, /executable file not found/);
  });

  it('renames, pauses and unpauses', async () => {
    const { Id } = await svc.create('aa', body(['sleep']));
    await svc.rename('aa', 'bb');
    assert.equal(svc.get(Id).Name, '/bb');
    await rejectsWith(svc.pause(Id), 'Conflict');
    await svc.start(Id);
    await svc.pause(Id);
    assert.equal(svc.get(Id).State.Status, 'paused');
    await svc.unpause(Id);
    assert.equal(svc.get(Id).State.Status, 'running');
    await svc.kill(Id);
    assert.equal(svc.get(Id).State.ExitCode, 137);
  });

  it('after a restart, keeps running containers running and marks ended ones with their exit code', async () => {
    const alive = await svc.create('alive', body(['sleep']));
    const dead = await svc.create('dead', body(['sleep']));
    await svc.start(alive.Id);
    await svc.start(dead.Id);
    const runtime2 = new FakeRuntime();
    runtime2.survivors.add(alive.Id);
    const svc2 = new ContainerService(stores, new ContainerStore(stores.paths), runtime2);
    await svc2.recover();
    assert.equal(svc2.get('alive').State.Status, 'running');
    assert.equal(svc2.get('dead').State.Status, 'exited');
    assert.equal(svc2.get('dead').State.ExitCode, 42);
    assert.ok(runtime2.calls.includes(`cleanup ${dead.Id}`));
  });

  it('lists with filters and inspects in Docker\'s shape', async () => {
    const a = await svc.create('one', body(['sleep'], { Labels: { team: 'x' } }));
    await svc.create('two', body(['exit', '1']));
    await svc.start(a.Id);
    await svc.start('two');
    await svc.wait('two', 'not-running');
    const q = new ContainerQueries(svc);
    const running = await q.list({ all: false, size: false });
    assert.deepEqual(running.map((c) => c.Names), [['/one']]);
    const all = await q.list({ all: true, size: false });
    assert.equal(all.length, 2);
    const exited = await q.list({ all: true, size: false, filters: JSON.stringify({ exited: ['1'] }) });
    assert.deepEqual(exited.map((c) => c.Names), [['/two']]);
    const labelled = await q.list({ all: true, size: false, filters: JSON.stringify({ label: { 'team=x': true } }) });
    assert.deepEqual(labelled.map((c) => c.Names), [['/one']]);
    assert.match(String(all.find((c) => c.State === 'exited')?.Status), /^Exited \(1\) /);
    const inspect = await q.inspect('one', false);
    assert.equal(inspect.Name, '/one');
    assert.equal((inspect.State as { Running: boolean }).Running, true);
    assert.equal(inspect.Driver, 'overlay2');
    assert.deepEqual((inspect.Config as { Labels: unknown }).Labels, { from: 'image', team: 'x' });
    const pruned = await q.prune(undefined);
    assert.equal(pruned.ContainersDeleted?.length, 1);
    assert.deepEqual(q.counts(), { Containers: 1, ContainersRunning: 1, ContainersPaused: 0, ContainersStopped: 0 });
  });
});
