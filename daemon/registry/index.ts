/**
 * The registry package's public API. Everything outside daemon/registry imports from here.
 *
 *   const registries = new Registries(config.insecureRegistries);
 *   const client = registries.client('localhost:5000', parseRegistryAuthHeader(req.headers['x-registry-auth']));
 *   await client.getManifest('library/busybox', 'latest', 'busybox:latest');
 *   await client.catalog(25);               // repository names, for `search`
 *   await client.listTags('library/busybox');
 *
 * Clients are cheap; bearer tokens are shared through the factory's TokenCache.
 */
import { TokenCache } from './authenticator';
import { AuthConfig } from './credentials';
import { Endpoint, resolveEndpoint } from './endpoint';
import { RegistryClient } from './client';

export { RegistryClient, MANIFEST_ACCEPT, pullScope, pushScope } from './client';
export type { FetchedManifest } from './client';
export { AuthConfig, parseRegistryAuthHeader, encodeRegistryAuth, isAnonymous, authConfigFromJson } from './credentials';
export { Endpoint, resolveEndpoint, isInsecure } from './endpoint';
export { mountBlob, uploadBlob, putManifest, MONOLITHIC_LIMIT } from './upload';
export { TokenCache } from './authenticator';

/** Makes registry clients for the daemon: knows the insecure registries, shares the token cache. */
export class Registries {
  private readonly tokens = new TokenCache();

  constructor(private readonly insecureRegistries: readonly string[] = []) {}

  endpoint(domain: string): Endpoint {
    return resolveEndpoint(domain, this.insecureRegistries);
  }

  /** A client for `domain` (`docker.io`, `localhost:5000`) with `creds` (anonymous when empty). */
  client(domain: string, creds: AuthConfig = {}): RegistryClient {
    return new RegistryClient(this.endpoint(domain), creds, this.tokens);
  }
}
