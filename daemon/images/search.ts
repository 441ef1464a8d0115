/**
 * GET /images/search: `term` names a registry the way Docker reads it — `host[:port]/query`
 * searches that registry's catalog (GET /v2/_catalog, through the registry client), anything
 * else is a Docker Hub search (GET https://index.docker.io/v1/search, not reachable from
 * machines without internet: a clear Unavailable error then). Results in Docker's shape.
 */
import { BerthError, invalid, unavailable, describe } from '../errors';
import { DEFAULT_DOMAIN } from '../oci/reference';
import type { AuthConfig } from '../registry';
import { Filters } from '../filters';

import type { SearchResult } from '../wire/types';

export type { SearchResult };

/** The part of the registry package search needs (daemon/registry `Registries`). */
export interface CatalogSource {
  client(domain: string, creds?: AuthConfig): { catalog(limit?: number): Promise<string[]> };
}

export const SEARCH_FILTERS = ['stars', 'is-official', 'is-automated'] as const;

/** Splits a search term into the registry to ask and the text to look for. */
export function splitSearchTerm(term: string): { domain: string; query: string } {
  const slash = term.indexOf('/');
  if (slash > 0) {
    const first = term.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      const domain = first === 'index.docker.io' ? DEFAULT_DOMAIN : first;
      return { domain, query: term.slice(slash + 1) };
    }
  }
  return { domain: DEFAULT_DOMAIN, query: term };
}

export async function search(
  registries: CatalogSource,
  term: string,
  limit: number,
  filters: Filters,
  creds: AuthConfig = {},
): Promise<SearchResult[]> {
  filters.validate(SEARCH_FILTERS);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid(`limit ${limit} is outside the range of [1, 100]`);
  if (!term) throw invalid('a search term is required');
  const { domain, query } = splitSearchTerm(term);
  let results = domain === DEFAULT_DOMAIN ? await searchHub(query, limit) : await searchCatalog(registries, domain, query, creds);
  const [stars] = filters.get('stars');
  if (stars !== undefined) {
    const min = Number(stars);
    if (!Number.isInteger(min)) throw invalid(`invalid filter 'stars=${stars}'`);
    results = results.filter((r) => r.star_count >= min);
  }
  if (filters.has('is-official')) {
    const want = filters.bool('is-official', false);
    results = results.filter((r) => r.is_official === want);
  }
  if (filters.has('is-automated')) {
    const want = filters.bool('is-automated', false);
    results = results.filter((r) => r.is_automated === want);
  }
  return results.slice(0, limit);
}

async function searchCatalog(registries: CatalogSource, domain: string, query: string, creds: AuthConfig): Promise<SearchResult[]> {
  let repos: string[];
  try {
    repos = await registries.client(domain, creds).catalog(10_000);
  } catch (err) {
    if (err instanceof BerthError) throw new BerthError(err.kind, `searching ${domain}: ${err.message}`, { cause: err });
    throw unavailable(`searching ${domain}: ${describe(err)}`, err);
  }
  const q = query.toLowerCase();
  return repos
    .filter((r) => r.toLowerCase().includes(q))
    .sort()
    .map((r) => ({ name: `${domain}/${r}`, description: '', star_count: 0, is_official: false, is_automated: false }));
}

/** Docker Hub's v1 search API. */
async function searchHub(query: string, limit: number): Promise<SearchResult[]> {
  const url = `https://index.docker.io/v1/search?q=${encodeURIComponent(query)}&n=${limit}`;
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw unavailable(`Docker Hub search answered HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw unavailable(`cannot reach Docker Hub search at index.docker.io: ${describe(err)}`, err);
  }
  const results = (body as { results?: unknown }).results;
  if (!Array.isArray(results)) return [];
  return results.map((r: Record<string, unknown>) => ({
    name: String(r.name ?? ''),
    description: String(r.description ?? ''),
    star_count: typeof r.star_count === 'number' ? r.star_count : 0,
    is_official: r.is_official === true,
    is_automated: false,
  }));
}
