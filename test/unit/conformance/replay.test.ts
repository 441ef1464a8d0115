/**
 * The orchestrator replay client (test/conformance/orchestrators/replay) against a scripted
 * raw socket server: exact request bytes, Content-Length / chunked / read-to-close bodies, a
 * stream cut by `until`, the Upgrade: tcp hijack with stdin and half-close, captures and
 * templating, held requests, and the Go-decoder checks (shapes, RFC3339Nano, stdcopy, NDJSON).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeStdcopy, demux, goCreateBody, goFilters, goHeaders, goJson, goQuery, hijack, isRFC3339Nano, parseNdjson, replay, request, shapeErrors, type Step } from '../../conformance/orchestrators/replay';

type Handler = (head: string, body: Buffer, sock: net.Socket) => void;

/** A server that hands each request's head and body (by Content-Length) to `handler`. */
async function server(handler: Handler): Promise<{ socket: string; requests: string[]; close(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-'));
  const socket = path.join(dir, 's.sock');
  const requests: string[] = [];
  const srv = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let done = false;
    sock.on('data', (c: Buffer) => {
      if (done) return;
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      done = true;
      requests.push(buf.toString('latin1'));
      handler(head, buf.subarray(end + 4, end + 4 + len), sock);
    });
  });
  await new Promise<void>((r) => srv.listen(socket, r));
  return {
    socket,
    requests,
    close: async () => {
      await new Promise<void>((r) => srv.close(() => r()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

const json = (status: string, v: unknown): string => {
  const b = JSON.stringify(v);
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
};

describe('unit: orchestrator replay client', function () {
  it('sends the exact request bytes and reads a Content-Length body', async function () {
    const s = await server((_h, _b, sock) => sock.end(json('200 OK', { ok: 1 })));
    try {
      const r = await request(s.socket, { method: 'POST', path: '/v1.42/containers/create?name=k8s_POD', headers: [['User-Agent', 'Go-http-client/1.1'], ['Content-Type', 'application/json']], body: Buffer.from('{"a":1}') });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(JSON.parse(r.body.toString()), { ok: 1 });
      assert.equal(s.requests[0], 'POST /v1.42/containers/create?name=k8s_POD HTTP/1.1\r\nHost: docker\r\nUser-Agent: Go-http-client/1.1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}');
    } finally {
      await s.close();
    }
  });

  it('decodes chunked bodies split anywhere, and stops a stream at `until`', async function () {
    const s = await server((_h, _b, sock) => {
      const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n';
      let i = 0;
      const t = setInterval(() => {
        if (i >= raw.length) return clearInterval(t), sock.end();
        sock.write(raw.slice(i, i + 3));
        i += 3;
      }, 1);
    });
    const endless = await server((_h, _b, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const t = setInterval(() => (sock.writable ? sock.write('8\r\n{"a":1}\n\r\n') : clearInterval(t)), 5);
      sock.on('close', () => clearInterval(t));
    });
    try {
      const r = await request(s.socket, { method: 'GET', path: '/x' });
      assert.equal(r.body.toString(), 'hello world');
      assert.equal(r.cutShort, false);
      const st = await request(endless.socket, { method: 'GET', path: '/stats' }, { until: (b) => parseNdjson(b).length >= 3 && b.toString().endsWith('\n') });
      assert.equal(st.cutShort, true);
      assert.ok(parseNdjson(st.body).length >= 3);
    } finally {
      await s.close();
      await endless.close();
    }
  });

  it('hijacks with Upgrade: tcp, writes stdin, half-closes, and reads the raw stream to the close', async function () {
    const s = await server((head, _b, sock) => {
      assert.match(head, /Connection: Upgrade\r\nUpgrade: tcp/);
      sock.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      let input = '';
      sock.on('data', (c: Buffer) => (input += c.toString()));
      sock.on('end', () => {
        const p = Buffer.from(`got ${input}`);
        const h = Buffer.from([1, 0, 0, 0, 0, 0, 0, p.length]);
        sock.end(Buffer.concat([h, p]));
      });
    });
    try {
      const r = await hijack(s.socket, { method: 'POST', path: '/v1.42/exec/abc/start', headers: [['Connection', 'Upgrade'], ['Upgrade', 'tcp']], body: Buffer.from('{}') }, { stdin: Buffer.from('ping'), closeStdin: true });
      assert.equal(r.statusCode, 101);
      assert.deepEqual(demux(r.body), { stdout: 'got ping', stderr: '' });
    } finally {
      await s.close();
    }
  });

  it('writes into a held hijacked stream (an interactive exec) and joins it', async function () {
    const s = await server((_h, _b, sock) => {
      sock.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      sock.once('data', (c: Buffer) => sock.end(`echo:${c.toString()}`));
    });
    try {
      const { records } = await replay(s.socket, [
        { name: 'start', source: 't:1', why: 'w', method: 'POST', path: '/exec/x/start', hijack: true, decode: 'raw', status: 101, hold: 'tty' },
        { name: 'type', source: 't:2', why: 'w', write: 'tty', data: 'hi {{who}}\n' },
        { name: 'end', source: 't:3', why: 'w', join: 'tty', status: 101, check: (r) => assert.equal(r.body.toString(), 'echo:hi you\n') },
      ], { vars: { who: 'you' } });
      assert.equal(records.length, 3);
    } finally {
      await s.close();
    }
  });

  it('joins a held request that must end without an answer (the daemon went away)', async function () {
    const s = await server((head, _b, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      if (head.includes('/cut')) setTimeout(() => sock.end(), 20);
      else setTimeout(() => sock.end('2\r\n{}\r\n0\r\n\r\n'), 20);
    });
    try {
      await replay(s.socket, [
        { name: 'held', source: 't:1', why: 'w', method: 'POST', path: '/cut', status: 200, hold: 'h' },
        { name: 'cut', source: 't:2', why: 'w', join: 'h', status: 200, fails: /closed inside a chunked body/ },
      ]);
      await assert.rejects(replay(s.socket, [
        { name: 'held', source: 't:1', why: 'w', method: 'POST', path: '/whole', status: 200, hold: 'h' },
        { name: 'cut', source: 't:2', why: 'w', join: 'h', status: 200, fails: /closed/ },
      ]), /answered 200, but it had to end without an answer/);
    } finally {
      await s.close();
    }
  });

  it('replays steps in order: templating, captures, checks, held requests and the failing step named', async function () {
    let waitSock: net.Socket | undefined;
    const s = await server((head, body, sock) => {
      if (head.startsWith('POST /v1.42/containers/create')) sock.end(json('201 Created', { Id: 'abc123', Warnings: [] }));
      else if (head.startsWith('POST /v1.42/containers/abc123/wait')) {
        sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        waitSock = sock;
      } else if (head.startsWith('POST /v1.42/containers/abc123/stop')) {
        assert.equal(body.toString(), '');
        sock.end('HTTP/1.1 204 No Content\r\n\r\n');
        const w = '{"StatusCode":137}\n';
        waitSock?.end(`${w.length.toString(16)}\r\n${w}\r\n0\r\n\r\n`);
      } else sock.end(json('404 Not Found', { message: 'No such container: nope' }));
    });
    try {
      const steps: Step[] = [
        { name: 'create', source: 't:1', why: 'w', method: 'POST', path: '/v1.42/containers/create?name={{name}}', body: { Image: '{{image}}' }, status: 201, shape: { Id: 'string', Warnings: ['string'] }, capture: { id: (r) => (r.json as { Id: string }).Id } },
        { name: 'wait', source: 't:2', why: 'w', method: 'POST', path: '/v1.42/containers/{{id}}/wait?condition=not-running', status: 200, hold: 'wait' },
        { name: 'stop', source: 't:3', why: 'w', method: 'POST', path: '/v1.42/containers/{{id}}/stop', status: 204 },
        { name: 'waited', source: 't:4', why: 'w', join: 'wait', status: 200, shape: { StatusCode: 'int' } },
        { name: 'local', source: 't:5', why: 'w', local: (v) => void (v.other = 'nope') },
        { name: 'missing', source: 't:6', why: 'w', method: 'GET', path: '/v1.42/containers/{{other}}/json', status: 404, errorMatches: /^No such container: / },
      ];
      const { vars } = await replay(s.socket, steps, { vars: { name: 'k8s_POD', image: 'pause' } });
      assert.equal(vars.id, 'abc123');
      assert.match(s.requests[0] ?? '', /"Image":"pause"/);

      await assert.rejects(replay(s.socket, [{ name: 'bad', source: 'x.go:9', why: 'w', method: 'GET', path: '/v1.42/containers/{{unset}}/json', status: 200 }]), /step 1 "bad" \(x\.go:9\) failed: variable \{\{unset\}\} is not set/);
      await assert.rejects(replay(s.socket, [{ name: 'shape', source: 'y.go:1', why: 'w', method: 'POST', path: '/v1.42/containers/create', status: 201, shape: { Id: 'int' } }]), /\$\.Id: expected int, got "abc123"/);
    } finally {
      await s.close();
    }
  });

  it('checks shapes with Go decoding rules and RFC3339Nano times', function () {
    assert.deepEqual(shapeErrors({ Names: ['/a'], SizeRw: 0, State: { StartedAt: '2026-12-04T20:56:41.123456789Z' } }, { Names: ['string'], SizeRw: 'int', State: { StartedAt: 'time' } }), []);
    assert.deepEqual(shapeErrors({ SizeRw: 1.5 }, { SizeRw: 'int' }), ['$.SizeRw: expected int, got 1.5']);
    assert.deepEqual(shapeErrors({}, { SizeRw: 'int', Opt: '?string' }), ['$.SizeRw: expected int, got undefined']);
    assert.deepEqual(shapeErrors({ Labels: { a: 'b', c: 1 } }, { Labels: { '*': 'string' } }), ['$.Labels.c: expected string, got 1']);
    assert.ok(isRFC3339Nano('0001-01-01T00:00:00Z'));
    assert.ok(isRFC3339Nano('2026-12-04T20:56:41.5+01:00'));
    assert.ok(!isRFC3339Nano('2026-12-04 20:56:41Z'));
    assert.ok(!isRFC3339Nano(1733345801));
  });

  it('checks netip.Addr, netip.Prefix and HardwareAddr text as Go decodes them (moby api 1.55 types)', function () {
    const shape = { A: 'ip', P: 'cidr', M: 'mac' };
    for (const ok of [{ A: '', P: '', M: '' }, { A: '10.0.0.1', P: '10.0.0.0/24', M: '02:42:ac:11:00:02' }, { A: 'fe80::1%eth0', P: 'fd00::/64', M: '02-42-AC-11-00-02' }]) {
      assert.deepEqual(shapeErrors(ok, shape), [], JSON.stringify(ok));
    }
    const bad = shapeErrors({ A: '10.0.0.256', P: '10.0.0.0/33', M: '02:42:ac' }, shape);
    assert.equal(bad.length, 3, bad.join('; '));
    assert.equal(shapeErrors({ A: '010.0.0.1' }, { A: 'ip' }).length, 1, 'a leading zero is refused by netip.ParseAddr');
    assert.equal(shapeErrors({ A: '10.0.0.1%eth0' }, { A: 'ip' }).length, 1, 'zones are for IPv6 only');
    assert.equal(shapeErrors({ A: null }, { A: '?ip' }).length, 0);
  });

  it('encodes bodies as Go\'s encoding/json: HTML-safe escapes', function () {
    assert.equal(goJson({ Cmd: ['sh', '-c', 'a && b >&2 <x'], S: '\u2028' }), '{"Cmd":["sh","-c","a \\u0026\\u0026 b \\u003e\\u00262 \\u003cx"],"S":"\\u2028"}');
    assert.deepEqual(JSON.parse(goJson({ a: '<&>' })), { a: '<&>' });
  });

  it('builds what the moby Go client sends: query, filters, headers, zero-valued bodies', function () {
    assert.equal(goQuery({ stream: '0', 'one-shot': '1' }), '?one-shot=1&stream=0');
    assert.equal(goQuery({ filters: '{"label":{"a=b c":true}}' }), '?filters=%7B%22label%22%3A%7B%22a%3Db+c%22%3Atrue%7D%7D');
    assert.equal(goFilters({ label: ['z=1', 'a=2'], id: ['x'] }), '{"id":{"x":true},"label":{"a=2":true,"z=1":true}}');
    assert.deepEqual(goHeaders({ method: 'POST' }).map(([k]) => k), ['Host', 'User-Agent', 'Content-Length', 'Accept-Encoding']);
    assert.deepEqual(goHeaders({ body: 'json', hijack: true }).map(([k]) => k), ['Host', 'User-Agent', 'Content-Length', 'Connection', 'Content-Type', 'Upgrade']);
    const body = goCreateBody({ Image: 'x' }, { Memory: 5 }) as { HostConfig: Record<string, unknown>; Entrypoint: unknown };
    assert.equal(body.Entrypoint, null);
    assert.equal(body.HostConfig.Memory, 5);
    assert.equal(body.HostConfig.PidsLimit, null);
    assert.deepEqual(body.HostConfig.ConsoleSize, [0, 0]);
    assert.ok(!('Runtime' in body.HostConfig), 'omitempty fields stay out unless set');
    assert.throws(() => goCreateBody({ Nope: 1 }, {}), /Nope is not a field/);
  });

  it('decodes stdcopy strictly', function () {
    const f = (t: number, s: string) => Buffer.concat([Buffer.from([t, 0, 0, 0, 0, 0, 0, s.length]), Buffer.from(s)]);
    assert.deepEqual(demux(Buffer.concat([f(1, 'out'), f(2, 'err'), f(1, '!')])), { stdout: 'out!', stderr: 'err' });
    assert.throws(() => decodeStdcopy(Buffer.from('hello world\n')), /unknown stream type/);
    assert.throws(() => decodeStdcopy(f(1, 'abc').subarray(0, 10)), /says 3 bytes, 2 left/);
  });
});
