/**
 * API faults found by a hostile-input pass (issue 9 items 10 and 11): what a client sends is
 * parsed, never trusted. Attach drops the request body instead of feeding it to the
 * container's stdin; create refuses wrongly typed fields with Docker's 400; oversized bodies
 * get 413; stalled connections are closed; binds Docker refuses are refused.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { makeTempDir, removeTree, sleep, startDaemon, type TestDaemon, useDockerDaemon } from '../support';

interface Reply {
  status: number;
  body: string;
}

/** One request on its own connection; `body` is sent as given (a Buffer is sent whole). */
function request(socket: string, method: string, p: string, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json' };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const req = http.request({ socketPath: socket, method, path: p, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a raw connection, writes `text`, and resolves with what came back once the daemon closed it. */
function rawUntilClosed(socket: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket);
    let got = '';
    s.on('connect', () => s.write(text));
    s.on('data', (c: Buffer) => (got += c.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

/** Reads a non-tty attach stream to its end and returns the stdout payload of its frames. */
function stdoutOf(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    stream.on('data', (c: Buffer) => (buf = Buffer.concat([buf, c])));
    stream.on('error', reject);
    stream.on('end', () => {
      let out = '';
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4);
        if (buf[0] === 1) out += buf.subarray(8, 8 + size).toString();
        buf = buf.subarray(8 + size);
      }
      resolve(out);
    });
  });
}

