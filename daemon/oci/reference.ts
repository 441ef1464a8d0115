/**
 * Image references as Docker parses them: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`.
 * `busybox` is `docker.io/library/busybox:latest`; a first component with a dot, a colon or
 * equal to `localhost` is a registry host. Pure; no I/O.
 */
import { invalid } from '../errors';
import { Digest, isDigest } from './digest';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
/** Where docker.io's registry API really lives. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';

export interface Reference {
  /** Registry host[:port], e.g. `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;

function bad(input: string, why?: string): Error {
  return invalid(why ? `invalid reference format: ${why}` : `invalid reference format: "${input}"`);
}

/** Splits off the registry host, applying Docker's defaults (docker.io, library/). */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  let domain: string;
  let path: string;
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first === first.toLowerCase())) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/**
 * Parses a reference the way `docker pull NAME` does. Does not add the default tag; use
 * `withDefaultTag` for that. Throws InvalidParameter with Docker's wording on bad input.
 */
export function parseReference(input: string): Reference {
  if (input.length === 0) throw bad(input, 'repository name must have at least one component');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw bad(input, `invalid digest "${d}"`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw bad(input);
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw bad(input);
  if (path.length === 0) throw bad(input);
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      if (component.toLowerCase() !== component && PATH_COMPONENT.test(component.toLowerCase())) {
        throw bad(input, `repository name (${path}) must be lowercase`);
      }
      throw bad(input);
    }
  }
  if (familiarName({ domain, path }).length > MAX_NAME && `${domain}/${path}`.length > MAX_NAME) {
    throw bad(input, `repository name must not be more than ${MAX_NAME} characters`);
  }
  return { domain, path, tag, digest };
}

/** `docker.io/library/busybox` → `busybox`; `docker.io/me/x` → `me/x`; others unchanged. */
export function familiarName(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

/** Adds `latest` when the reference has neither tag nor digest. */
export function withDefaultTag(ref: Reference): Reference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: DEFAULT_TAG };
}

/** The familiar string form: `busybox:latest`, `localhost:5000/x@sha256:...`. */
export function formatReference(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The fully qualified repository name: `docker.io/library/busybox`. */
export function fullName(ref: Pick<Reference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** True when a string looks like an image id or a prefix of one (hex, 1–64 chars, maybe sha256:). */
export function looksLikeIdPrefix(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{1,64}$/.test(s);
}
