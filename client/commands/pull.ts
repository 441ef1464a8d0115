/** `berth pull [--platform P] [-q] NAME[:TAG|@DIGEST]`, like `docker pull`. */
import { registryAuthHeader } from '../auth-config';
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';
import { ProgressRenderer } from '../progress';

const USAGE = `Usage:  berth pull [OPTIONS] NAME[:TAG|@DIGEST]

Download an image from a registry

Options:
      --platform string   Set platform if server is multi-platform capable
  -q, --quiet             Suppress verbose output
`;

/** The fully qualified name the docker CLI prints at the end: `docker.io/library/busybox:latest`. */
export function qualifiedName(image: string): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const slash = base.indexOf('/');
  const first = slash < 0 ? '' : base.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasDomain ? base : `docker.io/${slash < 0 ? `library/${base}` : base}`;
  if (name.startsWith('index.docker.io/')) name = `docker.io/${name.slice('index.docker.io/'.length)}`;
  return at >= 0 ? `${name}${image.slice(at)}` : name;
}

/**
 * Whether the repository path is lowercase Docker grammar. The docker CLI parses the name before
 * saying "Using default tag", so a bad name (`Busybox`) gets only the daemon's error.
 */
export function plausibleName(image: string): boolean {
  const parts = image.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  return (hasDomain ? parts.slice(1) : parts).every((p) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p));
}

function hasTagOrDigest(image: string): boolean {
  if (image.includes('@')) return true;
  return image.lastIndexOf(':') > image.lastIndexOf('/');
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, { platform: { type: 'string' }, quiet: { type: 'bool', short: 'q' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  requireArgs('berth pull', p.args, 1, 1, 'berth pull --help');
  let image = p.args[0] as string;
  const quiet = !!p.bools.quiet;
  if (!hasTagOrDigest(image)) {
    if (!quiet && plausibleName(image)) process.stdout.write('Using default tag: latest\n');
    image = `${image}:latest`;
  }
  const renderer = new ProgressRenderer(process.stdout);
  try {
    await client.stream(
      '/images/create',
      { method: 'POST', query: { fromImage: image, platform: p.strings.platform }, headers: { 'X-Registry-Auth': registryAuthHeader(image) } },
      (m) => {
        if (!quiet) renderer.render(m);
      },
    );
  } finally {
    if (!quiet) renderer.finish();
  }
  process.stdout.write(`${qualifiedName(image)}\n`);
}
