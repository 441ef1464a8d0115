/** berth's own version, read once from package.json. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'berth' && pkg.version) return pkg.version;
    } catch {
      // try the next location: the file is one level higher when running from dist/
    }
  }
  return '0.0.0';
}

export const BERTH_VERSION = readVersion();

/** The name of berth's one OCI runtime (its helper): /info's Runtimes and DefaultRuntime, inspect's HostConfig.Runtime. */
export const BERTH_RUNTIME = 'berth';
