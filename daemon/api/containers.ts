/**
 * The /containers API group: create, inspect, list, the lifecycle verbs, logs, top, changes,
 * export, prune, and the plain (non-upgraded) attach. Hijacked attach is an UpgradeRoute in
 * containers-attach.ts. Handlers parse parameters and call the service; nothing else.
 */
import express, { Router } from 'express';
import type { Readable } from 'node:stream';
import type { WaitResult } from '../containers/service';
import type { ListOptions } from '../containers/queries';
import type { Change } from '../containers/changes';
import { invalid } from '../errors';
import { asyncHandler } from './errors';
import { logsHandler, type LogsBackend } from './containers-logs';
import { attachPlain, type AttachBackend } from './containers-attach';
import { qbool, qint, qstr } from './query';

/** The lifecycle verbs (containers/service.ts). Each throws BerthError with Docker's status. */
export interface ContainerLifecycleBackend extends LogsBackend, AttachBackend {
  create(name: string | undefined, body: unknown): Promise<{ Id: string; Warnings: string[] }>;
  start(ref: string): Promise<void>;
  stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<void>;
  restart(ref: string, timeoutSeconds?: number, signal?: string): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  /** Validates at once (404 before any header); the promise settles at the condition. */
  wait(ref: string, condition: string | undefined): Promise<WaitResult>;
  remove(ref: string, force: boolean, removeVolumes?: boolean): Promise<void>;
  rename(ref: string, newName: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  resize(ref: string, rows: number, cols: number): Promise<void>;
}

/** The read side (containers/queries.ts); prune is the one change, through the lifecycle. */
export interface ContainerQueriesBackend {
  list(o: ListOptions): Promise<Record<string, unknown>[]>;
  inspect(ref: string, withSize: boolean): Promise<Record<string, unknown>>;
  prune(rawFilters: string | undefined): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>;
  top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  diff(ref: string): Promise<Change[]>;
  export(ref: string): Readable;
}

export function containersRouter(svc: ContainerLifecycleBackend, queries: ContainerQueriesBackend): Router {
  const r = Router();
  const json = express.json({ limit: '10mb', strict: false, type: () => true });
  const id = (req: express.Request) => req.params.id ?? '';

  r.post('/containers/create', json, asyncHandler(async (req, res) => {
    const name = qstr(req, 'name');
    res.status(201).json(await svc.create(name || undefined, req.body ?? {}));
  }));

  r.get('/containers/json', asyncHandler(async (req, res) => {
    res.json(await queries.list({ all: qbool(req, 'all'), limit: qint(req, 'limit'), size: qbool(req, 'size'), filters: qstr(req, 'filters') }));
  }));

  r.post('/containers/prune', asyncHandler(async (req, res) => {
    res.json(await queries.prune(qstr(req, 'filters')));
  }));

  r.get('/containers/:id/json', asyncHandler(async (req, res) => {
    res.json(await queries.inspect(id(req), qbool(req, 'size')));
  }));

  r.post('/containers/:id/start', asyncHandler(async (req, res) => {
    await svc.start(id(req));
    res.status(204).end();
  }));

  r.post('/containers/:id/stop', asyncHandler(async (req, res) => {
    await svc.stop(id(req), qint(req, 't'), qstr(req, 'signal'));
    res.status(204).end();
  }));

  r.post('/containers/:id/restart', asyncHandler(async (req, res) => {
    await svc.restart(id(req), qint(req, 't'), qstr(req, 'signal'));
    res.status(204).end();
  }));

  r.post('/containers/:id/kill', asyncHandler(async (req, res) => {
    await svc.kill(id(req), qstr(req, 'signal') || 'SIGKILL');
    res.status(204).end();
  }));

  r.post('/containers/:id/wait', asyncHandler(async (req, res) => {
    const result = svc.wait(id(req), qstr(req, 'condition'));
    // The CLI waits for these headers before it starts the container.
    res.status(200).setHeader('Content-Type', 'application/json');
    res.flushHeaders();
    res.end(JSON.stringify(await result) + '\n');
  }));

  r.delete('/containers/:id', asyncHandler(async (req, res) => {
    if (qbool(req, 'link')) throw invalid('links are not supported by berth');
    await svc.remove(id(req), qbool(req, 'force'), qbool(req, 'v'));
    res.status(204).end();
  }));

  r.post('/containers/:id/rename', asyncHandler(async (req, res) => {
    await svc.rename(id(req), qstr(req, 'name') ?? '');
    res.status(204).end();
  }));

  r.post('/containers/:id/pause', asyncHandler(async (req, res) => {
    await svc.pause(id(req));
    res.status(204).end();
  }));

  r.post('/containers/:id/unpause', asyncHandler(async (req, res) => {
    await svc.unpause(id(req));
    res.status(204).end();
  }));

  r.post('/containers/:id/resize', asyncHandler(async (req, res) => {
    const h = qint(req, 'h') ?? 0;
    const w = qint(req, 'w') ?? 0;
    await svc.resize(id(req), h, w);
    res.status(200).end();
  }));

  r.get('/containers/:id/top', asyncHandler(async (req, res) => {
    res.json(await queries.top(id(req), qstr(req, 'ps_args')));
  }));

  r.get('/containers/:id/changes', asyncHandler(async (req, res) => {
    res.json(await queries.diff(id(req)));
  }));

  r.get('/containers/:id/export', asyncHandler(async (req, res) => {
    const tar = queries.export(id(req));
    res.status(200).setHeader('Content-Type', 'application/x-tar');
    tar.on('error', (err) => res.destroy(err));
    tar.pipe(res);
  }));

  r.get('/containers/:id/logs', asyncHandler((req, res) => logsHandler(svc, req, res)));
  r.post('/containers/:id/attach', asyncHandler((req, res) => attachPlain(svc, req, res)));
  return r;
}
