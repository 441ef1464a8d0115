// `docker export` merges the container's upper dir over the image layers: a directory changed in
// the upper dir keeps the lower layers' files, even when a middle layer does not have it.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { exportTar } from '../../../daemon/containers/export';
import { skipUnless } from '../../support/skip';
import { isRoot } from '../../support/proc';

async function names(upper: string, lowers: string[]): Promise<string[]> {
  const out: string[] = [];
  const parser = new tar.Parse({ onentry: (e) => { out.push(e.path); e.resume(); } });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    const src = exportTar(upper, lowers);
    src.on('error', reject);
    src.pipe(parser as unknown as NodeJS.WritableStream);
  });
  return out;
}

describe('containers: export', function () {
  let root: string;
  beforeEach(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-export-')); });
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

  const file = async (rel: string, text = 'x') => {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), text);
  };

  it('keeps the files of a bottom layer under a directory the container changed, past a middle layer without it', async () => {
    await file('base/bin/busybox');
    await file('base/bin/ls');
    await file('mid/etc/motd');
    await file('upper/bin/added');
    const got = await names(path.join(root, 'upper'), [path.join(root, 'mid'), path.join(root, 'base')]);
    assert.deepEqual(got, ['bin/', 'bin/added', 'bin/busybox', 'bin/ls', 'etc/', 'etc/motd']);
  });

  it('a file in a higher layer hides a directory below it', async () => {
    await file('base/opt/inner');
    await file('upper/opt', 'now a file');
    assert.deepEqual(await names(path.join(root, 'upper'), [path.join(root, 'base')]), ['opt']);
  });

  it('an opaque directory hides what the layers below had there', async function () {
    skipUnless(this, isRoot(), 'trusted.* xattrs need root');
    await file('base/opt/old');
    await file('upper/opt/new');
    execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")', path.join(root, 'upper/opt')]);
    assert.deepEqual(await names(path.join(root, 'upper'), [path.join(root, 'base')]), ['opt/', 'opt/new']);
  });
});
