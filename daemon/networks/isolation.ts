/**
 * Isolation between bridge networks, with dockerd's semantics (its DOCKER-ISOLATION-STAGE-1/2
 * chains): a packet that enters from one network's bridge and leaves through another network's
 * bridge is dropped, so containers on different networks cannot reach each other; a container
 * connected to both talks to each over its own interface. An `--internal` network also drops
 * everything between its bridge and any other interface. Connections to a published port
 * (DNATed by netavark) pass, as dockerd's default userland proxy lets them.
 *
 * Why not netavark's own `isolate` option: netavark 1.4 deletes the shared FORWARD jump to its
 * isolation chain when any isolated network loses its last container (the other networks are
 * then open until the next setup) and never removes its chains. Why the mangle table: netavark
 * inserts its ACCEPT rules at the top of filter FORWARD, so a rule there may end up after them;
 * mangle FORWARD runs before filter FORWARD whatever the rule order.
 *
 * The rules live as long as the networks (made at network create and daemon start, removed at
 * network rm), not as long as containers: a container start costs nothing here. Every rule
 * carries a comment naming its daemon (`berth:<default bridge>`), so several daemons on one host
 * (test daemons) share the two chains, each syncs only its own rules, and the last one out
 * removes the chains. Each change is one atomic iptables-restore batch: a batch that races with
 * another daemon's fails whole and is retried after a fresh read.
 */
import { describe, systemError } from '../errors';
import { log } from '../log';
import type { RunTool } from './exec';

export const STAGE1 = 'BERTH-ISOLATION-STAGE-1';
export const STAGE2 = 'BERTH-ISOLATION-STAGE-2';
const JUMP = `-A FORWARD -j ${STAGE1}`;
const PASS_DNAT = `-A ${STAGE2} -m conntrack --ctstate DNAT -j RETURN`;

export interface IsolatedBridge {
  bridge: string;
  internal: boolean;
}

/** The comment that marks one daemon's rules. */
export function isolationTag(defaultBridge: string): string {
  return `berth:${defaultBridge}`;
}

/** A network's rules, exactly as `iptables -S` prints them (so they compare as strings). */
export function bridgeRules(b: IsolatedBridge, tag: string): string[] {
  const c = `-m comment --comment "${tag}"`;
  const out = [`-A ${STAGE1} -i ${b.bridge} ! -o ${b.bridge} ${c} -j ${STAGE2}`, `-A ${STAGE2} -o ${b.bridge} ${c} -j DROP`];
  if (b.internal) out.push(`-A ${STAGE1} -i ${b.bridge} ! -o ${b.bridge} ${c} -j DROP`, `-A ${STAGE1} ! -i ${b.bridge} -o ${b.bridge} ${c} -j DROP`);
  return out;
}

/**
 * The iptables-restore lines (inside `*mangle` … `COMMIT`) that bring the mangle table from
 * `current` (`iptables -t mangle -S`) to exactly `bridges` for the daemon tagged `tag`; empty
 * when nothing changes. With no rule of any daemon left, the chains and the jump go too.
 */
export function isolationPlan(current: string, tag: string, bridges: readonly IsolatedBridge[]): string[] {
  const lines = current.split('\n').map((l) => l.trim()).filter(Boolean);
  const have = new Set(lines);
  const wanted = bridges.flatMap((b) => bridgeRules(b, tag));
  const want = new Set(wanted);
  const marker = `--comment "${tag}"`;
  const ours = (l: string) => l.startsWith(`-A ${STAGE1} `) || l.startsWith(`-A ${STAGE2} `);
  const stale = lines.filter((l) => ours(l) && l.includes(marker) && !want.has(l));
  const add = wanted.filter((l) => !have.has(l));
  const out = stale.map((l) => l.replace(/^-A /, '-D '));
  if (wanted.length > 0) {
    if (!have.has(`-N ${STAGE1}`)) out.push(`-N ${STAGE1}`);
    if (!have.has(`-N ${STAGE2}`)) out.push(`-N ${STAGE2}`);
    if (!have.has(JUMP)) out.push(JUMP);
    if (!have.has(PASS_DNAT)) out.push(`-I ${STAGE2} 1 -m conntrack --ctstate DNAT -j RETURN`);
    out.push(...add);
    return out;
  }
  const others = lines.filter((l) => ours(l) && l !== PASS_DNAT && !stale.includes(l));
  if (others.length === 0 && (have.has(`-N ${STAGE1}`) || have.has(`-N ${STAGE2}`))) {
    // Nobody's network is left: remove the chains (a racing daemon's new rule makes -X fail
    // the whole batch, and the retry sees it).
    if (have.has(JUMP)) out.push(JUMP.replace(/^-A /, '-D '));
    if (have.has(PASS_DNAT)) out.push(PASS_DNAT.replace(/^-A /, '-D '));
    if (have.has(`-N ${STAGE1}`)) out.push(`-X ${STAGE1}`);
    if (have.has(`-N ${STAGE2}`)) out.push(`-X ${STAGE2}`);
  }
  return out;
}

export class NetworkIsolation {
  /** One sync at a time in this daemon; each reads the table afresh. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly run: RunTool,
    readonly tag: string,
    private readonly iptables = 'iptables',
  ) {}

  /**
   * Makes this daemon's rules exactly those of `bridges` (all its bridge networks). Throws
   * when iptables refuses after retries: a network that cannot be isolated must not be used.
   */
  sync(bridges: readonly IsolatedBridge[]): Promise<void> {
    const next = this.queue.then(() => this.apply(bridges));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(bridges: readonly IsolatedBridge[]): Promise<void> {
    let last = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      const cur = await this.run(this.iptables, ['-w', '-t', 'mangle', '-S']);
      if (cur.code !== 0) throw systemError(`reading the mangle table failed: ${cur.stderr.trim()}`);
      const plan = isolationPlan(cur.stdout, this.tag, bridges);
      if (plan.length === 0) return;
      const r = await this.run(`${this.iptables}-restore`, ['-w', '--noflush'], ['*mangle', ...plan, 'COMMIT', ''].join('\n'));
      if (r.code === 0) return;
      last = r.stderr.trim();
      log.debug('isolation rules: batch refused, retrying', { error: last });
    }
    throw systemError(`setting the isolation rules between networks failed: ${last}`);
  }

  /** sync, logging instead of throwing (daemon start: the networks exist already). */
  async syncOrWarn(bridges: readonly IsolatedBridge[]): Promise<void> {
    await this.sync(bridges).catch((err) => log.warn('networks are not isolated from each other', { error: describe(err) }));
  }
}
