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
