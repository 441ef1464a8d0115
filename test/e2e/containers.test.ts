/**
 * Running containers through the real docker CLI and through bin/berth against one berthd:
 * run --rm, run -d + logs -f, stdin half-close, -it under a pty, ps -a, stop (SIGKILL after
 * the timeout), rm -f, exit 127 for a missing command, 409 name conflicts, 304 no-ops, and the
 * create → 404 → pull → create flow.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { repoRoot, runInPty, type Fixtures, type TestDaemon, useDockerDaemon } from '../support';

type Client = 'docker' | 'berth';

describe('e2e: containers (docker CLI and berth)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let image: string;

  // Nothing is pulled: the first test checks that `docker run` pulls a missing image itself.
  useDockerDaemon(() => [], (daemon, fx) => ((d = daemon), (f = fx), (image = fx.busybox.ref)));

  it('pulls a missing image on run, as the docker CLI does (create → 404 → pull → create)', async function () {
    const r = await d.docker(['run', '--rm', image, 'echo', 'pulled']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pulled\n');
    assert.match(r.stderr, /Unable to find image/);
  });

  for (const client of ['docker', 'berth'] as Client[]) {
    const cli = (args: string[], opts?: { input?: string }) => (client === 'docker' ? d.docker(args, opts) : d.berth(args, opts));

    describe(`with ${client}`, function () {
      it('run --rm prints the output and leaves no container', async function () {
        const r = await cli(['run', '--rm', image, 'echo', 'hi']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hi\n');
        const ps = await cli(['ps', '-aq']);
        assert.equal(ps.stdout.trim(), '');
      });

      it('exits with the container\'s code and keeps stdout and stderr apart', async function () {
        const r = await cli(['run', '--rm', image, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
        assert.equal(r.code, 7);
        assert.equal(r.stdout, 'out\n');
        assert.equal(r.stderr, 'err\n');
      });

      it('passes stdin and closes it at EOF (half-close)', async function () {
        const r = await cli(['run', '-i', '--rm', image, 'cat'], { input: 'hi\nthere\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hi\nthere\n');
      });

      it('runs -it under a pty and exits with the code', async function () {
        const argv = client === 'docker' ? ['docker'] : ['node', path.join(repoRoot(), 'bin', 'berth')];
        const r = await runInPty(argv[0]!, [...argv.slice(1), 'run', '-it', '--rm', image, 'sh', '-c', 'echo hi; exit 3'], { env: d.env() });
        assert.equal(r.code, 3, r.stdout + r.stderr);
        assert.match(r.stdout, /hi/);
      });

      it('run -d, logs -f until exit, ps -a in Docker columns', async function () {
        const name = `logs-${client}`;
        const run = await cli(['run', '-d', '--name', name, image, 'sh', '-c', 'for i in 1 2 3; do echo tick $i; sleep 0.2; done']);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout.trim(), /^[0-9a-f]{64}$/);
        const logs = await cli(['logs', '-f', name]);
        assert.equal(logs.code, 0, logs.stderr);
        assert.equal(logs.stdout, 'tick 1\ntick 2\ntick 3\n');
        const tail = await cli(['logs', '--tail', '1', '-t', name]);
        assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z tick 3\n$/);
        const ps = await cli(['ps', '-a']);
        const lines = ps.stdout.trimEnd().split('\n');
        assert.match(lines[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
        const row = lines.find((l) => l.endsWith(` ${name}`));
        assert.match(row ?? '', /^[0-9a-f]{12}\s+\S+\s+"sh -c 'for i in 1 2…"\s+.+ ago\s+Exited \(0\) .+ ago\s+/);
        assert.equal((await cli(['rm', name])).code, 0);
      });

      it('stops a container that ignores SIGTERM (SIGKILL after -t), rm -f a running one', async function () {
        const name = `stop-${client}`;
        assert.equal((await cli(['run', '-d', '--name', name, image, 'sleep', '100'])).code, 0);
        const rmRunning = await cli(['rm', name]);
        assert.notEqual(rmRunning.code, 0);
        assert.match(rmRunning.stderr, new RegExp(`cannot remove container "/${name}": container is running: stop the container before removing or force remove`));
        const stop = await cli(['stop', '-t', '1', name]);
        assert.equal(stop.code, 0, stop.stderr);
        assert.equal(stop.stdout, `${name}\n`);
        const code = await cli(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name]);
        assert.equal(code.stdout.trim(), 'exited 137');
        const again = await cli(['stop', name]);
        assert.equal(again.code, 0, 'stopping a stopped container is a no-op (304)');
        assert.equal((await cli(['start', name])).code, 0);
        const rmf = await cli(['rm', '-f', name]);
        assert.equal(rmf.code, 0, rmf.stderr);
        assert.equal((await cli(['ps', '-aq', '--filter', `name=${name}`])).stdout, '');
      });

      it('exits 127 with Docker\'s message for a missing command', async function () {
        const r = await cli(['run', '--rm', image, 'nosuchcmd']);
        assert.equal(r.code, 127);
        assert.match(r.stderr, /exec: "nosuchcmd": executable file not found in \$PATH/);
      });

      it('refuses a name in use with a 409 naming the owner', async function () {
        const name = `dup-${client}`;
        const first = await cli(['create', '--name', name, image, 'true']);
        assert.equal(first.code, 0, first.stderr);
        const id = first.stdout.trim();
        const second = await cli(['create', '--name', name, image, 'true']);
        assert.notEqual(second.code, 0);
        assert.match(second.stderr, new RegExp(`Conflict\\. The container name "/${name}" is already in use by container "${id}"`));
        await cli(['rm', name]);
      });

      it('exec runs in a running container with its exit code', async function () {
        const name = `exec-${client}`;
        assert.equal((await cli(['run', '-d', '--name', name, image, 'sleep', '100'])).code, 0);
        const r = await cli(['exec', name, 'sh', '-c', 'echo in; exit 4']);
        assert.equal(r.code, 4);
        assert.equal(r.stdout, 'in\n');
        const piped = await cli(['exec', '-i', name, 'cat'], { input: 'x\n' });
        assert.equal(piped.stdout, 'x\n');
        await cli(['rm', '-f', name]);
      });
    });
  }
});
