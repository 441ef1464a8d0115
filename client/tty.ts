/**
 * The terminal side of `run -it`, `start -ai`, `attach` and `exec -it`: raw mode for the
 * local terminal (restored on every exit path), the terminal's size, and following its
 * resizes (SIGWINCH) into POST /containers/{id}/resize or /exec/{id}/resize. Detaching
 * (ctrl-p ctrl-q) is recognised in the stdin stream by the client (detach-keys.ts).
 */
import type { DaemonClient } from './http';

let restoreRaw: (() => void) | undefined;

/** Puts stdin in raw mode when it is a terminal; returns (and remembers) the restore function. */
export function enterRawMode(): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY || restoreRaw) return restoreRaw ?? (() => undefined);
  stdin.setRawMode(true);
  const restore = () => {
    if (restoreRaw !== restore) return;
    restoreRaw = undefined;
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal went away
    }
  };
  restoreRaw = restore;
  process.once('exit', restore);
  return restore;
}

export function terminalSize(): [number, number] | undefined {
  const out = process.stdout;
  if (!out.isTTY || !out.rows || !out.columns) return undefined;
  return [out.rows, out.columns];
}

/**
 * Sends the current size now and after every SIGWINCH to `path` (`/containers/ID/resize` or
 * `/exec/ID/resize`). Returns the function that stops following.
 */
export function followResize(client: DaemonClient, path: string): () => void {
  const send = () => {
    const size = terminalSize();
    if (!size) return;
    client.request(path, { method: 'POST', query: { h: size[0], w: size[1] } }).catch(() => undefined);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}
