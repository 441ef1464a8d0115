/**
 * Ordered transcripts of an orchestrator's calls and the runner that replays them over
 * berthd's socket. Each step is one HTTP exchange (or a local action the orchestrator's
 * environment would do, e.g. the CNI plugin's work) and names the source line it reproduces
 * and why the orchestrator makes the call.
 *
 * Variables: `{{name}}` anywhere in a path, header value or (string leaf of a) body is replaced
 * by a value captured from an earlier response (`capture`) or set by a local action. A missing
 * variable is an error, never an empty string. Responses can be held open (`hold`) while later
 * steps run and collected with a `join` step (Nomad's long `wait?condition=not-running`); a
 * `write` step types into a held hijacked stream (an interactive exec).
 */
import type { Socket } from 'node:net';
import { errorMessage, parseNdjson, shapeErrors, type Shape } from './checks';
import { goJson } from './go-client';
import { hijack, request, type RawResponse } from './http';

export type Vars = Record<string, string>;

/** What a check or capture sees: the raw response plus its body parsed by the step's `decode`. */
export interface Reply extends RawResponse {
  /** `json`: the parsed value; `ndjson`: the array of values; otherwise undefined. */
  json: unknown;
  text: string;
}

interface StepBase {
  /** Short name, shown in failures and the replay log. */
  name: string;
  /** The line this step reproduces: `repo path/file.go:LINE` (or a range). */
  source: string;
  /** Why the orchestrator sends it / what it reads from the answer. */
  why: string;
}

export interface HttpStep extends StepBase {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Exact versioned path and query, templated: `/v1.42/containers/{{sandbox}}/start`; or
   *  built from the variables (for values that must be escaped after templating). */
  path: string | ((vars: Vars) => string);
  /** Headers in the order sent (templated values). Host is `docker` unless given. */
  headers?: [string, string][];
  /** JSON-encoded (Go's encoder: no spaces), after templating string leaves (or built from the variables). */
  body?: unknown | ((vars: Vars) => unknown);
  /** A body sent as is (templated if a string). */
  rawBody?: string | Buffer;
  /** `Connection: Upgrade` / `Upgrade: tcp` hijack; the answer is 101 and a raw stream. */
  hijack?: boolean;
  /** Hijack only: written after the 101; `closeStdin` half-closes after it. */
  stdin?: string;
  closeStdin?: boolean;
  /** How to read the body: json (default when the reply says application/json), ndjson, text, raw. */
  decode?: 'json' | 'ndjson' | 'text' | 'raw';
  /** Stop reading the (streaming) body once this holds; the connection is closed. */
  until?: (bodySoFar: Buffer) => boolean;
  /** Expected status (or any of several). */
  status: number | number[];
  /** Shape of the decoded body the orchestrator's decoder needs (see checks.ts). */
  shape?: Shape;
  /** For error statuses: the orchestrator's own regex the `message` must match. */
  errorMatches?: RegExp;
  /** Headers that must be present (lower-case name → exact value or regex). */
  expectHeaders?: Record<string, string | RegExp>;
  /** Further checks; throw (e.g. node:assert) to fail. */
  check?: (r: Reply, vars: Vars) => void | Promise<void>;
  /** Values saved for later steps: name → a function of the reply returning a string. */
  capture?: Record<string, (r: Reply) => unknown>;
  /** Do not wait: start the request and keep its promise under this key for a later `join`. */
  hold?: string;
  timeoutMs?: number;
}

export interface LocalStep extends StepBase {
  /** Work the orchestrator's side does outside the API (CNI set-up, probing); may set vars. */
  local: (vars: Vars) => void | Promise<void>;
}

export interface JoinStep extends StepBase {
  /** Waits for a step started with `hold` and checks its reply like an HttpStep would. */
  join: string;
  status: number | number[];
  shape?: Shape;
  check?: (r: Reply, vars: Vars) => void | Promise<void>;
  capture?: Record<string, (r: Reply) => unknown>;
  /** The held request must end without a complete answer (the daemon went away while it was
   *  open) with an error matching this; `status` and the checks are then not used. */
  fails?: RegExp;
}

export interface WriteStep extends StepBase {
  /** Writes to the stream of a held hijacked request (typing into `kubectl exec -it`). */
  write: string;
  data: string;
  /** Half-close afterwards (stdin EOF). */
  closeStdin?: boolean;
}

export type Step = HttpStep | LocalStep | JoinStep | WriteStep;

export interface StepRecord {
  step: Step;
  /** Undefined for local steps. */
  reply?: Reply;
  ms: number;
}

export class ReplayError extends Error {
  constructor(readonly step: Step, readonly index: number, cause: unknown, readonly reply?: Reply) {
    const c = cause instanceof Error ? cause.message : String(cause);
    const got = reply ? `\n  got: ${reply.statusCode} ${reply.text.slice(0, 600)}` : '';
    super(`step ${index + 1} "${step.name}" (${step.source}) failed: ${c}${got}`);
  }
}

/** Replaces `{{name}}` in a string; throws naming the variable when it is not set. */
export function fill(s: string, vars: Vars): string {
  return s.replace(/\{\{([A-Za-z0-9_.-]+)\}\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`variable {{${k}}} is not set (no earlier step captured it)`);
    return v;
  });
}

function fillDeep(v: unknown, vars: Vars): unknown {
  if (typeof v === 'string') return fill(v, vars);
  if (Array.isArray(v)) return v.map((x) => fillDeep(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k, vars), fillDeep(x, vars)]));
  return v;
}

