// Pure pieces of the containers capability: Docker's config merge, filters in both JSON
// shapes, names, status words, stdcopy framing, detach keys, signals, /etc files.
import { strict as assert } from 'node:assert';
import { entrypointAndArgs, mergeWithImage, parseCreateRequest, processEnv } from '../../../daemon/containers/create-config';
import { parseFilters } from '../../../daemon/containers/filters';
import { generateName, normalizeName } from '../../../daemon/containers/names';
import { commandText, humanDuration, exitCodeForStartError } from '../../../daemon/containers/status';
import { StartError } from '../../../daemon/runtime/helper-error';
import { frame, FrameDecoder, StdStream } from '../../../daemon/stdcopy';
import { DetachScanner, parseDetachKeys } from '../../../daemon/containers/detach-keys';
import { parseSignal } from '../../../daemon/runtime/signals';
import { parseBind } from '../../../daemon/containers/mounts';
import { resolvConf } from '../../../daemon/containers/etc-files';

describe('containers: config merge', () => {
  const image = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: ['/init'], WorkingDir: '/app', User: 'nobody', Labels: { a: 'img' } };

  it('takes the image Cmd and Entrypoint when the user gave neither', () => {
    const m = mergeWithImage({ Image: 'x' }, image);
    assert.deepEqual(entrypointAndArgs(m), { path: '/init', args: ['sh'] });
    assert.equal(m.WorkingDir, '/app');
    assert.equal(m.User, 'nobody');
  });

  it('keeps the image Entrypoint but replaces Cmd when the user gave a Cmd', () => {
    assert.deepEqual(entrypointAndArgs(mergeWithImage({ Image: 'x', Cmd: ['ls'] }, image)), { path: '/init', args: ['ls'] });
  });

  it('drops the image Cmd when the user set an Entrypoint, and --entrypoint "" resets it', () => {
    assert.deepEqual(entrypointAndArgs(mergeWithImage({ Image: 'x', Entrypoint: ['/bin/echo'] }, image)), { path: '/bin/echo', args: [] });
    assert.deepEqual(entrypointAndArgs(mergeWithImage({ Image: 'x', Entrypoint: [''], Cmd: ['ls'] }, image)), { path: 'ls', args: [] });
  });

  it('appends image variables the user did not set, user values first', () => {
    const m = mergeWithImage({ Image: 'x', Env: ['A=2', 'B=3'] }, image);
    assert.deepEqual(m.Env, ['A=2', 'B=3', 'PATH=/bin']);
    assert.deepEqual(m.Labels, { a: 'img' });
  });

  it('fails with Docker\'s "No command specified"', () => {
    assert.throws(() => entrypointAndArgs(mergeWithImage({ Image: 'x' }, {})), /No command specified/);
  });

  it('adds PATH, HOSTNAME and TERM (tty) to the process env', () => {
    assert.deepEqual(processEnv({ Env: ['X=1'], Tty: true }, 'abc'), [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=abc', 'X=1', 'TERM=xterm',
    ]);
  });

  it('parses the CLI body and rejects bad types', () => {
    const r = parseCreateRequest({ Image: 'busybox', Cmd: ['echo'], HostConfig: { AutoRemove: true, Binds: null } });
    assert.equal(r.hostConfig.AutoRemove, true);
    assert.throws(() => parseCreateRequest({ Image: 'b', Cmd: 5 }), /invalid Cmd/);
    assert.throws(() => parseCreateRequest({ Cmd: ['x'] }), /Config.Image/);
  });
});

