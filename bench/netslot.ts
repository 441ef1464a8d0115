/**
 * bench/netslot: a network slot (bridge name + private pool, test/support/netpool.ts) for a
 * bench script's berthd, so benches never touch the host's berth0 or another daemon's bridge,
 * and everything the daemon made on the host goes at the end.
 *   node dist/bench/netslot.js acquire OWNER_PID   prints "N BRIDGE BIP POOL" (slot owned by OWNER_PID)
 *   node dist/bench/netslot.js release N EXEC_ROOT DATA_ROOT   cleans the slot and frees it
 */
import { writeFileSync } from 'node:fs';
import { acquireNetSlot, cleanSlotNetwork, releaseNetSlot, slotOf } from '../test/support/netpool';

const [cmd, a1 = '', a2, a3] = process.argv.slice(2);
if (cmd === 'acquire') {
  const s = acquireNetSlot();
  // the bench script, not this short-lived process, owns the slot (a dead owner's slot is swept)
  writeFileSync(`/tmp/berth-test-netslots/${s.n}`, a1);
  process.stdout.write(`${s.n} ${s.bridge} ${s.bip} ${s.pool}\n`);
} else if (cmd === 'release') {
  const s = slotOf(Number(a1));
  cleanSlotNetwork(s, a2, a3);
  releaseNetSlot(s);
} else {
  process.stderr.write('usage: netslot.js acquire OWNER_PID | release N EXEC_ROOT DATA_ROOT\n');
  process.exit(2);
}
