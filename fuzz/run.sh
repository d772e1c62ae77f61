#!/usr/bin/env bash
# Runs each fuzz target for SECONDS on a copy of its seed corpus (fuzz/corpus/NAME) and
# prints executions and findings. Usage: fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1; seconds=${2:-60}
root=$(cd "$(dirname "$0")" && pwd)
status=0
for t in manifest config rrule m3u http; do
  work=$(mktemp -d /tmp/loaxa-fuzz-$t-XXXXXX)
  cp -r "$root/corpus/$t/." "$work/"
  mkdir -p "$work/findings"
  if "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$work/findings/" -print_final_stats=1 "$work" >"$work/log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$work/log" | awk '{print $2}')
    echo "fuzz_$t: ${execs:-?} executions in ${seconds} s, no finding"
    rm -rf "$work"
  else
    echo "fuzz_$t: FINDING; log and input in $work" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$work/log" >&2 || tail -20 "$work/log" >&2
    status=1
  fi
done
exit $status
