#!/usr/bin/env bash
# berth's main job: start berthd if it is not running, build the hello-world image from
# examples/hello-world/Dockerfile, run it, and show it in `berth images`.
#
#   bash scripts/install.sh && bash examples/hello-world/run.sh      (as root)
#
# Where the daemon lives can be changed with BERTH_SOCK, BERTH_DATA_ROOT, BERTH_EXEC_ROOT and
# BERTH_LOG (defaults: /run/berth/berth.sock, /var/lib/berth, /run/berth, /var/log/berthd.log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SOCK=${BERTH_SOCK:-/run/berth/berth.sock}
DATA_ROOT=${BERTH_DATA_ROOT:-/var/lib/berth}
EXEC_ROOT=${BERTH_EXEC_ROOT:-/run/berth}
LOG=${BERTH_LOG:-/var/log/berthd.log}

say() { printf '==> %s\n' "$*"; }
berth() { node bin/berth -H "unix://$SOCK" "$@"; }

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

# 2. the image: a freestanding static binary, then FROM scratch / COPY / CMD
say "compiling examples/hello-world/hello (static, no libc)"
make -s -C examples/hello-world
say "berth build -t hello examples/hello-world"
berth build -t hello examples/hello-world

# 3. run it, list it
say "berth run --rm hello"
berth run --rm hello
say "berth images hello"
berth images hello
