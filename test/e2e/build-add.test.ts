/**
 * Build `ADD` of hostile local tars (made with Python's tarfile, as an attacker would), through
 * the real `DOCKER_BUILDKIT=0 docker build` and `berth build`: the archive goes through the
 * same hardened unpacker as pull/load/import. A hard link to /etc/shadow never links or reads
 * the host file (its link count is unchanged and no file in the data root shares its inode);
 * a symlinked parent never leads outside the archive; absolute member names lose their `/` and
 * the build succeeds, as with Docker.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, requireRoot, run, sharedFixtures, skipBecause, startDaemon, type Fixtures, type TestDaemon } from '../support';

/** Writes a tar with Python's tarfile: entries are [name, type, linkname-or-data]. */
async function pythonTar(file: string, entries: [string, 'file' | 'hardlink' | 'symlink' | 'dir', string][]): Promise<void> {
  const script = `
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], 'w', format=tarfile.GNU_FORMAT) as t:
    for name, kind, arg in json.loads(sys.argv[2]):
        ti = tarfile.TarInfo(name)
        ti.mtime = 1600000000
        if kind == 'file':
            data = arg.encode()
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            ti.type = {'hardlink': tarfile.LNKTYPE, 'symlink': tarfile.SYMTYPE, 'dir': tarfile.DIRTYPE}[kind]
            if kind != 'dir':
                ti.linkname = arg
            else:
                ti.mode = 0o755
            t.addfile(ti)
`;
  const r = await run('python3', ['-c', script, file, JSON.stringify(entries)]);
  assert.equal(r.code, 0, r.stderr);
}

describe('e2e: build ADD of hostile archives (hardened unpacker)', function () {
  let d: TestDaemon;
  let f: Fixtures;
  let work: string;
  const shadow = '/etc/shadow';

  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    if (!haveCommand('python3')) skipBecause(this, 'python3 makes the hostile tars');
    f = await sharedFixtures();
    d = await startDaemon();
    work = await makeTempDir('berth-e2e-add-');
    const pull = await d.docker(['pull', '-q', f.busybox.ref]);
    assert.equal(pull.code, 0, pull.stderr);
  });

  after(async function () {
    await d?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  async function context(name: string, dockerfile: string, tars: Record<string, [string, 'file' | 'hardlink' | 'symlink' | 'dir', string][]>): Promise<string> {
    const dir = path.join(work, name);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    for (const [file, entries] of Object.entries(tars)) await pythonTar(path.join(dir, file), entries);
    return dir;
  }

  /** Files under the daemon's data root that are the same inode as `file`. */
  async function sameFileInDataRoot(file: string): Promise<string[]> {
    const r = await run('find', [d.dataRoot, '-xdev', '-samefile', file]);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('a hard link to /etc/shadow is refused; the host file is neither linked nor read (docker and berth CLIs)', async function () {
    const secret = (await fs.readFile(shadow)).subarray(0, 40).toString('latin1');
    const linksBefore = statSync(shadow).nlink;
    const variants: [string, string][] = [
      ['abs', '/etc/shadow'],
      ['rel', '../../../../../../etc/shadow'],
      ['plain', 'etc/shadow'],
    ];
    for (const [name, linkname] of variants) {
      const dir = await context(`shadow-${name}`, `FROM ${f.busybox.ref}\nADD evil.tar /x/\nRUN head -c 40 /x/h; echo END\n`, {
        'evil.tar': [['h', 'hardlink', linkname]],
      });
      for (const client of ['docker', 'berth'] as const) {
        const r = await d[client](['build', '-t', `evil-${name}`, dir]);
        const out = r.stdout + r.stderr;
        assert.ok(!out.includes(secret.slice(0, 20)), `${client} build (${linkname}) printed the host's shadow file:\n${out}`);
        assert.notEqual(r.code, 0, `${client} build with a hard link to ${linkname} succeeded:\n${out}`);
        assert.match(out, /hardlink "h" points to .*which is not a file in this layer|points outside the layer/, out);
      }
      assert.equal(statSync(shadow).nlink, linksBefore, `the store holds a new link to ${shadow}`);
      assert.deepEqual(await sameFileInDataRoot(shadow), []);
      const img = await d.docker(['image', 'inspect', `evil-${name}`]);
      assert.notEqual(img.code, 0, 'a failed build tagged its image');
    }
  });

  it('a symlinked parent in the archive stays inside it: s -> /etc, then s/evil writes etc/evil in the image', async function () {
    const dir = await context('symlink-parent', `FROM ${f.busybox.ref}\nADD evil.tar /x/\nRUN cat /x/etc/evil\n`, {
      'evil.tar': [
        ['s', 'symlink', '/etc'],
        ['s/evil', 'file', 'inside\n'],
      ],
    });
    const r = await d.docker(['build', '-t', 'symlink-parent', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^inside$/m);
    await assert.rejects(fs.access('/etc/evil'), 'a file was written to the host /etc');
  });

  it('ADD unpacks gzip, bzip2, xz and zstd tars; a compressed file that is not a tar is copied as is', async function () {
    const dir = await context('compressed', '', { 'plain.tar': [['inner/', 'dir', ''], ['inner/data', 'file', 'unpacked\n']] });
    const plain = await fs.readFile(path.join(dir, 'plain.tar'));
    const lines = [`FROM ${f.busybox.ref}`];
    for (const [program, ext] of [['gzip', 'gz'], ['bzip2', 'bz2'], ['xz', 'xz'], ['zstd', 'zst']] as const) {
      if (!haveCommand(program)) continue;
      await fs.writeFile(path.join(dir, `a.tar.${ext}`), execFileSync(program, ['-c'], { input: plain }));
      lines.push(`ADD a.tar.${ext} /${ext}/`, `RUN cat /${ext}/inner/data`);
    }
    await fs.writeFile(path.join(dir, 'note.gz'), execFileSync('gzip', ['-c'], { input: 'just text\n' }));
    lines.push('ADD note.gz /n/', 'RUN test -f /n/note.gz && ! test -e /n/just');
    await fs.writeFile(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
    const r = await d.docker(['build', '-t', 'compressed-add', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((r.stdout.match(/^unpacked$/gm) ?? []).length, lines.filter((l) => l.startsWith('RUN cat')).length, r.stdout);
  });

  it('an archive directory that is a symlink in the image (merged /usr style) lands where the link points', async function () {
    const dir = await context('merged-usr', `FROM ${f.busybox.ref}\nRUN mkdir -p /real && ln -s real /lnk && echo old > /real/old\nADD t.tar /\nRUN cat /real/old /real/new && test -L /lnk && cat /lnk/new\n`, {
      't.tar': [
        ['lnk/', 'dir', ''],
        ['lnk/new', 'file', 'new\n'],
      ],
    });
    const r = await d.docker(['build', '-t', 'merged-usr', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^old\nnew\nnew$/m);
  });

  it('absolute member names lose their leading / and the build succeeds, as with Docker', async function () {
    const dir = await context('absolute', `FROM ${f.busybox.ref}\nADD abs.tar /x/\nRUN cat /x/abs/file /x/abs/link\n`, {
      'abs.tar': [
        ['/abs/', 'dir', ''],
        ['/abs/file', 'file', 'absolute-ok\n'],
        ['/abs/link', 'hardlink', '/abs/file'],
      ],
    });
    for (const client of ['docker', 'berth'] as const) {
      const r = await d[client](['build', '--no-cache', '-t', `abs-${client}`, dir]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((r.stdout.match(/^absolute-ok$/gm) ?? []).length, 2, r.stdout);
    }
  });
});
