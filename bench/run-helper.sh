#!/usr/bin/env bash
# bench/run-helper.sh: the helper-only start path next to `crun run` of the same rootfs.
#
# Measures, with hyperfine:
#   berth-helper start   spec → monitor daemonised → container exec'd (what Runtime.start waits for)
#   crun run             OCI bundle made with umoci from the same busybox rootfs (runs to exit)
# Both create mnt/pid/uts/ipc/net namespaces and run /bin/true. The overlay mount, Node and the
# HTTP API are not in this number: that is bench/run (the containers engineer's end-to-end bench).
# Usage: sudo bench/run-helper.sh [runs]   (prints hyperfine's table; Markdown in $OUT if set)
set -euo pipefail
RUNS=${1:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HELPER=$ROOT/native/helper/build/berth-helper
W=$(mktemp -d /tmp/berth-bench-helper-XXXXXX)
trap 'rm -rf "$W"' EXIT

make -s -C "$ROOT/native/helper"
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }

# busybox rootfs
mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/proc" "$W/rootfs/dev" "$W/rootfs/sys"
cp /bin/busybox "$W/rootfs/bin/"
for a in sh true; do ln -s busybox "$W/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$W/rootfs/etc/passwd"

# OCI bundle with umoci (falls back to `crun spec` + the rootfs when umoci is missing)
if command -v umoci >/dev/null; then
  umoci init --layout "$W/oci" >/dev/null
  umoci new --image "$W/oci:bb" >/dev/null
  umoci insert --image "$W/oci:bb" "$W/rootfs" / >/dev/null
  umoci config --image "$W/oci:bb" --config.cmd /bin/true >/dev/null
  umoci unpack --image "$W/oci:bb" "$W/bundle" >/dev/null
  sed -i 's/"terminal": true/"terminal": false/' "$W/bundle/config.json"
else
  mkdir -p "$W/bundle" && cp -a "$W/rootfs" "$W/bundle/rootfs"
  (cd "$W/bundle" && crun spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/true"/' config.json)
fi

# helper spec (NUL-separated key=value, native/helper/README.md)
printf '%s\0' id=bench "rootfs=$W/rootfs" "rundir=$W/run" hostname=bench network=none arg=/bin/true > "$W/spec"

CMDS=("$HELPER start $W/spec")
NAMES=("berth-helper start (to exec)")
# a runtime that cannot run here is reported and left out (crun refuses hybrid cgroup hosts:
# "cgroups in hybrid mode not supported, drop all controllers from cgroupv2")
for rt in crun runc; do
  command -v $rt >/dev/null || continue
  if msg=$($rt run --bundle "$W/bundle" berth-bench-probe 2>&1); then
    CMDS+=("$rt run --bundle $W/bundle berth-bench-$rt")
    NAMES+=("$rt run (to exit)")
  else
    echo "skipping $rt: $msg" >&2
  fi
done
ARGS=(-N --warmup 3 --runs "$RUNS")
for i in "${!CMDS[@]}"; do ARGS+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
[ -n "${OUT:-}" ] && ARGS+=(--export-markdown "$OUT")
hyperfine "${ARGS[@]}"
