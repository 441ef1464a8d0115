/**
 * `docker login` (POST /auth): checks credentials against the registry by pinging `/v2/` with
 * them (Basic, or a bearer token obtained with them) and answers Docker's `Login Succeeded`.
 * berthd stores nothing: the CLI keeps credentials in its config.json.
 */
import { BerthError, invalid } from '../errors';
import { DEFAULT_DOMAIN } from '../oci/reference';
import { AuthConfig, Registries } from '../registry';

export interface LoginResult {
  Status: string;
  IdentityToken: string;
}

/** `https://index.docker.io/v1/`, `http://localhost:5000`, `localhost:5000` → registry domain. */
export function loginDomain(serverAddress: string | undefined): string {
  const s = (serverAddress ?? '').trim();
  if (!s) return DEFAULT_DOMAIN;
  const host = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (!host) throw invalid(`invalid registry address "${serverAddress}"`);
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return DEFAULT_DOMAIN;
  return host;
}

export class AuthService {
  constructor(private readonly registries: Registries) {}

  async login(auth: AuthConfig): Promise<LoginResult> {
    const domain = loginDomain(auth.serverAddress);
    if (!auth.username && !auth.identityToken) throw invalid('login needs a username');
    try {
      await this.registries.client(domain, auth).ping();
    } catch (err) {
      if (err instanceof BerthError && err.kind === 'Unauthorized') {
        throw new BerthError('Unauthorized', `login to ${domain} failed: incorrect username or password`, { cause: err });
      }
      throw err;
    }
    return { Status: 'Login Succeeded', IdentityToken: '' };
  }
}
