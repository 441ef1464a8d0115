#!/usr/bin/env bash
# bench/build.sh: how fast berth builds and moves images, side by side with the anchors, in
# ONE run with the candidates interleaved (each round runs every candidate once, starting at
# a different one) so load from other work on this shared machine hits them alike.
#
#   cold build        a 7-step Dockerfile (FROM, ENV, WORKDIR, COPY of 200 files of 2 kB, RUN,
#                     COPY, CMD) with --no-cache: every step runs (one container)
#   cached rebuild    the same build again: every step from the cache
#   cached, daemon    the cached rebuild as one POST /build (curl, ready context tar): the
#                     daemon's own time without any CLI start-up (berthd and dockerd)
#   save / load       a ~200 MB, 2,000-file, 3-layer image: save to a file; load after rmi
# Candidates: berth (CLI → berthd), dockerd 20.10's legacy builder (docker CLI 28 with
# DOCKER_BUILDKIT=0, own containerd + dockerd on temp sockets, no bridge), podman 4.3 build
# (buildah 1.28 inside; own storage root; RUN through crun with --network none).
# The base is the test fixture busybox (scripts/fixture-registry.js on 127.0.0.1), pulled
# into each engine and tagged bench-base:1. Loopback only.
# Usage: sudo bash bench/build.sh [rounds=5] [saveload-rounds=3]   (needs npm run build)
set -euo pipefail
N=${1:-5}
NS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-build-XXXXXX)
. "$ROOT/bench/lib.sh"
trap 'bench_cleanup' EXIT
cd "$ROOT"
export DOCKER_CONFIG=$W/docker-config DOCKER_BUILDKIT=0
mkdir -p "$DOCKER_CONFIG" && echo '{}' >"$DOCKER_CONFIG/config.json"
MACHINE=$(machine_line)
ensure_crun_cgroups

start_fixture_registry
IMAGE=$FIX_HOST/busybox:latest
SOCK=$W/berth.sock
node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn 2>"$W/berthd.log" &
BG_PIDS+=("$!")
wait_until 30 curl -sf --unix-socket "$SOCK" http://x/_ping
BERTH=(node bin/berth -H "unix://$SOCK")
docker -H "unix://$SOCK" pull -q "$IMAGE" >/dev/null && docker -H "unix://$SOCK" tag "$IMAGE" bench-base:1
HAVE_DOCKERD=; HAVE_PODMAN=
if start_dockerd; then
  HAVE_DOCKERD=1; D=(docker -H "unix://$DOCKERD_SOCK")
  "${D[@]}" pull -q "$IMAGE" >/dev/null && "${D[@]}" tag "$IMAGE" bench-base:1
fi
if podman_cmd; then
  "${PODMAN[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null && "${PODMAN[@]}" tag "$IMAGE" bench-base:1 && HAVE_PODMAN=1
fi
PB=("${PODMAN[@]}" build -q --network none "${PODMAN_RUN_FLAGS[@]}")

# The build context.
CTX=$W/ctx
mkdir -p "$CTX/files"
for i in $(seq 1 200); do head -c 2048 /dev/urandom >"$CTX/files/f$i"; done
echo last >"$CTX/last.txt"
cat >"$CTX/Dockerfile" <<'EOF'
FROM bench-base:1
ENV GREETING=hello
WORKDIR /app
COPY files/ /app/files/
RUN echo "$GREETING" > /app/s1 && ls /app/files | wc -l > /app/count
COPY last.txt /app/
CMD ["cat", "/app/count"]
EOF
tar -C "$CTX" -cf "$W/ctx.tar" .
POST_BUILD=(curl -sS -f -X POST -H 'Content-Type: application/x-tar' --data-binary "@$W/ctx.tar" -o /dev/null "http://x/v1.41/build?t=bench:1&q=1" --unix-socket)

