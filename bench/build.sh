#!/usr/bin/env bash
# bench/build.sh: how fast berth builds and moves images, side by side with the anchors here.
#
#   cold build        a 7-step Dockerfile (ENV, WORKDIR, COPY 200 files, 2 RUN, COPY, CMD)
#                     with --no-cache: every step runs (2 containers, 2 layers from the context)
#   cached rebuild    the same build again: every step from the cache
#   cached, API only  the cached rebuild as one POST /build with curl and a ready context tar:
#                     the daemon's own time, without the Node CLI's start-up
#   save / load       a generated ~200 MB, 2,000-file image: save to a file, load it back
#                     after removing it
# Anchors: buildah bud (Debian's buildah, own storage root, overlay driver) with the same
# base image and Dockerfile (RUN through runc: crun refuses this host's hybrid cgroups); buildah push docker-archive: / buildah pull docker-archive: for
# save and load. dockerd (the legacy builder) is not installed on these machines.
# The base image is busybox-static imported as a one-layer image, so no registry is needed.
# Usage: sudo bench/build.sh [runs]   (Markdown to stdout; needs a built tree: npm run build)
set -euo pipefail
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/berth-bench-build-XXXXXX)
SOCK=$W/berth.sock
BUILDAH=(buildah --root "$W/buildah/root" --runroot "$W/buildah/run" --storage-driver overlay)
cleanup() {
  [ -n "${BERTHD_PID:-}" ] && kill "$BERTHD_PID" 2>/dev/null && wait "$BERTHD_PID" 2>/dev/null
  command -v buildah >/dev/null && "${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true
  umount -R "$W"/buildah/root/overlay/*/merged 2>/dev/null || true
  umount "$W"/buildah/root/overlay 2>/dev/null || true
  umount -R "$W"/data/containers/*/rootfs 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
cd "$ROOT"

node bin/berthd -H "unix://$SOCK" --data-root "$W/data" --exec-root "$W/run" --log-level warn 2> "$W/berthd.log" &
BERTHD_PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
BERTH="node $ROOT/bin/berth -H unix://$SOCK"

# Base image: busybox-static as a one-layer image.
mkdir -p "$W/base/bin" "$W/base/etc" "$W/base/tmp"
cp "$(command -v busybox)" "$W/base/bin/busybox"
for a in sh cat echo ls wc mkdir; do ln -s busybox "$W/base/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$W/base/etc/passwd"
tar -C "$W/base" -cf "$W/base.tar" .
$BERTH import -c 'CMD ["sh"]' "$W/base.tar" bench-base:1 >/dev/null
$BERTH save -o "$W/base-image.tar" bench-base:1

# The build context.
CTX=$W/ctx
mkdir -p "$CTX/files"
for i in $(seq 1 200); do head -c 2048 /dev/urandom > "$CTX/files/f$i"; done
echo last > "$CTX/last.txt"
cat > "$CTX/Dockerfile" <<'EOF'
FROM bench-base:1
ENV GREETING=hello
WORKDIR /app
COPY files/ /app/files/
RUN echo "$GREETING" > /app/s1 && ls /app/files | wc -l > /app/count
COPY last.txt /app/
CMD ["cat", "/app/count"]
EOF
tar -C "$CTX" -cf "$W/ctx.tar" .

echo "## bench/build — $(date -u +%Y-%m-%d) — $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), Node $(node -v)"
echo
HF=(hyperfine --style none --export-markdown)

"${HF[@]}" "$W/t1.md" --runs "$RUNS" --warmup 1 \
  -n "berth build --no-cache (cold)" "$BERTH build --no-cache -q -t bench:1 $CTX" \
  -n "berth build (cached)" "$BERTH build -q -t bench:1 $CTX" \
  -n "POST /build cached (curl, daemon only)" "curl -sS -f --unix-socket $SOCK -X POST -H 'Content-Type: application/x-tar' --data-binary @$W/ctx.tar 'http://x/v1.47/build?t=bench:1&q=1' -o /dev/null" >/dev/null
if command -v buildah >/dev/null; then
  mkdir -p "$W/buildah"
  "${BUILDAH[@]}" pull -q "docker-archive:$W/base-image.tar" >/dev/null
  "${BUILDAH[@]}" tag "$(${BUILDAH[@]} images -q | head -1)" bench-base:1
  "${HF[@]}" "$W/t2.md" --runs "$RUNS" --warmup 1 \
    -n "buildah bud --no-cache (cold)" "${BUILDAH[*]} bud -q --runtime runc --layers --no-cache -t bench:1 $CTX" \
    -n "buildah bud --layers (cached)" "${BUILDAH[*]} bud -q --runtime runc --layers -t bench:1 $CTX" >/dev/null 2>&1
else
  echo "| buildah not installed |" > "$W/t2.md"
fi
cat "$W/t1.md"; tail -n +3 "$W/t2.md"
echo

# A large image for save/load: 2,000 files of 100 kB in two layers.
mkdir -p "$W/big/a" "$W/big/b"
for i in $(seq 1 1000); do head -c 102400 /dev/urandom > "$W/big/a/f$i"; head -c 102400 /dev/urandom > "$W/big/b/f$i"; done
cat > "$W/big/Dockerfile" <<'EOF'
FROM bench-base:1
COPY a /data/a/
COPY b /data/b/
EOF
$BERTH build -q -t big:1 "$W/big" >/dev/null
SIZE=$($BERTH save big:1 | wc -c)
"${HF[@]}" "$W/t3.md" --runs 3 \
  -n "berth save big:1 ($((SIZE / 1048576)) MB)" "$BERTH save -o $W/big-saved.tar big:1" >/dev/null 2>&1
"${HF[@]}" "$W/t4.md" --runs 3 --prepare "$BERTH rmi -f big:1 >/dev/null 2>&1 || true" \
  -n "berth load (after rmi)" "$BERTH load -q -i $W/big-saved.tar" >/dev/null 2>&1
if command -v buildah >/dev/null; then
  "${BUILDAH[@]}" pull -q "docker-archive:$W/big-saved.tar" >/dev/null
  "${HF[@]}" "$W/t5.md" --runs 3 --prepare "rm -f $W/buildah-saved.tar" \
    -n "buildah push docker-archive: (save)" "${BUILDAH[*]} push -q big:1 docker-archive:$W/buildah-saved.tar:big:1" >/dev/null 2>&1
  "${HF[@]}" "$W/t6.md" --runs 3 --prepare "${BUILDAH[*]} rmi -f big:1 >/dev/null 2>&1 || true" \
    -n "buildah pull docker-archive: (load)" "${BUILDAH[*]} pull -q docker-archive:$W/big-saved.tar" >/dev/null 2>&1
else
  echo "| buildah not installed |" > "$W/t5.md"; cp "$W/t5.md" "$W/t6.md"
fi
cat "$W/t3.md"; tail -n +3 "$W/t4.md"; tail -n +3 "$W/t5.md"; tail -n +3 "$W/t6.md"
