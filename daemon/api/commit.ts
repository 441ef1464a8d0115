/**
 * POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes= with an optional
 * container Config body → 201 {"Id": "sha256:…"} (docker commit).
 */
import express, { Router } from 'express';
import type { Digest } from '../oci/digest';
import type { CommitOptions } from '../images/commit';
import type { ContainerConfig } from '../oci/types';
import { invalid } from '../errors';
import { asyncHandler } from './errors';

export interface CommitBackend {
  commit(container: string, opts: CommitOptions): Promise<Digest>;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

const one = (v: unknown): string | undefined => list(v).pop();

export function commitRouter(backend: CommitBackend): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', strict: false, type: () => true });
  r.post(
    '/commit',
    json,
    asyncHandler(async (req, res) => {
      const container = one(req.query.container);
      if (!container) throw invalid('the container parameter is required');
      const body: unknown = req.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw invalid('the commit body must be a container config object');
      const pause = one(req.query.pause);
      const id = await backend.commit(container, {
        repo: one(req.query.repo),
        tag: one(req.query.tag),
        comment: one(req.query.comment),
        author: one(req.query.author),
        changes: list(req.query.changes),
        config: (body ?? undefined) as ContainerConfig | undefined,
        pause: pause === undefined ? true : pause === '1' || pause.toLowerCase() === 'true',
      });
      res.status(201).json({ Id: id });
    }),
  );
  return r;
}
