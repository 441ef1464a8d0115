/**
 * An exec session's streams (POST /exec/{id}/start, hijacked): the HTTP side is api/exec.ts.
 */
import type { Duplex } from 'node:stream';
import type { ExecProcess } from '../runtime/types';
import { DetachScanner } from '../containers/detach-keys';

/**
 * Joins a started exec and the client's hijacked connection: client bytes (after the detach-key
 * scan) go to the process's stdin, its output to the client; the client's half-close closes the
 * process's stdin; the connection ends only once the exit code is recorded.
 */
export function attachExec(proc: ExecProcess, socket: Duplex, early: Buffer, stdin: boolean, detachKeys: Buffer): void {
  const scanner = new DetachScanner(detachKeys);
  const onInput = (chunk: Buffer) => {
    const { forward, detach } = scanner.push(chunk);
    if (forward.length && stdin) proc.stream.write(forward);
    if (detach) socket.end();
  };
  if (early.length) onInput(early);
  socket.on('data', onInput);
  socket.on('end', () => proc.closeStdin());
  socket.on('error', () => proc.closeStdin());
  socket.resume();
  proc.stream.on('data', (b: Buffer) => {
    if (socket.writable) socket.write(b);
  });
  // End only once the exit code is recorded: the CLI inspects the exec right after EOF.
  proc.stream.on('end', () => {
    void proc.exited.catch(() => undefined).then(() => {
      if (socket.writable) socket.end();
    });
  });
  proc.stream.on('error', () => socket.destroy());
  if (!stdin) proc.closeStdin();
}
