/** Signal names and numbers as Docker accepts them: "SIGTERM", "TERM", "term", "15". */
import { constants } from 'node:os';
import { invalid } from '../errors';

const BY_NAME = constants.signals as Record<string, number>;

export function parseSignal(sig: string | number): number {
  if (typeof sig === 'number') {
    if (Number.isInteger(sig) && sig > 0 && sig < 65) return sig;
    throw invalid(`Invalid signal: ${sig}`);
  }
  const s = sig.trim();
  if (/^\d+$/.test(s)) return parseSignal(Number(s));
  const upper = s.toUpperCase();
  const n = BY_NAME[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  if (n === undefined) throw invalid(`Invalid signal: ${sig}`);
  return n;
}
