/**
 * The /networks API group: list (with filters), inspect, create (201 {Id, Warning}), remove,
 * prune, connect, disconnect. Handlers parse parameters and call the backend; nothing else.
 */
import express, { Router } from 'express';
import { asyncHandler } from './errors';
import { qstr } from './query';

export interface NetworksBackend {
  list(filters: string | undefined): Record<string, unknown>[];
  inspect(ref: string): Record<string, unknown>;
  create(body: unknown): Promise<{ Id: string; Warning: string }>;
  remove(ref: string): Promise<void>;
  prune(filters: string | undefined): Promise<{ NetworksDeleted: string[] }>;
  connect(ref: string, body: unknown): Promise<void>;
  disconnect(ref: string, body: unknown): Promise<void>;
}

export function networksRouter(b: NetworksBackend): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', strict: false, type: () => true });
  const id = (req: express.Request) => req.params.id ?? '';

  r.get('/networks', asyncHandler(async (req, res) => {
    res.json(b.list(qstr(req, 'filters')));
  }));
  r.post('/networks/create', json, asyncHandler(async (req, res) => {
    res.status(201).json(await b.create(req.body ?? {}));
  }));
  r.post('/networks/prune', asyncHandler(async (req, res) => {
    res.json(await b.prune(qstr(req, 'filters')));
  }));
  r.get('/networks/:id', asyncHandler(async (req, res) => {
    res.json(b.inspect(id(req)));
  }));
  r.delete('/networks/:id', asyncHandler(async (req, res) => {
    await b.remove(id(req));
    res.status(204).end();
  }));
  r.post('/networks/:id/connect', json, asyncHandler(async (req, res) => {
    await b.connect(id(req), req.body ?? {});
    res.status(200).end();
  }));
  r.post('/networks/:id/disconnect', json, asyncHandler(async (req, res) => {
    await b.disconnect(id(req), req.body ?? {});
    res.status(200).end();
  }));
  return r;
}
