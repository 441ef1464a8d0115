/**
 * The error catalogue (daemon/errors/codes.ts) stays complete and honest. The compiler already
 * refuses a BerthError code that is not in the catalogue; this keeps the other direction (no
 * entry nobody uses), one generic code per kind, and Docker's status per kind.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, asErrorCode, type ErrorCode } from '../../../daemon/errors/codes';
import { BerthError, toBerthError, wrap, type ErrorKind } from '../../../daemon/errors';
import { replyOf } from '../../../daemon/api/write-error';
import { repoRoot } from '../../support/proc';
import { tsSources } from '../../support/sources';

const ROOT = repoRoot();
const KINDS: [ErrorKind, number][] = [
  ['InvalidParameter', 400], ['Unauthorized', 401], ['Forbidden', 403], ['NotFound', 404], ['Conflict', 409],
  ['NotModified', 304], ['NotImplemented', 501], ['TooLarge', 413], ['UnsupportedMediaType', 415], ['Unavailable', 503], ['System', 500],
];

describe('unit: the error catalogue', () => {
  it('every kind has its Docker status and a generic code from the catalogue', () => {
    for (const [kind, status] of KINDS) {
      const e = new BerthError(kind, 'x');
      assert.equal(e.status, status, kind);
      assert.ok(e.code in ERROR_CODES, `${kind} → ${e.code}`);
    }
  });

  it('every entry is a SCREAMING_SNAKE name with a description, used somewhere in daemon/ or native/', () => {
    const text = [...tsSources('daemon'), ...tsSources('native')]
      .filter((f) => f !== 'daemon/errors/codes.ts')
      .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n');
    const unused: string[] = [];
    for (const [code, summary] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      assert.ok(summary.length > 10, `${code} needs a description`);
      if (!text.includes(`'${code}'`)) unused.push(code);
    }
    assert.deepEqual(unused, [], 'remove catalogue entries nothing uses, or use them');
  });

  it('codes survive wrap() and a trip through a string (the worker boundary)', () => {
    const e = new BerthError('InvalidParameter', 'bad layer', { code: 'LAYER_CORRUPT' });
    assert.equal(wrap(e, 'pulling x').code, 'LAYER_CORRUPT');
    assert.equal(asErrorCode(JSON.parse(JSON.stringify({ code: e.code })).code), 'LAYER_CORRUPT');
    assert.equal(asErrorCode('NO_SUCH_CODE'), undefined);
    assert.equal(asErrorCode('toString'), undefined);
    // the two families named elsewhere: errno names and the helper's steps
    assert.equal(asErrorCode('ENOENT'), 'ENOENT');
    assert.equal(asErrorCode('HELPER_MOUNT_PROC'), 'HELPER_MOUNT_PROC');
    assert.equal(asErrorCode('ERR_STREAM_PREMATURE_CLOSE'), undefined, "Node's ERR_* codes are not errno names");
    const nodeErr = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.equal(wrap(nodeErr, 'writing').code, 'ENOSPC');
  });

  it('whatever is thrown reaches the client as a BerthError with a code', () => {
    const plain = toBerthError(new Error('boom'));
    assert.deepEqual([plain.kind, plain.code, plain.message], ['System', 'SYSTEM', 'boom']);
    const parse = replyOf(Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed', status: 400 }));
    assert.deepEqual([parse.status, parse.code satisfies ErrorCode], [400, 'INVALID_JSON']);
    const big = replyOf(Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, limit: 1 << 20 }));
    assert.deepEqual([big.status, big.code, big.message], [413, 'TOO_LARGE', 'request body too large (the limit is 1024 KiB)']);
    const charset = replyOf(Object.assign(new Error('unsupported charset "X"'), { type: 'charset.unsupported', status: 415 }));
    assert.deepEqual([charset.status, charset.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
    const aborted = replyOf(Object.assign(new Error('request aborted'), { type: 'request.aborted', status: 400 }));
    assert.deepEqual([aborted.status, aborted.code], [400, 'BODY_UNREADABLE']);
  });
});

describe('unit: daemon code throws BerthErrors', () => {
  it('no `throw new Error(` in daemon/ (a plain Error reaches the client as a 500 without a code)', () => {
    const bad: string[] = [];
    for (const file of tsSources('daemon')) {
      if (file.endsWith('-fake.ts')) continue; // fakes imitate Node's errno errors on purpose
      readFileSync(path.join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        if (/\bthrow\s+(new\s+Error\(|Object\.assign\(\s*new\s+Error\()/.test(line)) bad.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(bad, [], 'throw a BerthError (errors.ts: invalid, notFound, conflict, systemError, ...) instead');
  });
});
