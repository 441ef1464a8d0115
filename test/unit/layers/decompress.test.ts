// The one decompression module: every format by magic bytes, and a missing program (bzip2 on a
// host without it) is a clear error, not an unhandled 'error' event that brings berthd down.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { receiveContext } from '../../../daemon/build/context';
import { BerthError } from '../../../daemon/errors';
import { detectCompression, plainStream } from '../../../daemon/layers/decompress';
import { LayerCode } from '../../../daemon/layers/errors';
import { requireCommands } from '../../support/skip';
import { makeTar } from '../../support/tar-writer';

const compress = (program: string, data: Buffer): Buffer => execFileSync(program, ['-c'], { input: data });

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

describe('unit: layers/decompress', function () {
  const tar = makeTar([{ name: 'Dockerfile', data: 'FROM scratch\n' }]);

  it('detects and strips gzip, zstd, bzip2 and xz; plain bytes pass through', async function () {
    requireCommands(this, 'zstd', 'bzip2', 'xz');
    const inputs: [string, Buffer][] = [
      ['none', tar],
      ['gzip', gzipSync(tar)],
      ['zstd', compress('zstd', tar)],
      ['bzip2', compress('bzip2', tar)],
      ['xz', compress('xz', tar)],
    ];
    for (const [kind, bytes] of inputs) {
      assert.equal(detectCompression(bytes), kind);
      const { head, stream } = await plainStream(Readable.from([bytes]));
      assert.equal(head.length, 512, kind);
      assert.ok((await readAll(stream)).equals(tar), kind);
    }
  });

  it('a short input (a bare Dockerfile) comes back whole', async function () {
    const { head, stream } = await plainStream(Readable.from([Buffer.from('FROM x\n')]));
    assert.equal(head.toString(), 'FROM x\n');
    assert.equal((await readAll(stream)).toString(), 'FROM x\n');
  });

  describe('without the bzip2 and xz programs', function () {
    let savedPath: string | undefined;
    let emptyDir: string;
    before(function () {
      requireCommands(this, 'bzip2', 'xz');
    });
    beforeEach(function () {
      emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nopath-'));
      savedPath = process.env.PATH;
    });
    afterEach(function () {
      process.env.PATH = savedPath;
      fs.rmSync(emptyDir, { recursive: true, force: true });
    });

    it('a bzip2 or xz build context fails with a clear error instead of crashing', async function () {
      for (const program of ['bzip2', 'xz']) {
        const body = compress(program, tar);
        process.env.PATH = emptyDir; // spawn finds no program: ENOENT on the child's 'error'
        const err = await receiveContext(Readable.from([body]), path.join(emptyDir, 'ctx'), 'Dockerfile').then(
          () => assert.fail('expected an error'),
          (e: unknown) => e,
        );
        process.env.PATH = savedPath;
        assert.ok(err instanceof BerthError, String(err));
        assert.equal(err.code, LayerCode.NoDecompressor);
        assert.match(err.message, new RegExp(`the ${program} program is not installed`));
      }
    });
  });
});
