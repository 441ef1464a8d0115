/**
 * Running a parsed Dockerfile stage by stage, printing what the legacy builder prints
 * (`Step N/M : ...`, ` ---> <id>`, `# Executing N build triggers`, the aux ID per stage):
 * global ARGs for FROM lines, base images (scratch, an earlier stage, a local image, or a
 * pull), ONBUILD triggers of the base, `--target`, and `COPY --from` views of stages and images.
 */
import { BerthError, invalid, notFound, toBerthError } from '../errors';
import { Digest, shortId } from '../oci/digest';
import { PlatformSpec } from '../oci/platform';
import { resolveImageId } from '../store/lookup';
import type { Stores } from '../store/stores';
import { argDefs } from '../dockerfile/evaluate';
import { Dockerfile, Instruction, parseTrigger, Stage } from '../dockerfile/parse';
import { expandWord, Lookup } from '../dockerfile/shell-lex';
import { RootfsView } from './rootfs-view';
import type { SourceTree } from '../layers/source-tree';
import { scratchConfig, StageImage, StageState } from '../dockerfile/stage';
import { dispatch, imageOf, StepEnv, StepFailed } from './steps';
import type { BuildOptions, PullFn } from './types';

export interface StagesEnv extends Omit<StepEnv, 'copyEnv' | 'argValue' | 'escape'> {
  opts: BuildOptions;
  platform: PlatformSpec;
  context?: SourceTree;
  pull?: PullFn;
}

/** Build args that need no ARG declaration and are never reported as unused. */
const BUILTIN_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

export class StagesRunner {
  private step = 0;
  private total = 0;
  private readonly results = new Map<string, StageImage>();
  private readonly meta = new Map<string, string | undefined>();
  readonly usedArgs = new Set<string>();

  constructor(private readonly env: StagesEnv) {}

  private print(ins: Instruction): void {
    this.step++;
    this.env.out.stream(`Step ${this.step}/${this.total} : ${ins.original}`);
    this.env.out.stream('\n');
  }

  private argValue(name: string, dflt: string | undefined): string | undefined {
    const given = this.env.opts.buildArgs[name];
    if (Object.prototype.hasOwnProperty.call(this.env.opts.buildArgs, name)) this.usedArgs.add(name);
    if (given !== undefined && given !== null) return given;
    return dflt ?? this.meta.get(name);
  }

  private metaLookup(): Lookup {
    return (n) => this.meta.get(n);
  }

  /** Image id for a name: a local image, or pulled when missing (or always with --pull). */
  private async image(name: string, platform: string | undefined): Promise<Digest> {
    const local = this.env.opts.pull ? undefined : await resolveImageId(this.env.stores, name);
    if (local && (await this.env.stores.images.get(local))) return local;
    if (!this.env.pull) throw notFound(`No such image: ${name}`);
    return this.env.pull(name, platform, this.env.opts.auth, (m) => this.env.out.progress(m));
  }

  private viewOf(img: StageImage): RootfsView {
    return new RootfsView(img.layers.map((l) => this.env.stores.layers.diffDir(l.chainId)));
  }

  private async fromView(ref: string, current: number): Promise<RootfsView> {
    const byName = this.results.get(ref.toLowerCase());
    if (byName) return this.viewOf(byName);
    if (/^\d+$/.test(ref)) {
      const byIndex = this.results.get(`#${ref}`);
      if (!byIndex || Number(ref) >= current) throw invalid(`invalid from flag value ${ref}: refers to current or future build stage`);
      return this.viewOf(byIndex);
    }
    return this.viewOf(await imageOf(this.env.stores, await this.image(ref, this.env.opts.platform)));
  }

  private async base(stage: Stage): Promise<StageImage> {
    const words = stage.from.args.split(/\s+/);
    const name = expandWord(words[0] as string, this.metaLookup(), this.escape);
    if (name === '') throw new BerthError('InvalidParameter', `Dockerfile line ${stage.from.line}: base name (${words[0]}) should not be blank`, { code: 'DOCKERFILE_LINE' });
    const platformFlag = stage.from.flags.get('platform');
    const platform = platformFlag ? expandWord(platformFlag, this.metaLookup(), this.escape) : this.env.opts.platform;
    const earlier = this.results.get(name.toLowerCase());
    if (earlier) return earlier;
    if (name.toLowerCase() === 'scratch') return { config: scratchConfig(this.env.platform), layers: [] };
    return imageOf(this.env.stores, await this.image(name, platform));
  }

