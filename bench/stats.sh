#!/usr/bin/env bash
# What `stats` costs the daemon (issue 8): 50 idle containers (busybox sleep), one streaming
# GET /containers/{id}/stats client per container (one sample a second each, as `docker stats`
# does), for DUR seconds; the daemon's CPU time (utime+stime of /proc/PID/stat, dockerd's plus
# containerd's and the shims' for Docker) over the same window with and without the streams.
# berthd and, when Debian's dockerd + containerd are installed, dockerd side by side.
#   sudo bash bench/stats.sh [containers=50] [seconds=30]   (after npm run build; DOCKERD=0: berthd only)
set -euo pipefail
N=${1:-50}
DUR=${2:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-stats-XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'kill $(jobs -p) 2>/dev/null || true; bench_cleanup' EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"
MACHINE=$(machine_line)
start_fixture_registry
IMAGE=$FIX_HOST/busybox:latest

SOCK=$W/berth.sock
node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn 2>"$W/berthd.log" &
BERTHD_PID=$!; BG_PIDS+=("$BERTHD_PID")
wait_until 30 curl -sf --unix-socket "$SOCK" http://x/_ping

# CPU ticks (USER_HZ) of a set of pids
ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

# measure NAME SOCKET PIDS-FUNCTION: idle window, then the same window with N streams
measure() {
  local name=$1 sock=$2 pidsfn=$3 d=(docker -H "unix://$2") ids a b c e
  "${d[@]}" pull -q "$IMAGE" >/dev/null
  for i in $(seq 1 "$N"); do "${d[@]}" run -d --network none "$IMAGE" sleep 100000 >>"$W/$name.ids"; done
  sleep 3
  a=$(ticks $($pidsfn)); sleep "$DUR"; b=$(ticks $($pidsfn))
  local pids=()
  while read -r id; do
    curl -sN --unix-socket "$sock" "http://x/containers/$id/stats?stream=1" >/dev/null &
    pids+=("$!")
  done <"$W/$name.ids"
  sleep 3
  c=$(ticks $($pidsfn)); sleep "$DUR"; e=$(ticks $($pidsfn))
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  "${d[@]}" rm -f $(cat "$W/$name.ids") >/dev/null
  awk -v n="$name" -v a="$a" -v b="$b" -v c="$c" -v e="$e" -v d="$DUR" -v k="$N" 'BEGIN {
    idle = (b - a) / d; busy = (e - c) / d
    printf "| %s | %.1f%% | %.1f%% | %.2f%% | %.2f ms |\n", n, idle, busy, (busy - idle) / k, (busy - idle) * 10 / k }'
}

berth_pids() { echo "$BERTHD_PID"; }
docker_pids() { echo "$DOCKERD_PID $CONTAINERD_PID $(pgrep -f "containerd-shim.*$W" || true)"; }

echo "## bench/stats — daemon CPU while streaming stats of $N containers ($DUR s windows)"
echo
echo "$MACHINE"
echo
echo "| daemon | CPU idle ($N containers) | CPU with $N stats streams | per stream (% of one CPU) | per sample (CPU ms) |"
echo "|---|---|---|---|---|"
measure berthd "$SOCK" berth_pids
if [ "${DOCKERD:-1}" = 1 ] && start_dockerd; then measure 'dockerd + containerd + shims' "$DOCKERD_SOCK" docker_pids; fi
