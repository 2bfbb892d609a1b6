#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Malformed traffic through the real binary (issue 9, design.md section 8): every malformed frame is a
counted drop with the reason the parser rules fix, nothing crashes, nothing malformed is forwarded.

Usage (from tests/meson.build, suite golden):
  /usr/bin/python3 tests/golden/run_malformed.py --tunlb PATH --workdir DIR

The corpus (scapy, deterministic), each frame with its expected fate decided from the rules at the top of
lib/tlb_parse.c and lib/tlb_verdict.h, never from what the binary does:
  * valid frames of every kind (IPv4/IPv6 x TCP/UDP, extension headers, IPv4 options, one and two VLAN
    tags, Ethernet padding, ARP, echo, echo6, neighbour solicitation) whole, then cut at every byte
    offset 0..len-1: 'truncated' while the cut is inside the frame's headers or IP packet, the whole
    frame's fate once only padding is cut (a zero-length frame included);
  * IPv4 IHL < 5, IHL past the total length, past the frame, into the L4 header; total length past the
    frame, below the header, shorter than the frame (the rest is padding: forwarded without it);
  * IPv6 extension header chains past the packet, past the frame, 9 headers, hop-by-hop not first, two
    fragment headers, AH past the end (and 8 headers, the limit, forwarded);
  * VLAN stacks of 3, 4 and 8 tags (also cut right after the third TPID), an S-tag inside a C-tag;
  * TCP data offset 0..4 and past the packet; UDP length 0, 7, one short, one long, 65535;
  * too big for the egress MTU (1500) once encapsulated: with DF (IPv4) or IPv6 in one segment, answered
    with ICMP frag-needed / packet too big (checked here: RFC 792/1191/4443 fields, checksums, quote,
    the MTU the tunnel leaves); without DF sent as outer IPv4 fragments (reassembled here, each checked,
    then the whole checked like any other);
  * 8000- and 9000-byte frames: net_pcap reads them into chains of 2 KiB mbufs (multi-segment): without
    DF forwarded as outer fragments; with DF or IPv6 answered like any too-big packet (the quote is
    copied from the chain to one mbuf);
    headers past the first segment are 'multiseg_header', and so are local answers and padding spread
    over segments; cuts of a chain are 'truncated';
  * ICMP / ICMPv6 errors quoting garbage to a VIP: 'bad_icmp_quote' (no complete TCP/UDP quote),
    'icmp_unmatched' (a quote of no VIP service's flow); one quoting a real VIP flow whose quoted length
    field lies (quotes are cut by nature) is steered to that flow's backend; to the node 'node_other',
    else 'not_vip';
  * other EtherTypes, 802.3 length fields, IP version / EtherType mismatches.
tunlb runs with two net_pcap ports: net_pcap0 (MTU 1500, receives the corpus, sends the replies) and
net_pcap1 (MTU 1500, sends every encapsulated frame). Checks: exit 0; every drop counter exact;
rx == frames read == forwarded + answers + drops; tx == frames written (outer fragments one each);
every output frame passes tests/tools/tlbdecode.py (encapsulation
field by field with the inner packet byte-identical to the input's IP packet, or the RFC checks of the
reply to its request) and tshark's outer checksum verdicts; the mempool is back to empty after close
(in_use_after_close == 0 on every socket). Prints one line per check; exits 1 on any failure.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import tlbdecode as D  # noqa: E402

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IPerror, IPOption, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCPerror, raw)
from scapy.layers.ipsec import AH  # noqa: E402

PORT0_MAC = "02:70:63:61:70:00"      # net_pcap's MAC for port 0 in DPDK 22.11 (the checks read the stats)
CLIENT_MAC = "02:00:00:00:00:c1"
NODE = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "gateway_mac": "02:00:00:00:00:fe"}
VIP4, VIP6 = "198.51.100.40", "2001:db8:100::40"
C4, C6 = "192.0.2.60", "2001:db8:c::60"
SERVICES = [
    {"name": "web4", "vip": VIP4, "port": 80, "protocol": "tcp", "encap": "gue", "gue_variant": 0,
     "backends": [{"address": "203.0.113.81"}]},
    {"name": "dns4", "vip": VIP4, "port": 53, "protocol": "udp", "encap": "vxlan", "vni": 40,
     "backends": [{"address": "203.0.113.82", "mac": "02:00:00:00:00:82"}]},
    {"name": "web6", "vip": VIP6, "port": 443, "protocol": "tcp", "encap": "gue", "gue_variant": 1,
     "dst_port": 6081, "backends": [{"address": "2001:db8:be::83"}]},
    {"name": "dns6", "vip": VIP6, "port": 53, "protocol": "udp", "encap": "vxlan", "vni": 41,
     "backends": [{"address": "2001:db8:be::84", "mac": "02:00:00:00:00:84"}]},
]
# Both MTUs 1500: tunlb sizes its mbufs for the largest configured MTU, so net_pcap reads larger frames
# into chains of 2 KiB mbufs (multi-segment packets).
PORTS = [{"name": "net_pcap0", "mtu": 1500, "tx_port": "net_pcap1"}, {"name": "net_pcap1", "mtu": 1500}]
EGRESS_MTU = 1500
OVERHEAD = {"dns4": 50, "dns6": 70, "web4": 32, "web6": 48}   # outer IP + UDP + tunnel (+ inner Ethernet)


class Report:
    def __init__(self):
        self.n = 0
        self.failed = []

    def check(self, ok, name, detail=""):
        self.n += 1
        print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok or not detail else ": " + detail))
        if not ok:
            self.failed.append(name)
        return ok

    def info(self, msg):
        print("INFO %s" % msg)


