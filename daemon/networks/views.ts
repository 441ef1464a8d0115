/**
 * The JSON Docker clients read about networks (GET /networks, /networks/{id}) and the list
 * filters of `network ls` / `network prune` (driver, id, label, name, scope, type, dangling,
 * until), with Docker's matching rules: name and id match as substrings/prefixes, labels as
 * key or key=value. Pure over records.
 */
import { invalid } from '../errors';
import { PREDEFINED } from './builtins';
import type { EndpointSettings, NetworkRecord } from './record';

export interface EndpointView {
  id: string;
  name: string;
  endpoint: EndpointSettings;
}

export function networkView(n: NetworkRecord, endpoints: EndpointView[] | undefined): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const e of endpoints ?? []) {
    containers[e.id] = {
      Name: e.name, EndpointID: e.endpoint.EndpointID, MacAddress: e.endpoint.MacAddress,
      IPv4Address: e.endpoint.IPAddress ? `${e.endpoint.IPAddress}/${e.endpoint.IPPrefixLen}` : '', IPv6Address: '',
    };
  }
  return {
    Name: n.Name, Id: n.Id, Created: n.Created, Scope: n.Scope, Driver: n.Driver, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: n.IPAM.Options ?? {}, Config: n.IPAM.Config.map((c) => ({ ...c })) },
    Internal: n.Internal, Attachable: n.Attachable, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
    Containers: containers, Options: n.Options, Labels: n.Labels,
  };
}

export type NetworkFilters = Map<string, string[]>;
const KNOWN = new Set(['driver', 'id', 'label', 'label!', 'name', 'scope', 'type', 'dangling', 'until']);

export function parseNetworkFilters(raw: string | undefined, allowed = KNOWN): NetworkFilters {
  const out: NetworkFilters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid(`invalid filters: ${raw}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`invalid filters: ${raw}`);
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    let values: string[];
    if (Array.isArray(value)) values = value.map(String);
    else if (value && typeof value === 'object') values = Object.entries(value).filter(([, on]) => on === true).map(([k]) => k);
    else throw invalid(`invalid filter '${key}'`);
    if (!allowed.has(key)) throw invalid(`invalid filter '${key}'`);
    if (key === 'type') for (const v of values) if (v !== 'custom' && v !== 'builtin') throw invalid(`invalid filter: 'type'='${v}'`);
    if (key === 'dangling') for (const v of values) if (!['true', 'false', '1', '0'].includes(v)) throw invalid(`invalid filter 'dangling=${v}'`);
    out.set(key, values);
  }
  return out;
}

function label(labels: Record<string, string>, expr: string): boolean {
  const eq = expr.indexOf('=');
  if (eq < 0) return expr in labels;
  const k = expr.slice(0, eq);
  return k in labels && labels[k] === expr.slice(eq + 1);
}

/** Docker's `until`: unix seconds, RFC 3339 or a Go duration ("10m") before now. */
export function untilMs(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (dur) return now - Number(dur[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[dur[2] as 'ms' | 's' | 'm' | 'h'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`invalid timestamp: ${value}`);
  return t;
}

export function matchesNetwork(n: NetworkRecord, f: NetworkFilters, inUse: boolean, now = Date.now()): boolean {
  for (const [key, values] of f) {
    if (values.length === 0) continue;
    const any = (p: (v: string) => boolean) => values.some(p);
    switch (key) {
      case 'driver': if (!any((v) => v === n.Driver)) return false; break;
      case 'id': if (!any((v) => n.Id.startsWith(v) || n.Id.includes(v))) return false; break;
      case 'name': if (!any((v) => n.Name.includes(v))) return false; break;
      case 'label': if (!values.every((v) => label(n.Labels, v))) return false; break;
      // moby's matchLabels: dropped only when every label! value holds
      case 'label!': if (values.every((v) => label(n.Labels, v))) return false; break;
      case 'scope': if (!any((v) => v === 'local')) return false; break;
      case 'type': if (!any((v) => (v === 'builtin') === PREDEFINED.has(n.Name))) return false; break;
      case 'dangling': if (!any((v) => (v === 'true' || v === '1') === (!inUse && !PREDEFINED.has(n.Name)))) return false; break;
      case 'until': if (!any((v) => Date.parse(n.Created) < untilMs(v, now))) return false; break;
    }
  }
  return true;
}
