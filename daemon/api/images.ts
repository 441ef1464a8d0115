/**
 * The image endpoints owned by the images service: GET /images/json, GET /images/search,
 * POST /images/prune, GET /images/{name}/json, GET /images/{name}/history,
 * POST /images/{name}/tag, DELETE /images/{name}. Names may contain slashes
 * (`localhost:5000/ns/x:1`), hence the regex routes. Pull, push, save and load are routed by
 * their own modules.
 */
import { Request, Response, Router } from 'express';
import type { ImagesService } from '../images/service';
import { parseFilters } from '../images/filters';
import { parseRegistryAuthHeader } from '../registry';
import { asyncHandler } from './errors';

type Backend = Pick<ImagesService, 'list' | 'inspect' | 'tag' | 'remove' | 'history' | 'prune' | 'search'>;

/** Docker's httputils.BoolValue: absent, "", "0", "no", "false", "none" are false. */
export function boolParam(v: unknown): boolean {
  const s = (Array.isArray(v) ? v[v.length - 1] : v) as string | undefined;
  if (s === undefined) return false;
  return !['', '0', 'no', 'false', 'none'].includes(String(s).trim().toLowerCase());
}

export function strParam(v: unknown): string | undefined {
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof s === 'string' ? s : undefined;
}

const apiVersion = (res: Response): string => String(res.locals.apiVersion ?? '1.47');
const nameOf = (req: Request): string => decodeURIComponent(String((req.params as Record<string, string>)[0] ?? ''));

export function imagesRouter(images: Backend): Router {
  const r = Router();
  r.get(
    '/images/json',
    asyncHandler(async (req, res) => {
      const filters = parseFilters(strParam(req.query.filters));
      // Old clients send filter=NAME (before API 1.28): a reference filter.
      const legacy = strParam(req.query.filter);
      const list = await images.list({ all: boolParam(req.query.all), filters: legacy ? parseFilters(JSON.stringify({ reference: [legacy] })) : filters, apiVersion: apiVersion(res), sharedSize: boolParam(req.query['shared-size']) });
      res.json(list);
    }),
  );
  r.get(
    '/images/search',
    asyncHandler(async (req, res) => {
      const limitText = strParam(req.query.limit);
      const limit = limitText ? Number(limitText) : 25;
      const creds = parseRegistryAuthHeader(req.headers['x-registry-auth']);
      res.json(await images.search(strParam(req.query.term) ?? '', limit, parseFilters(strParam(req.query.filters)), creds));
    }),
  );
  r.post(
    '/images/prune',
    asyncHandler(async (req, res) => {
      res.json(await images.prune(parseFilters(strParam(req.query.filters))));
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
      await images.tag(nameOf(req), strParam(req.query.repo) ?? '', strParam(req.query.tag));
      res.status(201).end();
    }),
  );
  r.delete(
    /^\/images\/(.+)$/,
    asyncHandler(async (req, res) => {
      res.json(await images.remove(nameOf(req), { force: boolParam(req.query.force), noprune: boolParam(req.query.noprune) }));
    }),
  );
  return r;
}
