/**
 * The headers every response carries (Api-Version, Ostype, Server) and the version prefix
 * stripped before routing, with the negotiated version on `res.locals.apiVersion`.
 */
import type { NextFunction, Request, Response } from 'express';
import { BERTH_VERSION } from '../version-info';
import { API_VERSION, splitVersion } from './version';
import { writeError } from './write-error';

/** Sets the headers every response carries and strips the version prefix. */
export function versionMiddleware(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `berth/${BERTH_VERSION} (linux)`);
  res.setHeader('Docker-Experimental', 'false');
  let split: { version: string; path: string };
  try {
    split = splitVersion(req.url);
  } catch (err) {
    writeError(res, err, { method: req.method, url: req.url });
    return;
  }
  req.url = split.path;
  res.locals.apiVersion = split.version;
  next();
}
