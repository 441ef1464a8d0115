/**
 * `berth system check [--repair] [--format json]`: asks berthd to verify its store (blobs,
 * layers, image records, tags, containers) and find leftovers (mounts, cgroups, netns files,
 * runtime files); prints what is wrong and what to do, and exits 1 while anything is wrong.
 * With --repair the daemon fixes what it can (see the README) and the report says what it did.
 */
import { CliError } from '../http';
import { parseFlags } from '../flags';
import type { CommandContext } from '../main';

interface Finding {
  Object: string;
  Id: string;
  Problem: string;
  Severity: 'error' | 'warning' | 'info';
  Repair?: string;
  Repaired?: boolean;
}

interface Report {
  Checked: Record<string, number>;
  Findings: Finding[];
  Repair: boolean;
  PullAgain: string[];
  Quarantine?: string;
  Ok: boolean;
}

const USAGE = `Usage:  berth system check [OPTIONS]

Verify the image store and find leftovers; exits 1 while something is wrong

Options:
      --format string   "json" for the daemon's report as JSON
      --repair          Fix what can be fixed: quarantine damaged blobs and layers (nothing is
                        deleted), unpack damaged layers again from their blobs, drop records
                        that point at nothing, collect leftovers, detach stale mounts
`;

export function renderCheck(r: Report): string {
  const c = r.Checked;
  const out = [`Checked ${c.Blobs} blobs, ${c.Layers} layers, ${c.Images} images, ${c.Tags} tags, ${c.Containers} containers.`];
  for (const f of r.Findings) {
    let line = `${f.Severity.toUpperCase().padEnd(7)} ${f.Object} ${f.Id}: ${f.Problem}`;
    if (f.Repair) line += r.Repair ? (f.Repaired ? ` — repaired: ${f.Repair}` : ` — not repaired: ${f.Repair}`) : ` — --repair: ${f.Repair}`;
    out.push(line);
  }
  if (r.PullAgain.length) out.push(`Pull (or build) again: ${r.PullAgain.join(', ')}`);
  if (r.Quarantine) out.push(`Damaged things were moved to ${r.Quarantine}; look at them and delete them when done.`);
  const open = r.Findings.filter((f) => f.Severity !== 'info' && f.Repaired !== true).length;
  if (r.Ok) out.push(r.Repair && r.Findings.some((f) => f.Repaired) ? 'Repaired: the store is intact now.' : 'The store is intact.');
  else if (r.Repair) out.push(`${open} problem(s) remain that --repair cannot fix.`);
  else out.push(`${open} problem(s) found; run 'berth system check --repair' to fix what can be fixed.`);
  return out.join('\n') + '\n';
}

export async function run(argv: string[], { client }: CommandContext): Promise<number> {
  const p = parseFlags(argv, { repair: { type: 'bool' }, format: { type: 'string' } });
  if (p.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = p.strings.format;
  if (format !== undefined && format !== 'json' && format !== 'table') throw new CliError(`invalid --format "${format}": use "json"`);
  const report = p.bools.repair
    ? await client.json<Report>('/berth/v1/system/check', { method: 'POST', query: { repair: '1' } })
    : await client.json<Report>('/berth/v1/system/check');
  process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderCheck(report));
  return report.Ok ? 0 : 1;
}
