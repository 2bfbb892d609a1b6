#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# E2E 4: backend state changes while connections run.
#
# The topology of topo.sh (underlay MTU 1600) with a config written into the
# work dir (cfg/states.yaml, built from lib.sh's addressing plan):
#   web4      198.18.100.1:80    GUE 1, 5tuple:  be1 (weight 1), be2 (weight 2)
#   st-iperf  198.18.100.2:5201  VXLAN, hash src_ip: be1, be2 (iperf3's control
#             and data connections come from one address, so they share a backend)
# be3 is in the topology but not in this first config. Three phases:
#
#  (i) drain: an iperf3 upload runs to X, the st-iperf backend the client's
#      address maps to; `tunlbctl drain` X in both services. Checks: the upload
#      completes (exit 0, data received, no second without data) and X took
#      more packets of it after the drain (the flow was not moved: a moved
#      flow would meet a backend without the connection and be reset); every
#      HTTP request started after the drain is answered, none by X.
#      Then `tunlbctl clear` X.
# (ii) reload adding a backend: an upload runs to X again; the config file
#      is replaced (written beside it and renamed over it: tunlb's inotify
#      watch reloads it) with be3 added to web4 (weight 1) and to st-iperf
#      (weight 1000, so the client's address surely maps to be3 now and the
#      running upload stays on X only thanks to connection tracking).
#      Checks: the reload is taken (generation up, last reload ok); the upload
#      completes as in (i) and X kept taking its packets; a new iperf3 upload
#      reaches be3 (its new_flows) and completes; HTTP requests started after
#      the reload are all answered, some by be3.
# (iii) down: an upload runs to Y (be3 now); `tunlbctl down` Y in both
#      services. Checks: HTTP requests started after it are all answered, none
#      by Y; Y takes no packet of either service after the change; tunlb
#      re-selected the running upload's flows (flows.reselects up). The upload
#      itself breaks (reset by its new backend): expected, printed only.
# (This order leaves the iperf3 server whose client was cut off in (iii) stuck
# until the end: it would refuse a later test.)
# At the end: tunlb's rx = tx + drops, nothing dropped but the segment's
# unrelated broadcast/multicast.
#
#   sudo tests/e2e/test_states.sh      (E2E_REQUESTS=N HTTP requests per phase, default 60;
#                                       E2E_KEEP=1 keeps the work dir)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

N=${E2E_REQUESTS:-60}
T=6          # seconds of each long upload
TTL=120
e2e_require
e2e_init
e2e_topo_up "$TTL" >/dev/null
W=$E2E_WORK
mapfile -t HOSTS < <(e2e_host_args)
VIP=${E2E_VIPS4[0]}        # web4
IVIP=${E2E_VIPS4[1]}       # st-iperf

# ---- the config ---------------------------------------------------------------
write_config() { # WITH_BE3(0|1) FILE
	local be3=$1
	{
		cat <<-EOF
			# Written by tests/e2e/test_states.sh (stage $((be3 + 1))).
			node:
			  ipv4: $E2E_NODE4
			  ipv6: $E2E_NODE6
			  gateway_mac: $E2E_RT_MAC
			ports:
			  - name: net_af_packet0
			    mtu: 1600
			services:
			  - name: web4
			    vip: $VIP
			    port: 80
			    protocol: tcp
			    encap: gue
			    gue_variant: 1
			    backends:
			      - address: $(e2e_field be1 1)
			        weight: 1
			      - address: $(e2e_field be2 1)
			        weight: 2
		EOF
		[ "$be3" = 0 ] || cat <<-EOF
			      - address: $(e2e_field be3 2)
			        weight: 1
		EOF
		cat <<-EOF
			  - name: st-iperf
			    vip: $IVIP
			    port: 5201
			    protocol: tcp
			    encap: vxlan
			    vni: 100
			    hash: src_ip
			    backends:
			      - address: $(e2e_field be1 1)
			        mac: $(e2e_field be1 4)
			      - address: $(e2e_field be2 1)
			        mac: $(e2e_field be2 4)
		EOF
		[ "$be3" = 0 ] || cat <<-EOF
			      - address: $(e2e_field be3 1)
			        mac: $(e2e_field be3 4)
			        weight: 1000
		EOF
		cat <<-EOF
			dataplane:
			  flow_table_size: 65536
		EOF
	} >"$2"
}
mkdir "$W/cfg"   # its own directory: tunlb watches the config's directory
E2E_CONFIG=$W/cfg/states.yaml
write_config 0 "$E2E_CONFIG"
write_config 1 "$W/states-be3.yaml"
for f in "$E2E_CONFIG" "$W/states-be3.yaml"; do
	"$E2E_TUNLB" --check-config "$f" >/dev/null || {
		e2e_notok "generated config $f does not validate:"
		"$E2E_TUNLB" --check-config "$f" || true
		e2e_finish
	}
