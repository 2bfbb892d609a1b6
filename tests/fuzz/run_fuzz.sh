#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every libFuzzer target of a clang build for a bounded time (tests/fuzz/README.md).
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [RESULTS_FILE] [TARGET...]
#
# Each target fuzzes for SECONDS (-max_total_time) from the committed seeds
# (tests/fuzz/corpus/TARGET, read only) plus its work corpus BUILD_DIR/fuzz-work/TARGET/corpus
# (new inputs go there and are kept for the next run). One line per target:
#   fuzz-TARGET: OK, N execs in S s (E/s), cov C ft F, corpus K inputs
# or FAIL with the crash / leak / timeout input and the end of libFuzzer's log. With RESULTS_FILE,
# one JSON line per target ({"name": ..., "result": "OK"|"FAIL"}) is appended for tests/run.sh.
# Exit status 1 when a target failed. A failing input replays with
#   BUILD_DIR/tests/fuzz/fuzz_TARGET FILE           (TLB_FUZZ_STRICT=1: see fuzz_datapath.c)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS [RESULTS_FILE] [TARGET...]}
secs=${2:?usage: run_fuzz.sh BUILD_DIR SECONDS [RESULTS_FILE] [TARGET...]}
results=${3:-}
shift 3 2>/dev/null || shift $#
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(datapath config local gro)

failed=0
for t in "${targets[@]}"; do
	exe=$build/tests/fuzz/fuzz_$t
	work=$build/fuzz-work/$t
	mkdir -p "$work/corpus" "$work/artifacts"
	rm -f "$work"/artifacts/*
	extra=()
	[ "$t" = config ] && extra+=(-dict="$top/tests/fuzz/config.dict")
	if [ ! -x "$exe" ]; then
		echo "fuzz-$t: FAIL, $exe not built"
		rc=1
	else
		# -timeout: one input running 20 s is a hang; the outer timeout bounds the whole run.
		timeout $((secs + 300)) "$exe" -max_total_time="$secs" -timeout=20 -print_final_stats=1 \
			-artifact_prefix="$work/artifacts/" "${extra[@]}" \
			"$work/corpus" "$top/tests/fuzz/corpus/$t" >"$work/log" 2>&1
		rc=$?
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" 2>/dev/null | tail -1)
	line=$(grep -E '^#[0-9]+.* cov: ' "$work/log" 2>/dev/null | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
	n_corpus=$(find "$work/corpus" "$top/tests/fuzz/corpus/$t" -type f | wc -l)
	artifacts=$(ls "$work/artifacts" 2>/dev/null | head -5)
	rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
	if [ "$rc" -eq 0 ] && [ -z "$artifacts" ] && [ -n "$execs" ]; then
		echo "fuzz-$t: OK, ${execs} execs in ${secs} s (${rate}/s), cov ${cov:-?} ft ${ft:-?}, corpus $n_corpus inputs"
		res=OK
	else
		echo "fuzz-$t: FAIL (exit $rc), ${execs:-?} execs; inputs: ${artifacts:-none} in $work/artifacts"
		grep -E 'FUZZ INVARIANT|ERROR: |runtime error|SUMMARY' "$work/log" | head -10 | sed 's/^/  /'
		tail -5 "$work/log" | sed 's/^/  /'
		res=FAIL
		failed=1
	fi
	[ -n "$results" ] && printf '{"name": "fuzz-%s", "result": "%s"}\n' "$t" "$res" >>"$results"
done
exit $failed
