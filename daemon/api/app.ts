/**
 * The express application and the HTTP server around it. Routers (one per Docker API group)
 * and upgrade routes are built by main.ts from the services and passed in, so this module
 * knows nothing about images or containers.
 */
import express, { Router } from 'express';
import * as http from 'node:http';
import { errorMiddleware } from './errors';
import { BerthError } from '../errors';
import { versionMiddleware } from './version-middleware';
import { UpgradeRoute, dispatchUpgrade } from './upgrade';
import { applyStallTimeouts, DEFAULT_STALL_MS, stallServerOptions } from './stall-timeouts';

export interface AppParts {
  routers: Router[];
  upgrades: UpgradeRoute[];
}

export function createApp(parts: AppParts): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(versionMiddleware);
  for (const r of parts.routers) app.use(r);
  app.use((req, _res, next) => {
    next(new BerthError('NotFound', `page not found: ${req.method} ${req.path}`));
  });
  app.use(errorMiddleware);
  return app;
}

/** `stallMs`: how long a client may stay silent while it owes us headers or body (stall-timeouts.ts). */
export function createServer(parts: AppParts, stallMs = DEFAULT_STALL_MS): http.Server {
  const app = createApp(parts);
  const server = http.createServer(stallServerOptions(stallMs), app);
  server.on('upgrade', (req, socket, head) => dispatchUpgrade(parts.upgrades, req, socket, head, stallMs));
  applyStallTimeouts(server, stallMs);
  return server;
}
