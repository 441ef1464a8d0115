// Search: which registry a term names, catalog results in Docker's shape, limits and filters.
import { strict as assert } from 'node:assert';
import { search, splitSearchTerm } from '../../../daemon/images/search';
import { parseFilters } from '../../../daemon/filters';
import { BerthError } from '../../../daemon/errors';

const catalog = (repos: string[], seen: string[] = []) => ({
  client: (domain: string) => {
    seen.push(domain);
    return { catalog: async () => repos };
  },
});

describe('image search', () => {
  it('reads host:port/query as a registry catalog search and anything else as Docker Hub', () => {
    assert.deepEqual(splitSearchTerm('localhost:5000/busy'), { domain: 'localhost:5000', query: 'busy' });
    assert.deepEqual(splitSearchTerm('reg.example.com/ns/app'), { domain: 'reg.example.com', query: 'ns/app' });
    assert.deepEqual(splitSearchTerm('busybox'), { domain: 'docker.io', query: 'busybox' });
    assert.deepEqual(splitSearchTerm('library/busybox'), { domain: 'docker.io', query: 'library/busybox' });
  });

  it('lists matching catalog repositories with the registry host, sorted and limited', async () => {
    const seen: string[] = [];
    const r = await search(catalog(['hello', 'busybox-extra', 'busybox', 'ns/busybox'], seen), '127.0.0.1:5000/busy', 2, parseFilters(undefined));
    assert.deepEqual(seen, ['127.0.0.1:5000']);
    assert.deepEqual(r, [
      { name: '127.0.0.1:5000/busybox', description: '', star_count: 0, is_official: false, is_automated: false },
      { name: '127.0.0.1:5000/busybox-extra', description: '', star_count: 0, is_official: false, is_automated: false },
    ]);
  });

  it('applies is-official and stars filters and validates limit and keys', async () => {
    const src = catalog(['busybox']);
    assert.deepEqual(await search(src, 'h:1/b', 25, parseFilters('{"is-official":["true"]}')), []);
    assert.deepEqual(await search(src, 'h:1/b', 25, parseFilters('{"stars":["1"]}')), []);
    assert.equal((await search(src, 'h:1/b', 25, parseFilters('{"is-official":["false"]}'))).length, 1);
    await assert.rejects(search(src, 'h:1/b', 0, parseFilters(undefined)), /limit 0 is outside the range of \[1, 100\]/);
    await assert.rejects(search(src, 'h:1/b', 25, parseFilters('{"color":["x"]}')), /invalid filter 'color'/);
  });

  it('names the registry when its catalog cannot be read', async () => {
    const broken = { client: () => ({ catalog: async () => { throw new BerthError('Unavailable', 'connection refused'); } }) };
    await assert.rejects(search(broken, 'h:1/b', 25, parseFilters(undefined)), (e: BerthError) => e.kind === 'Unavailable' && e.message === 'searching h:1: connection refused');
  });
});
