/**
 * The pure parts of `image explore`: stacking layer indexes (adds, overwrites, whiteouts,
 * opaque directories, a file replacing a directory), dive's figures on a hand-computed case,
 * and the trees' per-directory totals.
 */
import * as assert from 'node:assert/strict';
import type { IndexEntry } from '../../../daemon/layers/file-index';
import { Stack } from '../../../daemon/images/explore-stack';
import { DiveFigures } from '../../../daemon/images/explore-dive';
import { buildTree, type TreeNode } from '../../../daemon/images/explore-tree';

const dir = (path: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({ path, kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, ...extra });
const file = (path: string, size: number, sha = `h${size}`): IndexEntry => ({ path, kind: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 0, sha256: sha });
const wh = (path: string): IndexEntry => ({ path, kind: 'whiteout', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 });

const find = (t: TreeNode | undefined, ...names: string[]) => names.reduce<TreeNode | undefined>((n, name) => n?.Children?.find((c) => c.Name === name), t);

describe('image explore: stacking layers', function () {
  const layers: IndexEntry[][] = [
    [dir('a'), file('a/x', 100), file('a/y', 50), dir('b'), dir('b/c'), file('b/c/z', 10)],
    [dir('a'), file('a/x', 40), wh('a/y'), wh('b')],
    [dir('a', { opaque: true }), file('a/n', 7), file('b', 3)],
  ];

  it('tallies what each layer added, modified and removed, and which bytes end up hidden', function () {
    const s = new Stack();
    const c0 = s.applyLayer(0, layers[0] as IndexEntry[]);
    assert.deepEqual([c0.added, c0.modified, c0.removed], [{ files: 3, bytes: 160 }, { files: 0, bytes: 0 }, { files: 0, bytes: 0 }]);
    s.clearMarks();
    const c1 = s.applyLayer(1, layers[1] as IndexEntry[]);
    assert.deepEqual([c1.added, c1.modified, c1.removed], [{ files: 0, bytes: 0 }, { files: 1, bytes: 40 }, { files: 2, bytes: 60 }]);
    s.clearMarks();
    const c2 = s.applyLayer(2, layers[2] as IndexEntry[]);
    // the opaque a/ hides a/x (40 bytes); b comes back as a file
    assert.deepEqual([c2.added, c2.modified, c2.removed], [{ files: 2, bytes: 10 }, { files: 0, bytes: 0 }, { files: 1, bytes: 40 }]);
    // removals of a layer come before its additions
    assert.deepEqual(s.hidden, [
      { path: 'a/y', layer: 0, size: 50, by: 1, how: 'deleted' },
      { path: 'b/c/z', layer: 0, size: 10, by: 1, how: 'deleted' },
      { path: 'a/x', layer: 0, size: 100, by: 1, how: 'overwritten' },
      { path: 'a/x', layer: 1, size: 40, by: 2, how: 'deleted' },
    ]);
    assert.deepEqual(s.visibleFiles().map((f) => f.path).sort(), ['a/n', 'b']);
  });

  it('builds the layer and image trees with directory totals', function () {
    const s = new Stack();
    s.applyLayer(0, layers[0] as IndexEntry[]);
    s.clearMarks();
    const c1 = s.applyLayer(1, layers[1] as IndexEntry[]);
    const own = buildTree(s, 1, c1, { view: 'layer' });
    assert.equal(find(own, 'a', 'x')?.Change, 'modified');
    assert.equal(find(own, 'a', 'y')?.Change, 'removed');
    assert.equal(find(own, 'a', 'y')?.Size, 50);
    assert.equal(find(own, 'b')?.Change, 'removed');
    assert.equal(find(own, 'b')?.Size, 10);
    assert.equal(find(own, 'a')?.Size, 40);
    const image = buildTree(s, 1, c1, { view: 'image' });
    assert.equal(image.Size, 40);
    assert.deepEqual(image.Children?.map((c) => [c.Name, c.Change]), [['a', undefined], ['b', 'removed']]);
  });
});

describe('image explore: dive figures', function () {
  it('counts each leaf sighting; a whiteout of a directory weighs what was below it', function () {
    const layers: IndexEntry[][] = [
      [dir('a'), file('a/x', 100), dir('d'), file('d/f', 30)],
      [dir('a'), file('a/x', 60), wh('d')],
      [wh('a/x')],
    ];
    const s = new Stack();
    const dive = new DiveFigures();
    layers.forEach((l, i) => {
      dive.addLayer(l, s);
      s.applyLayer(i, l);
    });
    const r = dive.result([130, 60, 0]);
    // a/x: 100 + 60 + 0 (whiteout of a file) → wasted 160, min 0; d/f 30; d (whiteout) 30.
    assert.deepEqual(r.inefficiencies, [{ Path: '/a/x', Count: 3, Bytes: 160 }]);
    assert.equal(r.wastedBytes, 160);
    assert.equal(r.efficiency, (0 + 30 + 30) / (160 + 30 + 30));
    assert.equal(r.userSize, 60);
    assert.equal(r.userWastedPercent, 160 / 60);
  });
});
