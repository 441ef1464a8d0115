/**
 * Moving images as files: GET /images/get?names=… and GET /images/{name}/get (docker save →
 * application/x-tar), POST /images/load?quiet= (docker load → JSON stream of "Loaded image"
 * lines), POST /images/create?fromSrc=-|URL&repo=&tag=&changes=&message= (docker import →
 * `{"status":"sha256:…"}`). Failures before any byte is sent are plain HTTP errors.
 */
import { Request, Response, Router } from 'express';
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../oci/digest';
import type { ImportOptions } from '../images/import';
import type { LoadedImage } from '../images/load';
import { asyncHandler } from './errors';
import { JsonStream } from './json-stream';

export interface ArchiveBackend {
  /** Resolves names and prepares; returns a writer that streams the tar. */
  save(names: string[]): Promise<{ write(out: Writable): Promise<void>; close(): Promise<void> }>;
  load(body: Readable): Promise<LoadedImage[]>;
  importImage(body: Readable, opts: ImportOptions): Promise<Digest>;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

function one(v: unknown): string | undefined {
  const l = list(v);
  return l[l.length - 1];
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
  r.get('/images/get', asyncHandler(async (req, res) => sendSave(backend, list(req.query.names), res)));
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
      const loaded = await backend.load(req);
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
      const src = one(req.query.fromSrc);
      if (src === undefined) {
        res.status(400).json({ message: 'either fromImage or fromSrc is required' });
        return;
      }
      const id = await backend.importImage(req, {
        src,
        repo: one(req.query.repo),
        tag: one(req.query.tag),
        changes: list(req.query.changes),
        message: one(req.query.message),
        platform: one(req.query.platform),
      });
      const stream = new JsonStream(res);
      stream.write({ status: id });
      stream.end();
    }),
  );
  return r;
}
