/**
 * /etc/berth/daemon.json: read and validated here, key by key, with dockerd's key names. An
 * unknown key or a value of the wrong shape is one sentence naming the file and the key; the
 * daemon never starts on (or reloads into) a file it only half understood.
 */
import { readFileSync } from 'node:fs';
import { invalid } from './errors';
import { checkUlimit, Ulimit } from './ulimits';

export type { Ulimit };

export interface FileConfig {
  hosts?: string[];
  'data-root'?: string;
  'exec-root'?: string;
  group?: string;
  'insecure-registries'?: string[];
  'registry-mirrors'?: string[];
  'max-concurrent-downloads'?: number;
  'max-concurrent-uploads'?: number;
  labels?: string[];
  'default-ulimits'?: Record<string, Ulimit>;
  'log-level'?: string;
  'log-format'?: string;
  'log-driver'?: string;
  'log-opts'?: Record<string, string>;
  debug?: boolean;
  bridge?: string;
  bip?: string;
  'default-address-pools'?: Array<{ base: string; size: number }>;
  'cgroup-parent'?: string;
}

type Check = (value: unknown, where: string) => void;

const strings: Check = (v, where) => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${where} must be a list of strings`);
};
const string: Check = (v, where) => {
  if (typeof v !== 'string') throw invalid(`${where} must be a string`);
};
const boolean: Check = (v, where) => {
  if (typeof v !== 'boolean') throw invalid(`${where} must be true or false`);
};
const positiveInt: Check = (v, where) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`${where} must be a whole number of at least 1`);
};
const stringMap: Check = (v, where) => {
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw invalid(`${where} must be an object of string values`);
  }
};

const ulimits: Check = (v, where) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${where} must be an object like {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}`);
  for (const [key, u] of Object.entries(v)) {
    const named = u && typeof u === 'object' ? { Name: key, ...(u as object) } : u;
    if ((named as Partial<Ulimit>).Name !== key) throw invalid(`${where}.${key}: Name "${String((named as Partial<Ulimit>).Name)}" does not match the key`);
    checkUlimit(named, `${where}.${key}`);
  }
};

const pools: Check = (v, where) => {
  if (!Array.isArray(v) || !v.every((p) => p && typeof p === 'object' && typeof p.base === 'string' && Number.isInteger(p.size))) {
    throw invalid(`${where} must be a list like [{"base": "10.10.0.0/16", "size": 24}]`);
  }
};

const CHECKS: Record<keyof FileConfig, Check> = {
  bridge: string,
  bip: string,
  'default-address-pools': pools,
  'cgroup-parent': string,
  hosts: strings,
  'data-root': string,
  'exec-root': string,
  group: string,
  'insecure-registries': strings,
  'registry-mirrors': strings,
  'max-concurrent-downloads': positiveInt,
  'max-concurrent-uploads': positiveInt,
  labels: strings,
  'default-ulimits': ulimits,
  'log-level': string,
  'log-format': string,
  'log-driver': string,
  'log-opts': stringMap,
  debug: boolean,
};

/** Parses daemon.json text; `file` names it in errors. */
export function parseFileConfig(text: string, file: string): FileConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`config file ${file} must hold a JSON object`);
  for (const [key, value] of Object.entries(parsed)) {
    const check = CHECKS[key as keyof FileConfig] as Check | undefined;
    if (!check) throw invalid(`config file ${file}: unknown key "${key}"`);
    check(value, `config file ${file}: "${key}"`);
  }
  return parsed as FileConfig;
}

/** Reads daemon.json; a missing file is an empty config unless the user named it. */
export function readFileConfig(file: string, required: boolean): FileConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalid(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseFileConfig(text, file);
}

/** A registry mirror URL, normalised to scheme://host[:port] (dockerd's ValidateMirror). */
export function normaliseMirror(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`invalid registry mirror "${raw}": use a URL like https://mirror.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`invalid registry mirror "${raw}": the scheme must be http or https`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw invalid(`invalid registry mirror "${raw}": give only scheme://host[:port], no path, credentials or query`);
  }
  return `${url.protocol}//${url.host}`;
}
