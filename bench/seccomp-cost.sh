#!/usr/bin/env bash
# What the seccomp filter costs the start path and each syscall (bench/seccomp-cost.c), and
# what resolving a container's security settings costs berthd (cold: compile; warm: memo).
#   sudo bash bench/seccomp-cost.sh [rounds]      (after npm run build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${1:-200}
TMP=$(mktemp -d /tmp/berth-seccomp-cost.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
H=native/helper
cc -O2 -Wall -o "$TMP/seccomp-cost" bench/seccomp-cost.c $H/seccomp.c $H/utils.c $H/error.c -lseccomp
node -e '
const { SecurityResolver } = require("./dist/daemon/runtime/security.js");
(async () => {
  const r = new SecurityResolver(process.argv[1], "native/helper/build/berth-helper");
  const sec = { capAdd: [], capDrop: [], privileged: false, securityOpt: [] };
  let t = process.hrtime.bigint();
  const res = await r.resolve(sec);
  console.log(`daemon: first resolve of the default settings (profile -> rules -> seccomp-compile): ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`);
  const n = 5000;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await r.resolve(sec);
  console.log(`daemon: each later start or exec: ${(Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(1)} us`);
  require("fs").writeFileSync(process.argv[1] + "/path", res.seccomp);
})();
' "$TMP"
"$TMP/seccomp-cost" "$(cat "$TMP/path")" "$ROUNDS"
