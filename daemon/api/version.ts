/**
 * API version handling. berth advertises API_VERSION and accepts every /v1.24 … /v1.xx prefix
 * plus unversioned paths (meaning "latest"). The prefix is stripped before routing and the
 * negotiated version is kept on `res.locals.apiVersion` for handlers that vary by version
 * (version-middleware.ts for express, upgrade.ts for hijacked requests).
 */
import { invalid } from '../errors';

export const API_VERSION = '1.47';
export const MIN_API_VERSION = '1.24';

export function compareVersions(a: string, b: string): number {
  const [aMaj = 0, aMin = 0] = a.split('.').map(Number);
  const [bMaj = 0, bMin = 0] = b.split('.').map(Number);
  return aMaj - bMaj || aMin - bMin;
}

const PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

/**
 * Splits `/v1.43/containers/json` into the negotiated version and the unversioned path (query
 * string kept). Used by the express middleware and by the upgrade dispatcher alike.
 * InvalidParameter for versions below MIN_API_VERSION, as Docker answers them.
 */
export function splitVersion(url: string): { version: string; path: string } {
  const m = PREFIX.exec(url);
  if (!m || !m[1] || !m[2]) return { version: API_VERSION, path: url };
  let version = m[1];
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw invalid(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(version, API_VERSION) > 0) {
    // Docker rejects newer clients; berth serves them at its own level, as the CLI would
    // negotiate down anyway. Being lenient here keeps fixed-version clients working.
    version = API_VERSION;
  }
  return { version, path: m[2] };
}
