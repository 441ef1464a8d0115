// The archive API's stat header: Go FileMode bits, Docker's base name rules, trailing `/.`.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseName, goFileMode, pathStat, resolvePath, wantsContent } from '../../../daemon/containers/archive-stat';
import { BerthError } from '../../../daemon/errors';

describe('archive stat', () => {
  it('names and path rules as Docker has them', () => {
    assert.equal(baseName('/etc/passwd'), 'passwd');
    assert.equal(baseName('/etc/'), 'etc');
    assert.equal(baseName('/etc/.'), '.');
    assert.equal(baseName('/'), '/');
    assert.equal(wantsContent('/etc/.'), true);
    assert.equal(wantsContent('/etc/'), true);
    assert.equal(wantsContent('/etc'), false);
  });

  it('gives Go FileMode bits and the resolved link target; 404 for a missing path', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-archive-unit-'));
    try {
      await fs.mkdir(path.join(root, 'd'), { mode: 0o755 });
      await fs.chmod(path.join(root, 'd'), 0o1755);
      await fs.writeFile(path.join(root, 'd/f'), 'abc', { mode: 0o640 });
      await fs.symlink('/d/f', path.join(root, 'l'));
      const view = { root };
      const d = await pathStat(view, '/d', await resolvePath(view, '/d', 'c'));
      assert.equal(d.mode, 2 ** 31 + 2 ** 20 + 0o755);
      const f = await pathStat(view, '/d/f', await resolvePath(view, '/d/f', 'c'));
      assert.deepEqual([f.name, f.size, f.mode, f.linkTarget], ['f', 3, 0o640, '']);
      const l = await pathStat(view, '/l', await resolvePath(view, '/l', 'c'));
      assert.equal(l.mode & 2 ** 27, 2 ** 27);
      assert.equal(l.linkTarget, '/d/f');
      assert.equal(goFileMode(await fs.lstat(path.join(root, 'd/f'))), 0o640);
      await assert.rejects(resolvePath(view, '/nope', 'ctr'), (e: unknown) => e instanceof BerthError && e.kind === 'NotFound' && e.message === 'Could not find the file /nope in container ctr');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
