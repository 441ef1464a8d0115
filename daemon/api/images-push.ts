/**
 * POST /images/{name}/push?tag= (docker push) with X-Registry-Auth: a JSON stream of Docker's
 * push progress. Failures before the first message (no such local image, registry down,
 * refused credentials — a 500, not a 401, see asStreamStartError) are HTTP errors; later ones
 * go in-band.
 */
import { Router } from 'express';
import type { PushRequest, PushResult } from '../images/push';
import type { ProgressSink } from '../images/pull-progress';
import { parseRegistryAuthHeader } from '../registry';
import { asStreamStartError } from './images-pull';
import { JsonStream } from './json-stream';
import { qopt } from './query';

export interface PushBackend {
  push(req: PushRequest, sink: ProgressSink): Promise<PushResult[]>;
}

export function imagesPushRouter(backend: PushBackend): Router {
  const r = Router();
  r.post(/^\/images\/(.+)\/push$/, (req, res, next) => {
    const run = async () => {
      const name = decodeURIComponent(String((req.params as Record<string, string>)[0] ?? ''));
      const auth = parseRegistryAuthHeader(req.headers['x-registry-auth']);
      const stream = new JsonStream(res);
      try {
        await backend.push({ name, tag: qopt(req, 'tag'), auth }, stream.sink);
      } catch (err) {
        if (!res.headersSent) throw asStreamStartError(err);
        stream.error(err);
      }
      stream.end();
    };
    run().catch(next);
  });
  return r;
}