done
e2e_tunlb_start "$TTL"

# ---- helpers ------------------------------------------------------------------
ctl_json() { # OUT ARGS...: tunlbctl --json ARGS > OUT
	local out=$1
	shift
	e2e_ctl --json "$@" >"$out"
}
backends() { # SERVICE: "role address state weight packets new_flows active_flows" lines
	ctl_json "$W/ctl-backends.json" backends "$1" &&
		e2e_check_py backends --ctl-json "$W/ctl-backends.json" "${HOSTS[@]}"
}
be_field() { # SERVICE ROLE FIELD(3=state 5=packets 6=new_flows 7=active_flows)
	backends "$1" | awk -v r="$2" -v f="$3" '$1 == r {print $f}'
}
ctlget() { # KEY...: from /tunlb/stats or, with "config" as first argument, /tunlb/config
	local what=stats
	if [ "$1" = config ]; then what=config; shift; fi
	ctl_json "$W/ctl-$what.json" "$what" && e2e_check_py get --stats "$W/ctl-$what.json" "$@"
}
upload_start() { # NAME SECONDS: iperf3 upload from the client to st-iperf, in the background
	# shellcheck disable=SC2016
	e2e_bg "iperf-$1" cli $(($2 + 15)) bash -c \
		'exec iperf3 -c "$1" -t "$2" -J --get-server-output >"$3" 2>"$3.err"' \
		_ "$IVIP" "$2" "$W/iperf-$1.json"
}
upload_backend() { # wait until one st-iperf backend took 2 new flows since mark_backends
	# (iperf3's control and data connections) and 1000 packets; print its role
	local i role nf pk lines
	for ((i = 0; i < 50; i++)); do
		lines=$(backends st-iperf)
		while read -r role _ _ _ pk nf _; do
			if [ "$nf" -ge $((${NF0[$role]:-0} + 2)) ] && [ "$pk" -gt $((${PK0[$role]:-0} + 1000)) ]; then
				echo "$role"
				return 0
			fi
		done <<<"$lines"
		sleep 0.2
	done
	return 1
}
declare -A NF0 PK0
mark_backends() { # remember every st-iperf backend's new_flows and packets
	local role pk nf
	NF0=() PK0=()
	while read -r role _ _ _ pk nf _; do NF0[$role]=$nf PK0[$role]=$pk; done < <(backends st-iperf)
}
upload_check() { # NAME PID WHAT: wait for it, check it completed without a stall
	local rc=0 out
	wait "$2" || rc=$?
	if out=$(e2e_check_py iperf --json "$W/iperf-$1.json" --rc "$rc" --label "$1" --no-stall); then
		e2e_ok "$3: $(echo "$out" | head -1)"
	else
		e2e_notok "$3: $(echo "$out" | head -1)"
		head -n 3 "$W/iperf-$1.json.err" 2>/dev/null || true
	fi
	echo "$out" | sed -n '2,$p'
	SUMMARY+=("$1 $(echo "$out" | head -1 | grep -Eo '^iperf3 [^:]*: [0-9]+ Mbit/s' | cut -d' ' -f3-)")
}
set_both() { # ACTION ROLE: tunlbctl ACTION in web4 and st-iperf
	local s a out rc
	for s in web4 st-iperf; do
		a=$(e2e_field "$2" 1)
		[ "$s/$2" != web4/be3 ] || a=$(e2e_field be3 2)   # web4 reaches be3 over IPv6
		rc=0
		out=$(e2e_ctl "$1" "$s" "$a" 2>&1) || rc=$?
		e2e_check "tunlbctl $1 $s $a ($2): $(echo "$out" | xargs)" test "$rc" = 0
	done
}
# Client ports for curl below the ephemeral range (32768-60999), which the
# iperf3 clients running at the same time draw from.
port=$((10000 + RANDOM % 20000))
http() { # NAME: N HTTP requests to web4 from fresh client ports
	e2e_requests "$VIP" "$port" "$N" "$W/resp-$1.txt"
	port=$((port + N))
}
SUMMARY=()

