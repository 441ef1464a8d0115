/**
 * The cgroup v2 device program, run in a small interpreter of the opcodes device-bpf.ts
 * emits, against the same rules' meaning (ruleAllows, which is what v1's devices.allow
 * does): every device and access the tests name gets the same verdict from both.
 */
import * as assert from 'node:assert/strict';
import { BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR, OP, deviceProgram } from '../../../daemon/runtime/device-bpf';
import {
  ALLOW_ALL, DEFAULT_DEVICE_RULES, checkDevicePermissions, parseDeviceCgroupRule, ruleAllows, ruleLine, type DeviceRule,
} from '../../../daemon/runtime/device-rules';

const ACC: Record<string, number> = { m: 1, r: 2, w: 4 };

/** Runs the program on one access; returns r0. Throws on an opcode the builder never emits. */
export function runProgram(prog: Buffer, type: 'b' | 'c', major: number, minor: number, access: string): number {
  const ctx = [(([...access].reduce((a, c) => a | (ACC[c] ?? 0), 0)) << 16) | (type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor];
  const r = new Array<bigint>(11).fill(0n);
  const mask = (1n << 64n) - 1n;
  for (let pc = 0, steps = 0; pc < prog.length / 8; pc++, steps++) {
    assert.ok(steps < 10_000, 'the program loops');
    const code = prog.readUInt8(pc * 8);
    const regs = prog.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = prog.readInt16LE(pc * 8 + 2);
    const imm = BigInt(prog.readInt32LE(pc * 8 + 4)) & mask;
    switch (code) {
      case OP.LDXW:
        assert.equal(src, 1, 'loads only from the context');
        r[dst] = BigInt(ctx[off / 4] as number);
        break;
      case OP.MOV64_X: r[dst] = r[src] as bigint; break;
      case OP.MOV64_K: r[dst] = imm; break;
      case OP.AND64_K: r[dst] = (r[dst] as bigint) & imm; break;
      case OP.RSH64_K: r[dst] = (r[dst] as bigint) >> imm; break;
      case OP.JNE_K: if (r[dst] !== imm) pc += off; break;
      case OP.EXIT: return Number(r[0]);
      default: assert.fail(`unexpected opcode ${code.toString(16)}`);
    }
  }
  return assert.fail('fell off the end of the program');
}

const allows = (rules: readonly DeviceRule[], type: 'b' | 'c', major: number, minor: number, access: string) =>
  rules.some((r) => ruleAllows(r, type, major, minor, access));

const PROBES: [type: 'b' | 'c', major: number, minor: number][] = [
  ['c', 1, 3], ['c', 1, 5], ['c', 1, 9], ['c', 1, 11], ['c', 5, 0], ['c', 5, 2], ['c', 136, 4], ['c', 136, 0],
  ['c', 10, 200], ['c', 10, 229], ['b', 7, 0], ['b', 7, 3], ['b', 8, 0], ['c', 4, 1], ['b', 1, 3],
];

describe('runtime: device rules and the cgroup v2 device program', () => {
  it('denies what Docker denies: the host kernel log, loop and disk block devices (but lets mknod make them)', () => {
    const prog = deviceProgram(DEFAULT_DEVICE_RULES);
    assert.equal(runProgram(prog, 'c', 1, 11, 'w'), 0, '/dev/kmsg');
    assert.equal(runProgram(prog, 'b', 7, 0, 'r'), 0, 'loop0');
    assert.equal(runProgram(prog, 'b', 8, 0, 'rw'), 0, 'sda');
    assert.equal(runProgram(prog, 'b', 7, 0, 'm'), 1, 'mknod stays allowed');
    assert.equal(runProgram(prog, 'c', 1, 3, 'rw'), 1, '/dev/null');
    assert.equal(runProgram(prog, 'c', 136, 7, 'rw'), 1, '/dev/pts/7');
  });

  it('gives the same verdict as the rules themselves for every probe and access', () => {
    const sets: DeviceRule[][] = [
      [...DEFAULT_DEVICE_RULES],
      [...DEFAULT_DEVICE_RULES, parseDeviceCgroupRule('b 7:* rw'), parseDeviceCgroupRule('c 1:11 r')],
      [ALLOW_ALL],
      [parseDeviceCgroupRule('a 10:* m')],
      [],
    ];
    for (const rules of sets) {
      const prog = deviceProgram(rules);
      for (const [t, ma, mi] of PROBES) {
        for (const acc of ['r', 'w', 'm', 'rw', 'rwm', 'rm']) {
          assert.equal(runProgram(prog, t, ma, mi, acc) === 1, allows(rules, t, ma, mi, acc), `${rules.map(ruleLine).join(', ')}: ${t} ${ma}:${mi} ${acc}`);
        }
      }
    }
  });

  it('parses --device-cgroup-rule as Docker does and refuses anything else in one sentence', () => {
    assert.deepEqual(parseDeviceCgroupRule('c 1:3 rwm'), { type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.deepEqual(parseDeviceCgroupRule('b *:* m'), { type: 'b', major: -1, minor: -1, access: 'm' });
    assert.equal(ruleLine(parseDeviceCgroupRule('a 7:* rw')), 'a 7:* rw');
    for (const bad of ['c 1:3', 'x 1:3 r', 'c 1:3 rwx', 'c 1:3 rr', 'c a:3 r', ' c 1:3 r', 'c 1:3  r']) {
      assert.throws(() => parseDeviceCgroupRule(bad), (e: Error & { kind?: string }) => e.kind === 'InvalidParameter' && /invalid device cgroup rule/.test(e.message), bad);
    }
    checkDevicePermissions('rw', '/dev/loop0');
    assert.throws(() => checkDevicePermissions('rwx', '/dev/loop0'), /invalid device permissions 'rwx' for \/dev\/loop0/);
  });
});
