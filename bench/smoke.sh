#!/usr/bin/env bash
# CI entry point of the load generator: two clients for three seconds against a debug server,
# one connection cut; fails unless every message arrives exactly once, in order. Builds
# nothing: build the server and the bench crate first (the main test script does).
#
#   SWITCHBOARD_BIN (default target/debug/switchboard), BENCH_BIN (default
#   target/debug/switchboard-bench), both relative to the repository root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
server="${SWITCHBOARD_BIN:-target/debug/switchboard}"
bench="${BENCH_BIN:-target/debug/switchboard-bench}"
for f in "$server" "$bench"; do
  if [[ ! -x "$f" ]]; then
    echo "bench/smoke.sh: $f is missing (build the server and switchboard-bench first)" >&2
    exit 1
  fi
done
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
"$bench" smoke --server-bin "$server" --results-dir "$results" "$@"
