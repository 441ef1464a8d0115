/** `berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]` (also `image tag`), like `docker tag`. */
import { parseFlags, requireArgs } from '../flags';
import type { CommandContext } from '../main';

/** Splits `name[:tag]` into repo and tag (a port colon before the last slash is not a tag). */
export function splitRepoTag(ref: string): { repo: string; tag?: string } {
  if (ref.includes('@')) return { repo: ref };
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref };
}

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {});
  if (p.help) {
    process.stdout.write('Usage:  berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nCreate a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n');
    return;
  }
  requireArgs('berth tag', p.args, 2, 2, 'berth tag --help');
  const [source, target] = p.args as [string, string];
  const { repo, tag } = splitRepoTag(target);
  await client.request(`/images/${encodeURIComponent(source)}/tag`, { method: 'POST', query: { repo, tag } });
}
