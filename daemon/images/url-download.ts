/**
 * Downloading an http(s) URL into a file, following redirects: `docker import URL` and build
 * `ADD URL`. The name and mtime Docker gives an ADDed download come from the URL's last path
 * component and the Last-Modified header.
 */
import { createWriteStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { invalid } from '../errors';

export interface Download {
  file: string;
  name: string;
  mtime: number;
}

/** Downloads a URL into `toFile`; `name` is the last path component (for `dest/`). */
export async function download(url: string, toFile: string, redirects = 5): Promise<Download> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? https.get : http.get;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => get(u, resolve).on('error', reject)).catch((e: Error) => {
    throw invalid(`failed to download ${url}: ${e.message}`);
  });
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
    res.resume();
    return download(new URL(res.headers.location, u).toString(), toFile, redirects - 1);
  }
  if (status !== 200) {
    res.resume();
    throw invalid(`failed to download ${url}: the server answered HTTP ${status}`);
  }
  await pipeline(res, createWriteStream(toFile));
  const lm = res.headers['last-modified'];
  const mtime = lm && !Number.isNaN(Date.parse(lm)) ? Math.floor(Date.parse(lm) / 1000) : Math.floor(Date.now() / 1000);
  const name = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? '') || '__unnamed__';
  return { file: toFile, name, mtime };
}
