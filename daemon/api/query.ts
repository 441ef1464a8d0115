/**
 * The one reader of query parameters, for express routes and upgraded (hijacked) requests
 * alike, with Docker's rules (httputils): the first value of a repeated parameter wins, as
 * Go's FormValue; booleans follow BoolValue — absent, "", "0", "no", "false", "none" (any
 * case, spaces trimmed) are false and anything else is true; a parameter with a default
 * (rm, pause) takes it when absent or empty, as dockerd does for those.
 */
import type { Request } from 'express';
import { invalid } from '../errors';

/** An express request (query parser 'simple': string | string[]) or an upgrade's URL params. */
export type QuerySource = Pick<Request, 'query'> | URLSearchParams;

/** Every value of `name`, in order, empty ones included. */
export function qvalues(src: QuerySource, name: string): string[] {
  if (src instanceof URLSearchParams) return src.getAll(name);
  const v = src.query[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** The first value as sent ("" when present and empty), undefined when absent. */
export function qstr(src: QuerySource, name: string): string | undefined {
  return qvalues(src, name)[0];
}

/** The first value, undefined when absent or empty. */
export function qopt(src: QuerySource, name: string): string | undefined {
  return qstr(src, name) || undefined;
}

/** The non-empty values of a repeatable parameter (build's t, save's names, changes). */
export function qlist(src: QuerySource, name: string): string[] {
  return qvalues(src, name).filter((v) => v !== '');
}

/** Docker's BoolValue; `dflt` when the parameter is absent or empty. */
export function qbool(src: QuerySource, name: string, dflt = false): boolean {
  const v = qstr(src, name);
  if (v === undefined || v.trim() === '') return dflt;
  return !['0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

/** An integer parameter, undefined when absent or empty; InvalidParameter when not an integer. */
export function qint(src: QuerySource, name: string): number | undefined {
  const v = qstr(src, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalid(`invalid value for ${name}: ${v}`);
  return n;
}
