#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""No mbuf leaked by any run of the real binary in this build's test suites (issue 9, "No leaks").

Usage (from tests/meson.build, suite golden, started after every other test):
  /usr/bin/python3 tests/golden/run_leaks.py --tunlb PATH --dir BUILD/tests [--min N]

Every --stats-out file the golden, cli, maglev, malformed, e2e ... tests left under --dir (a JSON
object with "rx_packets" and a "mempool" section), written by this build's binary (not older than it),
must report each mbuf pool back to empty after the ports closed: "in_use_after_close": 0 on every
socket. Files still showing a live pool ("in_use": a run that did not exit cleanly) fail too. At least
--min such files must be found (default 4), so that a suite that stopped writing them is noticed.
"""

import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--min", type=int, default=4)
    a = ap.parse_args()
    built = os.path.getmtime(a.tunlb)
    found, bad, heap_bad, stale = [], [], [], 0
    for root, dirs, files in os.walk(a.dir):
        dirs[:] = [d for d in dirs if not d.endswith(".p")]
        for fn in files:
            if not fn.endswith(".json"):
                continue
            path = os.path.join(root, fn)
            try:
                with open(path) as f:
                    st = json.load(f)
            except (OSError, ValueError):
                continue
            if not isinstance(st, dict) or "rx_packets" not in st or "mempool" not in st:
                continue
            if os.path.getmtime(path) < built:
                stale += 1
                continue
            rel = os.path.relpath(path, a.dir)
            found.append(rel)
            mp = st["mempool"]
            if not mp or not all(isinstance(v, dict) and v.get("in_use_after_close") == 0 for v in mp.values()):
                bad.append("%s: %s" % (rel, mp))
            # rte_malloc: after tunlb freed everything of its own, no more than right after EAL
            # start (closing the ports also frees what EAL's vdev probe allocated, so <=)
            heap = st.get("heap")
            if not isinstance(heap, dict) or heap.get("after_free", 1) > heap.get("at_start", 0):
                heap_bad.append("%s: %s" % (rel, heap))
    for rel in sorted(found):
        print("INFO checked %s" % rel)
    print("INFO %d stats files older than the binary ignored" % stale)
    ok = True
    if len(found) < a.min:
        print("FAIL only %d stats files of this build under %s (at least %d expected: run the golden suite)"
              % (len(found), a.dir, a.min))
        ok = False
    else:
        print("PASS %d stats files of this build found" % len(found))
    if bad:
        print("FAIL mbufs still in use after the ports closed (or no clean exit):\n  %s" % "\n  ".join(bad))
        ok = False
    else:
        print("PASS every run's mempool back to empty after close (in_use_after_close == 0)")
    if heap_bad:
        print("FAIL rte_malloc heap after tunlb's frees above its start:\n  %s" % "\n  ".join(heap_bad))
        ok = False
    else:
        print("PASS every run's rte_malloc heap back to at most its start after tunlb's frees")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
