/**
 * A Docker user's container workflow through docker-py and the docker CLI against berthd, and
 * the mistakes users make: every one answers with Docker's status and one clear sentence, and
 * leaves no mount and no half-made container behind.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { mountsUnder, type TestDaemon, useDockerDaemon } from '../support';

function request(socket: string, method: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: p }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PY_WORKFLOW = `
import docker, io, json, sys, tarfile
image = sys.argv[1] if len(sys.argv) > 1 else IMAGE
c = docker.from_env()
out = {}
ct = c.containers.run(image, ["sh", "-c", "echo one; echo two; echo err >&2"], detach=True, name="py1")
out["streamed"] = b"".join(ct.logs(stream=True, follow=True)).decode()
out["wait"] = ct.wait()["StatusCode"]
out["stdout_only"] = ct.logs(stdout=True, stderr=False).decode()
lr = c.containers.run(image, "sleep 600", detach=True, name="py2")
r = lr.exec_run("sh -c 'echo hi; echo oops >&2; exit 3'")
out["exec"] = [r.exit_code, r.output.decode()]
out["exec_demux"] = [x.decode() for x in lr.exec_run("sh -c 'echo o; echo e >&2'", demux=True).output]
out["top_cmd"] = [p[-1] for p in lr.top()["Processes"]]
lr.exec_run("sh -c 'echo x > /newfile; rm /bin/ls'")
out["diff"] = sorted(d["Path"] for d in lr.diff())
names = tarfile.open(fileobj=io.BytesIO(b"".join(lr.export()))).getnames()
out["export_has"] = ["newfile" in names, "bin/busybox" in names, "bin/ls" in names]
lr.rename("py2b"); lr.reload(); out["renamed"] = lr.name
lr.pause(); lr.reload(); out["paused"] = lr.status
lr.unpause(); lr.reload(); out["unpaused"] = lr.status
out["running"] = [x.name for x in c.containers.list()]
out["exited"] = [x.name for x in c.containers.list(filters={"status": "exited"})]
out["by_name"] = [x.name for x in c.containers.list(all=True, filters={"name": "py1"})]
lr.kill(); out["killed"] = lr.wait()["StatusCode"]
out["pruned"] = len(c.containers.prune()["ContainersDeleted"])
out["left"] = len(c.containers.list(all=True))
print(json.dumps(out))
`;

describe('e2e: containers through docker-py, and users\' mistakes', function () {
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  const containerDirs = async () => (await fs.readdir(path.join(d.dataRoot, 'containers'))).sort();

  it('docker-py: run detach, logs stream, wait, exec_run, top, diff, export, rename, pause, list filters, prune', async function () {
    this.timeout(60_000);
    const r = await d.dockerPy(PY_WORKFLOW.replace('IMAGE', JSON.stringify(image)));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(out, {
      streamed: 'one\ntwo\nerr\n', wait: 0, stdout_only: 'one\ntwo\n',
      exec: [3, 'hi\noops\n'], exec_demux: ['o\n', 'e\n'], top_cmd: ['sleep 600'],
      diff: ['/bin', '/bin/ls', '/newfile'], export_has: [true, true, false], renamed: 'py2b', paused: 'paused', unpaused: 'running',
      running: ['py2b'], exited: ['py1'], by_name: ['py1'], killed: 137, pruned: 2, left: 0,
    });
    assert.deepEqual(mountsUnder(d.dataRoot), []);
  });

  it('docker top passes ps options (-o pid,comm) and keeps only the container\'s processes', async function () {
    const run = await d.docker(['run', '-d', '--name', 'topme', image, 'sleep', '600']);
    assert.equal(run.code, 0, run.stderr);
    const top = await d.docker(['top', 'topme', '-o', 'pid,comm']);
    assert.equal(top.code, 0, top.stderr);
    const lines = top.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(lines[0], ['PID', 'COMMAND']);
    assert.deepEqual(lines.slice(1).map((l) => l[1]), ['sleep']);
    const bad = await d.docker(['top', 'topme', '-o', 'nosuchcolumn']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Error response from daemon: ps -o nosuchcolumn failed/);
    await d.docker(['rm', '-f', 'topme']);
  });

  it('a relative -w is refused with Docker\'s message and creates nothing', async function () {
    const before = await containerDirs();
    const r = await d.docker(['run', '--rm', '-w', 'rel', image, 'pwd']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /the working directory 'rel' is invalid, it needs to be an absolute path/);
    assert.deepEqual(await containerDirs(), before);
  });

  it('a bad flag of run or create exits 125 in berth as in the docker CLI', async function () {
    for (const cmd of ['run', 'create']) {
      const docker = await d.docker([cmd, '--bogus', image]);
      const berth = await d.berth([cmd, '--bogus', image]);
      assert.equal(docker.code, 125);
      assert.equal(berth.code, 125, `berth ${cmd}`);
      assert.equal(berth.stderr.trim(), 'berth: unknown flag: --bogus');
    }
  });

  it('unknown image, missing bind source, unknown user: clear errors, no mounts, no leftovers', async function () {
    const before = await containerDirs();
    const img = await d.docker(['run', '--rm', `${image.replace(/busybox:.*/, 'nosuch')}:x`, 'true']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /not found/);
    const bind = await d.berth(['run', '--rm', '-v', '/nonexistent-berth-qa:/x', image, 'true']);
    assert.equal(bind.code, 125);
    assert.equal(bind.stderr.trim(), 'berth: invalid mount config for type "bind": bind source path does not exist: /nonexistent-berth-qa');
    const user = await d.docker(['run', '--rm', '-u', 'nosuchuser', image, 'true']);
    assert.equal(user.code, 125);
    assert.match(user.stderr, /unable to find user nosuchuser: no matching entries in passwd file/);
    const cmd = await d.docker(['run', '--rm', image, 'nosuchcmd']);
    assert.equal(cmd.code, 127);
    assert.match(cmd.stderr, /exec: "nosuchcmd": executable file not found in \$PATH/);
    assert.deepEqual(await containerDirs(), before);
    assert.deepEqual(mountsUnder(d.dataRoot), []);
  });

  it('a start that fails (no such user) leaves the container Created, as Docker does, with nothing in the exec-root', async function () {
    const r = await d.docker(['run', '--name', 'nouser', '-u', 'nosuchuser', image, 'true']);
    assert.equal(r.code, 125);
    const state = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'nouser']);
    assert.equal(state.stdout.trim(), 'created 128 unable to find user nosuchuser: no matching entries in passwd file');
    const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'nouser'])).stdout.trim();
    await assert.rejects(fs.stat(path.join(d.execRoot, 'containers', id)), 'no runtime dir for a container that never ran');
    assert.deepEqual(mountsUnder(d.dataRoot), []);
    assert.equal((await d.docker(['rm', 'nouser'])).code, 0);
  });

  it('ps shows the image id once the name a container was made from is untagged (Docker\'s refreshImage)', async function () {
    assert.equal((await d.docker(['tag', image, 'qa-tag:1'])).code, 0);
    assert.equal((await d.docker(['create', '--name', 'tagged', 'qa-tag:1', 'true'])).code, 0);
    const ps = () => d.docker(['ps', '-a', '--filter', 'name=tagged', '--format', '{{.Image}}']);
    assert.equal((await ps()).stdout.trim(), 'qa-tag:1');
    assert.equal((await d.docker(['rmi', 'qa-tag:1'])).code, 0);
    const id = (await d.docker(['image', 'inspect', '-f', '{{.Id}}', image])).stdout.trim();
    assert.equal((await ps()).stdout.trim(), id.replace('sha256:', '').slice(0, 12));
    assert.equal((await d.docker(['rm', 'tagged'])).code, 0);
  });

  it('wrong states answer 304 and 409 as Docker does', async function () {
    const run = await d.docker(['run', '-d', '--name', 'st', image, 'sleep', '600']);
    assert.equal(run.code, 0, run.stderr);
    const rm = await request(d.socket, 'DELETE', '/v1.47/containers/st');
    assert.equal(rm.status, 409);
    assert.match(rm.body, /container is running: stop the container before removing or force remove/);
    const dup = await request(d.socket, 'POST', '/v1.47/containers/st/start');
    assert.equal(dup.status, 304);
    const stop = await d.docker(['stop', '-t', '0', 'st']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await request(d.socket, 'POST', '/v1.47/containers/st/stop')).status, 304);
    assert.equal((await request(d.socket, 'POST', '/v1.47/containers/st/kill')).status, 409);
    assert.equal((await d.docker(['rm', 'st'])).code, 0);
    assert.deepEqual(mountsUnder(d.dataRoot), []);
  });
});
