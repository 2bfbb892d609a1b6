#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E 3: no blackhole when the underlay MTU is 1500, like the client's.
#
# The topology of topo.sh with every underlay link (lb, router, backends) at
# MTU 1500 and tunlb's port at mtu 1500 (config/e2e-mtu1500.yaml): a
# full-size 1500-byte client packet no longer fits once encapsulated. One
# sustained iperf3 upload per service, each pinned to one backend:
#   (a) path MTU discovery, too_big: icmp, no clamping (tunlb answers from the
#       VIP with ICMP "fragmentation needed" / ICMPv6 "packet too big"):
#         pmtu-vxlan4  IPv4 client, VXLAN outer IPv4 -> be1 vxlan4   MTU 1450
#         pmtu-vxlan6  IPv6 client, VXLAN outer IPv6 -> be2 vxlan6   MTU 1430
#   (b) mss_clamp: auto (too_big: icmp as well):
#         mss-gue4     IPv4 client, GUE 1 outer IPv4 -> be3 gue4    MSS 1432
#         mss-gue6     IPv6 client, GUE 1 outer IPv6 -> be1 gue6    MSS 1392
# The client namespace has no firewall (nothing may filter the ICMP errors),
# path MTU discovery on and TCP MTU probing off (so only ICMP can rescue it).
# Checks per run:
#   - iperf3 exits 0 within its timeout, the receiver got data, and every
#     second of the receiver's report carried data (no stall); throughput printed;
#   - the backend's kernel counters (nstat, E2E_NSTAT_ZERO) stay 0;
#   - (a) tunlb's replies.frag_needed (IPv4) or replies.ptb (IPv6) moved during
#     the run, and the client's kernel now has the path MTU to the VIP tunlb
#     reported (ip route get: 1500 - tunnel overhead), none before;
#   - (b) tunlb's events.mss_clamped moved by at least 2 (iperf3's control and
#     data SYNs), and the SYNs leave the backend's decapsulator with the
#     clamped MSS option (1500 - overhead - 40 or 60).
# At the end: tunlb's rx = tx + drops, nothing dropped but the segment's
# unrelated broadcast/multicast.
#
# In DSR the backend's SYN-ACK does not cross tunlb, so the MSS the client
# sends with comes from the backend, not from the clamped SYN: (b)'s uploads
# still need the ICMP answers (printed as information for each (b) run).
#
#   sudo tests/e2e/test_mtu1500.sh     (E2E_IPERF_SECONDS=N, default 3;
#                                       E2E_MTU_CONFIG=FILE another config)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

E2E_UNDERLAY_MTU=1500
E2E_CONFIG=${E2E_MTU_CONFIG:-$E2E_TOP/config/e2e-mtu1500.yaml}
S=${E2E_IPERF_SECONDS:-3}
TTL=$((4 * (S + 14) + 30))
# service vip backend decap-device mechanism path-mtu clamped-mss
RUNS=(
	"pmtu-vxlan4 198.18.100.2 be1 vxlan4 pmtu 1450 -"
	"pmtu-vxlan6 2001:db8:100::2 be2 vxlan6 pmtu 1430 -"
	"mss-gue4 198.18.100.3 be3 gue4 mss 1472 1432"
	"mss-gue6 2001:db8:100::3 be1 gue6 mss 1452 1392"
)
e2e_require
e2e_init
e2e_topo_up "$TTL" >/dev/null
W=$E2E_WORK

# The client must take tunlb's ICMP errors: path MTU discovery on (IPv4; IPv6
# always), no MTU probing (RFC 4821 would recover from a blackhole by itself),
# and no firewall in its namespace.
e2e_exec cli sysctl -qw net.ipv4.ip_no_pmtu_disc=0 net.ipv4.tcp_mtu_probing=0
fw=
for t in "nft list ruleset" iptables-save ip6tables-save; do
	command -v "${t%% *}" >/dev/null || continue
	# shellcheck disable=SC2086
	fw+=$(e2e_exec cli $t 2>/dev/null | grep -Ev '^(#|\*|:|COMMIT|table|\}|$)' || true)
done
e2e_check "client namespace: no firewall rules${fw:+: $fw}" test -z "$fw"
ul=$(e2e_exec lb cat /sys/class/net/eth0/mtu)
e2e_check "underlay MTU: lb eth0 $ul" test "$ul" = 1500

e2e_tunlb_start "$TTL"

