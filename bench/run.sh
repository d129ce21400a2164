#!/usr/bin/env bash
# Runs switchboard-bench with a high open-file limit (20k sockets need 20k descriptors in the
# server and as many in the generator; the servers the tool starts inherit the limit).
#
#   bench/run.sh idle --server-bin target/release/switchboard --counts 1000,5000,20000
#
# BENCH_BIN picks the binary (default: the release build in CARGO_TARGET_DIR or target/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${BENCH_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/switchboard-bench}"
if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: $bin is missing: cargo build -p switchboard-bench --release" >&2
  exit 1
fi
want=200000
hard="$(ulimit -Hn)"
if [[ "$hard" != unlimited && "$hard" -lt "$want" ]]; then
  # Raising the hard limit needs root; otherwise take what is allowed.
  if ! ulimit -Hn "$want" 2>/dev/null; then
    echo "bench/run.sh: open files limited to $hard here (hard limit); each process holds fewer sockets" >&2
    want="$hard"
  fi
fi
ulimit -Sn "$want"
exec "$bin" "$@"
