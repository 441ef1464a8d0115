/**
 * Turns thrown errors into Docker's error responses: the status from the BerthError kind
 * table and a `{"message": "..."}` body. Unknown errors are 500s and are logged; their
 * message is still one sentence, never a stack trace.
 */
import type { NextFunction, Request, Response } from 'express';
import { BerthError, describe } from '../errors';
import { log } from '../log';

export function errorMiddleware(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const status = err instanceof BerthError ? err.status : isBodyParserError(err) ? 400 : 500;
  const message = isBodyParserError(err) ? `invalid JSON in request body: ${describe(err)}` : describe(err);
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

function isBodyParserError(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { type?: string }).type === 'entity.parse.failed';
}

/** Wraps an async handler so rejections reach the error middleware. */
export function asyncHandler<T extends Request>(fn: (req: T, res: Response) => Promise<void>) {
  return (req: T, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