describe('containers: filters, names, words', () => {
  it('accepts both filter shapes', () => {
    assert.deepEqual([...parseFilters('{"status":{"running":true}}')], [['status', ['running']]]);
    assert.deepEqual([...parseFilters('{"status":["exited"],"label":["a=b"]}')], [['status', ['exited']], ['label', ['a=b']]]);
    assert.throws(() => parseFilters('{"status":["sleepy"]}'), /invalid filter 'status=sleepy'/);
    assert.throws(() => parseFilters('{"bogus":["x"]}'), /invalid filter 'bogus'/);
  });

  it('validates names as Docker does and generates adjective_surname', () => {
    assert.equal(normalizeName('web-1'), '/web-1');
    assert.throws(() => normalizeName('a'), /Invalid container name/);
    assert.throws(() => normalizeName('bad name'), /Invalid container name/);
    const taken = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const n = generateName((x) => taken.has(x));
      assert.match(n, /^\/[a-z]+_[a-z]+\d?$/);
      assert.ok(!taken.has(n));
      taken.add(n);
    }
  });

  it('speaks Docker\'s durations and commands', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(2000), '2 seconds');
    assert.equal(humanDuration(61000), 'About a minute');
    assert.equal(humanDuration(4 * 60000), '4 minutes');
    assert.equal(humanDuration(3600000), 'About an hour');
    assert.equal(humanDuration(3 * 86400000), '3 days');
    assert.equal(commandText({ Path: 'sh', Args: ['-c', 'while true; do echo tick; done'] }), "sh -c 'while true; do echo tick; done'");
    const failure = (step: string, exitCode: number, message: string) => new StartError({ step, errno: 2, exitCode, message });
    assert.equal(exitCodeForStartError(failure('exec', 127, 'exec: "foo": executable file not found in $PATH')), 127);
    assert.equal(exitCodeForStartError(failure('exec', 126, 'exec: "/etc": permission denied')), 126);
    // the message no longer decides: a missing bind source says "no such file" but is no 127
    assert.equal(exitCodeForStartError(failure('binds', 125, 'bind mount source `/x`: No such file or directory')), 128);
    assert.equal(exitCodeForStartError(new Error('executable file not found')), 128);
  });

  it('parses signals, binds and resolv.conf', () => {
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('kill'), 9);
    assert.equal(parseSignal('2'), 2);
    assert.throws(() => parseSignal('SIGNOPE'), /Invalid signal/);
    assert.deepEqual(parseBind('/src:/dst:ro'), { type: 'bind', source: '/src', destination: '/dst', readonly: true });
    assert.deepEqual(parseBind('vol:/dst:ro,nocopy'), { type: 'volume', name: 'vol', destination: '/dst', readonly: true, nocopy: true, mode: 'ro,nocopy' });
    assert.equal(resolvConf('nameserver 127.0.0.53\nsearch lan\n', {}, false), 'search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(resolvConf('nameserver 10.0.0.1\n', { Dns: ['1.1.1.1'] }, false), 'nameserver 1.1.1.1\n');
  });
});

describe('containers: stdcopy and detach keys', () => {
  it('frames as [stream,0,0,0,len BE32] and decodes across chunk boundaries', () => {
    const f = frame(StdStream.Stderr, Buffer.from('oops'));
    assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 4]);
    const both = Buffer.concat([frame(StdStream.Stdout, Buffer.from('hello')), f]);
    const d = new FrameDecoder();
    const out = [...d.push(both.subarray(0, 5)), ...d.push(both.subarray(5, 14)), ...d.push(both.subarray(14))];
    assert.deepEqual(out.map((x) => [x.type, x.payload.toString()]), [[1, 'hello'], [2, 'oops']]);
    assert.equal(d.pending, 0);
  });

  it('detects ctrl-p ctrl-q, releasing a broken partial match', () => {
    const keys = parseDetachKeys('ctrl-p,ctrl-q');
    assert.deepEqual([...keys], [16, 17]);
    const s = new DetachScanner(keys);
    assert.deepEqual(s.push(Buffer.from([97, 16])), { forward: Buffer.from([97]), detach: false });
    assert.deepEqual(s.push(Buffer.from([98])), { forward: Buffer.from([16, 98]), detach: false });
    assert.equal(s.push(Buffer.from([16])).detach, false);
    assert.equal(s.push(Buffer.from([17])).detach, true);
    assert.throws(() => parseDetachKeys('ctrl-'), /Invalid detach keys/);
  });
});
