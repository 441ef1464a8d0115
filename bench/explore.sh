#!/bin/bash
# berth image explore / system check timings on a 200 MB, 20,000-file image (see bench/explore.ts).
# Usage: sudo bash bench/explore.sh [rounds]   (after npm run build; needs skopeo)
# dive cannot run side by side here: it is a Go program that is neither packaged by Debian nor
# published on npm, the two registries this machine reaches.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node dist/bench/explore.js "${1:-5}"