cand_bCold() { time_cmd bCold "${BERTH[@]}" build --no-cache -q -t bench:1 "$CTX"; }
cand_dCold() { time_cmd dCold "${D[@]}" build --no-cache -q -t bench:1 "$CTX"; }
cand_pCold() { time_cmd pCold "${PB[@]}" --layers --no-cache -t bench:1 "$CTX"; }
cand_bHot() { time_cmd bHot "${BERTH[@]}" build -q -t bench:1 "$CTX"; }
cand_dHot() { time_cmd dHot "${D[@]}" build -q -t bench:1 "$CTX"; }
cand_pHot() { time_cmd pHot "${PB[@]}" --layers -t bench:1 "$CTX"; }
cand_bApi() { time_cmd bApi "${POST_BUILD[@]}" "$SOCK"; }
cand_dApi() { time_cmd dApi "${POST_BUILD[@]}" "$DOCKERD_SOCK"; }
COLD=(bCold); HOT=(bHot bApi)
[ -n "$HAVE_DOCKERD" ] && COLD+=(dCold) HOT+=(dHot dApi)
[ -n "$HAVE_PODMAN" ] && COLD+=(pCold) HOT+=(pHot)
interleave 1 "${COLD[@]}" "${HOT[@]}"; rm -f "$W"/t/*   # warm-up, discarded
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
interleave "$N" "${COLD[@]}"
# the cold builds tagged a fresh image each time: one cached build per engine first
for c in "${HOT[@]}"; do "cand_$c"; done; rm -f "$W"/t/*Hot "$W"/t/*Api
interleave "$((N * 2))" "${HOT[@]}"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# A large image for save/load: 2,000 files of 100 kB in two COPY layers on busybox.
mkdir -p "$W/big/a" "$W/big/b"
for i in $(seq 1 1000); do head -c 102400 /dev/urandom >"$W/big/a/f$i"; head -c 102400 /dev/urandom >"$W/big/b/f$i"; done
printf 'FROM bench-base:1\nCOPY a /data/a/\nCOPY b /data/b/\n' >"$W/big/Dockerfile"
"${BERTH[@]}" build -q -t big:1 "$W/big" >/dev/null
"${BERTH[@]}" save -o "$W/big.tar" big:1
SIZE_MB=$(($(stat -c %s "$W/big.tar") / 1048576))
[ -n "$HAVE_DOCKERD" ] && "${D[@]}" load -q -i "$W/big.tar" >/dev/null
[ -n "$HAVE_PODMAN" ] && "${PODMAN[@]}" load -q -i "$W/big.tar" >/dev/null
rm -rf "$W/big"
cand_bSave() { rm -f "$W/o.tar"; time_cmd bSave "${BERTH[@]}" save -o "$W/o.tar" big:1; }
cand_dSave() { rm -f "$W/o.tar"; time_cmd dSave "${D[@]}" save -o "$W/o.tar" big:1; }
cand_pSave() { rm -f "$W/o.tar"; time_cmd pSave "${PODMAN[@]}" save -q -o "$W/o.tar" big:1; }
cand_bLoad() { "${BERTH[@]}" rmi -f big:1 >/dev/null 2>&1 || true; sync; time_cmd bLoad "${BERTH[@]}" load -q -i "$W/big.tar"; }
cand_dLoad() { "${D[@]}" rmi -f big:1 >/dev/null 2>&1 || true; sync; time_cmd dLoad "${D[@]}" load -q -i "$W/big.tar"; }
cand_pLoad() { "${PODMAN[@]}" rmi -f big:1 >/dev/null 2>&1 || true; sync; time_cmd pLoad "${PODMAN[@]}" load -q -i "$W/big.tar"; }
SL=(bSave bLoad)
[ -n "$HAVE_DOCKERD" ] && SL+=(dSave dLoad)
[ -n "$HAVE_PODMAN" ] && SL+=(pSave pLoad)
interleave "$NS" "${SL[@]}"
rm -f "$W/o.tar"

echo "### bench/build — one run: $N interleaved rounds of cold builds, $((N * 2)) of cached, $NS of save/load"
echo
echo "$MACHINE"
echo "Load average over the build rounds: $LOAD0 → $LOAD1."
echo
stats_head
stats_row bCold 'berth build --no-cache (cold)' 'berth CLI → berthd'
stats_row dCold 'docker build --no-cache (cold), legacy builder' 'DOCKER_BUILDKIT=0 → dockerd 20.10'
stats_row pCold 'podman build --no-cache (cold)' 'podman 4.3.1 / buildah 1.28 / crun'
stats_row bHot 'berth build (fully cached)' 'end to end, Node CLI start included'
stats_row dHot 'docker build (fully cached), legacy builder' 'Go CLI'
stats_row pHot 'podman build --layers (fully cached)'
stats_row bApi 'POST /build, fully cached — berthd' 'curl with a ready context tar: daemon time'
stats_row dApi 'POST /build, fully cached — dockerd' 'same curl'
echo
echo "Save and load of a ${SIZE_MB} MB image (busybox + 2 layers of 1,000 files of 100 kB), written by berth save and loaded into each engine first:"
echo
stats_head
stats_row bSave 'berth save -o FILE'
stats_row dSave 'docker save -o FILE (dockerd 20.10)'
stats_row pSave 'podman save -o FILE'
stats_row bLoad 'berth load -i FILE (after rmi)'
stats_row dLoad 'docker load -i FILE (dockerd, after rmi)'
stats_row pLoad 'podman load -i FILE (after rmi)'
[ -s "$W/errors.log" ] && { echo; echo "Errors during the run (first 5):"; echo '```'; grep -v '^$' "$W/errors.log" | head -5; echo '```'; }
true
