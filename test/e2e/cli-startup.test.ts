/**
 * The CLI's start-up path (bench/RESULTS.md, "CLI start-up"): `bin/berth` still works, and a
 * command loads only what it needs. The loaded-module checks catch a regression in behaviour
 * that would slow every command (an eager import of the HTTP stack, daemon code or an npm
 * package), without timing anything.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTree, repoRoot, requireRoot, run, startDaemon, type TestDaemon } from '../support';

/** Preloaded with `node -r`: at exit, writes the loaded files and Node built-ins to a JSON file. */
const PRELOAD = `
const fs = require('fs');
process.on('exit', () => {
  fs.writeFileSync(process.env.BERTH_TEST_MODULES, JSON.stringify({
    files: Object.keys(require.cache),
    builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  }));
});
`;

interface Loaded {
  files: string[];
  builtins: string[];
}

describe('e2e: CLI start-up', function () {
  let d: TestDaemon;
  let tmp: string;
  const root = repoRoot();

  before(async function () {
    requireRoot(this);
    d = await startDaemon();
    tmp = await makeTempDir('berth-cli-startup-');
    await fs.writeFile(path.join(tmp, 'preload.js'), PRELOAD);
  });

  after(async function () {
    await d?.stop();
    if (tmp) await removeTree(tmp);
  });

  /** Runs `node bin/berth ARGS` against the test daemon; returns its result and loaded modules. */
  async function berth(args: string[]): Promise<{ code: number; stdout: string; stderr: string; loaded: Loaded }> {
    const out = path.join(tmp, `modules-${args.join('-')}.json`);
    const r = await run(process.execPath, ['-r', path.join(tmp, 'preload.js'), path.join(root, 'bin/berth'), '-H', d.host, ...args], {
      env: { ...process.env, BERTH_TEST_MODULES: out },
    });
    const loaded = JSON.parse(await fs.readFile(out, 'utf8')) as Loaded;
    return { ...r, loaded };
  }

  /** Repo-relative paths of the loaded files, e.g. dist/client/main.js, node_modules/tar/... */
  const rel = (l: Loaded) => l.files.map((f) => path.relative(root, f));

  it('berth --help prints the usage without loading the HTTP stack', async function () {
    const r = await berth(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: berth /);
    assert.match(r.stdout, /images/);
    assert.ok(!r.loaded.builtins.includes('http'), `--help loaded node:http:\n${r.loaded.builtins.join(' ')}`);
    assert.deepEqual(rel(r.loaded).filter((f) => f.startsWith('dist/client/commands/')), []);
  });

  it('an unknown command is one clear sentence and exit 1', async function () {
    const r = await berth(['no-such-command']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: 'no-such-command' is not a berth command\./);
  });

  it('berth version talks to the daemon and loads only its own command module', async function () {
    const r = await berth(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client:\n Version: +\d+\.\d+\.\d+/);
    assert.match(r.stdout, /Server: berth\n Engine:\n  Version: +\d+\.\d+\.\d+/);
    const files = rel(r.loaded);
    assert.deepEqual(files.filter((f) => f.startsWith('dist/client/commands/')), ['dist/client/commands/version.js']);
    assert.deepEqual(files.filter((f) => f.startsWith('dist/daemon/')), ['dist/daemon/version-info.js']);
  });

  it('berth images and ps -a load no npm package and no daemon code', async function () {
    for (const args of [['images'], ['ps', '-a']]) {
      const r = await berth(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, args[0] === 'images' ? /^REPOSITORY +TAG +IMAGE ID/ : /^CONTAINER ID +IMAGE +COMMAND/);
      const files = rel(r.loaded);
      assert.deepEqual(files.filter((f) => f.includes('node_modules')), [], `berth ${args.join(' ')} loaded npm packages`);
      assert.deepEqual(files.filter((f) => f.startsWith('dist/daemon/')), []);
      // client/http-wire.ts speaks HTTP itself: node:http (~4 ms) is never loaded.
      assert.ok(!r.loaded.builtins.includes('http'), `berth ${args.join(' ')} loaded node:http`);
    }
  });

  it('berth ps -q loads neither the table formatter nor the template engine', async function () {
    const r = await berth(['ps', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const files = rel(r.loaded).filter((f) => f.startsWith('dist/client/'));
    assert.deepEqual(files.sort(), ['dist/client/commands/ps.js', 'dist/client/flags.js', 'dist/client/http-wire.js', 'dist/client/http.js', 'dist/client/main.js']);
  });
});
