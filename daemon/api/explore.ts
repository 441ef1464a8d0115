/**
 * berth's extension of the Engine API for `image explore` (documented in the README):
 *   GET /berth/v1/images/{name}/layers[?tree=1][&limit=N]
 *       the per-layer report: instruction, size, added/modified/removed tallies, dive's
 *       efficiency figures, hidden and duplicated files; with tree=1 each layer's change tree.
 *   GET /berth/v1/images/{name}/layers/{n}/tree[?view=layer|image][&changes=1]
 *       the file tree of layer n's own changes (view=layer, the default) or of the image as
 *       it stands after layer n (view=image); changes=1 keeps only what layer n changed.
 * Names may contain slashes (`localhost:5000/ns/x:1`), hence the regex routes. The `/berth/v1`
 * prefix keeps these apart from Docker's paths; no Docker version prefix is involved.
 */
import { Request, Router } from 'express';
import { invalid } from '../errors';
import type { ExploreService } from '../images/explore';
import { qbool, qint, qopt } from './query';
import { asyncHandler } from './errors';

type Backend = Pick<ExploreService, 'report' | 'tree'>;

const params = (req: Request): string[] => Object.values(req.params as Record<string, string>);

export function exploreRouter(explore: Backend): Router {
  const r = Router();
  r.get(
    /^\/berth\/v1\/images\/(.+)\/layers$/,
    asyncHandler(async (req, res) => {
      const name = decodeURIComponent(params(req)[0] ?? '');
      res.json(await explore.report(name, { trees: qbool(req, 'tree'), limit: Math.max(0, qint(req, 'limit') ?? 100) }));
    }),
  );
  r.get(
    /^\/berth\/v1\/images\/(.+)\/layers\/(\d+)\/tree$/,
    asyncHandler(async (req, res) => {
      const [rawName, rawLayer] = params(req);
      const view = qopt(req, 'view') ?? 'layer';
      if (view !== 'layer' && view !== 'image') throw invalid(`view must be "layer" or "image", not "${view}"`);
      res.json(await explore.tree(decodeURIComponent(rawName ?? ''), Number(rawLayer), { view, changesOnly: qbool(req, 'changes') }));
    }),
  );
  return r;
}
