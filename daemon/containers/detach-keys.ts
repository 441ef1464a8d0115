/**
 * Docker's detach keys (ctrl-p ctrl-q by default) on a tty's stdin, for attach and exec: the
 * key syntax ("ctrl-p,ctrl-q", "a,ctrl-@") and the scanner that holds back a partial match.
 */
import { invalid } from '../errors';

/** Parses Docker's detach-keys syntax ("ctrl-p,ctrl-q", "a,ctrl-@") into bytes. */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) {
      const c = k.charCodeAt(5);
      out.push(c >= 97 ? c - 96 : c - 64);
    } else throw invalid(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/**
 * Watches stdin bytes for the detach sequence. `push` returns the bytes to forward and
 * whether the sequence was completed (the bytes of a partial match are held back, then
 * released if the sequence breaks, as Docker's escape proxy does).
 */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i] as number);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
