/** Reference parsing against Docker's own cases (distribution/reference normalize_test.go). */
import * as assert from 'node:assert/strict';
import { formatReference, fullName, parseReference, withDefaultTag } from '../../../daemon/oci/reference';
import { pullReference } from '../../../daemon/images/pull';

const DIG = `sha256:${'f'.repeat(64)}`;

describe('unit: oci reference (Docker cases)', function () {
  const cases: [string, string, string, string | undefined][] = [
    ['busybox', 'docker.io', 'library/busybox', undefined],
    ['docker.io/busybox', 'docker.io', 'library/busybox', undefined],
    ['index.docker.io/busybox:1', 'docker.io', 'library/busybox', '1'],
    ['foo/bar', 'docker.io', 'foo/bar', undefined],
    ['localhost/foo', 'localhost', 'foo', undefined],
    ['localhost:5000/foo/bar:v1', 'localhost:5000', 'foo/bar', 'v1'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000', 'x', undefined],
    ['foo.com/bar/baz', 'foo.com', 'bar/baz', undefined],
    ['[::1]:5000/img', '[::1]:5000', 'img', undefined],
    ['a__b/c-d.e_f:tag_1.0-x', 'docker.io', 'a__b/c-d.e_f', 'tag_1.0-x'],
  ];
  for (const [input, domain, path, tag] of cases) {
    it(`parses ${input}`, function () {
      const r = parseReference(input);
      assert.equal(r.domain, domain);
      assert.equal(r.path, path);
      assert.equal(r.tag, tag);
    });
  }

  it('parses digests, alone or after a tag', function () {
    const r = parseReference(`localhost:5000/x:1@${DIG}`);
    assert.equal(r.tag, '1');
    assert.equal(r.digest, DIG);
    assert.equal(parseReference(`busybox@${DIG}`).digest, DIG);
  });

  it('rejects bad references with Docker wording', function () {
    assert.throws(() => parseReference('Uppercase'), /invalid reference format: repository name \(library\/Uppercase\) must be lowercase/);
    assert.throws(() => parseReference(''), /invalid reference format/);
    assert.throws(() => parseReference(':tag'), /invalid reference format/);
    assert.throws(() => parseReference('busybox@sha256:abc'), /invalid reference format/);
    assert.throws(() => parseReference('foo/../bar'), /invalid reference format/);
    assert.throws(() => parseReference(`x:${'t'.repeat(129)}`), /invalid reference format/);
    assert.throws(() => parseReference(`${'a'.repeat(256)}`), /invalid reference format/);
  });

  it('formats familiar and full names', function () {
    const r = withDefaultTag(parseReference('busybox'));
    assert.equal(formatReference(r), 'busybox:latest');
    assert.equal(fullName(r), 'docker.io/library/busybox');
    assert.equal(formatReference(parseReference('localhost:5000/x:1')), 'localhost:5000/x:1');
  });

  it('combines the API\'s fromImage and tag parameters', function () {
    assert.equal(formatReference(pullReference('localhost:5000/hello', 'latest')), 'localhost:5000/hello:latest');
    assert.equal(formatReference(pullReference('busybox')), 'busybox:latest');
    assert.equal(formatReference(pullReference('busybox:1.36', '')), 'busybox:1.36');
    assert.equal(pullReference('localhost:5000/x', DIG).digest, DIG);
    assert.equal(pullReference('localhost:5000/x', DIG).tag, undefined);
  });
});
