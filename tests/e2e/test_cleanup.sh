#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E hygiene: whatever way a test ends, it leaves no namespace and no process.
# A child run of this script builds the topology and starts tunlb, then ends
# in one of four ways: normally, by a failing command under set -e, by SIGTERM,
# by SIGINT. After each, no namespace named after the child's ID may exist and
# none of the child's processes (tunlb, socat, iperf3, http.server, timeout)
# may still run.
#
#   sudo tests/e2e/test_cleanup.sh
set -euo pipefail

if [ "${1:-}" = --child ]; then
	how=$2
	E2E_ID=$3
	. "$(dirname "$0")/lib.sh"
	e2e_init
	e2e_topo_up 60 >/dev/null 2>&1
	e2e_tunlb_start 60
	echo "pids: $(for n in $(e2e_our_netns); do ip netns pids "$n"; done | xargs)"
	echo ready
	case $how in
	exit) exit 0 ;;
	fail) false ;;
	*) sleep 60 ;;
	esac
	exit 3
fi

. "$(dirname "$0")/lib.sh"
e2e_require
e2e_init

leftovers() { # ID LOG: the child's namespaces and processes still there
	local id=$1 pid
	ip netns list | awk -v p="$id-" 'index($1, p) == 1 {print "namespace " $1}'
	# every process that ran in the child's namespaces, and tunlb by its prefix
	# (a zombie whose parent already exited waits for init to reap it: not ours to run)
	for pid in $(sed -n 's/^pids: //p' "$2"); do
		[ -e "/proc/$pid" ] || continue
		awk '$1 == "State:" && $2 != "Z" {f = 1} END {exit !f}' "/proc/$pid/status" 2>/dev/null &&
			echo "process $pid $(cat "/proc/$pid/comm" 2>/dev/null)"
	done
	pgrep -af -- "--file-prefix=$id" || true
}

for how in exit fail TERM INT; do
	id=$E2E_ID-c$how
	out=$E2E_WORK/child-$how.log
	timeout -k 5 60 "$0" --child "$how" "$id" >"$out" 2>&1 &
	child=$!
	E2E_PIDS+=("$child")
	if [ "$how" = TERM ] || [ "$how" = INT ]; then
		e2e_wait_for 30 grep -q '^ready' "$out" || true
		# timeout passes the signal on to the child script
		kill "-$how" "$child" || true
	fi
	rc=0
	wait "$child" || rc=$?
	grep -q '^ready' "$out" || {
		e2e_notok "$how: the child never got ready; its output:"
		tail -n 20 "$out"
		continue
	}
	left=$(leftovers "$id" "$out")
	if [ -z "$left" ]; then
		e2e_ok "$how (exit status $rc): no namespace, no process left"
	else
		e2e_notok "$how (exit status $rc): left behind:"
		echo "$left"
		"$E2E_DIR/topo.sh" down "$id" || true
	fi
done
e2e_finish
