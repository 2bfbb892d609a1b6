#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Golden tests: scapy-built pcaps through the real tunlb binary on net_pcap (design.md section 8).

Usage (from tests/meson.build):
  /usr/bin/python3 tests/golden/run_golden.py --tunlb PATH --case encap|flows|local|drops --workdir DIR

Per case: write DIR/config.yaml (and the same as config.json for tests/tools/tlbdecode.py), build DIR/in.pcap
with scapy, run
  timeout 60 PATH --no-huge -m 1024 --no-pci --file-prefix=tlbg-CASE-PID -l 0
      --vdev=net_pcap0,rx_pcap=IN,tx_pcap=OUT --log-level=lib.eal:error
      -- -c CONFIG --idle-exit 500 --stats-out STATS
then check: exit code 0; every output frame with the independent decoder (tests/tools/tlbdecode.py:
design.md section 5 field by field, inner packet byte-identical to its input); one backend, one outer
source port and one flow label per flow; tshark's checksum verdicts (no bad checksum that is not a
deliberately broken inner one) and that tshark agrees with the decoder layer by layer; the --stats-out
JSON (section 7 schema plus forwarded / replies / ports) with exact counts per drop reason, service and
backend, and rx_packets == tx_packets + sum(drops).  Prints one line per check; exits 1 on any failure.

Every input carries its expected fate (forward to a service, reply of a kind, or a drop reason), decided
from the contract (design.md, lib/tlb_verdict.h, the rules documented in lib/tlb_parse.c), not from what
the binary happens to do.  Inputs are deterministic (fixed seeds).
"""

import argparse
import json
import os
import random
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import tlbdecode as D  # noqa: E402

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Dot1AD, Ether, IPv6, IPOption,  # noqa: E402
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, Raw, raw)
from scapy.layers.sctp import SCTP  # noqa: E402

# net_pcap's MAC in DPDK 22.11 (drivers/net/pcap: 02:70:63:61:70:<iface index>); only used as the Ethernet
# destination of unicast inputs.  The checks take the port MAC from the stats JSON or the frames.
DEFAULT_PORT_MAC = "02:70:63:61:70:00"
CLIENT_MAC = "02:00:00:00:00:c1"
NODE = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "gateway_mac": "02:00:00:00:00:fe"}
TOS_VALUES = (0x00, 0xB8, 0x01, 0x02, 0x03, 0xBB)      # 0, EF, ECT(1), ECT(0), CE, EF+CE
PROTO_NUM = {"tcp": 6, "udp": 17}


# --------------------------------------------------------------------------- reporting

class Report:
    def __init__(self, case):
        self.case = case
        self.n = 0
        self.failed = []

    def check(self, ok, name, detail=""):
        self.n += 1
        if ok:
            print("PASS %s" % name)
        else:
            self.failed.append(name)
            print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
        return ok

    def info(self, msg):
        print("INFO %s" % msg)

    def done(self):
        print("golden-%s: %d checks, %d failed" % (self.case, self.n, len(self.failed)))
        return 1 if self.failed else 0


# --------------------------------------------------------------------------- config

def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))          # a double-quoted YAML scalar


def to_yaml(obj, ind=0):
    """Block-style YAML for dicts / lists / scalars (strings double-quoted)."""
    pad = "  " * ind
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, ind + 1))
            elif isinstance(v, list):
                lines.append("%s%s: []" % (pad, k))
            else:
                lines.append("%s%s: %s" % (pad, k, yaml_scalar(v)))
    else:
        for item in obj:
            if isinstance(item, dict):
                sub = to_yaml(item, ind + 1).split("\n")
                lines.append("%s- %s" % (pad, sub[0].lstrip()))
                lines.extend(sub[1:])
            else:
                lines.append("%s- %s" % (pad, yaml_scalar(item)))
    return "\n".join(lines)


def drop_reasons():
    """Second column of TLB_DROP_REASONS in lib/tlb_verdict.h."""
    with open(os.path.join(ROOT, "lib", "tlb_verdict.h")) as f:
        text = f.read()
    body = text[text.index("#define TLB_DROP_REASONS"):]
    body = body[:body.index("\n\n")]
    return re.findall(r"X\(\s*\w+\s*,\s*(\w+)\s*\)", body)


# --------------------------------------------------------------------------- case model

class Case:
    """Services + inputs, each input with its expected fate."""

    def __init__(self, name):
        self.name = name
        self.services = []
        self.ports = [{"name": "net_pcap0", "mtu": 1500, "tx_offloads": "auto"}]
        self.seed = 0x5EED
        self.inputs = []       # dicts: frame, exp ("fwd", svc) | ("reply", kind) | ("drop", reason), note, ...

    def service(self, **kw):
        s = dict(kw)
        self.services.append(s)
        return s

    def add(self, pkt, exp, note, **extra):
        frame = pkt if isinstance(pkt, (bytes, bytearray)) else raw(pkt)
        d = {"frame": bytes(frame), "exp": exp, "note": note}
        d.update(extra)
        self.inputs.append(d)
        return d

    def fwd(self, pkt, svc, note, **extra):
        d = self.add(pkt, ("fwd", svc["name"]), note, **extra)
        d["inner"] = ip_packet(d["frame"])
        return d

    def drop(self, pkt, reason, note):
        return self.add(pkt, ("drop", reason), note)

    def reply(self, pkt, kind, note):
        return self.add(pkt, ("reply", kind), note)

    def config(self):
        return {"node": dict(NODE), "ports": self.ports, "services": self.services,
                "maglev_seed": self.seed}


def ip_packet(frame):
    """The IP packet of an input frame, computed here from the length fields: VLAN tags and Ethernet
    padding removed (what the inner packet must be, byte for byte)."""
    off = 12
    while struct.unpack("!H", frame[off:off + 2])[0] in (0x8100, 0x88A8):
        off += 4
    l3 = off + 2
    if frame[l3] >> 4 == 4:
        n = struct.unpack("!H", frame[l3 + 2:l3 + 4])[0]
    else:
        n = 40 + struct.unpack("!H", frame[l3 + 4:l3 + 6])[0]
    return frame[l3:l3 + n]


def eth(dst=DEFAULT_PORT_MAC, src=CLIENT_MAC):
    return Ether(dst=dst, src=src)


def l4(proto, sport, dport, payload=b"", **kw):
    if proto == "tcp":
        return TCP(sport=sport, dport=dport, seq=kw.get("seq", 1000), flags=kw.get("flags", "PA"),
                   window=kw.get("window", 8192)) / Raw(payload)
    return UDP(sport=sport, dport=dport) / Raw(payload)


def vip_ip(vip, src, tos=0, **kw):
    if ":" in vip:
        return IPv6(src=src, dst=vip, tc=tos, hlim=kw.get("ttl", 64), fl=kw.get("fl", 0))
    return IP(src=src, dst=vip, tos=tos, ttl=kw.get("ttl", 64), id=kw.get("id", 1), flags=kw.get("flags", "DF"))


def client_addr(vip, i):
    """Deterministic client address of the VIP's family (documentation ranges only)."""
    if ":" in vip:
        return "2001:db8:c::%x" % (i + 1)
    return "192.0.2.%d" % (10 + i % 240)


def pad_to(frame, n, byte=b"\0"):
    return frame + byte * max(0, n - len(frame))


# --------------------------------------------------------------------------- cases