class Corpus:
    """Input frames, each with its fate: ('fwd', service) | ('reply', kind) | ('drop', reason or tuple)."""

    def __init__(self):
        self.inputs = []

    def add(self, frame, fate, cls, note):
        frame = frame if isinstance(frame, (bytes, bytearray)) else raw(frame)
        d = {"frame": bytes(frame), "fate": fate, "cls": cls, "note": note}
        if fate[0] == "fwd":
            d["inner"] = ip_packet(d["frame"])
        self.inputs.append(d)
        return d

    def drop(self, frame, reason, cls, note):
        return self.add(frame, ("drop", reason), cls, note)


def l3_offset(frame):
    off = 12
    while len(frame) >= off + 2 and struct.unpack("!H", frame[off:off + 2])[0] in (0x8100, 0x88A8):
        off += 4
    return off + 2


def ip_packet(frame):
    """The IP packet of a frame by its own length field (VLAN tags and padding removed)."""
    l3 = l3_offset(frame)
    if frame[l3] >> 4 == 4:
        n = struct.unpack("!H", frame[l3 + 2:l3 + 4])[0]
    else:
        n = 40 + struct.unpack("!H", frame[l3 + 4:l3 + 6])[0]
    return frame[l3:l3 + n]


def needed(frame):
    """Bytes a frame must keep to be whole: L2 + the IP packet, or L2 + the 28-byte ARP packet."""
    l3 = l3_offset(frame)
    et = struct.unpack("!H", frame[l3 - 2:l3])[0]
    return l3 + (28 if et == 0x0806 else len(ip_packet(frame)))


def eth(dst=PORT0_MAC):
    return Ether(dst=dst, src=CLIENT_MAC)


def set_bytes(frame, off, data, fix_ipv4_csum=True):
    """Overwrite bytes; recompute the IPv4 header checksum of an untagged IPv4 frame so the edit is the
    only defect (tunlb does not verify it, but tshark and humans reading the pcap do)."""
    f = bytearray(frame)
    f[off:off + len(data)] = data
    if fix_ipv4_csum and f[12:14] == b"\x08\x00" and len(f) >= 34 and f[14] >> 4 == 4:
        ihl = max(5, f[14] & 0xF) * 4
        if len(f) >= 14 + ihl:
            f[24:26] = b"\0\0"
            f[24:26] = struct.pack("!H", D.checksum(bytes(f[14:14 + ihl])))
    return bytes(f)


