# bench/lib.sh: shared pieces of the bench scripts (sourced, not run).
#
#   machine_line            one Markdown line: nproc, memory, kernel, Node, load average, date
#   time_cmd KEY CMD...     runs CMD once (output discarded, 120 s bound), appends its wall
#                           ms to $W/t/KEY
#   interleave N KEY...     N rounds; each round runs every candidate once (cand_KEY function),
#                           starting at a different one each round, so load from other work on
#                           the machine hits every candidate alike
#   stats_row KEY LABEL     a Markdown row: median, p25–p75, min, max, n (from $W/t/KEY)
#   start_fixture_registry  the test fixtures (busybox...) in a docker-registry on 127.0.0.1;
#                           sets FIX_HOST and REG_PID
#   start_dockerd           Debian's containerd + dockerd on their own sockets and roots under
#                           $W (never /run/docker*, /var/lib/docker, /run/berth, /var/lib/berth);
#                           no bridge, no iptables: loopback only. Sets DOCKERD_SOCK, *_PID
#   stop_dockerd            stops both and unmounts what they left
#   podman_cmd              sets PODMAN (array): podman on its own root under $W, cgroupfs, file
#                           events; PODMAN_RUN_FLAGS: the ulimits this VM needs
#   ensure_crun_cgroups     mounts a v1 hugetlb hierarchy if cgroup v2 still holds controllers
#                           (crun 1.8 refuses hybrid hosts otherwise); sets MOUNTED_HUGETLB=1
# Every daemon started here is recorded in BG_PIDS and stopped by bench_cleanup.
# Needs: W (a private temp dir), ROOT (the repo).

BG_PIDS=()
mkdir -p "$W/t"

