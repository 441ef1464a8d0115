/**
 * Docker's seccomp profile format (the JSON of `--security-opt seccomp=FILE` and of moby's
 * profiles/seccomp/default.json): parsing it as untrusted input, and resolving it for one
 * container into the flat rule list the helper compiles (native/helper/seccomp.h). Resolving
 * applies what Docker applies when it builds the OCI spec: `includes`/`excludes` by the
 * container's capabilities, the architecture and the kernel version; the native architecture
 * and its sub-architectures from `archMap`; conditions on one argument given twice split into
 * separate rules (OR), as runc does; rules whose action is the default action dropped.
 * Pure: no I/O.
 */
import { invalid } from '../errors';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  syscalls: SeccompSyscall[];
}

const ACTIONS: Record<string, string> = {
  SCMP_ACT_ALLOW: 'allow',
  SCMP_ACT_ERRNO: 'errno',
  SCMP_ACT_KILL: 'kill_thread',
  SCMP_ACT_KILL_THREAD: 'kill_thread',
  SCMP_ACT_KILL_PROCESS: 'kill_process',
  SCMP_ACT_TRAP: 'trap',
  SCMP_ACT_LOG: 'log',
};

const OPS: Record<string, string> = {
  SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_EQ: 'eq',
  SCMP_CMP_GE: 'ge', SCMP_CMP_GT: 'gt', SCMP_CMP_MASKED_EQ: 'masked_eq',
};

const EPERM = 1;

function fail(what: string): never {
  throw invalid(`Decoding seccomp profile failed: ${what}`);
}

function strings(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(`${what} must be a list of strings`);
  return v as string[];
}

function u64(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) fail(`${what} must be a non-negative integer`);
  return v;
}

function action(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`${what} must be a string`);
  if (v === 'SCMP_ACT_TRACE' || v === 'SCMP_ACT_NOTIFY') fail(`${what} ${v} is not supported by berth`);
  if (!(v in ACTIONS)) fail(`${what}: unknown action ${JSON.stringify(v)}`);
  return v;
}

function filter(v: unknown, what: string): SeccompFilter | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${what} must be an object`);
  const o = v as Record<string, unknown>;
  const minKernel = o.minKernel;
  if (minKernel !== undefined && minKernel !== '' && (typeof minKernel !== 'string' || !/^\d+\.\d+/.test(minKernel))) {
    fail(`${what}.minKernel must be a kernel version such as "4.8"`);
  }
  return { caps: strings(o.caps, `${what}.caps`), arches: strings(o.arches, `${what}.arches`), minKernel: (minKernel as string) || undefined };
}

function syscall(v: unknown, i: number): SeccompSyscall {
  const what = `syscalls[${i}]`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${what} must be an object`);
  const o = v as Record<string, unknown>;
  const names = strings(o.names, `${what}.names`) ?? [];
  if (typeof o.name === 'string') names.push(o.name); // the old single-name form
  if (names.length === 0) fail(`${what} names no syscall`);
  const args = o.args === undefined || o.args === null ? [] : o.args;
  if (!Array.isArray(args)) fail(`${what}.args must be a list`);
  return {
    names,
    action: action(o.action, `${what}.action`),
    errnoRet: o.errnoRet === undefined || o.errnoRet === null ? undefined : u64(o.errnoRet, `${what}.errnoRet`),
    args: args.map((a: unknown, j) => {
      const w = `${what}.args[${j}]`;
      if (!a || typeof a !== 'object') fail(`${w} must be an object`);
      const x = a as Record<string, unknown>;
      const index = u64(x.index, `${w}.index`);
      if (index > 5) fail(`${w}.index must be 0 to 5`);
      if (typeof x.op !== 'string' || !(x.op in OPS)) fail(`${w}.op: unknown operator ${JSON.stringify(x.op)}`);
      return { index, value: u64(x.value ?? 0, `${w}.value`), valueTwo: u64(x.valueTwo ?? 0, `${w}.valueTwo`), op: x.op };
    }),
    includes: filter(o.includes, `${what}.includes`),
    excludes: filter(o.excludes, `${what}.excludes`),
  };
}