  private escape = '\\';

  async run(df: Dockerfile): Promise<StageImage> {
    this.escape = df.escape;
    let stages = df.stages;
    const target = this.env.opts.target;
    if (target) {
      const idx = stages.findIndex((s) => s.name === target.toLowerCase());
      if (idx < 0) throw invalid(`failed to reach build target ${target} in Dockerfile`);
      stages = stages.slice(0, idx + 1);
    }
    const labels = Object.entries(this.env.opts.labels);
    const extra: Instruction[] = [];
    if (labels.length > 0) {
      const args = labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
      extra.push({ keyword: 'LABEL', line: 0, original: `LABEL ${args}`, flags: new Map(), args });
    }
    this.total = df.metaArgs.length + stages.reduce((n, s) => n + 1 + s.commands.length, 0) + extra.length;
    for (const ins of df.metaArgs) {
      this.print(ins);
      for (const d of argDefs(ins, this.metaLookup(), this.escape)) this.meta.set(d.name, this.argValue(d.name, d.value));
    }
    let last: StageImage | undefined;
    for (const [i, stage] of stages.entries()) {
      const commands = i === stages.length - 1 ? [...stage.commands, ...extra] : stage.commands;
      last = await this.runStage(stage, commands);
      if (stage.name) this.results.set(stage.name, last);
      this.results.set(`#${stage.index}`, last);
    }
    return last as StageImage;
  }

  private async runStage(stage: Stage, commands: Instruction[]): Promise<StageImage> {
    this.print(stage.from);
    const state = new StageState(await this.base(stage));
    const env: StepEnv = {
      ...this.env,
      escape: this.escape,
      argValue: (n, d) => this.argValue(n, d),
      copyEnv: (s) => ({
        escape: this.escape,
        context: this.env.context,
        base: this.viewOf(s.image),
        fromView: (ref) => this.fromView(ref, stage.index),
        tmpDir: this.env.tmpDir,
      }),
    };
    const triggers = state.cc.OnBuild ?? [];
    if (triggers.length > 0) {
      this.env.out.stream(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      state.image = { ...state.image, config: { ...state.image.config, config: { ...state.cc, OnBuild: null } } };
      for (const t of triggers) await dispatch(env, state, parseTrigger(t, stage.from.line));
    }
    // As Docker: the FROM step's ` ---> id` is the image after its ONBUILD triggers ran.
    this.env.out.stream(` ---> ${state.image.id ? shortId(state.image.id) : ''}\n`);
    for (const ins of commands) {
      this.print(ins);
      try {
        await dispatch(env, state, ins);
      } catch (err) {
        throw withLine(err, ins);
      }
      this.env.out.stream(` ---> ${state.image.id ? shortId(state.image.id) : ''}\n`);
    }
    if (state.image.id) this.env.out.aux({ ID: state.image.id });
    return state.image;
  }

  /** Build args given but never declared: Docker warns about them. */
  unusedArgs(): string[] {
    return Object.keys(this.env.opts.buildArgs).filter((k) => !this.usedArgs.has(k) && !BUILTIN_ARGS.has(k)).sort();
  }
}

/**
 * Adds the Dockerfile line to an instruction's error, keeping its kind and code (RUN's exit
 * message stays Docker's; an error that already names its line, code DOCKERFILE_LINE, stays).
 */
function withLine(err: unknown, ins: Instruction): unknown {
  if (!(err instanceof Error) || err instanceof StepFailed || ins.line === 0) return err;
  const e = toBerthError(err);
  if (e.code === 'DOCKERFILE_LINE') return e;
  return new BerthError(e.kind, `Dockerfile line ${ins.line}: ${e.message}`, { cause: err, code: e.code });
}
