/**
 * The `berth` CLI: global flags, then one file per command under commands/, loaded lazily so
 * a command only pays for the modules it uses (start-up time matters for a CLI).
 */
import type * as Http from './http';
import type { DaemonClient } from './http';

/**
 * ./http is required on first use, not imported: it loads node:http and node:net (~4 ms of
 * Node's own modules), which `--help`, usage errors and unknown commands never need.
 */
const http = (): typeof Http => require('./http') as typeof Http;

export interface CommandContext {
  client: DaemonClient;
  /** Where `-H` / BERTH_HOST / DOCKER_HOST pointed, as given. */
  host: string;
  /** The command names (for `berth completion`). */
  commands?: readonly string[];
}

export type CommandFn = (args: string[], ctx: CommandContext) => Promise<number | void>;

/** Command name → module under ./commands exporting `run`. Aliases map to the same module. */
const COMMANDS: Record<string, string> = {
  build: 'build',
  commit: 'commit',
  save: 'save',
  load: 'load',
  import: 'import',
  version: 'version',
  images: 'images',
  tag: 'tag',
  rmi: 'rmi',
  image: 'image',
  inspect: 'inspect',
  history: 'history',
  search: 'search',
  info: 'info',
  system: 'system',
  pull: 'pull',
  push: 'push',
  login: 'login',
  logout: 'logout',
  run: 'run',
  create: 'create',
  start: 'start',
  stop: 'stop',
  restart: 'restart',
  kill: 'kill',
  wait: 'wait',
  rm: 'rm',
  ps: 'ps',
  logs: 'logs',
  attach: 'attach',
  rename: 'rename',
  top: 'top',
  stats: 'stats',
  update: 'update',
  port: 'port',
  export: 'export',
  cp: 'cp',
  volume: 'volume',
  network: 'network',
  diff: 'diff',
  pause: 'pause',
  unpause: 'unpause',
  exec: 'exec',
  container: 'container',
  completion: 'completion',
};

const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

function usage(): string {
  const names = [...new Set(Object.keys(COMMANDS))].sort().join(', ');
  return `Usage: berth [-H unix:///PATH] COMMAND [ARGS]\n\nCommands: ${names}\n\nRun 'berth COMMAND --help' for more information on a command.`;
}

async function main(argv: string[]): Promise<number> {
  let host = process.env.BERTH_HOST ?? DEFAULT_HOST;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-H' || a === '--host') host = argv[++i] ?? host;
    else if (a.startsWith('--host=')) host = a.slice(7);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage() + '\n');
      return 0;
    } else if (a === '-v' || a === '--version') {
      argv = ['version', ...argv.slice(i + 1)];
      i = 0;
      break;
    } else break;
  }
  const name = argv[i];
  if (!name) {
    process.stderr.write(usage() + '\n');
    return 1;
  }
  const moduleName = COMMANDS[name];
  if (!moduleName) throw new (http().CliError)(`'${name}' is not a berth command.\nSee 'berth --help'`);
  if (!host.startsWith('unix://')) throw new (http().CliError)(`unsupported host "${host}": use unix:///path`);
  const client = new (http().DaemonClient)(host.slice('unix://'.length));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(`./commands/${moduleName}`) as { run: CommandFn };
  const pending = mod.run(argv.slice(i + 1), { client, host, commands: Object.keys(COMMANDS) });
  // The command has sent its first request (written at the connect, in this turn of the
  // event loop): make stdout while the daemon answers rather than after.
  setImmediate(() => process.stdout);
  const code = await pending;
  return typeof code === 'number' ? code : 0;
}

// `berth images | head -1`: a closed pipe ends the CLI quietly, as it does for docker.
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
}

/**
 * process.stdout is made on first use (~1-2 ms: a tty, pipe or file stream and its module),
 * which a command that prints nothing (`ps -q` with no containers) never needs: the EPIPE
 * handler is attached by a getter at that first use, by whatever code makes it.
 */
function watchStdout(): void {
  const d = Object.getOwnPropertyDescriptor(process, 'stdout');
  const get = d?.get;
  if (!get || !d.configurable) {
    process.stdout.on('error', onStdoutError);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: d.enumerable, get: () => stream });
      stream.on('error', onStdoutError);
      return stream;
    },
  });
}
watchStdout();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`berth: ${message}\n`);
    process.exitCode = err instanceof http().CliError ? (err as Http.CliError).exitCode : 1;
  },
);
