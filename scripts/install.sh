#!/usr/bin/env bash
# Installs what berth and its tests need, then builds it. Idempotent and quiet: it prints one
# line per step that did work, and the full log of a step only when that step fails.
#
#   bash scripts/install.sh          # as root on Debian 12: apt packages, npm ci, build
#
# Not root: the apt step is skipped (with a note) and only npm ci + build run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

LOG=$(mktemp /tmp/berth-install.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT

say() { printf 'install: %s\n' "$*"; }
# Runs a step with its output in $LOG; on failure prints the log and stops.
quiet() {
  local what=$1; shift
  if ! "$@" >"$LOG" 2>&1; then
    say "$what failed:"
    tail -n 80 "$LOG" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------- Debian packages
PACKAGES=(
  build-essential libcap-dev          # the C helper (plain cc + make)
  libseccomp-dev libseccomp2          # the helper compiles seccomp profiles with libseccomp
  docker-registry skopeo umoci        # e2e: local registry, pushing fixtures, format cross-checks
  apache2-utils                       # htpasswd (bcrypt) for the registry's basic-auth mode
  busybox-static                      # the busybox test image
  python3-docker                      # docker-py client tests
  zstd crun runc hyperfine            # zstd layers; bench anchors
  systemd                             # systemd-analyze for verifying systemd/*.service
  dpkg-dev man-db zsh fish            # scripts/package-deb.sh (dpkg-shlibdeps), man pages; completion tests
  iproute2 util-linux                 # ip, unshare, nsenter, mount tools used by tests
  netavark aardvark-dns iptables      # bridge networks, published ports, DNS by container name
  docker-compose                      # e2e: a compose 1.29 project on berthd
  ca-certificates
)
# The real docker CLI is used by the e2e tests. Machines here have it in /usr/local/bin; only
# when it is missing do we take Debian's (which also brings dockerd; kept from starting below).
command -v docker >/dev/null 2>&1 || PACKAGES+=(docker.io)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "not root: skipping apt-get; missing packages: ${missing[*]}"
  else
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only when the lists are absent or older than a day.
    if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1) ]]; then
      quiet "apt-get update" apt-get update -q
    fi
    # Package scripts must not start services (docker-registry on :5000, dockerd) on this host:
    # a temporary policy-rc.d denies them, unless the host already has one.
    own_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      own_policy=1
    fi
    status=0
    apt-get install -y -q --no-install-recommends "${missing[@]}" >"$LOG" 2>&1 || status=$?
    [[ -n $own_policy ]] && rm -f /usr/sbin/policy-rc.d
    if ((status)); then
      say "apt-get install ${missing[*]} failed:"
      tail -n 80 "$LOG" >&2
      exit 1
    fi
    say "installed ${missing[*]}"
  fi
fi

# ---------------------------------------------------------------- npm dependencies
# npm ci wipes node_modules, so it runs only when package-lock.json changed since the last one.
stamp=node_modules/.berth-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  quiet "npm ci" npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
  say "npm ci done"
fi

# ---------------------------------------------------------------- build
# tsc + the C helper. Until native/helper/Makefile exists, only tsc runs.
if [[ -f native/helper/Makefile ]]; then
  quiet "build (npm run build)" npm run -s build
else
  say "native/helper/Makefile not there yet: building TypeScript only"
  quiet "build (tsc)" npx tsc -p tsconfig.json
fi
