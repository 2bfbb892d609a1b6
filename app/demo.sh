#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job. Installs what is missing and builds (app/setup.sh), then:
#
#   app/demo.sh [--duration S]     live: network namespaces (tests/e2e/topo.sh),
#                                  tunlb on net_af_packet in the "lb" namespace
#                                  with config/e2e.yaml, real curl and iperf3
#                                  traffic from a client namespace to an IPv4 and
#                                  an IPv6 VIP, backends decapsulating with the
#                                  kernel's VXLAN device and with socat into a
#                                  TUN device (GUE), answering the client
#                                  directly; live counters per service and
#                                  backend until Ctrl-C or the end of S seconds
#                                  (default: until Ctrl-C on a terminal, else 30 s;
#                                  at most 3600). Then a summary, and every
#                                  namespace, interface and process it made is
#                                  removed. Needs root.
#   app/demo.sh --pcap [FLOWS]     the NIC-less replay: scapy client traffic for
#                                  config/demo.yaml through tunlb on net_pcap,
#                                  the output decoded independently.
#
# Without network namespaces (no root, or a sandbox that refuses them) the live
# demo says why and runs the pcap replay instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mode=live
flows=400
duration=
while [ $# -gt 0 ]; do
	case $1 in
	--pcap)
		mode=pcap
		if [ $# -gt 1 ] && [[ $2 =~ ^[0-9]+$ ]]; then
			flows=$2
			shift
		fi
		;;
	--duration)
		if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
			echo "--duration needs seconds" >&2
			exit 2
		fi
		duration=$2
		shift
		;;
	-h | --help)
		sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "usage: $0 [--duration S] | --pcap [FLOWS]" >&2
		exit 2
		;;
	esac
	shift
done

pcap_demo() {
	work=$(mktemp -d /tmp/tunlb-demo.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	/usr/bin/python3 "$top/app/demo_traffic.py" "$work/in.pcap" "$flows"

	echo "== tunlb: replaying $flows client flows for config/demo.yaml through net_pcap"
	timeout 120 "${TUNLB:-$top/build/app/tunlb}" --no-huge -m 1024 --no-pci -l 0 \
		--file-prefix="tunlb-demo-$$" --log-level=lib.eal:error \
		--vdev="net_pcap0,rx_pcap=$work/in.pcap,tx_pcap=$work/out.pcap" -- \
		-c "$top/config/demo.yaml" --idle-exit 300 --stats-out "$work/stats.json"

	echo
	echo "== what left the port, decoded independently (tests/tools/tlbdecode.py)"
	/usr/bin/python3 "$top/tests/tools/tlbdecode.py" summary "$work/out.pcap"

	echo
	echo "== tunlb counters (--stats-out)"
	/usr/bin/python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"rx {s['rx_packets']}  tx {s['tx_packets']}  forwarded {s['forwarded']}  "
      f"replies {s['replies']}")
print("drops:", {k: v for k, v in s["drops"].items() if v} or "none")
for name, svc in s["services"].items():
    print(f"  service {name:8s} {svc['packets']:6d} pkts {svc['bytes']:8d} bytes")
    for be, c in svc["backends"].items():
        print(f"    backend {be:20s} {c['packets']:6d} pkts {c['bytes']:8d} bytes")
assert s["rx_packets"] == s["tx_packets"] + sum(s["drops"].values()), "uncounted packets"
print("every received packet is accounted for: rx = tx + drops")
PY
}

"$top/app/setup.sh"
if [ "$mode" = pcap ]; then
	pcap_demo
	exit 0
fi

# ---- live demo ------------------------------------------------------------------
E2E_ID=tlbdemo-$$
# shellcheck source=tests/e2e/lib.sh
. "$top/tests/e2e/lib.sh"
why=
if [ "$(id -u)" -ne 0 ]; then
	why="network namespaces need root (run: sudo $0)"
elif ! why=$(ip netns add "$E2E_ID-probe" 2>&1); then
	why="cannot create a network namespace: $why"
else
	ip netns del "$E2E_ID-probe"
	why=
