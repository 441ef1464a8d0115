/**
 * Writing a sparse file's body: the stored bytes are its data segments back to back; each goes
 * to its offset (pwrite), and the gaps are never written, so they stay holes in the new file;
 * the file is then extended to its real size. For GNU's PAX 1.0 format the segment map opens
 * the body as decimal numbers, one per line (count, then offset/length pairs), padded to a
 * 512-byte block; it is read here before the data.
 */
import * as fs from 'node:fs';
import { layerError, LayerCode } from './errors';
import type { SparseInfo } from './tar-reader';

const bad = (name: string, why: string) => layerError('InvalidParameter', LayerCode.Corrupt, `layer tar entry "${name}" is a corrupt sparse file: ${why}`);

export class SparseWriter {
  private map: [number, number][] | undefined;
  /** PAX 1.0: the numbers of the map read so far, the digits of the next, bytes consumed, and
   * where the (block-padded) map ends once its last number is read. */
  private numbers: number[] = [];
  private digits = '';
  private mapBytes = 0;
  private mapEnd: number | undefined;
  private seg = 0;
  /** Bytes of the current segment already written. */
  private done = 0;

  constructor(
    private readonly fd: number,
    private readonly info: SparseInfo,
    private readonly name: string,
  ) {
    if (info.map) this.setMap(info.map);
  }

  private setMap(map: [number, number][]): void {
    let end = 0;
    for (const [off, len] of map) {
      if (off < end || off + len > this.info.realSize) throw bad(this.name, 'its segments overlap or run past its size');
      end = off + len;
    }
    this.map = map;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    if (!this.map) pos = this.readMap(chunk);
    while (pos < chunk.length) {
      const map = this.map as [number, number][];
      const cur = map[this.seg];
      if (!cur) throw bad(this.name, 'it holds more data than its map describes');
      const [off, len] = cur;
      const n = Math.min(len - this.done, chunk.length - pos);
      if (n > 0) fs.writeSync(this.fd, chunk, pos, n, off + this.done);
      pos += n;
      this.done += n;
      if (this.done === len) {
        this.seg++;
        this.done = 0;
      }
    }
  }

  /** Consumes the PAX 1.0 map from the start of the body; returns where data starts in `chunk`. */
  private readMap(chunk: Buffer): number {
    let pos = 0;
    while (pos < chunk.length && !this.map) {
      if (this.mapEnd === undefined) {
        const ch = chunk[pos++] as number;
        this.mapBytes++;
        if (ch === 0x0a) {
          if (this.digits === '') throw bad(this.name, 'its map has an empty line');
          this.numbers.push(Number(this.digits));
          this.digits = '';
          const count = this.numbers[0] as number;
          if (this.numbers.length === 1 + 2 * count) this.mapEnd = Math.ceil(this.mapBytes / 512) * 512;
        } else if (ch >= 0x30 && ch <= 0x39 && this.digits.length < 20) {
          this.digits += String.fromCharCode(ch);
        } else {
          throw bad(this.name, 'its map is not decimal numbers, one per line');
        }
        if (this.numbers.length > 1 + 2 * 1_000_000) throw bad(this.name, 'its map is too large');
      } else {
        const skip = Math.min(this.mapEnd - this.mapBytes, chunk.length - pos);
        pos += skip;
        this.mapBytes += skip;
      }
      if (this.mapEnd !== undefined && this.mapBytes === this.mapEnd) {
        const map: [number, number][] = [];
        for (let i = 1; i < this.numbers.length; i += 2) map.push([this.numbers[i] as number, this.numbers[i + 1] as number]);
        this.setMap(map);
      }
    }
    return pos;
  }

  /** After the body: every segment must be complete; the file gets its real size. */
  finish(): void {
    const map = this.map;
    if (!map) throw bad(this.name, 'its map is missing');
    const missing = map.slice(this.seg).some(([, len], i) => (i === 0 ? len - this.done : len) > 0);
    if (missing) throw bad(this.name, 'it holds less data than its map describes');
    fs.ftruncateSync(this.fd, this.info.realSize);
  }
}
