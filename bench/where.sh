#!/usr/bin/env bash
# bench/where.sh: where berthd's milliseconds go for one `run --rm busybox true` (API path).
#
# Starts its own berthd with bench/trace-preload.js (every exported function of dist/daemon/
# timed, inclusive), pulls the fixture busybox, runs 5 warm-up containers through the warm API
# client (bench/run-api.ts, create → wait → start → wait → remove), resets the table, runs N
# more, and prints the functions that took the most wall time per container. Times nest
# (a row includes the rows it calls) and tracing adds a little to each call.
# The daemon has its own default bridge (a network slot, bench/lib.sh start_berthd_slot): the
# containers run on it unless NET=none (loopback only) is set.
# Usage: sudo [NET=none] bash bench/where.sh [N=30] [rows=30]   (needs npm run build)
set -euo pipefail
N=${1:-30}
ROWS=${2:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-where-XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'exec {wfd}>&- 2>/dev/null || true; bench_cleanup' EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config
start_fixture_registry
export BERTH_TRACE_OUT=$W/trace.jsonl
BERTHD_NODE_ARGS="-r ./bench/trace-preload.js" start_berthd_slot "$W/b"
docker -H "unix://$SOCK" pull -q "$FIX_HOST/busybox:latest" >/dev/null
docker -H "unix://$SOCK" tag "$FIX_HOST/busybox:latest" busybox

mkfifo "$W/in" "$W/out"
BENCH_NET=${NET:-} node dist/bench/run-api.js "$SOCK" busybox serve <"$W/in" >"$W/out" &
BG_PIDS+=("$!")
exec {wfd}>"$W/in" {rfd}<"$W/out"
for _ in 1 2 3 4 5; do echo once >&"$wfd"; read -r -t 60 _ <&"$rfd"; done
kill -USR2 "$BERTHD_PID"; sleep 0.5; : >"$W/trace.jsonl"
for ((i = 0; i < N; i++)); do echo once >&"$wfd"; read -r -t 60 line <&"$rfd"; echo "$line" >>"$W/phases"; done
kill -USR2 "$BERTHD_PID"; sleep 0.5

echo "### bench/where — berthd, $N containers through the warm API client, network ${NET:-bridge} ($(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
node -e '
  const fs = require("fs");
  const ph = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const med = (k) => { const v = ph.map((p) => p[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)].toFixed(1); };
  console.log("API phases, median ms: " + ["create", "start", "waitExit", "remove", "total"].map((k) => `${k} ${med(k)}`).join(", ") + "\n");
  const n = Number(process.argv[3]);
  const rows = fs.readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  rows.sort((a, b) => b.ms - a.ms);
  console.log("| function (dist/daemon/…, inclusive wall time) | ms per container | calls per container |");
  console.log("|:---|---:|---:|");
  for (const r of rows.slice(0, Number(process.argv[4]))) console.log(`| ${r.key} | ${(r.ms / n).toFixed(2)} | ${(r.n / n).toFixed(1)} |`);
' "$W/phases" "$W/trace.jsonl" "$N" "$ROWS"
