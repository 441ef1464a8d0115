/**
 * Express glue for errors: the error middleware (every thrown or rejected error of a route goes
 * through write-error.ts) and the wrapper that sends an async handler's rejections there.
 */
import type { NextFunction, Request, Response } from 'express';
import { writeError } from './write-error';

export function errorMiddleware(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  writeError(res, err, { method: req.method, url: req.originalUrl });
}

/** Wraps an async handler so rejections reach the error middleware. */
export function asyncHandler<T extends Request>(fn: (req: T, res: Response) => Promise<void>) {
  return (req: T, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };
}
