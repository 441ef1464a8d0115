#!/usr/bin/env bash
# bench/run.sh: how fast berth runs a container, side by side with the anchors, in ONE run.
#
# Candidates, interleaved (every round runs each once, starting at a different one), so load
# from other work on this shared machine hits them alike:
#   berth run --rm busybox true          the whole berth CLI path (Node start + API + helper)
#   docker run --rm busybox true         real docker CLI 28 → berthd (the daemon path), on the
#                                        default bridge and with --network none
#   docker ps -q                         the docker CLI's own floor against berthd
#   API warm client → berthd             create → wait → start → wait → remove, one process,
#                                        bridge and none
#   the same API client → an older berthd (BASE=/path/to/a built tree: before/after in one run)
#   docker run --rm busybox true         real docker CLI 28 → dockerd 20.10 + containerd + runc
#   API warm client → dockerd            the same client and calls against dockerd
#   podman run --rm --network none       podman 4.3 / conmon / crun, no daemon
#   crun run / runc run                  the same image unpacked with umoci as an OCI bundle
#   node -e 0, berth --help              what Node itself costs the CLI
# Then: 50 containers started at once (`docker run -d` ×50 via xargs -P50 against berthd and
# dockerd, `podman run -d` ×50, and 50 create+start from the warm API client to berthd), and
# idle RSS/PSS of berthd vs dockerd + containerd, right after start and after everything.
#
# Networking: berthd runs with its own default bridge (a network slot: bridge btN, a private
# 10.x pool, bench/lib.sh start_berthd_slot), seccomp and the device cgroup on, as a user gets
# them; the --network none rows show what the bridge costs. dockerd runs with --bridge=none
# --iptables=false (loopback only), podman and the bundles get --network none / a fresh netns
# (bench/net.sh compares the bridges). The image is the test fixture busybox from
# scripts/fixture-registry.js (127.0.0.1), pulled by every engine.
# Usage: sudo [BASE=/tree] bash bench/run.sh [rounds=30]   (needs npm run build; ~3 min at 30)
# Prints Markdown to stdout; raw per-run times stay in $KEEP if set.
set -euo pipefail
N=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-run-XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'coproc_stop; [ -n "${KEEP:-}" ] && cp -r "$W/t" "$KEEP"; bench_cleanup' EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config   # podman reads it too (auth): it must exist
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"
MACHINE=$(machine_line)
command -v umoci >/dev/null && command -v skopeo >/dev/null || { echo "needs umoci and skopeo" >&2; exit 1; }
ensure_crun_cgroups

start_fixture_registry
IMAGE=$FIX_HOST/busybox:latest

start_berthd_slot "$W/b"
B=(docker -H "unix://$SOCK")
"${B[@]}" pull -q "$IMAGE" >/dev/null && "${B[@]}" tag "$IMAGE" busybox
if [ -n "${BASE:-}" ]; then
  MAIN_SOCK=$SOCK MAIN_PID=$BERTHD_PID
  start_berthd_slot "$W/o" "$BASE"; BASE_SOCK=$SOCK
  docker -H "unix://$BASE_SOCK" pull -q "$IMAGE" >/dev/null && docker -H "unix://$BASE_SOCK" tag "$IMAGE" busybox
  SOCK=$MAIN_SOCK BERTHD_PID=$MAIN_PID
fi

HAVE_DOCKERD=; HAVE_PODMAN=
if start_dockerd; then
  HAVE_DOCKERD=1; D=(docker -H "unix://$DOCKERD_SOCK")
  "${D[@]}" pull -q "$IMAGE" >/dev/null && "${D[@]}" tag "$IMAGE" busybox
fi
if podman_cmd; then
  "${PODMAN[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null && "${PODMAN[@]}" tag "$IMAGE" busybox && HAVE_PODMAN=1
fi
sleep 3
rss() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END {printf "%d / %d", r, p}' "/proc/$1/smaps_rollup"; }
RSS_B0=$(rss "$BERTHD_PID"); [ -n "$HAVE_DOCKERD" ] && RSS_D0=$(rss "$DOCKERD_PID") RSS_C0=$(rss "$CONTAINERD_PID")

