/**
 * One registry with the fixture images per test process, shared by every e2e file: started
 * and pushed on first use, stopped by the root `after` hook in lifecycle.ts at the end.
 */
import { pushFixtures, type Fixtures } from './fixtures';
import { startRegistry, type TestRegistry } from './registry';

export interface SharedRegistry {
  registry: TestRegistry;
  fixtures: Fixtures;
}

let shared: Promise<SharedRegistry> | undefined;

/** The shared registry and its pushed fixtures (same object for every caller in a run). */
export function sharedRegistry(): Promise<SharedRegistry> {
  shared ??= (async () => {
    const registry = await startRegistry();
    try {
      return { registry, fixtures: await pushFixtures(registry.host) };
    } catch (err) {
      await registry.stop();
      throw err;
    }
  })();
  shared.catch(() => (shared = undefined)); // a failed start is retried by the next caller
  return shared;
}

/** Shortcut: the fixtures of the shared registry. */
export async function sharedFixtures(): Promise<Fixtures> {
  return (await sharedRegistry()).fixtures;
}
