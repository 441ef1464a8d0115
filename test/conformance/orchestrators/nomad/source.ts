/**
 * Where Nomad's calls come from: every step cites `nomad <path>:<line>` at this commit of
 * github.com/hashicorp/nomad (drivers/docker/, Nomad 1.11 development line) and, for the bytes
 * on the wire, `moby client/<file>:<line>` of the client Nomad's go.mod requires
 * (github.com/moby/moby/client v0.5.0, api v1.55).
 */
import { goHeaders, type GoRequestShape } from '../replay';

export const NOMAD_COMMIT = 'aa026cc99cfb74a77e519a1c1f0c78ba1b452705';
/** github.com/moby/moby tag client/v0.5.0. */
export const MOBY_CLIENT_COMMIT = '19e5ed711a316bfed51b24f98016dfaf839e08b7';

/** The client's MaxAPIVersion (client/client.go:112): negotiation takes min(server, this). */
export const CLIENT_MAX_API = '1.55';
/** The client's MinAPIVersion (client/client.go:116): an older server is refused. */
export const CLIENT_MIN_API = '1.40';

/** `nomad drivers/docker/driver.go:599`, or with the client line: `… → moby client/container_start.go:20`. */
export function src(nomadLine: string, clientLine?: string): string {
  return clientLine ? `nomad ${nomadLine} → moby ${clientLine}` : `nomad ${nomadLine}`;
}

/** Go's GOARCH for this machine (the User-Agent names it). */
function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/**
 * The client's headers: Host `api.moby.localhost` on a Unix socket (client/request.go:101),
 * User-Agent `moby-client/<module version> <GOOS>/<GOARCH>` (client/client.go:446, the module
 * version from the binary's build info), then Go's own.
 */
export function nomadHeaders(o: GoRequestShape = {}): [string, string][] {
  return goHeaders({ userAgent: `moby-client/v0.5.0 linux/${goArch()}`, ...o });
}
