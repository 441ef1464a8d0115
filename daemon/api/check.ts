/**
 * berth's extension of the Engine API for `system check` (documented in the README):
 *   GET  /berth/v1/system/check             checks the store and the host leftovers, changes nothing
 *   POST /berth/v1/system/check?repair=1    checks and repairs what it can
 * Both answer the report (store/check-report.ts) with 200, whatever it found: a damaged store
 * is the answer to the question, not a failure of the request.
 */
import { Router } from 'express';
import type { StoreChecker } from '../store/check';
import { asyncHandler } from './errors';
import { qbool } from './query';

export function checkRouter(checker: Pick<StoreChecker, 'run'>): Router {
  const r = Router();
  r.get(
    '/berth/v1/system/check',
    asyncHandler(async (_req, res) => {
      res.json(await checker.run({ repair: false }));
    }),
  );
  r.post(
    '/berth/v1/system/check',
    asyncHandler(async (req, res) => {
      res.json(await checker.run({ repair: qbool(req, 'repair') }));
    }),
  );
  return r;
}