function toReply(r: RawResponse, decode: HttpStep['decode']): Reply {
  const text = r.body.toString('utf8');
  const mode = decode ?? (/json/.test(r.headers['content-type'] ?? '') && r.body.length ? 'json' : 'raw');
  let json: unknown;
  if (mode === 'json') {
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`body is not JSON: ${text.slice(0, 300)}`);
    }
  } else if (mode === 'ndjson') json = parseNdjson(r.body);
  return { ...r, json, text };
}

async function verify(step: HttpStep | JoinStep, reply: Reply, vars: Vars): Promise<void> {
  const want = Array.isArray(step.status) ? step.status : [step.status];
  if (!want.includes(reply.statusCode)) throw new Error(`status ${reply.statusCode}, want ${want.join(' or ')}: ${errorMessage(reply.body).slice(0, 400)}`);
  if ('errorMatches' in step && step.errorMatches && !step.errorMatches.test(errorMessage(reply.body))) {
    throw new Error(`error text ${JSON.stringify(errorMessage(reply.body))} does not match the orchestrator's ${step.errorMatches}`);
  }
  if ('expectHeaders' in step && step.expectHeaders) {
    for (const [k, v] of Object.entries(step.expectHeaders)) {
      const got = reply.headers[k.toLowerCase()];
      if (got === undefined || (typeof v === 'string' ? got !== v : !v.test(got))) throw new Error(`header ${k}: ${JSON.stringify(got)}, want ${v}`);
    }
  }
  if (step.shape !== undefined) {
    const errs = shapeErrors(reply.json, step.shape);
    if (errs.length) throw new Error(`the body does not decode as the orchestrator expects:\n    ${errs.join('\n    ')}`);
  }
  await step.check?.(reply, vars);
  for (const [k, f] of Object.entries(step.capture ?? {})) {
    const v = f(reply);
    if (v === undefined || v === null || v === '') throw new Error(`capture {{${k}}}: nothing to capture`);
    vars[k] = String(v);
  }
}

function send(socket: string, step: HttpStep, vars: Vars, onUpgrade?: (s: Socket) => void): Promise<RawResponse> {
  const headers: [string, string][] = (step.headers ?? []).map(([k, v]) => [k, fill(v, vars)]);
  let body: Buffer | undefined;
  if (step.rawBody !== undefined) body = typeof step.rawBody === 'string' ? Buffer.from(fill(step.rawBody, vars)) : step.rawBody;
  else if (step.body !== undefined) body = Buffer.from(goJson(fillDeep(typeof step.body === 'function' ? (step.body as (v: Vars) => unknown)(vars) : step.body, vars)));
  const req = { method: step.method, path: typeof step.path === 'function' ? step.path(vars) : fill(step.path, vars), headers, body };
  const opts = { until: step.until, timeoutMs: step.timeoutMs, stdin: step.stdin === undefined ? undefined : Buffer.from(fill(step.stdin, vars)), closeStdin: step.closeStdin, onUpgrade };
  return step.hijack ? hijack(socket, req, opts) : request(socket, req, opts);
}

export interface ReplayOptions {
  /** Variables known before the first step (image refs, host port...). */
  vars?: Vars;
  /** Called after each step (e.g. to print a replay log). */
  onStep?: (rec: StepRecord, index: number) => void;
}

/**
 * Replays `steps` in order against the daemon on `socket`. Resolves with the variables and a
 * record per step; rejects with a ReplayError naming the step and its source at the first
 * failure. Held requests still open at a failure are left to their timeouts.
 */
export async function replay(socket: string, steps: readonly Step[], opts: ReplayOptions = {}): Promise<{ vars: Vars; records: StepRecord[] }> {
  const vars: Vars = { ...(opts.vars ?? {}) };
  const held = new Map<string, { step: HttpStep; promise: Promise<RawResponse>; upgraded: Promise<Socket> }>();
  const records: StepRecord[] = [];
  for (const [i, step] of steps.entries()) {
    const t0 = Date.now();
    let reply: Reply | undefined;
    try {
      if ('local' in step) {
        await step.local(vars);
      } else if ('join' in step) {
        const h = held.get(step.join);
        if (!h) throw new Error(`no held request named ${step.join}`);
        held.delete(step.join);
        if (step.fails) {
          const outcome = await h.promise.then((r) => r, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
          if (!(outcome instanceof Error)) throw new Error(`the held request answered ${outcome.statusCode}, but it had to end without an answer`);
          if (!step.fails.test(outcome.message)) throw new Error(`the held request failed with "${outcome.message}", not ${step.fails}`);
        } else {
          reply = toReply(await h.promise, h.step.decode);
          await verify(step, reply, vars);
        }
      } else if ('write' in step) {
        const h = held.get(step.write);
        if (!h) throw new Error(`no held request named ${step.write}`);
        const sock = await Promise.race([h.upgraded, h.promise.then(() => undefined)]);
        if (!sock) throw new Error(`the held request ${step.write} ended before it was upgraded`);
        sock.write(fill(step.data, vars));
        if (step.closeStdin) sock.end();
      } else if (step.hold) {
        let onUpgrade: (s: Socket) => void = () => undefined;
        const upgraded = new Promise<Socket>((resolve) => (onUpgrade = resolve));
        const promise = send(socket, step, vars, onUpgrade);
        promise.catch(() => undefined); // reported at the join
        held.set(step.hold, { step, promise, upgraded });
      } else {
        reply = toReply(await send(socket, step, vars), step.decode);
        await verify(step, reply, vars);
      }
    } catch (err) {
      throw new ReplayError(step, i, err, reply);
    }
    const rec = { step, reply, ms: Date.now() - t0 };
    records.push(rec);
    opts.onStep?.(rec, i);
  }
  if (held.size) throw new Error(`held requests never joined: ${[...held.keys()].join(', ')}`);
  return { vars, records };
}
