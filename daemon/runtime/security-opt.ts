/**
 * HostConfig.SecurityOpt as Docker reads it (moby daemon/create.go parseSecurityOpt):
 * `no-new-privileges[=BOOL]`, `seccomp=unconfined|builtin|<profile JSON>` (the docker CLI
 * replaces a file name with the file's content), and `label=...` / `apparmor=...`, which a
 * host without SELinux or AppArmor accepts and has nothing to apply (as dockerd on such a
 * host). `key:value` is the deprecated spelling of `key=value`. Pure: no I/O.
 */
import { invalid } from '../errors';
import { parseSeccompProfile, type SeccompProfile } from './seccomp-profile';

export interface SecurityOptions {
  /** 'builtin' (Docker's default profile), 'unconfined', or a profile of the user's. */
  seccomp: 'builtin' | 'unconfined' | { profile: SeccompProfile; text: string };
  noNewPrivileges: boolean;
}

const BOOLS: Record<string, boolean> = { '1': true, t: true, T: true, true: true, TRUE: true, True: true, '0': false, f: false, F: false, false: false, FALSE: false, False: false };

export function parseSecurityOpt(v: unknown): SecurityOptions {
  const out: SecurityOptions = { seccomp: 'builtin', noNewPrivileges: false };
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid('invalid SecurityOpt: expected a list of strings');
  for (const opt of v as string[]) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') continue; // label=disable's short form
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw invalid(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, opt.indexOf(sep));
    const value = opt.slice(opt.indexOf(sep) + 1);
    switch (key) {
      case 'label':
      case 'apparmor':
        break;
      case 'seccomp':
        if (value === 'unconfined' || value === 'builtin') out.seccomp = value;
        else if (value === '') throw invalid('invalid --security-opt seccomp: an empty profile');
        else out.seccomp = { profile: parseSeccompProfile(value), text: value };
        break;
      case 'no-new-privileges': {
        const b = BOOLS[value];
        if (b === undefined) throw invalid(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        out.noNewPrivileges = b;
        break;
      }
      default:
        throw invalid(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}
