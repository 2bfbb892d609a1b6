#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live traffic through one running tunlb (tests/golden/live.py): flows keep their backend across
sends, ARP is answered, every packet is accounted for.

Frames are built with scapy, sent on a veth pair in a private network namespace, and what tunlb sends
back is checked with the independent decoder (tests/tools/tlbdecode.py), never with tunlb's code.
Prints one ok/FAIL line per behaviour and "N passed, N failed"; exits 1 on a failure, 77 (skipped)
when network namespaces cannot be created.

Usage: test_live.py --tunlb PATH --workdir DIR
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
import live  # noqa: E402
import tlbdecode as D  # noqa: E402

from scapy.all import ARP, IP, TCP, Ether, raw  # noqa: E402

NODE = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "gateway_mac": "02:00:00:00:00:fe"}
VIP = "198.51.100.10"
SERVICE = {"name": "web", "vip": VIP, "port": 80, "protocol": "tcp", "encap": "gue",
           "backends": [{"address": "203.0.113.11"}, {"address": "203.0.113.12"},
                        {"address": "203.0.113.13"}]}
CONFIG = """\
node:
  ipv4: %(ipv4)s
  ipv6: %(ipv6)s
  gateway_mac: %(gateway_mac)s
ports:
  - name: %(port)s
services:
  - name: web
    vip: %(vip)s
    port: 80
    protocol: tcp
    encap: gue
    backends:
      - address: 203.0.113.11
      - address: 203.0.113.12
      - address: 203.0.113.13
maglev_seed: 0x5eed
""" % dict(NODE, port=live.PORT_NAME, vip=VIP)
N_FLOWS = 50

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": %s" % (detail,)))
    return bool(cond)


def tcp_frames(mac, flags):
    """N_FLOWS distinct client flows (198.18.0.0/15 clients, RFC 2544) to the VIP."""
    return [Ether(src=live.CLIENT_MAC, dst=mac) /
            IP(src="198.18.%d.%d" % (i // 200, 1 + i % 200), dst=VIP) /
            TCP(sport=30000 + 7 * i, dport=80, flags=flags, seq=1000 + i, ack=0 if flags == "S" else 1)
            for i in range(N_FLOWS)]


def ip_of(frame):
    """The IP packet of an input frame, as tunlb must carry it (no Ethernet, no padding)."""
    eth = D.parse_eth(frame)
    ip = D.parse_ip(frame[eth["l3"]:])
    return frame[eth["l3"]:eth["l3"] + ip["plen"]]


def decode_round(name, out, inputs, mac, svc, tracker):
    """Check every output frame of one round; return {inner flow key: backend}."""
    want = {}
    for f in inputs:
        inner = ip_of(raw(f))
        want[D.parse_ip(inner)["key"]] = inner
    check("%s: %d frames in, %d encapsulated frames out" % (name, len(inputs), len(inputs)),
          len(out) == len(inputs), "got %d" % len(out))
    errors, backends = [], {}
    for i, fr in enumerate(out):
        r = D.check_encap(fr, NODE, svc, port_mac=mac, index=i)
        key = r.info.get("inner_key")
        if key not in want:
            errors.append("frame %d: inner flow %s is none of the inputs" % (i, key and D.flow_key_str(key)))
            continue
        r = D.check_encap(fr, NODE, svc, port_mac=mac, inner_expected=want[key], index=i)
        errors += ["frame %d: %s" % (i, e) for e in r.errors]
        if key in backends:
            errors.append("frame %d: flow %s answered twice" % (i, D.flow_key_str(key)))
        backends[key] = r.info.get("backend")
        tracker.add(svc["name"], svc["hash"], r, i)
    check("%s: every frame passes the decoder (design.md section 5, inner byte-identical)" % name,
          not errors, "; ".join(errors[:5]))
    check("%s: one output per input flow" % name, set(backends) == set(want),
          "%d of %d flows seen" % (len(set(backends) & set(want)), len(want)))
    return backends


def run(a):
    svc = D.normalize_service(SERVICE)
    tracker = D.FlowTracker()
    with live.LiveTunlb(a.tunlb, CONFIG, a.workdir, lcores="0") as lb:
        ns = lb.ns
        check("the fixture starts tunlb and reads the port MAC from the stats",
              lb.running and lb.port_mac and len(lb.port_mac.split(":")) == 6, lb.port_mac)
        mac = lb.port_mac

        # (1) SYNs of distinct flows
        syn = tcp_frames(mac, "S")
        out = lb.send(syn)
        first = decode_round("SYN round", out, syn, mac, svc, tracker)
        used = sorted(set(first.values()))
        check("SYN round: the flows are spread over more than one backend", len(used) > 1, used)
        s1 = lb.stats()
        per_be = {b: sum(1 for v in first.values() if v == b) for b in used}
        counted = {b: v["packets"] for b, v in s1["services"]["web"]["backends"].items() if v["packets"]}
        check("SYN round: the stats count per backend what the decoder saw", counted == per_be,
              "stats %s, frames %s" % (counted, per_be))

        # (2) the same flows again: each keeps its backend
        ack = tcp_frames(mac, "A")
        out = lb.send(ack)
        second = decode_round("ACK round", out, ack, mac, svc, tracker)
        moved = ["%s: %s -> %s" % (D.flow_key_str(k), first.get(k), b) for k, b in second.items()
                 if first.get(k) != b]
        check("ACK round: every flow goes to the backend of its SYN", not moved and len(second) == N_FLOWS,
              "; ".join(moved[:5]))
        check("per flow one backend and one outer source port over both rounds (FlowTracker)",
              not tracker.errors, "; ".join(tracker.errors[:5]))

        # (3) ARP request for node.ipv4
        req = Ether(src=live.CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
            op=1, hwsrc=live.CLIENT_MAC, psrc="192.0.2.99", hwdst="00:00:00:00:00:00", pdst=NODE["ipv4"])
        out = lb.send([req])
        check("ARP request for node.ipv4: exactly one frame back", len(out) == 1, len(out))
        if out:
            r = D.check_arp_reply(out[0], raw(req), NODE, port_mac=mac)
            check("... an RFC 826 reply from the port MAC", r.ok, "; ".join(r.errors))

        # (4) accounting
        s = lb.stats(fresh=True)
        drops = sum(s["drops"].values())
        check("stats: rx_packets == tx_packets + sum(drops)",
              s["rx_packets"] == s["tx_packets"] + drops,
              "rx %d tx %d drops %d" % (s["rx_packets"], s["tx_packets"], drops))
        check("stats: %d received, %d sent, no drops" % (2 * N_FLOWS + 1, 2 * N_FLOWS + 1),
              (s["rx_packets"], s["tx_packets"], drops) == (2 * N_FLOWS + 1, 2 * N_FLOWS + 1, 0),
              (s["rx_packets"], s["tx_packets"], {k: v for k, v in s["drops"].items() if v}))
        check("stats: %d forwarded, one ARP reply" % (2 * N_FLOWS),
              s.get("forwarded") == 2 * N_FLOWS and s["replies"]["arp"] == 1,
              (s.get("forwarded"), s["replies"]))

        rc = lb.stop()
        check("SIGTERM: tunlb exits 0", rc == 0, "exit %s: %s" % (rc, lb.log_tail(5)))
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10).stdout
    check("the fixture removed its namespace", ns not in names, names)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    live.main(lambda: run(args))