def case_encap():
    """IPv4 / IPv6 VIP x GUE v0 / GUE v1 / VXLAN x outer IPv4 / IPv6 x TCP / UDP; DSCP/ECN incl. CE; IPv4
    options; IPv6 extension headers; 1 and 2 VLAN tags; Ethernet padding; wrong inner L4 checksums
    forwarded untouched; packets exactly at the MTU."""
    c = Case("encap")
    vips = {4: "198.51.100.10", 6: "2001:db8:100::10"}
    idx = 0
    by = {}
    for vf in (4, 6):
        for enc in ("gue0", "gue1", "vxlan"):
            for bf in (4, 6):
                for proto in ("tcp", "udp"):
                    idx += 1
                    be = {"address": "203.0.113.%d" % (10 + idx) if bf == 4 else "2001:db8:be::%x" % (0x10 + idx),
                          "weight": 1, "state": "active", "mac": "02:00:00:00:01:%02x" % idx}
                    s = {"name": "v%d-%s-o%d-%s" % (vf, enc, bf, proto), "vip": vips[vf], "port": 1000 + idx,
                         "protocol": proto, "encap": "vxlan" if enc == "vxlan" else "gue"}
                    if enc == "vxlan":
                        s.update(dst_port=4789, vni=1000 + idx)
                    else:
                        s.update(gue_variant=int(enc[3]), dst_port=6080 if enc == "gue0" else 6081)
                    if idx % 3 == 0:
                        s["table_size"] = 1009
                    s["backends"] = [be]
                    c.service(**s)
                    by[(vf, enc, bf, proto)] = s
    n = 0
    for (vf, enc, bf, proto), s in by.items():
        for tos in TOS_VALUES:
            n += 1
            src = client_addr(s["vip"], n)
            pay = bytes([n & 0xFF]) * (n % 40)
            c.fwd(eth() / vip_ip(s["vip"], src, tos, fl=n) / l4(proto, 20000 + n, s["port"], pay),
                  s, "%s tos=0x%02x" % (s["name"], tos))
        # exactly at the MTU: outer IP packet of 1500 bytes
        over = (20 if bf == 4 else 40) + 8 + {"gue0": 4, "gue1": 0, "vxlan": 22}[enc]
        inner_len = 1500 - over
        hdr = (20 if vf == 4 else 40) + (20 if proto == "tcp" else 8)
        n += 1
        c.fwd(eth() / vip_ip(s["vip"], client_addr(s["vip"], n), 0x02) /
              l4(proto, 20000 + n, s["port"], b"M" * (inner_len - hdr)), s,
              "%s inner %d bytes: outer exactly 1500 (MTU)" % (s["name"], inner_len))
    # IPv4 options (IHL 6 and 9), IPv6 extension headers, atomic fragment, first fragment
    for enc in ("gue0", "gue1", "vxlan"):
        s = by[(4, enc, 4, "tcp")]
        n += 1
        c.fwd(eth() / IP(src=client_addr(s["vip"], n), dst=s["vip"], tos=0x0A,
                         options=[IPOption(b"\x01\x01\x01\x00")]) / l4("tcp", 30000 + n, s["port"], b"opt"),
              s, "%s IPv4 IHL 6 (NOP options)" % s["name"])
        n += 1
        c.fwd(eth() / IP(src=client_addr(s["vip"], n), dst=s["vip"],
                         options=[IPOption(b"\x07\x0f\x04" + b"\0" * 12 + b"\x00")]) /
              l4("tcp", 30000 + n, s["port"], b"rr"), by[(4, enc, 4, "tcp")], "%s IPv4 IHL 9 (record route)" % enc)
        s6 = by[(6, enc, 6, "tcp")]
        n += 1
        c.fwd(eth() / IPv6(src=client_addr(s6["vip"], n), dst=s6["vip"], tc=0x03) / IPv6ExtHdrHopByHop() /
              IPv6ExtHdrDestOpt() / l4("tcp", 30000 + n, s6["port"], b"ext"), s6,
              "%s IPv6 hop-by-hop + destination options" % s6["name"])
        n += 1
        c.fwd(eth() / IPv6(src=client_addr(s6["vip"], n), dst=s6["vip"]) / IPv6ExtHdrFragment(offset=0, m=0, id=7) /
              l4("tcp", 30000 + n, s6["port"], b"atomic"), s6, "%s IPv6 atomic fragment (RFC 6946)" % s6["name"])
    su = by[(4, "gue1", 6, "udp")]
    n += 1
    first = IP(src=client_addr(su["vip"], n), dst=su["vip"], flags="MF", frag=0, id=777) / UDP(
        sport=30000 + n, dport=su["port"], len=8 + 400) / Raw(b"F" * 200)
    c.fwd(eth() / first, su, "%s IPv4 first fragment (MF, offset 0)" % su["name"])
    # VLAN tags: 1 (802.1Q), 2 (802.1ad + 802.1Q), 2 (802.1Q + 802.1Q)
    for (vf, enc, bf, proto), s in list(by.items())[::3]:
        for tags, label in ((lambda: Dot1Q(vlan=10), "1 tag 0x8100"),
                            (lambda: Dot1AD(vlan=100) / Dot1Q(vlan=10), "2 tags 0x88a8+0x8100"),
                            (lambda: Dot1Q(vlan=100) / Dot1Q(vlan=10), "2 tags 0x8100+0x8100")):
            n += 1
            c.fwd(eth() / tags() / vip_ip(s["vip"], client_addr(s["vip"], n), 0xB8) /
                  l4(proto, 31000 + n, s["port"], b"vlan"), s, "%s %s" % (s["name"], label))
    # Ethernet padding: zeros to 60 bytes, and 37 bytes of junk after a bigger packet
    for (vf, enc, bf, proto), s in list(by.items())[1::2]:
        n += 1
        f = raw(eth() / vip_ip(s["vip"], client_addr(s["vip"], n), 0x01) / l4(proto, 32000 + n, s["port"], b""))
        c.fwd(pad_to(f, 60) if len(f) < 60 else f + b"\0" * 4, s, "%s Ethernet padding to 60 / 4 zero bytes" % s["name"])
        n += 1
        f = raw(eth() / vip_ip(s["vip"], client_addr(s["vip"], n), 0x03) / l4(proto, 32000 + n, s["port"], b"P" * 33))
        c.fwd(f + b"\xaa" * 37, s, "%s 37 bytes of junk padding" % s["name"])
    # wrong inner L4 checksums (and inner UDP checksum 0): forwarded byte-identical
    for (vf, enc, bf, proto), s in by.items():
        n += 1
        p = vip_ip(s["vip"], client_addr(s["vip"], n), 0x00) / l4(proto, 33000 + n, s["port"], b"bad-csum")
        q = p.__class__(raw(p))
        (q[TCP] if proto == "tcp" else q[UDP]).chksum ^= 0x5A5A
        c.fwd(eth() / q, s, "%s wrong inner %s checksum" % (s["name"], proto.upper()), bad_inner=proto)
        if vf == 4 and proto == "udp":
            n += 1
            p = vip_ip(s["vip"], client_addr(s["vip"], n), 0x00) / UDP(sport=33000 + n, dport=s["port"], chksum=0) / \
                Raw(b"no-csum")
            c.fwd(eth() / p, s, "%s inner UDP checksum 0 (none)" % s["name"])
    return c


