/** Signal names and numbers as `docker kill -s` and StopSignal accept them (x86-64 numbering). */
import { invalid } from '../errors';

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21,
  TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** Parses "SIGTERM", "TERM", "term", "15" (and SIGRTMIN+n) into a signal number. */
export function parseSignal(s: string): number {
  const t = s.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else if (t in SIGNALS) return SIGNALS[t] as number;
  else {
    const rt = /^RTMIN(?:\+(\d+))?$/.exec(t) ?? /^RTMAX(?:-(\d+))?$/.exec(t);
    if (rt) return t.startsWith('RTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
  }
  throw invalid(`Invalid signal: ${s}`);
}
