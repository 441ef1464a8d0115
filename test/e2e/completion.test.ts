/**
 * `berth completion bash|zsh|fish`: the bash script, sourced in a real bash, completes
 * commands, subcommands, flags, and container and image names asked from a running berthd
 * (through -H). The zsh and fish scripts are syntax-checked and driven in those shells when
 * they are installed (scripts/install.sh installs both).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, repoRoot, run, useDockerDaemon, type Fixtures, type TestDaemon } from '../support';

describe('e2e: berth completion', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let dir = '';
  useDockerDaemon((fx) => [fx.hello], (daemon, fx) => {
    d = daemon;
    f = fx;
  });

  before(async function () {
    dir = await makeTempDir('completion');
    // `berth` on PATH is this checkout's CLI, as the package's /usr/bin/berth would be.
    await fs.mkdir(path.join(dir, 'bin'));
    await fs.writeFile(path.join(dir, 'bin', 'berth'), `#!/bin/sh\nexec ${process.execPath} ${path.join(repoRoot(), 'bin', 'berth')} "$@"\n`, { mode: 0o755 });
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await run(process.execPath, [path.join(repoRoot(), 'bin', 'berth'), 'completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      await fs.writeFile(path.join(dir, `berth.${shell}`), r.stdout);
    }
    const c = await d.berth(['create', '--name', 'completion-target', f.hello.ref]);
    assert.equal(c.code, 0, c.stderr);
  });

  after(async function () {
    await d?.berth(['rm', '-f', 'completion-target']);
    if (dir) await removeTree(dir);
  });

  /** COMPREPLY for the words typed so far (the last one is being completed). */
  async function complete(...words: string[]): Promise<string[]> {
    const script = `source ${dir}/berth.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _berth; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await run('bash', ['-c', script], { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('completes commands, subcommands and flags', async function () {
    assert.deepEqual(await complete('berth', 'ru'), ['run']);
    assert.ok((await complete('berth', 'image', '')).includes('ls'));
    assert.deepEqual(await complete('berth', 'ps', '--a'), ['--all']);
    assert.deepEqual(await complete('berth', 'image', 'ls', '--dig'), ['--digests']);
  });

  it('completes container and image names from the daemon named by -H', async function () {
    assert.ok((await complete('berth', '-H', d.host, 'rm', 'completion-')).includes('completion-target'));
    assert.ok((await complete('berth', '-H', d.host, 'run', '')).includes(f.hello.ref));
    assert.deepEqual(await complete('berth', '-H', 'unix:///nonexistent.sock', 'rm', ''), [], 'no daemon: no names, no error');
  });

  it('prints zsh and fish scripts their shells accept, and refuses other shells', async function () {
    for (const shell of ['zsh', 'fish']) {
      if (!haveCommand(shell)) {
        process.stdout.write(`      (${shell} is not installed: its script is not syntax-checked)\n`);
        continue;
      }
      const r = await run(shell, ['-n', path.join(dir, `berth.${shell}`)]);
      assert.equal(r.code, 0, r.stderr);
    }
    if (haveCommand('zsh')) {
      // Outside a completion widget: compadd is stubbed to print its candidates (zsh itself
      // filters them by the typed prefix), compdef to do nothing.
      const zsh = (...words: string[]) => run('zsh', ['-c', `compdef(){}; source ${dir}/berth.zsh; compadd(){ shift; print -l -- "$@"; }; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _berth`],
        { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
      const lines = async (...w: string[]) => (await zsh(...w)).stdout.split('\n').filter(Boolean);
      assert.ok((await lines('berth', 'ru')).includes('run'));
      assert.ok((await lines('berth', 'ps', '--a')).includes('--all'));
      assert.ok((await lines('berth', 'image', '')).includes('ls'));
      assert.ok((await lines('berth', '-H', d.host, 'rm', 'c')).includes('completion-target'));
    }
    if (haveCommand('fish')) {
      const r = await run('fish', ['-c', `source ${dir}/berth.fish; complete -C 'berth ru'; complete -C 'berth ps --a'; complete -C 'berth -H ${d.host} rm completion-'`],
        { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]), ['run', '--all', 'completion-target']);
    }
    const bad = await run(process.execPath, [path.join(repoRoot(), 'bin', 'berth'), 'completion', 'tcsh']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'berth: unsupported shell "tcsh": use bash, zsh or fish\n');
  });
});
