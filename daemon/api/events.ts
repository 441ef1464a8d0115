/**
 * GET /events: Docker's event stream from the in-process EventBus. Replays the backlog from
 * `since`, then streams live events until `until` (or forever). Filters: type, event (action),
 * container, image, label, volume, network, scope and the rest of dockerd's keys (moby
 * daemon/events/filter.go) — in both of Docker's filter JSON shapes; an unknown key is
 * refused with dockerd's "invalid filter", never ignored.
 */
import { Router } from 'express';
import type { DockerEvent, EventBus } from '../events';
import { invalid } from '../errors';
import { asyncHandler } from './errors';
import { qstr } from './query';

type Filters = Record<string, string[]>;

/** dockerd's accepted event filter keys (api/server/router/system: acceptedEventFilterTags). */
const FILTER_KEYS = ['container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'service', 'type', 'volume', 'config', 'secret'];
/** Keys matched, as dockerd's fuzzyMatchName, against the actor's ID or name (an ID prefix too). */
const NAME_KEYS = ['daemon', 'network', 'node', 'plugin', 'service', 'volume', 'config', 'secret'];

/** Accepts `{"type":["image"]}` and `{"type":{"image":true}}`. */
export function parseEventFilters(raw: unknown): Filters {
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(raw));
  } catch {
    throw invalid('invalid filters: the filters parameter is not valid JSON');
  }
  const out: Filters = {};
  if (!parsed || typeof parsed !== 'object') return out;
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (!FILTER_KEYS.includes(k)) throw invalid(`invalid filter '${k}'`);
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.entries(v as Record<string, unknown>).filter(([, on]) => on).map(([x]) => x);
  }
  return out;
}

export function matches(e: DockerEvent, f: Filters): boolean {
  const any = (key: string, values: string[]) => !f[key] || f[key]!.some((x) => values.includes(x));
  const actor = [e.Actor.ID, e.Actor.ID.slice(0, 12), e.Actor.Attributes.name ?? ''];
  if (!any('type', [e.Type])) return false;
  if (!any('event', [e.Action, e.Action.split(':')[0] ?? ''])) return false;
  if (f.container && (e.Type !== 'container' || !any('container', actor))) return false;
  if (f.image && !any('image', [...actor, e.Actor.Attributes.image ?? ''])) return false;
  if (!any('scope', [e.scope])) return false;
  for (const key of NAME_KEYS) {
    const want = f[key];
    if (!want) continue;
    const name = e.Actor.Attributes.name ?? '';
    if (!want.some((x) => e.Actor.ID === x || e.Actor.ID.startsWith(x) || name === x || (name !== '' && name.startsWith(x)))) return false;
  }
  if (f.label) {
    const labels = Object.entries(e.Actor.Attributes).flatMap(([k, v]) => [k, `${k}=${v}`]);
    if (!f.label.every((l) => labels.includes(l))) return false;
  }
  return true;
}

/** Docker accepts unix seconds (with optional fraction) for since/until. */
function seconds(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw invalid(`invalid ${name} "${raw}": use unix seconds`);
  return n;
}

/** What GET /events needs of the event bus: the backlog and a subscription. */
export type EventsBackend = Pick<EventBus, 'since' | 'on'>;

export function eventsRouter(bus: EventsBackend): Router {
  const r = Router();
  r.get(
    '/events',
    asyncHandler(async (req, res) => {
      const filters = parseEventFilters(qstr(req, 'filters'));
      const since = seconds(qstr(req, 'since'), 'since');
      const until = seconds(qstr(req, 'until'), 'until');
      res.status(200).setHeader('Content-Type', 'application/json');
      res.flushHeaders();
      const send = (e: DockerEvent) => {
        if (matches(e, filters)) res.write(JSON.stringify(e) + '\n');
      };
      if (since !== undefined) for (const e of bus.since(since)) if (until === undefined || e.time <= until) send(e);
      const nowSeconds = Date.now() / 1000;
      if (until !== undefined && until <= nowSeconds) {
        res.end();
        return;
      }
      const off = bus.on(send);
      const timer = until !== undefined ? setTimeout(() => res.end(), (until - nowSeconds) * 1000) : undefined;
      res.on('close', () => {
        off();
        if (timer) clearTimeout(timer);
      });
    }),
  );
  return r;
}
