/**
 * `berth build [OPTIONS] PATH | -`, like the docker CLI's legacy builder: the context tar
 * (.dockerignore applied here) goes to POST /build, the build log is printed as it streams,
 * `-q` prints only the image id, `--iidfile` writes it to a file.
 */
import * as fs from 'node:fs';
import { configPath, getCredentials } from '../auth-config';
import { contextTar } from '../build-context';
import { parseFlags, requireArgs } from '../flags';
import { CliError, readAll } from '../http';
import type { CommandContext } from '../main';
import { ProgressRenderer } from '../progress';

const USAGE = `Usage:  berth build [OPTIONS] PATH | -

Build an image from a Dockerfile

Options:
      --build-arg list      Set build-time variables
  -f, --file string         Name of the Dockerfile (Default is 'PATH/Dockerfile')
      --iidfile string      Write the image ID to the file
      --label list          Set metadata for an image
      --no-cache            Do not use cache when building the image
      --platform string     Set platform if server is multi-platform capable
      --pull                Always attempt to pull a newer version of the image
  -q, --quiet               Suppress the build output and print image ID on success
      --rm                  Remove intermediate containers after a successful build (default true)
      --force-rm            Always remove intermediate containers
  -t, --tag list            Name and optionally a tag in the "name:tag" format
      --target string       Set the target build stage to build.
`;

/** X-Registry-Config: every stored credential, keyed by server, as the docker CLI sends it. */
function registryConfig(): string {
  const all: Record<string, unknown> = {};
  try {
    const cfg = JSON.parse(fs.readFileSync(configPath(), 'utf8')) as { auths?: Record<string, unknown> };
    for (const key of Object.keys(cfg.auths ?? {})) {
      const c = getCredentials(key);
      if (c) all[key] = c;
    }
  } catch {
    // no config file: anonymous
  }
  return Buffer.from(JSON.stringify(all)).toString('base64url');
}

function keyValueList(list: string[] | undefined, flag: string, fromEnv: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new CliError(`invalid argument "${item}" for "--${flag}" flag`);
    if (eq < 0) out[item] = fromEnv ? (process.env[item] ?? null) : '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const p = parseFlags(argv, {
    file: { type: 'string', short: 'f' },
    tag: { type: 'list', short: 't' },
    'build-arg': { type: 'list' },
    label: { type: 'list' },
    target: { type: 'string' },
    'no-cache': { type: 'bool' },
    pull: { type: 'bool' },
    quiet: { type: 'bool', short: 'q' },
    iidfile: { type: 'string' },
    platform: { type: 'string' },
    rm: { type: 'bool' },
    'force-rm': { type: 'bool' },
  });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth build', p.args, 1, 1, 'berth build --help');
  const where = p.args[0] as string;
  const file = p.strings.file;
  let body: NodeJS.ReadableStream;
  let dockerfile: string | undefined;
  if (where === '-') {
    if (file === '-') throw new CliError('invalid argument: can\'t use stdin for both build context and dockerfile');
    body = process.stdin;
    dockerfile = file;
  } else {
    const text = file === '-' ? await readAll(process.stdin) : undefined;
    const ctx = contextTar(where, file === '-' ? undefined : file, text);
    body = ctx.stream;
    dockerfile = ctx.dockerfile;
  }
  const quiet = !!p.bools.quiet;
  const renderer = new ProgressRenderer(process.stdout);
  let imageId: string | undefined;
  let quietText = '';
  if (p.strings.iidfile) fs.rmSync(p.strings.iidfile, { force: true });
  await client.stream(
    '/build',
    {
      method: 'POST',
      query: {
        t: p.lists.tag,
        dockerfile,
        buildargs: JSON.stringify(keyValueList(p.lists['build-arg'], 'build-arg', true)),
        labels: JSON.stringify(keyValueList(p.lists.label, 'label', false)),
        target: p.strings.target,
        nocache: p.bools['no-cache'] || undefined,
        pull: p.bools.pull || undefined,
        q: quiet || undefined,
        rm: p.bools.rm === false ? false : true,
        forcerm: p.bools['force-rm'] || undefined,
        platform: p.strings.platform,
      },
      headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': registryConfig() },
      bodyStream: body as import('node:stream').Readable,
    },
    (m) => {
      const aux = m.aux as { ID?: string } | undefined;
      if (aux?.ID) imageId = aux.ID;
      if (typeof m.stream === 'string') {
        if (quiet) quietText += m.stream;
        else process.stdout.write(m.stream);
      } else if (!quiet && m.status) renderer.render(m);
    },
  );
  if (!quiet) renderer.finish();
  if (quiet) {
    imageId = quietText.trim() || imageId;
    process.stdout.write(`${imageId ?? ''}\n`);
  }
  if (p.strings.iidfile) {
    if (!imageId) throw new CliError('Server did not provide an image ID. Cannot write iidfile');
    fs.writeFileSync(p.strings.iidfile, imageId);
  }
}
