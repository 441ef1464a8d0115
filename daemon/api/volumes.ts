/**
 * The /volumes API group: list (with filters), create (201), inspect, remove (`force`),
 * prune (`filters` with `all`). Handlers parse parameters and call the backend; nothing else.
 */
import express, { Router } from 'express';
import { asyncHandler } from './errors';
import { qbool, qstr } from './query';

export interface VolumesBackend {
  list(filters: string | undefined): unknown;
  create(body: unknown): Promise<unknown>;
  inspect(name: string): unknown;
  remove(name: string, force: boolean): Promise<void>;
  prune(filters: string | undefined): Promise<unknown>;
}

export function volumesRouter(b: VolumesBackend): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', strict: false, type: () => true });
  const name = (req: express.Request) => req.params.name ?? '';
  r.get('/volumes', asyncHandler(async (req, res) => {
    res.json(b.list(qstr(req, 'filters')));
  }));
  r.post('/volumes/create', json, asyncHandler(async (req, res) => {
    res.status(201).json(await b.create(req.body ?? {}));
  }));
  r.post('/volumes/prune', asyncHandler(async (req, res) => {
    res.json(await b.prune(qstr(req, 'filters')));
  }));
  r.get('/volumes/:name', asyncHandler(async (req, res) => {
    res.json(b.inspect(name(req)));
  }));
  r.delete('/volumes/:name', asyncHandler(async (req, res) => {
    await b.remove(name(req), qbool(req, 'force'));
    res.status(204).end();
  }));
  return r;
}
