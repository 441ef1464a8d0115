/**
 * GET /info and GET /system/df in dockerd's shapes. The image half comes from the images
 * service; the container half from the injected ContainersView (zeros/empty until the
 * containers service provides one).
 */
import { Router } from 'express';
import { ContainersView, infoBody, InfoConfig } from '../info';
import type { ImagesService } from '../images/service';
import { asyncHandler } from './errors';

/** What /info and /system/df need of the images service. */
export type InfoImagesBackend = Pick<ImagesService, 'count' | 'diskUsage'>;

export function infoRouter(config: InfoConfig, images: InfoImagesBackend, containers: () => ContainersView, volumes: () => Promise<unknown[]> = async () => []): Router {
  const r = Router();
  r.get(
    '/info',
    asyncHandler(async (_req, res) => {
      res.json(await infoBody(config, await images.count(), await containers().counts()));
    }),
  );
  r.get(
    '/system/df',
    asyncHandler(async (_req, res) => {
      const apiVersion = String(res.locals.apiVersion ?? '1.47');
      const { LayersSize, Images } = await images.diskUsage(apiVersion);
      res.json({ LayersSize, Images, Containers: await containers().diskUsage(), Volumes: await volumes(), BuildCache: [], BuilderSize: 0 });
    }),
  );
  return r;
}
