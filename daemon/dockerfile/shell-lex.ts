/**
 * Docker's variable substitution for Dockerfile words (buildkit's shell/lex.go): `$VAR`,
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?msg}`,
 * single quotes (literal), double quotes (`$` still expands), and the escape character
 * (`\$` is a literal dollar). Quotes and escapes are removed from the result, as Docker does.
 * Pure; the caller supplies the variables.
 */
import { invalid } from '../errors';

/** Returns a variable's value, or undefined when it is not set. */
export type Lookup = (name: string) => string | undefined;

export function mapLookup(vars: ReadonlyMap<string, string> | Record<string, string>): Lookup {
  if (vars instanceof Map) return (n) => vars.get(n);
  const rec = vars as Record<string, string>;
  return (n) => (Object.prototype.hasOwnProperty.call(rec, n) ? rec[n] : undefined);
}

class Lexer {
  pos = 0;
  /** Words so far (ProcessWords); the last one is being built. */
  words: string[] = [''];
  /** True once the current word has content, even an empty quoted string. */
  started = false;

  constructor(
    private readonly src: string,
    private readonly escape: string,
    private readonly lookup: Lookup,
    private readonly split: boolean,
  ) {}

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private add(s: string): void {
    this.words[this.words.length - 1] += s;
    this.started = true;
  }

  private breakWord(): void {
    if (this.started) {
      this.words.push('');
      this.started = false;
    }
  }

  /** Adds an unquoted expansion: with word splitting on, its blanks separate words. */
  private addExpansion(value: string): void {
    if (!this.split) return this.add(value);
    const parts = value.split(/[ \t\n]+/);
    parts.forEach((p, idx) => {
      if (idx > 0) this.breakWord();
      if (p) this.add(p);
    });
  }

  run(stopAt?: string): void {
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] as string;
      if (stopAt !== undefined && ch === stopAt) return;
      this.pos++;
      if (ch === this.escape) {
        const next = this.peek();
        if (next === undefined) continue; // an escape at the very end is dropped
        this.pos++;
        this.add(next);
      } else if (ch === "'") {
        const end = this.src.indexOf("'", this.pos);
        if (end < 0) throw invalid(`unexpected end of statement while looking for matching single-quote in "${this.src}"`);
        this.add(this.src.slice(this.pos, end));
        this.pos = end + 1;
      } else if (ch === '"') {
        this.doubleQuoted();
      } else if (ch === '$') {
        const v = this.dollar();
        if (v.literal) this.add(v.text);
        else this.addExpansion(v.text);
      } else if (this.split && (ch === ' ' || ch === '\t' || ch === '\n')) {
        this.breakWord();
      } else {
        this.add(ch);
      }
    }
    if (stopAt !== undefined) throw invalid(`missing '}' in "${this.src}"`);
  }

  private doubleQuoted(): void {
    this.started = true;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] as string;
      this.pos++;
      if (ch === '"') return;
      if (ch === this.escape) {
        const next = this.peek();
        if (next === '"' || next === '$' || next === this.escape) {
          this.pos++;
          this.add(next);
        } else this.add(ch);
      } else if (ch === '$') {
        this.add(this.dollar().text);
      } else this.add(ch);
    }
    throw invalid(`unexpected end of statement while looking for matching double-quote in "${this.src}"`);
  }

  /** After a `$`: returns the expansion, or the literal text when no variable follows. */
  private dollar(): { text: string; literal: boolean } {
    const next = this.peek();
    if (next === '{') {
      this.pos++;
      return { text: this.braced(), literal: false };
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(this.src.slice(this.pos));
    if (!m) return { text: '$', literal: true };
    this.pos += m[0].length;
    return { text: this.lookup(m[0]) ?? '', literal: false };
  }

  private braced(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.src.slice(this.pos));
    if (!m) throw invalid(`bad substitution in "${this.src}": a variable name must follow '\${'`);
    const name = m[0];
    this.pos += name.length;
    if (this.peek() === '}') {
      this.pos++;
      return this.lookup(name) ?? '';
    }
    if (this.pos >= this.src.length) throw invalid(`missing '}' in "${this.src}"`);
    let op = this.src[this.pos] ?? '';
    this.pos++;
    if (op === ':') {
      op += this.src[this.pos] ?? '';
      this.pos++;
    }
    if (![':-', '-', ':+', '+', ':?', '?'].includes(op)) {
      throw invalid(`unsupported modifier (${op}) in substitution "\${${name}${op}...}"`);
    }
    // The word after the operator is itself expanded (without word splitting).
    const inner = new Lexer(this.src, this.escape, this.lookup, false);
    inner.pos = this.pos;
    inner.run('}');
    const word = inner.words.join('');
    this.pos = inner.pos + 1;
    const value = this.lookup(name);
    const setNonEmpty = value !== undefined && value !== '';
    switch (op) {
      case ':-': return setNonEmpty ? (value as string) : word;
      case '-': return value !== undefined ? value : word;
      case ':+': return setNonEmpty ? word : '';
      case '+': return value !== undefined ? word : '';
      default:
        if (op === ':?' ? setNonEmpty : value !== undefined) return value as string;
        throw invalid(`${name}: ${word || 'is not allowed to be unset'}`);
    }
  }
}

/** Expands one word (quotes and escapes removed, blanks kept). */
export function expandWord(src: string, lookup: Lookup, escape = '\\'): string {
  const lx = new Lexer(src, escape, lookup, false);
  lx.run();
  return lx.words.join('');
}

/** Expands and splits on unquoted blanks (blanks inside expanded values split too). */
export function expandWords(src: string, lookup: Lookup, escape = '\\'): string[] {
  const lx = new Lexer(src, escape, lookup, true);
  lx.run();
  if (!lx.started) lx.words.pop();
  return lx.words;
}
