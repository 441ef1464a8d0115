/**
 * The build service: one POST /build from body to tagged image. Receives the context into
 * `<data-root>/tmp/build-*`, parses the Dockerfile, runs the stages (stages.ts) and only then
 * tags, so a build that fails or is cancelled halfway tags nothing and changes no existing
 * name; the intermediate images it made are plain cache entries. Scratch space is removed at
 * the end, whatever happens.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { invalid } from '../errors';
import { shortId } from '../oci/digest';
import { formatPlatform, hostPlatform, parsePlatform } from '../oci/platform';
import { formatReference, parseReference, Reference, withDefaultTag } from '../oci/reference';
import type { Stores } from '../store/stores';
import { BuildCache } from './cache';
import { receiveContext } from './context';
import { parseDockerfile } from '../dockerfile/parse';
import { StagesRunner } from './stages';
import type { BuildOptions, BuildOutput, BuildResult, PullFn, RunStepFn } from './types';

export class BuildService {
  readonly cache: BuildCache;

  constructor(
    private readonly stores: Stores,
    private readonly deps: { pull?: PullFn; runStep?: RunStepFn } = {},
  ) {
    this.cache = new BuildCache(stores);
  }

  /**
   * Runs a build. Progress goes to `out`; the result is returned (and the final lines printed).
   * Throws BerthError (InvalidParameter for Dockerfile and context errors).
   */
  async build(body: Readable, opts: BuildOptions, out: BuildOutput, signal: AbortSignal): Promise<BuildResult> {
    const tags: Reference[] = opts.tags.map((t) => {
      const ref = withDefaultTag(parseReference(t));
      if (ref.digest) throw invalid(`invalid tag "${t}": a build cannot be tagged with a digest`);
      return ref;
    });
    const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
    // Scratch space, made by the first step that writes there (a fully cached rebuild of a
    // small context writes nothing): removed at the end whatever happens.
    const work = path.join(this.stores.paths.tmp, `build-${randomBytes(6).toString('hex')}`);
    try {
      const ctx = await receiveContext(body, path.join(work, 'context'), opts.dockerfile);
      const df = parseDockerfile(ctx.dockerfile);
      const quietOut: BuildOutput = opts.quiet ? { stream: () => undefined, aux: () => undefined, progress: () => undefined } : out;
      const runner = new StagesRunner({
        stores: this.stores,
        cache: this.cache,
        out: quietOut,
        opts,
        platform,
        platformKey: formatPlatform(platform),
        noCache: opts.noCache,
        rm: opts.rm,
        forceRm: opts.forceRm,
        context: ctx.tree,
        pull: this.deps.pull,
        runStep: this.deps.runStep,
        signal,
        tmpDir: work,
      });
      const image = await runner.run(df);
      if (!image.id) throw invalid('No image was generated. Is your Dockerfile empty?');
      const unused = runner.unusedArgs();
      if (unused.length > 0) quietOut.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
      if (signal.aborted) throw invalid('the build was cancelled');
      for (const ref of tags) await this.stores.refs.set(ref, image.id);
      if (opts.quiet) {
        out.stream(`${image.id}\n`);
      } else {
        out.stream(`Successfully built ${shortId(image.id)}\n`);
        for (const ref of tags) out.stream(`Successfully tagged ${formatReference(ref)}\n`);
      }
      return { id: image.id, tags: tags.map(formatReference) };
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
}