machine_line() {
  printf 'Machine: %s CPUs, %s RAM, kernel %s, Node %s. Date %s. Load average at start %s.\n' \
    "$(nproc)" "$(free -h | awk '/^Mem:/{print $2}')" "$(uname -r)" "$(node -v)" \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

time_cmd() { # time_cmd KEY CMD...
  local key=$1 t0 t1; shift
  t0=$EPOCHREALTIME
  timeout "${BENCH_TIMEOUT:-120}" "$@" >/dev/null 2>>"$W/stderr.log" || echo "FAILED ($key): $*" >>"$W/errors.log"
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$W/t/$key"
}

interleave() { # interleave N KEY... (each KEY has a function cand_KEY)
  local n=$1 i j k; shift
  local keys=("$@") m=$#
  for ((i = 0; i < n; i++)); do
    for ((j = 0; j < m; j++)); do
      k=${keys[$(((i + j) % m))]}
      "cand_$k"
    done
  done
}

stats_row() { # stats_row KEY LABEL [NOTE]
  local f=$W/t/$1
  [ -s "$f" ] || { echo "| $2 | – | – | – | – | 0 | ${3:-not run} |"; return; }
  sort -n "$f" | awk -v label="$2" -v note="${3:-}" '
    { a[NR] = $1 }
    function q(p,  i) { i = int(p * (NR - 1)) + 1; return a[i] }
    END {
      med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      printf "| %s | **%.1f** | %.1f–%.1f | %.1f | %.1f | %d | %s |\n", label, med, q(0.25), q(0.75), a[1], a[NR], NR, note
    }'
}
stats_head() {
  echo "| what | median ms | p25–p75 | min | max | n | notes |"
  echo "|:---|---:|---:|---:|---:|---:|:---|"
}
median_of() { sort -n "$W/t/$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
wait_until() { # wait_until SECONDS CMD...
  local i n=$(($1 * 10)); shift
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

start_fixture_registry() {
  node "$ROOT/scripts/fixture-registry.js" >"$W/fixture.out" 2>"$W/fixture.err" &
  REG_PID=$!; BG_PIDS+=("$REG_PID")
  wait_until 120 test -s "$W/fixture.out" || { cat "$W/fixture.err" >&2; return 1; }
  FIX_HOST=$(head -1 "$W/fixture.out")
}

start_dockerd() {
  command -v dockerd >/dev/null && command -v containerd >/dev/null || return 1
  local c=$W/ctrd
  mkdir -p "$c" "$W/dockerd"
  cat >"$c/config.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$c/c.sock"
[ttrpc]
  address = "$c/c.sock.ttrpc"
EOF
  setsid containerd --config "$c/config.toml" >"$W/containerd.log" 2>&1 </dev/null &
  CONTAINERD_PID=$!; BG_PIDS+=("$CONTAINERD_PID")
  wait_until 30 test -S "$c/c.sock" || { echo "containerd did not start (see $W/containerd.log)" >&2; return 1; }
  echo '{}' >"$W/dockerd/daemon.json"
  DOCKERD_SOCK=$W/dockerd/d.sock
  setsid dockerd -H "unix://$DOCKERD_SOCK" --containerd "$c/c.sock" --config-file "$W/dockerd/daemon.json" \
    --data-root "$W/dockerd/data" --exec-root "$W/dockerd/exec" --pidfile "$W/dockerd/pid" \
    --storage-driver overlay2 --bridge=none --iptables=false --ip-masq=false \
    --add-runtime crun=/usr/bin/crun >"$W/dockerd.log" 2>&1 </dev/null &
  DOCKERD_PID=$!; BG_PIDS+=("$DOCKERD_PID")
  wait_until 60 docker -H "unix://$DOCKERD_SOCK" version || { echo "dockerd did not start (see $W/dockerd.log)" >&2; return 1; }
}

stop_dockerd() {
  if [ -n "${DOCKERD_SOCK:-}" ] && [ -S "$DOCKERD_SOCK" ]; then
    local ids; ids=$(docker -H "unix://$DOCKERD_SOCK" ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || docker -H "unix://$DOCKERD_SOCK" rm -f $ids >/dev/null 2>&1 || true
  fi
  local p
  for p in ${DOCKERD_PID:-} ${CONTAINERD_PID:-}; do # dockerd first: it tells containerd what to drop
    kill "$p" 2>/dev/null && wait_until 20 gone "$p"
    wait "$p" 2>/dev/null || true
  done
  # containerd's shims die with their containers; anything still mounted under $W goes now
  awk -v w="$W" '$5 ~ "^" w {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  DOCKERD_PID=; CONTAINERD_PID=
}

podman_cmd() {
  command -v podman >/dev/null || return 1
  mkdir -p "$W/podman/tmp"
  PODMAN=(podman --root "$W/podman/root" --runroot "$W/podman/run" --tmpdir "$W/podman/tmp"
    --storage-driver overlay --cgroup-manager=cgroupfs --events-backend=file)
  # this VM drops CAP_SYS_RESOURCE: podman's default rlimits cannot be applied (research/anchor-bench)
  PODMAN_RUN_FLAGS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=32768:32768)
}

ensure_crun_cgroups() {
  MOUNTED_HUGETLB=
  local f=/sys/fs/cgroup/unified/cgroup.controllers c
  [ -s "$f" ] || return 0
  for c in $(cat "$f"); do
    mkdir -p "/sys/fs/cgroup/$c"
    mountpoint -q "/sys/fs/cgroup/$c" || { mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" && MOUNTED_HUGETLB+=" $c"; }
  done
}

bench_cleanup() {
  berthd_slot_cleanup 2>/dev/null || true
  stop_dockerd 2>/dev/null || true
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  awk -v w="$W" '$5 ~ "^" w {print $5}' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  # the engines leave empty child cgroups (docker, libpod_parent) in the hierarchy we mounted;
  # remove them first. The kernel may still keep the hierarchy alive a while after the umount
  # (the controller then stays off cgroup v2, which nothing here minds).
  for p in ${MOUNTED_HUGETLB:-}; do
    find "/sys/fs/cgroup/$p" -mindepth 1 -type d 2>/dev/null | sort -r | xargs -r rmdir 2>/dev/null || true
    umount "/sys/fs/cgroup/$p" 2>/dev/null && rmdir "/sys/fs/cgroup/$p" 2>/dev/null
  done
  rm -rf "$W"
}

# start_berthd_slot DIR [TREE]: a berthd (of the repo at TREE, default $ROOT) on DIR/berth.sock
# with DIR/data and DIR/run, and its own network slot (bridge btN and a private 10.x pool,
# test/support/netpool.ts), so the default bridge network is on without touching the host's
# berth0 or another daemon's bridge. Sets SOCK and BERTHD_PID (also kept in BG_PIDS).
# BERTHD_NODE_ARGS: node flags (where.sh's trace preload). bench_cleanup stops the daemons
# and removes their bridges, rules and namespaces (berthd_slot_cleanup).
SLOTS=()
start_berthd_slot() {
  local dir=$1 tree=${2:-$ROOT} slot n bridge bip pool
  slot=$(node "$ROOT/dist/bench/netslot.js" acquire $$) || return 1
  read -r n bridge bip pool <<<"$slot"
  mkdir -p "$dir"
  SOCK=$dir/berth.sock
  (cd "$tree" && exec node ${BERTHD_NODE_ARGS:-} bin/berthd -H "unix://$SOCK" --data-root "$dir/data" --exec-root "$dir/run" \
    --log-level "${BERTHD_LOG_LEVEL:-warn}" --bridge "$bridge" --bip "$bip" --default-address-pool "base=$pool,size=24") 2>"$dir/berthd.log" &
  BERTHD_PID=$!; BG_PIDS+=("$BERTHD_PID")
  SLOTS+=("$n $dir $BERTHD_PID")
  wait_until 30 curl -sf --unix-socket "$SOCK" http://x/_ping
}
berthd_slot_cleanup() {
  local s n dir pid
  for s in "${SLOTS[@]}"; do
    read -r n dir pid <<<"$s"
    kill "$pid" 2>/dev/null && wait_until 20 gone "$pid"
    node "$ROOT/dist/bench/netslot.js" release "$n" "$dir/run" "$dir/data" || true
  done
  SLOTS=()
}
