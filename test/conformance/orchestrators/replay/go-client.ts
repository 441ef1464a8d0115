/**
 * The request headers the moby Go client (github.com/docker/docker/client) puts on the wire
 * through Go's net/http, in Go's order: Host (the client's DummyHost on a Unix socket),
 * User-Agent (Go's default unless the orchestrator sets one), Content-Length (Go writes
 * `Content-Length: 0` for a POST without a body), then the request's own headers sorted by
 * name (http.Header.write sorts), then the transport's `Accept-Encoding: gzip` (not on a
 * hijacked connection: the client writes that request itself with Request.Write).
 *
 * Sources (moby client v27, vendored by cri-dockerd): client/request.go buildRequest (Host =
 * DummyHost for unix, Content-Type text/plain for a non-JSON body), encodeBody (Content-Type
 * application/json), client/hijack.go setupHijackConn (Connection: Upgrade, Upgrade: tcp).
 */

export interface GoRequestShape {
  /** `json`: a JSON body (Content-Type application/json); `none`: no body. */
  body?: 'json' | 'none';
  method?: string;
  hijack?: boolean;
  /** Extra request headers (e.g. X-Registry-Auth), sorted in with the others. */
  extra?: [string, string][];
  /** DummyHost: "api.moby.localhost" since client v26; older clients sent "docker". */
  host?: string;
  userAgent?: string;
}

export function goHeaders(o: GoRequestShape = {}): [string, string][] {
  const out: [string, string][] = [
    ['Host', o.host ?? 'api.moby.localhost'],
    ['User-Agent', o.userAgent ?? 'Go-http-client/1.1'],
  ];
  const withBody = o.body === 'json';
  const method = o.method ?? (withBody ? 'POST' : 'GET');
  // Go sends a length for a body, and a zero length for POST/PUT/PATCH without one.
  if (withBody || ['POST', 'PUT', 'PATCH'].includes(method)) out.push(['Content-Length', '']);
  const sorted: [string, string][] = [...(o.extra ?? [])];
  if (withBody) sorted.push(['Content-Type', 'application/json']);
  if (o.hijack) sorted.push(['Connection', 'Upgrade'], ['Upgrade', 'tcp']);
  sorted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  out.push(...sorted);
  if (!o.hijack) out.push(['Accept-Encoding', 'gzip']);
  return out;
}

/** Go's url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is %XX, a space is '+'. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** url.Values.Encode(): keys sorted, `k=v` joined by '&' (a leading '?' added when non-empty). */
export function goQuery(values: Record<string, string | undefined>): string {
  const keys = Object.keys(values).filter((k) => values[k] !== undefined).sort();
  if (!keys.length) return '';
  return '?' + keys.map((k) => `${goQueryEscape(k)}=${goQueryEscape(values[k] as string)}`).join('&');
}

/**
 * filters.Args as the client sends it (filters.ToJSON: `{"key":{"value":true}}`, Go's map
 * encoding sorts keys at both levels).
 */
export function goFilters(args: Record<string, string[]>): string {
  const sorted: Record<string, Record<string, true>> = {};
  for (const k of Object.keys(args).sort()) {
    sorted[k] = {};
    for (const v of [...(args[k] ?? [])].sort()) (sorted[k] as Record<string, true>)[v] = true;
  }
  return JSON.stringify(sorted);
}

/**
 * A value as Go's encoding/json writes it: JSON.stringify's output (no spaces, the same escapes
 * for quotes, backslashes and control characters) with Go's HTML-safe escapes on top — `<`, `>`,
 * `&`, U+2028 and U+2029 as `\u003c`... (json.Marshal and a json.Encoder by default), so a shell
 * command with `&&` or `>&2` in a create body goes on the wire as the Go client sends it.
 * Object keys keep insertion order: build bodies in the Go struct's field order (go-types.ts).
 */
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
