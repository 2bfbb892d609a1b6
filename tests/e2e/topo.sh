#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The end-to-end topology: network namespaces on one bridge, real kernel
# decapsulators and real servers on the backends. tunlb itself is not started
# here (the tests and app/demo.sh start it in the "lb" namespace).
#
#   tests/e2e/topo.sh up   ID [TTL_S [WORKDIR]]   build it; servers live TTL_S (3600)
#   tests/e2e/topo.sh down ID                     stop every process in it, delete it
#   tests/e2e/topo.sh show ID                     list its namespaces and processes
#
# Namespaces are named ID-<role>; the roles, addresses and MACs are in
# tests/e2e/lib.sh, the tunlb side in config/e2e.yaml. All of it is:
#
#            ID-sw: bridge br0 (no address, IPv6 off, no multicast snooping,
#             |      bridge-nf-call-* = 0); one veth port per namespace below
#   ID-cli  eth0 198.18.0.100/24 2001:db8:e2e::100/64  mtu 1500  offloads off
#             routes 198.18.100.0/24 via 198.18.0.1, 2001:db8:100::/64 via 2001:db8:e2e::1
#   ID-lb   eth0 no kernel address, IPv6 off, mtu U, offloads off; tunlb runs here on
#             net_af_packet0 and is 198.18.0.1 / 2001:db8:e2e::1 (answers ARP, NDP, ping)
#   ID-rt   eth0 198.18.0.254 2001:db8:e2e::fe  mtu U; MAC = node.gateway_mac;
#             forwards the LB's outer packets back out of eth0 to the backends
#             (ip_forward, IPv6 forwarding, no ICMP redirects)
#   ID-be1..3 eth0 198.18.0.1N 2001:db8:e2e::1N  mtu U; VIPs 198.18.100.1-3 and
#             2001:db8:100::1-3 on lo; vxlan4 / vxlan6 (kernel VXLAN, VNI 100, UDP 4789,
#             outer IPv4 / IPv6); gue4 / gue6 (socat UDP4-RECV / UDP6-RECV :6080 into a
#             TUN device: GUE variant 1); python3 http.server :80 and iperf3 -s :5201
#             on every address; rp_filter 0, arp_ignore 1, arp_announce 2
#
# U, the underlay MTU, is $E2E_UNDERLAY_MTU: 1600 by default (a full-size client
# packet fits in every encapsulation), 1500 for tests/e2e/test_mtu1500.sh.
#
# Client -> VIP goes to tunlb's MAC; tunlb's outer packets go to the router's
# MAC, which hands them to the backend on the same segment; the backends answer
# the client directly from their own MACs (direct server return).
set -euo pipefail