/** Parses a profile (JSON text or an already parsed value). Throws a 400 with the reason. */
export function parseSeccompProfile(input: string | unknown): SeccompProfile {
  let v: unknown = input;
  if (typeof input === 'string') {
    try {
      v = JSON.parse(input);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('the profile must be a JSON object');
  const o = v as Record<string, unknown>;
  const architectures = strings(o.architectures, 'architectures');
  const archMap = o.archMap === undefined || o.archMap === null ? undefined : o.archMap;
  if (architectures?.length && Array.isArray(archMap) && archMap.length) fail("'architectures' and 'archMap' were specified together");
  if (archMap !== undefined && !Array.isArray(archMap)) fail('archMap must be a list');
  const syscalls = o.syscalls === undefined || o.syscalls === null ? [] : o.syscalls;
  if (!Array.isArray(syscalls)) fail('syscalls must be a list');
  return {
    defaultAction: action(o.defaultAction, 'defaultAction'),
    defaultErrnoRet: o.defaultErrnoRet === undefined || o.defaultErrnoRet === null ? undefined : u64(o.defaultErrnoRet, 'defaultErrnoRet'),
    architectures,
    archMap: archMap?.map((m: unknown, i) => {
      const x = (m ?? {}) as Record<string, unknown>;
      if (typeof x.architecture !== 'string') fail(`archMap[${i}].architecture must be a string`);
      return { architecture: x.architecture, subArchitectures: strings(x.subArchitectures, `archMap[${i}].subArchitectures`) ?? null };
    }),
    syscalls: syscalls.map(syscall),
  };
}

/** What a profile is resolved against. */
export interface SeccompTarget {
  /** The container's capabilities, "CAP_" names. */
  caps: readonly string[];
  /** Go's name for the architecture ("amd64", "arm64"): what `arches` lists. */
  goArch: string;
  /** libseccomp's token for it ("SCMP_ARCH_X86_64"): what archMap is keyed by. */
  scmpArch: string;
  /** The running kernel, "6.1.0-13-amd64". */
  kernel: string;
}

/** Node's process.arch → Go's and libseccomp's names; undefined when seccomp is not mapped. */
export function seccompArchOf(nodeArch: string): { goArch: string; scmpArch: string } | undefined {
  const m: Record<string, [string, string]> = {
    x64: ['amd64', 'SCMP_ARCH_X86_64'], arm64: ['arm64', 'SCMP_ARCH_AARCH64'], arm: ['arm', 'SCMP_ARCH_ARM'],
    ia32: ['386', 'SCMP_ARCH_X86'], ppc64: ['ppc64le', 'SCMP_ARCH_PPC64LE'], s390x: ['s390x', 'SCMP_ARCH_S390X'],
    riscv64: ['riscv64', 'SCMP_ARCH_RISCV64'], mips64el: ['mips64le', 'SCMP_ARCH_MIPSEL64'],
  };
  const e = m[nodeArch];
  return e ? { goArch: e[0], scmpArch: e[1] } : undefined;
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const [c = 0, d = 0] = min.split('.').map((x) => parseInt(x, 10) || 0);
  return a !== c ? a > c : b >= d;
}

function applies(s: SeccompSyscall, t: SeccompTarget): boolean {
  const inc = s.includes;
  const exc = s.excludes;
  if (inc?.caps?.length && !inc.caps.every((c) => t.caps.includes(c))) return false;
  if (inc?.arches?.length && !inc.arches.includes(t.goArch)) return false;
  if (inc?.minKernel && !kernelAtLeast(t.kernel, inc.minKernel)) return false;
  if (exc?.caps?.some((c) => t.caps.includes(c))) return false;
  if (exc?.arches?.includes(t.goArch)) return false;
  if (exc?.minKernel && kernelAtLeast(t.kernel, exc.minKernel)) return false;
  return true;
}

/** libseccomp's arch name for a token: SCMP_ARCH_X86_64 → x86_64. */
const archName = (token: string): string => token.replace(/^SCMP_ARCH_/, '').toLowerCase();

const SYSCALL_NAME = /^[a-z_][a-z0-9_]*$/;

/** The rule list for the helper (format in native/helper/seccomp.h). */
export function resolveSeccomp(p: SeccompProfile, t: SeccompTarget): string {
  const defErrno = p.defaultErrnoRet ?? EPERM;
  const def = `${ACTIONS[p.defaultAction]} ${p.defaultAction === 'SCMP_ACT_ERRNO' ? defErrno : 0}`;
  const lines = [`default ${def}`];
  const arches = p.archMap?.length
    ? p.archMap.filter((m) => m.architecture === t.scmpArch).flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])])
    : p.architectures ?? [];
  for (const a of new Set(arches)) lines.push(`arch ${archName(a)}`);
  for (const s of p.syscalls) {
    if (!applies(s, t)) continue;
    const act = `${ACTIONS[s.action]} ${s.action === 'SCMP_ACT_ERRNO' ? s.errnoRet ?? EPERM : 0}`;
    if (act === def) continue; // libseccomp refuses a rule that repeats the default
    const conds = (s.args ?? []).map((a) => `${a.index} ${OPS[a.op]} ${a.value} ${a.valueTwo ?? 0}`);
    const indexes = (s.args ?? []).map((a) => a.index);
    const split = new Set(indexes).size !== indexes.length;
    const groups = split ? conds.map((c) => [c]) : [conds];
    for (const name of s.names) {
      if (!SYSCALL_NAME.test(name)) throw invalid(`Decoding seccomp profile failed: invalid syscall name ${JSON.stringify(name)}`);
      for (const g of groups) lines.push(['syscall', name, act, ...g].join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}
