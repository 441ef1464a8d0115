#!/usr/bin/env bash
# bench/pull.sh: cold pull + unpack of a large many-file image from a local registry, side by
# side with the anchors available here:
#
#   berth pull               berthd (empty data root each run) pulling with the berth CLI
#   skopeo copy + umoci      skopeo copy docker:// → OCI layout, then umoci unpack (Debian)
#   dockerd                  Debian's docker.io 20.10 + containerd 1.6, installed; each run
#                            starts them on their own sockets and empty roots under $W (no
#                            bridge, no iptables) and times `docker pull` (BENCH_DOCKERD=0: off)
#
# The image: 4 gzip layers, 20,000 files, ~214 MB unpacked (~101 MB compressed), generated
# by bench/pull-image.ts (cached under $BENCH_DIR), pushed to Debian's docker-registry on
# 127.0.0.1. Runs interleave the tools (rotating order) so disk noise from other work hits all alike.
# Also prints where the time goes: raw blob download, gunzip+sha256, and a file-creation probe.
# Usage: sudo bench/pull.sh [runs=5]   (needs a built tree: npm run build)
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/var/tmp/berth-bench-pull}
W=$(mktemp -d /var/tmp/berth-bench-pull-run-XXXXXX)
cleanup() {
  [ -n "${BERTHD_PID:-}" ] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
  [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null
  bench_cleanup   # dockerd + containerd if running, mounts under $W, then $W
}
trap cleanup EXIT
cd "$ROOT"

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

# The image (generated once).
if [ ! -f "$BENCH_DIR/img/index.json" ]; then
  mkdir -p "$BENCH_DIR"
  node dist/bench/pull-image.js "$BENCH_DIR/img" 200 20000 4 >&2
fi

# A registry with the image.
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cat > "$W/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $W/registry
http:
  addr: 127.0.0.1:$PORT
YML
docker-registry serve "$W/registry.yml" 2> "$W/registry.log" &
REG_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done
IMAGE=127.0.0.1:$PORT/bench:1
skopeo copy -q --dest-tls-verify=false "oci:$BENCH_DIR/img:bench" "docker://$IMAGE" >&2

start_berthd() {
  rm -rf "$W/berth"
  node bin/berthd -H "unix://$W/berth.sock" --data-root "$W/berth/data" --exec-root "$W/berth/run" --log-level warn 2>> "$W/berthd.log" &
  BERTHD_PID=$!
  for _ in $(seq 1 100); do [ -S "$W/berth.sock" ] && node bin/berth -H "unix://$W/berth.sock" version >/dev/null 2>&1 && break; sleep 0.05; done
}
stop_berthd() {
  kill "$BERTHD_PID" && wait "$BERTHD_PID" 2>/dev/null || true
  BERTHD_PID=
}

# dockerd: Debian's docker.io + containerd, installed (apt-get install docker.io containerd),
# started by bench/lib.sh on their own sockets and roots under $W for each run (no bridge, no
# iptables). On by default when installed; BENCH_DOCKERD=0 leaves it out.
. "$ROOT/bench/lib.sh"
DOCKERD_BIN=
if [ "${BENCH_DOCKERD:-1}" = 1 ] && command -v dockerd >/dev/null && command -v containerd >/dev/null; then
  DOCKERD_BIN=$(command -v dockerd)
fi
start_dockerd_fresh() {
  rm -rf "$W/ctrd" "$W/dockerd"
  start_dockerd
}
stop_dockerd_fresh() {
  stop_dockerd
  rm -rf "$W/ctrd" "$W/dockerd"
}

BERTH=(); SKOPEO=(); UMOCI=(); TOTAL=(); DOCKER=()
# Each tool starts on empty roots after a sync (so it does not pay for the previous tool's
# dirty pages); the order rotates every run, so no tool always follows the same neighbour.
one_berth() {
  start_berthd; sync
  t0=$(now); node bin/berth -H "unix://$W/berth.sock" pull -q "$IMAGE" >/dev/null; t1=$(now)
  BERTH+=("$(ms "$t0" "$t1")")
  stop_berthd; rm -rf "$W/berth"
}
one_skopeo() {
  rm -rf "$W/oci" "$W/bundle"; sync
  t0=$(now); skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci:$W/oci:bench" >/dev/null; t1=$(now)
  umoci unpack --image "$W/oci:bench" "$W/bundle" >/dev/null 2>&1; t2=$(now)
  SKOPEO+=("$(ms "$t0" "$t1")"); UMOCI+=("$(ms "$t1" "$t2")"); TOTAL+=("$(ms "$t0" "$t2")")
  rm -rf "$W/oci" "$W/bundle"
}
one_dockerd() {
  start_dockerd_fresh; sync
  t0=$(now); docker -H "unix://$DOCKERD_SOCK" pull -q "$IMAGE" >/dev/null; t1=$(now)
  DOCKER+=("$(ms "$t0" "$t1")")
  stop_dockerd_fresh
}
TOOLS=(berth skopeo); [ -n "$DOCKERD_BIN" ] && TOOLS+=(dockerd)
for i in $(seq 1 "$RUNS"); do
  for j in "${!TOOLS[@]}"; do "one_${TOOLS[$(((i + j) % ${#TOOLS[@]}))]}"; done
  echo "run $i: berth ${BERTH[-1]} ms, skopeo+umoci ${TOTAL[-1]} ms (${SKOPEO[-1]} + ${UMOCI[-1]})${DOCKER:+, dockerd ${DOCKER[-1]} ms}" >&2
done

# Where the time goes: the pieces of a pull measured alone.
BLOBS=$(node -e "
  const m = JSON.parse(require('fs').readFileSync('$BENCH_DIR/img/index.json')).manifests[0].digest.slice(7);
  const man = JSON.parse(require('fs').readFileSync('$BENCH_DIR/img/blobs/sha256/' + m));
  console.log(man.layers.map((l) => l.digest).join(' '));")
t0=$(now); for b in $BLOBS; do curl -sf "http://127.0.0.1:$PORT/v2/bench/blobs/$b" -o /dev/null; done; t1=$(now)
DOWNLOAD=$(ms "$t0" "$t1")
t0=$(now); for b in $BLOBS; do node -e "
  const z=require('zlib'),c=require('crypto'),fs=require('fs');const h=c.createHash('sha256'),g=c.createHash('sha256');
  fs.createReadStream(process.argv[1]).on('data',d=>g.update(d)).pipe(z.createGunzip()).on('data',d=>h.update(d)).on('end',()=>{});" "$BENCH_DIR/img/blobs/sha256/${b#sha256:}"; done; t1=$(now)
GUNZIP=$(ms "$t0" "$t1")
node -e "
  const fs=require('fs');const d='$W/probe';fs.mkdirSync(d);for(let k=0;k<50;k++)fs.mkdirSync(d+'/d'+k);
  const t=process.hrtime.bigint();for(let i=0;i<5000;i++){const f=fs.openSync(d+'/d'+(i%50)+'/f'+i,'wx');fs.writeSync(f,Buffer.alloc(10000));fs.closeSync(f);}
  console.log(Number(process.hrtime.bigint()-t)/1e6|0);" > "$W/probe.ms"
PROBE=$(cat "$W/probe.ms")

B=$(printf '%s\n' "${BERTH[@]}" | median); S=$(printf '%s\n' "${SKOPEO[@]}" | median)
U=$(printf '%s\n' "${UMOCI[@]}" | median); T=$(printf '%s\n' "${TOTAL[@]}" | median)
cat <<MD
### bench/pull — $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -r), Node $(node -v), $RUNS runs (median; all runs: berth ${BERTH[*]} / skopeo+umoci ${TOTAL[*]}${DOCKER:+ / dockerd ${DOCKER[*]}} ms)

| cold pull + unpack, 4 layers, 20,000 files, 214 MB (101 MB gzip) | median ms |
|---|---:|
| **berth pull** (download, verify, store blobs, unpack, register) | **$B** |
| skopeo copy (download to an OCI layout) | $S |
| umoci unpack (layout → rootfs) | $U |
| skopeo copy + umoci unpack | $T |
| dockerd 20.10.24 + containerd 1.6 (Debian, installed, overlay2) \`docker pull\` | $([ -n "$DOCKERD_BIN" ] && printf '%s\n' "${DOCKER[@]}" | median || echo "not run (dockerd not installed, or BENCH_DOCKERD=0)") |

Pieces, measured alone: download of the 4 blobs with curl $DOWNLOAD ms; Node gunzip + two sha256 over them $GUNZIP ms (one process per layer, includes Node start-up); creating 5,000 10 kB files with sync calls on this disk now $PROBE ms.
MD