usage() {
	echo "usage: $0 up ID [TTL_S [WORKDIR]] | down ID | show ID" >&2
	exit 2
}
[ $# -ge 2 ] || usage
cmd=$1
E2E_ID=$2
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

ROLES=(sw cli lb rt "${E2E_BACKENDS[@]}")

sysctls() { # ROLE KEY=VALUE...
	local r=$1
	shift
	e2e_exec "$r" sysctl -qw "$@" >/dev/null
}

host_link() { # ROLE MTU: veth eth0 in ROLE, its peer p-ROLE a port of br0
	local r=$1 mtu=$2 mac
	mac=$(e2e_field "$r" 3)
	ip link add eth0 netns "$(e2e_ns "$r")" type veth peer name "p-$r" netns "$(e2e_ns sw)"
	ip -n "$(e2e_ns sw)" link set "p-$r" master br0 mtu "$mtu" up
	ip -n "$(e2e_ns "$r")" link set eth0 address "$mac" mtu "$mtu"
}

host_addr() { # ROLE
	local r=$1 a4 a6
	a4=$(e2e_field "$r" 1)
	a6=$(e2e_field "$r" 2)
	ip -n "$(e2e_ns "$r")" addr add "$a4/24" dev eth0
	ip -n "$(e2e_ns "$r")" -6 addr add "$a6/64" dev eth0 nodad
}

backend() { # ROLE TTL: VIPs, decapsulators, servers
	local r=$1 ttl=$2 a4 a6 n v www
	n=$(e2e_ns "$r")
	a4=$(e2e_field "$r" 1)
	a6=$(e2e_field "$r" 2)
	# The inner packets come from the client, which is routed via eth0: no rp_filter.
	sysctls "$r" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	for v in "${E2E_VIPS4[@]}"; do ip -n "$n" addr add "$v/32" dev lo; done
	for v in "${E2E_VIPS6[@]}"; do ip -n "$n" -6 addr add "$v/128" dev lo nodad; done
	# Kernel VXLAN, one device per outer family. The LB sets the inner Ethernet
	# destination to the device's MAC (backends[].mac in config/e2e.yaml).
	ip -n "$n" link add vxlan4 type vxlan id 100 dstport 4789 local "$a4" nolearning
	ip -n "$n" link set vxlan4 address "$(e2e_field "$r" 4)" mtu 1500 up
	ip -n "$n" link add vxlan6 type vxlan id 100 dstport 4789 local "$a6" nolearning
	ip -n "$n" link set vxlan6 address "$(e2e_field "$r" 5)" mtu 1500 up
	# GUE variant 1 (the inner IP packet right after the UDP header): socat writes
	# each datagram's payload into a TUN device (no packet info header: the kernel
	# takes the family from the first nibble). The device lives as long as socat.
	e2e_bg "$r-gue4" "$r" "$ttl" socat -u -b 65536 "UDP4-RECV:6080,bind=$a4" \
		TUN,tun-name=gue4,tun-type=tun,iff-no-pi,iff-up
	e2e_bg "$r-gue6" "$r" "$ttl" socat -u -b 65536 "UDP6-RECV:6080,bind=[$a6]" \
		TUN,tun-name=gue6,tun-type=tun,iff-no-pi,iff-up
	# Servers on every address (dual stack): the reply names the backend.
	www=$E2E_WORK/www-$r
	mkdir -p "$www"
	echo "$r" >"$www/id.txt"
	e2e_bg "$r-http" "$r" "$ttl" "$E2E_PY" -m http.server 80 --bind :: --directory "$www"
	e2e_bg "$r-iperf3" "$r" "$ttl" iperf3 -s -p 5201
}

ready() { # every backend's decap devices and listeners exist
	local r
	for r in "${E2E_BACKENDS[@]}"; do
		e2e_exec "$r" test -e /sys/class/net/gue4 || return 1
		e2e_exec "$r" test -e /sys/class/net/gue6 || return 1
		e2e_exec "$r" ss -Hltn 'sport = :80' | grep -q . || return 1
		e2e_exec "$r" ss -Hltn 'sport = :5201' | grep -q . || return 1
	done
}

up() {
	local ttl=${1:-3600} r n
	E2E_WORK=${2:-}
	[ -n "$E2E_WORK" ] || E2E_WORK=$(mktemp -d "/tmp/$E2E_ID.XXXXXX")
	mkdir -p "$E2E_WORK"
	[ -z "$(e2e_our_netns)" ] || {
		echo "topo.sh: namespaces $E2E_ID-* exist already" >&2
		exit 1
	}
	trap 'rc=$?; [ $rc -eq 0 ] || { echo "topo.sh: up failed, tearing down" >&2; down; }' EXIT
	for r in "${ROLES[@]}"; do
		ip netns add "$(e2e_ns "$r")"
		ip -n "$(e2e_ns "$r")" link set lo up
	done
	# The switch: IPv6 off (no link-local chatter), bridge netfilter hooks off
	# (br_netfilter is built in and would validate IPv4 itself), no multicast
	# snooping (NDP solicitations for node.ipv6 must reach tunlb, which sends no MLD).
	sysctls sw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	e2e_exec sw sysctl -qew net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 >/dev/null
	ip -n "$(e2e_ns sw)" link add br0 type bridge mcast_snooping 0
	ip -n "$(e2e_ns sw)" link set br0 up
	# The LB namespace's kernel must stay silent: no address (tunlb owns
	# node.ipv4/ipv6 and answers ARP/NDP/ping itself), IPv6 off, no forwarding.
	sysctls lb net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.ip_forward=0
	# The router: forwards back out of the interface it received on, and must
	# not send ICMP redirects to the LB for doing so.
	sysctls rt net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.default.forwarding=1
	# Everyone: no router solicitations (less noise on the segment).
	for r in cli rt "${E2E_BACKENDS[@]}"; do
		sysctls "$r" net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.all.router_solicitations=0
	done
	host_link cli 1500
	for r in lb rt "${E2E_BACKENDS[@]}"; do host_link "$r" "$E2E_UNDERLAY_MTU"; done
	for r in cli rt "${E2E_BACKENDS[@]}"; do host_addr "$r"; done
	# Client and LB veths without offloads: otherwise the client's TCP leaves
	# with only the pseudo-header checksum (CHECKSUM_PARTIAL) or as 64 KB GSO
	# frames, and a packet socket (af_packet PMD) sees them as they are.
	for r in cli lb; do e2e_exec "$r" ethtool -K eth0 tx off tso off gso off gro off >/dev/null; done
	# The router has no IPv6 link-local address: Linux sends an ICMPv6 redirect
	# (which has no sysctl to turn it off) only from a link-local source, so
	# none reaches tunlb. It therefore cannot solicit either: static neighbours.
	ip -n "$(e2e_ns rt)" link set eth0 addrgenmode none
	for r in "${E2E_BACKENDS[@]}"; do
		ip -n "$(e2e_ns rt)" -6 neigh replace "$(e2e_field "$r" 2)" \
			lladdr "$(e2e_field "$r" 3)" dev eth0 nud permanent
	done
	for r in "${ROLES[@]}"; do
		[ "$r" = sw ] || ip -n "$(e2e_ns "$r")" link set eth0 up
	done
	n=$(e2e_ns cli)
	ip -n "$n" route add 198.18.100.0/24 via "$E2E_NODE4"
	ip -n "$n" -6 route add 2001:db8:100::/64 via "$E2E_NODE6"
	for r in "${E2E_BACKENDS[@]}"; do backend "$r" "$ttl"; done
	e2e_wait_for 20 ready || {
		echo "topo.sh: backends not ready; logs in $E2E_WORK" >&2
		tail -n 5 "$E2E_WORK"/*.log >&2 || true
		exit 1
	}
	echo "topo.sh: $E2E_ID up (work dir $E2E_WORK)" >&2
}

down() {
	local n pids i
	for n in $(e2e_our_netns); do
		pids=$(ip netns pids "$n" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
	done
	for ((i = 0; i < 30; i++)); do
		pids=$(for n in $(e2e_our_netns); do ip netns pids "$n" 2>/dev/null; done)
		[ -n "$pids" ] || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
	for n in $(e2e_our_netns); do ip netns del "$n" 2>/dev/null || true; done
	[ -z "$(e2e_our_netns)" ]
}

show() {
	local n
	for n in $(e2e_our_netns); do
		echo "$n: $(ip netns pids "$n" | xargs -r ps -o comm= -p | sort | uniq -c | xargs)"
	done
}

case $cmd in
up) up "${3:-3600}" "${4:-}" ;;
down) down ;;
show) show ;;
*) usage ;;
esac
