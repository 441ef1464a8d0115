// Container files: json-file log reading (tail, streams, follow until the end), overlay
// diffs (A/C/D with whiteouts), sizes, and export's merged tar read back by node-tar.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { readLogs } from '../../../daemon/containers/logs';
import { changes, directorySize } from '../../../daemon/containers/changes';
import { exportTar } from '../../../daemon/containers/export';

const line = (log: string, stream = 'stdout', time = '2026-11-23T12:00:00.123456789Z') => JSON.stringify({ log, stream, time }) + '\n';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('containers: files', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctrfiles-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('reads json-file logs with tail and stream selection', async () => {
    const file = path.join(root, 'x-json.log');
    await fs.writeFile(file, line('a\n') + line('err\n', 'stderr') + line('b\n') + line('c\n'));
    const ac = new AbortController();
    const all = await collect(readLogs(file, { stdout: true, stderr: true, follow: false }, () => true, ac.signal));
    assert.deepEqual(all.map((e) => e.data.toString()), ['a\n', 'err\n', 'b\n', 'c\n']);
    const tail = await collect(readLogs(file, { stdout: true, stderr: false, follow: false, tail: 2 }, () => true, ac.signal));
    assert.deepEqual(tail.map((e) => e.data.toString()), ['b\n', 'c\n']);
    const since = await collect(readLogs(file, { stdout: true, stderr: true, follow: false, since: Date.parse('2026-11-23T13:00:00Z') }, () => true, ac.signal));
    assert.equal(since.length, 0);
  });

  it('follows appended lines until the container has ended and the file is drained', async () => {
    const file = path.join(root, 'f-json.log');
    await fs.writeFile(file, line('one\n'));
    let ended = false;
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of readLogs(file, { stdout: true, stderr: true, follow: true }, () => ended, ac.signal)) {
        seen.push(e.data.toString());
        if (seen.length === 1) {
          await fs.appendFile(file, line('two\n'));
          ended = true;
          await fs.appendFile(file, line('three\n'));
        }
      }
    })();
    await done;
    assert.deepEqual(seen, ['one\n', 'two\n', 'three\n']);
  });

  it('reads rotated files oldest first, with tail counting across them', async () => {
    const file = path.join(root, 'r-json.log');
    await fs.writeFile(`${file}.2`, line('1\n') + line('2\n'));
    await fs.writeFile(`${file}.1`, line('3\n'));
    await fs.writeFile(file, line('4\n') + line('5\n'));
    const ac = new AbortController();
    const read = async (tail?: number) => (await collect(readLogs(file, { stdout: true, stderr: true, follow: false, tail }, () => true, ac.signal))).map((e) => e.data.toString().trim());
    assert.deepEqual(await read(), ['1', '2', '3', '4', '5']);
    assert.deepEqual(await read(3), ['3', '4', '5']);
    assert.deepEqual(await read(4), ['2', '3', '4', '5']);
    assert.deepEqual(await read(9), ['1', '2', '3', '4', '5']);
    assert.deepEqual(await read(0), []);
  });

  it('follows across rotations (even two in a row) and a truncation without losing or repeating a line', async () => {
    const file = path.join(root, 'rot-json.log');
    await fs.writeFile(file, line('1\n'));
    let ended = false;
    const ac = new AbortController();
    const seen: string[] = [];
    const rotate = async () => {
      await fs.rename(`${file}.1`, `${file}.2`).catch(() => undefined);
      await fs.rename(file, `${file}.1`);
    };
    for await (const e of readLogs(file, { stdout: true, stderr: true, follow: true }, () => ended, ac.signal)) {
      seen.push(e.data.toString().trim());
      if (seen.length === 1) {
        await fs.appendFile(file, line('2\n')); // written before the rename: still read
        await rotate();
        await fs.writeFile(file, line('3\n'));
        await rotate(); // the reader's file is now .2
        await fs.writeFile(file, line('4 (a line longer than the next file)\n'));
      } else if (seen.length === 4) {
        await fs.writeFile(file, line('5\n')); // max-file 1: truncated (it had reached max-size) and written again
        ended = true;
      }
    }
    assert.deepEqual(seen, ['1', '2', '3', '4 (a line longer than the next file)', '5']);
  });

  it('diffs an upper dir against its lowers and sizes it', async function () {
    const lower = path.join(root, 'lower');
    const upper = path.join(root, 'upper');
    await fs.mkdir(path.join(lower, 'etc'), { recursive: true });
    await fs.writeFile(path.join(lower, 'etc', 'passwd'), 'root');
    await fs.writeFile(path.join(lower, 'gone'), 'x');
    await fs.mkdir(path.join(upper, 'etc'), { recursive: true });
    await fs.writeFile(path.join(upper, 'etc', 'passwd'), 'root2');
    await fs.writeFile(path.join(upper, 'etc', 'hosts'), '127.0.0.1 localhost');
    await fs.mkdir(path.join(upper, 'new'));
    await fs.writeFile(path.join(upper, 'new', 'file'), '12345');
    let whiteout = false;
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [path.join(upper, 'gone'), 'c', '0', '0']);
      whiteout = true;
    } else process.stdout.write('      not checked: a whiteout (mknod needs root)\n');
    const got = await changes(upper, [lower]);
    const expected = [
      { Path: '/etc', Kind: 0 }, { Path: '/etc/passwd', Kind: 0 },
      ...(whiteout ? [{ Path: '/gone', Kind: 2 }] : []),
      { Path: '/new', Kind: 1 }, { Path: '/new/file', Kind: 1 },
    ];
    assert.deepEqual(got, expected);
    assert.equal(await directorySize(upper), 5 + 5 + 19);
    if (!whiteout) return;
    const out = path.join(root, 'export.tar');
    const chunks: Buffer[] = [];
    for await (const c of exportTar(upper, [lower])) chunks.push(c as Buffer);
    await fs.writeFile(out, Buffer.concat(chunks));
    const names: string[] = [];
    await tar.t({ file: out, onentry: (e) => names.push(e.path) });
    assert.deepEqual(names, ['etc/', 'etc/hosts', 'etc/passwd', 'new/', 'new/file']);
    const x = path.join(root, 'x');
    await fs.mkdir(x);
    await tar.x({ file: out, cwd: x });
    assert.equal(await fs.readFile(path.join(x, 'etc', 'passwd'), 'utf8'), 'root2');
  });
});
