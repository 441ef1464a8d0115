/**
 * The client side of detaching (`run -it`, `start -ai`, `attach`, `exec -it`): the docker CLI
 * watches its own stdin for the detach sequence (ctrl-p ctrl-q unless --detach-keys says
 * otherwise), holds the sequence back from the container and ends the stream. Knowing *that*
 * the user detached from the keys actually typed — rather than guessing from whether the
 * container still runs when the output stops — is what keeps exit codes exact: a container
 * that has just exited can still look "running" for a moment.
 */

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Docker's detach-keys syntax ("ctrl-p,ctrl-q", "a,ctrl-@") as bytes; undefined when invalid. */
export function detachKeyBytes(spec: string): Buffer | undefined {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim().toLowerCase();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) {
      const c = k.charCodeAt(5);
      out.push(c >= 97 ? c - 96 : c - 64);
    } else return undefined;
  }
  return out.length ? Buffer.from(out) : undefined;
}

/**
 * Scans stdin for the sequence. `push` returns the bytes to send on and whether the sequence
 * was completed; the bytes of a partial match are held back and released if it breaks.
 */
export class DetachWatcher {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i] as number);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
