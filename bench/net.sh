#!/usr/bin/env bash
# What networking costs a container start, and what a published port costs in throughput.
#   sudo bash bench/net.sh [rounds]
# One berthd on a temp socket with its own bridge (btbench) and pool (10.254.0.0/16), and
# podman (netavark) when installed (dockerd: see research/anchor-bench, same machine type),
# interleaved round by round (bench/lib.sh). Rows:
#   run --rm busybox true with --network none / the default bridge / the bridge and -p
#   50 × run -d at once on one user network, then rm -f of all
#   HTTP through a published port on 127.0.0.1 vs the same httpd reached at its own address
#     (ab from apache2-utils, keep-alive, 1 KiB file)
# Everything made here (bridges, rules, namespaces, daemons) is removed at exit.
set -euo pipefail
N=${1:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-net-XXXXXX)
. "$ROOT/bench/lib.sh"
cleanup_net() {
  [ -n "${B:-}" ] && { ids=$("${B[@]}" ps -aq 2>/dev/null || true); [ -z "$ids" ] || "${B[@]}" rm -f $ids >/dev/null 2>&1 || true; "${B[@]}" network rm benchnet >/dev/null 2>&1 || true; }
  [ -n "${HAVE_PODMAN:-}" ] && { "${PODMAN[@]}" rm -af >/dev/null 2>&1 || true; "${PODMAN[@]}" network rm -f benchnet >/dev/null 2>&1 || true; }
  bench_cleanup
  # the kept default bridge (its keeper veth), then the rules netavark made for it
  ip link del btbench-kp 2>/dev/null || true
  ip link del btbench 2>/dev/null || true
  ip link del docker0 2>/dev/null || true
  for t in nat filter; do
    iptables -w -t "$t" -S 2>/dev/null | grep -E '^-A .*10\.25[34]\.' | sed 's/^-A /-D /' | while read -r r; do eval iptables -w -t "$t" "$r" 2>/dev/null || true; done
  done
  rm -rf "$W"
}
trap cleanup_net EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"
MACHINE=$(machine_line)

start_fixture_registry
IMAGE=$FIX_HOST/busybox:latest
SOCK=$W/berth.sock
node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn \
  --bridge btbench --bip 10.254.0.1/24 --default-address-pool base=10.254.0.0/16,size=24 2>"$W/berthd.log" &
BERTHD_PID=$!; BG_PIDS+=("$BERTHD_PID")
wait_until 30 curl -sf --unix-socket "$SOCK" http://x/_ping
B=(docker -H "unix://$SOCK")
"${B[@]}" pull -q "$IMAGE" >/dev/null && "${B[@]}" tag "$IMAGE" busybox

HAVE_DOCKERD=; HAVE_PODMAN=
if podman_cmd 2>/dev/null; then
  "${PODMAN[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null && "${PODMAN[@]}" tag "$IMAGE" busybox && HAVE_PODMAN=1
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cand_b_none() { time_cmd b_none "${B[@]}" run --rm --network none busybox true; }
cand_b_bridge() { time_cmd b_bridge "${B[@]}" run --rm busybox true; }
cand_b_port() { time_cmd b_port "${B[@]}" run --rm -p "127.0.0.1:$PORT:80" busybox true; }
keys=(b_none b_bridge b_port)
if [ -n "$HAVE_PODMAN" ]; then
  cand_p_none() { time_cmd p_none "${PODMAN[@]}" run --rm "${PODMAN_RUN_FLAGS[@]}" --network none busybox true; }
  cand_p_bridge() { time_cmd p_bridge "${PODMAN[@]}" run --rm "${PODMAN_RUN_FLAGS[@]}" busybox true; }
  cand_p_port() { time_cmd p_port "${PODMAN[@]}" run --rm "${PODMAN_RUN_FLAGS[@]}" -p "127.0.0.1:$PORT:80" busybox true; }
  keys+=(p_none p_bridge p_port)
fi
"${B[@]}" run --rm busybox true >/dev/null # the first start makes (and keeps) the bridge
interleave "$N" "${keys[@]}"

# 50 at once on one user network
"${B[@]}" network create benchnet >/dev/null
fifty() {
  local t0=$EPOCHREALTIME
  seq 50 | xargs -P50 -I{} "${B[@]}" run -d --network benchnet busybox sleep 60 >/dev/null 2>>"$W/errors.log"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$W/t/b_fifty"
  t0=$EPOCHREALTIME
  "${B[@]}" rm -f $("${B[@]}" ps -aq) >/dev/null
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$W/t/b_fifty_rm"
}
for _ in 1 2 3; do fifty; done

# HTTP through the published port vs direct
"${B[@]}" run -d --name web -p "127.0.0.1:$PORT:80" busybox sh -c 'mkdir /www && head -c 1024 /dev/zero > /www/f && exec httpd -f -p 80 -h /www' >/dev/null
IP=$("${B[@]}" inspect -f '{{.NetworkSettings.IPAddress}}' web)
wait_until 10 curl -sf "http://127.0.0.1:$PORT/f"
ab_rps() { ab -q -k -n 20000 -c 8 "$1" 2>/dev/null | awk '/^Requests per second/{print $4}'; }
RPS_PORT=(); RPS_DIRECT=()
for _ in 1 2 3; do RPS_PORT+=("$(ab_rps "http://127.0.0.1:$PORT/f")"); RPS_DIRECT+=("$(ab_rps "http://$IP/f")"); done
"${B[@]}" rm -f web >/dev/null

echo "### bench/net.sh ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "$MACHINE"
echo
stats_head
stats_row b_none 'berth: `docker run --rm --network none busybox true`' 'docker CLI → berthd'
stats_row b_bridge 'berth: `docker run --rm busybox true` (default bridge)' 'netns + netavark setup/teardown'
stats_row b_port 'berth: `… -p 127.0.0.1:P:80 busybox true`' 'bridge + DNAT rules'
if [ -n "$HAVE_PODMAN" ]; then
  stats_row p_none 'podman: `run --rm --network none`' ''
  stats_row p_bridge 'podman: `run --rm` (netavark bridge)' ''
  stats_row p_port 'podman: `run --rm -p`' ''
fi
stats_row b_fifty 'berth: 50 × `run -d` at once on one user network' 'xargs -P50, docker CLI'
stats_row b_fifty_rm 'berth: `rm -f` of those 50' 'one CLI call'
echo
echo "Bridge cost (median bridge − median none): berth $(awk -v a="$(median_of b_bridge)" -v b="$(median_of b_none)" 'BEGIN{printf "%.1f", a-b}') ms; with -p $(awk -v a="$(median_of b_port)" -v b="$(median_of b_none)" 'BEGIN{printf "%.1f", a-b}') ms."
echo
echo "HTTP (ab -k -c 8 -n 20000, 1 KiB file, busybox httpd): published port 127.0.0.1:$PORT ${RPS_PORT[*]} req/s; direct $IP ${RPS_DIRECT[*]} req/s."
[ -s "$W/errors.log" ] && { echo; echo "Errors:"; sed 's/^/    /' "$W/errors.log" | head -20; }
exit 0
