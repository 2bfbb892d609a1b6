#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E scale-out: two tunlb instances behind an ECMP router, each announcing
# its VIPs over BGP through a BIRD 2 of its own (README "Scale-out").
#
# On top of tests/e2e/topo.sh:
#   ID-lb2   a second LB namespace on the bridge: tunlb #2 on net_af_packet0,
#            node 198.18.0.2 / 2001:db8:e2e::2; same services, seed, tables
#   BGP links, one per LB (the LB's eth0 belongs to DPDK, not to its kernel):
#            ID-rt bgp1 198.18.1.1/30 <-> ID-lb  bgp0 198.18.1.2/30  (AS 65001)
#            ID-rt bgp2 198.18.1.5/30 <-> ID-lb2 bgp0 198.18.1.6/30  (AS 65001)
#   BIRD in ID-lb and ID-lb2: config/bird-lb.conf with this topology's values
#   BIRD in ID-rt (AS 65000): both sessions, "merge paths on" into its kernel
#            (ECMP; fib_multipath_hash_policy 1: by L4 ports)
#   ID-cli   VIPs routed via the router (198.18.0.254) instead of tunlb
#
# Checks:
#  1. both instances announce 198.18.100.1; the router holds one route with
#     both nodes as next hops; client HTTP flows spread over both instances;
#  2. the same backend for every flow whichever instance carries it: 200 TCP
#     SYNs sent through each instance, captured on the backends, compared by
#     their tuple (independent decoding with scapy);
#  3. 20 HTTP downloads (3 MB each, rate-limited to last ~8 s) through both
#     instances: a baseline, all complete (the backends' retransmissions are
#     printed: this VM has some without any re-route);
#  4. SIGKILL of one tunlb while 20 downloads run: the route loses that next
#     hop (failover time printed), every transfer completes with a backend's
#     exact bytes (connections lost: printed, must be 0);
#  5. SIGTERM of one tunlb while 20 downloads run: the route loses that next
#     hop while that tunlb still runs, every transfer completes, and every TCP
#     segment the client sent was forwarded by one instance or the other
#     (client TcpOutSegs + TcpRetransSegs = sum of the instances' forwarded):
#     the graceful re-route loses nothing, so it causes no retransmission.
#
#   sudo tests/e2e/test_scaleout.sh      (E2E_SCALEOUT_RATE=bytes/s per download, default 400k)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TTL=240
RATE=${E2E_SCALEOUT_RATE:-400k}
SIZE=$((3 * 1024 * 1024))            # per download: about 7.5 s at 400 kB/s
N=20
e2e_require
for t in bird birdc; do
	command -v "$t" >/dev/null || {
		echo "FAIL: $t is missing (app/setup.sh installs bird2)"
		exit 1
	}
done
e2e_init
e2e_topo_up "$TTL" >/dev/null
W=$E2E_WORK
NODE4_2=198.18.0.2
NODE6_2=2001:db8:e2e::2
LB2_MAC=02:e2:e0:00:00:02
VIP=$E2E_VIP4

# ---- the second LB, the BGP links, routing ----------------------------------
ns() { e2e_ns "$1"; }
ip netns add "$(ns lb2)"
ip -n "$(ns lb2)" link set lo up
e2e_exec lb2 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
	net.ipv4.ip_forward=0
ip link add eth0 netns "$(ns lb2)" type veth peer name p-lb2 netns "$(ns sw)"
ip -n "$(ns sw)" link set p-lb2 master br0 mtu "$E2E_UNDERLAY_MTU" up
ip -n "$(ns lb2)" link set eth0 address "$LB2_MAC" mtu "$E2E_UNDERLAY_MTU" up
e2e_exec lb2 ethtool -K eth0 tx off tso off gso off gro off >/dev/null
for i in 1 2; do
	lb=lb; [ "$i" = 2 ] && lb=lb2
	ip link add bgp0 netns "$(ns $lb)" type veth peer name "bgp$i" netns "$(ns rt)"
	ip -n "$(ns $lb)" addr add "198.18.1.$((4 * i - 2))/30" dev bgp0
	ip -n "$(ns rt)" addr add "198.18.1.$((4 * i - 3))/30" dev "bgp$i"
	ip -n "$(ns $lb)" link set bgp0 up
	ip -n "$(ns rt)" link set "bgp$i" up
done
e2e_exec rt sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ip -n "$(ns cli)" route replace 198.18.100.0/24 via 198.18.0.254

