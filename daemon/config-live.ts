/**
 * The running configuration, reloadable on SIGHUP. `live.config` is a Config whose RELOADABLE
 * fields are getters over the current settings, so every service that reads them when it
 * uses them (registries, pulls, pushes, /info) sees a reload at once without being rebuilt.
 * A reload parses the whole file again first; any error leaves the running settings as they
 * were. Settings that need a restart (hosts, roots, group, log format) are reported, not applied.
 */
import { isDeepStrictEqual } from 'node:util';
import { Config, ParseResult, RELOADABLE } from './config';
import { systemError } from './errors';

type Reloadable = Pick<Config, (typeof RELOADABLE)[number]>;

export interface ReloadResult {
  /** Reloadable settings that changed and now apply. */
  changed: string[];
  /** Settings that differ in the file but take effect only at the next start. */
  needRestart: string[];
}

const RESTART_ONLY = ['hosts', 'dataRoot', 'execRoot', 'group', 'logFormat'] as const satisfies readonly (keyof Config)[];

function pick(c: Config): Reloadable {
  const out: Record<string, unknown> = {};
  for (const k of RELOADABLE) out[k] = c[k];
  return out as Reloadable;
}

export class LiveConfig {
  private settings: Reloadable;
  /** The daemon's Config; its reloadable fields always read the current settings. */
  readonly config: Config;

  constructor(
    private readonly startup: Config,
    /** Parses the flags and the file again (parseArgs over the daemon's own argv). */
    private readonly reparse: () => ParseResult,
    private readonly onApply: (settings: Reloadable) => void = () => {},
  ) {
    this.settings = pick(startup);
    const config = { ...startup } as Record<string, unknown>;
    for (const k of RELOADABLE) {
      Object.defineProperty(config, k, { get: () => this.settings[k], enumerable: true });
    }
    this.config = Object.freeze(config) as unknown as Config;
  }

  /** Re-reads daemon.json. Throws (a BerthError naming the file and key) and keeps the running settings on any error. */
  reload(): ReloadResult {
    const parsed = this.reparse();
    if (parsed.kind !== 'run') throw systemError('berthd arguments changed meaning during reload');
    const next = parsed.config;
    const changed = RELOADABLE.filter((k) => !isDeepStrictEqual(this.settings[k], next[k]));
    const needRestart = RESTART_ONLY.filter((k) => !isDeepStrictEqual(this.startup[k], next[k]));
    this.settings = pick(next);
    this.onApply(this.settings);
    return { changed, needRestart };
  }
}
