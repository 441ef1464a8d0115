/**
 * The CLI's own HTTP/1.1 framing (client/http-wire.ts): every body framing the daemon uses,
 * fed whole and one byte at a time (the socket may split a response anywhere), upgrades with
 * the first bytes of the stream in the same packet, and refusals of malformed responses.
 */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ChunkedEncoder, requestHead, ResponseParser, type ResponseHead } from '../../../client/http-wire';

interface Parsed {
  head?: ResponseHead;
  body: string;
  ended: boolean;
  parser: ResponseParser;
}

/** Feeds `raw` in pieces of `step` bytes (0: all at once); `eof` then ends the connection. */
function parse(raw: string | Buffer, step = 0, opts: { head?: boolean; eof?: boolean } = {}): Parsed {
  const out: Parsed = { body: '', ended: false } as Parsed;
  const parts: Buffer[] = [];
  out.parser = new ResponseParser(
    {
      onHead: (h) => (out.head = h),
      onBody: (c) => parts.push(Buffer.from(c)),
      onEnd: () => (out.ended = true),
    },
    opts.head,
  );
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1');
  if (step === 0) out.parser.push(bytes);
  else for (let i = 0; i < bytes.length; i += step) out.parser.push(bytes.subarray(i, i + step));
  if (opts.eof) out.parser.finish();
  out.body = Buffer.concat(parts).toString('latin1');
  return out;
}

describe('client/http-wire', () => {
  for (const step of [0, 1, 3]) {
    describe(step ? `fed ${step} byte(s) at a time` : 'fed whole', () => {
      it('reads a Content-Length body and the headers in lower case', () => {
        const r = parse('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\nApi-Version: 1.47\r\n\r\n[1,2,3]', step);
        assert.equal(r.head?.statusCode, 200);
        assert.equal(r.head?.statusMessage, 'OK');
        assert.equal(r.head?.headers['content-type'], 'application/json');
        assert.equal(r.head?.headers['api-version'], '1.47');
        assert.equal(r.body, '[1,2,3]');
        assert.ok(r.ended && r.parser.complete);
      });

      it('decodes a chunked body with extensions and trailers', () => {
        const r = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n', step);
        assert.equal(r.body, 'hello 0123456789');
        assert.ok(r.ended);
      });

      it('runs a body without length to the end of the connection', () => {
        const r = parse('HTTP/1.0 200 OK\r\n\r\nall of it', step, { eof: true });
        assert.equal(r.body, 'all of it');
        assert.ok(r.ended);
      });

      it('stops at 101 and keeps the bytes after the head for the upgraded stream', () => {
        const frame = Buffer.from([1, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
        const r = parse(Buffer.concat([Buffer.from('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'), frame]), step);
        assert.equal(r.head?.statusCode, 101);
        assert.deepEqual(r.parser.rest, frame);
        assert.equal(r.body, '');
        assert.ok(r.parser.complete && !r.ended);
      });
    });
  }

  it('gives no body for 204, 304 and a HEAD request, whatever the headers say', () => {
    assert.ok(parse('HTTP/1.1 204 No Content\r\n\r\n').ended);
    assert.ok(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').ended);
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Docker-Container-Path-Stat: e30=\r\n\r\n', 0, { head: true });
    assert.ok(head.ended);
    assert.equal(head.head?.headers['x-docker-container-path-stat'], 'e30=');
  });

  it('skips an interim 100 Continue', () => {
    const r = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
    assert.equal(r.head?.statusCode, 201);
    assert.equal(r.body, '{}');
  });

  it('joins repeated headers as node:http does, set-cookie as a list', () => {
    const r = parse('HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n');
    assert.equal(r.head?.headers['x-a'], '1, 2');
    assert.deepEqual(r.head?.headers['set-cookie'], ['a=1', 'b=2']);
    assert.ok(r.ended);
  });

  it('ignores bytes after a complete response', () => {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
    assert.equal(r.body, 'ok');
  });

  it('refuses a body cut short by the end of the connection', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 0, { eof: true }), /before the response was complete/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 0, { eof: true }), /before the response was complete/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\n', 0, { eof: true }), /before the response was complete/);
  });

  it('refuses malformed responses with one sentence', () => {
    assert.throws(() => parse('SSH-2.0-OpenSSH\r\n\r\n'), /bad status line "SSH-2.0-OpenSSH"/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'), /bad header line/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), /bad Content-Length/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), /bad chunk size "zz"/);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY'), /without its closing CRLF/);
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(1 << 20)}`), /over 1 MiB/);
  });

  it('writes a request head with Host and refuses header values with line breaks', () => {
    assert.equal(requestHead('GET', '/v1.47/_ping', { Connection: 'close' }), 'GET /v1.47/_ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.throws(() => requestHead('GET', '/', { 'X-Registry-Auth': 'a\r\nEvil: 1' }), /line break/);
  });

  it('frames an upload as chunks and ends with the zero chunk; the parser reads it back', async () => {
    const src = new PassThrough();
    const enc = src.pipe(new ChunkedEncoder());
    const parts: Buffer[] = [];
    enc.on('data', (c: Buffer) => parts.push(c));
    const done = new Promise((r) => enc.on('end', r));
    src.write('abc');
    src.write(Buffer.alloc(0));
    src.end(Buffer.alloc(300, 0x61));
    await done;
    const wire = Buffer.concat(parts).toString('latin1');
    assert.ok(wire.startsWith('3\r\nabc\r\n12c\r\n'));
    assert.ok(wire.endsWith('\r\n0\r\n\r\n'));
    const r = parse(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), ...parts]), 7);
    assert.equal(r.body, 'abc' + 'a'.repeat(300));
    assert.ok(r.ended);
  });
});
