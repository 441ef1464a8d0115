/**
 * Dockerfile text → logical lines, as Docker's parser reads it: parser directives at the top
 * (`# escape=` is honoured, `# syntax=`/`# check=` are accepted and ignored), comment lines
 * dropped (also inside continuations), lines ending in the escape character joined with the
 * next (the escape and trailing blanks removed, nothing added), blank continuation lines
 * skipped. Each logical line keeps the number of the physical line it started on. Pure.
 */
import { BerthError } from '../errors';

export interface LogicalLine {
  /** The joined text, leading whitespace of the first line removed (Docker's `Original`). */
  text: string;
  /** 1-based number of the line the instruction starts on. */
  line: number;
}

export interface SplitResult {
  escape: string;
  lines: LogicalLine[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

export function parseError(line: number, message: string): Error {
  return new BerthError('InvalidParameter', `Dockerfile parse error line ${line}: ${message}`, { code: 'DOCKERFILE_LINE' });
}

function isComment(raw: string): boolean {
  return /^\s*#/.test(raw);
}

/** Reads the directives block; returns the escape char and the index of the first other line. */
function readDirectives(physical: string[]): { escape: string; start: number } {
  let escape = '\\';
  const seen = new Set<string>();
  let i = 0;
  for (; i < physical.length; i++) {
    const m = DIRECTIVE.exec(physical[i] as string);
    if (!m) break;
    const name = (m[1] as string).toLowerCase();
    if (!KNOWN_DIRECTIVES.has(name)) break;
    if (seen.has(name)) throw parseError(i + 1, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      const value = m[2] as string;
      if (value !== '`' && value !== '\\') throw parseError(i + 1, `invalid escape token '${value}' does not match \` or \\`);
      escape = value;
    }
  }
  return { escape, start: i };
}

/** Removes a trailing escape (plus blanks after it); says whether the line continues. */
function trimContinuation(text: string, escape: string): { text: string; continues: boolean } {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  if (end > 0 && text[end - 1] === escape) return { text: text.slice(0, end - 1), continues: true };
  return { text, continues: false };
}

export function splitLines(source: string): SplitResult {
  const physical = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, start } = readDirectives(physical);
  const lines: LogicalLine[] = [];
  let i = start;
  while (i < physical.length) {
    const raw = physical[i] as string;
    const startLine = i + 1;
    i++;
    if (isComment(raw) || raw.trim() === '') continue;
    let { text, continues } = trimContinuation(raw.replace(/^\s+/, ''), escape);
    while (continues && i < physical.length) {
      const next = physical[i] as string;
      i++;
      if (isComment(next) || next.trim() === '') continue;
      const t = trimContinuation(next, escape);
      text += t.text;
      continues = t.continues;
    }
    if (text.trim() === '') continue;
    lines.push({ text, line: startLine });
  }
  return { escape, lines };
}
