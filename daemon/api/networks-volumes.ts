/**
 * The network, volume and build-cache endpoints berth answers without having those features
 * yet, so that clients that list or prune them (`docker system prune`, `docker network ls`,
 * compose, Nomad's fingerprint) work. Networks: the three built-in modes berth supports
 * (bridge = a private network namespace with loopback only, host, none). Volumes and build
 * cache: always empty.
 */
import { Router } from 'express';
import { notFound } from '../errors';

const EPOCH = new Date(0).toISOString();

function network(name: string, driver: string): Record<string, unknown> {
  return {
    Name: name,
    Id: Buffer.from(name.padEnd(32, '0')).toString('hex').slice(0, 64),
    Created: EPOCH,
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

const NETWORKS = [network('bridge', 'bridge'), network('host', 'host'), network('none', 'null')];

export function networksVolumesRouter(): Router {
  const r = Router();
  r.get('/networks', (_req, res) => {
    res.json(NETWORKS);
  });
  r.get('/networks/:id', (req, res, next) => {
    const n = NETWORKS.find((x) => x.Name === req.params.id || String(x.Id).startsWith(req.params.id));
    if (!n) return next(notFound(`network ${req.params.id} not found`));
    res.json(n);
  });
  r.post('/networks/prune', (_req, res) => {
    res.json({ NetworksDeleted: [] });
  });
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
