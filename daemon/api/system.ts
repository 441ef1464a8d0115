/**
 * System endpoints: /_ping (GET and HEAD), /version. /info, /system/df and /events live with
 * their owners and are added as those land.
 */
import { Router } from 'express';
import * as os from 'node:os';
import { API_VERSION, MIN_API_VERSION } from './version';
import { BERTH_VERSION } from '../version-info';

export function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}

export function versionBody(): Record<string, unknown> {
  return {
    Platform: { Name: 'berth' },
    Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch(), KernelVersion: os.release() } }],
    Version: BERTH_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: 'berth',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: os.release(),
    BuildTime: new Date(0).toISOString(),
  };
}

export function systemRouter(): Router {
  const r = Router();
  const ping = (res: import('express').Response, body: boolean) => {
    res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Builder-Version', '1');
    res.setHeader('Swarm', 'inactive');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (body) res.send('OK');
    else res.setHeader('Content-Length', '0').end();
  };
  r.get('/_ping', (_req, res) => ping(res, true));
  r.head('/_ping', (_req, res) => ping(res, false));
  r.get('/version', (_req, res) => {
    res.json(versionBody());
  });
  return r;
}
