/**
 * The volume and build-cache endpoints berth answers without having those features yet, so
 * that clients that list or prune them (`docker system prune`, compose, Nomad's fingerprint)
 * work: always empty. (Networks have their own router: api/networks.ts.)
 */
import { Router } from 'express';

export function networksVolumesRouter(): Router {
  const r = Router();
  r.get('/volumes', (_req, res) => {
    res.json({ Volumes: [], Warnings: [] });
  });
  r.post('/volumes/prune', (_req, res) => {
    res.json({ VolumesDeleted: [], SpaceReclaimed: 0 });
  });
  r.post('/build/prune', (_req, res) => {
    res.json({ CachesDeleted: [], SpaceReclaimed: 0 });
  });
  return r;
}