fi
if [ -n "$why" ]; then
	echo "demo: $why; running the pcap replay instead (app/demo.sh --pcap)"
	pcap_demo
	exit 0
fi
if [ -z "$duration" ]; then
	if [ -t 0 ] && [ -t 1 ]; then duration=3600; else duration=30; fi
fi
[ "$duration" -le 3600 ] || duration=3600
ttl=$((duration + 60))

e2e_init
W=$E2E_WORK
echo "== topology: namespaces $E2E_ID-{sw,cli,lb,rt,be1,be2,be3} (tests/e2e/topo.sh)"
e2e_topo_up "$ttl"
echo "== tunlb in $E2E_ID-lb on net_af_packet0 (eth0), config/e2e.yaml"
e2e_tunlb_start "$ttl"
e2e_nstat_mark "${E2E_BACKENDS[@]}"

# HTTP: one request to each VIP about every 0.2 s; a line per answer ("4 be2").
# shellcheck disable=SC2016
e2e_bg http cli "$ttl" bash -c '
	while :; do
		for spec in "4 http://$1/id.txt" "6 http://[$2]/id.txt"; do
			read -r fam url <<<"$spec"
			if b=$(curl -sS --max-time 3 "$url" 2>/dev/null); then echo "$fam $b"; else echo "$fam FAIL"; fi
		done
		sleep 0.2
	done' _ "$E2E_VIP4" "$E2E_VIP6"
# iperf3: 5-second uploads through each encapsulation in turn, a line per run.
# shellcheck disable=SC2016
e2e_bg iperf cli "$ttl" bash -c '
	while :; do
		for spec in "$@"; do
			read -r svc vip be <<<"$spec"
			out=$(timeout 20 iperf3 -c "$vip" -t 5 -f m 2>&1) || true
			rx=$(echo "$out" | awk "/receiver/ {print \$7, \$8}")
			re=$(echo "$out" | awk "/sender/ {print \$9}")
			echo "$(date +%T) iperf3 5 s upload via $svc ($vip -> $be): ${rx:-failed} ${re:+($re retransmits)}"
			sleep 1
		done
	done' _ "${E2E_IPERF[@]}"

echo "== live counters every second (Ctrl-C or $duration s to stop)"
# The view runs in the background (timeout gives it its own process group), and
# Ctrl-C is forwarded to it: it stops drawing and the summary below still runs.
timeout -k 3 "$ttl" "$E2E_PY" "$E2E_DIR/e2echeck.py" view --stats "$E2E_STATS" \
	--events "$W/iperf.log" --http "$W/http.log" --duration "$duration" &
view=$!
E2E_PIDS+=("$view")
trap 'kill -INT "$view" 2>/dev/null || true' INT TERM HUP
while kill -0 "$view" 2>/dev/null; do wait "$view" || true; done
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo
echo "== stopping traffic and tunlb"
for pid in "${E2E_PIDS[@]}"; do
	[ "$pid" = "$E2E_TUNLB_PID" ] || e2e_stop_pid "$pid" TERM 3
done
rc=0
e2e_tunlb_stop || rc=$?
[ "$rc" -eq 0 ] || echo "tunlb exited with status $rc"

echo "== summary"
for v in 4 6; do
	echo "HTTP IPv$v: $(awk -v f="$v" '$1 == f {n[$2]++} END {for (k in n) printf "%s %d  ", k, n[k]}' "$W/http.log")"
done
echo "iperf3 runs:"
sed 's/^/    /' "$W/iperf.log"
echo "backend kernel counters since tunlb started (must all be 0):"
e2e_nstat_zero "${E2E_BACKENDS[@]}" || rc=1
e2e_check_py stats --stats "$E2E_STATS" --noise not_vip --noise arp_other \
	--noise-max 100000 || rc=1
if grep -q ' FAIL$' "$W/http.log"; then
	echo "note: $(grep -c ' FAIL$' "$W/http.log") HTTP request(s) failed"
fi
echo "== removing namespaces $E2E_ID-*"
exit "$rc"
