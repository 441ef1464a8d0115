/**
 * Extended attributes from pax headers (`SCHILY.xattr.NAME=VALUE` records, as GNU tar and
 * Docker write them). tar's parser drops these, so the unpacker reads the raw header text it
 * emits as 'meta'. The text arrives decoded as UTF-8, so records are split on newlines rather
 * than by their byte lengths; values holding a newline are not supported. Pure.
 */
export function paxXattrs(meta: string): [string, string][] {
  const out: [string, string][] = [];
  let rest = meta;
  while (rest.length) {
    const sp = rest.indexOf(' ');
    const len = Number(rest.slice(0, sp));
    if (sp <= 0 || !Number.isInteger(len) || len <= sp) break;
    const nl = rest.indexOf('\n', sp);
    const record = rest.slice(sp + 1, nl < 0 ? undefined : nl);
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    if (eq > 0 && key.startsWith('SCHILY.xattr.')) out.push([key.slice('SCHILY.xattr.'.length), record.slice(eq + 1)]);
  }
  return out;
}
