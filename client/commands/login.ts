/**
 * `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`, like `docker login`: the daemon
 * checks the credentials against the registry; on success they are saved in Docker's
 * config.json (see auth-config.ts). Without -u/-p the user is asked on the terminal.
 */
import * as readline from 'node:readline';
import { DOCKER_HUB_KEY, saveCredentials, serverKey, configPath } from '../auth-config';
import { parseFlags, requireArgs } from '../flags';
import { CliError, readAll } from '../http';
import type { CommandContext } from '../main';

const USAGE = `Usage:  berth login [OPTIONS] [SERVER]

Log in to a registry (Docker Hub when SERVER is omitted)

Options:
  -p, --password string   Password
      --password-stdin    Take the password from stdin
  -u, --username string   Username
`;

function ask(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    if (hidden) {
      // Echo nothing while the password is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(question)) process.stdout.write(s);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stdout.write('\n');
      resolve(answer);
    });
  });
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { username: { type: 'string', short: 'u' }, password: { type: 'string', short: 'p' }, 'password-stdin': { type: 'bool' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth login', p.args, 0, 1, 'berth login --help');
  const server = p.args[0] ?? DOCKER_HUB_KEY;
  let username = p.strings.username;
  let password = p.strings.password;
  if (p.bools['password-stdin']) {
    if (password !== undefined) throw new CliError('--password and --password-stdin are mutually exclusive');
    if (!username) throw new CliError('Must provide --username with --password-stdin');
    password = (await readAll(process.stdin)).toString('utf8').replace(/\r?\n$/, '');
  } else if (password !== undefined) {
    process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  if (!username) {
    if (!process.stdin.isTTY) throw new CliError('Cannot perform an interactive login from a non TTY device');
    username = (await ask('Username: ', false)).trim();
  }
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new CliError('Cannot perform an interactive login from a non TTY device');
    password = await ask('Password: ', true);
  }
  if (!username || !password) throw new CliError('Error: username and password are required');
  const reply = await client.json<{ Status?: string }>('/auth', { method: 'POST', body: { username, password, serveraddress: serverKey(server) } });
  saveCredentials(server, username, password);
  process.stderr.write(`WARNING! Your password will be stored unencrypted in ${configPath()}.\n\n`);
  process.stdout.write(`${reply.Status ?? 'Login Succeeded'}\n`);
}