# ---- (i) drain ------------------------------------------------------------------
echo "== (i) drain the backend of a running upload"
mark_backends
upload_start drain "$T"
up=$E2E_LAST_PID
X=$(upload_backend) || {
	e2e_notok "the upload reached no st-iperf backend; tunlb's view:"
	backends st-iperf
	e2e_finish
}
echo "   the upload runs to $X"
set_both drain "$X"
e2e_check "$X is draining in st-iperf" test "$(be_field st-iperf "$X" 3)" = draining
p0=$(be_field st-iperf "$X" 5)   # from here on, every packet counted is after the drain
t0=$SECONDS
http drain
echo "   $N HTTP requests in $((SECONDS - t0)) s"
upload_check drain "$up" "(i) the upload to draining $X completes"
p1=$(be_field st-iperf "$X" 5)
e2e_check "(i) $X took $((p1 - p0)) more packets of the upload after the drain (> 1000: it stayed)" \
	test $((p1 - p0)) -gt 1000
e2e_check "(i) HTTP requests after the drain: all answered, none by $X" \
	e2e_check_py answers --responses "$W/resp-drain.txt" --none "$X" --all
set_both clear "$X"

# ---- (ii) reload adding be3 -----------------------------------------------------
echo "== (ii) reload adding be3 while an upload runs"
mark_backends
upload_start reload "$T"
up=$E2E_LAST_PID
X2=$(upload_backend) || X2=none
echo "   the upload runs to $X2"
g0=$(ctlget config generation)
cp "$W/states-be3.yaml" "$W/states.yaml.new"
mv -f "$W/states.yaml.new" "$E2E_CONFIG"   # a rename into the watched directory
# shellcheck disable=SC2317
reloaded() { [ "$(ctlget config generation)" -gt "$g0" ]; }
e2e_wait_for 5 reloaded || true
read -r g1 lok < <(ctlget config generation last_reload.ok)
e2e_check "(ii) config replaced: reloaded from generation $g0 to $g1, last reload ok=$lok ($(ctlget config last_reload.message))" \
	test "$g1" -gt "$g0" -a "$lok" = 1
p0=$(be_field st-iperf "$X2" 5)   # packets after the reload
mark_backends
upload_start new 2
new=$E2E_LAST_PID
http reload
upload_check new "$new" "(ii) a new upload after the reload completes"
nf=$(be_field st-iperf be3 6)
e2e_check "(ii) the new upload reached be3 (st-iperf be3 new_flows ${nf:-none}, was ${NF0[be3]:-none})" \
	test "${nf:-0}" -ge $((${NF0[be3]:-0} + 2))
upload_check reload "$up" "(ii) the upload to $X2 running across the reload completes"
p1=$(be_field st-iperf "$X2" 5)
e2e_check "(ii) $X2 took $((p1 - p0)) more packets of that upload after the reload (> 1000: it stayed)" \
	test $((p1 - p0)) -gt 1000
e2e_check "(ii) HTTP requests after the reload: all answered, some by be3" \
	e2e_check_py answers --responses "$W/resp-reload.txt" --some be3 --all

# ---- (iii) down -------------------------------------------------------------------
echo "== (iii) set the backend of a running upload down"
mark_backends
upload_start down 4
up=$E2E_LAST_PID
Y=$(upload_backend) || Y=none
echo "   the upload runs to $Y"
r0=$(ctlget flows.reselects)
set_both down "$Y"
e2e_check "$Y is down in st-iperf" test "$(be_field st-iperf "$Y" 3)" = down
y0=$(be_field st-iperf "$Y" 5)
w0=$(be_field web4 "$Y" 5)
http down
rc=0
wait "$up" || rc=$?
y1=$(be_field st-iperf "$Y" 5)
w1=$(be_field web4 "$Y" 5)
r1=$(ctlget flows.reselects)
# (iperf3 3.12 with -J exits 0 even on an error: esnet/iperf#1405; the error is in its JSON)
echo "   (information, expected to break) the upload to $Y after it went down:" \
	"$(e2e_check_py iperf --json "$W/iperf-down.json" --rc "$rc" --label down |
		sed -n -e 's/^iperf3 down: //p' -e 's/^ *BAD: iperf3 error: /error: /p' | xargs)"
e2e_check "(iii) HTTP requests after down: all answered, none by $Y" \
	e2e_check_py answers --responses "$W/resp-down.txt" --none "$Y" --all
e2e_check "(iii) $Y took no packet after down (st-iperf +$((y1 - y0)), web4 +$((w1 - w0)))" \
	test "$y1" = "$y0" -a "$w1" = "$w0"
e2e_check "(iii) the running upload's flows were re-selected (flows.reselects $r0 -> $r1)" \
	test "$r1" -gt "$r0"

e2e_tunlb_stop || e2e_notok "tunlb exited with status $?"
e2e_check "tunlb's counters: rx = tx + drops, no drop but the segment's noise" \
	e2e_check_py stats --stats "$E2E_STATS" --noise not_vip --noise arp_other --noise-max 200
echo "throughput (iperf3 receiver): ${SUMMARY[*]/%/;}"
e2e_finish
