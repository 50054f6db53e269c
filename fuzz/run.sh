#!/bin/sh
# Runs each fuzz target for SECONDS seconds (default 180) on its corpus in
# FUZZ_DIR (build-fuzz), saving crashing inputs under FUZZ_DIR/crashes/TARGET
# and reporting the executions; exits 1 if any target crashed.
# usage: fuzz/run.sh FUZZ_DIR [SECONDS]
set -u
dir=$1
seconds=${2:-180}
python3=/usr/bin/python3
$python3 "$(dirname "$0")/make_corpus.py" "$(dirname "$0")/.." "$dir/corpus" || exit 1
failed=0
for target in FuzzFormulaImport FuzzIRParse FuzzCpuPipeline; do
  mkdir -p "$dir/crashes/$target" "$dir/corpus/$target"
  log="$dir/$target.log"
  # -rss_limit_mb: the pipeline target may legitimately use a few GB.
  ASAN_OPTIONS=detect_leaks=0 "$dir/bin/$target" -max_total_time="$seconds" \
    -max_len=4096 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$target/" "$dir/corpus/$target" >"$log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  if [ $status -eq 0 ]; then
    echo "$target: ${runs:-?} executions in ${seconds} s, no crash"
  else
    failed=1
    echo "$target: CRASH after ${runs:-?} executions (exit $status); input and log:"
    ls "$dir/crashes/$target"
    grep -m 5 'ERROR\|SUMMARY\|Assertion\|deadly' "$log"
  fi
done
exit $failed
