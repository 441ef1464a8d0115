/**
 * Turning registry failures into one-sentence BerthErrors of the right kind: network errors
 * (`cannot reach registry 127.0.0.1:5999: connection refused`, Unavailable), and the
 * distribution spec's `{"errors":[{"code","message"}]}` bodies, formatted as Docker formats them
 * (`manifest unknown: manifest unknown`).
 */
import { BerthError, ErrorKind } from '../errors';

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EPIPE: 'connection closed by the registry',
  EPROTO: 'TLS handshake failed (is it a plain-HTTP registry? add it to --insecure-registry)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it a plain-HTTP registry? add it to --insecure-registry)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not valid for this host name',
};

/** A network-level failure talking to `hostPort`. */
export function networkError(hostPort: string, err: unknown): BerthError {
  const code = (err as { code?: string } | undefined)?.code;
  const reason = (code && NET_REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new BerthError('Unavailable', `cannot reach registry ${hostPort}: ${reason}`, { cause: err });
}

export interface RegistryErrorItem {
  code: string;
  message: string;
}

/** Parses a distribution-spec error body; empty when it is not one. */
export function parseErrorBody(body: Buffer): RegistryErrorItem[] {
  try {
    const o = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown };
    if (!Array.isArray(o.errors)) return [];
    return o.errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
      .map((e) => ({ code: typeof e.code === 'string' ? e.code : 'UNKNOWN', message: typeof e.message === 'string' ? e.message : '' }));
  } catch {
    return [];
  }
}

/** `MANIFEST_UNKNOWN` + `manifest unknown` → `manifest unknown: manifest unknown` (Docker's form). */
export function formatErrorItems(items: RegistryErrorItem[]): string {
  return items.map((e) => `${e.code.toLowerCase().replace(/_/g, ' ')}${e.message ? `: ${e.message}` : ''}`).join('; ');
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'Unauthorized';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 400 || status === 405 || status === 413 || status === 416) return 'InvalidParameter';
  if (status === 429 || status >= 500) return 'Unavailable';
  return 'System';
}

/**
 * An HTTP error reply. `context` says what was being done, e.g. `pushing blob sha256:... to x`.
 * The kind follows the status (401 Unauthorized, 404 NotFound, 5xx Unavailable ...).
 */
export function httpError(status: number, body: Buffer, context: string): BerthError {
  const items = parseErrorBody(body);
  const detail = items.length ? formatErrorItems(items) : `the registry answered HTTP ${status}`;
  return new BerthError(kindForStatus(status), `${context}: ${detail}`);
}
