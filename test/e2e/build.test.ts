/**
 * Builds through `berth build`, the real `DOCKER_BUILDKIT=0 docker build` and docker-py against
 * berthd: examples/hello-world (FROM scratch, COPY, CMD) built and run, a fully cached rebuild,
 * a changed file rebuilding from its step, RUN steps on the busybox fixture (whiteouts
 * included), multi-stage with --target, and the error cases (unknown instruction, missing
 * file, failing RUN) that must tag nothing.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, repoRoot, requireRoot, runOk, sharedFixtures, skipBecause, startDaemon, type Fixtures, type TestDaemon } from '../support';

describe('e2e: build (berth, docker CLI, docker-py)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let hw: string;
  let work: string;

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    if (!haveCommand('gcc')) skipBecause(this, 'gcc is needed to compile examples/hello-world/hello.c');
    f = await sharedFixtures();
    d = await startDaemon();
    work = await makeTempDir('berth-e2e-build-');
    hw = path.join(work, 'hello-world');
    await fs.mkdir(hw);
    for (const name of ['Dockerfile', 'hello.c', 'Makefile']) await fs.copyFile(path.join(repoRoot(), 'examples/hello-world', name), path.join(hw, name));
    await runOk('make', ['-s', '-B', '-C', hw]);
    const pull = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  after(async function () {
    await d?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  async function context(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(work, name);
    await fs.mkdir(dir, { recursive: true });
    for (const [p, content] of Object.entries(files)) await fs.writeFile(path.join(dir, p), content);
    return dir;
  }

  it('berth build builds examples/hello-world; it runs and is listed at its small size', async function () {
    const r = await d.berth(['build', '-t', 'hello-e2e', hw]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Step 1\/3 : FROM scratch$/m);
    assert.match(r.stdout, /^Step 2\/3 : COPY hello \/$/m);
    assert.match(r.stdout, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(r.stdout, /^Successfully tagged hello-e2e:latest$/m);
    const run = await d.docker(['run', '--rm', 'hello-e2e']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(f.helloGreeting));
    const images = await d.berth(['images', 'hello-e2e']);
    // The hello binary is freestanding: the whole image is a few kB, not the ~700 kB of static glibc.
    assert.match(images.stdout, /hello-e2e\s+latest\s+[0-9a-f]{12}\s+.+\s+\d+(\.\d+)?kB\s*$/m);
    const size = Number((await d.docker(['image', 'inspect', '--format', '{{.Size}}', 'hello-e2e'])).stdout.trim());
    assert.ok(size > 0 && size < 10_000, `hello-world image is ${size} bytes`);
  });

  it('docker build (legacy builder) gives the same steps; a rebuild is fully cached with the same id', async function () {
    const first = await d.docker(['build', '-t', 'hello-docker:1', hw]);
    assert.equal(first.code, 0, first.stderr);
    const id = /Successfully built ([0-9a-f]{12})/.exec(first.stdout)?.[1];
    assert.ok(id, first.stdout);
    const again = await d.docker(['build', '-t', 'hello-docker:1', hw]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((again.stdout.match(/ ---> Using cache/g) ?? []).length, 2, again.stdout);
    assert.doesNotMatch(again.stdout, /Running in/);
    assert.match(again.stdout, new RegExp(`Successfully built ${id}`));
    const q = await d.docker(['build', '-q', '-t', 'hello-docker:1', hw]);
    assert.equal(q.stdout.trim().slice(7, 19), id);
  });

  it('RUN steps on busybox: output streamed, whiteouts kept, a changed file rebuilds from its step', async function () {
    const dir = await context('run', {
      'payload.txt': 'payload-1',
      Dockerfile: `FROM ${f.busybox.ref}\nENV GREETING=hello\nWORKDIR /app\nCOPY payload.txt /app/payload.txt\nRUN echo "$GREETING" > /app/greeting && rm /bin/ls && echo step-output\nCMD ["cat", "/app/greeting", "/app/payload.txt"]\n`,
    });
    const b = await d.docker(['build', '-t', 'runs:1', dir]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.match(b.stdout, / ---> Running in [0-9a-f]{12}\nstep-output\nRemoving intermediate container [0-9a-f]{12}\n/);
    const run = await d.docker(['run', '--rm', 'runs:1']);
    assert.equal(run.stdout, 'hello\npayload-1');
    const gone = await d.docker(['run', '--rm', 'runs:1', 'sh', '-c', 'test -e /bin/ls && echo present || echo deleted']);
    assert.equal(gone.stdout.trim(), 'deleted');
    await fs.writeFile(path.join(dir, 'payload.txt'), 'payload-2');
    const b2 = await d.docker(['build', '-t', 'runs:1', dir]);
    assert.equal(b2.code, 0, b2.stderr);
    const steps = b2.stdout.split(/^Step /m).slice(1);
    assert.match(steps[1]!, /Using cache/);
    assert.match(steps[2]!, /Using cache/);
    assert.doesNotMatch(steps[3]!, /Using cache/, 'the COPY of the changed file runs again');
    assert.match(steps[4]!, /Running in/, 'and so does every step after it');
    assert.equal((await d.docker(['run', '--rm', 'runs:1'])).stdout, 'hello\npayload-2');
  });

  it('multi-stage: COPY --from a stage, --target stops at a stage', async function () {
    const dir = await context('multi', {
      Dockerfile: `FROM ${f.busybox.ref} AS builder\nRUN mkdir /out && echo artifact > /out/a\nFROM scratch AS final\nCOPY --from=builder /out/a /a\nCOPY --from=builder /bin/busybox /bin/cat\nCMD ["/bin/cat", "/a"]\n`,
    });
    const b = await d.berth(['build', '-t', 'multi:final', dir]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await d.docker(['run', '--rm', 'multi:final'])).stdout.trim(), 'artifact');
    const t = await d.berth(['build', '--target', 'builder', '-t', 'multi:builder', dir]);
    assert.equal(t.code, 0, t.stderr);
    assert.doesNotMatch(t.stdout, /FROM scratch/);
    const bad = await d.berth(['build', '--target', 'nope', dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed to reach build target nope/);
  });

  it('errors name the line and instruction, and tag nothing', async function () {
    const unknown = await context('err1', { Dockerfile: `FROM ${f.busybox.ref}\nRUN true\nFOOBAR x\n` });
    const r1 = await d.docker(['build', '-t', 'never:1', unknown]);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /Dockerfile parse error line 3: unknown instruction: FOOBAR/);
    const missing = await context('err2', { Dockerfile: `FROM ${f.busybox.ref}\nCOPY missing.txt /\n` });
    const r2 = await d.berth(['build', '-t', 'never:1', missing]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /line 2: COPY failed: file not found in build context/);
    const failing = await context('err3', { Dockerfile: `FROM ${f.busybox.ref}\nRUN echo about-to-fail && false\n` });
    const r3 = await d.docker(['build', '-t', 'never:1', failing]);
    assert.notEqual(r3.code, 0);
    assert.match(r3.stdout, /about-to-fail/);
    assert.match(r3.stderr, /The command '\/bin\/sh -c echo about-to-fail && false' returned a non-zero code: 1/);
    const listed = await d.docker(['images', '-q', 'never']);
    assert.equal(listed.stdout.trim(), '');
  });

  it('docker-py finds the built image id', async function () {
    const r = await d.dockerPy(`import docker\nc = docker.from_env()\nimg, logs = c.images.build(path=${JSON.stringify(hw)}, tag='hello-py:1')\nprint(img.id)\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  });

  it('.dockerignore is applied by the client (berth and docker CLI); -f - reads the Dockerfile from stdin', async function () {
    const dir = await context('ignore', {
      'keep.txt': 'kept',
      'secret.txt': 'secret',
      'debug.log': 'log',
      '.dockerignore': 'secret.txt\n*.log\n',
      Dockerfile: `FROM ${f.busybox.ref}\nCOPY . /ctx/\nCMD ["ls", "-A", "/ctx"]\n`,
    });
    for (const cli of ['berth', 'docker'] as const) {
      const b = await (cli === 'berth' ? d.berth : d.docker)(['build', '-t', `ignore:${cli}`, dir]);
      assert.equal(b.code, 0, b.stderr);
      const ls = await d.docker(['run', '--rm', `ignore:${cli}`]);
      assert.deepEqual(ls.stdout.trim().split('\n').sort(), ['.dockerignore', 'Dockerfile', 'keep.txt'], cli);
    }
    const stdin = await d.berth(['build', '-q', '-f', '-', dir], { input: `FROM ${f.busybox.ref}\nCOPY keep.txt /k\nCMD ["cat", "/k"]\n` });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal((await d.docker(['run', '--rm', stdin.stdout.trim()])).stdout, 'kept');
  });

  it('a build whose client goes away stops: its RUN container is removed and nothing is tagged', async function () {
    const dir = await context('cancel', { Dockerfile: `FROM ${f.busybox.ref}\nRUN echo started && sleep 60\n` });
    const { spawn } = await import('node:child_process');
    const child = spawn('node', [path.join(repoRoot(), 'bin/berth'), 'build', '-t', 'cancelled:1', dir], { env: d.env() });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const { waitFor } = await import('../support');
    // The step's own output line, not the "Step 2/2 : RUN echo started" header that also contains the word.
    await waitFor('the RUN step to start', async () => /^started$/m.test(out), { timeoutMs: 60_000 });
    const cid = / ---> Running in ([0-9a-f]{12})/.exec(out)?.[1];
    assert.ok(cid, out);
    child.kill('SIGKILL');
    await waitFor('the step container to be removed', async () => (await d.docker(['ps', '-a', '-q', '--no-trunc'])).stdout.split('\n').every((id) => !id.startsWith(cid!)), { timeoutMs: 30_000 });
    assert.equal((await d.docker(['images', '-q', 'cancelled'])).stdout.trim(), '');
  });
});
