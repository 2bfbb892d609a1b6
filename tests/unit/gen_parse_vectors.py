#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write parse_vectors.h: the frames and expected results of test_parse.c.

Run with Debian's scapy 2.5 (the python3 on PATH may lack it):
    /usr/bin/python3 tests/unit/gen_parse_vectors.py > parse_vectors.h
(meson does this at build time: tests/meson.build)

Every row is a scapy expression (kept verbatim in a comment above its bytes) and
the behaviour it pins down. For rows expected to parse, the behaviour (verdict,
flags, protocol, ports, TCP flags, ICMP type/code, L4 header size) is written
here by hand; the mechanical facts (header offsets, IP length, TOS, TTL,
addresses, VLAN count, EtherType) are taken from scapy's own layer lengths and
fields, not from the parser under test.
"""

import re
import socket
import sys

import scapy
from scapy.all import (ARP, GRE, ICMP, IP, Dot1AD, Dot1Q, Ether,
                       ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6ND_NS,
                       IPOption_Router_Alert, IPOption_RR, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Jumbo, NoPayload,
                       PadN, Raw, TCP, UDP)
from scapy.contrib.mpls import MPLS
from scapy.layers.ipsec import AH, ESP

F_FRAG, F_FIRST, F_OPT, F_L4, F_DF = 1, 2, 4, 8, 16
FLAG_NAMES = [(F_DF, "TLB_PKT_F_DF"), (F_FRAG, "TLB_PKT_F_FRAG"), (F_FIRST, "TLB_PKT_F_FIRST_FRAG"),
              (F_OPT, "TLB_PKT_F_IP_OPTIONS"), (F_L4, "TLB_PKT_F_L4")]
EXT_LAYERS = (IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrDestOpt,
              IPv6ExtHdrFragment, AH)
# What the row expressions may use.
EVAL_NS = {c.__name__: c for c in (
    AH, ARP, Dot1AD, Dot1Q, ESP, Ether, GRE, ICMP, ICMPv6DestUnreach, ICMPv6EchoRequest,
    ICMPv6ND_NS, IP, IPOption_Router_Alert, IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Jumbo, MPLS, PadN, Raw, TCP, UDP)}

ETH = 'Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02")'
V4 = 'IP(src="192.0.2.1", dst="198.51.100.10", tos=0xb9, ttl=61, id=0x1234{})'
V6 = 'IPv6(src="2001:db8::1", dst="2001:db8:100::10", tc=0xb9, fl=0x12345, hlim=61{})'
AH_ = 'AH(nh={}, payloadlen=4, spi=0x100, seq=1, icv=bytes(12))'
FRAG_DATA = 'Raw(b"0123456789abcdef")'


def v4(extra=""):
    return V4.format(extra)


def v6(extra=""):
    return V6.format(extra)


# ---------------------------------------------------------------------------
# Header combinations: every L2 x L3 x L4 variant below is one row.
# ---------------------------------------------------------------------------
L2 = [
    ("eth", ETH, "plain Ethernet"),
    ("q", ETH + '/Dot1Q(vlan=100, prio=5)', "one 802.1Q tag"),
    ("qq", ETH + '/Dot1Q(vlan=10)/Dot1Q(vlan=100)', "two 802.1Q tags"),
    ("adq", ETH + '/Dot1AD(vlan=10)/Dot1Q(vlan=100)', "802.1ad S-tag outside an 802.1Q C-tag"),
]

# L4 variants: per family (expression, protocol), then the behaviour.
#   hdr: bytes of the L4 header the parser checks (0 = not parsed, no F_L4).
L4 = [
    dict(name="tcp", what="TCP SYN with options",
         e4='TCP(sport=40000, dport=80, flags="S", seq=1000, '
            'options=[("MSS", 1460), ("NOP", None), ("WScale", 7)])/Raw(b"GET ")',
         p4=6, p6=6, sport=40000, dport=80, tcp_flags=0x02, hdr=28),
    dict(name="udp", what="UDP",
         e4='UDP(sport=40001, dport=53)/Raw(b"abcd")', p4=17, p6=17,
         sport=40001, dport=53, hdr=8),
    dict(name="echo", what="ICMP / ICMPv6 echo request",
         e4='ICMP(type=8, id=7, seq=1)/Raw(b"ping")', icmp4=(8, 0), p4=1,
         e6='ICMPv6EchoRequest(id=7, seq=1, data=b"ping")', icmp6=(128, 0), p6=58, hdr=4),
    dict(name="icmperr", what="ICMP / ICMPv6 error quoting a UDP packet",
         e4='ICMP(type=3, code=4, nexthopmtu=1400)/IP(src="198.51.100.10", '
            'dst="192.0.2.1")/UDP(sport=53, dport=40001)', icmp4=(3, 4), p4=1,
         e6='ICMPv6DestUnreach(code=4)/IPv6(src="2001:db8:100::10", '
            'dst="2001:db8::1")/UDP(sport=53, dport=40001)', icmp6=(1, 4), p6=58, hdr=4),
    dict(name="gre", what="GRE (no L4 header for us)",
         e4='GRE()/IP(src="10.0.0.1", dst="10.0.0.2")', p4=47, p6=47, hdr=0),
]

# L3 variants. 'build' gets the L4 variant's expression and protocol number;
# 'l4' says whether the L4 header is parsed (False for later fragments).
L3 = [
    dict(name="v4", fam=4, what="IPv4", flags=0, l4=True,
         build=lambda l4, p: v4() + "/" + l4),
    dict(name="v4opt", fam=4, what="IPv4 with a router alert option (IHL 6)", flags=F_OPT,
         l4=True, build=lambda l4, p: v4(", options=[IPOption_Router_Alert()]") + "/" + l4),
    dict(name="v4frag1", fam=4, what="IPv4 first fragment (MF, offset 0)",
         flags=F_FRAG | F_FIRST, l4=True, build=lambda l4, p: v4(', flags="MF"') + "/" + l4),
    dict(name="v4fragn", fam=4, what="IPv4 last fragment (offset 185)", flags=F_FRAG, l4=False,
         build=lambda l4, p: v4(", proto=%d, frag=185" % p) + "/" + FRAG_DATA),
    dict(name="v6", fam=6, what="IPv6", flags=0, l4=True,
         build=lambda l4, p: v6() + "/" + l4),
    dict(name="v6hbh", fam=6, what="IPv6, hop-by-hop options", flags=F_OPT, l4=True,
         build=lambda l4, p: v6() + "/IPv6ExtHdrHopByHop()/" + l4),
    dict(name="v6rt", fam=6, what="IPv6, routing header", flags=F_OPT, l4=True,
         build=lambda l4, p: v6() + '/IPv6ExtHdrRouting(addresses=["2001:db8::5"])/' + l4),
    dict(name="v6dst", fam=6, what="IPv6, destination options", flags=F_OPT, l4=True,
         build=lambda l4, p: v6() + "/IPv6ExtHdrDestOpt()/" + l4),
    dict(name="v6frag1", fam=6, what="IPv6 first fragment (offset 0, M)",
         flags=F_OPT | F_FRAG | F_FIRST, l4=True,
         build=lambda l4, p: v6() + "/IPv6ExtHdrFragment(m=1, id=0x1234)/" + l4),
    dict(name="v6fragn", fam=6, what="IPv6 middle fragment (offset 185, M)",
         flags=F_OPT | F_FRAG, l4=False,
         build=lambda l4, p: v6() + "/IPv6ExtHdrFragment(nh=%d, offset=185, m=1, id=0x1234)/" % p
         + FRAG_DATA),
    dict(name="v6ah", fam=6, what="IPv6, AH", flags=F_OPT, l4=True,
         build=lambda l4, p: v6() + "/" + AH_.format(p) + "/" + l4),
    dict(name="v6chain", fam=6, what="IPv6, hop-by-hop + dstopts + routing + AH + dstopts",
         flags=F_OPT, l4=True,
         build=lambda l4, p: v6() + '/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/'
         'IPv6ExtHdrRouting(addresses=["2001:db8::5"])/' + AH_.format(60)
         + "/IPv6ExtHdrDestOpt()/" + l4),
]


class Row:
    def __init__(self, name, expr, verdict, what, pad=0, **spec):
        self.name, self.expr, self.verdict, self.what = name, expr, verdict, what
        self.pad = pad              # Ethernet padding appended after the built packet
        self.spec = spec            # hand-written behaviour for rows that parse
        self.padded = pad != 0 or spec.pop("padded", False)


rows = []


def ok(name, expr, what, **spec):
    rows.append(Row(name, expr, "TLB_V_OK", what, **spec))


def bad(name, expr, verdict, what, **kw):
    rows.append(Row(name, expr, "TLB_V_" + verdict, what, **kw))


for l2n, l2e, l2w in L2:
    for l3 in L3:
        for l4 in L4:
            fam = l3["fam"]
            e4 = l4["e4"]
            l4e = l4.get("e%d" % fam, e4)
            proto = l4["p%d" % fam]
            icmp = l4.get("icmp%d" % fam, (0, 0))
            parsed = l3["l4"] and l4["hdr"] != 0
            spec = dict(flags=l3["flags"] | (F_L4 if parsed else 0), proto=proto,
                        hdr=l4["hdr"] if parsed else 0)
            if parsed:
                spec.update(sport=l4.get("sport", 0), dport=l4.get("dport", 0),
                            tcp_flags=l4.get("tcp_flags", 0), icmp=icmp)
            ok("%s_%s_%s" % (l2n, l3["name"], l4["name"]), l2e + "/" + l3["build"](l4e, proto),
               "%s, %s, %s" % (l2w, l3["what"], l4["what"]), **spec)

# ---------------------------------------------------------------------------
# Single behaviours that parse.
# ---------------------------------------------------------------------------
UDP_ = 'UDP(sport=40001, dport=53)'
TCP_ = 'TCP(sport=40000, dport=80, flags="A")'
udp_ok = dict(proto=17, sport=40001, dport=53, hdr=8)
tcp_ok = dict(proto=6, sport=40000, dport=80, tcp_flags=0x10, hdr=20)

ok("arp_request", 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02")/ARP(op=1, '
   'hwsrc="02:00:00:00:00:02", psrc="192.0.2.99", pdst="192.0.2.1")',
   "ARP request: kind ARP, l3_off, nothing else")
ok("arp_reply", ETH + '/ARP(op=2, hwsrc="02:00:00:00:00:02", psrc="192.0.2.99", '
   'hwdst="02:00:00:00:00:01", pdst="192.0.2.1")', "ARP reply: the opcode is the caller's business")
ok("q_arp_request", 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02")/Dot1Q(vlan=100)/'
   'ARP(op=1, hwsrc="02:00:00:00:00:02", psrc="192.0.2.99", pdst="192.0.2.1")',
   "ARP request behind a VLAN tag")
ok("adq_arp_request", 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02")/Dot1AD(vlan=10)/'
   'Dot1Q(vlan=100)/ARP(op=1, hwsrc="02:00:00:00:00:02", psrc="192.0.2.99", pdst="192.0.2.1")',
   "ARP request behind an S-tag and a C-tag")
ok("arp_request_padded", 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02")/ARP(op=1, '
   'hwsrc="02:00:00:00:00:02", psrc="192.0.2.99", pdst="192.0.2.1")',
   "ARP request padded to the 60-byte minimum frame", pad=18)
ok("q_tci_all_bits", ETH + '/Dot1Q(prio=7, id=1, vlan=4095)/' + v4() + '/' + UDP_,
   "VLAN TCI bits (PCP, DEI, VID 4095) are not interpreted", flags=F_L4, **udp_ok)

ok("eth_v4_udp_padded", ETH + "/" + v4() + "/" + UDP_ + '/Raw(b"ab")',
   "IPv4 UDP padded to 60 bytes: ip_len excludes padding, UDP length checked against it",
   pad=16, flags=F_L4, **udp_ok)
ok("eth_v4_tcp_padded", ETH + "/" + v4() + "/" + TCP_,
   "IPv4 TCP ACK (54 bytes) padded to 60", pad=6, flags=F_L4, **tcp_ok)
ok("eth_v4_icmp_padded", ETH + "/" + v4() + '/ICMP(type=0, id=7, seq=1)',
   "IPv4 ICMP echo reply padded to 60", pad=18, flags=F_L4, proto=1, icmp=(0, 0), hdr=4)
ok("q_v6_tcp_padded", ETH + '/Dot1Q(vlan=100)/' + v6() + "/" + TCP_,
   "IPv6 TCP with trailing padding (some NICs pad to a fixed size)", pad=8, flags=F_L4, **tcp_ok)
ok("eth_v6_hbh_udp_padded", ETH + "/" + v6() + "/IPv6ExtHdrHopByHop()/" + UDP_,
   "IPv6 with an extension header and padding", pad=24, flags=F_OPT | F_L4, **udp_ok)

ok("eth_v4_tcp_no_options", ETH + "/" + v4() + "/" + TCP_ + '/Raw(b"data")',
   "TCP data offset 5", flags=F_L4, **tcp_ok)
ok("eth_v4_tcp_max_options", ETH + "/" + v4() + '/TCP(sport=40000, dport=80, flags="A", '
   'options=[("NOP", None)] * 40)', "TCP data offset 15: 40 bytes of options",
   flags=F_L4, **dict(tcp_ok, hdr=60))
ok("eth_v4_tcp_header_only", ETH + "/" + v4() + '/TCP(sport=40000, dport=80, flags="FA")',
   "TCP header, no payload; FIN|ACK", flags=F_L4, **dict(tcp_ok, tcp_flags=0x11))
ok("eth_v4_tcp_all_flags", ETH + "/" + v4() + '/TCP(sport=40000, dport=80, flags=0xff)',
   "TCP flags byte copied whole (CWR, ECE, URG, ACK, PSH, RST, SYN, FIN)",
   flags=F_L4, **dict(tcp_ok, tcp_flags=0xff))
ok("eth_v4_udp_empty", ETH + "/" + v4() + "/" + UDP_, "UDP length 8: empty datagram",
   flags=F_L4, **udp_ok)
ok("eth_v4_opt_ihl15", ETH + "/" + v4(', options=[IPOption_RR(routers=["0.0.0.0"] * 9)]') + "/"
   + UDP_, "IPv4 IHL 15: 40 bytes of options", flags=F_OPT | F_L4, **udp_ok)
ok("eth_v4_df", ETH + "/" + v4(', flags="DF"') + "/" + UDP_,
   "IPv4 DF alone is not a fragment; it is reported", flags=F_DF | F_L4, **udp_ok)
ok("eth_v4_evil_bit", ETH + "/" + v4(', flags="evil"') + "/" + UDP_,
   "IPv4 reserved flag ignored", flags=F_L4, **udp_ok)
ok("eth_v4_frag_middle", ETH + "/" + v4(', flags="MF", frag=100, proto=6') + "/" + FRAG_DATA,
   "IPv4 middle fragment (MF, offset 100): F_FRAG, proto, no L4", flags=F_FRAG, proto=6)
ok("eth_v4opt_fragn_udp", ETH + "/" + v4(', options=[IPOption_Router_Alert()], frag=185, proto=17')
   + "/" + FRAG_DATA, "IPv4 later fragment with options", flags=F_FRAG | F_OPT, proto=17)
ok("eth_v4_frag1_udp_len_whole_datagram", ETH + "/" + v4(', flags="MF"') +
   '/UDP(sport=40001, dport=53, len=1480)/Raw(bytes(32))',
   "IPv4 first fragment: UDP length is the whole datagram, only >= 8 is checked",
   flags=F_FRAG | F_FIRST | F_L4, **udp_ok)
ok("eth_v4_icmp_4_bytes", ETH + "/" + v4(", proto=1") + '/Raw(b"\\x08\\x00\\xf7\\xff")',
   "ICMP: 4 bytes (type, code, checksum) are enough", flags=F_L4, proto=1, icmp=(8, 0), hdr=4)
ok("eth_v4_esp", ETH + "/" + v4() + '/ESP(spi=1, seq=1, data=b"xxxx")',
   "IPv4 ESP: proto 50, no L4", flags=0, proto=50)
ok("eth_v4_proto_58", ETH + "/" + v4(", proto=58") + '/Raw(b"\\x80\\x00\\x00\\x00")',
   "IPv4 protocol 58 is not ICMP: no L4", flags=0, proto=58)

ok("eth_v6_icmpv6_ns", ETH + "/" + v6().replace("hlim=61", "hlim=255") +
   '/ICMPv6ND_NS(tgt="2001:db8:100::10")', "ICMPv6 neighbour solicitation",
   flags=F_L4, proto=58, icmp=(135, 0), hdr=4)
ok("eth_v6_icmpv6_4_bytes", ETH + "/" + v6(", nh=58") + '/Raw(b"\\x80\\x00\\x00\\x00")',
   "ICMPv6: 4 bytes are enough", flags=F_L4, proto=58, icmp=(128, 0), hdr=4)
ok("eth_v6_proto_1", ETH + "/" + v6(", nh=1") + '/ICMP(type=8)',
   "IPv6 next header 1 is not ICMPv6: no L4", flags=0, proto=1)
ok("eth_v6_esp", ETH + "/" + v6(", nh=50") + '/ESP(spi=1, seq=1, data=b"xxxx")',
   "IPv6 ESP: proto 50, no L4", flags=0, proto=50)
ok("eth_v6_no_next_header", ETH + "/" + v6(", nh=59") + '/Raw(b"ignored!")',
   "IPv6 no next header (59): what follows is ignored (RFC 8200 4.7)", flags=0, proto=59)
ok("eth_v6_dst_no_next_header", ETH + "/" + v6() + '/IPv6ExtHdrDestOpt(nh=59)/Raw(b"ignored!")',
   "destination options then no next header: trailing bytes ignored (RFC 8200 4.7)",
   flags=F_OPT, proto=59)
ok("eth_v6_ah_esp", ETH + "/" + v6() + "/" + AH_.format(50) + '/ESP(spi=1, seq=1, data=b"xxxx")',
   "AH then ESP", flags=F_OPT, proto=50)
ok("eth_v6_ext_8", ETH + "/" + v6() + "/IPv6ExtHdrHopByHop()" + "/IPv6ExtHdrDestOpt()" * 7 + "/"
   + UDP_, "IPv6 with TLB_PARSE_MAX_IPV6_EXT (8) extension headers", flags=F_OPT | F_L4, **udp_ok)
ok("eth_v6_dst_2048", ETH + "/" + v6() + "/IPv6ExtHdrDestOpt(options=[PadN(optdata=bytes(253))] "
   "* 8)/" + UDP_, "destination options of the largest size (len 255: 2048 bytes)",
   flags=F_OPT | F_L4, **udp_ok)
ok("eth_v6_atomic_frag_udp", ETH + "/" + v6() + "/IPv6ExtHdrFragment(m=0, offset=0, id=1)/" + UDP_
   + '/Raw(b"abcd")', "IPv6 atomic fragment (offset 0, no M): a whole packet (RFC 6946)",
   flags=F_OPT | F_L4, **udp_ok)
ok("eth_v6_frag_last", ETH + "/" + v6() + "/IPv6ExtHdrFragment(nh=17, offset=185, m=0)/" + FRAG_DATA,
   "IPv6 last fragment (offset 185, no M)", flags=F_OPT | F_FRAG, proto=17)
ok("eth_v6_frag1_udp_len_whole_datagram", ETH + "/" + v6() + "/IPv6ExtHdrFragment(m=1)/"
   'UDP(sport=40001, dport=53, len=1400)/Raw(bytes(32))',
   "IPv6 first fragment: UDP length is the whole datagram, only >= 8 is checked",
   flags=F_OPT | F_FRAG | F_FIRST | F_L4, **udp_ok)
ok("eth_v6_chain_frag1_tcp", ETH + "/" + v6() + '/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/'
   'IPv6ExtHdrRouting(addresses=["2001:db8::5"])/IPv6ExtHdrFragment(m=1)/' + AH_.format(60) +
   "/IPv6ExtHdrDestOpt()/" + TCP_, "every extension header, first fragment",
   flags=F_OPT | F_FRAG | F_FIRST | F_L4, **tcp_ok)
ok("eth_v6_chain_fragn", ETH + "/" + v6() + '/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/'
   'IPv6ExtHdrRouting(addresses=["2001:db8::5"])/IPv6ExtHdrFragment(nh=51, offset=8)/' + FRAG_DATA,
   "later fragment after a chain: proto is the fragment header's next header",
   flags=F_OPT | F_FRAG, proto=51)

# ---------------------------------------------------------------------------
# Malformed and unsupported frames: the verdict is the behaviour.
# ---------------------------------------------------------------------------
bad("eth_13_bytes", 'bytes(' + ETH + ')[:13]', "TRUNCATED", "shorter than an Ethernet header")
bad("eth_vlan_cut", 'bytes(' + ETH + '/Dot1Q(vlan=100)/' + v4() + ')[:16]', "TRUNCATED",
    "frame ends inside a VLAN tag")
bad("vlan_3_tags", ETH + '/Dot1Q(vlan=1)/Dot1Q(vlan=2)/Dot1Q(vlan=3)/' + v4() + '/' + UDP_,
    "VLAN_DEPTH", "three 802.1Q tags")
bad("vlan_3_tags_ad_outer", ETH + '/Dot1AD(vlan=1)/Dot1Q(vlan=2)/Dot1Q(vlan=3)/' + v4() + '/'
    + UDP_, "VLAN_DEPTH", "S-tag + two C-tags")
bad("vlan_3rd_tpid_only", 'bytes(' + ETH + '/Dot1Q(vlan=1)/Dot1Q(vlan=2, type=0x8100))[:22]',
    "VLAN_DEPTH", "a third TPID is enough to decide, even with nothing after it")
bad("vlan_stag_inner", ETH + '/Dot1Q(vlan=1, type=0x88a8)/Dot1AD(vlan=2)/' + v4() + '/' + UDP_,
    "NOT_IP", "an S-tag inside a C-tag is not accepted")
bad("vlan_9100", ETH + '/Dot1Q(vlan=1, type=0x9100)/Dot1Q(vlan=2)/' + v4() + '/' + UDP_,
    "NOT_IP", "pre-standard 0x9100 QinQ is an unknown EtherType")
bad("not_ip_lldp", 'Ether(dst="01:80:c2:00:00:0e", src="02:00:00:00:00:02", type=0x88cc)/'
    'Raw(bytes(46))', "NOT_IP", "unknown EtherType (LLDP)")
bad("not_ip_8023_length", 'Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02", type=46)/'
    'Raw(bytes(46))', "NOT_IP", "802.3 length field instead of an EtherType")
bad("not_ip_rarp", 'Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02", type=0x8035)/ARP(op=3)',
    "NOT_IP", "RARP is not ARP")
bad("q_not_ip_mpls", ETH + '/Dot1Q(vlan=100)/MPLS(label=16)/' + v4() + '/' + UDP_, "NOT_IP",
    "MPLS behind a VLAN tag")
bad("arp_27_bytes", 'bytes(' + ETH + '/ARP(op=1, psrc="192.0.2.99", pdst="192.0.2.1"))[:41]',
    "TRUNCATED", "ARP header one byte short")

bad("v4_version_6", 'Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02", type=0x0800)/'
    + v6() + '/' + UDP_, "BAD_IP_HEADER", "EtherType IPv4, version 6")
bad("v4_version_5", ETH + '/' + v4(', version=5') + '/' + UDP_, "BAD_IP_HEADER", "IPv4 version 5")
bad("v4_ihl_0", ETH + '/' + v4(', ihl=0') + '/' + UDP_, "BAD_IP_HEADER", "IHL 0")
bad("v4_ihl_4", ETH + '/' + v4(', ihl=4') + '/' + UDP_, "BAD_IP_HEADER", "IHL 4 (< 5)")
bad("v4_ihl_past_total_length", ETH + '/' + v4(', ihl=15') + '/' + UDP_, "BAD_IP_HEADER",
    "IHL 15 (60 bytes) > total length 28")
bad("v4_ihl_past_frame", ETH + '/' + v4(', ihl=15, len=60') + '/' + UDP_, "TRUNCATED",
    "IHL 15 and total length 60 consistent, the frame holds 28 IP bytes")
bad("v4_total_length_past_frame", ETH + '/' + v4(', len=1000') + '/' + UDP_, "TRUNCATED",
    "total length 1000 beyond the frame")
bad("v4_total_length_19", ETH + '/' + v4(', len=19') + '/' + UDP_, "BAD_IP_HEADER",
    "total length below the 20-byte header", padded=True)
bad("v4_total_length_0", ETH + '/' + v4(', len=0') + '/' + UDP_, "BAD_IP_HEADER",
    "total length 0 (TSO-style) is not accepted", padded=True)
bad("v4_total_length_below_options", ETH + '/' + v4(', len=22, options=[IPOption_Router_Alert()]')
    + '/' + UDP_, "BAD_IP_HEADER", "total length 22 below IHL 6 (24 bytes)", padded=True)
bad("v4_total_length_cuts_tcp", ETH + '/' + v4(', len=30') + '/' + TCP_, "BAD_L4_HEADER",
    "total length leaves 10 TCP bytes; the rest of the frame is padding", padded=True)
bad("v4_tcp_short", ETH + '/' + v4(', proto=6') + '/Raw(bytes(' + TCP_ + ')[:12])',
    "BAD_L4_HEADER", "12 bytes of TCP in the IP packet")
bad("v4_tcp_dataofs_0", ETH + '/' + v4() + '/' + TCP_.replace(')', ', dataofs=0)'),
    "BAD_L4_HEADER", "TCP data offset 0")
bad("v4_tcp_dataofs_4", ETH + '/' + v4() + '/' + TCP_.replace(')', ', dataofs=4)'),
    "BAD_L4_HEADER", "TCP data offset 4 (< 5)")
bad("v4_tcp_dataofs_past_packet", ETH + '/' + v4() + '/' + TCP_.replace(')', ', dataofs=15)')
    + '/Raw(b"abcd")', "BAD_L4_HEADER", "TCP data offset 15 (60 bytes) in a 24-byte segment")
bad("v4_tcp_dataofs_into_padding", ETH + '/' + v4() + '/' + TCP_.replace(')', ', dataofs=6)'),
    "BAD_L4_HEADER", "TCP options would end in the Ethernet padding", pad=10)
bad("v4_udp_short", ETH + '/' + v4(', proto=17') + '/Raw(b"\\x9c\\x41\\x00\\x35")',
    "BAD_L4_HEADER", "4 bytes of UDP in the IP packet")
bad("v4_udp_len_0", ETH + '/' + v4() + '/' + UDP_.replace(')', ', len=0)') + '/Raw(b"abcd")',
    "BAD_L4_HEADER", "UDP length 0")
bad("v4_udp_len_7", ETH + '/' + v4() + '/' + UDP_.replace(')', ', len=7)') + '/Raw(b"abcd")',
    "BAD_L4_HEADER", "UDP length 7 (< 8)")
bad("v4_udp_len_long", ETH + '/' + v4() + '/' + UDP_.replace(')', ', len=100)') + '/Raw(b"abcd")',
    "BAD_L4_HEADER", "UDP length 100 > IP payload 12")
bad("v4_udp_len_short", ETH + '/' + v4() + '/' + UDP_.replace(')', ', len=8)') + '/Raw(b"abcd")',
    "BAD_L4_HEADER", "UDP length 8 < IP payload 12")
bad("v4_udp_len_counts_padding", ETH + '/' + v4() + '/' + UDP_.replace(')', ', len=18)')
    + '/Raw(b"ab")', "BAD_L4_HEADER", "UDP length covers the Ethernet padding, not the IP payload",
    pad=8)
bad("v4_opt_udp_len_counts_options", ETH + '/' + v4(', options=[IPOption_Router_Alert()]') + '/'
    + UDP_.replace(')', ', len=16)') + '/Raw(b"abcd")', "BAD_L4_HEADER",
    "UDP length must be total length - IHL * 4, not total - 20")
bad("v4_frag1_udp_len_7", ETH + '/' + v4(', flags="MF"') + '/' + UDP_.replace(')', ', len=7)')
    + '/Raw(b"abcd")', "BAD_L4_HEADER", "first fragment: UDP length still >= 8")
bad("v4_frag1_tcp_tiny", ETH + '/' + v4(', flags="MF", proto=6') + '/Raw(bytes(' + TCP_ + ')[:8])',
    "BAD_L4_HEADER", "tiny first fragment: TCP header split over fragments (RFC 1858)")
bad("v4_icmp_short", ETH + '/' + v4(', proto=1') + '/Raw(b"\\x08\\x00")', "BAD_L4_HEADER",
    "2 bytes of ICMP")

bad("v6_version_4", 'Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02", type=0x86dd)/'
    + v4() + '/' + UDP_ + '/Raw(bytes(20))', "BAD_IP_HEADER", "EtherType IPv6, version 4")
bad("v6_jumbogram", ETH + '/' + v6(', plen=0') + '/IPv6ExtHdrHopByHop(options=[Jumbo('
    'jumboplen=16)])/' + UDP_, "BAD_IP_HEADER", "payload length 0: jumbogram (RFC 2675)")
bad("v6_payload_length_0", ETH + '/' + v6(', nh=59'), "BAD_IP_HEADER",
    "payload length 0 without anything after it is still read as a jumbogram")
bad("v6_payload_length_past_frame", ETH + '/' + v6(', plen=1000') + '/' + UDP_, "TRUNCATED",
    "payload length 1000 beyond the frame")
bad("v6_ext_past_payload", ETH + '/' + v6() + '/IPv6ExtHdrDestOpt(len=4)/' + UDP_, "BAD_IPV6_EXT",
    "destination options claim 40 bytes, the payload has 16")
bad("v6_ext_past_payload_into_padding", ETH + '/' + v6() + '/IPv6ExtHdrDestOpt(len=2)/' + UDP_,
    "BAD_IPV6_EXT", "header would end in the Ethernet padding: the IP length decides", pad=16)
bad("v6_ext_under_8_bytes", ETH + '/' + v6(', nh=60') + '/Raw(b"\\x3b\\x00\\x00\\x00")',
    "BAD_IPV6_EXT", "4 bytes left for an extension header (minimum 8)")
bad("v6_ext_loop_dstopt_x9", ETH + '/' + v6() + '/IPv6ExtHdrDestOpt()' * 9 + '/' + UDP_,
    "BAD_IPV6_EXT", "destination options pointing at destination options, 9 times")
bad("v6_ext_9_headers", ETH + '/' + v6() + '/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()' +
    '/IPv6ExtHdrRouting()' * 3 + '/IPv6ExtHdrDestOpt()' * 4 + '/' + UDP_, "BAD_IPV6_EXT",
    "9 extension headers > TLB_PARSE_MAX_IPV6_EXT")
bad("v6_hbh_not_first", ETH + '/' + v6() + '/IPv6ExtHdrDestOpt()/IPv6ExtHdrHopByHop()/' + UDP_,
    "BAD_IPV6_EXT", "hop-by-hop after another header (RFC 8200 4.3)")
bad("v6_hbh_twice", ETH + '/' + v6() + '/IPv6ExtHdrHopByHop()/IPv6ExtHdrHopByHop()/' + UDP_,
    "BAD_IPV6_EXT", "two hop-by-hop headers")
bad("v6_two_fragment_headers", ETH + '/' + v6() + '/IPv6ExtHdrFragment(m=1)/IPv6ExtHdrFragment(m=1)/'
    + UDP_, "BAD_IPV6_EXT", "two fragment headers")
bad("v6_ah_past_payload", ETH + '/' + v6() + '/AH(nh=17, payloadlen=20, spi=1, seq=1, icv=bytes(12))/'
    + UDP_, "BAD_IPV6_EXT", "AH length 88 bytes, payload 32")
bad("v6_udp_len_counts_ext", ETH + '/' + v6() + '/IPv6ExtHdrHopByHop()/' +
    UDP_.replace(')', ', len=20)') + '/Raw(b"abcd")', "BAD_L4_HEADER",
    "UDP length must be the payload after extension headers")
bad("v6_udp_len_7", ETH + '/' + v6() + '/' + UDP_.replace(')', ', len=7)') + '/Raw(b"abcd")',
    "BAD_L4_HEADER", "UDP length 7")
bad("v6_tcp_dataofs_4", ETH + '/' + v6() + '/' + TCP_.replace(')', ', dataofs=4)'),
    "BAD_L4_HEADER", "TCP data offset 4")
bad("v6_tcp_dataofs_past_packet", ETH + '/' + v6() + '/' + TCP_.replace(')', ', dataofs=6)'),
    "BAD_L4_HEADER", "TCP data offset 6 in a 20-byte segment")
bad("v6_frag1_tcp_tiny", ETH + '/' + v6() + '/IPv6ExtHdrFragment(m=1, nh=6)/Raw(bytes(' + TCP_
    + ')[:8])', "BAD_L4_HEADER", "first fragment without the whole TCP header (RFC 7112)")
bad("v6_atomic_frag_udp_len", ETH + '/' + v6() + '/IPv6ExtHdrFragment(m=0, offset=0)/'
    + UDP_.replace(')', ', len=100)') + '/Raw(b"abcd")', "BAD_L4_HEADER",
    "atomic fragment is a whole packet: UDP length must match")
bad("v6_icmpv6_short", ETH + '/' + v6(', nh=58') + '/Raw(b"\\x80\\x00")', "BAD_L4_HEADER",
    "2 bytes of ICMPv6")


# ---------------------------------------------------------------------------
# Expected values for rows that parse, from scapy's layer lengths and fields.
# ---------------------------------------------------------------------------
def layers(pkt):
    """(layer, offset, header length) for every layer of a built packet."""
    out, off, lay = [], 0, pkt
    while not isinstance(lay, NoPayload):
        hl = len(lay) - len(lay.payload)
        out.append((lay, off, hl))
        off += hl
        lay = lay.payload
    return out, off


def addr(fam, text):
    if fam == 4:
        return 4, list(socket.inet_pton(socket.AF_INET, text)) + [0] * 12
    return 6, list(socket.inet_pton(socket.AF_INET6, text))


def expect(row, pkt):
    s = row.spec
    ls, end = layers(pkt)
    e = dict(n_vlan=sum(isinstance(lay, (Dot1Q, Dot1AD)) for lay, _, _ in ls))
    l3i = next(i for i, (lay, _, _) in enumerate(ls) if isinstance(lay, (IP, IPv6, ARP)))
    l3, l3_off, l3_hl = ls[l3i]
    e["l3_off"] = l3_off
    e["ethertype"] = ls[l3i - 1][0].type
    if isinstance(l3, ARP):
        e["kind"] = "TLB_PKT_ARP"
        return e, l3_off + 28
    up = l3i + 1
    while up < len(ls) and isinstance(ls[up][0], EXT_LAYERS):
        up += 1
    up_off = ls[up][1] if up < len(ls) else end
    e["ip_len"] = end - l3_off
    e["proto"] = s["proto"]
    e["flags"] = s["flags"]
    if isinstance(l3, IP):
        e.update(kind="TLB_PKT_IPV4", tos=l3.tos, ttl=l3.ttl,
                 src=addr(4, l3.src), dst=addr(4, l3.dst))
        if s["flags"] & F_FRAG:
            e["frag_id"] = l3.id
    else:
        e.update(kind="TLB_PKT_IPV6", tos=l3.tc, ttl=l3.hlim,
                 src=addr(6, l3.src), dst=addr(6, l3.dst))
        frag = [lay for lay, _, _ in ls if isinstance(lay, IPv6ExtHdrFragment)]
        if s["flags"] & F_FRAG and frag:
            e["frag_id"] = frag[0].id
    if not s["flags"] & F_L4:
        return e, up_off
    e.update(l4_off=up_off, sport=s.get("sport", 0), dport=s.get("dport", 0),
             tcp_flags=s.get("tcp_flags", 0), tcp_hlen=s["hdr"] if s.get("proto") == 6 else 0)
    e["icmp_type"], e["icmp_code"] = s.get("icmp", (0, 0))
    return e, up_off + s["hdr"]


# ---------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------
def c_flags(f):
    names = [n for bit, n in FLAG_NAMES if f & bit]
    return " | ".join(names) if names else "0"


def c_addr(a):
    fam, b = a
    if fam == 4:
        return "{ .family = 4, .a = { %s } }" % ", ".join("%d" % x for x in b[:4])
    return "{ .family = 6, .a = {\n\t\t\t%s,\n\t\t\t%s } }" % (
        ", ".join("0x%02x" % x for x in b[:8]), ", ".join("0x%02x" % x for x in b[8:]))


def c_bytes(data):
    lines = []
    for i in range(0, len(data), 12):
        lines.append("\t" + " ".join("0x%02x," % x for x in data[i:i + 12]))
    return "\n".join(lines)


def comment(row):
    expr = row.expr if not row.pad else "bytes(%s) + bytes(%d)" % (row.expr, row.pad)
    lines, cur = [], ""
    # Break only after a '/' or a space so that the expression stays copyable.
    for tok in re.findall(r"[^/ ]*[/ ]?", "%s: %s. %s" % (row.name, row.what, expr)):
        if cur and len(cur) + len(tok) > 96:
            lines.append(cur.rstrip())
            cur = ""
        cur += tok
    lines.append(cur.rstrip())
    return "/*\n" + "\n".join(" * " + ln for ln in lines) + "\n */"


def main():
    names = set()
    out = [
        "/* SPDX-License-Identifier: BSD-3-Clause */",
        "/*",
        " * Generated by tests/unit/gen_parse_vectors.py with scapy %s: do not edit." % scapy.VERSION,
        " * Each frame's comment is the scapy expression that built it and the behaviour",
        " * it pins down; expected fields of parsing rows come from scapy's layers.",
        " */",
        "#ifndef PARSE_VECTORS_H",
        "#define PARSE_VECTORS_H",
        "",
        "#include <stdint.h>",
        "",
        '#include "tlb_parse.h"',
        "",
        "struct parse_vec {",
        "\tconst char *name;",
        "\tconst uint8_t *frame;",
        "\tuint32_t len;\t\t/* frame bytes */",
        "\tuint32_t hdr_end;\t/* TLB_V_OK rows: bytes the parser needs contiguous */",
        "\tint padded;\t\t/* bytes after the IP packet: truncating may not fail */",
        "\tenum tlb_verdict verdict;",
        "\tstruct tlb_pkt pkt;\t/* expected result of TLB_V_OK rows */",
        "};",
        "",
    ]
    table = []
    for row in rows:
        assert row.name not in names, row.name
        names.add(row.name)
        built = eval(row.expr, EVAL_NS)
        data = bytes(built) + bytes(row.pad)
        out += [comment(row), "static const uint8_t v_%s[] = {" % row.name, c_bytes(data), "};",
                ""]
        ent = ["\t{ .name = \"%s\", .frame = v_%s," % (row.name, row.name)]
        if row.verdict == "TLB_V_OK":
            e, hdr_end = expect(row, built)
            f = ["\t  .len = %d, .verdict = TLB_V_OK, .hdr_end = %d, .padded = %d, .pkt = {"
                 % (len(data), hdr_end, row.padded)]
            f.append("\t\t" + " ".join(".%s = %d," % (k, e[k]) for k in ("l3_off", "l4_off", "ip_len")
                                     if e.get(k)))
            f.append("\t\t.ethertype = 0x%04x, .kind = %s, .n_vlan = %d,"
                     % (e["ethertype"], e["kind"], e["n_vlan"]))
            if e["kind"] != "TLB_PKT_ARP":
                f.append("\t\t.proto = %d, .flags = %s," % (e["proto"], c_flags(e["flags"])))
                f.append("\t\t.tos = 0x%02x, .ttl = %d," % (e["tos"], e["ttl"]))
                extra = ["%s = %d" % (k, e[k]) for k in ("sport", "dport", "icmp_type", "icmp_code",
                                                         "frag_id", "tcp_hlen") if e.get(k)]
                if e.get("tcp_flags"):
                    extra.append("tcp_flags = 0x%02x" % e["tcp_flags"])
                if extra:
                    f.append("\t\t" + ", ".join("." + x for x in extra) + ",")
                f.append("\t\t.src = %s," % c_addr(e["src"]))
                f.append("\t\t.dst = %s," % c_addr(e["dst"]))
            f.append("\t  } },")
            ent += f
        else:
            ent.append("\t  .len = %d, .verdict = %s, .padded = %d },"
                       % (len(data), row.verdict, row.padded))
        table += ent
    out += ["static const struct parse_vec parse_vecs[] = {"] + table + ["};", "",
                                                                       "#endif /* PARSE_VECTORS_H */"]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
