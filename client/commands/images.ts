/**
 * `berth images [OPTIONS] [REPOSITORY[:TAG]]` (also `image ls`): REPOSITORY TAG IMAGE ID
 * CREATED SIZE like `docker images`, one row per repository tag (digests per tag with
 * --digests), `<none>` for dangling images; -a, -q, --digests, --no-trunc, --filter, --format.
 */
import { filtersJson, parseFlags } from '../flags';
import { goTime, humanSize, humanSizeWithPrecision, shortId, timeAgo } from '../format';
import type { CommandContext } from '../main';
import type * as Tmpl from '../template';

/** Required while the daemon answers, not before the request (bench/RESULTS.md, "CLI start-up"). */
const template = (): typeof Tmpl => require('../template') as typeof Tmpl;

export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  Containers: number;
  Labels: Record<string, string> | null;
}

/** The fields `--format` sees, in `{{json .}}` order (Go marshals them sorted). */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
  Containers: 'CONTAINERS',
};

function splitTag(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/** Rows for one image, following docker/cli's formatter/image.go. */
export function imageRows(img: ImageSummary, opts: { digests: boolean; noTrunc: boolean }): ImageRow[] {
  const base = (repo: string, tag: string, digest: string): ImageRow => ({
    Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
    CreatedAt: goTime(img.Created),
    CreatedSince: timeAgo(img.Created),
    Digest: digest,
    ID: opts.noTrunc ? img.Id : shortId(img.Id),
    Repository: repo,
    SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize),
    Size: humanSizeWithPrecision(img.Size, 3),
    Tag: tag,
    UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize),
    VirtualSize: humanSizeWithPrecision(img.Size, 3),
  });
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  if (tags.length === 0 && digests.length === 0) return [base('<none>', '<none>', '<none>')];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const t of tags) {
    const [repo, tag] = splitTag(t);
    repoTags.set(repo, [...(repoTags.get(repo) ?? []), tag]);
  }
  for (const d of digests) {
    const at = d.indexOf('@');
    if (at < 0) continue;
    const repo = d.slice(0, at);
    repoDigests.set(repo, [...(repoDigests.get(repo) ?? []), d.slice(at + 1)]);
  }
  const rows: ImageRow[] = [];
  for (const [repo, tagList] of [...repoTags.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const ds = opts.digests ? repoDigests.get(repo) ?? [] : [];
    repoDigests.delete(repo);
    for (const tag of tagList) {
      if (ds.length === 0) rows.push(base(repo, tag, '<none>'));
      else for (const d of ds) rows.push(base(repo, tag, d));
    }
  }
  for (const [repo, ds] of repoDigests) {
    if (opts.digests) for (const d of ds) rows.push(base(repo, '<none>', d));
    else rows.push(base(repo, '<none>', '<none>'));
  }
  return rows;
}

const USAGE = `Usage:  berth images [OPTIONS] [REPOSITORY[:TAG]]

List images

Options:
  -a, --all             Show all images (default hides intermediate images)
      --digests         Show digests
  -f, --filter filter   Filter output based on conditions provided
      --format string   Format output using a Go template
      --no-trunc        Don't truncate output
  -q, --quiet           Only show image IDs
`;

export async function run(argv: string[], { client }: CommandContext): Promise<void> {
  const p = parseFlags(argv, {
    all: { type: 'bool', short: 'a' },
    quiet: { type: 'bool', short: 'q' },
    digests: { type: 'bool' },
    'no-trunc': { type: 'bool' },
    filter: { type: 'list', short: 'f' },
    format: { type: 'string' },
    tree: { type: 'bool' },
  });
  if (p.help) {
    process.stdout.write(USAGE);
    return;
  }
  const filters = [...(p.lists.filter ?? [])];
  if (p.args[0]) filters.push(`reference=${p.args[0]}`);
  const listed = client.json<ImageSummary[]>('/images/json', { query: { all: p.bools.all ? '1' : undefined, filters: filtersJson(filters), digests: p.bools.digests ? '1' : undefined } });
  setImmediate(template);
  const list = await listed;
  const digests = !!p.bools.digests;
  let format = p.strings.format;
  if (p.bools.quiet) format = '{{.ID}}';
  if (!format || format === 'table') {
    format = digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
  }
  if (format === 'json') format = '{{json .}}';
  const rows = list.flatMap((img) => imageRows(img, { digests, noTrunc: !!p.bools['no-trunc'] }));
  process.stdout.write(new (template().Template)(format).renderAll(rows, IMAGE_HEADERS));
}
