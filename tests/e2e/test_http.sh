#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E 1: short HTTP requests through tunlb to kernel-decapsulating backends.
#
# 200 curl requests to the IPv4 VIP (service web4: GUE variant 1, outer IPv4
# and IPv6) and 200 to the IPv6 VIP (web6: VXLAN, outer IPv6 and IPv4), each
# from its own client port. Checks:
#   - every request succeeds;
#   - each backend's share is within 4 standard deviations of its binomial
#     expectation for its weight (config/e2e.yaml);
#   - the backends' kernels found no bad checksum or header (nstat:
#     TcpInCsumErrors UdpInCsumErrors IpInHdrErrors IpExtInCsumErrors
#     Udp6InCsumErrors Ip6InHdrErrors all moved by 0);
#   - a capture on the client shows every request sent to tunlb's MAC and every
#     reply coming from the MAC of the backend that served it (direct server
#     return), never from tunlb's; tunlb forwarded exactly as many packets as
#     the client sent to the VIPs;
#   - tunlb's counters agree: new flows per backend = answers the client got
#     from it, rx = tx + drops, no drop other than the segment's unrelated
#     broadcast/multicast (not_vip, arp_other), ARP/NDP/echo answered.
#
#   sudo tests/e2e/test_http.sh            (E2E_KEEP=1 keeps the work dir;
#                                           E2E_PORT_BASE=N fixes the client ports)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=${E2E_REQUESTS:-200}
TTL=100
e2e_require
e2e_init
e2e_topo_up "$TTL" >/dev/null
e2e_tunlb_start "$TTL"

hosts=()
for r in "${E2E_BACKENDS[@]}"; do
	hosts+=(--host "$r=$(e2e_field "$r" 1),$(e2e_field "$r" 2),$(e2e_field "$r" 3)")
done
# Client ports: a random base per run (printed, so a failure can be replayed),
# IPv4 and IPv6 in separate ranges (curl binds the dual-stack wildcard).
base=${E2E_PORT_BASE:-$((20000 + RANDOM % 20000))}
echo "client ports: IPv4 $base..$((base + N - 1)), IPv6 $((base + N))..$((base + 2 * N - 1))"

e2e_nstat_mark "${E2E_BACKENDS[@]}"
W=$E2E_WORK
e2e_bg tcpdump cli 90 tcpdump -i eth0 -n -s 128 -U -w "$W/client.pcap" \
	"tcp and (host $E2E_VIP4 or host $E2E_VIP6)"
cap=$E2E_LAST_PID
e2e_wait_for 10 grep -q "listening on" "$W/tcpdump.log"

requests() { # HOST FIRST-PORT OUT: N requests from the client, a line each
	# (the loop runs in the client namespace; its arguments come in as $1..$3)
	# shellcheck disable=SC2016
	e2e_exec cli timeout 40 bash -c '
		for ((i = 0; i < $3; i++)); do
			p=$(($2 + i))
			if body=$(curl -sS --max-time 5 --local-port "$p" "http://$1/id.txt" 2>&1); then
				echo "$p $body"
			else
				echo "$p FAIL $body"
			fi
		done' _ "$1" "$2" "$N" >"$3" || true   # counted below, even if cut short
}
t0=$SECONDS
requests "$E2E_VIP4" "$base" "$W/resp4.txt"
requests "[$E2E_VIP6]" "$((base + N))" "$W/resp6.txt"
echo "$((2 * N)) requests in $((SECONDS - t0)) s"
# tcpdump stops without draining its buffer: let it catch up first (the
# capture file stops growing), so that the capture holds every frame.
prev=-1
for ((i = 0; i < 40; i++)); do
	sleep 0.5
	size=$(stat -c %s "$W/client.pcap")
	[ "$size" != "$prev" ] || break
	prev=$size
done
e2e_stop_pid "$cap" INT 5
wait "$cap" 2>/dev/null || true
tail -n 3 "$W/tcpdump.log" | xargs echo "client capture:"
e2e_tunlb_stop || e2e_notok "tunlb exited with status $?"

for v in 4 6; do
	ok=$(grep -c ' be[0-9]*$' "$W/resp$v.txt" || true)
	if [ "$ok" -eq "$N" ]; then
		e2e_ok "IPv$v: $ok of $N requests answered"
	else
		e2e_notok "IPv$v: $ok of $N requests answered; first failures:"
		grep -v ' be[0-9]*$' "$W/resp$v.txt" | head -5
	fi
done
e2e_check "web4 shares match the weights" \
	e2e_check_py share --config "$E2E_CONFIG" --service web4 --responses "$W/resp4.txt" "${hosts[@]}"
e2e_check "web6 shares match the weights" \
	e2e_check_py share --config "$E2E_CONFIG" --service web6 --responses "$W/resp6.txt" "${hosts[@]}"
e2e_check "backend kernels: ${E2E_NSTAT_ZERO[*]} all 0" e2e_nstat_zero "${E2E_BACKENDS[@]}"
e2e_check "replies reach the client from the backends' MACs (DSR)" \
	e2e_check_py dsr --pcap "$W/client.pcap" --lb-mac "$E2E_LB_MAC" \
	--vip "$E2E_VIP4" --vip "$E2E_VIP6" "${hosts[@]}" \
	--responses "$E2E_VIP4=$W/resp4.txt" --responses "$E2E_VIP6=$W/resp6.txt" \
	--stats "$E2E_STATS" --services web4,web6
e2e_check "tunlb's counters agree with the client" \
	e2e_check_py stats --stats "$E2E_STATS" "${hosts[@]}" \
	--flows "web4=$W/resp4.txt" --flows "web6=$W/resp6.txt" \
	--noise not_vip --noise arp_other --noise-max 200 \
	--replies arp --replies nd --replies echo --replies echo6
e2e_finish
