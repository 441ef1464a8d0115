/**
 * Dockerfile → instructions grouped into stages. This is the structural parse: keywords,
 * `--flags`, exec (JSON) versus shell form, argument counts, stage names, ARGs before the first
 * FROM. Variable substitution happens later, per step, because it depends on the ENV and ARG
 * values in force at that step (see evaluate.ts). Every error names the Dockerfile line. Pure.
 */
import { LogicalLine, parseError, splitLines } from './lines';

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN`. */
  keyword: string;
  line: number;
  /** The instruction as written (continuations joined): printed in `Step N/M : ...`. */
  original: string;
  /** `--name=value` flags before the arguments (`--link` alone → ""). */
  flags: Map<string, string>;
  /** The text after the keyword and flags, trimmed. */
  args: string;
  /** Set when the arguments are a JSON string array (exec form). */
  json?: string[];
}

export interface Stage {
  index: number;
  /** Lower-cased `AS name`, if any. */
  name?: string;
  from: Instruction;
  commands: Instruction[];
}

export interface Dockerfile {
  escape: string;
  /** ARG instructions before the first FROM (global scope, usable in FROM lines). */
  metaArgs: Instruction[];
  stages: Stage[];
}

const FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link', 'checksum'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

export const KEYWORDS = new Set([
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'ARG', 'LABEL', 'COPY', 'ADD', 'WORKDIR', 'EXPOSE', 'USER',
  'VOLUME', 'STOPSIGNAL', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER',
]);

const HEREDOC = /(^|\s)<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\2(\s|$)/;

/** Splits leading `--flag[=value]` words off the arguments. */
function extractFlags(rest: string, keyword: string, line: number): { flags: Map<string, string>; args: string } {
  const flags = new Map<string, string>();
  let args = rest;
  for (;;) {
    const m = /^--([^\s=]*)(?:=(\S*))?(?:\s+|$)/.exec(args);
    if (!m) break;
    args = args.slice(m[0].length);
    const name = (m[1] as string).toLowerCase();
    if (name === '') break; // a bare `--` ends the flags
    if (!(FLAGS[keyword] ?? []).includes(name)) throw parseError(line, `Unknown flag: ${name}`);
    flags.set(name, m[2] ?? '');
  }
  return { flags, args: args.trim() };
}

function parseJsonArray(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: the shell form it is, as Docker does
  }
  return undefined;
}

/** Parses one logical line into an instruction, checking what can be checked without state. */
export function parseInstruction(l: LogicalLine, nested = false): Instruction {
  const trimmed = l.text.trim();
  const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  const word = m?.[1] ?? '';
  const keyword = word.toUpperCase();
  if (!KEYWORDS.has(keyword)) throw parseError(l.line, `unknown instruction: ${keyword}`);
  const { flags, args } = extractFlags((m?.[2] ?? '').trim(), keyword, l.line);
  const ins: Instruction = { keyword, line: l.line, original: trimmed, flags, args, json: parseJsonArray(args) };
  validate(ins, nested);
  return ins;
}

function validate(ins: Instruction, nested: boolean): void {
  const { keyword, args, line } = ins;
  const fail = (msg: string): never => {
    throw parseError(line, msg);
  };
  if (['RUN', 'COPY', 'ADD'].includes(keyword) && HEREDOC.test(args)) {
    fail(`${keyword}: heredocs (<<EOF) are not supported by berth's builder`);
  }
  switch (keyword) {
    case 'FROM': {
      const words = args.split(/\s+/).filter(Boolean);
      if (!(words.length === 1 || (words.length === 3 && words[1]?.toLowerCase() === 'as'))) fail('FROM requires either one or three arguments');
      break;
    }
    case 'COPY':
    case 'ADD': {
      const n = ins.json ? ins.json.length : args.split(/\s+/).filter(Boolean).length;
      if (n < 2) fail(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
      break;
    }
    case 'SHELL':
      if (!ins.json) fail('SHELL requires the arguments to be in JSON form');
      if (ins.json?.length === 0) fail('SHELL requires at least one argument');
      break;
    case 'ONBUILD': {
      if (nested) fail('ONBUILD ONBUILD is not allowed');
      const inner = /^(\S+)/.exec(args)?.[1]?.toUpperCase();
      if (!inner) fail('ONBUILD requires at least one argument');
      if (inner === 'ONBUILD') fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'FROM' || inner === 'MAINTAINER') fail(`${inner} isn't allowed as an ONBUILD trigger`);
      parseInstruction({ text: args, line }, true);
      break;
    }
    case 'HEALTHCHECK': {
      const kind = /^(\S+)/.exec(args)?.[1]?.toUpperCase();
      if (kind !== 'NONE' && kind !== 'CMD') fail('HEALTHCHECK requires NONE or CMD followed by a command');
      if (kind === 'NONE' && args.trim().toUpperCase() !== 'NONE') fail('HEALTHCHECK NONE takes no arguments');
      if (kind === 'CMD' && args.slice(3).trim() === '') fail('HEALTHCHECK CMD requires a command');
      break;
    }
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
      if (args === '') fail(`${keyword} requires at least one argument`);
      break;
    default:
      if (args === '') fail(`${keyword} requires at least one argument`);
  }
}

/** Parses a whole Dockerfile. Throws InvalidParameter naming the line on the first error. */
export function parseDockerfile(source: string): Dockerfile {
  const { escape, lines } = splitLines(source);
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const l of lines) {
    const ins = parseInstruction(l);
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/);
      const name = words.length === 3 ? words[2]?.toLowerCase() : undefined;
      if (name !== undefined) {
        if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw parseError(l.line, `invalid name for build stage: "${name}", name can't start with a number or contain symbols`);
        if (stages.some((s) => s.name === name)) throw parseError(l.line, `duplicate name ${name}`);
      }
      stages.push({ index: stages.length, name, from: ins, commands: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw parseError(l.line, `${ins.keyword} before the first FROM: only ARG may come before FROM`);
      metaArgs.push(ins);
    } else {
      (stages[stages.length - 1] as Stage).commands.push(ins);
    }
  }
  if (stages.length === 0) throw parseError(lines[lines.length - 1]?.line ?? 1, 'the Dockerfile has no FROM instruction');
  return { escape, metaArgs, stages };
}

/** Parses `ONBUILD` trigger text (stored in an image's config) back into an instruction. */
export function parseTrigger(text: string, line: number): Instruction {
  return parseInstruction({ text, line }, true);
}