# The same image as an OCI runtime bundle for crun and runc (args /bin/true, no terminal).
skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci:$W/oci:bb" >/dev/null
umoci unpack --image "$W/oci:bb" "$W/bundle" >/dev/null
python3 - "$W/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY

# Warm API clients (bench/run-api.ts in serve mode), one per daemon, driven line by line.
coproc_start() { # coproc_start NAME SOCKET
  mkfifo "$W/$1.in" "$W/$1.out"
  node dist/bench/run-api.js "$2" busybox serve <"$W/$1.in" >"$W/$1.out" 2>>"$W/errors.log" &
  BG_PIDS+=("$!")
  eval "exec {${1}_w}>\"$W/$1.in\" {${1}_r}<\"$W/$1.out\""
}
coproc_stop() { for fd in ${api_b_w:-} ${api_d_w:-} ${api_o_w:-}; do eval "exec $fd>&-"; done; }
api_once() { # api_once NAME KEY [NETWORK]: one run; records total and phases
  local w r line; eval "w=\$${1}_w r=\$${1}_r"
  echo "once ${3:-}" >&"$w"; read -r -t 60 line <&"$r"
  for ph in total create start waitExit remove; do
    sed -E "s/.*\"$ph\":([0-9.]+).*/\1/" <<<"$line" | awk '{printf "%.1f\n", $1}' >>"$W/t/$2${ph/total/}"
  done
}
coproc_start api_b "$SOCK"
[ -n "$HAVE_DOCKERD" ] && coproc_start api_d "$DOCKERD_SOCK"
[ -n "${BASE_SOCK:-}" ] && coproc_start api_o "$BASE_SOCK"

cand_berth() { time_cmd berth env BERTH_HOST="unix://$SOCK" node bin/berth run --rm busybox true; }
cand_dockerB() { time_cmd dockerB "${B[@]}" run --rm busybox true; }
cand_dockerBn() { time_cmd dockerBn "${B[@]}" run --rm --network none busybox true; }
cand_floor() { time_cmd floor "${B[@]}" ps -q; }
cand_apiB() { api_once api_b apiB; }
cand_apiBn() { api_once api_b apiBn none; }
cand_apiO() { api_once api_o apiO; }
cand_apiOn() { api_once api_o apiOn none; }
cand_dockerD() { time_cmd dockerD "${D[@]}" run --rm busybox true; }
cand_apiD() { api_once api_d apiD; }
cand_podman() { time_cmd podman "${PODMAN[@]}" run --rm --network none "${PODMAN_RUN_FLAGS[@]}" busybox true; }
cand_crun() { time_cmd crun crun run --bundle "$W/bundle" "bench-crun-$$"; }
cand_runc() { time_cmd runc runc run --bundle "$W/bundle" "bench-runc-$$"; }
cand_node() { time_cmd node node -e 0; }
cand_help() { time_cmd help node bin/berth --help; }
CANDS=(berth dockerB dockerBn floor apiB apiBn node help)
[ -n "${BASE_SOCK:-}" ] && CANDS+=(apiO apiOn)
[ -n "$HAVE_DOCKERD" ] && CANDS+=(dockerD apiD)
[ -n "$HAVE_PODMAN" ] && CANDS+=(podman)
crun run --bundle "$W/bundle" "bench-probe-$$" >/dev/null 2>>"$W/errors.log" && CANDS+=(crun)
runc run --bundle "$W/bundle" "bench-probe-$$" >/dev/null 2>&1 && CANDS+=(runc)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
interleave 2 "${CANDS[@]}"; rm -f "$W"/t/*   # warm-up round(s), discarded
interleave "$N" "${CANDS[@]}"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# 50 at once, interleaved rounds; each round removes its containers before the next.
C50_ROUNDS=${C50_ROUNDS:-3}
run50() { # run50 KEY DOCKER-CMD...: 50 × "DOCKER-CMD run -d ... busybox sleep 60" via xargs -P50
  local key=$1; shift
  time_cmd "$key" bash -c 'seq 50 | xargs -P 50 -I{} "$@" run -d --label bench=c50 busybox sleep 60' _ "$@"
}
rm_c50() { # also checks that all 50 really run
  local ids; ids=$("$@" ps -q --filter label=bench=c50)
  [ "$(wc -w <<<"$ids")" = 50 ] || echo "FAILED: only $(wc -w <<<"$ids") of 50 running ($*)" >>"$W/errors.log"
  ids=$("$@" ps -aq --filter label=bench=c50); [ -z "$ids" ] || "$@" rm -f $ids >/dev/null 2>&1 || true; }
cand_c50B() { run50 c50B "${B[@]}"; rm_c50 "${B[@]}"; }
cand_c50D() { run50 c50D "${D[@]}"; rm_c50 "${D[@]}"; }
c50api() { # c50api NAME KEY [NETWORK]
  local w r line; eval "w=\$${1}_w r=\$${1}_r"
  echo "concurrent 50 ${3:-}" >&"$w"; read -r -t 120 line <&"$r"; sed -E 's/.*"wallMs":([0-9.]+).*/\1/' <<<"$line" >>"$W/t/$2"; }
