/**
 * Command-line flags the way Docker's CLI (cobra/pflag) reads them: `-a`, `--all`,
 * `--filter x`, `--filter=x`, combined short booleans (`-aq`), repeated list flags, `--`
 * ending the flags, flags mixed with arguments unless `interspersed: false` (for commands
 * that pass the rest through, like `run IMAGE CMD...`). Bad flags are CliErrors naming them.
 */
import { CliError } from './http';

export type FlagType = 'bool' | 'string' | 'list' | 'int';

export interface FlagDef {
  type: FlagType;
  short?: string;
  /** Other long names (`--tail` / `-n`). */
  aliases?: string[];
}

export type FlagSpec = Record<string, FlagDef>;

export interface Parsed {
  bools: Record<string, boolean>;
  strings: Record<string, string>;
  lists: Record<string, string[]>;
  ints: Record<string, number>;
  args: string[];
  help: boolean;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec, opts: { interspersed?: boolean } = {}): Parsed {
  const out: Parsed = { bools: {}, strings: {}, lists: {}, ints: {}, args: [], help: false };
  const byLong = new Map<string, string>();
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) {
    byLong.set(name, name);
    for (const a of def.aliases ?? []) byLong.set(a, name);
    if (def.short) byShort.set(def.short, name);
  }
  const set = (name: string, value: string | undefined, flagText: string, next: () => string | undefined) => {
    const def = spec[name] as FlagDef;
    if (def.type === 'bool') {
      if (value === undefined) out.bools[name] = true;
      else if (/^(true|1)$/i.test(value)) out.bools[name] = true;
      else if (/^(false|0)$/i.test(value)) out.bools[name] = false;
      else throw new CliError(`invalid argument "${value}" for "${flagText}" flag: expected true or false`);
      return;
    }
    const v = value ?? next();
    if (v === undefined) throw new CliError(`flag needs an argument: ${flagText}`);
    if (def.type === 'string') out.strings[name] = v;
    else if (def.type === 'list') (out.lists[name] ??= []).push(v);
    else {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new CliError(`invalid argument "${v}" for "${flagText}" flag: expected an integer`);
      out.ints[name] = n;
    }
  };
  let i = 0;
  const next = () => argv[++i];
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const long = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const name = byLong.get(long);
      if (!name) throw new CliError(`unknown flag: --${long}`);
      set(name, eq < 0 ? undefined : a.slice(eq + 1), `--${long}`, next);
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j] as string;
        const name = byShort.get(ch);
        if (!name) throw new CliError(`unknown shorthand flag: '${ch}' in ${a}`);
        if ((spec[name] as FlagDef).type === 'bool') {
          set(name, undefined, `-${ch}`, next);
          continue;
        }
        const rest = a.slice(j + 1);
        set(name, rest.length ? rest.replace(/^=/, '') : undefined, `-${ch}`, next);
        break;
      }
    } else {
      out.args.push(a);
      if (opts.interspersed === false) {
        out.args.push(...argv.slice(i + 1));
        break;
      }
    }
  }
  return out;
}

/** Throws Docker's "requires at least/exactly N argument(s)" error. */
export function requireArgs(cmd: string, args: readonly string[], min: number, max = Infinity, usage = ''): void {
  if (args.length >= min && args.length <= max) return;
  const what = min === max ? `exactly ${min}` : args.length < min ? `at least ${min}` : `at most ${max}`;
  throw new CliError(`"${cmd}" requires ${what} argument${(min === max ? min : args.length < min ? min : max) === 1 ? '' : 's'}.${usage ? `\nSee '${usage}'.` : ''}`);
}

/** Docker's `key=value` list flags (--filter) as the JSON the API wants: {"key":{"value":true}}. */
export function filtersJson(list: readonly string[] | undefined): string | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError(`bad format of filter (expected name=value)`);
    const key = f.slice(0, eq).trim().toLowerCase();
    (out[key] ??= {})[f.slice(eq + 1).trim()] = true;
  }
  return JSON.stringify(out);
}
