/**
 * Turns an instruction's raw arguments into values, with variable substitution where Docker
 * does it (FROM, ADD, COPY, ENV, ARG, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR; not RUN,
 * CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD). Pure: the caller passes the variables in force.
 */
import { invalid } from '../errors';
import { expandWord, expandWords, Lookup } from './shell-lex';
import type { Instruction } from './parse';

/**
 * Splits on unquoted blanks keeping quotes and escapes in the words (buildkit's parseWords),
 * so `a="b c" d=e` gives `a="b c"` and `d=e`.
 */
export function rawWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < rest.length; i++) {
    let ch = rest[i] as string;
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === escape && quote !== "'" && i + 1 < rest.length) {
        word += ch;
        ch = rest[++i] as string;
      }
      word += ch;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (word) words.push(word);
      word = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    if (ch === escape) {
      if (i + 1 === rest.length) continue;
      word += ch;
      ch = rest[++i] as string;
    }
    word += ch;
  }
  if (word) words.push(word);
  return words;
}

/**
 * `ENV`/`LABEL` arguments: `a=b c="d e"` pairs, or the legacy `key value with blanks` form.
 * Keys and values are expanded; in the legacy form the value is the rest of the line.
 */
export function keyValues(ins: Instruction, lookup: Lookup, escape: string): [string, string][] {
  const words = rawWords(ins.args, escape);
  const first = words[0] ?? '';
  if (!first.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(ins.args);
    if (!m) throw invalid(`${ins.keyword} names can not be blank`);
    return [[expandWord(m[1] as string, lookup, escape), expandWord((m[2] as string).trim(), lookup, escape)]];
  }
  return words.map((w): [string, string] => {
    const eq = w.indexOf('=');
    if (eq < 0) throw invalid(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    const key = expandWord(w.slice(0, eq), lookup, escape);
    if (key === '') throw invalid(`${ins.keyword} names can not be blank`);
    return [key, expandWord(w.slice(eq + 1), lookup, escape)];
  });
}

/** `ARG name[=default] ...`: names with their (expanded) defaults. */
export function argDefs(ins: Instruction, lookup: Lookup, escape: string): { name: string; value?: string }[] {
  return rawWords(ins.args, escape).map((w) => {
    const eq = w.indexOf('=');
    const name = eq < 0 ? w : w.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid(`ARG name "${name}" is not a valid variable name`);
    return eq < 0 ? { name } : { name, value: expandWord(w.slice(eq + 1), lookup, escape) };
  });
}

/** One expanded word for WORKDIR, USER, STOPSIGNAL. */
export function singleWord(ins: Instruction, lookup: Lookup, escape: string): string {
  return expandWord(ins.args, lookup, escape);
}

/** A list for VOLUME / EXPOSE / COPY sources: JSON (each element expanded) or blank-separated. */
export function wordList(ins: Instruction, lookup: Lookup, escape: string): string[] {
  if (ins.json) return ins.json.map((w) => expandWord(w, lookup, escape));
  return expandWords(ins.args, lookup, escape);
}

/** RUN / CMD / ENTRYPOINT: exec form as is, shell form wrapped in the current SHELL. */
export function commandLine(ins: Instruction, shell: string[]): string[] {
  if (ins.json) return ins.json;
  return [...shell, ins.args];
}

/** Parses a Go duration such as `30s`, `1m30s`, `500ms` into nanoseconds. */
export function parseDuration(s: string, flag: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += parseFloat(m[1] as string) * (units[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || s === '') throw invalid(`invalid duration "${s}" for --${flag}`);
  return Math.round(total);
}

export interface Healthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** `HEALTHCHECK [opts] CMD ...` or `HEALTHCHECK NONE`, as Docker stores it in the config. */
export function healthcheck(ins: Instruction): Healthcheck {
  if (ins.args.trim().toUpperCase() === 'NONE') return { Test: ['NONE'] };
  const rest = ins.args.replace(/^\S+\s*/, '');
  let json: string[] | undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) json = v as string[];
  } catch {
    json = undefined;
  }
  const hc: Healthcheck = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', rest] };
  const dur = (name: string) => {
    const v = ins.flags.get(name);
    return v === undefined ? undefined : parseDuration(v, name);
  };
  hc.Interval = dur('interval');
  hc.Timeout = dur('timeout');
  hc.StartPeriod = dur('start-period');
  hc.StartInterval = dur('start-interval');
  const retries = ins.flags.get('retries');
  if (retries !== undefined) {
    if (!/^\d+$/.test(retries) || Number(retries) < 1) throw invalid(`--retries must be at least 1, got "${retries}"`);
    hc.Retries = Number(retries);
  }
  for (const k of Object.keys(hc) as (keyof Healthcheck)[]) if (hc[k] === undefined) delete hc[k];
  return hc;
}
