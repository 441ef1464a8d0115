// The containers API on the wire, over a fake runtime and a real HTTP server on a unix
// socket: Docker's status codes (201, 204, 304, 404, 409), the hijacked attach (101 UPGRADED,
// multiplexed media type, stdcopy frames, half-close closing the container's stdin), wait
// answering its headers before start, logs framing, and exec start/inspect.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { openStores } from '../../../daemon/store/stores';
import { registerImage } from '../../../daemon/images/register';
import { parseReference } from '../../../daemon/oci/reference';
import { ContainerStore } from '../../../daemon/containers/record';
import { ContainerService } from '../../../daemon/containers/service';
import { ContainerQueries } from '../../../daemon/containers/queries';
import { ExecService } from '../../../daemon/exec/service';
import { createServer } from '../../../daemon/api/app';
import { containersRouter } from '../../../daemon/api/containers';
import { attachUpgradeRoute } from '../../../daemon/api/containers-attach';
import { execRouter, execStartUpgradeRoute } from '../../../daemon/api/exec';
import { FrameDecoder } from '../../../daemon/stdcopy';
import { DaemonClient, readAll } from '../../../client/http';
import { setLogLevel } from '../../../daemon/log';
import { FakeRuntime } from './fake-runtime';

function readUntilEnd(socket: Duplex, head: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks = [head];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function frames(buf: Buffer): string[] {
  return new FrameDecoder().push(buf).map((f) => `${f.type}:${f.payload.toString()}`);
}

describe('containers API (fake runtime)', () => {
  let root: string;
  let server: Server;
  let client: DaemonClient;

  before(() => setLogLevel('warn'));
  after(() => setLogLevel('info'));

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-ctrapi-'));
    const stores = await openStores({ dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'run') });
    const img = await registerImage(stores, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['sh'] } });
    await stores.refs.set(parseReference('busybox:latest'), img.id);
    const svc = new ContainerService(stores, new ContainerStore(stores.paths), new FakeRuntime());
    await svc.recover();
    const execs = new ExecService(svc);
    server = createServer({ routers: [containersRouter(svc, new ContainerQueries(svc)), execRouter(execs)], upgrades: [attachUpgradeRoute(svc), execStartUpgradeRoute(execs)] });
    const sock = path.join(root, 's.sock');
    await new Promise<void>((r) => server.listen(sock, r));
    client = new DaemonClient(sock);
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await fs.rm(root, { recursive: true, force: true });
  });

  const create = async (body: Record<string, unknown>, name?: string) => {
    const res = await client.request('/containers/create', { method: 'POST', query: { name }, body: { Image: 'busybox', ...body } });
    assert.equal(res.status, 201);
    const parsed = JSON.parse(res.body.toString()) as { Id: string; Warnings: string[] };
    assert.deepEqual(parsed.Warnings, []);
    return parsed.Id;
  };

  it('runs as the docker CLI does: attach, wait (headers first), start, output, exit code', async () => {
    const id = await create({ Cmd: ['echo', 'hi'], AttachStdout: true, AttachStderr: true });
    const { socket, head, headers } = await client.upgrade(`/containers/${id}/attach`, { query: { stream: 1, stdout: 1, stderr: 1 } });
    assert.equal(headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    assert.equal(headers.upgrade, 'tcp');
    const output = readUntilEnd(socket, head);
    const wait = await client.raw(`/containers/${id}/wait`, { method: 'POST', query: { condition: 'next-exit' } });
    assert.equal(wait.statusCode, 200); // headers arrived before the container started
    assert.equal((await client.request(`/containers/${id}/start`, { method: 'POST' })).status, 204);
    assert.deepEqual(frames(await output), ['1:hi\n']);
    assert.deepEqual(JSON.parse((await readAll(wait)).toString()), { StatusCode: 0, Error: null });
    assert.equal((await client.request(`/containers/${id}/start`, { method: 'POST' })).status, 204, 'restart of an exited one');
  });

  it('answers 304 for start of a running and stop of a stopped container, 404 and 409 with Docker messages', async () => {
    const id = await create({ Cmd: ['sleep'] }, 'svc');
    await client.request(`/containers/${id}/start`, { method: 'POST' });
    assert.equal((await client.request(`/containers/${id}/start`, { method: 'POST' })).status, 304);
    await assert.rejects(client.request('/containers/svc', { method: 'DELETE' }), { status: 409, message: 'cannot remove container "/svc": container is running: stop the container before removing or force remove' });
    assert.equal((await client.request(`/containers/${id}/stop`, { method: 'POST', query: { t: 1 } })).status, 204);
    assert.equal((await client.request(`/containers/${id}/stop`, { method: 'POST' })).status, 304);
    await assert.rejects(client.request('/containers/nope/json'), { status: 404, message: 'No such container: nope' });
    await assert.rejects(client.request('/containers/create', { method: 'POST', body: { Image: 'missing:1' } }), { status: 404, message: 'No such image: missing:1' });
  });

  it('closes the container\'s stdin at the client\'s half-close and keeps streaming output', async () => {
    const id = await create({ Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true });
    const { socket, head } = await client.upgrade(`/containers/${id}/attach`, { query: { stream: 1, stdin: 1, stdout: 1, stderr: 1 } });
    const output = readUntilEnd(socket, head);
    socket.write('ping\n');
    await client.request(`/containers/${id}/start`, { method: 'POST' });
    socket.end();
    assert.deepEqual(frames(await output), ['1:ping\n']);
    const logs = await client.request(`/containers/${id}/logs`, { query: { stdout: 1, stderr: 1 } });
    assert.deepEqual(frames(logs.body), ['1:ping\n']);
  });

  it('creates, starts and inspects an exec over a hijacked connection', async () => {
    const id = await create({ Cmd: ['sleep'] });
    await client.request(`/containers/${id}/start`, { method: 'POST' });
    const { Id } = await client.json<{ Id: string }>(`/containers/${id}/exec`, { method: 'POST', body: { Cmd: ['echo', 'hi'], AttachStdout: true } });
    const { socket, head } = await client.upgrade(`/exec/${Id}/start`, { body: { Detach: false, Tty: false } });
    assert.deepEqual(frames(await readUntilEnd(socket, head)), ['1:hi\n']);
    const info = await client.json<{ ExitCode: number; Running: boolean; ContainerID: string; ProcessConfig: { entrypoint: string } }>(`/exec/${Id}/json`);
    assert.equal(info.ExitCode, 0);
    assert.equal(info.Running, false);
    assert.equal(info.ContainerID, id);
    assert.equal(info.ProcessConfig.entrypoint, 'echo');
  });
});
