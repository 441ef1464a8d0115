/** Pure pieces of the runtime: spec file encoding, attach frames, signals, /proc parsing, state files. */
import { strict as assert } from 'node:assert';
import { FrameDecoder, frame, resizeFrame, stdinFrames } from '../../../daemon/runtime/frames';
import { parseMountinfo } from '../../../daemon/runtime/mountinfo';
import { parseStartTime } from '../../../daemon/runtime/proc';
import { parseSignal } from '../../../daemon/runtime/signals';
import { encodeExecSpec, encodeStartSpec } from '../../../daemon/runtime/spec-file';
import { parseExit, parseState } from '../../../daemon/runtime/state';
import type { ContainerSpec } from '../../../daemon/runtime/types';

const spec: ContainerSpec = {
  id: 'abc',
  layers: { lower: ['/l1', '/l2'], upper: '/u', work: '/w' },
  rootfs: '/r',
  args: ['sh', '-c', 'echo a=b\nnext'],
  env: ['A=1', 'B=x=y'],
  cwd: '',
  user: 'app:staff',
  hostname: 'abc',
  tty: true,
  openStdin: false,
  readonlyRootfs: true,
  init: false,
  mounts: [
    { type: 'bind', source: '/src', destination: '/dst', readonly: true },
    { type: 'tmpfs', destination: '/t', options: 'size=1m' },
  ],
  logPath: '/log',
  etcFiles: { hosts: '/h', hostname: '/hn', resolvConf: '/rc' },
  consoleSize: [24, 80],
  network: 'host',
};

function records(buf: Buffer): string[] {
  const s = buf.toString();
  assert.ok(s.endsWith('\0'));
  return s.slice(0, -1).split('\0');
}

describe('runtime spec file', () => {
  it('encodes a container spec as NUL-terminated key=value records, lists in order', () => {
    const r = records(encodeStartSpec(spec, { rundir: '/run/x', cgroups: ['/cg/a', '/cg/b'], security: { caps: 'a80425fb', seccomp: '/run/s.bpf', nnp: true } }));
    assert.ok(r.includes('id=abc'));
    assert.ok(r.includes('cwd=/'), 'empty cwd means /');
    assert.ok(r.includes('tty=1') && r.includes('stdin=0') && r.includes('readonly=1'));
    assert.ok(r.includes('network=host') && r.includes('rows=24') && r.includes('cols=80'));
    assert.ok(r.includes('caps=a80425fb') && r.includes('seccomp=/run/s.bpf') && r.includes('nnp=1'));
    assert.ok(r.includes('masked=/proc/keys') && r.includes('ropath=/proc/sys'), "Docker's default paths when the spec has none");
    const none = records(encodeStartSpec({ ...spec, maskedPaths: [], readonlyPaths: ['/x'] }, { rundir: '/r', cgroups: [], security: { caps: '0', nnp: false } }));
    assert.deepEqual(none.filter((x) => /^(masked|ropath)=/.test(x)), ['masked=', 'ropath=/x'], 'an empty list is one empty record');
    assert.deepEqual(r.filter((x) => x.startsWith('arg=')), ['arg=sh', 'arg=-c', 'arg=echo a=b\nnext']);
    assert.deepEqual(r.filter((x) => x.startsWith('env=')), ['env=A=1', 'env=B=x=y']);
    assert.deepEqual(r.filter((x) => x.startsWith('cgroup=')), ['cgroup=/cg/a', 'cgroup=/cg/b']);
    const m = r.slice(r.indexOf('mount=bind'));
    assert.deepEqual(m, ['mount=bind', 'mount.dst=/dst', 'mount.src=/src', 'mount.ro=1', 'mount=tmpfs', 'mount.dst=/t', 'mount.opt=size=1m']);
  });

  it('rejects a NUL inside a value', () => {
    assert.throws(() => encodeStartSpec({ ...spec, args: ['a\0b'] }, { rundir: '/x', cgroups: [], security: { caps: '0', nnp: false } }), /arg must not contain a NUL byte/);
  });

  it('encodes an exec spec', () => {
    const r = records(encodeExecSpec(42, { args: ['ls'], env: [], cwd: '/tmp', user: '1:2', tty: false, stdin: true }, [], { caps: '0', nnp: false }));
    assert.deepEqual(r, ['pid=42', 'caps=0', 'nnp=0', 'cwd=/tmp', 'user=1:2', 'tty=0', 'stdin=1', 'arg=ls']);
  });
});

describe('runtime attach frames', () => {
  it('decodes frames split at any byte', () => {
    const all = Buffer.concat([frame(1, Buffer.from('hello')), frame(3, Buffer.from('0')), frame(2, Buffer.alloc(0))]);
    const d = new FrameDecoder();
    const got: { type: number; payload: string }[] = [];
    for (let i = 0; i < all.length; i++) for (const f of d.push(all.subarray(i, i + 1))) got.push({ type: f.type, payload: f.payload.toString() });
    assert.deepEqual(got, [{ type: 1, payload: 'hello' }, { type: 3, payload: '0' }, { type: 2, payload: '' }]);
  });

  it('uses the stdcopy header layout and splits big stdin writes', () => {
    assert.deepEqual([...frame(2, Buffer.from('ab')).subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 2]);
    assert.deepEqual(stdinFrames(Buffer.alloc(70000)).map((f) => f.readUInt32BE(4)), [65536, 70000 - 65536]);
    assert.deepEqual([...resizeFrame(24, 300)], [4, 0, 0, 0, 0, 0, 0, 4, 0, 24, 1, 44]);
  });
});

describe('runtime signals', () => {
  it('accepts Docker\'s spellings', () => {
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('term'), 15);
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal(2), 2);
  });

  it('rejects unknown signals with Docker\'s message', () => {
    assert.throws(() => parseSignal('FOO'), /^BerthError: Invalid signal: FOO$/);
    assert.throws(() => parseSignal(0), /Invalid signal: 0/);
  });
});

describe('runtime /proc and state parsing', () => {
  it('reads the start time after a comm containing spaces and parens', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const line = `123 (a (b) c) ${fields.join(' ')}`;
    assert.equal(parseStartTime(line), 22);
  });

  it('parses mountinfo with escaped paths', () => {
    const text = '36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - overlay overlay rw,lowerdir=/a\n';
    assert.deepEqual(parseMountinfo(text), [{ mountPoint: '/mnt/with space', fstype: 'overlay', source: 'overlay' }]);
  });

  it('validates state.json and exit.json', () => {
    assert.deepEqual(parseState({ pid: 1, startTime: 2, monitorPid: 3, monitorStartTime: 4, tty: false }), { pid: 1, startTime: 2, monitorPid: 3, monitorStartTime: 4, tty: false });
    assert.equal(parseState({ pid: '1' }), undefined);
    assert.deepEqual(parseExit({ exitCode: 3, finishedAt: 't', pid: 9 }), { exitCode: 3, finishedAt: 't' });
    assert.deepEqual(parseExit({ exitCode: 127, finishedAt: 't', error: 'x' }), { exitCode: 127, finishedAt: 't', error: 'x' });
    assert.equal(parseExit({ exitCode: 1.5, finishedAt: 't' }), undefined);
  });
});