# ---- BIRD: the shipped config/bird-lb.conf on each LB, a router config -------
lb_bird_conf() { # N NODE4 NODE6 OUT
	sed -e "s|198\.18\.1\.2|198.18.1.$((4 * $1 - 2))|g" \
		-e "s|neighbor 198\.18\.1\.1 |neighbor 198.18.1.$((4 * $1 - 3)) |" \
		-e "s|bgp_next_hop = 198\.18\.0\.1;|bgp_next_hop = $2;|" \
		-e "s|bgp_next_hop = 2001:db8:e2e::1;|bgp_next_hop = $3;|" \
		-e "s|/run/tunlb/|$W/lb$1-|g" "$E2E_TOP/config/bird-lb.conf" >"$4"
}
lb_bird_conf 1 "$E2E_NODE4" "$E2E_NODE6" "$W/bird-lb1.conf"
lb_bird_conf 2 "$NODE4_2" "$NODE6_2" "$W/bird-lb2.conf"
grep -q "neighbor 198.18.1.5 as 65000" "$W/bird-lb2.conf" ||
	{ echo "FAIL - config/bird-lb.conf no longer has the example values this test replaces"; exit 1; }
cat >"$W/bird-rt.conf" <<EOF
router id 198.18.1.1;
protocol device { }
protocol kernel {
	ipv4 { import none; export all; };
	merge paths on;
}
template bgp lb {
	local as 65000;
	hold time 3;
	keepalive time 1;
	ipv4 { import all; export none; };
}
protocol bgp lb1 from lb { neighbor 198.18.1.2 as 65001; }
protocol bgp lb2 from lb { neighbor 198.18.1.6 as 65001; }
EOF
for i in 1 2; do : >"$W/lb$i-vips4.conf"; : >"$W/lb$i-vips6.conf"; done
e2e_bg bird-rt rt "$TTL" bird -f -c "$W/bird-rt.conf" -s "$W/bird-rt.ctl" -P "$W/bird-rt.pid"
e2e_bg bird-lb1 lb "$TTL" bird -f -c "$W/bird-lb1.conf" -s "$W/bird-lb1.ctl" -P "$W/bird-lb1.pid"
e2e_bg bird-lb2 lb2 "$TTL" bird -f -c "$W/bird-lb2.conf" -s "$W/bird-lb2.ctl" -P "$W/bird-lb2.pid"

# ---- the two tunlb instances -------------------------------------------------
announce_cfg() { # N NODE4 NODE6 OUT: config/e2e.yaml with this node and announcements
	sed -e "s|^  ipv4: 198\.18\.0\.1$|  ipv4: $2|" -e "s|^  ipv6: 2001:db8:e2e::1$|  ipv6: $3|" \
		"$E2E_CONFIG" >"$4"
	cat >>"$4" <<EOF
announce:
  bird_socket: $W/bird-lb$1.ctl
  ipv4_routes: $W/lb$1-vips4.conf
  ipv6_routes: $W/lb$1-vips6.conf
  withdraw_grace_ms: 2000
EOF
}
announce_cfg 1 "$E2E_NODE4" "$E2E_NODE6" "$W/lb1.yaml"
announce_cfg 2 "$NODE4_2" "$NODE6_2" "$W/lb2.yaml"
declare -A TL_PID
tunlb_start() { # N: tunlb #N in its namespace; waits until it answers ping
	local i=$1 role=lb node=$E2E_NODE4
	[ "$i" = 2 ] && role=lb2 node=$NODE4_2
	e2e_bg "tunlb$i" "$role" "$TTL" "$E2E_TUNLB" --no-huge -m 1024 --no-pci -l 0 \
		--file-prefix="$E2E_ID-$i" --log-level=lib.eal:error --vdev="$E2E_VDEV" -- \
		-c "$W/lb$i.yaml" --stats-out "$W/stats$i.json" --stats-interval 500
	TL_PID[$i]=$E2E_LAST_PID
	if ! e2e_wait_for 20 test -s "$W/stats$i.json" ||
		! e2e_wait_for 10 e2e_exec cli ping -c 1 -W 1 "$node"; then
		echo "FAIL - tunlb $i did not come up; its log:"
		sed 's/^/    /' "$W/tunlb$i.log"
		exit 1
	fi
}
tunlb_child() { pgrep -P "${TL_PID[$1]}" -x tunlb; }   # the process timeout(1) runs

nexthops() { # the router's kernel route to the VIP: "198.18.0.1 198.18.0.2", sorted
	ip -n "$(ns rt)" route show "$VIP/32" 2>/dev/null | grep -Eo 'via 198\.18\.0\.[0-9]+' |
		awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//'
}
route_is() { [ "$(nexthops)" = "$1" ]; }
both="$E2E_NODE4 $NODE4_2"

tunlb_start 1
tunlb_start 2
if e2e_wait_for 20 route_is "$both"; then
	e2e_ok "BGP: both instances announce $VIP; the router has one ECMP route via $both"
else
	e2e_notok "the router's route to $VIP: '$(nexthops)', expected '$both'"
	birdc -s "$W/bird-rt.ctl" show protocols all | tail -n 30 | sed 's/^/    /'
	e2e_finish
