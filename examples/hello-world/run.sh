#!/usr/bin/env bash
# berth's main job: start berthd if it is not running, build the hello-world image from
# examples/hello-world/Dockerfile, run it, and show it in `berth images`.
#
#   bash scripts/install.sh && bash examples/hello-world/run.sh      (as root)
#
# Where the daemon lives can be changed with BERTH_SOCK, BERTH_DATA_ROOT, BERTH_EXEC_ROOT and
# BERTH_LOG (defaults: /run/berth/berth.sock, /var/lib/berth, /run/berth, /var/log/berthd.log).
# While `berth build` does not exist yet, the image is pulled from a throw-away local registry
# holding the same hello image instead (scripts/fixture-registry.js).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SOCK=${BERTH_SOCK:-/run/berth/berth.sock}
DATA_ROOT=${BERTH_DATA_ROOT:-/var/lib/berth}
EXEC_ROOT=${BERTH_EXEC_ROOT:-/run/berth}
LOG=${BERTH_LOG:-/var/log/berthd.log}

say() { printf '==> %s\n' "$*"; }
berth() { node bin/berth -H "unix://$SOCK" "$@"; }
# True when the berth CLI has the command (its --help lists "Commands: a, b, ...").
has_cmd() { node bin/berth --help | sed -n 's/^Commands: //p' | tr ',' '\n' | tr -d ' ' | grep -qx "$1"; }

if [[ ! -f dist/daemon/main.js ]]; then
  echo "berth is not built: run 'bash scripts/install.sh' first" >&2
  exit 1
fi

# 1. the daemon
if berth version >/dev/null 2>&1; then
  say "berthd is already running on $SOCK"
else
  say "starting berthd on $SOCK (log: $LOG)"
  mkdir -p "$(dirname "$LOG")"
  setsid node bin/berthd -H "unix://$SOCK" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 100); do
    berth version >/dev/null 2>&1 && break
    if ! kill -0 $! 2>/dev/null; then
      echo "berthd did not start; the end of $LOG:" >&2
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 0.2
  done
  berth version >/dev/null
fi

# 2. the image
if has_cmd build; then
  say "compiling examples/hello-world/hello (static)"
  make -s -C examples/hello-world
  say "berth build -t hello examples/hello-world"
  berth build -t hello examples/hello-world
elif has_cmd pull; then
  say "'berth build' is not implemented yet: pulling the same hello image from a local registry"
  tmp=$(mktemp -d)
  node scripts/fixture-registry.js >"$tmp/host" 2>"$tmp/err" &
  reg=$!
  trap 'kill $reg 2>/dev/null; wait $reg 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 1 150); do
    [[ -s $tmp/host ]] && break
    kill -0 $reg 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
    sleep 0.2
  done
  host=$(head -n1 "$tmp/host")
  berth pull "$host/hello:latest"
  if has_cmd tag; then berth tag "$host/hello:latest" hello; else image="$host/hello:latest"; fi
else
  echo "this berth has neither 'build' nor 'pull' yet: nothing more to show" >&2
  exit 1
fi
image=${image:-hello}

# 3. run it, list it
if has_cmd run; then
  say "berth run --rm $image"
  berth run --rm "$image"
else
  say "'berth run' is not implemented yet: skipping the run"
fi
if has_cmd images; then
  say "berth images $image"
  berth images "$image"
fi
