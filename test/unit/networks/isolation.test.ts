// The isolation plan between networks (daemon/networks/isolation.ts): from the mangle table as
// `iptables -S` prints it to the iptables-restore lines that make one daemon's rules exact,
// sharing the chains with other daemons and removing them with the last rule. The real kernel
// side is covered by test/e2e/networks-isolation.test.ts.
import { strict as assert } from 'node:assert';
import { bridgeRules, isolationPlan, isolationTag, NetworkIsolation, STAGE1, STAGE2 } from '../../../daemon/networks/isolation';
import type { RunTool } from '../../../daemon/networks/exec';

const EMPTY = ['-P PREROUTING ACCEPT', '-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT', '-P POSTROUTING ACCEPT'].join('\n');
const tag = isolationTag('bt1');

/** Applies restore lines to a table listing the way iptables would (enough for these plans). */
function apply(table: string, plan: string[]): string {
  let lines = table.split('\n').filter(Boolean);
  for (const l of plan) {
    if (l.startsWith('-N ')) lines.push(l);
    else if (l.startsWith('-X ')) lines = lines.filter((x) => x !== `-N ${l.slice(3)}`);
    else if (l.startsWith('-A ')) lines.push(l);
    else if (l.startsWith('-D ')) lines = lines.filter((x) => x !== `-A ${l.slice(3)}`);
    else if (l.startsWith('-I ')) lines.push(l.replace(/^-I (\S+) 1 /, '-A $1 '));
  }
  return lines.join('\n');
}

describe('networks: isolation between networks (the plan)', () => {
  it('first network: both chains, the FORWARD jump, the DNAT pass first in stage 2, then its rules', () => {
    const plan = isolationPlan(EMPTY, tag, [{ bridge: 'bt1', internal: false }]);
    assert.deepEqual(plan, [
      `-N ${STAGE1}`, `-N ${STAGE2}`, `-A FORWARD -j ${STAGE1}`, `-I ${STAGE2} 1 -m conntrack --ctstate DNAT -j RETURN`,
      `-A ${STAGE1} -i bt1 ! -o bt1 -m comment --comment "berth:bt1" -j ${STAGE2}`,
      `-A ${STAGE2} -o bt1 -m comment --comment "berth:bt1" -j DROP`,
    ]);
    assert.deepEqual(isolationPlan(apply(EMPTY, plan), tag, [{ bridge: 'bt1', internal: false }]), [], 'in place: nothing to do');
  });

  it('an internal network also drops everything in and out of its bridge', () => {
    const rules = bridgeRules({ bridge: 'br-x', internal: true }, tag);
    assert.ok(rules.includes(`-A ${STAGE1} -i br-x ! -o br-x -m comment --comment "berth:bt1" -j DROP`));
    assert.ok(rules.includes(`-A ${STAGE1} ! -i br-x -o br-x -m comment --comment "berth:bt1" -j DROP`));
  });

  it('removing a network deletes only its rules; another daemon\'s rules and the chains stay', () => {
    let t = apply(EMPTY, isolationPlan(EMPTY, tag, [{ bridge: 'bt1', internal: false }, { bridge: 'br-a', internal: false }]));
    t = apply(t, isolationPlan(t, isolationTag('bt2'), [{ bridge: 'bt2', internal: false }]));
    const plan = isolationPlan(t, tag, [{ bridge: 'bt1', internal: false }]);
    assert.deepEqual(plan, [
      `-D ${STAGE1} -i br-a ! -o br-a -m comment --comment "berth:bt1" -j ${STAGE2}`,
      `-D ${STAGE2} -o br-a -m comment --comment "berth:bt1" -j DROP`,
    ]);
    // The first daemon leaves entirely: bt2's rules keep the chains.
    t = apply(t, isolationPlan(t, tag, []));
    assert.ok(!t.includes('berth:bt1'));
    assert.ok(t.includes(`-N ${STAGE1}`) && t.includes('berth:bt2'));
    // The last one out removes the jump, the DNAT pass and the chains.
    const last = isolationPlan(t, isolationTag('bt2'), []);
    assert.deepEqual(last.slice(-4), [`-D FORWARD -j ${STAGE1}`, `-D ${STAGE2} -m conntrack --ctstate DNAT -j RETURN`, `-X ${STAGE1}`, `-X ${STAGE2}`]);
    assert.equal(apply(t, last), EMPTY, 'the table is as it was found');
  });

  it('a tag is matched whole: berth:bt1 does not take berth:bt10\'s rules', () => {
    const t = apply(EMPTY, isolationPlan(EMPTY, isolationTag('bt10'), [{ bridge: 'bt10', internal: false }]));
    assert.deepEqual(isolationPlan(t, tag, []), []);
  });

  it('sync retries a batch that raced with another daemon, and fails with a sentence when iptables keeps refusing', async () => {
    const calls: string[] = [];
    let restores = 0;
    const run: RunTool = async (file, args, input) => {
      calls.push(`${file} ${args.join(' ')}`);
      if (file === 'iptables') return { code: 0, stdout: EMPTY, stderr: '' };
      restores++;
      assert.match(String(input), /^\*mangle\n[\s\S]*\nCOMMIT\n$/);
      return restores === 1 ? { code: 4, stdout: '', stderr: 'CHAIN_ADD failed (File exists)' } : { code: 0, stdout: '', stderr: '' };
    };
    await new NetworkIsolation(run, tag).sync([{ bridge: 'bt1', internal: false }]);
    assert.equal(restores, 2);
    const refusing: RunTool = async (file) => (file === 'iptables' ? { code: 0, stdout: EMPTY, stderr: '' } : { code: 1, stdout: '', stderr: 'Permission denied' });
    await assert.rejects(new NetworkIsolation(refusing, tag).sync([{ bridge: 'bt1', internal: false }]), (e: { kind?: string; message?: string }) =>
      e.kind === 'System' && /isolation rules between networks failed: Permission denied/.test(String(e.message)));
  });
});
