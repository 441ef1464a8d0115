#!/usr/bin/env bash
# `docker cp` of a 100 MB directory (100 files of 1 MB + 2,000 files of 512 B in 20
# directories) into and out of a running container, against berthd and, when Debian's
# dockerd is installed, against dockerd side by side (interleaved rounds). The plain
# `tar c | tar x` of the same directory on the same disk is the floor both are measured against.
# Usage: sudo bash bench/cp.sh [rounds=5]   (needs a build: npm run build)
set -euo pipefail
N=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-cp-XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'bench_cleanup' EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"
MACHINE=$(machine_line)

SRC=$W/src/payload
mkdir -p "$SRC"
for i in $(seq 1 100); do head -c 1048576 /dev/urandom >"$SRC/big-$i"; done
for d in $(seq 1 20); do mkdir -p "$SRC/d$d"; for i in $(seq 1 100); do head -c 512 /dev/urandom >"$SRC/d$d/f$i"; done; done
SIZE=$(du -sm "$SRC" | cut -f1)

start_fixture_registry
IMAGE=$FIX_HOST/busybox:latest
SOCK=$W/berth.sock
node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn 2>"$W/berthd.log" &
BERTHD_PID=$!; BG_PIDS+=("$BERTHD_PID")
wait_until 30 curl -sf --unix-socket "$SOCK" http://x/_ping
B=(docker -H "unix://$SOCK")
"${B[@]}" pull -q "$IMAGE" >/dev/null
"${B[@]}" run -d --name cpb --network none "$IMAGE" sleep 3600 >/dev/null

HAVE_DOCKERD=
if command -v dockerd >/dev/null && start_dockerd; then
  HAVE_DOCKERD=1; D=(docker -H "unix://$DOCKERD_SOCK")
  "${D[@]}" pull -q "$IMAGE" >/dev/null
  "${D[@]}" run -d --name cpd --network none "$IMAGE" sleep 3600 >/dev/null
fi

round=0
cand_floor() { rm -rf "$W/floor"; mkdir -p "$W/floor"; time_cmd floor sh -c "tar -C '$W/src' -cf - payload | tar -C '$W/floor' -xf -"; }
cand_inB() { round=$((round + 1)); time_cmd inB "${B[@]}" cp "$SRC" "cpb:/tmp/in$round"; }
cand_outB() { rm -rf "$W/outB"; time_cmd outB "${B[@]}" cp cpb:/tmp/in1 "$W/outB"; }
cand_inD() { time_cmd inD "${D[@]}" cp "$SRC" "cpd:/tmp/in$round"; }
cand_outD() { rm -rf "$W/outD"; time_cmd outD "${D[@]}" cp cpd:/tmp/in1 "$W/outD"; }
KEYS=(floor inB outB)
[ -n "$HAVE_DOCKERD" ] && KEYS+=(inD outD)
interleave "$N" "${KEYS[@]}"
cmp <(cd "$SRC" && find . -type f -exec md5sum {} + | sort) <(cd "$W/outB" && find . -type f -exec md5sum {} + | sort) >/dev/null || echo "MISMATCH: the copy out differs" >&2

echo "### cp of a ${SIZE} MB directory (2,100 files)"
echo
echo "$MACHINE"
echo
stats_head
stats_row floor "tar c piped into tar x on the host (the floor)"
stats_row inB "docker cp DIR ctr:/tmp/ → berthd" "running container"
stats_row outB "docker cp ctr:/tmp/DIR DIR ← berthd" "running container"
if [ -n "$HAVE_DOCKERD" ]; then
  stats_row inD "docker cp DIR ctr:/tmp/ → dockerd"
  stats_row outD "docker cp ctr:/tmp/DIR DIR ← dockerd"
else
  echo
  echo "dockerd is not installed on this machine (Debian's docker.io is not in the install set), so there is no side-by-side row."
fi
[ -s "$W/errors.log" ] && { echo; echo "Errors:"; cat "$W/errors.log"; }
exit 0
