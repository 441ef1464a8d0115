/**
 * commit (docker commit / berth commit): a container's changes — new, changed and deleted
 * files — become a layer on its image; -c/--change, -m and -a land in the image; the commit
 * of a running container pauses it and it keeps running.
 */
import * as assert from 'node:assert/strict';
import { type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: commit', function () {
  let d: TestDaemon;
  let f: Fixtures;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (f = fx)));

  it('docker commit of an exited container keeps its changes, deletions included, and --change', async function () {
    const c = await d.docker(['run', '--name', 'c1', f.busybox.ref, 'sh', '-c', 'echo changed > /etc/motd && rm /bin/ls && mkdir /newdir']);
    assert.equal(c.code, 0, c.stderr);
    const r = await d.docker(['commit', '-c', 'ENV COMMITTED=1', '-c', 'CMD ["cat", "/etc/motd"]', '-m', 'my message', '-a', 'me <me@x>', 'c1', 'committed:1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
    assert.equal((await d.docker(['run', '--rm', 'committed:1'])).stdout, 'changed\n');
    const check = await d.docker(['run', '--rm', 'committed:1', 'sh', '-c', 'test -e /bin/ls && echo ls-present; test -d /newdir && echo newdir; echo $COMMITTED']);
    assert.equal(check.stdout, 'newdir\n1\n');
    const inspect = JSON.parse((await d.docker(['image', 'inspect', 'committed:1'])).stdout) as { Author: string; Comment: string; Parent: string; RootFS: { Layers: string[] } }[];
    assert.equal(inspect[0]!.Author, 'me <me@x>');
    assert.equal(inspect[0]!.Comment, 'my message');
    assert.equal(inspect[0]!.RootFS.Layers.length, 3);
    await d.docker(['rm', 'c1']);
  });

  it('berth commit of a running container pauses it briefly; the container keeps running', async function () {
    const run = await d.docker(['run', '-d', '--name', 'c2', f.busybox.ref, 'sh', '-c', 'echo live > /live.txt; sleep 300']);
    assert.equal(run.code, 0, run.stderr);
    const r = await d.berth(['commit', 'c2', 'committed:running']);
    assert.equal(r.code, 0, r.stderr);
    const state = await d.docker(['inspect', '-f', '{{.State.Status}}', 'c2']);
    assert.equal(state.stdout.trim(), 'running');
    assert.equal((await d.docker(['run', '--rm', 'committed:running', 'cat', '/live.txt'])).stdout, 'live\n');
    await d.docker(['rm', '-f', 'c2']);
    const bad = await d.docker(['commit', 'nosuchcontainer']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /No such container: nosuchcontainer/);
  });
});
