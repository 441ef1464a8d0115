/**
 * A docker-compose 1.29 project (Debian's, a docker-py client) on a test daemon, for the e2e
 * suites whose workflow is compose's: the daemon with the busybox fixture pulled, a temp project
 * directory, `compose(args)` bound to the project name and the daemon's socket, and a `down`
 * (with the suite's own arguments) plus removal of the directory when the suite ends.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TestDaemon } from './daemon';
import { haveCommand, makeTempDir, removeTree, run, type RunResult } from './proc';
import { skipBecause } from './skip';
import { useDockerDaemon } from './suite';

export interface ComposeProject {
  /** Set once the suite's `before` hooks ran. */
  readonly daemon: TestDaemon;
  /** The busybox fixture's reference, as pulled into the daemon. */
  readonly image: string;
  /** The project directory (docker-compose.yml goes here). */
  readonly dir: string;
  /** Writes docker-compose.yml from its lines. */
  writeFile(lines: readonly string[]): Promise<void>;
  /** `docker-compose -p NAME ARGS...` in the project directory against the test daemon. */
  compose(args: readonly string[]): Promise<RunResult>;
}

export interface ComposeOptions {
  /** Arguments of the `down` run when the suite ends, after `down` (default `--remove-orphans`). */
  downArgs?: readonly string[];
  /** The project's services use the default bridge: skip (saying why) without netavark. */
  needsNetworks?: boolean;
}

export function useComposeProject(name: string, opts: ComposeOptions = {}): ComposeProject {
  let daemon: TestDaemon | undefined;
  let image = '';
  let dir = '';
  useDockerDaemon((fx) => [fx.busybox], (d, fx) => ((daemon = d), (image = fx.busybox.ref)));

  before(async function () {
    if (!haveCommand('docker-compose')) skipBecause(this, 'docker-compose is not installed (scripts/install.sh installs it)');
    if (opts.needsNetworks && !haveCommand('/usr/lib/podman/netavark')) {
      skipBecause(this, 'netavark is not installed (scripts/install.sh installs it)');
    }
    dir = await makeTempDir(`compose-${name}`);
  });

  after(async function () {
    if (!dir) return;
    const down = ['-p', name, 'down', ...(opts.downArgs ?? ['--remove-orphans'])];
    await run('docker-compose', down, { cwd: dir, env: daemon?.env(), timeoutMs: 60_000 }).catch(() => undefined);
    await removeTree(dir);
  });

  return {
    get daemon() {
      if (!daemon) throw new Error('the compose project is used before its daemon started');
      return daemon;
    },
    get image() {
      return image;
    },
    get dir() {
      return dir;
    },
    writeFile: (lines) => fs.writeFile(path.join(dir, 'docker-compose.yml'), lines.join('\n')),
    compose(args) {
      const env = this.daemon.env({ COMPOSE_INTERACTIVE_NO_CLI: '1' });
      return run('docker-compose', ['-p', name, ...args], { cwd: dir, env, timeoutMs: 120_000 });
    },
  };
}
