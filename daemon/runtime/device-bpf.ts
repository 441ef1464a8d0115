/**
 * The cgroup v2 device program: BPF_PROG_TYPE_CGROUP_DEVICE bytecode built from allow rules
 * (device-rules.ts), written as raw instructions (no libbpf, no compiler at run time). The
 * kernel runs it on every mknod/open of a device node by a process in the cgroup with
 * struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, access_type being
 * (access << 16) | type; it returns 1 to allow, 0 to deny (EPERM). Default: deny.
 *
 *   r2 = type (low 16 bits), r3 = access (high 16 bits), r4 = major, r5 = minor
 *   per rule:  if r2 != TYPE goto next            (not for type 'a')
 *              r6 = r3 & ~ACCESS; if r6 != 0 goto next   (asked for more than allowed)
 *              if r4 != MAJOR goto next          (not for *)
 *              if r5 != MINOR goto next          (not for *)
 *              r0 = 1; exit
 *   next: ...  r0 = 0; exit
 * Pure; device-bpf.test.ts runs the bytecode in a small interpreter.
 */
import type { DeviceRule } from './device-rules';

/** bpf_cgroup_dev_ctx type and access bits (uapi linux/bpf.h). */
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;

/** The opcodes this module emits (uapi linux/bpf_common.h, linux/bpf.h). */
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
  MOV64_X: 0xbf, // BPF_ALU64 | BPF_MOV | BPF_X
  MOV64_K: 0xb7, // BPF_ALU64 | BPF_MOV | BPF_K
  AND64_K: 0x57, // BPF_ALU64 | BPF_AND | BPF_K
  RSH64_K: 0x77, // BPF_ALU64 | BPF_RSH | BPF_K
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K: if dst != imm goto pc + 1 + off
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

function accessMask(access: string): number {
  return (access.includes('m') ? BPF_DEVCG_ACC_MKNOD : 0) | (access.includes('r') ? BPF_DEVCG_ACC_READ : 0) | (access.includes('w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/** One rule's block; its jumps to "next" are patched once the block's length is known. */
function ruleBlock(r: DeviceRule): Insn[] {
  const out: Insn[] = [];
  const jumps: number[] = [];
  const jne = (reg: number, imm: number) => {
    jumps.push(out.length);
    out.push(insn(OP.JNE_K, reg, 0, 0, imm));
  };
  if (r.type !== 'a') jne(2, r.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  const allowed = accessMask(r.access);
  if (allowed !== 7) {
    out.push(insn(OP.MOV64_X, 6, 3, 0, 0), insn(OP.AND64_K, 6, 0, 0, ~allowed & 7));
    jne(6, 0);
  }
  if (r.major >= 0) jne(4, r.major | 0);
  if (r.minor >= 0) jne(5, r.minor | 0);
  out.push(insn(OP.MOV64_K, 0, 0, 0, 1), insn(OP.EXIT, 0, 0, 0, 0));
  for (const j of jumps) (out[j] as Insn).off = out.length - j - 1;
  return out;
}

/** The program for a rule list (allow rules, first match wins, default deny). */
export function deviceProgram(rules: readonly DeviceRule[]): Buffer {
  const prog: Insn[] = [
    insn(OP.LDXW, 2, 1, 0, 0), // r2 = access_type
    insn(OP.MOV64_X, 3, 2, 0, 0), // r3 = access_type
    insn(OP.AND64_K, 2, 0, 0, 0xffff), // r2 = type
    insn(OP.RSH64_K, 3, 0, 0, 16), // r3 = access
    insn(OP.LDXW, 4, 1, 4, 0), // r4 = major
    insn(OP.LDXW, 5, 1, 8, 0), // r5 = minor
  ];
  let unconditional = false;
  for (const r of rules) {
    const block = ruleBlock(r);
    prog.push(...block);
    // a rule that matches everything ("a *:* rwm") ends the program: the verifier refuses
    // code it can never reach
    unconditional = block.length === 2;
    if (unconditional) break;
  }
  if (!unconditional) prog.push(insn(OP.MOV64_K, 0, 0, 0, 0), insn(OP.EXIT, 0, 0, 0, 0));
  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((p, i) => {
    buf.writeUInt8(p.code, i * 8);
    buf.writeUInt8((p.src << 4) | p.dst, i * 8 + 1);
    buf.writeInt16LE(p.off, i * 8 + 2);
    buf.writeInt32LE(p.imm, i * 8 + 4);
  });
  return buf;
}
