/**
 * GET /containers/{id}/stats (streaming, stream=false, one-shot) and POST /containers/{id}/update.
 * Stats go out as newline-separated JSON objects (Docker's encoding); the work is in
 * containers/stats.ts and containers/update.ts.
 */
import express, { Router } from 'express';
import type { StatsOptions } from '../containers/stats';
import { asyncHandler } from './errors';
import { drainedOrClosed } from './containers-stream';
import { qbool } from './query';

export interface ContainerResourcesBackend {
  /** Throws 404 for an unknown container before any header goes out. */
  checkExists(ref: string): void;
  stats(ref: string, o: StatsOptions, sink: (obj: Record<string, unknown>) => Promise<void> | void, signal: AbortSignal): Promise<void>;
  update(ref: string, body: unknown): Promise<{ Warnings: string[] }>;
}

export function containersResourcesRouter(svc: ContainerResourcesBackend): Router {
  const r = Router();
  r.get('/containers/:id/stats', asyncHandler(async (req, res) => {
    const ref = req.params.id ?? '';
    svc.checkExists(ref);
    const stream = qbool(req, 'stream', true);
    const oneShot = qbool(req, 'one-shot');
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    if (stream) res.flushHeaders();
    const closer = new AbortController();
    res.on('close', () => closer.abort());
    const drained = drainedOrClosed(res);
    await svc.stats(ref, { stream, oneShot }, async (obj) => {
      if (!res.write(`${JSON.stringify(obj)}\n`)) await drained();
    }, closer.signal);
    res.end();
  }));
  r.post('/containers/:id/update', express.json({ limit: '1mb', strict: false, type: () => true }), asyncHandler(async (req, res) => {
    res.status(200).json(await svc.update(req.params.id ?? '', req.body ?? {}));
  }));
  return r;
}