def build():
    c = Corpus()
    web4, dns4, web6, dns6 = SERVICES
    # ---------------------------------------------------------------- valid frames of every kind, and cuts
    kinds = [
        ("ipv4-tcp", eth() / IP(src=C4, dst=VIP4) / TCP(sport=1001, dport=80, flags="S") / Raw(b"t4"),
         ("fwd", "web4")),
        ("ipv4-udp", eth() / IP(src=C4, dst=VIP4) / UDP(sport=1002, dport=53) / Raw(b"u4"), ("fwd", "dns4")),
        ("ipv6-tcp", eth() / IPv6(src=C6, dst=VIP6) / TCP(sport=1003, dport=443) / Raw(b"t6"),
         ("fwd", "web6")),
        ("ipv6-udp", eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=1004, dport=53) / Raw(b"u6"), ("fwd", "dns6")),
        ("ipv6-ext-tcp", eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
         TCP(sport=1005, dport=443), ("fwd", "web6")),
        ("ipv4-options-tcp", eth() / IP(src=C4, dst=VIP4, options=[IPOption(b"\x01\x01\x01\x00")]) /
         TCP(sport=1006, dport=80), ("fwd", "web4")),
        ("vlan1-ipv4-udp", eth() / Dot1Q(vlan=7) / IP(src=C4, dst=VIP4) / UDP(sport=1007, dport=53),
         ("fwd", "dns4")),
        ("vlan2-ipv6-tcp", eth() / Dot1AD(vlan=70) / Dot1Q(vlan=7) / IPv6(src=C6, dst=VIP6) /
         TCP(sport=1008, dport=443), ("fwd", "web6")),
        ("padded-ipv4-tcp", raw(eth() / IP(src=C4, dst=VIP4) / TCP(sport=1009, dport=80)) + b"\0" * 6,
         ("fwd", "web4")),
        ("arp", eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst=NODE["ipv4"]),
         ("reply", "arp")),
        ("arp-padded", raw(eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4,
                                                           pdst=NODE["ipv4"])) + b"\0" * 18, ("reply", "arp")),
        ("echo", eth() / IP(src=C4, dst=NODE["ipv4"]) / ICMP(type=8, id=9, seq=1) / Raw(b"ping"),
         ("reply", "echo")),
        ("echo6", eth() / IPv6(src=C6, dst=NODE["ipv6"]) / ICMPv6EchoRequest(id=9, seq=1, data=b"ping6"),
         ("reply", "echo6")),
        ("ns", eth("33:33:ff:00:00:01") / IPv6(src=C6, dst="ff02::1:ff00:1", hlim=255) /
         ICMPv6ND_NS(tgt=NODE["ipv6"]) / ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC), ("reply", "na")),
    ]
    for name, pkt, fate in kinds:
        f = raw(pkt)
        c.add(f, fate, "valid", "%s: whole frame (%d bytes)" % (name, len(f)))
        need = needed(f)
        for k in range(len(f)):
            if k < need:
                c.drop(f[:k], "truncated", "cut", "%s cut to %d of %d bytes" % (name, k, len(f)))
            else:
                c.add(f[:k], fate, "cut-padding", "%s cut to %d bytes: only padding cut" % (name, k))

    tcp4 = raw(eth() / IP(src=C4, dst=VIP4) / TCP(sport=2000, dport=80, flags="S"))   # 54 bytes
    # ---------------------------------------------------------------- IPv4 header fields
    for ihl in range(5):
        c.drop(set_bytes(tcp4, 14, bytes([0x40 | ihl])), "bad_ip_header", "ipv4-ihl", "IPv4 IHL %d < 5" % ihl)
    c.drop(set_bytes(tcp4, 14, b"\x4f"), "bad_ip_header", "ipv4-ihl",
           "IHL 15 (60 bytes) past the total length 40")
    f = set_bytes(set_bytes(tcp4, 14, b"\x4f"), 16, struct.pack("!H", 80))
    c.drop(f, "truncated", "ipv4-ihl", "IHL 15, total length 80: both past the 54-byte frame")
    c.drop(set_bytes(tcp4, 14, b"\x48"), "bad_l4_header", "ipv4-ihl",
           "IHL 8 (32 bytes) leaves 8 bytes for a 20-byte TCP header")
    c.drop(set_bytes(tcp4, 14, b"\x65"), "bad_ip_header", "ipv4-version", "version 6 under EtherType 0x0800")
    for tot, why in ((41, "one byte past the frame"), (140, "past the frame"), (65535, "65535")):
        c.drop(set_bytes(tcp4, 16, struct.pack("!H", tot)), "truncated", "ipv4-total-length",
               "IPv4 total length %d: %s" % (tot, why))
    for tot in (0, 1, 19):
        c.drop(set_bytes(tcp4, 16, struct.pack("!H", tot)), "bad_ip_header", "ipv4-total-length",
               "IPv4 total length %d < 20-byte header" % tot)
    c.drop(set_bytes(tcp4, 16, struct.pack("!H", 39)), "bad_l4_header", "ipv4-total-length",
           "IPv4 total length 39: TCP header cut by the packet end (rest is padding)")
    big = raw(eth() / IP(src=C4, dst=VIP4) / TCP(sport=2001, dport=80, flags="PA") / Raw(b"P" * 60))
    c.add(set_bytes(big, 16, struct.pack("!H", 40)), ("fwd", "web4"), "ipv4-total-length",
          "IPv4 total length 40 in a 114-byte frame: 60 bytes of padding removed, header + TCP forwarded")
    # ---------------------------------------------------------------- IPv6 extension headers
    def v6(*layers, plen=None):
        p = eth() / IPv6(src=C6, dst=VIP6)
        for la in layers:
            p = p / la
        f = raw(p)
        if plen is not None:
            f = f[:18] + struct.pack("!H", plen) + f[20:]
        return f
    c.drop(v6(IPv6ExtHdrHopByHop(len=255, nh=6, autopad=0) / Raw(b"\0" * 30)), "bad_ipv6_ext", "ipv6-ext",
           "hop-by-hop of 2048 bytes in a 38-byte payload")
    c.drop(v6(IPv6ExtHdrDestOpt(len=1, nh=6, autopad=0) / Raw(b"\0" * 6)), "bad_ipv6_ext", "ipv6-ext",
           "destination options of 16 bytes, 8 in the packet")
    c.drop(v6(IPv6ExtHdrDestOpt(len=0, nh=60, autopad=0) / Raw(b"\0" * 6)), "bad_ipv6_ext", "ipv6-ext",
           "chain announces another header at the packet end")
    c.drop(v6(IPv6ExtHdrDestOpt(len=1, nh=6, autopad=0) / Raw(b"\0" * 14), plen=200), "truncated",
           "ipv6-ext", "payload length 200 past the frame (chain inside it)")
    chain = IPv6ExtHdrDestOpt()
    for _ in range(8):
        chain = chain / IPv6ExtHdrDestOpt()
    c.drop(v6(chain / TCP(sport=2002, dport=443)), "bad_ipv6_ext", "ipv6-ext", "9 destination options headers")
    chain = IPv6ExtHdrDestOpt()
    for _ in range(7):
        chain = chain / IPv6ExtHdrDestOpt()
    c.add(v6(chain / TCP(sport=2003, dport=443)), ("fwd", "web6"), "ipv6-ext",
          "8 destination options headers (the limit): forwarded")
    chain = IPv6ExtHdrRouting()
    for _ in range(19):
        chain = chain / IPv6ExtHdrRouting()
    c.drop(v6(chain / TCP(sport=2004, dport=443)), "bad_ipv6_ext", "ipv6-ext", "20 routing headers")
    c.drop(v6(IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / TCP(sport=2005, dport=443)), "bad_ipv6_ext",
           "ipv6-ext", "hop-by-hop after destination options")
    c.drop(v6(IPv6ExtHdrFragment(offset=0, m=1, id=1) / IPv6ExtHdrFragment(offset=0, m=0, id=1) /
              TCP(sport=2006, dport=443)), "bad_ipv6_ext", "ipv6-ext", "two fragment headers")
    c.drop(v6(AH(nh=6, payloadlen=40, spi=1, seq=1, icv=b"\0" * 4) / Raw(b"\0" * 12)), "bad_ipv6_ext",
           "ipv6-ext", "AH of 168 bytes in a 24-byte payload")
    c.drop(v6(IPv6ExtHdrHopByHop(nh=6) / Raw(b"\0" * 12)), "bad_l4_header", "ipv6-ext",
           "chain ends with 12 bytes left for TCP")
    u6 = v6(UDP(sport=2007, dport=53) / Raw(b"x"))
    c.drop(set_bytes(u6, 18, b"\0\0"), "bad_ip_header", "ipv6-header", "payload length 0 (jumbogram)")
    c.drop(set_bytes(u6, 14, b"\x46"), "bad_ip_header", "ipv6-header", "version 4 under EtherType 0x86dd")
    # ---------------------------------------------------------------- VLAN stacks
    inner = IP(src=C4, dst=VIP4) / TCP(sport=2008, dport=80)
    for n in (3, 4, 8):
        p = eth()
        for i in range(n):
            p = p / Dot1Q(vlan=i + 1)
        c.drop(p / inner, "vlan_depth", "vlan", "%d 802.1Q tags" % n)
    c.drop(eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / inner, "vlan_depth", "vlan",
           "3 tags, 802.1ad outside")
    f = raw(eth() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / inner)
    c.drop(f[:24], "vlan_depth", "vlan", "3 tags, frame ends right after the third TPID (decided by TPID)")
    c.drop(eth() / Dot1Q(vlan=1) / Dot1AD(vlan=2) / inner, "not_ip", "vlan", "802.1ad tag inside an 802.1Q tag")
    # ---------------------------------------------------------------- TCP data offset, UDP length
    for doff in range(5):
        c.drop(eth() / IP(src=C4, dst=VIP4) / TCP(sport=2009, dport=80, dataofs=doff), "bad_l4_header", "tcp",
               "TCP data offset %d" % doff)
    c.drop(eth() / IP(src=C4, dst=VIP4) / TCP(sport=2010, dport=80, dataofs=6), "bad_l4_header", "tcp",
           "TCP data offset 6 (24 bytes) in a 20-byte segment")
    c.drop(eth() / IPv6(src=C6, dst=VIP6) / TCP(sport=2011, dport=443, dataofs=15) / Raw(b"o" * 36),
           "bad_l4_header", "tcp", "TCP data offset 15 (60 bytes) in a 56-byte segment")
    c.add(eth() / IP(src=C4, dst=VIP4) / TCP(sport=2012, dport=80, dataofs=6, options=[("NOP", None)] * 4),
          ("fwd", "web4"), "tcp", "TCP data offset 6 with 4 option bytes: forwarded")
    for fam, mk in (("IPv4", lambda ln: eth() / IP(src=C4, dst=VIP4) / UDP(sport=2013, dport=53, len=ln) /
                     Raw(b"d" * 12)),
                    ("IPv6", lambda ln: eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=2014, dport=53, len=ln) /
                     Raw(b"d" * 12))):
        for ln, why in ((0, "0"), (7, "7 < 8"), (19, "one short of 20"), (21, "one past 20"),
                        (65535, "65535")):
            c.drop(mk(ln), "bad_l4_header", "udp", "%s UDP length %s (datagram 20)" % (fam, why))
    # ---------------------------------------------------------------- ICMP errors quoting garbage
    q = "bad_icmp_quote"
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4) / Raw(b"\x45garbage"), q,
           "icmp-error", "ICMP frag-needed to a VIP quoting 8 bytes of garbage")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=11) / IPerror(src=VIP4, dst=C4, ihl=15) /
           Raw(b"\0" * 3), q, "icmp-error", "ICMP time exceeded to a VIP quoting IHL 15, cut")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=3), q, "icmp-error",
           "ICMP unreachable to a VIP quoting nothing")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=3) / IPerror(src=VIP4, dst=C4, proto=6) /
           Raw(b"\0\x50"), q, "icmp-error", "ICMP unreachable quoting 2 bytes of TCP")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=3) / IPerror(src=VIP4, dst=C4, proto=47) /
           Raw(b"\0" * 8), q, "icmp-error", "ICMP unreachable quoting GRE")
    c.drop(eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) / Raw(b"\x60" * 7),
           q, "icmp-error", "ICMPv6 packet too big to a VIP quoting 7 bytes")
    c.drop(eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6TimeExceeded() / Raw(b"\xff" * 40), q,
           "icmp-error", "ICMPv6 time exceeded quoting garbage")
    c.drop(eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6DestUnreach() / IP(src=VIP4, dst=C4) /
           TCP(sport=80, dport=1), q, "icmp-error", "ICMPv6 error quoting IPv4")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4) / IPerror(src=C4, dst=VIP4) /
           TCPerror(sport=1, dport=80), "icmp_unmatched", "icmp-error",
           "ICMP error to a VIP quoting a packet not sent from the VIP")
    c.drop(eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4) / IPerror(src=VIP4, dst=C4) /
           TCPerror(sport=81, dport=2), "icmp_unmatched", "icmp-error",
           "ICMP error quoting a VIP port without a service")
    c.add(eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6DestUnreach() / IPv6(src=VIP6, dst=C6, plen=999) /
          TCP(sport=443, dport=2015), ("fwd", "web6"), "icmp-error",
          "ICMPv6 unreachable quoting a web6 flow whose payload length (999) runs past the quote: steered")
    c.drop(eth() / IP(src="203.0.113.1", dst=NODE["ipv4"]) / ICMP(type=3, code=4) / IPerror(src=NODE["ipv4"],
           dst=C4) / TCPerror(sport=1, dport=2), "node_other", "icmp-error", "ICMP error to node.ipv4")
    c.drop(eth() / IPv6(src="2001:db8:ff::1", dst=NODE["ipv6"]) / ICMPv6PacketTooBig() / Raw(b"\0" * 8),
           "node_other", "icmp-error", "ICMPv6 too big to node.ipv6")
    c.drop(eth() / IP(src="203.0.113.1", dst="203.0.113.250") / ICMP(type=3) / Raw(b"zz"), "not_vip",
           "icmp-error", "ICMP error to an address that is no VIP")
    # ---------------------------------------------------------------- L2 oddities
    c.drop(Ether(dst=PORT0_MAC, src=CLIENT_MAC, type=0x0040) / Raw(b"\0" * 64), "not_ip", "l2",
           "802.3 length field 64 instead of an EtherType")
    c.drop(Ether(dst=PORT0_MAC, src=CLIENT_MAC, type=0x8847) / Raw(b"\0" * 46), "not_ip", "l2", "MPLS")
    c.drop(Ether(dst=PORT0_MAC, src=CLIENT_MAC, type=0x86DD) / IP(src=C4, dst=VIP4) / TCP(dport=80),
           "bad_ip_header", "l2", "IPv4 under EtherType 0x86dd")
    c.drop(eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc=C4, pdst=NODE["ipv4"], hwlen=8), "arp_other", "l2",
           "ARP request with hardware length 8")
    # ---------------------------------------------------------------- too big once encapsulated (one segment)
    c.add(eth() / IP(src=C4, dst=VIP4, flags="DF") / UDP(sport=3010, dport=53) / Raw(b"D" * (1460 - 28)),
          ("reply", "frag_needed"), "too-big", "1460-byte IPv4/UDP with DF: +50 > 1500: frag-needed, MTU 1450")
    c.add(eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=3011, dport=53) / Raw(b"6" * (1450 - 48)),
          ("reply", "ptb"), "too-big", "1450-byte IPv6/UDP: +70 > 1500: packet too big, MTU 1430")
    c.add(eth() / IP(src=C4, dst=VIP4, flags=0) / UDP(sport=3012, dport=53) / Raw(b"N" * (1480 - 28)),
          ("fwd", "dns4"), "too-big", "1480-byte IPv4/UDP without DF: two outer fragments")
    c.add(eth() / IP(src=C4, dst=VIP4, flags="DF") / UDP(sport=3013, dport=53) / Raw(b"f" * (1450 - 28)),
          ("fwd", "dns4"), "too-big", "1450-byte IPv4/UDP with DF: outer exactly 1500, forwarded whole")
    c.drop(eth() / IP(src=C4, dst=VIP4, flags="DF") / ICMP(type=3, code=4) / IPerror(src=VIP4, dst=C4) /
           TCPerror(sport=80, dport=1) / Raw(b"q" * 1440), "too_big", "too-big",
           "steered ICMP error too big to forward: no ICMP error about an ICMP error (RFC 1122 3.2.2)")
    # ---------------------------------------------------------------- 8000/9000-byte frames (multi-segment)
    j8 = raw(eth() / IP(src=C4, dst=VIP4) / UDP(sport=3000, dport=53) / Raw(bytes(range(256)) * 31 + b"e" * 22))
    assert len(j8) == 8000
    c.add(j8, ("fwd", "dns4"), "jumbo", "8000-byte IPv4/UDP without DF (4 segments in): outer fragments")
    j9 = raw(eth() / IP(src=C4, dst=VIP4, flags="DF") / UDP(sport=3001, dport=53) / Raw(b"9" * (9000 - 42)))
    c.add(j9, ("reply", "frag_needed"), "jumbo", "9000-byte IPv4/UDP with DF: too big, frag-needed "
          "from the chain's start copied to one mbuf")
    c.add(eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=3005, dport=53) / Raw(b"v" * (9000 - 62)),
          ("reply", "ptb"), "jumbo", "9000-byte IPv6/UDP: too big, packet too big from the chain's start")
    j9f = raw(eth() / IP(src=C4, dst=VIP4) / UDP(sport=3004, dport=53) / Raw(b"F" * (9000 - 42)))
    c.add(j9f, ("fwd", "dns4"), "jumbo", "9000-byte IPv4/UDP without DF: 7 outer fragments")
    j6 = raw(eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrDestOpt(len=255, autopad=0, nh=6) / Raw(b"\0" * 2046) /
             TCP(sport=3002, dport=443) / Raw(b"x" * (9000 - 14 - 40 - 2048 - 20)))
    c.drop(j6, "multiseg_header", "jumbo", "9000-byte IPv6: TCP header after a 2048-byte option header, "
           "past the first 2 KiB segment")
    c.drop(raw(eth() / IP(src=C4, dst=NODE["ipv4"]) / ICMP(type=8, id=1, seq=1) / Raw(b"p" * (9000 - 42))),
           "multiseg_header", "jumbo", "9000-byte echo to the node: answers are built in one segment")
    c.drop(raw(eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst=NODE["ipv4"])) +
           b"\0" * (9000 - 42), "multiseg_header", "jumbo", "ARP request padded to 9000 bytes")
    c.drop(raw(eth() / IP(src=C4, dst=VIP4) / UDP(sport=3003, dport=53) / Raw(b"s" * 12)) + b"\0" * 8946,
           "multiseg_header", "jumbo", "IPv4/UDP of 40 bytes with 8946 bytes of padding over 5 segments")
    c.drop(Ether(dst=PORT0_MAC, src=CLIENT_MAC, type=0x88B5) / Raw(b"\0" * (9000 - 14)), "not_ip", "jumbo",
           "9000-byte frame of EtherType 0x88b5")
    for k in (2047, 2048, 2049, 4096, 7999):
        c.drop(j8[:k], "truncated", "jumbo", "8000-byte frame cut to %d bytes" % k)
    return c


