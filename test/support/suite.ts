/**
 * The set-up most e2e suites share: root and the docker CLI are required (the suite is
 * skipped, saying why, without them), the shared registry fixtures, a fresh berthd with some
 * fixture images pulled into it, and that daemon stopped after the suite.
 */
import type { Fixtures, FixtureImage } from './fixtures';
import { sharedFixtures } from './shared';
import { startDaemon, type DaemonOptions, type TestDaemon } from './daemon';
import { haveCommand } from './proc';
import { requireRoot, skipBecause } from './skip';

export function useDockerDaemon(pulls: (f: Fixtures) => FixtureImage[], ready: (d: TestDaemon, f: Fixtures) => void, opts?: DaemonOptions): void {
  let daemon: TestDaemon | undefined;
  before(async function () {
    requireRoot(this);
    if (!haveCommand('docker')) skipBecause(this, 'the docker CLI is not installed');
    const f = await sharedFixtures();
    daemon = await startDaemon(opts);
    for (const img of pulls(f)) {
      const r = await daemon.docker(['pull', '-q', img.ref]);
      if (r.code !== 0) throw new Error(`pull ${img.ref} failed: ${r.stderr}`);
    }
    ready(daemon, f);
  });
  after(async function () {
    await daemon?.stop();
  });
}
