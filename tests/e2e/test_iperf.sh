#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E 2: sustained iperf3 uploads through each encapsulation with full-size
# segments. The underlay (lb, router, backends) has MTU 1600 and tunlb's port
# mtu is 1600 (config/e2e.yaml), so a 1500-byte client packet fits in every
# encapsulation. One run per service, each pinned to one backend:
#   iperf-vxlan-4in4  VXLAN, inner IPv4, outer IPv4  -> be1 vxlan4
#   iperf-vxlan-4in6  VXLAN, inner IPv4, outer IPv6  -> be2 vxlan6
#   iperf-gue-6in4    GUE 1, inner IPv6, outer IPv4  -> be3 gue4 (socat + TUN)
#   iperf-gue-6in6    GUE 1, inner IPv6, outer IPv6  -> be1 gue6 (socat + TUN)
# Checks per run: iperf3 completes and reports a throughput (printed); the
# backend's decapsulation device delivers full-size (1500-byte) inner packets;
# the backend kernel's checksum/header error counters stay 0. At the end,
# tunlb's counters: every service carried traffic with an average inner packet
# of at least 1400 bytes, rx = tx + drops, and nothing dropped but the segment's
# unrelated broadcast/multicast.
#
#   sudo tests/e2e/test_iperf.sh           (E2E_IPERF_SECONDS=N, default 3)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=${E2E_IPERF_SECONDS:-3}
TTL=$((4 * (S + 12) + 30))
e2e_require
e2e_init
e2e_topo_up "$TTL" >/dev/null
e2e_tunlb_start "$TTL"
W=$E2E_WORK

min_avg=()
summary=()
for spec in "${E2E_IPERF[@]}"; do
	read -r svc vip be <<<"$spec"
	case $svc in
	iperf-vxlan-4in4) dev=vxlan4 ;;
	iperf-vxlan-4in6) dev=vxlan6 ;;
	iperf-gue-6in4) dev=gue4 ;;
	iperf-gue-6in6) dev=gue6 ;;
	esac
	case $vip in
	*:*) full='ip6 and ip6[4:2] >= 1460' ;;   # IPv6 payload 1460 = 1500-byte packet
	*) full='ip and ip[2:2] >= 1500' ;;
	esac
	e2e_nstat_mark "$be"
	# 5 full-size inner packets seen after decapsulation are enough.
	e2e_bg "cap-$svc" "$be" $((S + 10)) tcpdump -i "$dev" -n -c 5 "$full"
	cap=$E2E_LAST_PID
	e2e_wait_for 10 grep -q "listening on" "$W/cap-$svc.log"
	rc=0
	e2e_exec cli timeout $((S + 10)) iperf3 -c "$vip" -t "$S" -J >"$W/$svc.json" 2>&1 || rc=$?
	read -r mbps retr < <("$E2E_PY" - "$W/$svc.json" <<'PY' || echo "0 ?"
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    e = j["end"]
    print(f"{e['sum_received']['bits_per_second'] / 1e6:.0f} {e['sum_sent'].get('retransmits', '?')}")
except Exception:
    print("0 ?")
PY
	)
	if [ "$rc" -eq 0 ] && [ "$mbps" -gt 0 ]; then
		e2e_ok "$svc ($vip -> $be $dev): iperf3 upload $S s: $mbps Mbit/s received, $retr retransmits"
	else
		e2e_notok "$svc ($vip -> $be $dev): iperf3 rc=$rc, $mbps Mbit/s; output:"
		tail -n 5 "$W/$svc.json"
	fi
	summary+=("$svc $mbps Mbit/s")
	e2e_stop_pid "$cap" INT 3
	wait "$cap" 2>/dev/null || true
	n=$(grep -Eo '^[0-9]+ packets captured' "$W/cap-$svc.log" | cut -d' ' -f1 || true)
	e2e_check "$svc: full-size inner packets out of $be's $dev (${n:-0} of 5 seen)" \
		test "${n:-0}" -ge 5
	e2e_check "$svc: $be kernel counters ${E2E_NSTAT_ZERO[*]} all 0" e2e_nstat_zero "$be"
	# Where the retransmitted segments were lost (information, not a check):
	# socat is one process copying every datagram into the TUN device.
	echo "     $be (information): $(e2e_nstat_show "$be" UdpRcvbufErrors Udp6RcvbufErrors TcpExtTCPBacklogDrop)"
	min_avg+=(--min-avg "$svc=1400")
done
e2e_tunlb_stop || e2e_notok "tunlb exited with status $?"
e2e_check "tunlb's counters: every iperf3 service carried full-size packets" \
	e2e_check_py stats --stats "$E2E_STATS" "${min_avg[@]}" \
	--noise not_vip --noise arp_other --noise-max 200
echo "throughput (iperf3 receiver, $S s each): ${summary[*]/%/;}"
e2e_finish
