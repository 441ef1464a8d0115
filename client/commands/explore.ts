/**
 * `berth image explore [OPTIONS] IMAGE`: what each layer adds, changes and removes, and where
 * the bytes go. On a terminal (and without --format or --ci) an interactive view; otherwise
 * a table or the API's JSON; with --ci, dive's rules and an exit code a pipeline can gate on.
 */
import { CliError } from '../http';
import { parseFlags, requireArgs } from '../flags';
import { humanSize } from '../format';
import type { CommandContext } from '../main';
import { evaluate, validateRules, type CiRules } from '../explore/ci';
import { renderTable } from '../explore/table';
import type { ExploreReport } from '../explore/types';

const USAGE = `Usage:  berth image explore [OPTIONS] IMAGE

Show what each layer of an image adds, modifies and removes, and the bytes it wastes

Options:
      --ci                                  Check the image against the rules below and exit 1 if one fails
      --depth int                           Tree levels shown per layer in the table (0: all) (default 2)
      --format string                       Output: "table" or "json" (default: interactive on a terminal, else table)
      --highest-user-wasted-percent string  Highest wasted bytes / user bytes, as a ratio, or "disabled" (default "0.1")
      --highest-wasted-bytes string         Highest wasted bytes (e.g. 20MB, 512KiB), or "disabled" (default "disabled")
      --lowest-efficiency string            Lowest efficiency, 0..1, or "disabled" (default "0.9")
`;

function ciOutput(r: ExploreReport, rules: CiRules): { text: string; failed: string[] } {
  const results = evaluate(r, rules);
  const lines = [
    `Image: ${r.RepoTags[0] ?? r.Id}`,
    `  efficiency: ${(r.Efficiency * 100).toFixed(4)} %`,
    `  wastedBytes: ${r.WastedBytes} bytes (${humanSize(r.WastedBytes)})`,
    `  userWastedPercent: ${(r.UserWastedPercent * 100).toFixed(4)} %`,
    'Results:',
  ];
  for (const x of results) lines.push(`  ${x.status}: ${x.rule}${x.message ? `: ${x.message}` : ''}`);
  const count = (s: string) => results.filter((x) => x.status === s).length;
  const failed = results.filter((x) => x.status === 'FAIL').map((x) => x.rule);
  lines.push(`Result:${failed.length ? 'FAIL' : 'PASS'} [Total:${results.length}] [Passed:${count('PASS')}] [Failed:${count('FAIL')}] [Skipped:${count('SKIP')}]`);
  return { text: lines.join('\n') + '\n', failed };
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  const p = parseFlags(argv, {
    ci: { type: 'bool' },
    format: { type: 'string' },
    depth: { type: 'int' },
    'lowest-efficiency': { type: 'string' },
    'highest-wasted-bytes': { type: 'string' },
    'highest-user-wasted-percent': { type: 'string' },
  });
  if (p.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  requireArgs('berth image explore', p.args, 1, 1, 'berth image explore --help');
  const image = p.args[0] as string;
  const format = p.strings.format;
  if (format !== undefined && format !== 'json' && format !== 'table') throw new CliError(`invalid --format "${format}": use "table" or "json"`);
  const rules: CiRules = {};
  if (p.strings['lowest-efficiency'] !== undefined) rules.lowestEfficiency = p.strings['lowest-efficiency'];
  if (p.strings['highest-wasted-bytes'] !== undefined) rules.highestWastedBytes = p.strings['highest-wasted-bytes'];
  if (p.strings['highest-user-wasted-percent'] !== undefined) rules.highestUserWastedPercent = p.strings['highest-user-wasted-percent'];
  validateRules(rules);
  const path = `/berth/v1/images/${encodeURIComponent(image)}/layers`;

  if (p.bools.ci) {
    const report = await ctx.client.json<ExploreReport>(path, { query: { limit: '0' } });
    const { text, failed } = ciOutput(report, rules);
    process.stdout.write(text);
    if (failed.length) {
      process.stderr.write(`berth: image ${image} failed the rule${failed.length > 1 ? 's' : ''} ${failed.join(', ')}\n`);
      return 1;
    }
    return 0;
  }
  if (format === undefined && process.stdout.isTTY && process.stdin.isTTY) {
    const report = await ctx.client.json<ExploreReport>(path, { query: { limit: '200' } });
    if (report.Layers.length === 0) {
      process.stdout.write(`${image} has no layers (an image FROM scratch with no files): nothing to explore\n`);
      return 0;
    }
    const { runExplorer } = await import('../explore/tui');
    await runExplorer(ctx.client, image, report);
    return 0;
  }
  const report = await ctx.client.json<ExploreReport>(path, { query: { tree: '1', limit: '0' } });
  if (format === 'json') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(renderTable(report, { depth: p.ints.depth ?? 2 }));
  return 0;
}
