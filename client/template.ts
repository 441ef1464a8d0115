/**
 * The subset of Go's text/template that `--format` users write with Docker: `{{.Field}}`,
 * `{{.Field.Sub}}`, `{{.}}`, `{{json .}}`, pipelines (`{{.Names | upper}}`), `{{if}}`/`{{else}}`,
 * `{{range}}`, string/number literals, the functions Docker adds (json, join, split, upper,
 * lower, title, index, len, println, truncate, pad), `{{-`/`-}}` trimming, and Docker's
 * `table` prefix with a header row and `\t`/`\n` escapes. Values print as Go's %v would.
 */
import { CliError } from './http';
import { tabwrite } from './format';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'if' | 'range'; pipe: string; body: Node[]; alt: Node[] };

function tokenize(src: string): Node[] {
  const root: Node[] = [];
  const stack: { node: Node & { kind: 'if' | 'range' }; inElse: boolean }[] = [];
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.alt : top.node.body) : root;
  };
  let pos = 0;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    if (open < 0) {
      target().push({ kind: 'text', text: src.slice(pos) });
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new CliError(`template parsing error: unclosed action in "${src}"`);
    let text = src.slice(pos, open);
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let after = close + 2;
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(src.slice(after));
      after += m ? m[0].length : 0;
    }
    if (text) target().push({ kind: 'text', text });
    inner = inner.trim();
    const word = inner.split(/\s+/)[0] ?? '';
    if (word === 'if' || word === 'range') {
      const node = { kind: word, pipe: inner.slice(word.length).trim(), body: [], alt: [] } as Node & { kind: 'if' | 'range' };
      target().push(node);
      stack.push({ node, inElse: false });
    } else if (word === 'else') {
      const top = stack[stack.length - 1];
      if (!top) throw new CliError('template parsing error: unexpected {{else}}');
      top.inElse = true;
    } else if (word === 'end') {
      if (!stack.pop()) throw new CliError('template parsing error: unexpected {{end}}');
    } else if (inner.startsWith('/*')) {
      // a comment
    } else target().push({ kind: 'action', pipe: inner });
    pos = after;
  }
  if (stack.length) throw new CliError('template parsing error: missing {{end}}');
  return root;
}

/** Splits a command into words, keeping quoted strings and parenthesised groups whole. */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\([^)]*\)|[^\s]+/g;
  for (const m of s.matchAll(re)) out.push(m[0]);
  return out;
}

function splitPipe(pipe: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of pipe) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  parts.push(cur.trim());
  return parts;
}

const NO_VALUE = Symbol('no value');

function field(dot: unknown, path: string): unknown {
  let v: unknown = dot;
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || v === undefined || typeof v !== 'object') return NO_VALUE;
    const obj = v as Record<string, unknown>;
    v = Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : NO_VALUE;
    if (v === NO_VALUE) return v;
  }
  return v;
}

/** Go's %v. */
export function goValue(v: unknown): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

const truthy = (v: unknown) => !(v === NO_VALUE || v === null || v === undefined || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0));

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v === NO_VALUE ? null : v ?? null),
  upper: (v) => goValue(v).toUpperCase(),
  lower: (v) => goValue(v).toLowerCase(),
  title: (v) => goValue(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: (list, sep) => (Array.isArray(list) ? list.map(goValue).join(goValue(sep)) : goValue(list)),
  split: (s, sep) => goValue(s).split(goValue(sep)),
  index: (v, ...keys) => keys.reduce((acc: unknown, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[goValue(k)] ?? NO_VALUE : NO_VALUE), v),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  println: (...a) => a.map(goValue).join(' ') + '\n',
  print: (...a) => a.map(goValue).join(''),
  truncate: (s, n) => goValue(s).slice(0, Number(n)),
  pad: (s, l, r) => ' '.repeat(Number(l)) + goValue(s) + ' '.repeat(Number(r)),
};

function operand(word: string, dot: unknown): unknown {
  if (word === '.') return dot;
  if (word.startsWith('.')) return field(dot, word);
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith('`')) return word.slice(1, -1);
  if (word.startsWith('(')) return evalPipe(word.slice(1, -1), dot);
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (word === 'true' || word === 'false') return word === 'true';
  if (word === 'nil') return null;
  if (FUNCS[word]) return (FUNCS[word] as (...a: unknown[]) => unknown)();
  throw new CliError(`template parsing error: function "${word}" not defined`);
}

function evalPipe(pipe: string, dot: unknown): unknown {
  let value: unknown = NO_VALUE;
  let first = true;
  for (const cmd of splitPipe(pipe)) {
    const [head, ...rest] = words(cmd);
    if (head === undefined) throw new CliError(`template parsing error: empty command in "${pipe}"`);
    const fn = FUNCS[head];
    if (fn) {
      const args = rest.map((w) => operand(w, dot));
      if (!first) args.push(value);
      value = fn(...args);
    } else {
      if (/^[A-Za-z_]\w*$/.test(head) && !['true', 'false', 'nil'].includes(head)) throw new CliError(`template parsing error: function "${head}" not defined`);
      if (rest.length) throw new CliError(`template parsing error: can't give argument to non-function ${head}`);
      value = operand(head, dot);
    }
    first = false;
  }
  return value;
}

function render(nodes: Node[], dot: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'action') out += goValue(evalPipe(n.pipe, dot));
    else if (n.kind === 'if') out += render(truthy(evalPipe(n.pipe, dot)) ? n.body : n.alt, dot);
    else {
      const v = evalPipe(n.pipe, dot);
      const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
      out += items.length ? items.map((x) => render(n.body, x)).join('') : render(n.alt, dot);
    }
  }
  return out;
}

export class Template {
  private readonly nodes: Node[];
  readonly table: boolean;

  constructor(format: string) {
    let f = format;
    this.table = f.startsWith('table');
    if (this.table) f = f.slice('table'.length);
    f = f.trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
    this.nodes = tokenize(f);
  }

  execute(data: unknown): string {
    return render(this.nodes, data);
  }

  /**
   * Renders every item (one per line), with a header row for `table` formats: the header is
   * the template run over `headers` (field name → column title). Tables go through tabwrite.
   */
  renderAll(items: readonly unknown[], headers: Record<string, string> = {}): string {
    const lines: string[] = [];
    if (this.table) lines.push(this.execute(headerData(headers)));
    for (const item of items) lines.push(this.execute(item));
    if (this.table) return tabwrite(lines.flatMap((l) => l.split('\n')).filter((l, i, all) => l !== '' || i < all.length - 1));
    return lines.map((l) => l + '\n').join('');
  }
}

/** Header data: any field reads as its title (upper-cased name when no title is given). */
function headerData(headers: Record<string, string>): unknown {
  return new Proxy({}, {
    has: () => true,
    getOwnPropertyDescriptor: () => ({ configurable: true, enumerable: true, writable: false }),
    get: (_t, key) => (typeof key === 'string' ? headers[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() : undefined),
  });
}
