/**
 * The one signal table: names and numbers as `docker kill -s`, `--stop-signal` and StopSignal
 * accept them ("SIGTERM", "TERM", "term", "15", "SIGRTMIN+3"), x86-64/arm64 numbering.
 */
import { invalid } from '../errors';

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21,
  TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** A signal number in 1..64 from a name or number; InvalidParameter "Invalid signal: …" otherwise. */
export function parseSignal(sig: string | number): number {
  if (typeof sig === 'number') {
    if (Number.isInteger(sig) && sig >= 1 && sig <= 64) return sig;
    throw invalid(`Invalid signal: ${sig}`);
  }
  const t = sig.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else if (t in SIGNALS) return SIGNALS[t] as number;
  else {
    const rt = /^RTMIN(?:\+(\d+))?$/.exec(t) ?? /^RTMAX(?:-(\d+))?$/.exec(t);
    if (rt) {
      const n = t.startsWith('RTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
      if (n >= 34 && n <= 64) return n;
    }
  }
  throw invalid(`Invalid signal: ${sig}`);
}
