#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The test command: install what is missing, build with -Dwerror=true, run
# every suite registered with meson (unit, config, golden, tools), then print
# one final line "N passed, N failed, N skipped". Exit status 0 only when
# nothing failed. Used as-is by .ci/run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top/build

"$top/app/setup.sh" --builddir "$builddir" || { echo "0 passed, 1 failed"; exit 1; }

# DPDK tests need root (vdevs, memory locking); say so instead of failing obscurely.
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root (sudo): the golden tests start DPDK" >&2
fi

meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
status=$?

/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
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
if not lines:
    failed = 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
