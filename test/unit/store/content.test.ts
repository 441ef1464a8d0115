// The content store keeps only verified blobs: a wrong digest or size stores nothing.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ContentStore } from '../../../daemon/store/content';
import { StorePaths } from '../../../daemon/store/paths';
import { sha256Of } from '../../../daemon/oci/digest';

describe('ContentStore', () => {
  let root: string;
  let store: ContentStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-content-'));
    store = new ContentStore(new StorePaths(path.join(root, 'data'), path.join(root, 'run')));
    await store.init();
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('stores a blob under its digest and reads it back', async () => {
    const d = await store.put('hello');
    assert.equal(d, sha256Of('hello'));
    assert.equal((await store.read(d)).toString(), 'hello');
    assert.deepEqual(await store.list(), [d]);
  });

  it('ingests a stream when digest and size match', async () => {
    const data = Buffer.from('layer bytes');
    const res = await store.ingest(Readable.from([data]), { digest: sha256Of(data), size: data.length });
    assert.equal(res.size, data.length);
    assert.ok(await store.has(sha256Of(data)));
  });

  it('rejects a digest mismatch and keeps nothing, not even in ingest/', async () => {
    const wrong = sha256Of('something else');
    await assert.rejects(store.ingest(Readable.from([Buffer.from('payload')]), { digest: wrong }), /digest mismatch/);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await fs.readdir(path.join(root, 'data', 'ingest')), []);
  });

  it('rejects a truncated stream (size mismatch)', async () => {
    const data = Buffer.from('short');
    await assert.rejects(store.ingest(Readable.from([data]), { size: 100 }), /size mismatch/);
    assert.deepEqual(await store.list(), []);
  });

  it('keeps nothing when the source stream fails half way', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection reset'));
      },
    });
    await assert.rejects(store.ingest(failing), /connection reset/);
    assert.deepEqual(await store.list(), []);
  });
});
