// The image endpoints over HTTP on a temp unix socket, driven by dockerode (a client nobody
// here wrote): shapes, status codes and error bodies the Docker clients rely on.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import Docker from 'dockerode';
import { createServer } from '../../../daemon/api/app';
import { imagesRouter } from '../../../daemon/api/images';
import { infoRouter } from '../../../daemon/api/info';
import { systemRouter } from '../../../daemon/api/system';
import { ImagesService } from '../../../daemon/images/service';
import { NO_CONTAINERS } from '../../../daemon/info';
import type { Stores } from '../../../daemon/store/stores';
import { makeImage, tempStores } from './fixtures';

function rawRequest(socketPath: string, method: string, p: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('image API (dockerode over a unix socket)', () => {
  let root: string;
  let stores: Stores;
  let server: http.Server;
  let socketPath: string;
  let docker: Docker;

  beforeEach(async () => {
    ({ root, stores } = await tempStores());
    const svc = new ImagesService(stores);
    server = createServer({ routers: [systemRouter(), imagesRouter(svc), infoRouter({ dataRoot: stores.paths.dataRoot, insecureRegistries: ['myreg:5000'] }, svc, () => NO_CONTAINERS)], upgrades: [] });
    socketPath = path.join(root, 's.sock');
    await new Promise<void>((r) => server.listen(socketPath, r));
    docker = new Docker({ socketPath });
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lists, inspects, tags, shows history and removes images', async () => {
    const img = await makeImage(stores, { layers: [{ files: { f: 'x'.repeat(100) } }], tags: ['localhost:5000/ns/app:1'] });
    const list = await docker.listImages();
    assert.equal(list.length, 1);
    assert.deepEqual(list[0]!.RepoTags, ['localhost:5000/ns/app:1']);
    assert.equal(list[0]!.Size, 100);
    const inspect = await docker.getImage('localhost:5000/ns/app:1').inspect();
    assert.equal(inspect.Id, img.id);
    await docker.getImage('localhost:5000/ns/app:1').tag({ repo: 'other', tag: 'x' });
    assert.deepEqual((await docker.getImage('other:x').inspect()).RepoTags.sort(), ['localhost:5000/ns/app:1', 'other:x']);
    const hist = (await docker.getImage('other:x').history()) as { Id: string }[];
    assert.equal(hist[0]!.Id, img.id);
    const removed = (await docker.getImage('other:x').remove()) as object[];
    assert.deepEqual(removed, [{ Untagged: 'other:x' }]);
    const filtered = await docker.listImages({ filters: JSON.stringify({ reference: ['other*'] }) });
    assert.equal(filtered.length, 0);
  });

  it('answers tag with 201 and errors with exact application/json bodies', async () => {
    await makeImage(stores, { layers: [{ files: { f: 'x' } }], tags: ['a:1', 'b:1'] });
    const tag = await rawRequest(socketPath, 'POST', '/v1.41/images/a:1/tag?repo=c&tag=2');
    assert.equal(tag.status, 201);
    const missing = await rawRequest(socketPath, 'GET', '/v1.41/images/nosuch/json');
    assert.equal(missing.status, 404);
    assert.equal(missing.type, 'application/json');
    assert.deepEqual(JSON.parse(missing.body), { message: 'No such image: nosuch' });
    const id = (await docker.getImage('a:1').inspect()).Id;
    const conflict = await rawRequest(socketPath, 'DELETE', `/v1.41/images/${id.slice(7, 19)}`);
    assert.equal(conflict.status, 409);
    const badFilter = await rawRequest(socketPath, 'GET', '/images/json?filters=' + encodeURIComponent('{"color":["red"]}'));
    assert.equal(badFilter.status, 400);
  });

  it('prunes with the CLI filter shape and reports null when nothing was deleted', async () => {
    const r = await rawRequest(socketPath, 'POST', '/v1.41/images/prune?filters=' + encodeURIComponent('{"dangling":{"true":true}}'));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { ImagesDeleted: null, SpaceReclaimed: 0 });
  });

  it("serves /info and /system/df in dockerd's shape", async () => {
    await makeImage(stores, { layers: [{ files: { f: 'x'.repeat(10) } }], tags: ['a:1'] });
    const info = (await docker.info()) as Record<string, unknown>;
    assert.equal(info.Images, 1);
    assert.equal(info.Containers, 0);
    assert.equal(info.Driver, 'overlay2');
    assert.equal(info.DockerRootDir, stores.paths.dataRoot);
    assert.match(String(info.CgroupVersion), /^[12]$/);
    assert.deepEqual((info.Swarm as { LocalNodeState: string }).LocalNodeState, 'inactive');
    const reg = info.RegistryConfig as { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> };
    assert.deepEqual(reg.InsecureRegistryCIDRs, ['127.0.0.0/8']);
    assert.equal(reg.IndexConfigs['myreg:5000']!.Secure, false);
    assert.equal((await docker.info() as Record<string, unknown>).ID, info.ID, 'the engine id is stable');
    const df = (await docker.df()) as { LayersSize: number; Images: { Containers: number; SharedSize: number }[]; Containers: unknown[]; Volumes: unknown[] };
    assert.equal(df.LayersSize, 10);
    assert.equal(df.Images[0]!.Containers, 0);
    assert.equal(df.Images[0]!.SharedSize, 0);
    assert.deepEqual(df.Containers, []);
    assert.deepEqual(df.Volumes, []);
  });
});