def weighted_service(c):
    return c.service(
        name="web", vip="198.51.100.20", port=80, protocol="tcp", encap="gue", gue_variant=1, dst_port=6081,
        hash="5tuple", table_size=65537, backends=[
            {"address": "203.0.113.21", "weight": 1}, {"address": "203.0.113.22", "weight": 2},
            {"address": "2001:db8:be::23", "weight": 3}, {"address": "2001:db8:be::24", "weight": 4},
            {"address": "203.0.113.25", "weight": 0}, {"address": "203.0.113.26", "weight": 5, "state": "down"},
            {"address": "203.0.113.27", "weight": 2, "state": "draining"}])


def case_flows():
    """2000 TCP flows x 3 packets interleaved over weighted backends; UDP flows over VXLAN from IPv6 clients;
    hash src_ip (per-client stickiness) and src_ip_port with port 0 (every port)."""
    c = Case("flows")
    c.ports[0]["tx_offloads"] = "software"
    rnd = random.Random(20261122)
    web = weighted_service(c)
    dns = c.service(name="dns", vip="2001:db8:100::20", port=53, protocol="udp", encap="vxlan", vni=777,
                    backends=[{"address": "203.0.113.31", "mac": "02:00:00:00:02:31"},
                              {"address": "2001:db8:be::32", "mac": "02:00:00:00:02:32"},
                              {"address": "203.0.113.33", "mac": "02:00:00:00:02:33"}])
    sticky = c.service(name="sticky", vip="198.51.100.21", port=443, protocol="tcp", encap="gue", gue_variant=0,
                       hash="src_ip", backends=[{"address": "203.0.113.41"}, {"address": "2001:db8:be::42"}])
    anyp = c.service(name="anyport", vip="198.51.100.22", port=0, protocol="udp", encap="vxlan", vni=4242,
                     hash="src_ip_port", backends=[{"address": "203.0.113.51", "mac": "02:00:00:00:02:51"},
                                                   {"address": "203.0.113.52", "mac": "02:00:00:00:02:52"},
                                                   {"address": "2001:db8:be::53", "mac": "02:00:00:00:02:53"}])

    def tcp_flow(i):
        src = client_addr(web["vip"], i)        # 240 addresses; the source port makes the 5-tuple unique
        sport = 1024 + i * 29 + rnd.randrange(29)
        for k in range(3):
            yield (eth() / IP(src=src, dst=web["vip"], tos=0, id=k) /
                   TCP(sport=sport, dport=80, seq=1000 + k * 100, flags="S" if k == 0 else "A") /
                   Raw(b"" if k == 0 else b"d" * k), web, "web flow %d pkt %d" % (i, k))

    def dns_flow(i):
        src = "2001:db8:c0::%x" % (i + 1)
        for k in range(2):
            yield (eth() / IPv6(src=src, dst=dns["vip"], fl=i) / UDP(sport=5000 + i, dport=53) /
                   Raw(b"q%d-%d" % (i, k)), dns, "dns flow %d pkt %d" % (i, k))

    def sticky_client(i):
        src = "192.0.2.%d" % (10 + i)
        for k in range(4):
            yield (eth() / IP(src=src, dst=sticky["vip"]) / TCP(sport=40000 + 7 * k + i, dport=443, flags="S"),
                   sticky, "sticky client %d port %d" % (i, k))

    def anyport_client(i):
        src = "192.0.2.%d" % (100 + i // 5)     # 60 addresses x 5 source ports: 300 (address, port) units
        sport = 7000 + i
        for k in range(5):
            yield (eth() / IP(src=src, dst=anyp["vip"]) / UDP(sport=sport, dport=1 + rnd.randrange(65535)) /
                   Raw(b"a%d" % k), anyp, "anyport client %d dport #%d" % (i, k))

    gens = [tcp_flow(i) for i in range(2000)] + [dns_flow(i) for i in range(300)] + \
        [sticky_client(i) for i in range(200)] + [anyport_client(i) for i in range(300)]
    rnd.shuffle(gens)
    active = []
    while gens or active:
        while gens and len(active) < 64:
            active.append(gens.pop())
        g = active[rnd.randrange(len(active))]
        try:
            pkt, svc, note = next(g)
            c.fwd(pkt, svc, note)
        except StopIteration:
            active.remove(g)
    return c


def case_local():
    """ARP, NDP and echo answered for the node addresses; ARP for others, bad checksums, NS with hop limit
    != 255 (RFC 4861 7.1.1) and TCP / UDP to the node dropped."""
    c = Case("local")
    c.service(name="web", vip="198.51.100.60", port=80, protocol="tcp", encap="gue", gue_variant=1,
              backends=[{"address": "203.0.113.61"}])
    cm, cm2 = CLIENT_MAC, "02:00:00:00:00:c2"
    bc = "ff:ff:ff:ff:ff:ff"
    c.reply(Ether(dst=bc, src=cm) / ARP(op=1, hwsrc=cm, psrc="192.0.2.50", pdst=NODE["ipv4"]), "arp",
            "ARP who-has node.ipv4 (broadcast, 42 bytes)")
    c.reply(pad_to(raw(Ether(dst=bc, src=cm2) / ARP(op=1, hwsrc=cm2, psrc="192.0.2.51", pdst=NODE["ipv4"])), 60),
            "arp", "ARP who-has node.ipv4 from a second client (padded to 60)")
    c.drop(Ether(dst=bc, src=cm) / ARP(op=1, hwsrc=cm, psrc="192.0.2.50", pdst="192.0.2.77"), "arp_other",
           "ARP who-has another address")
    c.drop(Ether(dst=DEFAULT_PORT_MAC, src=cm) / ARP(op=2, hwsrc=cm, psrc="192.0.2.50", hwdst=DEFAULT_PORT_MAC,
                                                     pdst=NODE["ipv4"]), "arp_other", "ARP reply to the node")
    c6, c6b = "2001:db8:c::50", "2001:db8:c::51"
    snm, snm_mac = "ff02::1:ff00:1", "33:33:ff:00:00:01"
    c.reply(Ether(dst=snm_mac, src=cm) / IPv6(src=c6, dst=snm, hlim=255) / ICMPv6ND_NS(tgt=NODE["ipv6"]) /
            ICMPv6NDOptSrcLLAddr(lladdr=cm), "na", "NS for node.ipv6 to its solicited-node group, with SLLA")
    c.reply(Ether(dst=DEFAULT_PORT_MAC, src=cm2) / IPv6(src=c6b, dst=NODE["ipv6"], hlim=255) /
            ICMPv6ND_NS(tgt=NODE["ipv6"]) / ICMPv6NDOptSrcLLAddr(lladdr=cm2), "na",
            "NS for node.ipv6 unicast (NUD), with SLLA")
    c.drop(Ether(dst=snm_mac, src=cm) / IPv6(src=c6, dst=snm, hlim=64) / ICMPv6ND_NS(tgt=NODE["ipv6"]) /
           ICMPv6NDOptSrcLLAddr(lladdr=cm), "bad_icmp", "NS with hop limit 64 (RFC 4861 7.1.1)")
    bad_ns = IPv6(raw(IPv6(src=c6, dst=snm, hlim=255) / ICMPv6ND_NS(tgt=NODE["ipv6"]) /
                      ICMPv6NDOptSrcLLAddr(lladdr=cm)))
    bad_ns[ICMPv6ND_NS].cksum ^= 0x0101
    c.drop(Ether(dst=snm_mac, src=cm) / bad_ns, "bad_icmp", "NS with a bad ICMPv6 checksum")
    for i, data in enumerate((b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRST", b"odd-length-13",
                              bytes(range(256)) * 4)):
        c.reply(eth() / IP(src="192.0.2.%d" % (50 + i), dst=NODE["ipv4"], id=100 + i, ttl=60) /
                ICMP(type=8, id=0x4242 + i, seq=i + 1) / Raw(data), "echo",
                "ICMP echo to node.ipv4, %d data bytes" % len(data))
        c.reply(eth() / IPv6(src="2001:db8:c::%x" % (0x50 + i), dst=NODE["ipv6"]) /
                ICMPv6EchoRequest(id=0x4343 + i, seq=i + 7, data=data), "echo6",
                "ICMPv6 echo to node.ipv6, %d data bytes" % len(data))
    p = IP(raw(IP(src="192.0.2.50", dst=NODE["ipv4"]) / ICMP(type=8, id=1, seq=1) / Raw(b"bad")))
    p[ICMP].chksum ^= 0x00FF
    c.drop(eth() / p, "bad_icmp", "ICMP echo with a bad checksum")
    p = IPv6(raw(IPv6(src=c6, dst=NODE["ipv6"]) / ICMPv6EchoRequest(id=1, seq=1, data=b"bad")))
    p[ICMPv6EchoRequest].cksum ^= 0x00FF
    c.drop(eth() / p, "bad_icmp", "ICMPv6 echo with a bad checksum")
    c.drop(eth() / IP(src="192.0.2.50", dst=NODE["ipv4"]) / TCP(sport=1234, dport=22, flags="S"), "node_other",
           "TCP SYN to node.ipv4")
    c.drop(eth() / IPv6(src=c6, dst=NODE["ipv6"]) / UDP(sport=1234, dport=53) / Raw(b"x"), "node_other",
           "UDP to node.ipv6")
    # a forwarded control packet: the case is not only about replies
    c.fwd(eth() / IP(src="192.0.2.99", dst="198.51.100.60") / TCP(sport=999, dport=80, flags="S"), c.services[0],
          "control: TCP SYN to the VIP")
    return c


def case_drops():
    """Every drop reason the parser and classifier can produce from a pcap, and zero output frames for
    them (only the two control packets are forwarded)."""
    c = Case("drops")
    # fragments: drop pins the policy this case tests (hold and 3tuple: run_mtu.py)
    web = c.service(name="web4", vip="198.51.100.30", port=80, protocol="tcp", encap="gue", gue_variant=1,
                    fragments="drop", backends=[{"address": "203.0.113.71"}])
    dns = c.service(name="dns6", vip="2001:db8:100::30", port=53, protocol="udp", encap="vxlan", vni=9,
                    fragments="drop", backends=[{"address": "2001:db8:be::72", "mac": "02:00:00:00:03:72"}])
    c.service(name="empty", vip="198.51.100.31", port=80, protocol="tcp", encap="gue", backends=[])
    c.service(name="alldown", vip="198.51.100.32", port=80, protocol="tcp", encap="gue",
              backends=[{"address": "203.0.113.73", "state": "down"}, {"address": "203.0.113.74", "state": "down"}])
    c.service(name="zeroweight", vip="198.51.100.34", port=80, protocol="tcp", encap="gue",
              backends=[{"address": "203.0.113.76", "weight": 0}])
    # too_big: drop pins the policy this case tests (ICMP and outer fragments: run_mtu.py)
    big = c.service(name="big", vip="198.51.100.33", port=9000, protocol="udp", encap="gue", gue_variant=1,
                    too_big="drop", backends=[{"address": "203.0.113.75"}])
    cl, cl6 = "192.0.2.150", "2001:db8:c::150"
    syn = lambda dst, dport=80: IP(src=cl, dst=dst) / TCP(sport=4000, dport=dport, flags="S")  # noqa: E731
    c.fwd(eth() / syn(web["vip"]), web, "control: TCP SYN to web4")
    c.fwd(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=53) / Raw(b"q"), dns, "control: UDP to dns6")

    c.drop(eth() / syn("203.0.113.200"), "not_vip", "TCP to a non-VIP IPv4 address")
    c.drop(eth() / IP(src=NODE["ipv4"], dst=web["vip"]) / TCP(sport=4000, dport=80, flags="S"),
           "node_source", "TCP to a VIP spoofed from node.ipv4")
    c.drop(eth() / IPv6(src=NODE["ipv6"], dst=dns["vip"]) / UDP(sport=4000, dport=53),
           "node_source", "UDP to a VIP spoofed from node.ipv6")
    c.drop(eth() / IPv6(src=cl6, dst="2001:db8:999::1") / UDP(sport=1, dport=53), "not_vip", "UDP to a non-VIP IPv6")
    c.drop(eth() / syn(web["vip"], 81), "vip_port", "TCP to web4 port 81")
    c.drop(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=54), "vip_port", "UDP to dns6 port 54")
    c.drop(eth() / IP(src=cl, dst=web["vip"]) / ICMP(type=8) / Raw(b"ping"), "vip_proto", "ICMP echo to a VIP")
    c.drop(eth() / IP(src=cl, dst=web["vip"]) / SCTP(sport=5000, dport=80), "vip_proto", "SCTP to a VIP")
    c.drop(eth() / IP(src=cl, dst=web["vip"]) / UDP(sport=4000, dport=80), "vip_proto", "UDP to a TCP-only VIP")
    c.drop(eth() / IPv6(src=cl6, dst=dns["vip"]) / TCP(sport=4000, dport=53), "vip_proto", "TCP to a UDP-only VIP")
    c.drop(eth() / IP(src=cl, dst=web["vip"], frag=185, proto=6, id=5) / Raw(b"x" * 40), "fragment",
           "IPv4 non-first fragment to a VIP")
    c.drop(eth() / IPv6(src=cl6, dst=dns["vip"]) / IPv6ExtHdrFragment(offset=100, m=0, nh=17, id=5) / Raw(b"y" * 24),
           "fragment", "IPv6 non-first fragment to a VIP")
    c.drop(Ether(dst=DEFAULT_PORT_MAC, src=CLIENT_MAC, type=0x88B5) / Raw(b"\0" * 46), "not_ip",
           "EtherType 0x88b5")
    c.drop(Ether(dst=DEFAULT_PORT_MAC, src=CLIENT_MAC, type=0x8847) / Raw(b"\0" * 46), "not_ip",
           "EtherType 0x8847 (MPLS)")
    c.drop(eth() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / syn(web["vip"]), "vlan_depth", "3 VLAN tags")
    c.drop(eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / syn(web["vip"]), "vlan_depth",
           "3 VLAN tags (802.1ad outer)")
    good4 = raw(eth() / syn(web["vip"]))

    def edit(frame, off, data):
        """Overwrite bytes, then recompute the IPv4 header checksum (if the frame is IPv4) so that the
        edit is the only defect."""
        f = bytearray(frame)
        f[off:off + len(data)] = data
        if f[12:14] == b"\x08\x00" and len(f) >= 34:
            f[24:26] = b"\0\0"
            f[24:26] = struct.pack("!H", D.checksum(bytes(f[14:34])))
        return bytes(f)
    c.drop(edit(good4, 14, b"\x44"), "bad_ip_header", "IPv4 IHL 4")
    c.drop(edit(good4, 14, b"\x65"), "bad_ip_header", "version 6 under EtherType 0x0800")
    c.drop(edit(good4, 16, struct.pack("!H", 16)), "bad_ip_header", "IPv4 total length 16 < IHL*4")
    good6 = raw(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=53) / Raw(b"q"))
    c.drop(edit(good6, 14, b"\x46"), "bad_ip_header", "version 4 under EtherType 0x86dd")
    c.drop(edit(good6, 18, b"\0\0"), "bad_ip_header", "IPv6 payload length 0 (jumbogram)")
    c.drop(good4[:12], "truncated", "12-byte frame (inside the Ethernet header)")
    c.drop(good4[:24], "truncated", "Ethernet + 10 bytes of IPv4 header")
    c.drop(pad_to(edit(good4, 16, struct.pack("!H", 200)), 60), "truncated", "IPv4 total length 200, frame 60")
    c.drop(good4[:14 + 30], "truncated", "IPv4 total length 40, frame ends inside the TCP header")
    c.drop(edit(good6, 18, struct.pack("!H", 100)), "truncated", "IPv6 payload length 100 beyond the frame")
    c.drop(good6[:14 + 30], "truncated", "frame ends inside the IPv6 header")
    t = raw(eth() / IP(src=cl, dst=web["vip"]) / TCP(sport=4000, dport=80, dataofs=4, flags="S"))
    c.drop(t, "bad_l4_header", "TCP data offset 4")
    t = raw(eth() / IP(src=cl, dst=web["vip"]) / TCP(sport=4000, dport=80, dataofs=15, flags="S"))
    c.drop(t, "bad_l4_header", "TCP data offset 15 beyond the IP packet")
    t = raw(eth() / IP(src=cl, dst=web["vip"], len=30, proto=6) / Raw(b"\x0f\xa0\x00\x50" + b"\0" * 6))
    c.drop(pad_to(t, 60), "bad_l4_header", "IPv4 packet ends inside the TCP header (padding after it)")
    u = raw(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=53, len=100) / Raw(b"q" * 20))
    c.drop(u, "bad_l4_header", "UDP length 100, IP payload 28")
    u = raw(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=53, len=20) / Raw(b"q" * 20))
    c.drop(u, "bad_l4_header", "UDP length 20, IP payload 28")
    u = raw(eth() / IPv6(src=cl6, dst=dns["vip"]) / UDP(sport=4000, dport=53, len=4) / Raw(b"q" * 20))
    c.drop(u, "bad_l4_header", "UDP length 4 < 8")
    for name, vip in (("empty", "198.51.100.31"), ("alldown", "198.51.100.32"), ("zeroweight", "198.51.100.34")):
        c.drop(eth() / syn(vip), "no_backend", "TCP SYN to service '%s'" % name)
    c.drop(eth() / IP(src=cl, dst=big["vip"]) / UDP(sport=4000, dport=9000) / Raw(b"B" * (1500 - 28)), "too_big",
           "inner IPv4 of 1500 bytes, GUE v1 over IPv4: 1528 > MTU 1500")
    c.drop(eth() / IP(src=cl, dst=big["vip"]) / UDP(sport=4001, dport=9000) / Raw(b"B" * (1473 - 28)), "too_big",
           "inner IPv4 of 1473 bytes: outer 1501 > MTU 1500")
    return c