def run(args, wd, cfg_path, in_pcap):
    out0, out1, stats = (os.path.join(wd, n) for n in ("out0.pcap", "out1.pcap", "stats.json"))
    empty = os.path.join(wd, "empty.pcap")
    D.write_pcap(empty, [])
    for p in (out0, out1, stats):
        if os.path.exists(p):
            os.unlink(p)
    cmd = ["timeout", "120", args.tunlb, "--no-huge", "-m", "1024", "--no-pci",
           "--file-prefix=tlbmal-%d" % os.getpid(), "-l", "0",
           "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (in_pcap, out0),
           "--vdev=net_pcap1,rx_pcap=%s,tx_pcap=%s" % (empty, out1), "--log-level=lib.eal:error",
           "--", "-c", cfg_path, "--idle-exit", "500", "--stats-out", stats]
    with open(os.path.join(wd, "cmdline.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    t0 = time.time()
    with open(os.path.join(wd, "tunlb.stdout"), "w") as o, open(os.path.join(wd, "tunlb.stderr"), "w") as e:
        rc = subprocess.call(cmd, stdout=o, stderr=e)
    return rc, time.time() - t0, out0, out1, stats


def drop_reasons():
    with open(os.path.join(ROOT, "lib", "tlb_verdict.h")) as f:
        text = f.read()
    body = text[text.index("#define TLB_DROP_REASONS"):]
    body = body[:body.index("\n\n")]
    return re.findall(r"X\(\s*\w+\s*,\s*(\w+)\s*\)", body)


def tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def join_outer_fragments(rep, frames, mtu):
    """Reassemble outer IPv4 fragments (RFC 791: same identification, offsets in 8-byte units, MF on all
    but the last, DF clear), checking each; return the frames with every fragmented packet joined (DF
    set and the header checksum recomputed, as the packet would have been unfragmented) as
    (frame, joined) pairs."""
    out, problems, i, n_joined = [], [], 0, 0
    while i < len(frames):
        f = frames[i]
        if len(f) < 34 or f[12:14] != b"\x08\x00" or not struct.unpack("!H", f[20:22])[0] & 0x3FFF:
            out.append((f, False))
            i += 1
            continue
        ident = f[18:20]
        parts, off, j = [], 0, i
        while j < len(frames):
            g = frames[j]
            fo = struct.unpack("!H", g[20:22])[0]
            if g[12:14] != b"\x08\x00" or g[18:20] != ident or (fo & 0x1FFF) * 8 != off:
                problems.append("fragment %d: id / offset %d, expected %d" % (j, (fo & 0x1FFF) * 8, off))
                break
            if g[14] != 0x45 or fo & 0xC000 or not D.csum_ok(g[14:34]) or len(g) - 14 > mtu or \
                    struct.unpack("!H", g[16:18])[0] != len(g) - 14:
                problems.append("fragment %d: IHL / DF / checksum / length / MTU wrong" % j)
            pay = g[34:]
            if fo & 0x2000 and len(pay) % 8:
                problems.append("fragment %d: %d payload bytes, not a multiple of 8" % (j, len(pay)))
            parts.append(pay)
            off += len(pay)
            j += 1
            if not fo & 0x2000:
                break
        hdr = bytearray(f[:34])
        hdr[16:18] = struct.pack("!H", 20 + off)
        hdr[20:22] = b"\x40\x00"
        hdr[24:26] = b"\0\0"
        hdr[24:26] = struct.pack("!H", D.checksum(bytes(hdr[14:34])))
        out.append((bytes(hdr) + b"".join(parts), True))
        n_joined += 1
        i = j
    rep.check(not problems, "outer IPv4 fragments: offsets, MF, DF clear, checksums, sizes <= MTU "
              "(%d packets joined)" % n_joined, "; ".join(problems[:10]))
    return out


def check_too_big(fr, req, node, port_mac=None, index=None):
    """RFC 792 + RFC 1191 section 4 frag-needed / RFC 4443 section 3.2 packet too big answering req: from
    the VIP to the client, quoting the client's IP packet from its first byte within 576 / 1280 bytes,
    reporting the egress MTU minus the service's tunnel overhead. Returns a tlbdecode Frame."""
    r = D.Frame(index)
    req_eth, eth = D.parse_eth(req), D.parse_eth(fr)
    rip = D.parse_ip(req[req_eth["l3"]:])
    r.expect("eth dst (the client)", D.mac_str(req_eth["src"]), D.mac_str(eth["dst"]))
    if port_mac:
        r.expect("eth src (port MAC)", port_mac, D.mac_str(eth["src"]))
    r.expect("VLAN tags kept", req_eth["vlans"], eth["vlans"])
    ip = D.parse_ip(fr[eth["l3"]:])
    for p in ip["problems"]:
        r.fail("answer IP: " + p)
    r.expect("answer IP version", rip["version"], ip["version"])
    r.expect("answer source (the VIP)", D.ip_str(rip["dst"]), D.ip_str(ip["src"]))
    r.expect("answer destination (the client)", D.ip_str(rip["src"]), D.ip_str(ip["dst"]))
    svc = [x for x in SERVICES if D.ip_norm(x["vip"]) == D.ip_str(rip["dst"]) and
           rip["l4info"].get("dport") == x["port"]]
    want_mtu = EGRESS_MTU - OVERHEAD[svc[0]["name"]] if svc else None
    v6 = ip["version"] == 6
    hdrs, limit = (48, 1280) if v6 else (28, 576)
    quote = min(len(rip["packet"]), limit - hdrs)
    icmp = ip["packet"][ip["l4"]:]
    r.expect("answer length (headers + quote)", hdrs + quote, len(ip["packet"]))
    if len(icmp) < 8:
        r.fail("ICMP header missing")
        return r
    if v6:
        r.expect("ICMPv6 type/code (packet too big)", (2, 0), (icmp[0], icmp[1]))
        r.expect("MTU", want_mtu, struct.unpack("!I", icmp[4:8])[0])
        r.expect("next header", D.PROTO_ICMPV6, ip["proto"])
    else:
        r.expect("ICMP type/code (frag needed)", (3, 4), (icmp[0], icmp[1]))
        r.expect("next-hop MTU", want_mtu, struct.unpack("!H", icmp[6:8])[0])
        r.expect("unused", 0, struct.unpack("!H", icmp[4:6])[0])
        r.expect("IPv4 header checksum valid", True, ip["hdr_ok"])
        r.expect("IPv4 fragment field (Katran#206: 0)", (0, False, False), (ip["frag_off"], ip["mf"], ip["df"]))
    r.expect("ICMP checksum valid", True, ip["l4info"].get("csum_ok"))
    r.expect("quote (the client's packet from its first byte)", rip["packet"][:quote].hex()[:64],
             icmp[8:].hex()[:64])
    if icmp[8:] != rip["packet"][:quote]:
        r.fail("quote differs from the client's packet")
    return r


def reply_kind(fr):
    """tlbdecode's kind, or frag_needed / ptb for the too-big answers it does not know."""
    kind = D.classify(fr, SERVICES)
    if kind != "other":
        return kind
    try:
        eth = D.parse_eth(fr)
        ip = D.parse_ip(fr[eth["l3"]:])
    except ValueError:
        return kind
    t = ip["l4info"].get("type")
    if ip["version"] == 4 and ip["proto"] == D.PROTO_ICMP and t == 3:
        return "frag_needed"
    if ip["version"] == 6 and ip["proto"] == D.PROTO_ICMPV6 and t == 2:
        return "ptb"
    return kind


def check_outputs(rep, corpus, enc_frames, rep_frames, port0_mac, port1_mac):
    fwd = [x for x in corpus.inputs if x["fate"][0] == "fwd"]
    replies = [x for x in corpus.inputs if x["fate"][0] == "reply"]
    used, problems = set(), []
    by_inner = {}
    for x in fwd:
        by_inner.setdefault(x["inner"], []).append(x)
    for j, (fr, joined) in enumerate(enc_frames, 1):
        mtu = None if joined else EGRESS_MTU  # each fragment was held to the MTU
        svc = D.service_for_frame(fr, SERVICES)
        if svc is None:
            problems.append("net_pcap1 frame %d: matches no service (%s)" % (j, fr[:48].hex()))
            continue
        r = D.check_encap(fr, NODE, svc, port1_mac, None, mtu, j)
        cands = [x for x in by_inner.get(r.info.get("inner"), []) if id(x) not in used]
        if not cands:
            problems.append("net_pcap1 frame %d (%s, %d bytes): forwarded, but no input expected to be "
                            "forwarded has this inner packet" % (j, svc["name"], len(fr)))
            continue
        x = cands[0]
        used.add(id(x))
        r = D.check_encap(fr, NODE, svc, port1_mac, x["inner"], mtu, j)
        if x["fate"][1] != svc["name"]:
            r.err("service", x["fate"][1], svc["name"])
        problems += ["net_pcap1 frame %d (%s): %s" % (j, x["note"], e) for e in r.errors]
    checkers = {"arp": D.check_arp_reply, "echo": D.check_echo_reply, "echo6": D.check_echo6_reply,
                "na": D.check_na, "frag_needed": check_too_big, "ptb": check_too_big}
    for j, fr in enumerate(rep_frames, 1):
        kind = reply_kind(fr)
        cands = [x for x in replies if id(x) not in used and x["fate"][1] == kind]
        if kind not in checkers:
            cands = []
        best = None
        for x in cands:
            r = checkers[kind](fr, x["frame"], NODE, port0_mac, j)
            if r.ok:
                best = (x, r)
                break
            best = best or (x, r)
        if best is None:
            problems.append("net_pcap0 frame %d: unexpected %s frame (%s)" % (j, kind, fr[:48].hex()))
            continue
        x, r = best
        used.add(id(x))
        problems += ["net_pcap0 frame %d (%s reply to %s): %s" % (j, kind, x["note"], e) for e in r.errors]
    missing = [x for x in fwd + replies if id(x) not in used]
    rep.check(len(enc_frames) == len(fwd), "net_pcap1: one encapsulated frame per input expected to be "
              "forwarded (%d)" % len(fwd), "got %d" % len(enc_frames))
    rep.check(len(rep_frames) == len(replies), "net_pcap0: one answer per input expected to be answered "
              "(%d)" % len(replies), "got %d" % len(rep_frames))
    rep.check(not missing, "every input expected to be forwarded or answered has its output frame",
              "; ".join("%s (%s)" % (x["note"], x["fate"]) for x in missing[:15]))
    rep.check(not problems, "every output frame passes tlbdecode: encapsulation fields, inner packet "
              "byte-identical to the input's IP packet, RFC 826/792/4443/4861 answers",
              "%d problems:\n  %s" % (len(problems), "\n  ".join(problems[:30])))


def tshark_check(rep, path, what):
    """Outer checksum verdicts of every frame by tshark (status 0 = bad)."""
    if not os.path.exists(path):
        return
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-T", "fields", "-E", "occurrence=f", "-e", "frame.number", "-e", "ip.checksum.status",
           "-e", "udp.checksum.status", "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status"]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        rep.check(False, "tshark reads %s" % what, str(e))
        return
    if not rep.check(r.returncode == 0, "tshark reads %s" % what, r.stderr[-300:]):
        return
    bad = [line.split("\t")[0] for line in r.stdout.splitlines() if "0" in line.split("\t")[1:]]
    rep.check(not bad, "tshark: no bad outer IPv4 / UDP / ICMP / ICMPv6 checksum in %s (%d frames)" % (
        what, len(r.stdout.splitlines())), "bad in frames %s" % bad[:20])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    rep = Report()
    wd = os.path.abspath(args.workdir)
    os.makedirs(wd, exist_ok=True)
    t0 = time.time()
    corpus = build()
    cfg = {"node": NODE, "ports": PORTS, "services": SERVICES}
    cfg_path = os.path.join(wd, "config.yaml")
    with open(cfg_path, "w") as f:
        f.write("# generated by tests/golden/run_malformed.py (JSON is YAML)\n")
        json.dump(cfg, f, indent=1)
    with open(os.path.join(wd, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    in_pcap = os.path.join(wd, "in.pcap")
    D.write_pcap(in_pcap, [x["frame"] for x in corpus.inputs])
    with open(os.path.join(wd, "expected.txt"), "w") as f:
        for i, x in enumerate(corpus.inputs, 1):
            f.write("%d\t%s\t%s\t%d\t%s\n" % (i, x["fate"][0], x["fate"][1], len(x["frame"]), x["note"]))
    classes = {}
    for x in corpus.inputs:
        classes[x["cls"]] = classes.get(x["cls"], 0) + 1
    rep.info("%d input frames (%s), built in %.1f s; workdir %s" % (
        len(corpus.inputs), ", ".join("%s %d" % kv for kv in sorted(classes.items())), time.time() - t0, wd))

    rc, dt, out0, out1, stats_path = run(args, wd, cfg_path, in_pcap)
    rep.check(rc == 0, "tunlb exit code 0 (%.1f s)" % dt, "exit %d; stderr tail:\n%s" % (
        rc, tail(os.path.join(wd, "tunlb.stderr"))))
    err = tail(os.path.join(wd, "tunlb.stderr"), 400)
    rep.check("Sanitizer" not in err and "runtime error:" not in err, "no sanitizer report on stderr",
              err[-1500:])
    enc, rpl = [], []
    for path, lst, what in ((out1, enc, "net_pcap1 (encapsulated)"), (out0, rpl, "net_pcap0 (answers)")):
        if rep.check(os.path.exists(path), "%s pcap written" % what):
            try:
                lst.extend(f for _, f in D.read_pcap(path))
            except ValueError as e:
                rep.check(False, "%s pcap readable" % what, str(e))
    stats = {}
    if rep.check(os.path.exists(stats_path), "stats JSON written"):
        with open(stats_path) as f:
            stats = json.load(f)
    ports = stats.get("ports", {})
    port0_mac = str(ports.get("net_pcap0", {}).get("mac", PORT0_MAC)).lower()
    port1_mac = str(ports.get("net_pcap1", {}).get("mac", "")).lower() or None

    # counters: the corpus decides them
    reasons = drop_reasons()
    exp = {r: 0 for r in reasons}
    for x in corpus.inputs:
        if x["fate"][0] == "drop":
            if x["fate"][1] not in exp:
                rep.check(False, "expected reason '%s' exists in lib/tlb_verdict.h" % x["fate"][1])
                continue
            exp[x["fate"][1]] += 1
    drops = stats.get("drops", {})
    n_in = len(corpus.inputs)
    n_fwd = sum(1 for x in corpus.inputs if x["fate"][0] == "fwd")
    n_rep = sum(1 for x in corpus.inputs if x["fate"][0] == "reply")
    wrong = ["%s: expected %d, got %s" % (r, exp[r], drops.get(r)) for r in reasons if drops.get(r) != exp[r]]
    rep.check(not wrong, "every drop counter exact (%s)" % ", ".join(
        "%s=%d" % kv for kv in sorted(exp.items()) if kv[1]), "; ".join(wrong))
    rx, tx = stats.get("rx_packets"), stats.get("tx_packets")
    replies = stats.get("replies", {})
    p0 = ports.get("net_pcap0", {})
    rep.check(p0.get("rx") == n_in, "net_pcap0 read every record of the input pcap (%d, zero-length and "
              "9000-byte frames included)" % n_in, "read %s" % p0.get("rx"))
    rep.check(rx == n_in, "rx_packets == %d input frames" % n_in, "got %s" % rx)
    rep.check(stats.get("forwarded") == n_fwd and sum(replies.values()) == n_rep,
              "forwarded == %d, answers == %d" % (n_fwd, n_rep), "forwarded %s, replies %s" % (
                  stats.get("forwarded"), replies))
    try:
        inv = rx == stats.get("forwarded") + sum(replies.values()) + sum(drops.values())
    except TypeError:
        inv = False
    rep.check(inv, "rx_packets == forwarded + answers + sum(drops): every frame counted once",
              "rx %s forwarded %s answers %s drops %s" % (rx, stats.get("forwarded"), sum(replies.values()),
                                                        sum(v for v in drops.values() if isinstance(v, int))))
    ev = stats.get("events", {})
    rep.check(tx == len(enc) + len(rpl), "tx_packets == frames written to both pcaps (%d)" % (len(enc) + len(rpl)),
              "tx %s" % tx)
    try:
        extra_tx = ev["outer_fragments"] - ev["outer_fragmented"] + \
            ev["tcp_segments"] - ev["tcp_segmented"]
        inv = rx == tx - extra_tx + sum(drops.values())
    except (KeyError, TypeError):
        extra_tx, inv = None, False
    rep.check(inv, "README: rx_packets == tx_packets - (outer_fragments - outer_fragmented) - "
              "(tcp_segments - tcp_segmented) + sum(drops)",
              "rx %s tx %s extra fragments %s drops %s" % (rx, tx, extra_tx, sum(drops.values())))
    mp = stats.get("mempool", {})
    rep.check(bool(mp) and all(isinstance(v, dict) and v.get("in_use_after_close") == 0 for v in mp.values()),
              "no mbuf leaked: mempool in_use_after_close == 0 on every socket", "mempool %s" % mp)

    check_outputs(rep, corpus, join_outer_fragments(rep, enc, EGRESS_MTU), rpl, port0_mac, port1_mac)
    tshark_check(rep, out1, "net_pcap1")
    tshark_check(rep, out0, "net_pcap0")
    print("malformed: %d checks, %d failed" % (rep.n, len(rep.failed)))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
