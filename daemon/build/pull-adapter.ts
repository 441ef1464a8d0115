/**
 * Pulling a base image for the builder through the pull service, with the credentials that
 * X-Registry-Config holds for the image's registry (keys as the docker CLI writes them: a host
 * such as `localhost:5000`, or Docker Hub's `https://index.docker.io/v1/`).
 */
import type { Digest } from '../oci/digest';
import { parseReference } from '../oci/reference';
import type { PullRequest, PullResult } from '../images/pull';
import type { ProgressSink } from '../images/pull-progress';
import type { AuthConfig } from '../registry';
import type { PullFn } from './types';

export interface PullBackend {
  pull(req: PullRequest, sink: ProgressSink): Promise<PullResult>;
}

function authFor(domain: string, auth: Record<string, AuthConfig>): AuthConfig | undefined {
  const hub = domain === 'docker.io';
  for (const [key, cfg] of Object.entries(auth)) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === domain || (hub && (host === 'index.docker.io' || host === 'registry-1.docker.io'))) return cfg;
  }
  return undefined;
}

export function pullForBuild(pulls: PullBackend): PullFn {
  return async (image, platform, auth, progress): Promise<Digest> => {
    const ref = parseReference(image);
    const res = await pulls.pull({ image, platform, auth: authFor(ref.domain, auth) }, progress);
    return res.id;
  };
}
