/**
 * Docker's stdcopy framing for non-tty streams (attach, exec start, logs): each chunk is
 * prefixed by 8 bytes `[stream, 0, 0, 0, size as big-endian uint32]`, stream 0 stdin
 * (written as stdout), 1 stdout, 2 stderr. With a tty, bytes go raw and unframed.
 */

export const enum StdStream {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
}

export function frame(stream: StdStream, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Splits a stdcopy byte stream back into frames; feed it chunks as they come. */
export class StdcopyDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: StdStream; data: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { stream: StdStream; data: Buffer }[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ stream: this.buf[0] as StdStream, data: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }

  /** Bytes of an incomplete frame still held. */
  get pending(): number {
    return this.buf.length;
  }
}
