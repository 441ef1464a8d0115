#!/usr/bin/env bash
# The whole test suite, as CI runs it (through .ci/run): install and build, the dependency rules
# (dependency-cruiser), then mocha over dist/test/{unit,integration,e2e,conformance}, one run each, and one
# closing line:
#   N passed, N failed, N skipped
# Exits non-zero when a test failed or a mocha run crashed. integration and e2e need root;
# without it they are skipped with the reason printed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! bash scripts/install.sh; then
  echo "run-all: scripts/install.sh failed; no tests were run" >&2
  exit 1
fi

SUMMARY=$(mktemp /tmp/berth-summary.XXXXXX)
trap 'rm -f "$SUMMARY"' EXIT
export BERTH_SUMMARY_FILE=$SUMMARY
crashed=0

# Compiled tests whose source still exists (dist/ may hold output of deleted sources).
test_files() {
  local f src
  while IFS= read -r f; do
    src=${f#dist/}
    src=${src%.js}.ts
    [[ -f $src ]] && printf '%s\n' "$f"
  done < <(find "dist/test/$1" -name '*.test.js' 2>/dev/null | sort)
}

# suite name, guard seconds (against hangs only; the whole run should take well under 20 min)
run_suite() {
  local suite=$1 limit=$2 files before after status
  mapfile -t files < <(test_files "$suite")
  if ((${#files[@]} == 0)); then
    echo "run-all: no $suite tests"
    return
  fi
  echo "run-all: $suite (${#files[@]} files)"
  before=$(wc -l <"$SUMMARY")
  timeout -k 30 "$limit" node_modules/.bin/mocha --config test/.mocharc.json "${files[@]}" </dev/null
  status=$?
  after=$(wc -l <"$SUMMARY")
  if ((after == before)); then
    echo "run-all: the $suite mocha run crashed (exit $status) before reporting" >&2
    crashed=1
  elif ((status != 0)) && grep -q '"failed":0' <(tail -n1 "$SUMMARY"); then
    echo "run-all: the $suite mocha run exited $status with no failed test" >&2
    crashed=1
  fi
}

# The import rules of DESIGN.md §2 (.dependency-cruiser.cjs), before any test: a violation
# counts as one failure in the closing line.
deps_failed=0
echo "run-all: dependency rules (dependency-cruiser)"
if ! node_modules/.bin/depcruise --config .dependency-cruiser.cjs daemon client native; then
  echo "run-all: dependency-cruiser found import-rule violations (listed above)" >&2
  deps_failed=1
fi

run_suite unit 300
if [[ $(id -u) -eq 0 ]]; then
  run_suite integration 480
  run_suite e2e 1500
  # Orchestrator replays (test/conformance/orchestrators): cri-dockerd's and Nomad's calls.
  run_suite conformance 900
else
  echo "run-all: skipping integration, e2e and conformance tests: they need root (real kernel mounts, namespaces, the daemon's roots)"
fi

read -r passed failed skipped < <(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const l of lines) { const c = JSON.parse(l); t.passed += c.passed; t.failed += c.failed; t.skipped += c.skipped; }
  console.log(t.passed, t.failed, t.skipped);
' "$SUMMARY")
((crashed)) && failed=$((failed + 1))
((deps_failed)) && failed=$((failed + 1))
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))
