#!/usr/bin/env bash
# bench/run.sh: how fast berth runs a container, side by side with the anchors available here.
#
#   berth run --rm busybox true        the whole CLI path (Node CLI start + API + helper)
#   docker run --rm busybox true       the real docker CLI (Go) against berthd: the daemon path
#   API, warm client                   create → wait → start → wait → remove in one process
#   crun run / runc run                the same busybox image unpacked with umoci as a bundle
#   50 concurrent run -d               API create+start of 50 `sleep` containers at once
#   berthd idle RSS                    after the runs above, once idle
#   node -e 0, berth --help            what Node itself costs the CLI
#
# The busybox image is the test fixture (Debian's busybox-static), pushed to a local
# docker-registry and pulled by berthd, so every runner starts the same bytes.
# Usage: sudo bench/run.sh [runs]   (Markdown table to stdout; needs a built tree: npm run build)
set -euo pipefail
RUNS=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-run-XXXXXX)
SOCK=$W/berth.sock
cleanup() {
  [ -n "${BERTHD_PID:-}" ] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
  [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null
  umount -R "$W"/data/containers/*/rootfs 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
cd "$ROOT"

# A local registry with the fixture images (kept alive by a small node process).
node -e "
  const s = require('./dist/test/support');
  s.startRegistry().then(async (r) => { const f = await s.pushFixtures(r.host); console.log(f.busybox.ref); setInterval(() => {}, 1e9); })
   .catch((e) => { console.error(e); process.exit(1); });" > "$W/registry.out" &
REG_PID=$!
for _ in $(seq 1 600); do [ -s "$W/registry.out" ] && break; sleep 0.1; done
IMAGE=$(head -1 "$W/registry.out")
[ -n "$IMAGE" ] || { echo "registry did not start" >&2; exit 1; }

node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn 2> "$W/berthd.log" &
BERTHD_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
export DOCKER_HOST=unix://$SOCK BERTH_HOST=unix://$SOCK DOCKER_CONFIG=$W/docker-config
docker pull -q "$IMAGE" >/dev/null
docker tag "$IMAGE" busybox

# The same image as an OCI runtime bundle for crun and runc.
skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci:$W/oci:bb" >/dev/null
umoci unpack --image "$W/oci:bb" "$W/bundle" >/dev/null
python3 - "$W/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY

echo "## bench/run — $(date -u +%Y-%m-%d) — $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), Node $(node -v)"
echo
echo "Load average when the runs began: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; compare rows of one run, not runs)."
echo
ARGS=(-N --warmup 3 --runs "$RUNS" --export-markdown "$W/hf.md"
  -n 'berth run --rm busybox true' "node $ROOT/bin/berth run --rm busybox true"
  -n 'docker run --rm busybox true (docker CLI → berthd)' "docker run --rm busybox true")
# A runtime that cannot run on this host is reported and left out (crun refuses hybrid
# cgroup hosts: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2").
for rt in crun runc; do
  command -v $rt >/dev/null || continue
  if msg=$($rt run --bundle "$W/bundle" "bench-probe-$rt" 2>&1); then
    ARGS+=(-n "$rt run (umoci bundle)" "$rt run --bundle $W/bundle bench-$rt")
  else
    echo "($rt cannot run here: $msg)"
  fi
done
ARGS+=(-n 'node -e 0' "node -e 0" -n 'berth --help (CLI start-up)' "node $ROOT/bin/berth --help")
hyperfine "${ARGS[@]}" >/dev/null
cat "$W/hf.md"
echo
echo "API, warm client (median ms per phase over 100 runs; 50 concurrent create+start):"
echo
echo '```'
node dist/bench/run-api.js "$SOCK" busybox 100 50
echo '```'
echo
T0=$(date +%s%N)
seq 1 50 | xargs -P 50 -I{} docker run -d busybox sleep 60 >/dev/null
T1=$(date +%s%N)
echo "50 concurrent \`docker run -d\` processes against berthd: $(( (T1 - T0) / 1000000 )) ms wall"
docker rm -f $(docker ps -aq) >/dev/null
sleep 2
echo
echo "berthd idle RSS after all of the above: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$BERTHD_PID/status)"
if command -v dockerd >/dev/null; then echo "(dockerd is installed: compare with its VmRSS + containerd's)"; else echo "(dockerd/containerd and podman are not installed here: no RSS or run comparison with them)"; fi
