/** Query-parameter parsing as Docker's API does it (httputils.BoolValue, int parsing). */
import type { Request } from 'express';
import { invalid } from '../errors';

/** Docker's BoolValue: "", "0", "no", "false", "none" are false; anything else is true. */
export function boolParam(v: string | undefined): boolean {
  if (v === undefined) return false;
  return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

export function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function qbool(req: Request, name: string): boolean {
  return boolParam(query(req, name));
}

/** An integer parameter, undefined when absent or empty. */
export function qint(req: Request, name: string): number | undefined {
  const v = query(req, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalid(`invalid value for ${name}: ${v}`);
  return n;
}
