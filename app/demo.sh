#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on an embedded default that needs no NIC: install what is
# missing, build, generate client traffic for config/demo.yaml with scapy,
# replay it through the real tunlb binary on net_pcap (--no-huge), and show
# what came out, decoded by the independent decoder in tests/tools/, plus
# tunlb's own counters.
#
#   app/demo.sh [FLOWS]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
flows=${1:-400}
"$top/app/setup.sh"

work=$(mktemp -d /tmp/tunlb-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$top/app/demo_traffic.py" "$work/in.pcap" "$flows"

echo "== tunlb: replaying $flows client flows for config/demo.yaml through net_pcap"
timeout 120 "$top/build/app/tunlb" --no-huge -m 1024 --no-pci -l 0 \
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
