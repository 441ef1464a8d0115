/**
 * POST /images/create?fromImage=&tag=&platform= (docker pull) with X-Registry-Auth. The reply
 * is a JSON stream; nothing is written until the service's first message, so a failure before
 * it (unknown tag, registry down, bad credentials) is a plain HTTP error the docker CLI prints
 * as `Error response from daemon: ...`; later failures go in-band. `fromSrc` (import) is not
 * ours: the request passes on to the next router.
 */
import { Router } from 'express';
import { BerthError } from '../errors';
import type { PullRequest, PullResult } from '../images/pull';
import type { ProgressSink } from '../images/pull-progress';
import { parseRegistryAuthHeader } from '../registry';
import { JsonStream } from './json-stream';
import { qopt } from './query';

export interface PullBackend {
  pull(req: PullRequest, sink: ProgressSink): Promise<PullResult>;
}

/**
 * A registry's refusal (401) before the stream starts is a 500, as dockerd answers pull and
 * push: a 401 status makes the docker CLI prompt "Login prior to pull" and wait for a username
 * on stdin (forever, in a script), and docker-py reports it as a client error. Only POST /auth
 * (login) answers 401.
 */
export function asStreamStartError(err: unknown): unknown {
  if (err instanceof BerthError && err.kind === 'Unauthorized') return new BerthError('System', err.message, { cause: err });
  return err;
}

export function imagesPullRouter(backend: PullBackend): Router {
  const r = Router();
  r.post('/images/create', (req, res, next) => {
    const fromImage = qopt(req, 'fromImage');
    if (fromImage === undefined) {
      next();
      return;
    }
    const run = async () => {
      const auth = parseRegistryAuthHeader(req.headers['x-registry-auth']);
      const stream = new JsonStream(res);
      try {
        await backend.pull({ image: fromImage, tag: qopt(req, 'tag'), platform: qopt(req, 'platform'), auth }, stream.sink);
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
