/**
 * A tiny ustar/pax writer for crafting layer tars in tests, including hostile ones (`..`,
 * absolute names, links pointing anywhere) that real tar tools refuse to produce.
 */
export interface TarItem {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';
  data?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** pax records (e.g. SCHILY.xattr.user.x) sent in an extended header before the entry. */
  pax?: Record<string, string | Buffer>;
}

const TYPEFLAG = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' } as const;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, typeflag: string, size: number, item: TarItem): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(item.mode ?? (typeflag === '5' ? 0o755 : 0o644), 8), 100);
  h.write(octal(item.uid ?? 0, 8), 108);
  h.write(octal(item.gid ?? 0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(item.mtime ?? 1_600_000_000, 12), 136);
  h.write('        ', 148);
  h.write(typeflag, 156);
  h.write(item.linkname ?? '', 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(octal(item.devmajor ?? 0, 8), 329);
  h.write(octal(item.devminor ?? 0, 8), 337);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest ? Buffer.concat([data, Buffer.alloc(512 - rest)]) : data;
}

function paxBody(records: Record<string, string | Buffer>): Buffer {
  // Values are bytes (a security.capability is binary), so lengths count bytes.
  const out: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const rec = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = rec.length + 1;
    while (String(len).length + rec.length !== len) len++;
    out.push(Buffer.from(String(len)), rec);
  }
  return Buffer.concat(out);
}

export function makeTar(items: TarItem[], opts: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    if (item.pax) {
      const body = paxBody(item.pax);
      parts.push(header('PaxHeader', 'x', body.length, { name: 'PaxHeader' }), pad(body));
    }
    const data = item.data === undefined ? Buffer.alloc(0) : Buffer.from(item.data);
    const type = TYPEFLAG[item.type ?? 'file'];
    parts.push(header(item.name, type, type === '0' ? data.length : 0, item));
    if (type === '0') parts.push(pad(data));
  }
  if (opts.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
