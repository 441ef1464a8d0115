/**
 * POST /build (the legacy builder's endpoint; `DOCKER_BUILDKIT=0 docker build`, docker-py,
 * dockerode): query parameters → BuildOptions, X-Registry-Config → credentials per registry,
 * body = the context tar (streamed, any compression). The reply is a JSON stream; until the
 * first line is written a failure (bad Dockerfile, bad tag) is a plain HTTP error, afterwards
 * it goes in-band with `errorDetail.code` (a failing RUN's exit code). A client that hangs up
 * cancels the build.
 */
import { Request, Router } from 'express';
import type { BuildOptions, BuildOutput, BuildResult } from '../build/types';
import type { Readable } from 'node:stream';
import { invalid } from '../errors';
import { authConfigFromJson, AuthConfig } from '../registry';
import { asyncHandler } from './errors';
import { JsonStream } from './json-stream';
import { qbool, qlist, qopt } from './query';

export interface BuildBackend {
  build(body: Readable, opts: BuildOptions, out: BuildOutput, signal: AbortSignal): Promise<BuildResult>;
}

function jsonMap(s: string | undefined, what: string): Record<string, string | null> {
  if (!s) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    throw invalid(`invalid ${what}: not JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`invalid ${what}: expected a JSON object`);
  const out: Record<string, string | null> = {};
  for (const [k, val] of Object.entries(parsed as Record<string, unknown>)) {
    if (val !== null && typeof val !== 'string') throw invalid(`invalid ${what}: the value of ${k} is not a string`);
    out[k] = val;
  }
  return out;
}

function registryConfig(header: string | string[] | undefined): Record<string, AuthConfig> {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return {};
  try {
    const parsed = JSON.parse(Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const out: Record<string, AuthConfig> = {};
    for (const [host, cfg] of Object.entries(parsed as Record<string, unknown>)) {
      if (cfg && typeof cfg === 'object') out[host] = authConfigFromJson(cfg as Record<string, unknown>);
    }
    return out;
  } catch {
    throw invalid('invalid X-Registry-Config header: expected base64-encoded JSON');
  }
}

export function parseBuildOptions(req: Request): BuildOptions {
  const q = req;
  if (qopt(q, 'remote')) throw invalid('remote build contexts (remote=) are not supported by berth; send the context as the request body');
  const labels = jsonMap(qopt(q, 'labels'), 'labels');
  return {
    tags: qlist(q, 't'),
    dockerfile: qopt(q, 'dockerfile') ?? 'Dockerfile',
    buildArgs: jsonMap(qopt(q, 'buildargs'), 'buildargs'),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ''])),
    target: qopt(q, 'target'),
    noCache: qbool(q, 'nocache'),
    pull: qbool(q, 'pull'),
    quiet: qbool(q, 'q'),
    rm: qbool(q, 'rm', true),
    forceRm: qbool(q, 'forcerm'),
    platform: qopt(q, 'platform'),
    auth: registryConfig(req.headers['x-registry-config']),
  };
}

export function buildRouter(backend: BuildBackend): Router {
  const r = Router();
  r.post(
    '/build',
    asyncHandler(async (req, res) => {
      const opts = parseBuildOptions(req);
      const stream = new JsonStream(res);
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const out: BuildOutput = {
        stream: (text) => stream.write({ stream: text }),
        aux: (value) => stream.write({ aux: value }),
        progress: (msg) => stream.write(msg),
      };
      try {
        await backend.build(req, opts, out, abort.signal);
      } catch (err) {
        if (!res.headersSent) throw err;
        const message = err instanceof Error ? err.message : String(err);
        // A failed RUN carries its exit code (build/steps.ts StepFailed).
        const code = (err as { exitCode?: unknown }).exitCode;
        stream.write({ errorDetail: { ...(typeof code === 'number' ? { code } : {}), message }, error: message });
      }
      stream.end();
    }),
  );
  return r;
}
