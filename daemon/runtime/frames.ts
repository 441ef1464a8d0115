/**
 * The monitor's attach protocol (native/helper/attach.h, README.md): 8-byte header
 * [type,0,0,0,len BE32] + payload. Stdout/stderr frames carry Docker's stdcopy header as is.
 */
export const FRAME = { stdin: 0, stdout: 1, stderr: 2, exit: 3, resize: 4, closeStdin: 5, hello: 6 } as const;
export const ATTACH = { stdin: 1, stdout: 2, stderr: 4, replay: 8 } as const;
export const MAX_PAYLOAD = 65536;

export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

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

/** Incremental decoder: push chunks, get whole frames back. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      out.push({ type: this.buf[0] ?? 0, payload: this.buf.subarray(8, 8 + len) });
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}
