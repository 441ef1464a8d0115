/**
 * Docker's stdcopy framing, the one implementation: each chunk is prefixed by 8 bytes
 * `[type, 0, 0, 0, size as big-endian uint32]`. On the API (attach, exec start, logs without
 * a tty) the type is the stream: 0 stdin (written as stdout), 1 stdout, 2 stderr. The
 * monitor's attach protocol (runtime/frames.ts) uses the same header with more types, so its
 * stdout/stderr frames pass to clients as they are. With a tty, bytes go raw and unframed.
 */

export const enum StdStream {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
}

export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Splits a framed byte stream back into frames; feed it chunks as they come. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ type: this.buf[0] ?? 0, payload: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }

  /** Bytes of an incomplete frame still held. */
  get pending(): number {
    return this.buf.length;
  }
}
