/**
 * The registry package's public API. Everything outside daemon/registry imports from here.
 *
 *   const registries = new Registries(config);   // reads insecureRegistries/registryMirrors on each use
 *   const client = registries.client('localhost:5000', parseRegistryAuthHeader(req.headers['x-registry-auth']));
 *   await client.getManifest('library/busybox', 'latest', 'busybox:latest');
 *   await client.catalog(25);               // repository names, for `search`
 *   await client.listTags('library/busybox');
 *
 * Clients are cheap; bearer tokens are shared through the factory's TokenCache.
 */
import { TokenCache } from './authenticator';
import { AuthConfig } from './credentials';
import { DEFAULT_DOMAIN } from '../oci/reference';
import { Endpoint, mirrorEndpoint, resolveEndpoint } from './endpoint';
import { RegistryClient } from './client';

export { RegistryClient, MANIFEST_ACCEPT, pullScope, pushScope } from './client';
export type { FetchedManifest } from './client';
export { AuthConfig, parseRegistryAuthHeader, encodeRegistryAuth, isAnonymous, authConfigFromJson } from './credentials';
export { Endpoint, resolveEndpoint, isInsecure, mirrorEndpoint } from './endpoint';
export { mountBlob, uploadBlob, putManifest, MONOLITHIC_LIMIT } from './upload';
export { TokenCache } from './authenticator';

/**
 * The daemon's registry settings. Read again on every use, so a daemon.json reload (SIGHUP)
 * applies to the next pull without rebuilding anything.
 */
export interface RegistrySettings {
  readonly insecureRegistries: readonly string[];
  /** Docker Hub mirrors (scheme://host[:port]), tried in order before Docker Hub. */
  readonly registryMirrors?: readonly string[];
}

/** Makes registry clients for the daemon: knows the insecure registries and mirrors, shares the token cache. */
export class Registries {
  private readonly tokens = new TokenCache();
  private readonly settings: RegistrySettings;

  constructor(settings: readonly string[] | RegistrySettings = []) {
    this.settings = Array.isArray(settings) ? { insecureRegistries: settings as readonly string[] } : (settings as RegistrySettings);
  }

  endpoint(domain: string): Endpoint {
    return resolveEndpoint(domain, this.settings.insecureRegistries);
  }

  /**
   * Where a pull from `domain` may read, best first: for Docker Hub each configured mirror
   * (anonymously: the user's Docker Hub credentials are not sent to a third party), then
   * Docker Hub itself; for any other registry just that registry. dockerd does the same.
   */
  pullSources(domain: string, creds: AuthConfig = {}): RegistryClient[] {
    const mirrors = domain === DEFAULT_DOMAIN ? this.settings.registryMirrors ?? [] : [];
    return [...mirrors.map((m) => new RegistryClient(mirrorEndpoint(m), {}, this.tokens)), this.client(domain, creds)];
  }

  /** A client for `domain` (`docker.io`, `localhost:5000`) with `creds` (anonymous when empty). */
  client(domain: string, creds: AuthConfig = {}): RegistryClient {
    return new RegistryClient(this.endpoint(domain), creds, this.tokens);
  }
}
