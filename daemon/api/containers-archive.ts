/**
 * HEAD | GET | PUT /containers/{id}/archive (docker cp, docker-py get/put_archive, dockerode
 * getArchive/putArchive): the stat goes in the X-Docker-Container-Path-Stat header; GET
 * streams a tar; PUT takes the raw request body as a tar. Handlers parse parameters and call
 * the backend; nothing else.
 */
import { Router, type Request, type Response } from 'express';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asyncHandler } from './errors';
import { qbool, qstr } from './query';

export interface ArchiveBackend {
  stat(ref: string, path: string | undefined): Promise<string>;
  get(ref: string, path: string | undefined, send: (stat: string, tar: Readable) => Promise<void>): Promise<void>;
  put(ref: string, path: string | undefined, tar: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void>;
}

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

export function containersArchiveRouter(b: ArchiveBackend): Router {
  const r = Router();
  const id = (req: Request) => req.params.id ?? '';
  r.head('/containers/:id/archive', asyncHandler(async (req: Request, res: Response) => {
    res.setHeader(STAT_HEADER, await b.stat(id(req), qstr(req, 'path')));
    res.status(200).end();
  }));
  r.get('/containers/:id/archive', asyncHandler(async (req: Request, res: Response) => {
    await b.get(id(req), qstr(req, 'path'), async (stat, tar) => {
      res.setHeader(STAT_HEADER, stat);
      res.setHeader('Content-Type', 'application/x-tar');
      res.status(200);
      // After the headers an error can only cut the stream: the client sees a short tar.
      await pipeline(tar, res).catch(() => res.destroy());
    });
  }));
  r.put('/containers/:id/archive', asyncHandler(async (req: Request, res: Response) => {
    // The extractor destroys its input when it refuses the tar; that must not be the socket,
    // or the client would get no answer. What it did not read is drained before the reply.
    const body = new PassThrough();
    req.pipe(body);
    try {
      await b.put(id(req), qstr(req, 'path'), body, { noOverwriteDirNonDir: qbool(req, 'noOverwriteDirNonDir'), copyUIDGID: qbool(req, 'copyUIDGID') });
    } finally {
      req.unpipe(body);
      req.resume();
    }
    res.status(200).end();
  }));
  return r;
}
