# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Helpers shared by the end-to-end tests (tests/e2e/test_*.sh), tests/e2e/topo.sh
# and app/demo.sh. Source it from a bash script running with set -euo pipefail.
#
# Everything lives in network namespaces named "$E2E_ID-<role>" (E2E_ID is unique
# per run: it contains the caller's PID), so nothing is added to the root
# namespace and two runs never share a name. Addresses come from 198.18.0.0/15
# (RFC 2544) and 2001:db8::/32 (RFC 3849) only, and exist only inside those
# namespaces. The addressing plan below must match config/e2e.yaml.
#
# Cleanup: e2e_init installs an EXIT trap (INT, TERM and HUP exit through it)
# that stops every process started with e2e_bg, tears the topology down and
# removes the work directory (kept when E2E_KEEP=1). Every process gets a
# timeout, so even a SIGKILLed test leaves nothing running for long.

export PATH=$PATH:/usr/sbin:/sbin
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_TOP=$(cd "$E2E_DIR/../.." && pwd)
E2E_PY=/usr/bin/python3                 # Debian's python: it has scapy
E2E_TUNLB=${TUNLB:-$E2E_TOP/build/app/tunlb}
E2E_CONFIG=${E2E_CONFIG:-$E2E_TOP/config/e2e.yaml}
E2E_ID=${E2E_ID:-tlbe2e-$$}
# MTU of the underlay links (lb, router, backends; the client stays at 1500).
# 1600 lets a full-size client packet through every encapsulation; 1500 makes
# tunlb answer too-big packets (test_mtu1500.sh, config/e2e-mtu1500.yaml).
E2E_UNDERLAY_MTU=${E2E_UNDERLAY_MTU:-1600}

# ---- addressing plan (config/e2e.yaml uses the same values) ----------------
E2E_NODE4=198.18.0.1                    # tunlb's node.ipv4: no kernel owns it
E2E_NODE6=2001:db8:e2e::1               # tunlb's node.ipv6
E2E_LB_MAC=02:e2:e0:00:00:01            # lb eth0 = the af_packet port's MAC
E2E_RT_MAC=02:e2:e0:00:00:fe            # router eth0 = node.gateway_mac
E2E_CLI4=198.18.0.100
E2E_CLI6=2001:db8:e2e::100
E2E_VIP4=198.18.100.1                   # web4:  HTTP, GUE variant 1
E2E_VIP6=2001:db8:100::1                # web6:  HTTP, VXLAN
E2E_BACKENDS=(be1 be2 be3)
# role -> "ipv4 ipv6 eth0-mac vxlan4-mac vxlan6-mac"
declare -A E2E_HOST=(
	[cli]="198.18.0.100 2001:db8:e2e::100 02:e2:e0:00:00:64 - -"
	[lb]="- - 02:e2:e0:00:00:01 - -"
	[rt]="198.18.0.254 2001:db8:e2e::fe 02:e2:e0:00:00:fe - -"
	[be1]="198.18.0.11 2001:db8:e2e::11 02:e2:e0:00:00:11 02:e2:e0:00:11:04 02:e2:e0:00:11:06"
	[be2]="198.18.0.12 2001:db8:e2e::12 02:e2:e0:00:00:12 02:e2:e0:00:12:04 02:e2:e0:00:12:06"
	[be3]="198.18.0.13 2001:db8:e2e::13 02:e2:e0:00:00:13 02:e2:e0:00:13:04 02:e2:e0:00:13:06"
)
# VIPs every backend carries on lo (services in config/e2e.yaml)
E2E_VIPS4=(198.18.100.1 198.18.100.2 198.18.100.3)
E2E_VIPS6=(2001:db8:100::1 2001:db8:100::2 2001:db8:100::3)
# iperf3 services, each pinned to one backend: "name vip backend-role"
E2E_IPERF=(
	"iperf-vxlan-4in4 198.18.100.2 be1"
	"iperf-vxlan-4in6 198.18.100.3 be2"
	"iperf-gue-6in4 2001:db8:100::2 be3"
	"iperf-gue-6in6 2001:db8:100::3 be1"
)
# Kernel counters that must not move on a backend (nstat names)
E2E_NSTAT_ZERO=(TcpInCsumErrors UdpInCsumErrors IpInHdrErrors IpExtInCsumErrors
	Udp6InCsumErrors Ip6InHdrErrors)

