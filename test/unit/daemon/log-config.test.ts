/** Logging drivers and options (daemon/log-config.ts): Docker's validation, defaults and merge. */
import * as assert from 'node:assert/strict';
import { logSettingsOf, mergeLogConfig, parseHumanSize, validateLogConfig } from '../../../daemon/log-config';

describe('log config', function () {
  it('reads sizes as Docker does (decimal units)', function () {
    assert.equal(parseHumanSize('10m'), 10_000_000);
    assert.equal(parseHumanSize('1k'), 1000);
    assert.equal(parseHumanSize('2.5MB'), 2_500_000);
    assert.equal(parseHumanSize('512'), 512);
    assert.throws(() => parseHumanSize('ten'), /invalid size: 'ten'/);
  });

  it('turns drivers and options into the monitor\'s settings', function () {
    assert.deepEqual(validateLogConfig({ Type: 'json-file', Config: {} }), { driver: 'json-file', maxSize: 0, maxFiles: 1 });
    assert.deepEqual(validateLogConfig({ Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '3' } }), { driver: 'json-file', maxSize: 1000, maxFiles: 3 });
    assert.deepEqual(validateLogConfig({ Type: 'local', Config: {} }), { driver: 'local', maxSize: 20e6, maxFiles: 5 });
    assert.deepEqual(validateLogConfig({ Type: 'none', Config: {} }), { driver: 'none', maxSize: 0, maxFiles: 1 });
    assert.deepEqual(validateLogConfig({ Type: 'json-file', Config: { 'max-size': '-1', compress: 'false' } }), { driver: 'json-file', maxSize: 0, maxFiles: 1 });
  });

  it('refuses with Docker\'s words, and says what berth lacks', function () {
    const refuses = (Type: string, Config: Record<string, string>, re: RegExp) => assert.throws(() => validateLogConfig({ Type, Config }), re);
    refuses('journald', {}, /berth does not support the journald logging driver: use json-file, local or none/);
    refuses('bogus', {}, /logger: no log driver named 'bogus' is registered/);
    refuses('json-file', { 'max-file': '0' }, /max-file cannot be less than 1/);
    refuses('json-file', { 'max-size': '0' }, /max-size must be a positive number/);
    refuses('json-file', { color: 'red' }, /unknown log opt 'color' for json-file log driver/);
    refuses('none', { 'max-size': '1k' }, /unknown log opt 'max-size' for none log driver/);
    refuses('local', { tag: 'x' }, /unknown log opt 'tag' for local log driver/);
    refuses('json-file', { labels: 'a' }, /log opt 'labels' is not supported by berth/);
    refuses('json-file', { compress: 'true' }, /compress=true is not supported/);
  });

  it('merges a container\'s LogConfig with the daemon\'s default as dockerd does', function () {
    const dflt = { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '2' } };
    assert.deepEqual(mergeLogConfig(undefined, dflt), dflt);
    assert.deepEqual(mergeLogConfig({ Type: '', Config: { 'max-file': '5' } }, dflt), { Type: 'json-file', Config: { 'max-file': '5', 'max-size': '1k' } });
    assert.deepEqual(mergeLogConfig({ Type: 'none' }, dflt), { Type: 'none', Config: {} });
    assert.deepEqual(logSettingsOf(undefined), { driver: 'json-file', maxSize: 0, maxFiles: 1 });
  });
});
