#!/usr/bin/env bash
# bench/cli: CLI start-up and daemon start-up/idle memory, side by side with the docker CLI.
#
#   bash bench/cli.sh [RUNS]        # after `npm run build`; RUNS per hyperfine row (default 30)
#
# Starts its own berthd on a temp socket (never touches other daemons), then:
#   1. hyperfine: node -e 0 (Node's floor), berth --help/version/images/ps -a, and the real
#      docker CLI's version/images/ps -a against the same berthd (DOCKER_HOST).
#   2. the same berth commands run from single-file esbuild bundles (bench/cli-bundle.js), to
#      show what bundling would change (bin/berth does not use one; see bench/RESULTS.md).
#   3. berthd start-up to the first answered HEAD /_ping (tsc output vs bundle), 5 starts each.
#   4. berthd idle RSS/PSS 30 s after start, no containers, with dockerd/containerd's if running.
# Results: hyperfine JSON and a summary in $OUT (printed at the end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${1:-30}
OUT=${OUT:-/tmp/berth-bench-cli}
WORK=$(mktemp -d /tmp/berth-bench-cli.XXXXXX)
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v hyperfine >/dev/null || { echo "bench/cli: hyperfine is not installed" >&2; exit 1; }
[[ -f dist/client/main.js && -f dist/daemon/main.js ]] || { echo "bench/cli: run npm run build first" >&2; exit 1; }

# now_ms: wall clock in ms.  wait_ping SOCK: until HEAD /_ping answers (10 s guard).
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_ping() {
  local deadline=$(($(now_ms) + 10000))
  until curl -sf -I --unix-socket "$1" http://berth/_ping >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || { echo "bench/cli: no answer on $1" >&2; return 1; }
    sleep 0.005
  done
}
# start_daemon ENTRY DIR: starts `node ENTRY` on DIR/s.sock; sets DPID.
start_daemon() {
  mkdir -p "$2"
  node "$1" -H "unix://$2/s.sock" --data-root "$2/data" --exec-root "$2/run" >"$2/log" 2>&1 &
  DPID=$!
  PIDS+=("$DPID")
}
stop_daemon() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc: $(nproc); mem: $(free -h | awk '/^Mem:/{print $2}'); kernel: $(uname -r); node: $(node --version)"
  echo "docker CLI: $(docker --version 2>/dev/null || echo none)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/env.txt"

# ---------------------------------------------------------------- 1. CLI start-up
start_daemon bin/berthd "$WORK/d"
MAIN=$DPID
wait_ping "$WORK/d/s.sock"
export BERTH_HOST="unix://$WORK/d/s.sock" DOCKER_HOST="unix://$WORK/d/s.sock"
export DOCKER_CONFIG="$WORK/docker-config"
mkdir -p "$DOCKER_CONFIG"
hf() { hyperfine -N -w 3 -r "$RUNS" --style basic --export-json "$OUT/$1.json" "${@:2}" >"$OUT/$1.txt" 2>&1; }
hf cli-berth 'node -e 0' 'node bin/berth --help' 'node bin/berth version' 'node bin/berth images' 'node bin/berth ps -a'
if command -v docker >/dev/null; then
  hf cli-docker 'docker version' 'docker images' 'docker ps -a'
fi

# ---------------------------------------------------------------- 2. bundled variants
HAVE_BUNDLE=
if node bench/cli-bundle.js >/dev/null 2>"$WORK/bundle.err"; then
  HAVE_BUNDLE=1
  hf cli-bundle 'node dist/client/main.js --help' 'node dist/bench-bundle/berth.js --help' \
    'node dist/client/main.js images' 'node dist/bench-bundle/berth.js images' \
    'node dist/client/main.js version' 'node dist/bench-bundle/berth.js version'
else
  echo "bench/cli: no bundles (esbuild missing?): $(head -c 300 "$WORK/bundle.err")" >&2
fi

# ---------------------------------------------------------------- 3. daemon start-up
: >"$OUT/daemon-start.tsv"
entries=(bin/berthd)
[[ -n $HAVE_BUNDLE ]] && entries+=(dist/bench-bundle/berthd.js)
for i in 1 2 3 4 5; do
  for e in "${entries[@]}"; do
    dir="$WORK/start-$i-$(basename "$e")"
    t0=$(now_ms)
    start_daemon "$e" "$dir"
    wait_ping "$dir/s.sock"
    printf '%s\t%s\n' "$e" $(($(now_ms) - t0)) >>"$OUT/daemon-start.tsv"
    stop_daemon "$DPID"
    rm -rf "$dir"
  done
done

# ---------------------------------------------------------------- 4. idle memory
: >"$OUT/idle-rss.tsv"
idle=()
for e in "${entries[@]}"; do
  start_daemon "$e" "$WORK/idle-$(basename "$e")"
  idle+=("$e:$DPID")
done
for x in "${idle[@]}"; do wait_ping "$WORK/idle-$(basename "${x%%:*}")/s.sock"; done
sleep 30
rss() { printf '%s\t%s\t%s\n' "$1" "$(ps -o rss= -p "$2" | tr -d ' ')" "$(awk '/^Pss:/{print $2}' "/proc/$2/smaps_rollup")" >>"$OUT/idle-rss.tsv"; }
for x in "${idle[@]}"; do rss "${x%%:*} (idle 30 s)" "${x#*:}"; done
rss "bin/berthd after the CLI runs" "$MAIN"
for name in dockerd containerd; do
  pid=$(pgrep -xo "$name" || true)
  [[ -n $pid ]] && rss "$name (running on this machine)" "$pid"
done

# ---------------------------------------------------------------- summary
node - "$OUT" <<'EOF'
const fs = require('fs'); const out = process.argv[2];
const row = (r) => `| \`${r.command}\` | ${(r.median * 1e3).toFixed(1)} | ${(r.min * 1e3).toFixed(1)} | ${(r.mean * 1e3).toFixed(1)} ± ${(r.stddev * 1e3).toFixed(1)} | ${(r.user * 1e3).toFixed(0)}+${(r.system * 1e3).toFixed(0)} |`;
console.log(fs.readFileSync(`${out}/env.txt`, 'utf8'));
console.log('| command | median ms | min ms | mean ms | user+sys ms |\n|:---|---:|---:|---:|---:|');
for (const f of ['cli-berth', 'cli-docker', 'cli-bundle']) {
  if (fs.existsSync(`${out}/${f}.json`)) for (const r of JSON.parse(fs.readFileSync(`${out}/${f}.json`)).results) console.log(row(r));
}
const starts = {};
for (const l of fs.readFileSync(`${out}/daemon-start.tsv`, 'utf8').trim().split('\n')) { const [e, ms] = l.split('\t'); (starts[e] ??= []).push(+ms); }
console.log('\n| berthd start to first _ping | median ms | all runs ms |\n|:---|---:|:---|');
for (const [e, a] of Object.entries(starts)) { const s = [...a].sort((x, y) => x - y); console.log(`| \`node ${e}\` | ${s[s.length >> 1]} | ${a.join(', ')} |`); }
console.log('\n| process | RSS kB | PSS kB |\n|:---|---:|---:|');
for (const l of fs.readFileSync(`${out}/idle-rss.tsv`, 'utf8').trim().split('\n')) { const [p, r, s] = l.split('\t'); console.log(`| ${p} | ${r} | ${s} |`); }
EOF
