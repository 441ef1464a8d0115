/**
 * The monitor's attach protocol (native/helper/attach.h, README.md): 8-byte header
 * [type,0,0,0,len BE32] + payload, Docker's stdcopy header (../stdcopy.ts): stdout/stderr
 * frames pass to API clients as they are.
 */
import { frame } from '../stdcopy';

export { frame, FrameDecoder } from '../stdcopy';
export const FRAME = { stdin: 0, stdout: 1, stderr: 2, exit: 3, resize: 4, closeStdin: 5, hello: 6 } as const;
export const ATTACH = { stdin: 1, stdout: 2, stderr: 4, replay: 8 } as const;
export const MAX_PAYLOAD = 65536;

/** Splits data into frames of at most MAX_PAYLOAD bytes. */
export function stdinFrames(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_PAYLOAD) out.push(frame(FRAME.stdin, data.subarray(off, off + MAX_PAYLOAD)));
  return out;
}

export function resizeFrame(rows: number, cols: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(Math.max(0, Math.min(65535, rows)), 0);
  p.writeUInt16BE(Math.max(0, Math.min(65535, cols)), 2);
  return frame(FRAME.resize, p);
}
