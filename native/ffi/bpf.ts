/**
 * bpf(2) for the cgroup v2 device controller: load a BPF_PROG_TYPE_CGROUP_DEVICE program
 * and attach it to a cgroup directory (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI so programs of
 * parent cgroups, e.g. systemd's, still apply too: every program must allow). The program
 * stays attached while the cgroup exists; one loaded program serves every cgroup with the
 * same rules. The bytecode comes
 * from daemon/runtime/device-bpf.ts. bpf(2) acts on no per-thread state, so it is safe in
 * berthd's multithreaded process (unlike setns/unshare, research/ffi.md).
 */
import { closeSync, openSync } from 'node:fs';
import { libcFunctions, loadLibc } from './libc';
import { errnoError } from './errno';

const SYS_BPF = 321; // x86_64
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const LOG_SIZE = 16384;

/** The kernel side of the v2 device cgroup; a fake records calls in unit tests. */
export interface DeviceBpf {
  /** Loads insns (8-byte BPF instructions) and attaches them to the cgroup directory. */
  attachDeviceProgram(cgroupDir: string, insns: Buffer): void;
}

// union bpf_attr, the members of the two commands used (uapi linux/bpf.h), zero-padded
const bindSyscalls = libcFunctions({
  load: 'long syscall(long nr, int cmd, berth_bpf_prog_load *attr, uint32_t size)',
  attach: 'long syscall(long nr, int cmd, berth_bpf_prog_attach *attr, uint32_t size)',
}, (koffi) => {
  koffi.struct('berth_bpf_prog_load', {
    prog_type: 'uint32_t', insn_cnt: 'uint32_t', insns: 'const uint8_t *', license: 'const char *',
    log_level: 'uint32_t', log_size: 'uint32_t', log_buf: 'uint8_t *', kern_version: 'uint32_t', prog_flags: 'uint32_t',
    prog_name: koffi.array('char', 16), prog_ifindex: 'uint32_t', expected_attach_type: 'uint32_t', pad: koffi.array('uint8_t', 56),
  });
  koffi.struct('berth_bpf_prog_attach', {
    target_fd: 'uint32_t', attach_bpf_fd: 'uint32_t', attach_type: 'uint32_t', attach_flags: 'uint32_t', replace_bpf_fd: 'uint32_t', pad: koffi.array('uint8_t', 44),
  });
});

function bind(): ReturnType<typeof bindSyscalls> & { loadSize: number; attachSize: number } {
  const fns = bindSyscalls();
  const { koffi } = loadLibc();
  return {
    ...fns,
    loadSize: koffi.sizeof('berth_bpf_prog_load') as number,
    attachSize: koffi.sizeof('berth_bpf_prog_attach') as number,
  };
}

/** Distinct programs kept loaded (one per device rule set in use); the oldest is closed past this. */
const PROGRAMS_MAX = 32;

export class KoffiDeviceBpf implements DeviceBpf {
  /**
   * Loaded programs by their bytecode: the verifier runs once per rule set, not once per start
   * (the load was ~1 ms of every v2 start, bench/containment-cost.sh). The kernel gives bpf
   * fds O_CLOEXEC, and the helper closes whatever it inherits anyway.
   */
  private readonly programs = new Map<string, number>();

  private load(insns: Buffer): number {
    const key = insns.toString('base64');
    const cached = this.programs.get(key);
    if (cached !== undefined) return cached;
    const b = bind();
    // without the verifier's log first: logging costs as much as the verification; on failure
    // load again with it, for the verifier's words
    let prog = Number(b.load(SYS_BPF, BPF_PROG_LOAD, this.attr(insns, undefined), b.loadSize));
    if (prog < 0) {
      const log = Buffer.alloc(LOG_SIZE);
      prog = Number(b.load(SYS_BPF, BPF_PROG_LOAD, this.attr(insns, log), b.loadSize));
      if (prog < 0) {
        const e = b.errno();
        // log_level 1 with a too small buffer fails with ENOSPC; the verifier's words help more than errno
        const why = log.toString('utf8').replace(/\0[\s\S]*$/, '').trim().split('\n').slice(-2).join('; ');
        throw errnoError('bpf(BPF_PROG_LOAD)', e, `device program${why ? ` (${why})` : ''}`);
      }
    }
    if (this.programs.size >= PROGRAMS_MAX) {
      const [oldKey, oldFd] = this.programs.entries().next().value as [string, number];
      this.programs.delete(oldKey);
      closeSync(oldFd);
    }
    this.programs.set(key, prog);
    return prog;
  }

  private attr(insns: Buffer, log: Buffer | undefined): Record<string, unknown> {
    return {
      prog_type: BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt: insns.length / 8, insns, license: 'Apache-2.0',
      log_level: log ? 1 : 0, log_size: log ? LOG_SIZE : 0, log_buf: log ?? null, kern_version: 0, prog_flags: 0, prog_name: 'berth_devices',
      prog_ifindex: 0, expected_attach_type: BPF_CGROUP_DEVICE, pad: [],
    };
  }

  attachDeviceProgram(cgroupDir: string, insns: Buffer): void {
    const b = bind();
    const prog = this.load(insns);
    let dir = -1;
    try {
      dir = openSync(cgroupDir, 'r');
      const r = Number(b.attach(SYS_BPF, BPF_PROG_ATTACH, { target_fd: dir, attach_bpf_fd: prog, attach_type: BPF_CGROUP_DEVICE, attach_flags: BPF_F_ALLOW_MULTI, replace_bpf_fd: 0, pad: [] }, b.attachSize));
      if (r < 0) throw errnoError('bpf(BPF_PROG_ATTACH)', b.errno(), cgroupDir);
    } finally {
      if (dir >= 0) closeSync(dir);
    }
  }
}

/** Records attachments; for unit tests of the cgroup code. */
export class RecordingDeviceBpf implements DeviceBpf {
  readonly attached: { cgroupDir: string; insns: Buffer }[] = [];
  attachDeviceProgram(cgroupDir: string, insns: Buffer): void {
    this.attached.push({ cgroupDir, insns });
  }
}