fi

# ---- 1. flows spread over both instances -------------------------------------
fwd() { "$E2E_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["forwarded"])' "$1"; }
f1=$(fwd "$W/stats1.json")
f2=$(fwd "$W/stats2.json")
e2e_requests "$VIP" 30000 40 "$W/spread.txt"
ok=$(grep -c ' be[0-9]$' "$W/spread.txt" || true)
sleep 1   # --stats-interval 500
d1=$(($(fwd "$W/stats1.json") - f1))
d2=$(($(fwd "$W/stats2.json") - f2))
e2e_check "40 HTTP requests through the router: $ok answered; packets forwarded by instance 1: $d1, 2: $d2" \
	test "$ok" -eq 40 -a "$d1" -gt 0 -a "$d2" -gt 0

# ---- 2. the same backend for every flow, whichever instance ------------------
for r in "${E2E_BACKENDS[@]}"; do
	e2e_bg "cap-$r" "$r" 60 tcpdump -i eth0 -n -U -w "$W/syn-$r.pcap" 'udp port 6080'
done
for r in "${E2E_BACKENDS[@]}"; do e2e_wait_for 10 grep -q "listening on" "$W/cap-$r.log"; done
e2e_exec cli "$E2E_PY" - "$E2E_CLI4" "$VIP" "$E2E_LB_MAC" "$LB2_MAC" <<'PY'
import sys
from scapy.all import IP, TCP, Ether, conf, sendp
cli, vip, m1, m2 = sys.argv[1:5]
conf.verb = 0
for mac in (m1, m2):
    sendp([Ether(dst=mac) / IP(src=cli, dst=vip) / TCP(sport=40000 + i, dport=80, flags="S", seq=i)
           for i in range(200)], iface="eth0", inter=0.001)
PY
sleep 1
for r in "${E2E_BACKENDS[@]}"; do
	pid=$(e2e_exec "$r" pgrep -f "syn-$r.pcap" || true)
	[ -z "$pid" ] || e2e_exec "$r" kill -INT $pid
done
sleep 0.5
e2e_check "200 SYNs through each instance: every flow reached one backend, the same from both" \
	"$E2E_PY" - "$W" "$E2E_NODE4,$E2E_NODE6" "$NODE4_2,$NODE6_2" "${E2E_BACKENDS[@]}" <<'PY'
import sys
from collections import defaultdict
from scapy.all import IP, IPv6, TCP, UDP, rdpcap
w, n1, n2, *backends = sys.argv[1:]
lb_of = {a: 1 for a in n1.split(",")} | {a: 2 for a in n2.split(",")}
seen = defaultdict(set)              # (sport, lb) -> backends
for be in backends:
    for p in rdpcap(f"{w}/syn-{be}.pcap"):
        outer = p[IP] if IP in p else p[IPv6]
        udp = outer[UDP]
        raw = bytes(udp.payload)     # GUE variant 1: the inner IP packet right after UDP
        inner = IP(raw) if raw[0] >> 4 == 4 else IPv6(raw)
        if TCP not in inner or inner[TCP].flags != "S" or not 40000 <= inner[TCP].sport < 40200:
            continue
        seen[(inner[TCP].sport, lb_of.get(outer.src, 0))].add(be)
bad = [s for s in range(40000, 40200)
       if len(seen[(s, 1)]) != 1 or seen[(s, 1)] != seen[(s, 2)]]
used = {b for v in seen.values() for b in v}
print(f"     {sum(len(v) == 1 for v in seen.values())} (flow, instance) pairs on one backend; "
      f"backends used: {sorted(used)}; flows differing or missing: {len(bad)} {bad[:5]}")
sys.exit(0 if not bad and len(used) >= 2 else 1)
PY

# ---- transfers through both instances, then one of them goes -----------------
for r in "${E2E_BACKENDS[@]}"; do
	head -c "$SIZE" /dev/urandom >"$W/www-$r/big.bin"
done
downloads() { # TAG PORT0: N downloads from the client, each from its own port (PORT0 + i),
	# in the background
	local tag=$1 port0=$2 i
	DL_PIDS=()
	for ((i = 0; i < N; i++)); do
		e2e_exec cli timeout 60 curl -sS --limit-rate "$RATE" --local-port $((port0 + i)) \
			-o "$W/$tag-$i.bin" -w '%{size_download}\n' "http://$VIP/big.bin" \
			>"$W/$tag-$i.out" 2>&1 &
		DL_PIDS+=($!)
	done
}
same_as_a_backend() { # FILE: its bytes are one backend's big.bin (each is different)
	local r
	for r in "${E2E_BACKENDS[@]}"; do cmp -s "$1" "$W/www-$r/big.bin" && return 0; done
	return 1
}
downloads_done() { # TAG: wait for them; DL_OK and DL_BAD count complete and failed ones
	local tag=$1 i
	DL_OK=0
	DL_BAD=0
	for ((i = 0; i < N; i++)); do
		if wait "${DL_PIDS[$i]}" && [ "$(head -n 1 "$W/$tag-$i.out")" = "$SIZE" ] &&
			same_as_a_backend "$W/$tag-$i.bin"; then
			DL_OK=$((DL_OK + 1))
		else
			DL_BAD=$((DL_BAD + 1))
			echo "     $tag-$i: $(tr '\n' ' ' <"$W/$tag-$i.out")"
		fi
	done
}
failover_ms() { # wait until the route is via $1 only; print the milliseconds since $2 (ns)
	local want=$1 t0=$2 i
	for ((i = 0; i < 1000; i++)); do
		if [ "$(nexthops)" = "$want" ]; then
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		fi
		sleep 0.01
	done
	echo never
	return 1
}
retrans() { # total TcpRetransSegs of the backends since their mark
	local r n s=0
	for r in "${E2E_BACKENDS[@]}"; do
		n=$(e2e_nstat "$r" -z -s TcpRetransSegs | awk 'NR > 1 {print $2}')
		s=$((s + ${n:-0}))
	done
	echo "$s"
}

# Baseline: the same transfers while nothing happens. The backends' retransmissions
# here are this machine's (two shared vCPUs, veth backlogs), not a re-route's.
for r in "${E2E_BACKENDS[@]}"; do e2e_nstat_mark "$r"; done
downloads base 33000
downloads_done base
base_rt=$(retrans)
e2e_check "baseline: $DL_OK of $N transfers through both instances complete (backends retransmitted $base_rt segments)" \
	test "$DL_OK" -eq "$N"

# 3. SIGKILL of instance 1
for r in "${E2E_BACKENDS[@]}"; do e2e_nstat_mark "$r"; done
downloads kill 31000
sleep 2
t0=$(date +%s%N)
kill -KILL "$(tunlb_child 1)"
ms=$(failover_ms "$NODE4_2" "$t0") || true
downloads_done kill
ok=$DL_OK bad=$DL_BAD
rt=$(retrans)
echo "     SIGKILL: route via $NODE4_2 only after $ms ms; backends retransmitted $rt segments (baseline: $base_rt)"
e2e_check "SIGKILL of instance 1: withdrawn in $ms ms; $ok of $N transfers complete, connections lost: $bad" \
	test "$ms" != never -a "$ok" -eq "$N"
wait "${TL_PID[1]}" 2>/dev/null || true

# 4. SIGTERM of instance 2, instance 1 back first. Exact: every TCP segment the client
# sends in this round (only to the VIP) is forwarded by one instance or the other.
tunlb_start 1
e2e_wait_for 20 route_is "$both" ||
	e2e_notok "instance 1 restarted but the route is via '$(nexthops)'"
sleep 1                                  # --stats-interval 500: both files current
f1=$(fwd "$W/stats1.json")
f2=$(fwd "$W/stats2.json")
e2e_nstat_mark cli "${E2E_BACKENDS[@]}"
downloads term 32000
sleep 2
child=$(tunlb_child 2)
t0=$(date +%s%N)
kill -TERM "$child"
ms=$(failover_ms "$E2E_NODE4" "$t0") || true
alive=no
kill -0 "$child" 2>/dev/null && alive=yes
downloads_done term
ok=$DL_OK bad=$DL_BAD
rt=$(retrans)
sent=$(e2e_nstat cli -z -s TcpOutSegs TcpRetransSegs | awk 'NR > 1 {s += $2} END {print s + 0}')
rc=0
wait "${TL_PID[2]}" || rc=$?            # its final counters are written at exit
e2e_stop_pid "${TL_PID[1]}" INT 10
wait "${TL_PID[1]}" 2>/dev/null || true
fw=$(($(fwd "$W/stats1.json") - f1 + $(fwd "$W/stats2.json") - f2))
echo "     SIGTERM: route via $E2E_NODE4 only after $ms ms; client sent $sent segments, the instances forwarded $fw; backends retransmitted $rt segments (baseline: $base_rt)"
e2e_check "SIGTERM of instance 2: withdrawn in $ms ms while it still ran ($alive), exit $rc; $ok of $N transfers complete; client packets lost: $((sent - fw))" \
	test "$ms" != never -a "$alive" = yes -a "$rc" -eq 0 -a "$ok" -eq "$N" -a "$sent" -eq "$fw"
e2e_check "instance 2's final counters: every VIP withdrawn ('stopping'), interface gone" \
	"$E2E_PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["announce"]
sys.exit(0 if a["live"] is False and set(a["vips"].values()) == {"stopping"} else 1)' "$W/stats2.json"
e2e_finish
