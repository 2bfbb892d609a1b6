#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The test command: install what is missing, build with -Dwerror=true, run
# every suite registered with meson (unit, config, golden, tools, soak, ...),
# then the hardening stages of issue 9:
#   2. the unit and golden suites again in an ASan + UBSan build (build-asan;
#      any sanitizer report fails, see tests/fuzz/README.md);
#   3. every libFuzzer target of a clang build (build-fuzz) for
#      TLB_FUZZ_SECONDS each (default 60; 0 skips the stage).
# Then one final line "N passed, N failed, N skipped" over all stages (a
# fuzz target and a sanitizer-report scan count as one test each). Exit
# status 0 only when nothing failed. Used as-is by .ci/run.
#   TLB_ASAN=0 ./tests/run.sh               skip stage 2
#   TLB_FUZZ_SECONDS=600 ./tests/run.sh     fuzz ten minutes per target
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top/build
asandir=$top/build-asan
fuzzdir=$top/build-fuzz
extra=$builddir/meson-logs/hardening.json	# results of stages 2-3 that are not meson tests
fuzz_secs=${TLB_FUZZ_SECONDS:-60}

"$top/app/setup.sh" --builddir "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

# DPDK leaves a runtime directory per --file-prefix in /var/run/dpdk. Those this run
# creates (every test uses its own prefix: tlb*, tunlb*, fuzzdp*) are removed at the
# end, once its processes are gone; nothing older or of another name is touched.
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

# DPDK tests need root (vdevs, memory locking); say so instead of failing obscurely.
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root (sudo): the golden tests start DPDK" >&2
fi

meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?
: >"$extra"
record() {	# record NAME OK|FAIL: one result outside meson's test logs
	printf '{"name": "%s", "result": "%s"}\n' "$1" "$2" >>"$extra"
	[ "$2" = OK ] || status=1
}

# ---- stage 2: unit + golden under AddressSanitizer and UndefinedBehaviorSanitizer
# Every UBSan finding is fatal (-fno-sanitize-recover); ASan stops at the first
# error; LeakSanitizer runs at every exit. DPDK memory (hugepage-less mmap) is not
# ASan-instrumented by Debian's DPDK: the fuzz targets use malloc()ed external
# mbuf buffers for that reason. tests/asan/lsan.supp is used when it exists.
asan_logs=
if [ "${TLB_ASAN:-1}" != 0 ]; then
	t0=$SECONDS
	opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
	      -Dc_args=-fno-sanitize-recover=all)
	if [ ! -f "$asandir/build.ninja" ]; then
		meson setup "$asandir" "$top" "${opts[@]}" >/dev/null
	else
		meson configure "$asandir" "${opts[@]}" >/dev/null
	fi
	if ninja -C "$asandir" >/dev/null; then
		rm -f "$asandir/meson-logs/testlog.json"
		lsan=print_suppressions=0
		[ -f "$top/tests/asan/lsan.supp" ] && lsan=$lsan:suppressions=$top/tests/asan/lsan.supp
		ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:print_summary=1:detect_odr_violation=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1 \
		LSAN_OPTIONS=$lsan \
			meson test -C "$asandir" --suite unit --suite golden --print-errorlogs \
			--num-processes 2 || status=1
		asan_logs=$asandir/meson-logs/testlog.json
		[ -f "$asan_logs" ] || record asan-tests FAIL
		# A report that did not fail its test still fails the stage.
		reports=$(grep -rlE 'ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: (Address|Undefined|Leak)' \
			"$asandir/tests" "$asandir/meson-logs/testlog.txt" 2>/dev/null | grep -v '\.p/' | head -20)
		if [ -n "$reports" ]; then
			echo "sanitizer reports in:"; echo "$reports" | sed 's/^/  /'
			record sanitizer-reports FAIL
		else
			record sanitizer-reports OK
		fi
	else
		echo "tests/run.sh: the ASan + UBSan build failed" >&2
		record asan-build FAIL
	fi
	echo "tests/run.sh: stage 2 (ASan + UBSan) took $((SECONDS - t0)) s"
fi

# ---- stage 3: libFuzzer targets (clang), TLB_FUZZ_SECONDS each ----------------
if [ "$fuzz_secs" != 0 ]; then
	t0=$SECONDS
	opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
	      -Dc_args=-fno-sanitize-recover=all)
	if [ ! -f "$fuzzdir/build.ninja" ]; then
		CC=clang meson setup "$fuzzdir" "$top" "${opts[@]}" >/dev/null
	else
		meson configure "$fuzzdir" "${opts[@]}" >/dev/null
	fi
	if ninja -C "$fuzzdir" tests/fuzz/fuzz_datapath tests/fuzz/fuzz_config tests/fuzz/fuzz_local \
		tests/fuzz/fuzz_gro \
		>/dev/null; then
		"$top/tests/fuzz/run_fuzz.sh" "$fuzzdir" "$fuzz_secs" "$extra" || status=1
	else
		echo "tests/run.sh: the clang fuzz build failed" >&2
		record fuzz-build FAIL
	fi
	echo "tests/run.sh: stage 3 (fuzzing, ${fuzz_secs} s per target) took $((SECONDS - t0)) s"
fi

if [ -d /var/run/dpdk ]; then
	find /var/run/dpdk -mindepth 1 -maxdepth 1 -type d -newer "$stamp" \
		\( -name 'tlb*' -o -name 'tunlb*' -o -name 'fuzzdp*' \) -exec rm -rf {} + 2>/dev/null || true
fi

/usr/bin/python3 - "$builddir/meson-logs/testlog.json" "$extra" $asan_logs <<'PY'
import json, sys
passed = failed = skipped = 0
for i, path in enumerate(sys.argv[1:]):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
    if not lines and i != 1:        # a meson test log must not be empty
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