counters() { # the counters this test follows, fresh (--stats-interval 500)
	sleep 1.1
	e2e_check_py get --stats "$E2E_STATS" replies.frag_needed replies.ptb events.mss_clamped \
		drops.too_big drops.too_big_ratelimited
}
pmtu() { # VIP: the client's path MTU exception for VIP, empty if none
	e2e_exec cli ip route get "$1" | grep -o 'mtu [0-9]*' | cut -d' ' -f2 || true
}

summary=()
for spec in "${RUNS[@]}"; do
	read -r svc vip be dev how mtu mss <<<"$spec"
	case $vip in
	*:*) fam=6 syn='ip6 and ip6[6] == 6 and ip6[53] & 2 != 0' ;;
	*) fam=4 syn='tcp[tcpflags] & tcp-syn != 0' ;;
	esac
	echo "== $svc: IPv$fam client -> $vip -> $be $dev, $how"
	before=$(pmtu "$vip")
	read -r fn0 ptb0 mc0 tb0 rl0 < <(counters)
	e2e_nstat_mark "$be"
	# iperf3's two SYNs (control and data connection) as the backend gets them
	e2e_bg "syn-$svc" "$be" $((S + 12)) tcpdump -i "$dev" -n -v -c 2 "$syn"
	cap=$E2E_LAST_PID
	e2e_wait_for 10 grep -q "listening on" "$W/syn-$svc.log"
	rc=0
	e2e_exec cli timeout $((S + 10)) iperf3 -c "$vip" -t "$S" -J --get-server-output \
		>"$W/$svc.json" 2>"$W/$svc.err" || rc=$?
	after=$(pmtu "$vip")
	read -r fn1 ptb1 mc1 tb1 rl1 < <(counters)
	e2e_stop_pid "$cap" INT 3
	wait "$cap" 2>/dev/null || true

	out=$(e2e_check_py iperf --json "$W/$svc.json" --rc "$rc" --label "$svc" --no-stall) && r=0 || r=$?
	echo "$out" | sed -n '2,$p'
	line=$(echo "$out" | head -1)
	mbps=$(echo "$line" | grep -Eo '[0-9]+ Mbit/s' || echo "0 Mbit/s")
	summary+=("$svc $mbps")
	if [ "$r" -eq 0 ]; then e2e_ok "$line"; else e2e_notok "$line"; fi
	e2e_check "$svc: $be kernel counters ${E2E_NSTAT_ZERO[*]} all 0" e2e_nstat_zero "$be"
	icmp4=$((fn1 - fn0))
	icmp6=$((ptb1 - ptb0))
	echo "     tunlb during the run: frag_needed +$icmp4, ptb +$icmp6, mss_clamped +$((mc1 - mc0))," \
		"too_big drops +$((tb1 - tb0)), too_big_ratelimited +$((rl1 - rl0))"
	if [ "$how" = pmtu ]; then
		if [ "$fam" = 4 ]; then
			e2e_check "$svc: tunlb answered with ICMP fragmentation needed (replies.frag_needed +$icmp4)" \
				test "$icmp4" -gt 0
		else
			e2e_check "$svc: tunlb answered with ICMPv6 packet too big (replies.ptb +$icmp6)" \
				test "$icmp6" -gt 0
		fi
		e2e_check "$svc: the client's path MTU to $vip went from ${before:-none} to ${after:-none} (tunlb reported $mtu)" \
			test -z "$before" -a "$after" = "$mtu"
	else
		e2e_check "$svc: tunlb clamped the SYNs' MSS (events.mss_clamped +$((mc1 - mc0)))" \
			test $((mc1 - mc0)) -ge 2
		seen=$(grep -Eo 'mss [0-9]+' "$W/syn-$svc.log" | cut -d' ' -f2 | sort -u | xargs)
		e2e_check "$svc: SYNs reach $be's $dev with MSS ${seen:-(none captured)} (want $mss)" \
			test "$seen" = "$mss"
		echo "     (information) ICMP too-big answers still needed: $((icmp4 + icmp6)); client path MTU" \
			"to $vip now ${after:-1500}: in DSR the client's segment size comes from the backend's SYN-ACK"
	fi
done
e2e_tunlb_stop || e2e_notok "tunlb exited with status $?"
e2e_check "tunlb's counters: rx = tx + drops, no drop but the segment's noise" \
	e2e_check_py stats --stats "$E2E_STATS" --noise not_vip --noise arp_other --noise-max 200
echo "throughput (iperf3 receiver, $S s each, underlay MTU 1500): ${summary[*]/%/;}"
e2e_finish
