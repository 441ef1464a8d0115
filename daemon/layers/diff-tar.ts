/**
 * Tar headers for layer tars, written the same way every time so identical content gives an
 * identical byte stream (and so an identical diff id): ustar headers with empty user/group
 * names, integer-second mtimes, and a PAX header only when a value does not fit ustar (long
 * paths, big sizes or ids, xattrs). Pure.
 */

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPEFLAG: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export interface TarEntry {
  /** Relative path without a leading `./`; directories end with `/`. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: [string, Buffer][];
}

export const BLOCK = 512;

function octal(buf: Buffer, value: number, offset: number, width: number): boolean {
  const s = Math.trunc(value).toString(8);
  if (s.length > width - 1) return false;
  buf.write(s.padStart(width - 1, '0') + '\0', offset, width, 'ascii');
  return true;
}

function checksum(buf: Buffer): void {
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += buf[i] as number;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
}

/** Splits a path into ustar prefix/name, or undefined when it cannot fit. */
function splitUstar(p: string): { prefix: string; name: string } | undefined {
  const len = Buffer.byteLength(p);
  if (len <= 100) return { prefix: '', name: p };
  if (len > 256) return undefined;
  for (let i = p.length - 1; i > 0; i--) {
    if (p[i] !== '/') continue;
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

function padded(data: Buffer): Buffer {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad ? Buffer.concat([data, Buffer.alloc(pad)]) : data;
}

function rawHeader(e: TarEntry, name: string, prefix: string, typeflag: string, size: number, linkname: string): { buf: Buffer; fits: boolean } {
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, 100, 'utf8');
  let fits = octal(buf, e.mode & 0o7777, 100, 8);
  fits = octal(buf, e.uid, 108, 8) && fits;
  fits = octal(buf, e.gid, 116, 8) && fits;
  fits = octal(buf, size, 124, 12) && fits;
  fits = octal(buf, Math.max(0, e.mtime), 136, 12) && fits;
  buf.write(typeflag, 156, 1, 'ascii');
  buf.write(linkname, 157, 100, 'utf8');
  buf.write('ustar\0' + '00', 257, 8, 'ascii');
  octal(buf, e.devmajor ?? 0, 329, 8);
  octal(buf, e.devminor ?? 0, 337, 8);
  buf.write(prefix, 345, 155, 'utf8');
  return { buf, fits };
}

/** The header block(s) for one entry (a PAX header first when needed). Data follows separately. */
export function encodeHeader(e: TarEntry): Buffer {
  const size = e.type === 'file' ? e.size : 0;
  const linkname = e.linkname ?? '';
  const records: Buffer[] = [];
  const split = splitUstar(e.path);
  if (!split) records.push(paxRecord('path', Buffer.from(e.path)));
  if (Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', Buffer.from(linkname)));
  if (size > 0o77777777777) records.push(paxRecord('size', Buffer.from(String(size))));
  if (e.uid > 0o7777777) records.push(paxRecord('uid', Buffer.from(String(e.uid))));
  if (e.gid > 0o7777777) records.push(paxRecord('gid', Buffer.from(String(e.gid))));
  for (const [k, v] of e.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const name = split ? split.name : e.path.slice(0, 100);
  const prefix = split ? split.prefix : '';
  const main = rawHeader(
    { ...e, uid: e.uid > 0o7777777 ? 0 : e.uid, gid: e.gid > 0o7777777 ? 0 : e.gid },
    name, prefix, TYPEFLAG[e.type], size > 0o77777777777 ? 0 : size, Buffer.byteLength(linkname) > 100 ? linkname.slice(0, 100) : linkname,
  ).buf;
  checksum(main);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const paxName = `PaxHeaders.0/${e.path.replace(/\/$/, '').split('/').pop() ?? ''}`.slice(0, 100);
  const pax = rawHeader({ ...e, uid: 0, gid: 0, mode: 0o644 }, paxName, '', 'x', body.length, '').buf;
  checksum(pax);
  return Buffer.concat([pax, padded(body), main]);
}

/** Zero padding after `size` bytes of data. */
export function dataPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