e2e_field() { # ROLE INDEX(1-5): one field of E2E_HOST
	local -a f
	read -r -a f <<<"${E2E_HOST[$1]}"
	echo "${f[$(($2 - 1))]}"
}
e2e_ns() { echo "$E2E_ID-$1"; }
e2e_exec() { # ROLE CMD...: run in the role's namespace
	local r=$1
	shift
	ip netns exec "$E2E_ID-$r" "$@"
}
e2e_log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# ---- checks: collect failures, report at the end ---------------------------
E2E_FAILS=0
e2e_ok() { echo "ok   - $*"; }
e2e_notok() {
	echo "FAIL - $*"
	E2E_FAILS=$((E2E_FAILS + 1))
}
e2e_check() { # DESCRIPTION CMD...: run CMD, record ok/FAIL (never exits)
	local d=$1
	shift
	if "$@"; then e2e_ok "$d"; else e2e_notok "$d"; fi
}
e2e_finish() { # print the verdict, exit 0 or 1 (the EXIT trap cleans up)
	if [ "$E2E_FAILS" -eq 0 ]; then
		echo "PASS: $(basename "$0") ($SECONDS s)"
		exit 0
	fi
	echo "FAILED: $(basename "$0"): $E2E_FAILS check(s) failed ($SECONDS s)"
	exit 1
}

# ---- skip when the machine cannot do namespaces ----------------------------
e2e_require() { # exit 77 (meson: skipped) with a reason when we cannot run
	local err
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: network namespaces need root (run the tests with sudo)"
		exit 77
	fi
	if ! err=$(ip netns add "$E2E_ID-probe" 2>&1); then
		echo "SKIP: cannot create a network namespace: $err"
		exit 77
	fi
	ip netns del "$E2E_ID-probe"
	local t
	for t in iperf3 socat curl tcpdump ethtool nstat ss ping timeout; do
		command -v "$t" >/dev/null || {
			echo "FAIL: $t is missing (app/setup.sh installs it)"
			exit 1
		}
	done
	[ -x "$E2E_TUNLB" ] || {
		echo "FAIL: $E2E_TUNLB not built"
		exit 1
	}
}

