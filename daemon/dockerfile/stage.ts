/**
 * What a build stage carries from step to step: the current image (id, config, layers), the
 * ARGs declared in the stage, the SHELL, and the variables substitution sees. Pure data: the
 * builder commits steps (build/state.ts), commit and import apply `--change` lines to it.
 */
import { Digest } from '../oci/digest';
import { ContainerConfig, ImageConfig } from '../oci/types';
import { PlatformSpec } from '../oci/platform';
import type { ImageLayerRef } from '../store/images';
import { Lookup } from './shell-lex';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface StageImage {
  /** Undefined for `FROM scratch` before any step. */
  id?: Digest;
  config: ImageConfig;
  layers: ImageLayerRef[];
}

export class StageState {
  /** ARGs declared in this stage → their value (undefined when declared without one). */
  readonly args = new Map<string, string | undefined>();
  /** Set once CMD was given in this stage (ENTRYPOINT then keeps it). */
  cmdSet = false;

  constructor(public image: StageImage) {}

  get cc(): ContainerConfig {
    return this.image.config.config ?? {};
  }

  get shell(): string[] {
    return this.cc.Shell && this.cc.Shell.length > 0 ? this.cc.Shell : DEFAULT_SHELL;
  }

  envMap(): Map<string, string> {
    const m = new Map<string, string>();
    for (const kv of this.cc.Env ?? []) {
      const eq = kv.indexOf('=');
      if (eq > 0) m.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    return m;
  }

  /** Substitution sees ENV first (it overrides ARG of the same name), then the stage's ARGs. */
  lookup(): Lookup {
    const env = this.envMap();
    return (name) => env.get(name) ?? this.args.get(name);
  }

  /** ARG values with a value, as `k=v`, sorted: RUN gets them as env and in its history line. */
  argEnv(): string[] {
    const env = this.envMap();
    return [...this.args.entries()]
      .filter(([k, v]) => v !== undefined && !env.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  }
}

/** The config of `FROM scratch`. */
export function scratchConfig(platform: PlatformSpec): ImageConfig {
  return {
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: { Env: [DEFAULT_PATH_ENV] },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
}
