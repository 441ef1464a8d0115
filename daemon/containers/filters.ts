/**
 * `GET /containers/json?filters=` and `POST /containers/prune?filters=`: which filters each
 * accepts (Docker's lists: unknown keys get "invalid filter 'KEY'") and matching a container.
 * List: id, name, label, status, ancestor, exited, before, since, volume, network, expose,
 * publish, health (starting, healthy, unhealthy, none), isolation, is-task (always false).
 * Prune: label, label! (`--filter label!=KEY[=VALUE]`), until. The query value is parsed by
 * the shared parser (daemon/filters.ts).
 */
import { healthFilterValue } from './health';
import { invalid } from '../errors';
import { Filters as FilterArgs, labelsMatch, parseFilters as parseFilterArgs, untilMatches } from '../filters';
import type { ContainerRecord } from './record';
import { inspectMounts } from './mounts';
import { inspectMountPoints } from './volume-mounts';
import { networkName } from './views';

export type Filters = Map<string, string[]>;

export const LIST_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'network', 'volume', 'health', 'isolation', 'is-task', 'publish', 'expose'] as const;
export const PRUNE_FILTERS = ['label', 'label!', 'until'] as const;
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);

/** Parses the `filters` query value for list (default) or prune; an empty value means no filters. */
export function parseFilters(raw: string | undefined, accepted: readonly string[] = LIST_FILTERS): Filters {
  const args = parseFilterArgs(raw).validate(accepted);
  const out: Filters = new Map();
  for (const key of args.keys()) {
    const values = [...args.get(key)];
    if (key === 'status') for (const v of values) if (!STATUSES.has(v)) throw invalid(`invalid filter 'status=${v}'`);
    if (key === 'health') for (const v of values) if (!HEALTH.has(v)) throw invalid(`Unrecognised filter value for health: ${v}`);
    out.set(key, values);
  }
  return out;
}

function mountsForFilter(r: ContainerRecord): { Source?: unknown; Destination?: unknown; Name?: unknown }[] {
  try {
    return inspectMounts(r.HostConfig, inspectMountPoints(r.MountPoints));
  } catch {
    return [];
  }
}

export interface MatchContext {
  /** Resolves an ancestor filter value to image ids (the image and, when known, what it was built on). */
  imageIdsFor(ref: string): string[];
  /** Looks a container up by id, prefix or name (for before/since). */
  find(ref: string): ContainerRecord | undefined;
  /** The filter's `until` as epoch ms, parsed by the caller's rules. */
  now: number;
}

function createdMs(r: ContainerRecord): number {
  return Date.parse(r.Created);
}

/** Parses Docker's `until`/`since` timestamps: unix seconds, RFC 3339, or a Go duration like "10m". */
export function parseTimestamp(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (dur) {
    const mult = { ms: 1, s: 1000, m: 60000, h: 3600000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
    return now - Number(dur[1]) * mult;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`invalid timestamp: ${value}`);
  return t;
}

export function matches(r: ContainerRecord, filters: Filters, ctx: MatchContext): boolean {
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'id':
        if (!any((v) => r.Id.startsWith(v))) return false;
        break;
      case 'name':
        // Docker matches names as a regular expression over the name with its slash.
        if (!any((v) => { try { return new RegExp(v).test(r.Name); } catch { return r.Name.includes(v); } })) return false;
        break;
      case 'label':
      case 'label!':
        // Every label value must hold, and not every label! value (Docker's matchLabels).
        if (!labelsMatch(new FilterArgs(filters), r.Config.Labels)) return false;
        break;
      case 'status':
        if (!any((v) => v === r.State.Status)) return false;
        break;
      case 'exited':
        if (r.State.Status !== 'exited' || !any((v) => Number(v) === r.State.ExitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => v === r.Config.Image || ctx.imageIdsFor(v).includes(r.Image))) return false;
        break;
      case 'before':
      case 'since': {
        for (const v of values) {
          const other = ctx.find(v);
          if (!other) throw invalid(`No such container: ${v}`);
          if (key === 'before' && createdMs(r) >= createdMs(other)) return false;
          if (key === 'since' && createdMs(r) <= createdMs(other)) return false;
        }
        break;
      }
      case 'until':
        if (!untilMatches(new FilterArgs(filters), createdMs(r), ctx.now)) return false;
        break;
      case 'volume': {
        // A mount's source or destination, as Docker matches volume names and mount points.
        const mounts = mountsForFilter(r);
        if (!any((v) => mounts.some((m) => m.Source === v || m.Destination === v || m.Name === v))) return false;
        break;
      }
      case 'network': {
        const nets = r.NetworkSettings ? Object.entries(r.NetworkSettings.Networks) : [[networkName(r), { NetworkID: '' }] as const];
        if (!any((v) => nets.some(([name, ep]) => v === name || (v.length >= 12 && ep.NetworkID.startsWith(v))))) return false;
        break;
      }
      case 'publish': {
        // Published host ports: "8080" or "8080/tcp" (ranges are not matched).
        const published = Object.entries(r.NetworkSettings?.Ports ?? {}).flatMap(([k, bs]) => (bs ?? []).map((b) => `${b.HostPort}/${k.split('/')[1] ?? 'tcp'}`));
        if (!any((v) => published.includes(v.includes('/') ? v : `${v}/tcp`))) return false;
        break;
      }
      case 'expose':
        if (!any((v) => Object.keys((r.Config as { ExposedPorts?: Record<string, unknown> }).ExposedPorts ?? {}).includes(v.includes('/') ? v : `${v}/tcp`))) return false;
        break;
      case 'health':
        if (!any((v) => v === healthFilterValue(r.State.Health))) return false;
        break;
      case 'is-task':
        if (!any((v) => v === 'false')) return false;
        break;
      default:
        break;
    }
  }
  return true;
}
