/**
 * Keeps track of what the support library started (registries, daemons) so that nothing
 * outlives the test process: a mocha root `after` hook stops what tests forgot, a process
 * `exit` handler SIGKILLs what is still alive, and a root `afterEach` hook prints the log
 * tails of live daemons when a test fails.
 */
import type { ChildProcess } from 'node:child_process';

export interface Tracked {
  /** Graceful stop; called by the root `after` hook for whatever is still running. */
  stop(): Promise<unknown>;
  /** The process to SIGKILL if the test process exits first. */
  child(): ChildProcess | undefined;
  /** Lines worth showing when a test fails (daemon log tail); optional. */
  failureReport?(): string;
}

const live = new Set<Tracked>();

export function track(t: Tracked): void {
  live.add(t);
}

export function untrack(t: Tracked): void {
  live.delete(t);
}

process.on('exit', () => {
  for (const t of live) {
    const c = t.child();
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
});

// Registered once, when this module is first loaded inside mocha: root-level hooks apply to
// every test of the run. Outside mocha (scripts/) these globals do not exist.
if (typeof afterEach === 'function' && typeof after === 'function') {
  afterEach(function printDaemonLogsOnFailure() {
    if (this.currentTest?.state !== 'failed') return;
    for (const t of live) {
      const report = t.failureReport?.();
      if (report) process.stderr.write(report);
    }
  });
  after(async function stopEverything() {
    this.timeout(60_000);
    for (const t of [...live]) await t.stop().catch(() => undefined);
  });
}
