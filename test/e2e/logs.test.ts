/**
 * Container logs (issue 8, Logs): json-file rotation with --log-opt max-size/max-file (files
 * kept, `logs` reading the rotated files in order, `logs -f` following across rotations
 * without losing a line), --log-driver none (attach still works, `logs` says Docker's "does
 * not support reading"), drivers berth lacks refused, bad options refused with Docker's
 * words, daemon.json log-driver/log-opts as the default; through the docker CLI and berth.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTree, startDaemon, type TestDaemon, useDockerDaemon } from '../support';

const seq = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');

async function logFiles(d: TestDaemon, id: string): Promise<{ name: string; size: number }[]> {
  const dir = path.join(d.dataRoot, 'containers', id);
  const names = (await fs.readdir(dir)).filter((n) => n.startsWith(`${id}-json.log`)).sort();
  return Promise.all(names.map(async (name) => ({ name, size: (await fs.stat(path.join(dir, name))).size })));
}

describe('e2e: container logs (rotation, drivers)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  const docker = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('--log-opt max-size=1k max-file=3: at most 3 files, logs shows the newest lines in order', async function () {
    const id = (await docker(['run', '-d', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=3', image, 'sh', '-c', 'seq 1 2000'])).trim();
    await docker(['wait', id]);
    const files = await logFiles(d, id);
    assert.equal(files.length, 3, JSON.stringify(files));
    for (const f of files) assert.ok(f.size < 1000 + 200, `${f.name} is ${f.size} bytes`);
    const out = await docker(['logs', id]);
    const lines = out.trim().split('\n').map(Number);
    assert.equal(lines[lines.length - 1], 2000);
    assert.deepEqual(lines, lines.map((_, i) => (lines[0] as number) + i), 'contiguous, oldest first');
    assert.ok(lines.length > 20 && lines.length < 100, `${lines.length} lines kept`);
    assert.deepEqual((await docker(['logs', '--tail', '5', id])).trim().split('\n'), ['1996', '1997', '1998', '1999', '2000']);
    const inspect = JSON.parse(await docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', id])) as unknown;
    assert.deepEqual(inspect, { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '3' } });
  });

  it('logs -f follows across rotations without losing or repeating a line', async function () {
    const script = 'sleep 0.5; i=1; while [ $i -le 600 ]; do echo $i; [ $((i % 25)) = 0 ] && sleep 0.05; i=$((i+1)); done';
    const id = (await docker(['run', '-d', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=4', image, 'sh', '-c', script])).trim();
    const followed = await docker(['logs', '-f', id]);
    assert.equal(followed, seq(1, 600));
    assert.ok((await logFiles(d, id)).length <= 4);
  });

  it('max-file=1 truncates in place; logs still ends with the last line', async function () {
    const id = (await docker(['run', '-d', '--log-opt', 'max-size=1k', image, 'sh', '-c', 'seq 1 500'])).trim();
    await docker(['wait', id]);
    assert.equal((await logFiles(d, id)).length, 1);
    assert.match(await docker(['logs', id]), /\n500\n$/);
  });

  it('--log-driver none: run still prints (attach), logs says the driver does not support reading', async function () {
    assert.equal(await docker(['run', '--rm', '--log-driver', 'none', image, 'echo', 'hi']), 'hi\n');
    const id = (await docker(['run', '-d', '--log-driver', 'none', image, 'echo', 'quiet'])).trim();
    await docker(['wait', id]);
    const logs = await d.docker(['logs', id]);
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /configured logging driver does not support reading/);
    assert.deepEqual(await logFiles(d, id), [], 'no log file is written');
    const berth = await d.berth(['logs', id]);
    assert.notEqual(berth.code, 0);
    assert.match(berth.stderr, /configured logging driver does not support reading/);
  });

  it('--log-driver local keeps and reads logs (json-file files on disk, local\'s defaults)', async function () {
    const id = (await docker(['run', '-d', '--log-driver', 'local', '--log-opt', 'max-size=1k', image, 'sh', '-c', 'seq 1 300'])).trim();
    await docker(['wait', id]);
    assert.match(await docker(['logs', id]), /\n300\n$/);
    assert.ok((await logFiles(d, id)).length <= 5, 'local keeps 5 files by default');
    assert.equal((await docker(['inspect', '-f', '{{.HostConfig.LogConfig.Type}}', id])).trim(), 'local');
  });

  it('refuses drivers berth lacks and bad options, with Docker\'s words, before creating anything', async function () {
    const cases: [string[], RegExp][] = [
      [['--log-driver', 'syslog'], /berth does not support the syslog logging driver: use json-file, local or none/],
      [['--log-driver', 'nosuch'], /logger: no log driver named 'nosuch' is registered/],
      [['--log-opt', 'max-size=abc'], /invalid size: 'abc'/],
      [['--log-opt', 'max-file=0'], /max-file cannot be less than 1/],
      [['--log-opt', 'bogus=1'], /unknown log opt 'bogus' for json-file log driver/],
      [['--log-opt', 'compress=true'], /compress=true is not supported by berth/],
    ];
    for (const [flags, message] of cases) {
      const r = await d.docker(['run', '--rm', ...flags, image, 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const b = await d.berth(['run', '--log-driver', 'gelf', image, 'true']);
    assert.equal(b.code, 125, b.stderr);
    assert.match(b.stderr, /berth does not support the gelf logging driver/);
    assert.equal((await docker(['ps', '-aq', '--filter', 'status=created'])).trim(), '');
  });
});

describe('e2e: daemon.json log-driver and log-opts are the containers\' default', function () {
  this.timeout(120_000);
  let d: TestDaemon | undefined;
  let dir: string;
  let image: string;

  before(async function () {
    dir = await makeTempDir('logconf');
    const file = path.join(dir, 'daemon.json');
    await fs.writeFile(file, JSON.stringify({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '1k', 'max-file': '2' } }));
    const { sharedFixtures } = await import('../support');
    image = (await sharedFixtures()).busybox.ref;
    d = await startDaemon({ args: ['--config-file', file] });
    const pull = await d.docker(['pull', '-q', image]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  after(async function () {
    await d?.stop();
    await removeTree(dir);
  });

  it('applies them, and a container\'s own options win', async function () {
    const dd = d as TestDaemon;
    const id = (await dd.docker(['run', '-d', image, 'sh', '-c', 'seq 1 1000'])).stdout.trim();
    assert.equal((await dd.docker(['wait', id])).code, 0);
    assert.equal((await logFiles(dd, id)).length, 2);
    assert.deepEqual(JSON.parse((await dd.docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', id])).stdout), { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '2' } });
    const own = (await dd.docker(['create', '--log-opt', 'max-file=5', image, 'true'])).stdout.trim();
    const lc = JSON.parse((await dd.docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', own])).stdout) as { Config: Record<string, string> };
    assert.deepEqual(lc.Config, { 'max-file': '5', 'max-size': '1k' });
    const none = (await dd.docker(['create', '--log-driver', 'none', image, 'true'])).stdout.trim();
    assert.deepEqual(JSON.parse((await dd.docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', none])).stdout), { Type: 'none', Config: {} });
    assert.match((await dd.docker(['info', '--format', '{{.LoggingDriver}}'])).stdout, /^json-file/);
  });
});