cand_c50A() { c50api api_b c50A; }
cand_c50An() { c50api api_b c50An none; }
cand_c50O() { c50api api_o c50O; }
cand_c50On() { c50api api_o c50On none; }
# podman's flags must come after "run"; -t 0: kill at once, as docker rm -f does
cand_c50P() { time_cmd c50P bash -c "$(declare -p PODMAN PODMAN_RUN_FLAGS); seq 50 | xargs -P 50 -I{} \"\${PODMAN[@]}\" run -d --network none \"\${PODMAN_RUN_FLAGS[@]}\" --label bench=c50 busybox sleep 60"; local ids; ids=$("${PODMAN[@]}" ps -q --filter label=bench=c50)
  [ "$(wc -w <<<"$ids")" = 50 ] || echo "FAILED: only $(wc -w <<<"$ids") of 50 podman containers running" >>"$W/errors.log"
  ids=$("${PODMAN[@]}" ps -aq --filter label=bench=c50); [ -z "$ids" ] || "${PODMAN[@]}" rm -f -t 0 $ids >/dev/null 2>&1 || true; }
C50=(c50B c50A c50An)
[ -n "${BASE_SOCK:-}" ] && C50+=(c50O c50On)
[ -n "$HAVE_DOCKERD" ] && C50+=(c50D)
[ -n "$HAVE_PODMAN" ] && C50+=(c50P)
interleave "$C50_ROUNDS" "${C50[@]}"

sleep 5
RSS_B1=$(rss "$BERTHD_PID"); [ -n "$HAVE_DOCKERD" ] && RSS_D1=$(rss "$DOCKERD_PID") RSS_C1=$(rss "$CONTAINERD_PID")

echo "### bench/run — one run, $N interleaved rounds"
echo
echo "$MACHINE"
echo "Load average after the single-container rounds: $LOAD1 (before: $LOAD0)."
echo
stats_head
stats_row berth 'berth run --rm busybox true (berth CLI → berthd)' 'end to end'
stats_row dockerB 'docker run --rm busybox true (docker CLI 28 → berthd)' 'default bridge'
stats_row dockerBn 'docker run --rm --network none busybox true (docker CLI 28 → berthd)' 'loopback only'
stats_row floor 'docker ps -q (docker CLI 28 → berthd)' "the docker CLI's own floor"
stats_row apiB 'API, warm client → berthd: total' 'create → wait → start → wait → remove; default bridge'
stats_row apiBcreate '… create'; stats_row apiBstart '… start'; stats_row apiBwaitExit '… start answered → exit seen'; stats_row apiBremove '… remove'
stats_row apiBn 'API, warm client → berthd, --network none: total' 'loopback only'
stats_row apiBncreate '… create'; stats_row apiBnstart '… start'; stats_row apiBnwaitExit '… start answered → exit seen'; stats_row apiBnremove '… remove'
if [ -n "${BASE_SOCK:-}" ]; then
  stats_row apiO "API, warm client → berthd of $(cd "$BASE" && git log -1 --format=%h 2>/dev/null || echo "$BASE"): total" 'the older tree (BASE), default bridge'
  stats_row apiOstart '… start'; stats_row apiOwaitExit '… start answered → exit seen'
  stats_row apiOn '… the same, --network none: total' 'the older tree (BASE)'
  stats_row apiOnstart '… start'
