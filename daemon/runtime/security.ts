/**
 * What a container's processes may do, resolved for the helper at start and exec: the
 * capability mask, the compiled seccomp program and no_new_privs (spec keys `caps`, `seccomp`,
 * `nnp`; native/helper/README.md).
 *
 * A seccomp profile resolves (capabilities, architecture, kernel) to a rule list; each
 * distinct list is compiled once by `berth-helper seccomp-compile` into
 * <exec-root>/seccomp/<sha256 of the list>.bpf and reused by every later start and exec, so the
 * start path pays for reading a few kB and one seccomp(2) call, not for libseccomp. The
 * exec-root is a tmpfs in production: the cache is rebuilt after a reboot, never stale, since
 * the file name is the hash of its input. The `.rules` file beside it is the readable input.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemError } from '../errors';
import { capabilityMask, daemonCapabilities, resolveCapabilities } from './capabilities';
import { runHelper } from './helper';
import { parseSecurityOpt } from './security-opt';
import defaultProfileJson from './seccomp-default.json';
import { parseSeccompProfile, resolveSeccomp, seccompArchOf, type SeccompProfile } from './seccomp-profile';
import type { ProcessSecurity } from './types';

/** The spec records for one process. */
export interface ResolvedSecurity {
  /** hex capability mask */
  caps: string;
  /** path of the compiled program; undefined = unconfined */
  seccomp?: string;
  nnp: boolean;
}

let builtin: SeccompProfile | undefined;
/** Docker's default profile (seccomp-default.json), parsed once. */
export function builtinSeccompProfile(): SeccompProfile {
  return (builtin ??= parseSeccompProfile(defaultProfileJson as unknown));
}

/** Distinct settings remembered; past this the memo starts over (user profiles are unbounded). */
const MEMO_MAX = 256;

export class SecurityResolver {
  /** rule-list hash → compiled program path (or its compile in flight) */
  private readonly programs = new Map<string, Promise<string>>();
  /** settings → their resolution: a start or exec with settings seen before costs a lookup */
  private readonly memo = new Map<string, Promise<ResolvedSecurity>>();

  constructor(
    private readonly dir: string,
    private readonly helper: string,
    private readonly held: () => ReadonlySet<string> = daemonCapabilities,
  ) {}

  /**
   * `privilegedExec`: `docker exec --privileged` gives the process everything berthd holds,
   * under the container's seccomp filter and no_new_privs, as Docker does.
   */
  resolve(sec: ProcessSecurity, privilegedExec = false): Promise<ResolvedSecurity> {
    const key = JSON.stringify([sec.capAdd, sec.capDrop, sec.privileged, sec.securityOpt, privilegedExec]);
    let p = this.memo.get(key);
    if (!p) {
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      p = this.resolveNow(sec, privilegedExec);
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  private async resolveNow(sec: ProcessSecurity, privilegedExec: boolean): Promise<ResolvedSecurity> {
    const opts = parseSecurityOpt(sec.securityOpt);
    const caps = resolveCapabilities({ capAdd: sec.capAdd, capDrop: sec.capDrop, privileged: sec.privileged }, this.held());
    const procCaps = privilegedExec ? resolveCapabilities({ capAdd: [], capDrop: [], privileged: true }, this.held()) : caps;
    const out: ResolvedSecurity = { caps: capabilityMask(procCaps), nnp: opts.noNewPrivileges };
    if (sec.privileged || opts.seccomp === 'unconfined') return out;
    const arch = seccompArchOf(process.arch);
    if (!arch) throw systemError(`seccomp profiles are not mapped for the ${process.arch} architecture; run with --security-opt seccomp=unconfined`);
    const profile = opts.seccomp === 'builtin' ? builtinSeccompProfile() : opts.seccomp.profile;
    const rules = resolveSeccomp(profile, { caps, ...arch, kernel: os.release() });
    out.seccomp = await this.program(rules);
    return out;
  }

  private program(rules: string): Promise<string> {
    const hash = createHash('sha256').update(rules).digest('hex');
    let p = this.programs.get(hash);
    if (!p) {
      p = this.compile(hash, rules);
      this.programs.set(hash, p);
      p.catch(() => this.programs.delete(hash));
    }
    return p;
  }

  private async compile(hash: string, rules: string): Promise<string> {
    const bpf = path.join(this.dir, `${hash}.bpf`);
    if (await fs.stat(bpf).then((s) => s.size > 0, () => false)) return bpf;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const rulesFile = path.join(this.dir, `${hash}.rules`);
    await fs.writeFile(rulesFile, rules, { mode: 0o600 });
    const r = await runHelper(this.helper, ['seccomp-compile', rulesFile, bpf]);
    if (r.code !== 0) throw systemError(`compiling the seccomp profile: ${r.stderr.trim().replace(/^berth-helper: /, '') || `exit ${r.code}`}`);
    return bpf;
  }
}
