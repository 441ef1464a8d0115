// Output formatting matches the Docker CLI byte for byte: go-units sizes and durations,
// tabwriter columns (checked against lines captured from `docker images` / `docker system df`).
import { strict as assert } from 'node:assert';
import { goG, humanDuration, humanSize, humanSizeWithPrecision, bytesSize, shortId, tabwrite, timeAgo } from '../../../client/format';

describe('client format: go-units sizes', () => {
  it('prints image sizes like `docker images` (precision 3)', () => {
    assert.equal(humanSizeWithPrecision(682696, 3), '683kB');
    assert.equal(humanSizeWithPrecision(1985512, 3), '1.99MB');
    assert.equal(humanSizeWithPrecision(198901614, 3), '199MB');
    assert.equal(humanSizeWithPrecision(5000, 3), '5kB');
    assert.equal(humanSizeWithPrecision(0, 3), '0B');
    assert.equal(humanSizeWithPrecision(999, 3), '999B');
  });

  it('prints HumanSize like `docker system df` (precision 4)', () => {
    assert.equal(humanSize(201569836), '201.6MB');
    assert.equal(humanSize(682696), '682.7kB');
    assert.equal(humanSize(1985512), '1.986MB');
    assert.equal(humanSize(0), '0B');
  });

  it("uses Go's %g exponent form where Go does", () => {
    assert.equal(goG(999.999, 3), '1e+03');
    assert.equal(goG(1.5, 3), '1.5');
    assert.equal(goG(100, 3), '100');
    assert.equal(goG(0.0001234, 3), '0.000123');
  });

  it('prints binary sizes like docker info Total Memory', () => {
    assert.equal(bytesSize(25276063744), '23.54GiB');
  });
});

describe('client format: go-units HumanDuration', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [500, 'Less than a second'],
    [1 * s, '1 second'],
    [45 * s, '45 seconds'],
    [61 * s, 'About a minute'],
    [9 * 60 * s, '9 minutes'],
    [60 * 60 * s, 'About an hour'],
    [5 * 3600 * s, '5 hours'],
    [3 * 24 * 3600 * s, '3 days'],
    [3 * 7 * 24 * 3600 * s, '3 weeks'],
    [95 * 24 * 3600 * s, '3 months'],
    [800 * 24 * 3600 * s, '2 years'],
  ];
  for (const [ms, want] of cases) it(`${ms} ms is "${want}"`, () => assert.equal(humanDuration(ms), want));

  it('adds "ago" for CREATED', () => {
    const now = Date.UTC(2026, 10, 23, 13, 0, 0);
    assert.equal(timeAgo(now / 1000 - 9 * 60, now), '9 minutes ago');
  });
});

describe('client format: tabwriter', () => {
  it('lays out `docker images` exactly like the Docker CLI', () => {
    const out = tabwrite([
      'REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE',
      'debian\tbookworm\tf78666ebc2b7\t9 minutes ago\t199MB',
      'localhost:5000/debian\tbookworm\tf78666ebc2b7\t9 minutes ago\t199MB',
      'busybox\tlatest\tc45259f735f0\t9 minutes ago\t1.99MB',
      'localhost:5000/busybox\tlatest\tc45259f735f0\t9 minutes ago\t1.99MB',
      'localhost:5000/hello\tlatest\tc330c4f22e3c\t9 minutes ago\t683kB',
    ]);
    assert.equal(
      out,
      [
        'REPOSITORY               TAG        IMAGE ID       CREATED         SIZE',
        'debian                   bookworm   f78666ebc2b7   9 minutes ago   199MB',
        'localhost:5000/debian    bookworm   f78666ebc2b7   9 minutes ago   199MB',
        'busybox                  latest     c45259f735f0   9 minutes ago   1.99MB',
        'localhost:5000/busybox   latest     c45259f735f0   9 minutes ago   1.99MB',
        'localhost:5000/hello     latest     c330c4f22e3c   9 minutes ago   683kB',
        '',
      ].join('\n'),
    );
  });

  it('pads narrow columns to the minimum width of 10 (docker system df)', () => {
    const out = tabwrite(['TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE', 'Images\t5\t0\t201.6MB\t201.6MB (100%)', 'Local Volumes\t0\t0\t0B\t0B']);
    assert.equal(out.split('\n')[0], 'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE');
    assert.equal(out.split('\n')[1], 'Images          5         0         201.6MB   201.6MB (100%)');
  });

  it('shortens ids to 12 hex', () => {
    assert.equal(shortId('sha256:c45259f735f0bc4a5bd3aff6bc34222e434673511a35965d0287c746d7b21058'), 'c45259f735f0');
  });
});