CASES = {"encap": case_encap, "flows": case_flows, "local": case_local, "drops": case_drops}


# --------------------------------------------------------------------------- running

def run_tunlb(args, case, wd, cfg_path, in_pcap, out_pcap, stats_path):
    cmd = ["timeout", "60", args.tunlb, "--no-huge", "-m", "1024", "--no-pci",
           "--file-prefix=tlbg-%s-%d" % (case.name, os.getpid()), "-l", "0",
           "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (in_pcap, out_pcap), "--log-level=lib.eal:error",
           "--", "-c", cfg_path, "--idle-exit", "500", "--stats-out", stats_path]
    with open(os.path.join(wd, "cmdline.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    t0 = time.time()
    with open(os.path.join(wd, "tunlb.stdout"), "w") as o, open(os.path.join(wd, "tunlb.stderr"), "w") as e:
        rc = subprocess.call(cmd, stdout=o, stderr=e)
    return rc, time.time() - t0


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def tshark_fields(out_pcap, gue1_ports, vxlan_ports):
    fields = ["frame.number", "ip.checksum.status", "udp.checksum.status", "tcp.checksum.status",
              "icmp.checksum.status", "icmpv6.checksum.status", "udp.dstport", "vxlan.vni", "ip.dst", "ipv6.dst"]
    cmd = ["tshark", "-n", "-r", out_pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE"]
    for p in sorted(gue1_ports):
        cmd += ["-d", "udp.port==%d,ip" % p]       # the 'ip' dissector also takes IPv6 (version nibble)
    for p in sorted(vxlan_ports - {4789}):
        cmd += ["-d", "udp.port==%d,vxlan" % p]
    cmd += ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append({f: (cols[i].split(",") if cols[i] else []) for i, f in enumerate(fields)})
    return r.returncode, rows, r.stderr


def tshark_check(rep, out_pcap, frames, case, matched):
    """Cross-check every output frame with tshark: no checksum status 0 except a deliberately wrong inner
    one, and tshark's per-layer verdicts and outer fields equal the decoder's."""
    svcs = [D.normalize_service(s) for s in case.services]
    g1 = {s["dst_port"] for s in svcs if s["encap"] == "gue" and s["gue_variant"] == 1}
    vx = {s["dst_port"] for s in svcs if s["encap"] == "vxlan"}
    rc, rows, err = tshark_fields(out_pcap, g1, vx)
    if not rep.check(rc == 0, "tshark reads the output pcap", err.strip()[-300:]):
        return
    rep.check(len(rows) == len(frames), "tshark frame count == decoder frame count",
              "tshark %d, decoder %d" % (len(rows), len(frames)))
    bad, disagree, unexpected_bad = [], [], []
    g0 = {s["dst_port"] for s in svcs if s["encap"] == "gue" and s["gue_variant"] == 0}
    limit = 12
    for j, (row, fr) in enumerate(zip(rows, frames), 1):
        inp = matched.get(j)
        layers = D.csum_layers(fr, gue_v1_ports=g1, vxlan_ports=vx)
        names = {"ip": "ip.checksum.status", "udp": "udp.checksum.status", "tcp": "tcp.checksum.status",
                 "icmp": "icmp.checksum.status", "icmpv6": "icmpv6.checksum.status"}
        for lname, fname in names.items():
            mine = [str(st) for ln, st in layers if ln == lname]
            theirs = row[fname]
            if theirs != mine:
                disagree.append("frame %d %s: tshark %s, decoder %s" % (j, lname, theirs, mine))
            for k, st in enumerate(theirs):
                if st == "0":
                    # only the input's deliberately wrong inner checksum: the last occurrence of its layer
                    allowed = inp is not None and inp.get("bad_inner") == lname and k == len(theirs) - 1 and \
                        (lname == "tcp" or len(theirs) >= 2)
                    (bad if allowed else unexpected_bad).append("frame %d %s#%d" % (j, lname, k + 1))
        # outer fields: first occurrences
        eth = D.parse_eth(fr)
        if eth["type"] in (0x0800, 0x86DD):
            ip = D.parse_ip(fr[eth["l3"]:])
            dst = D.ip_str(ip["dst"])
            t_dst = (row["ip.dst"] if ip["version"] == 4 else row["ipv6.dst"])[:1]
            if t_dst and D.ip_norm(t_dst[0]) != dst:
                disagree.append("frame %d outer dst: tshark %s, decoder %s" % (j, t_dst[0], dst))
            dport = ip["l4info"].get("dport")
            if dport is not None and row["udp.dstport"][:1] != [str(dport)] and ip["proto"] == 17:
                disagree.append("frame %d udp dst port: tshark %s, decoder %s" % (j, row["udp.dstport"], dport))
            if dport in vx:
                vni = struct.unpack("!I", ip["packet"][ip["l4"] + 12:ip["l4"] + 16])[0] >> 8
                if row["vxlan.vni"] != [str(vni)]:
                    disagree.append("frame %d vxlan vni: tshark %s, decoder %d" % (j, row["vxlan.vni"], vni))
    n_bad_expected = sum(1 for j, inp in matched.items() if inp.get("bad_inner") and
                         D.normalize_service(svc_by_name(case, inp["exp"][1]))["dst_port"] not in g0)
    rep.check(not unexpected_bad, "tshark: no frame has a bad checksum (status 0) in any layer",
              "; ".join(unexpected_bad[:limit]))
    rep.check(len(bad) == n_bad_expected, "tshark: the deliberately wrong inner checksums are seen as bad "
              "(%d where tshark decodes the inner packet; GUE variant 0 inner is not decodable)" % n_bad_expected,
              "tshark saw %d: %s" % (len(bad), bad[:limit]))
    rep.check(not disagree, "tshark per-layer checksum verdicts and outer fields == decoder's",
              "%d disagreements: %s" % (len(disagree), "; ".join(disagree[:limit])))


def svc_by_name(case, name):
    for s in case.services:
        if s["name"] == name:
            return s
    raise KeyError(name)


REPLY_CHECKERS = {"arp": D.check_arp_reply, "echo": D.check_echo_reply, "echo6": D.check_echo6_reply,
                  "na": D.check_na}
REPLY_COUNTER = {"arp": "arp", "na": "nd", "echo": "echo", "echo6": "echo6"}


def match_outputs(rep, case, frames, port_mac):
    """Pair every output frame with its input and run the frame checks. Returns (matched: out index ->
    input, per-frame errors list, flow tracker, per-service observed stats)."""
    mtu = case.ports[0].get("mtu", 1500)
    by_inner = {}
    for i, inp in enumerate(case.inputs):
        inp["index"] = i + 1
        if inp["exp"][0] == "fwd":
            by_inner.setdefault(inp["inner"], []).append(inp)
    pending_replies = [inp for inp in case.inputs if inp["exp"][0] == "reply"]
    pending_fwd = [inp for inp in case.inputs if inp["exp"][0] == "fwd"]
    used = set()
    matched, problems = {}, []
    ft = D.FlowTracker()
    obs = {}
    order = []
    for j, fr in enumerate(frames, 1):
        kind = D.classify(fr, case.services)
        if kind == "encap":
            svc = D.service_for_frame(fr, case.services)
            if svc is None:
                problems.append("frame %d: encapsulated frame matches no service (%s)" % (j, fr[:64].hex()))
                continue
            r = D.check_encap(fr, NODE, svc, port_mac, None, mtu, j)
            inner = r.info.get("inner")
            cands = [x for x in by_inner.get(inner, []) if id(x) not in used]
            if cands:
                inp = cands[0]
            else:
                key = r.info.get("inner_key")
                same = [x for x in pending_fwd if id(x) not in used and key is not None and
                        D.parse_ip(x["inner"])["key"] == key]
                rest = [x for x in pending_fwd if id(x) not in used]
                inp = (same or rest or [None])[0]
                if inp is None:
                    problems.append("frame %d: no forwarded input left to match (inner %s)" % (
                        j, D.flow_key_str(r.info.get("inner_key"))))
                    continue
            used.add(id(inp))
            matched[j] = inp
            order.append(inp["index"])
            r = D.check_encap(fr, NODE, svc, port_mac, inp["inner"], mtu, j)
            if inp["exp"][1] != svc["name"]:
                r.err("service (by outer dst / dst_port / VIP)", inp["exp"][1], svc["name"])
            if inp.get("bad_inner"):
                if r.info.get("inner_l4_csum_ok") is not False:
                    r.fail("inner %s checksum: the input's deliberately wrong checksum is not wrong any more" %
                           inp["bad_inner"])
            elif r.info.get("inner_l4_csum_ok") is False:
                r.fail("inner L4 checksum bad, but the input's was good")
            for e in r.errors:
                problems.append("frame %d (input %d, %s): %s" % (j, inp["index"], inp["note"], e))
            ft.add(svc["name"], svc["hash"], r, j)
            o = obs.setdefault(svc["name"], {"packets": 0, "bytes": 0, "backends": {}})
            o["packets"] += 1
            o["bytes"] += len(inp["inner"])
            b = o["backends"].setdefault(r.info.get("backend"), {"packets": 0, "bytes": 0, "flows": set(),
                                                                  "clients": set()})
            b["packets"] += 1
            b["bytes"] += len(inp["inner"])
            if r.info.get("inner_key"):
                b["flows"].add(r.info["inner_key"])
                b["clients"].add(r.info["inner_key"][1])
            b.setdefault("sports", set()).add(r.info.get("sport"))
            if "flow_label" in r.info:
                b.setdefault("labels", set()).add(r.info["flow_label"])
        elif kind in REPLY_CHECKERS:
            cands = [x for x in pending_replies if id(x) not in used and x["exp"][1] == kind]
            if not cands:
                problems.append("frame %d: unexpected %s reply (%s)" % (j, kind, fr[:64].hex()))
                continue
            best = None
            for x in cands:
                r = REPLY_CHECKERS[kind](fr, x["frame"], NODE, port_mac, j)
                if r.ok:
                    best = (x, r)
                    break
                best = best or (x, r)
            inp, r = best
            used.add(id(inp))
            matched[j] = inp
            order.append(inp["index"])
            for e in r.errors:
                problems.append("frame %d (%s reply to input %d, %s): %s" % (j, kind, inp["index"], inp["note"], e))
        else:
            problems.append("frame %d: unexpected frame (%s) %s" % (j, kind, fr[:64].hex()))
    missing = [x for x in case.inputs if x["exp"][0] in ("fwd", "reply") and id(x) not in used]
    return matched, problems, ft, obs, missing, order


def check_stats(rep, case, stats, frames, obs, port_mac):
    reasons = drop_reasons()
    exp_drops = {r: 0 for r in reasons}
    unknown = []
    for x in case.inputs:
        if x["exp"][0] == "drop":
            if x["exp"][1] not in exp_drops:
                unknown.append(x["exp"][1])
            exp_drops[x["exp"][1]] = exp_drops.get(x["exp"][1], 0) + 1
    rep.check(not unknown, "every expected drop reason exists in lib/tlb_verdict.h", str(unknown))
    n_fwd = sum(1 for x in case.inputs if x["exp"][0] == "fwd")
    exp_replies = {"arp": 0, "nd": 0, "echo": 0, "echo6": 0, "frag_needed": 0, "ptb": 0}
    for x in case.inputs:
        if x["exp"][0] == "reply":
            exp_replies[REPLY_COUNTER[x["exp"][1]]] += 1
    n_in = len(case.inputs)
    n_tx = n_fwd + sum(exp_replies.values())
    keys = ("rx_packets", "tx_packets", "drops", "services", "reloads", "generation")
    miss = [k for k in keys if k not in stats]
    rep.check(not miss, "stats: section 7 keys present %s" % (keys,), "missing %s" % miss)
    miss = [k for k in ("forwarded", "replies", "ports", "mempool") if k not in stats]
    rep.check(not miss, "stats: extension keys forwarded, replies, ports, mempool present", "missing %s" % miss)
    rx, tx = stats.get("rx_packets"), stats.get("tx_packets")
    drops = stats.get("drops", {})
    rep.check(rx == n_in, "stats: rx_packets == input frames (%d)" % n_in, "got %s" % rx)
    rep.check(tx == n_tx, "stats: tx_packets == expected forwarded + replies (%d)" % n_tx, "got %s" % tx)
    rep.check(tx == len(frames), "stats: tx_packets == frames in the output pcap (%d)" % len(frames), "got %s" % tx)
    rep.check(stats.get("forwarded") == n_fwd, "stats: forwarded == %d" % n_fwd, "got %s" % stats.get("forwarded"))
    rep.check(stats.get("replies") == exp_replies, "stats: replies == %s" % exp_replies, "got %s" % stats.get("replies"))
    miss = [r for r in reasons if r not in drops]
    extra = [r for r in drops if r not in reasons]
    rep.check(not miss and not extra, "stats: drops has exactly the %d reasons of lib/tlb_verdict.h" % len(reasons),
              "missing %s, extra %s" % (miss, extra))
    wrong = ["%s: expected %d, got %s" % (r, exp_drops.get(r, 0), drops.get(r)) for r in sorted(set(reasons) | set(drops))
             if drops.get(r) != exp_drops.get(r, 0)]
    rep.check(not wrong, "stats: every drop counter exact (%s)" % (
        ", ".join("%s=%d" % kv for kv in sorted(exp_drops.items()) if kv[1]) or "all 0"), "; ".join(wrong))
    try:
        inv = rx == tx + sum(drops.values())
    except TypeError:
        inv = False
    rep.check(inv, "stats: rx_packets == tx_packets + sum(drops)", "rx %s, tx %s, drops %s" % (
        rx, tx, sum(v for v in drops.values() if isinstance(v, int))))
    rep.check(stats.get("reloads") == {"ok": 0, "failed": 0} and stats.get("generation") == 1,
              "stats: reloads {ok 0, failed 0}, generation 1",
              "reloads %s, generation %s" % (stats.get("reloads"), stats.get("generation")))
    # services and backends: packets / bytes (inner IP bytes) of what was transmitted
    sst = stats.get("services", {})
    errs = []
    for s in case.services:
        s = D.normalize_service(s)
        got = sst.get(s["name"])
        o = obs.get(s["name"], {"packets": 0, "bytes": 0, "backends": {}})
        if got is None:
            errs.append("service %s missing" % s["name"])
            continue
        if (got.get("packets"), got.get("bytes")) != (o["packets"], o["bytes"]):
            errs.append("service %s: expected packets %d bytes %d, got %s %s" % (
                s["name"], o["packets"], o["bytes"], got.get("packets"), got.get("bytes")))
        gb = got.get("backends", {})
        for b in s["backends"]:
            ob = o["backends"].get(b["address"], {"packets": 0, "bytes": 0})
            g = gb.get(b["address"])
            if g is None:
                errs.append("service %s backend %s missing (keys %s)" % (s["name"], b["address"], sorted(gb)))
            elif (g.get("packets"), g.get("bytes")) != (ob["packets"], ob["bytes"]):
                errs.append("service %s backend %s: expected packets %d bytes %d, got %s %s" % (
                    s["name"], b["address"], ob["packets"], ob["bytes"], g.get("packets"), g.get("bytes")))
        extra = set(gb) - {b["address"] for b in s["backends"]}
        if extra:
            errs.append("service %s: unknown backends %s" % (s["name"], sorted(extra)))
    extra = set(sst) - {s["name"] for s in case.services}
    if extra:
        errs.append("unknown services %s" % sorted(extra))
    rep.check(not errs, "stats: per-service and per-backend packets / inner bytes == transmitted frames "
              "(%d services)" % len(case.services), "; ".join(errs[:20]))
    ports = stats.get("ports", {})
    p = ports.get("net_pcap0") if isinstance(ports, dict) else None
    if rep.check(p is not None, "stats: ports.net_pcap0 present", "ports %s" % ports):
        rep.check(p.get("rx") == n_in and p.get("tx") == n_tx, "stats: ports.net_pcap0 rx %d tx %d" % (n_in, n_tx),
                  "got rx %s tx %s" % (p.get("rx"), p.get("tx")))
        if port_mac:
            rep.check(str(p.get("mac", "")).lower() == port_mac, "stats: ports.net_pcap0 mac == frames' source MAC",
                      "stats %s, frames %s" % (p.get("mac"), port_mac))


def flows_checks(rep, case, obs, ft):
    """Distribution and entropy checks of the flows case."""
    web = D.normalize_service(svc_by_name(case, "web"))
    o = obs.get("web", {"backends": {}})
    act = [b for b in web["backends"] if b["state"] == "active" and b["weight"] > 0]
    idle = [b for b in web["backends"] if not (b["state"] == "active" and b["weight"] > 0)]
    nflows = sum(len(v["flows"]) for v in o["backends"].values())
    rep.check(nflows == 2000, "flows: 2000 distinct web flows seen", "got %d" % nflows)
    unused = [b["address"] for b in act if b["address"] not in o["backends"]]
    rep.check(not unused, "flows: every active weighted backend of 'web' is used", "unused %s" % unused)
    wrong = [b["address"] for b in idle if b["address"] in o["backends"]]
    rep.check(not wrong, "flows: weight 0, down and draining backends get no new flows", "used: %s" % wrong)
    wsum = sum(b["weight"] for b in act)
    shares = []
    for b in act:
        got = len(o["backends"].get(b["address"], {}).get("flows", ()))
        want = nflows * b["weight"] / wsum
        shares.append((b["address"], b["weight"], got, round(want, 1), abs(got - want) <= 0.25 * want))
    rep.check(all(s[4] for s in shares), "flows: web flow shares within 25%% of weight shares %s" %
              [(a, w, g) for a, w, g, _, _ in shares], "(address, weight, flows, expected): %s" %
              [(a, w, g, e) for a, w, g, e, ok in shares if not ok])
    rep.check(not ft.errors, "flows: every flow has one backend, one outer source port, one flow label; "
              "src_ip / src_ip_port clients stick to one backend", "; ".join(ft.errors[:10]))
    for name in ("dns", "sticky", "anyport"):
        s = D.normalize_service(svc_by_name(case, name))
        ob = obs.get(name, {"backends": {}})["backends"]
        unused = [b["address"] for b in s["backends"] if b["address"] not in ob]
        rep.check(not unused, "flows: every backend of '%s' is used" % name, "unused %s" % unused)
        hu = {"5tuple": lambda k: k, "src_ip": lambda k: k[1], "src_ip_port": lambda k: (k[1], k[4])}[s["hash"]]
        units = [len({hu(k) for k in v["flows"]}) for v in ob.values()]
        tot = sum(units)
        lo = [u for u in units if abs(u - tot / len(s["backends"])) > 0.35 * tot / len(s["backends"])]
        rep.check(not lo, "flows: '%s' equal-weight shares of %s hash units within 35%% (%s)" % (
            name, s["hash"], units), "got %s" % units)
    # per hash unit (5-tuple, client address, or client address + port): outer source port and flow
    # label entropy, and for 5tuple / src_ip_port the units of one client address spread over backends
    for name in ("web", "dns", "sticky", "anyport"):
        s = D.normalize_service(svc_by_name(case, name))
        units = {}
        for (sname, key), rec in ft.flows.items():
            if sname != name:
                continue
            u = {"5tuple": key, "src_ip": key[1], "src_ip_port": (key[1], key[4])}[s["hash"]]
            units.setdefault(u, rec)
        u4 = [r for r in units.values() if ":" not in r["backend"]]
        u6 = [r for r in units.values() if ":" in r["backend"]]
        sp4 = {r["sport"] for r in u4}
        lab = {r["flow_label"] for r in u6}
        rep.check(len(sp4) >= 0.5 * len(u4), "flows: '%s' outer UDP source ports vary with the hash (%d distinct "
                  "for %d %s units to IPv4 backends)" % (name, len(sp4), len(u4), s["hash"]), "too few")
        rep.check(len(lab) >= 0.9 * len(u6), "flows: '%s' IPv6 flow labels vary with the hash (%d distinct for "
                  "%d %s units to IPv6 backends)" % (name, len(lab), len(u6), s["hash"]), "too few")
        if s["hash"] == "src_ip":
            continue
        per_client = {}
        for u, rec in units.items():
            client = u[1] if s["hash"] == "5tuple" else u[0]
            per_client.setdefault(client, set()).add(rec["backend"])
        multi = [c for c, bes in per_client.items() if sum(1 for u in units if (
            u[1] if s["hash"] == "5tuple" else u[0]) == c) >= 4]
        spread = [c for c in multi if len(per_client[c]) > 1]
        if multi:
            rep.check(len(spread) >= 0.5 * len(multi), "flows: '%s' (%s) flows of one client address spread over "
                      "backends (%d of %d clients with >= 4 units use > 1 backend)" % (
                          name, s["hash"], len(spread), len(multi)),
                      "the hash ignores the ports: every client address sticks to one backend")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--build-only", action="store_true", help="write config and input pcap, do not run")
    args = ap.parse_args()
    rep = Report(args.case)
    wd = os.path.abspath(args.workdir)
    os.makedirs(wd, exist_ok=True)
    random.seed(0x90D)
    t0 = time.time()
    case = CASES[args.case]()
    cfg = case.config()
    cfg_path = os.path.join(wd, "config.yaml")
    with open(cfg_path, "w") as f:
        f.write("# generated by tests/golden/run_golden.py --case %s\n" % case.name)
        f.write(to_yaml(cfg) + "\n")
    with open(os.path.join(wd, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    in_pcap, out_pcap, stats_path = (os.path.join(wd, n) for n in ("in.pcap", "out.pcap", "stats.json"))
    D.write_pcap(in_pcap, [x["frame"] for x in case.inputs])
    with open(os.path.join(wd, "expected.txt"), "w") as f:
        for i, x in enumerate(case.inputs, 1):
            f.write("%d\t%s\t%s\t%s\n" % (i, x["exp"][0], x["exp"][1], x["note"]))
    exp = {}
    for x in case.inputs:
        exp[x["exp"][0]] = exp.get(x["exp"][0], 0) + 1
    rep.info("case %s: %d services, %d input frames (%s), built in %.1f s; workdir %s" % (
        case.name, len(case.services), len(case.inputs), ", ".join("%s %d" % kv for kv in sorted(exp.items())),
        time.time() - t0, wd))
    if args.build_only:
        return 0
    for p in (out_pcap, stats_path):
        if os.path.exists(p):
            os.unlink(p)
    rc, dt = run_tunlb(args, case, wd, cfg_path, in_pcap, out_pcap, stats_path)
    rep.check(rc == 0, "tunlb exit code 0 (%.1f s)" % dt, "exit %d; stderr tail:\n%s" % (
        rc, tail(os.path.join(wd, "tunlb.stderr"))))
    frames = []
    if rep.check(os.path.exists(out_pcap), "output pcap written"):
        try:
            frames = [f for _, f in D.read_pcap(out_pcap)]
            rep.check(True, "output pcap readable (%d frames)" % len(frames))
        except ValueError as e:
            rep.check(False, "output pcap readable", str(e))
    stats = None
    if rep.check(os.path.exists(stats_path), "stats JSON written"):
        try:
            with open(stats_path) as f:
                stats = json.load(f)
            rep.check(isinstance(stats, dict), "stats JSON is one object")
        except ValueError as e:
            rep.check(False, "stats JSON parses", str(e))
    # the port MAC: stats first, else the frames
    port_mac = None
    if isinstance(stats, dict) and isinstance(stats.get("ports"), dict) and "net_pcap0" in stats["ports"]:
        port_mac = str(stats["ports"]["net_pcap0"].get("mac", "")).lower() or None
    srcs = sorted({D.mac_str(f[6:12]) for f in frames if len(f) >= 12})
    if port_mac is None and srcs:
        port_mac = srcs[0]
    if frames:
        rep.check(srcs == [port_mac], "every output frame has the port MAC %s as source" % port_mac,
                  "sources %s" % srcs)
    if port_mac and port_mac != DEFAULT_PORT_MAC:
        rep.info("port MAC %s differs from the %s the inputs were addressed to" % (port_mac, DEFAULT_PORT_MAC))
    matched, problems, ft, obs, missing, order = match_outputs(rep, case, frames, port_mac)
    n_exp = sum(1 for x in case.inputs if x["exp"][0] in ("fwd", "reply"))
    rep.check(len(frames) == n_exp, "output frame count == forwarded + replies expected (%d)" % n_exp,
              "got %d" % len(frames))
    rep.check(not missing, "every input expected to be forwarded / answered has its output frame",
              "%d missing: %s" % (len(missing), "; ".join("input %d (%s, %s)" % (
                  x["index"], x["exp"][1], x["note"]) for x in missing[:15])))
    nd = len(problems)
    rep.check(not problems, "every output frame passes the decoder's field checks (design.md section 5, "
              "RFC 826/792/4443/4861) with its inner packet byte-identical to its input",
              "%d problems:\n  %s" % (nd, "\n  ".join(problems[:40])))
    if order != sorted(order):
        rep.info("output order differs from input order (not a contract item)")
    if frames:
        tshark_check(rep, out_pcap, frames, case, matched)
    if stats is not None:
        check_stats(rep, case, stats, frames, obs, port_mac)
    if case.name == "flows":
        flows_checks(rep, case, obs, ft)
    elif ft.errors:
        rep.check(False, "per-flow consistency", "; ".join(ft.errors[:10]))
    if frames:
        print("-- tlbdecode summary of the output --")
        D.summary(out_pcap, cfg)
    return rep.done()


if __name__ == "__main__":
    sys.exit(main())