describe('e2e: API faults (hostile input)', function () {
  this.timeout(60_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  it('dockerode attach({stream, stdin, hijack}): the container reads exactly what was written, not the request body', async function () {
    const api = d.dockerode();
    const c = await api.createContainer({ Image: image, Cmd: ['cat'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true });
    try {
      const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const out = stdoutOf(stream);
      await c.start();
      stream.end('hello');
      assert.equal(await out, 'hello');
      assert.equal((await c.wait()).StatusCode, 0);
    } finally {
      await c.remove({ force: true });
    }
  });

  it('create refuses Env as a string and Tty "yes" with 400, as Docker does', async function () {
    for (const [body, field] of [[{ Image: image, Env: 'A=1' }, 'Env'], [{ Image: image, Tty: 'yes' }, 'Tty'], [{ Image: image, HostConfig: { AutoRemove: 'yes' } }, 'HostConfig.AutoRemove']] as const) {
      const r = await request(d.socket, 'POST', '/v1.47/containers/create', JSON.stringify(body));
      assert.equal(r.status, 400, r.body);
      assert.match((JSON.parse(r.body) as { message: string }).message, new RegExp(`^invalid ${field.replace('.', '\\.')}: expected `));
    }
    const left = await request(d.socket, 'GET', '/v1.47/containers/json?all=1');
    assert.equal(left.body, '[]', 'nothing was created');
  });

  it('a 64 MiB JSON body gets 413, and the daemon keeps serving', async function () {
    const huge = Buffer.from(JSON.stringify({ Image: image, Labels: { big: 'x'.repeat(64 * 1024 * 1024) } }));
    for (const p of ['/v1.47/containers/create', '/v1.47/commit?container=x', '/v1.47/auth']) {
      const r = await request(d.socket, 'POST', p, huge);
      assert.equal(r.status, 413, `${p}: ${r.body}`);
      assert.match((JSON.parse(r.body) as { message: string }).message, /^request body too large/);
    }
    assert.equal((await request(d.socket, 'GET', '/_ping')).status, 200);
  });

  it('docker run -v HOST:/proc, -v HOST:/proc/sys and mode ro,rw are refused with Docker\'s messages; /sys and /dev binds work', async function () {
    const host = await makeTempDir('bind');
    try {
      await fs.writeFile(path.join(host, 'f'), 'bound\n');
      const proc = await d.docker(['run', '--rm', '-v', `${host}:/proc`, image, 'true']);
      assert.equal(proc.code, 125, proc.stderr);
      assert.match(proc.stderr, /"\/proc" cannot be mounted because it is not of type proc/);
      const inside = await d.docker(['run', '--rm', '-v', `${host}:/proc/sys`, image, 'true']);
      assert.equal(inside.code, 125, inside.stderr);
      assert.match(inside.stderr, /"\/proc\/sys" cannot be mounted because it is inside \/proc/);
      const mode = await d.docker(['run', '--rm', '-v', `${host}:/x:ro,rw`, image, 'true']);
      assert.equal(mode.code, 125, mode.stderr);
      assert.match(mode.stderr, /invalid mode: ro,rw/);
      const ok = await d.docker(['run', '--rm', '-v', `${host}:/sys:ro`, '-v', `${host}:/dev/x`, image, 'cat', '/sys/f', '/dev/x/f']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'bound\nbound\n');
      assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'no container was left behind');
    } finally {
      await removeTree(host);
    }
  });
});

describe('e2e: stalled connections are closed, long-lived streams are not', function () {
  this.timeout(120_000);
  const STALL_MS = 1000;
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)), { env: { BERTH_HTTP_STALL_TIMEOUT_MS: String(STALL_MS) } });

  it('closes a connection that sends nothing, half its headers, or half its body (408)', async function () {
    // Closed (the headers timeout answers 408 first when its check runs before the idle one).
    assert.match(await rawUntilClosed(d.socket, ''), /^(HTTP\/1\.1 408|$)/);
    assert.match(await rawUntilClosed(d.socket, 'GET /_ping HTTP/1.1\r\nHost: x\r\n'), /^(HTTP\/1\.1 408|$)/);
    const body = await rawUntilClosed(d.socket, 'POST /v1.47/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Image":');
    assert.match(body, /^HTTP\/1\.1 408/);
    assert.match(body, /the request body stalled/);
  });

  it('closes a hijack request (attach, exec start) whose body stalls before the upgrade', async function () {
    const c = await d.docker(['create', '-i', image, 'cat']);
    assert.equal(c.code, 0, c.stderr);
    const id = c.stdout.trim();
    const got = await rawUntilClosed(d.socket, `POST /v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"stream":`);
    assert.match(got, /^HTTP\/1\.1 400[\s\S]*the request body stalled/);
    assert.equal((await d.docker(['rm', id])).code, 0);
  });

  it('closes an idle kept-alive connection after its request', async function () {
    const got = await rawUntilClosed(d.socket, 'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(got, /^HTTP\/1\.1 200 OK[\s\S]*OK$/);
  });

  it('keeps a slow upload that keeps moving', async function () {
    const body = Buffer.from(JSON.stringify({ Image: image, Cmd: ['true'] }));
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ socketPath: d.socket, method: 'POST', path: '/v1.47/containers/create?name=slowupload', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      void (async () => {
        const step = Math.ceil(body.length / 6);
        for (let i = 0; i < body.length; i += step) {
          req.write(body.subarray(i, i + step));
          await sleep(STALL_MS / 2); // 3 s in all, never silent for the stall time
        }
        req.end();
      })();
    });
    assert.equal(r.status, 201, r.body);
    assert.equal((await d.docker(['rm', 'slowupload'])).code, 0);
  });

  it('keeps quiet long-lived streams: attach and wait (docker run), logs -f, events, build', async function () {
    const quiet = `sleep ${(3 * STALL_MS) / 1000}`;
    const events = rawUntilClosed(d.socket, 'GET /v1.47/events HTTP/1.1\r\nHost: x\r\n\r\n');
    const run = await d.docker(['run', '--name', 'quiet', image, 'sh', '-c', `${quiet}; echo done; exit 3`]);
    assert.deepEqual([run.code, run.stdout], [3, 'done\n'], run.stderr);
    assert.equal((await d.docker(['run', '-d', '--name', 'quietlogs', image, 'sh', '-c', `${quiet}; echo late`])).code, 0);
    const logs = await d.docker(['logs', '-f', 'quietlogs']);
    assert.deepEqual([logs.code, logs.stdout], [0, 'late\n'], logs.stderr);
    const ctx = await makeTempDir('quietbuild');
    try {
      await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${image}\nRUN ${quiet}\n`);
      const build = await d.docker(['build', '-q', '-t', 'quietbuild', ctx]);
      assert.equal(build.code, 0, build.stderr);
    } finally {
      await removeTree(ctx);
    }
    // The events stream was quiet for long stretches and is still open: stop the daemon's
    // side by removing containers (events flow), then check the stream saw them.
    assert.equal((await d.docker(['rm', 'quiet', 'quietlogs'])).code, 0);
    const pending = await Promise.race([events.then(() => 'closed'), sleep(STALL_MS).then(() => 'open')]);
    assert.equal(pending, 'open', 'the events stream stayed open');
  });
});
