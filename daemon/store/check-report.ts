/**
 * What `system check` reports (the JSON of `GET /berth/v1/system/check`, documented in the
 * README) and the quarantine it moves damaged things into. Quarantine is a rename into
 * `<data-root>/quarantine/<time>/<kind>/`: nothing is deleted, so a person can look at what
 * was wrong and remove it when done; a rename needs no free space, so it works on a full disk.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { StorePaths } from './paths';

export type CheckedObject = 'blob' | 'layer' | 'image' | 'tag' | 'container' | 'mount' | 'cgroup' | 'netns' | 'runtime' | 'quarantine';

export interface Finding {
  Object: CheckedObject;
  Id: string;
  /** One sentence: what is wrong. */
  Problem: string;
  /** error: damage; warning: leftovers that waste space or confuse; info: nothing to do. */
  Severity: 'error' | 'warning' | 'info';
  /** What --repair does about it (or did). Absent when there is nothing it can do. */
  Repair?: string;
  /** True once --repair did it. */
  Repaired?: boolean;
}

export interface CheckReport {
  Checked: { Blobs: number; Layers: number; Images: number; Tags: number; Containers: number };
  Findings: Finding[];
  /** Whether this run repaired. */
  Repair: boolean;
  /** Images that must be pulled (or built) again: their names, or ids when untagged. */
  PullAgain: string[];
  /** Where this run moved damaged things, when it moved any. */
  Quarantine?: string;
  /** No error or warning is left standing. */
  Ok: boolean;
}

export class Quarantine {
  private dir: string | undefined;

  constructor(private readonly paths: StorePaths) {}

  get used(): string | undefined {
    return this.dir;
  }

  /** Moves `src` to quarantine/<run>/<kind>/<name>; returns the new path. */
  async move(src: string, kind: string, name = path.basename(src)): Promise<string> {
    this.dir ??= path.join(this.paths.dataRoot, 'quarantine', new Date().toISOString().replace(/[:.]/g, '-'));
    const target = path.join(this.dir, kind, name);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(src, target);
    return target;
  }
}

/** Collects findings; `fix` runs a repair when repairing and records whether it worked. */
export class Findings {
  readonly list: Finding[] = [];

  constructor(readonly repair: boolean) {}

  add(f: Finding): Finding {
    this.list.push(f);
    return f;
  }

  /** Adds a finding whose repair is `action`; runs it when repairing. */
  async fix(f: Finding, action: () => Promise<void>): Promise<void> {
    this.add(f);
    if (!this.repair) return;
    try {
      await action();
      f.Repaired = true;
    } catch (err) {
      f.Repaired = false;
      f.Repair = `${f.Repair ?? 'repair'} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  get ok(): boolean {
    return this.list.every((f) => f.Severity === 'info' || f.Repaired === true);
  }
}