fi
stats_row dockerD 'docker run --rm busybox true (docker CLI 28 → dockerd 20.10)' 'containerd 1.6 + runc 1.1; no bridge'
stats_row apiD 'API, warm client → dockerd: total' 'same client as above'
stats_row apiDcreate '… create'; stats_row apiDstart '… start'; stats_row apiDwaitExit '… start answered → exit seen'; stats_row apiDremove '… remove'
stats_row podman 'podman run --rm --network none busybox true' 'podman 4.3.1 / conmon / crun'
stats_row crun 'crun run (umoci bundle, /bin/true)' 'crun 1.8.1, no daemon'
stats_row runc 'runc run (umoci bundle, /bin/true)' 'runc 1.1.5, no daemon'
stats_row node 'node -e 0' "Node's own start"
stats_row help 'berth --help' 'CLI start-up'
echo
echo "50 containers started at once ($C50_ROUNDS interleaved rounds, \`busybox sleep 60\`, removed between rounds):"
echo
stats_head
stats_row c50B '50 × docker run -d → berthd (xargs -P50)'
stats_row c50A '50 × create+start, warm API client → berthd' 'default bridge'
stats_row c50An '50 × create+start, warm API client → berthd, --network none' 'loopback only'
[ -n "${BASE_SOCK:-}" ] && { stats_row c50O '50 × create+start, API → the older berthd (BASE)' 'default bridge'; stats_row c50On '… the same, --network none'; }
stats_row c50D '50 × docker run -d → dockerd (xargs -P50)'
stats_row c50P '50 × podman run -d --network none (xargs -P50)'
echo
echo "| idle memory (RSS / PSS kB) | fresh, busybox pulled | after everything above |"
echo "|:---|---:|---:|"
echo "| berthd | $RSS_B0 | $RSS_B1 |"
[ -n "$HAVE_DOCKERD" ] && echo "| dockerd 20.10 | $RSS_D0 | $RSS_D1 |" && echo "| containerd 1.6 | $RSS_C0 | $RSS_C1 |"
ratio() { awk -v a="$(median_of "$1")" -v b="$(median_of "$2")" -v c="${3:+$(median_of "${3:-x}" 2>/dev/null)}" 'BEGIN { if (c == "") c = 0; printf "%.2f", (a - c) / b }'; }
diffms() { awk -v a="$(median_of "$1")" -v b="$(median_of "$2")" 'BEGIN { printf "%.1f", a - b }'; }
if [ -s "$W/t/crun" ]; then
  echo
  echo "Ratios of medians from this run (goal ≤ 1.5× bare crun): API → berthd, bridge $(ratio apiB crun)× crun, none $(ratio apiBn crun)×;" \
    "docker CLI → berthd minus the CLI's floor (\`docker ps -q\`): bridge $(ratio dockerB crun floor)× crun, none $(ratio dockerBn crun floor)×."
fi
echo "What the default bridge adds (median bridge − median none): API $(diffms apiB apiBn) ms (start $(diffms apiBstart apiBnstart) ms), docker CLI $(diffms dockerB dockerBn) ms; 50 at once $(diffms c50A c50An) ms."
[ -n "${BASE_SOCK:-}" ] && echo "The older tree (BASE) in the same run: bridge adds $(diffms apiO apiOn) ms (start $(diffms apiOstart apiOnstart) ms); API total $(median_of apiO) → $(median_of apiB) ms on the bridge, $(median_of apiOn) → $(median_of apiBn) ms without."
[ -s "$W/errors.log" ] && { echo; echo "Errors during the run (first 5):"; echo '```'; grep -v '^$' "$W/errors.log" | head -5; echo '```'; }
true
