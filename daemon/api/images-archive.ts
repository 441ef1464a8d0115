/**
 * Moving images as files: GET /images/get?names=… and GET /images/{name}/get (docker save →
 * application/x-tar), POST /images/load?quiet= (docker load → JSON stream of "Loaded image"
 * lines), POST /images/create?fromSrc=-|URL&repo=&tag=&changes=&message= (docker import →
 * `{"status":"sha256:…"}`). Failures before any byte is sent are plain HTTP errors.
 */
import { Request, Response, Router } from 'express';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { Digest } from '../oci/digest';
import type { ImportOptions } from '../images/import';
import type { LoadedImage } from '../images/load';
import { asyncHandler } from './errors';
import { JsonStream } from './json-stream';
import { qlist, qopt } from './query';

export interface ArchiveBackend {
  /** Resolves names and prepares; returns a writer that streams the tar. */
  save(names: string[]): Promise<{ write(out: Writable): Promise<void>; close(): Promise<void> }>;
  load(body: Readable): Promise<LoadedImage[]>;
  importImage(body: Readable, opts: ImportOptions): Promise<Digest>;
}

async function sendSave(backend: ArchiveBackend, names: string[], res: Response): Promise<void> {
  const job = await backend.save(names);
  try {
    res.status(200);
    res.setHeader('Content-Type', 'application/x-tar');
    await job.write(res);
    res.end();
  } finally {
    await job.close();
  }
}

export function imagesArchiveRouter(backend: ArchiveBackend): Router {
  const r = Router();
  r.get('/images/get', asyncHandler(async (req, res) => sendSave(backend, qlist(req, 'names'), res)));
  r.get(
    /^\/images\/(.+)\/get$/,
    asyncHandler(async (req: Request, res) => {
      const name = decodeURIComponent(String((req.params as Record<string, string>)[0] ?? ''));
      await sendSave(backend, [name], res);
    }),
  );
  r.post(
    '/images/load',
    asyncHandler(async (req, res) => {
      // The service may stop reading at an error (disk full, a bad archive) and destroy what it
      // reads, while the client is still sending: it gets a stream of its own, and the rest of
      // the request is drained, so the error answer reaches the client, not a broken pipe.
      const body = new PassThrough();
      req.pipe(body);
      // A client that goes away still ends the load (and its partial blobs) at once.
      req.on('error', (err) => body.destroy(err));
      req.on('close', () => {
        if (!req.complete) body.destroy(new Error('the client closed the connection during the load'));
      });
      const loaded = await backend.load(body).catch((err: unknown) => {
        req.unpipe(body);
        req.resume();
        throw err;
      });
      const stream = new JsonStream(res);
      for (const img of loaded) {
        if (img.tags.length === 0) stream.write({ stream: `Loaded image ID: ${img.id}\n` });
        for (const t of img.tags) stream.write({ stream: `Loaded image: ${t}\n` });
      }
      stream.end();
    }),
  );
  r.post(
    '/images/create',
    asyncHandler(async (req, res) => {
      const src = qopt(req, 'fromSrc');
      if (src === undefined) {
        res.status(400).json({ message: 'either fromImage or fromSrc is required' });
        return;
      }
      const id = await backend.importImage(req, {
        src,
        repo: qopt(req, 'repo'),
        tag: qopt(req, 'tag'),
        changes: qlist(req, 'changes'),
        message: qopt(req, 'message'),
        platform: qopt(req, 'platform'),
      });
      const stream = new JsonStream(res);
      stream.write({ status: id });
      stream.end();
    }),
  );
  return r;
}
