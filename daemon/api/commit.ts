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
import { qbool, qlist, qopt } from './query';

export interface CommitBackend {
  commit(container: string, opts: CommitOptions): Promise<Digest>;
}

export function commitRouter(backend: CommitBackend): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', strict: false, type: () => true });
  r.post(
    '/commit',
    json,
    asyncHandler(async (req, res) => {
      const container = qopt(req, 'container');
      if (!container) throw invalid('the container parameter is required');
      const body: unknown = req.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw invalid('the commit body must be a container config object');
      const id = await backend.commit(container, {
        repo: qopt(req, 'repo'),
        tag: qopt(req, 'tag'),
        comment: qopt(req, 'comment'),
        author: qopt(req, 'author'),
        changes: qlist(req, 'changes'),
        config: (body ?? undefined) as ContainerConfig | undefined,
        pause: qbool(req, 'pause', true),
      });
      res.status(201).json({ Id: id });
    }),
  );
  return r;
}
