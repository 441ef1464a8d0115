/**
 * The build-cache endpoint berth answers without having that feature yet, so that clients
 * that prune it (`docker system prune`) work: always empty. (Networks and volumes have their
 * own routers: api/networks.ts, api/volumes.ts.)
 */
import { Router } from 'express';

export function networksVolumesRouter(): Router {
  const r = Router();
  r.post('/build/prune', (_req, res) => {
    res.json({ CachesDeleted: [], SpaceReclaimed: 0 });
  });
  return r;
}