# ---- lifetime: work dir, background processes, trap ------------------------
E2E_PIDS=()
E2E_WORK=
E2E_TOPO_UP=0
e2e_init() { # create the work dir and install the cleanup trap
	E2E_WORK=$(mktemp -d "/tmp/$E2E_ID.XXXXXX")
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

e2e_bg() { # NAME ROLE|- TIMEOUT CMD...: background process with a timeout,
	# output in $E2E_WORK/NAME.log; its PID is appended to E2E_PIDS and
	# left in E2E_LAST_PID.
	local name=$1 role=$2 t=$3
	shift 3
	if [ "$role" = - ]; then
		timeout -k 3 "$t" "$@" >"$E2E_WORK/$name.log" 2>&1 &
	else
		ip netns exec "$E2E_ID-$role" timeout -k 3 "$t" "$@" \
			>"$E2E_WORK/$name.log" 2>&1 &
	fi
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
}

e2e_stop_pid() { # PID [SIGNAL] [WAIT_S]: signal one of our processes, wait, then KILL
	local pid=$1 sig=${2:-TERM} w=${3:-5} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < w * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

e2e_cleanup() { # EXIT trap: idempotent, never fails, keeps the exit status
	local rc=$? pid
	trap - EXIT INT TERM HUP
	set +e
	for pid in "${E2E_PIDS[@]}"; do e2e_stop_pid "$pid" TERM 3; done
	wait 2>/dev/null
	if [ "$E2E_TOPO_UP" -eq 1 ] || [ -n "$(e2e_our_netns)" ]; then
		"$E2E_DIR/topo.sh" down "$E2E_ID" >/dev/null 2>&1
	fi
	if [ -n "$E2E_WORK" ] && [ -d "$E2E_WORK" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			echo "kept work dir $E2E_WORK" >&2
		else
			rm -rf "$E2E_WORK"
		fi
	fi
	exit "$rc"
}

e2e_our_netns() { ip netns list 2>/dev/null | awk -v p="$E2E_ID-" 'index($1, p) == 1 {print $1}'; }

e2e_wait_for() { # TIMEOUT_S CMD...: poll CMD every 0.2 s until it succeeds
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# ---- topology ---------------------------------------------------------------
e2e_topo_up() { # TTL_S: build it (tests/e2e/topo.sh); servers live TTL_S at most
	E2E_TOPO_UP=1
	E2E_UNDERLAY_MTU=$E2E_UNDERLAY_MTU "$E2E_DIR/topo.sh" up "$E2E_ID" "$1" "$E2E_WORK"
}

# ---- tunlb --------------------------------------------------------------------
# af_packet on the lb namespace's eth0. A ring of 4096 frames instead of the
# PMD's default 512: with 512, a 1 Gbit/s upload lost about 1 % of its packets
# in the kernel's packet ring before tunlb saw them (lb eth0 rx - tunlb rx;
# the 22.11 PMD does not report these in rx_missed), i.e. retransmits that
# measure the ring, not tunlb.
E2E_VDEV=${E2E_VDEV:-net_af_packet0,iface=eth0,framecnt=4096}
E2E_TUNLB_PID=
E2E_STATS=
e2e_tunlb_start() { # TTL_S [EXTRA tunlb ARGS...]: start tunlb in the lb namespace,
	# wait until it answers ARP and ping on node.ipv4 and NDP on node.ipv6
	local t=$1
	shift
	E2E_STATS=$E2E_WORK/stats.json
	e2e_bg tunlb lb "$t" "$E2E_TUNLB" --no-huge -m 1024 --no-pci -l 0 \
		--file-prefix="$E2E_ID" --log-level=lib.eal:error \
		--vdev="$E2E_VDEV" -- -c "$E2E_CONFIG" \
		--stats-out "$E2E_STATS" --stats-interval 500 "$@"
	E2E_TUNLB_PID=$E2E_LAST_PID
	if ! e2e_wait_for 20 test -s "$E2E_STATS"; then
		echo "FAIL - tunlb did not start in $E2E_ID-lb; its log:"
		sed 's/^/    /' "$E2E_WORK/tunlb.log"
		return 1
	fi
	if ! e2e_wait_for 10 e2e_exec cli ping -c 1 -W 1 "$E2E_NODE4" ||
		! e2e_wait_for 10 e2e_exec cli ping -6 -c 1 -W 1 "$E2E_NODE6"; then
		echo "FAIL - tunlb does not answer ARP+ping on $E2E_NODE4 or NDP+ping on $E2E_NODE6; its log:"
		sed 's/^/    /' "$E2E_WORK/tunlb.log"
		return 1
	fi
}

e2e_tunlb_stop() { # SIGINT, wait; returns tunlb's exit status (final stats written)
	local rc=0
	[ -n "$E2E_TUNLB_PID" ] || return 0
	kill -INT "$E2E_TUNLB_PID" 2>/dev/null || true
	wait "$E2E_TUNLB_PID" || rc=$?
	E2E_TUNLB_PID=
	return "$rc"
}

# ---- kernel counters on the backends ----------------------------------------
# nstat keeps one history file per user: give each namespace its own.
e2e_nstat() { # ROLE ARGS...
	local r=$1
	shift
	NSTAT_HISTORY="$E2E_WORK/nstat.$r" ip netns exec "$E2E_ID-$r" nstat "$@"
}
e2e_nstat_mark() { # ROLE...: start counting from now
	local r
	for r in "$@"; do e2e_nstat "$r" -n; done
}
e2e_nstat_zero() { # ROLE...: every E2E_NSTAT_ZERO counter moved by 0 since the mark
	local r bad=0 out
	for r in "$@"; do
		out=$(e2e_nstat "$r" -z -s "${E2E_NSTAT_ZERO[@]}" | awk 'NR > 1 {printf "%s=%s ", $1, $2}')
		echo "     $r: $out"
		if echo "$out" | grep -Eq '=[1-9]'; then bad=1; fi
	done
	return "$bad"
}

e2e_nstat_show() { # ROLE NAME...: print counters since the mark (information only)
	local r=$1
	shift
	e2e_nstat "$r" -z -s "$@" | awk 'NR > 1 {printf "%s=%s ", $1, $2}'
}

e2e_check_py() { "$E2E_PY" "$E2E_DIR/e2echeck.py" "$@"; }

# ---- used by test_states.sh and test_mtu1500.sh ---------------------------------
e2e_ctl() { # ARGS...: app/tunlbctl against this run's tunlb (its --file-prefix)
	"$E2E_TOP/app/tunlbctl" -p "$E2E_ID" "$@"
}

e2e_host_args() { # print --host ROLE=IPV4,IPV6,MAC for every backend (e2echeck.py)
	local r
	for r in "${E2E_BACKENDS[@]}"; do
		printf -- '--host\n%s=%s,%s,%s\n' "$r" "$(e2e_field "$r" 1)" "$(e2e_field "$r" 2)" \
			"$(e2e_field "$r" 3)"
	done
}

e2e_requests() { # HOST FIRST-PORT N OUT: N HTTP requests for /id.txt from the
	# client, each from its own port; OUT gets "PORT ROLE" or "PORT FAIL ..."
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
		done' _ "$1" "$2" "$3" >"$4" || true   # counted by the caller, even if cut short
}
