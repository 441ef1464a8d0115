/**
 * The terminal side of the interactive explorer: alternate screen, raw keys, redraw on every
 * key and resize, trees fetched from the daemon as the selection changes (and cached), and
 * the terminal restored on every way out.
 */
import type { DaemonClient } from '../http';
import { enterRawMode } from '../tty';
import { render } from './tui-render';
import { initialState, parseKeys, press, treeKey, withTree, type State } from './tui-state';
import type { ExploreReport, TreeNode } from './types';

export async function runExplorer(client: DaemonClient, image: string, report: ExploreReport): Promise<void> {
  const out = process.stdout;
  const trees = new Map<string, Promise<TreeNode>>();
  let state: State = initialState(image, report);
  let closed = false;

  const size = (): [number, number] => [out.columns || 80, out.rows || 24];
  const draw = (): void => {
    if (closed) return;
    const [w, h] = size();
    state = { ...state, pageRows: Math.max(1, h - 3) };
    out.write(`\x1b[H${render(state, w, h).join('\x1b[K\r\n')}\x1b[K\x1b[J`);
  };
  const load = (): void => {
    const key = treeKey(state);
    let p = trees.get(key);
    if (!p) {
      p = client.json<TreeNode>(`/berth/v1/images/${encodeURIComponent(image)}/layers/${state.layer}/tree`, {
        query: { view: state.view, changes: state.changesOnly ? '1' : undefined },
      });
      trees.set(key, p);
    }
    p.then(
      (tree) => {
        if (treeKey(state) !== key || state.tree) return;
        state = withTree(state, tree);
        draw();
      },
      (err: unknown) => {
        trees.delete(key);
        finish(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };

  let finish: (err?: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = (err?: Error) => {
      if (closed) return;
      closed = true;
      process.stdin.off('data', onData);
      out.off('resize', draw);
      restore();
      out.write('\x1b[?25h\x1b[?1049l');
      process.stdin.pause();
      if (err) reject(err);
      else resolve();
    };
  });
  const onData = (chunk: Buffer): void => {
    for (const key of parseKeys(chunk.toString('latin1'))) {
      const step = press(state, key);
      state = step.state;
      if (step.quit) return finish();
      if (step.fetch) load();
    }
    draw();
  };

  const restore = enterRawMode();
  out.write('\x1b[?1049h\x1b[?25l');
  process.stdin.on('data', onData);
  process.stdin.resume();
  out.on('resize', draw);
  process.once('SIGTERM', () => finish());
  draw();
  load();
  return done;
}
