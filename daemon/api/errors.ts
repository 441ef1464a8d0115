/**
 * Turns thrown errors into Docker's error responses: the status from the BerthError kind
 * table and a `{"message": "..."}` body. Unknown errors are 500s and are logged; their
 * message is still one sentence, never a stack trace.
 */
import type { NextFunction, Request, Response } from 'express';
import { BerthError, describe } from '../errors';
import { log } from '../log';

export function errorMiddleware(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const bodyErr = bodyReadError(err);
  const status = err instanceof BerthError ? err.status : bodyErr ? bodyErr.status : 500;
  const message = bodyErr ? bodyErr.message : describe(err);
  // Only unexpected failures (500) carry a stack; 503 (registry down) is a user-facing condition.
  if (status === 500) log.error('request failed', { method: req.method, url: req.originalUrl, error: message, stack: (err as Error)?.stack });
  else if (status >= 500) log.warn('request failed', { method: req.method, url: req.originalUrl, error: message });
  if (res.headersSent) {
    res.end();
    return;
  }
  if (status === 304) {
    res.status(304).end();
    return;
  }
  // Exactly `application/json` (no charset): the Go client only decodes error bodies whose
  // Content-Type is exactly that, and otherwise prints the raw JSON to the user.
  res.status(status).setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ message }));
}

/**
 * The client's fault while its body was read (express.json's errors carry a 4xx `status` and
 * a `type`): bad JSON is a 400, a body over the route's limit a 413, an unsupported charset
 * or encoding a 415 — never a 500, which would blame the daemon.
 */
function bodyReadError(err: unknown): { status: number; message: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { type?: unknown; status?: unknown; limit?: unknown };
  if (typeof e.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  if (e.type === 'entity.parse.failed') return { status: 400, message: `invalid JSON in request body: ${describe(err)}` };
  if (e.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? ` (the limit is ${Math.floor(e.limit / 1024)} KiB)` : '';
    return { status: 413, message: `request body too large${limit}` };
  }
  return { status: e.status, message: `cannot read the request body: ${describe(err)}` };
}

/** Wraps an async handler so rejections reach the error middleware. */
export function asyncHandler<T extends Request>(fn: (req: T, res: Response) => Promise<void>) {
  return (req: T, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
