/**
 * The image endpoints owned by the images service: GET /images/json, GET /images/search,
 * POST /images/prune, GET /images/{name}/json, GET /images/{name}/history,
 * POST /images/{name}/tag, DELETE /images/{name}. Names may contain slashes
 * (`localhost:5000/ns/x:1`), hence the regex routes. Pull, push, save and load are routed by
 * their own modules.
 */
import { Request, Response, Router } from 'express';
import type { ImagesService } from '../images/service';
import { parseFilters } from '../filters';
import { parseRegistryAuthHeader } from '../registry';
import { asyncHandler } from './errors';
import { qbool, qstr } from './query';

/** What the image routes need of the images service. */
export type ImagesBackend = Pick<ImagesService, 'list' | 'inspect' | 'tag' | 'remove' | 'history' | 'prune' | 'search'>;

const apiVersion = (res: Response): string => String(res.locals.apiVersion ?? '1.47');
const nameOf = (req: Request): string => decodeURIComponent(String((req.params as Record<string, string>)[0] ?? ''));

export function imagesRouter(images: ImagesBackend): Router {
  const r = Router();
  r.get(
    '/images/json',
    asyncHandler(async (req, res) => {
      const filters = parseFilters(qstr(req, 'filters'));
      // Old clients send filter=NAME (before API 1.28): a reference filter.
      const legacy = qstr(req, 'filter');
      const list = await images.list({ all: qbool(req, 'all'), filters: legacy ? parseFilters(JSON.stringify({ reference: [legacy] })) : filters, apiVersion: apiVersion(res), sharedSize: qbool(req, 'shared-size') });
      res.json(list);
    }),
  );
  r.get(
    '/images/search',
    asyncHandler(async (req, res) => {
      const limitText = qstr(req, 'limit');
      const limit = limitText ? Number(limitText) : 25;
      const creds = parseRegistryAuthHeader(req.headers['x-registry-auth']);
      res.json(await images.search(qstr(req, 'term') ?? '', limit, parseFilters(qstr(req, 'filters')), creds));
    }),
  );
  r.post(
    '/images/prune',
    asyncHandler(async (req, res) => {
      res.json(await images.prune(parseFilters(qstr(req, 'filters'))));
    }),
  );
  r.get(
    /^\/images\/(.+)\/json$/,
    asyncHandler(async (req, res) => {
      res.json(await images.inspect(nameOf(req), apiVersion(res)));
    }),
  );
  r.get(
    /^\/images\/(.+)\/history$/,
    asyncHandler(async (req, res) => {
      res.json(await images.history(nameOf(req)));
    }),
  );
  r.post(
    /^\/images\/(.+)\/tag$/,
    asyncHandler(async (req, res) => {
      await images.tag(nameOf(req), qstr(req, 'repo') ?? '', qstr(req, 'tag'));
      res.status(201).end();
    }),
  );
  r.delete(
    /^\/images\/(.+)$/,
    asyncHandler(async (req, res) => {
      res.json(await images.remove(nameOf(req), { force: qbool(req, 'force'), noprune: qbool(req, 'noprune') }));
    }),
  );
  return r;
}
