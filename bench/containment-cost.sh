#!/usr/bin/env bash
# What containment costs the start path (issue 9: seccomp + device cgroup together under 2 ms):
#   - berthd resolving a container's security settings: the first time (profile -> rules ->
#     `berth-helper seccomp-compile`) and every later start or exec (memoized);
#   - the helper reading and installing the compiled filter (bench/seccomp-cost.c, fresh child
#     per round) and what the filter adds to each syscall;
#   - berthd applying Docker's default device rules to a fresh cgroup (v1: devices.deny +
#     devices.allow writes; v2: building and attaching the BPF device program), per round.
#   sudo bash bench/containment-cost.sh [rounds]      (after npm run build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${1:-200}
TMP=$(mktemp -d /tmp/berth-containment-cost.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
H=native/helper
cc -O2 -Wall -Wno-format-truncation -o "$TMP/seccomp-cost" bench/seccomp-cost.c $H/seccomp.c $H/utils.c $H/error.c -lseccomp
node -e '
const { SecurityResolver } = require("./dist/daemon/runtime/security.js");
(async () => {
  const r = new SecurityResolver(process.argv[1], "native/helper/build/berth-helper");
  const sec = { capAdd: [], capDrop: [], privileged: false, securityOpt: [] };
  let t = process.hrtime.bigint();
  const res = await r.resolve(sec);
  console.log(`daemon, seccomp: first resolve of the default settings (profile -> rules -> seccomp-compile): ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`);
  const n = 5000;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await r.resolve(sec);
  console.log(`daemon, seccomp: each later start or exec: ${(Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(1)} us`);
  require("fs").writeFileSync(process.argv[1] + "/path", res.seccomp);
})();
' "$TMP"
"$TMP/seccomp-cost" "$(cat "$TMP/path")" "$ROUNDS"
node -e '
const { detectCgroups } = require("./dist/daemon/runtime/cgroups.js");
const { resolveDevices } = require("./dist/daemon/runtime/devices.js");
const fs = require("fs");
(async () => {
  const rounds = Number(process.argv[1]);
  const roots = [["v1", "/sys/fs/cgroup"], ["v2", "/sys/fs/cgroup/unified"]];
  for (const [name, root] of roots) {
    if (!fs.existsSync(root)) continue;
    const cg = await detectCgroups(root);
    if (cg.version === 0) continue;
    const times = [];
    for (let i = 0; i < rounds; i++) {
      const id = `bench-devices-${process.pid}-${i}`;
      await cg.create(id);
      try {
        const t = process.hrtime.bigint();
        const d = await resolveDevices(undefined);
        await cg.setDevices(id, d.rules);
        times.push(Number(process.hrtime.bigint() - t) / 1e3);
      } finally {
        await cg.remove(id);
      }
    }
    times.sort((a, b) => a - b);
    const q = (f) => times[Math.floor(times.length * f)].toFixed(0);
    console.log(`daemon, device cgroup ${name} (cgroup v${cg.version} at ${root}): median ${q(0.5)} us (p25 ${q(0.25)}, p75 ${q(0.75)}, max ${times[times.length - 1].toFixed(0)}), ${rounds} rounds`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
' "$(( ROUNDS < 100 ? ROUNDS : 100 ))"
