/**
 * Executing one instruction of a stage with the cache: a step is skipped (` ---> Using cache`)
 * when an image exists with the same parent and the same history line (after substitution;
 * with the content checksum for COPY/ADD and the build args for RUN). Otherwise metadata steps
 * commit a new config, COPY/ADD fill a fresh layer directory, and RUN runs the command in a
 * container from the current image and stores the container's changes as the layer.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BerthError, invalid, notImplemented } from '../errors';
import { shortId } from '../oci/digest';
import { commitDirAsLayer } from '../layers/commit';
import { loadImage } from '../store/lookup';
import type { Stores } from '../store/stores';
import { BuildCache } from './cache';
import { argDefs, commandLine } from '../dockerfile/evaluate';
import type { Instruction } from '../dockerfile/parse';
import { planCopy, CopyEnv } from './copy-step';
import { applyMeta, META_KEYWORDS, nopLine } from '../dockerfile/meta';
import { StageImage, StageState } from '../dockerfile/stage';
import { commitStep, StepCommit } from './state';
import type { BuildOutput, RunStepFn } from './types';

/** A RUN that exited non-zero: the message is Docker's, the exit code goes into errorDetail. */
export class StepFailed extends BerthError {
  constructor(message: string, readonly exitCode: number) {
    super('InvalidParameter', message, { code: 'BUILD_STEP_FAILED' });
  }
}

export interface StepEnv {
  stores: Stores;
  cache: BuildCache;
  out: BuildOutput;
  noCache: boolean;
  rm: boolean;
  forceRm: boolean;
  platformKey: string;
  escape: string;
  copyEnv: (state: StageState) => CopyEnv;
  runStep?: RunStepFn;
  signal: AbortSignal;
  tmpDir: string;
  /** Records the value an ARG takes (build args override defaults). */
  argValue(name: string, dflt: string | undefined): string | undefined;
}

export async function imageOf(stores: Stores, id: StageImage['id'] & string): Promise<StageImage> {
  const { record, config } = await loadImage(stores, id);
  return { id, config, layers: record.layers };
}

/** Looks the step up in the cache, else produces and commits it. */
async function cached(env: StepEnv, state: StageState, createdBy: string, produce: () => Promise<StepCommit>): Promise<void> {
  const key = BuildCache.keyOf(state.image.id, createdBy, env.platformKey);
  if (!env.noCache) {
    const hit = await env.cache.lookup(key);
    if (hit) {
      env.out.stream(' ---> Using cache\n');
      state.image = await imageOf(env.stores, hit);
      return;
    }
  }
  const step = await produce();
  state.image = await commitStep(env.stores, state.image, step);
  await env.cache.record(key, state.image.id as NonNullable<StageImage['id']>);
}

function fakeContainerId(): string {
  return randomBytes(32).toString('hex');
}

export async function dispatch(env: StepEnv, state: StageState, ins: Instruction): Promise<void> {
  if (env.signal.aborted) throw invalid('the build was cancelled');
  if (ins.keyword === 'ARG') {
    for (const d of argDefs(ins, state.lookup(), env.escape)) state.args.set(d.name, env.argValue(d.name, d.value));
  }
  if (META_KEYWORDS.has(ins.keyword)) {
    const meta = applyMeta(ins, state, env.escape);
    return cached(env, state, nopLine(state.shell, meta.comment), async () => {
      // The legacy builder commits metadata steps through a container; its output shows one.
      const cid = fakeContainerId();
      env.out.stream(` ---> Running in ${shortId(cid)}\n`);
      if (env.rm) env.out.stream(`Removing intermediate container ${shortId(cid)}\n`);
      return { cc: meta.cc, createdBy: nopLine(state.shell, meta.comment), author: meta.author };
    });
  }
  if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
    const plan = await planCopy(ins, state, env.copyEnv(state));
    return cached(env, state, plan.createdBy, async () => {
      const dir = path.join(env.tmpDir, `layer-${randomBytes(6).toString('hex')}`);
      await fs.mkdir(dir, { recursive: true }); // the build's scratch dir too, on first use
      try {
        await plan.execute(dir);
        const parent = state.image.layers[state.image.layers.length - 1]?.chainId;
        const layer = await commitDirAsLayer(env.stores, dir, parent, { move: true, xattrs: false });
        return { cc: state.cc, createdBy: plan.createdBy, layer };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }
  if (ins.keyword === 'RUN') return runStep(env, state, ins);
  throw invalid(`unknown instruction: ${ins.keyword}`);
}

async function runStep(env: StepEnv, state: StageState, ins: Instruction): Promise<void> {
  const cmd = commandLine(ins, state.shell);
  const argEnv = state.argEnv();
  const createdBy = argEnv.length > 0 ? `|${argEnv.length} ${argEnv.join(' ')} ${cmd.join(' ')}` : cmd.join(' ');
  return cached(env, state, createdBy, async () => {
    if (!env.runStep) throw notImplemented('RUN needs a container runtime, and this berthd has none configured');
    if (!state.image.id) throw invalid('RUN cannot run on an empty image: FROM scratch has no shell or programs (add files first)');
    let shownId: string | undefined;
    const res = await env.runStep({
      imageId: state.image.id,
      cmd,
      env: [...(state.cc.Env ?? []), ...argEnv],
      user: state.cc.User ?? '',
      workdir: state.cc.WorkingDir || '/',
      output: (chunk) => env.out.stream(chunk.toString('utf8')),
      signal: env.signal,
      onContainer: (id) => {
        shownId = id;
        env.out.stream(` ---> Running in ${shortId(id)}\n`);
      },
    });
    if (!shownId) env.out.stream(` ---> Running in ${shortId(res.containerId)}\n`);
    if (res.exitCode !== 0) {
      if (env.forceRm) await res.remove().catch(() => undefined);
      throw new StepFailed(`The command '${cmd.join(' ')}' returned a non-zero code: ${res.exitCode}`, res.exitCode);
    }
    try {
      const parent = state.image.layers[state.image.layers.length - 1]?.chainId;
      const layer = await commitDirAsLayer(env.stores, res.upperDir, parent, { move: false, xattrs: true, skipPlaceholders: true });
      return { cc: state.cc, createdBy, layer };
    } finally {
      if (env.rm || env.forceRm) {
        await res.remove().catch(() => undefined);
        env.out.stream(`Removing intermediate container ${shortId(res.containerId)}\n`);
      }
    }
  });
}
