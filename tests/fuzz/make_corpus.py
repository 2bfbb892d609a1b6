#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the libFuzzer targets (tests/fuzz/README.md), deterministically.

    /usr/bin/python3 tests/fuzz/make_corpus.py [--out tests/fuzz/corpus]

Files are named seed-<what>; the script removes and rewrites only those, so crash inputs kept as
regression tests (regress-<what>, committed by hand) stay.  Input layouts:
  datapath/  byte 0 mode, byte 1 split offset, then the Ethernet frame (see fuzz_datapath.c)
  local/     byte 0 tailroom, then the frame (fuzz_local.c)
  gro/       byte 0 mode (bit 0: RX verdicts), then frames each after a 2-byte length (fuzz_gro.c)
  config/    a config file as is (every file of config/, plus broken variants)
Addresses match the fixed config of fuzz_datapath.c and the node of fuzz_common.c.
"""

import argparse
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, IPv6,
                       IPerror, IPOption, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, TCPerror, raw)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PORT_MAC = "02:70:63:61:70:00"
CLIENT_MAC = "02:00:00:00:00:c1"
NODE4, NODE6 = "192.0.2.1", "2001:db8::1"
VIP4, VIP6 = "198.51.100.10", "2001:db8:100::10"
C4, C6 = "192.0.2.50", "2001:db8:c::50"

# fuzz_datapath.c mode bits
HEAD_128, HEAD_0, HEAD_48, HEAD_80 = 0, 1, 2, 3
TAIL_0, TAIL_16, TAIL_64, TAIL_512 = 0, 4, 8, 12
PORT1 = 0x10
SPLIT = 0x20
SEQ = 0x40


def eth(dst=PORT_MAC):
    return Ether(dst=dst, src=CLIENT_MAC)


def frames():
    """(name, frame bytes, [modes]) for the datapath and local corpora."""
    out = []

    def add(name, pkt, modes=(HEAD_128,)):
        out.append((name, pkt if isinstance(pkt, bytes) else raw(pkt), modes))

    tcp4 = eth() / IP(src=C4, dst=VIP4, tos=0xB9) / TCP(sport=4000, dport=80, flags="S")
    add("tcp4-web", tcp4, (HEAD_128, HEAD_0, HEAD_48, HEAD_80 | TAIL_16, PORT1, SPLIT))
    add("tcp4-web-data", eth() / IP(src=C4, dst=VIP4) / TCP(sport=4001, dport=80, flags="PA") / Raw(b"GET /"))
    add("udp4-dns", eth() / IP(src=C4, dst=VIP4) / UDP(sport=5000, dport=53) / Raw(b"q" * 13),
        (HEAD_128, HEAD_80, PORT1 | TAIL_512))
    add("udp4-any", eth() / IP(src=C4, dst=VIP4) / UDP(sport=5001, dport=9999) / Raw(b"any"),
        (HEAD_128, SPLIT))
    add("tcp6-web6", eth() / IPv6(src=C6, dst=VIP6, tc=0x03) / TCP(sport=4002, dport=443, flags="S"),
        (HEAD_128, HEAD_80, PORT1))
    add("udp6-dns6", eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=5002, dport=53) / Raw(b"q6"),
        (HEAD_128, HEAD_48, TAIL_64))
    add("udp6-gue6", eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=5003, dport=4500) / Raw(b"g"))
    add("vlan1", eth() / Dot1Q(vlan=10) / IP(src=C4, dst=VIP4) / TCP(sport=4003, dport=80))
    add("vlan2", eth() / Dot1AD(vlan=100) / Dot1Q(vlan=10) / IPv6(src=C6, dst=VIP6) /
        UDP(sport=5004, dport=53) / Raw(b"v"))
    add("vlan3", eth() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP(src=C4, dst=VIP4) /
        TCP(sport=4004, dport=80))
    add("padded", raw(eth() / IP(src=C4, dst=VIP4) / UDP(sport=5005, dport=53)) + b"\0" * 18,
        (HEAD_128, SPLIT))
    add("ip-options", eth() / IP(src=C4, dst=VIP4, options=[IPOption(b"\x01\x01\x01\x00")]) /
        TCP(sport=4005, dport=80))
    add("ipv6-ext", eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() /
        IPv6ExtHdrDestOpt() / TCP(sport=4006, dport=80))
    add("ipv6-atomic-frag", eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(offset=0, m=0) /
        UDP(sport=5006, dport=53) / Raw(b"a"))
    add("ipv4-first-frag", eth() / IP(src=C4, dst=VIP4, flags="MF", id=7) /
        UDP(sport=5007, dport=53, len=400) / Raw(b"f" * 64))
    add("ipv4-later-frag", eth() / IP(src=C4, dst=VIP4, frag=100, proto=17, id=7) / Raw(b"l" * 64))
    add("ipv6-later-frag", eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(offset=9, nh=17) /
        Raw(b"l" * 32))
    add("not-vip", eth() / IP(src=C4, dst="203.0.113.200") / TCP(sport=4007, dport=80))
    add("vip-port", eth() / IP(src=C4, dst=VIP4) / TCP(sport=4008, dport=81))
    add("vip-proto", eth() / IP(src=C4, dst=VIP4) / ICMP(type=8) / Raw(b"p"))
    add("no-backend", eth() / IP(src=C4, dst="198.51.100.11") / TCP(sport=4009, dport=80))
    add("all-down", eth() / IP(src=C4, dst="198.51.100.12") / TCP(sport=4010, dport=443))
    add("icmp-err-vip", eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IPerror(src=VIP4, dst=C4) / TCPerror(sport=80, dport=4000))
    add("icmp6-ptb-vip", eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) /
        IPv6(src=VIP6, dst=C6) / TCP(sport=443, dport=4002))
    add("icmp6-unreach-vip", eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6DestUnreach() /
        Raw(b"\x60garbage"))
    add("jumbo-udp", eth() / IP(src=C4, dst=VIP4) / UDP(sport=5008, dport=53) / Raw(b"J" * 3000),
        (PORT1, PORT1 | SPLIT, HEAD_128))
    add("too-big", eth() / IP(src=C4, dst=VIP4) / UDP(sport=5009, dport=53) / Raw(b"B" * 1480))
    add("spoof-node-src", eth() / IP(src=NODE4, dst=VIP4) / TCP(sport=4011, dport=80))
    # local answers
    add("arp-req", eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst=NODE4),
        (HEAD_128, SPLIT, TAIL_0))
    add("arp-other", eth("ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst="192.0.2.77"))
    add("echo4", eth() / IP(src=C4, dst=NODE4) / ICMP(type=8, id=1, seq=2) / Raw(b"ping"),
        (HEAD_128, SPLIT))
    add("echo6", eth() / IPv6(src=C6, dst=NODE6) / ICMPv6EchoRequest(id=1, seq=2, data=b"ping6"))
    add("ns-snm", eth("33:33:ff:00:00:01") / IPv6(src=C6, dst="ff02::1:ff00:1", hlim=255) /
        ICMPv6ND_NS(tgt=NODE6) / ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC), (HEAD_128, TAIL_0, TAIL_64))
    add("ns-dad", eth("33:33:ff:00:00:01") / IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) /
        ICMPv6ND_NS(tgt=NODE6), (TAIL_0, TAIL_16))
    add("ns-unicast", eth() / IPv6(src=C6, dst=NODE6, hlim=255) / ICMPv6ND_NS(tgt=NODE6))
    add("node-tcp", eth() / IP(src=C4, dst=NODE4) / TCP(sport=4012, dport=22))
    add("node-udp6", eth() / IPv6(src=C6, dst=NODE6) / UDP(sport=5010, dport=53))
    # malformed
    add("empty", b"")
    add("runt", raw(tcp4)[:20])
    t = bytearray(raw(tcp4))
    t[14] = 0x44
    add("ihl4", bytes(t))
    t = bytearray(raw(tcp4))
    t[16:18] = struct.pack("!H", 400)
    add("len-beyond", bytes(t))
    add("tcp-doff4", eth() / IP(src=C4, dst=VIP4) / TCP(sport=4013, dport=80, dataofs=4))
    add("udp-len", eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=5011, dport=53, len=99) / Raw(b"x" * 8))
    add("ext-past-end", raw(eth() / IPv6(src=C6, dst=VIP6, nh=60, plen=16) / Raw(b"\x06\xff" + b"\0" * 14)))
    add("not-ip", Ether(dst=PORT_MAC, src=CLIENT_MAC, type=0x88B5) / Raw(b"\0" * 46))
    # too big for egress port 2 (MTU 576, mode PORT1): ICMP answer (DF, IPv6) or outer fragments (no DF)
    add("big-df", eth() / IP(src=C4, dst=VIP4, flags="DF") / TCP(sport=4020, dport=80) / Raw(b"D" * 700),
        (PORT1, PORT1 | HEAD_0, HEAD_128))
    add("big-nodf", eth() / IP(src=C4, dst=VIP4, flags=0) / UDP(sport=5020, dport=9999) / Raw(b"N" * 1400),
        (PORT1, PORT1 | SPLIT, HEAD_128))
    add("big-v6", eth() / IPv6(src=C6, dst=VIP6) / UDP(sport=5021, dport=4500) / Raw(b"6" * 800),
        (PORT1, PORT1 | HEAD_48))
    add("big-dns4-drop", eth() / IP(src=C4, dst=VIP4) / UDP(sport=5022, dport=53) / Raw(b"d" * 800), (PORT1,))
    # MSS clamp (web6 auto, mss4 1200)
    add("syn-mss6", eth() / IPv6(src=C6, dst=VIP6) / TCP(sport=4021, dport=80, flags="S",
                                                       options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]),
        (HEAD_128, PORT1))
    add("syn-mss4", eth() / IP(src=C4, dst="198.51.100.13") / TCP(sport=4022, dport=443, flags="S",
                                                                   options=[("MSS", 8960)]), (HEAD_128, SPLIT))
    # ICMP errors quoting a VIP flow: steered to its backend
    add("icmp-steer4", eth() / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IPerror(src=VIP4, dst=C4, proto=6) / TCPerror(sport=80, dport=4000), (HEAD_128, PORT1))
    add("icmp-steer6", eth() / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6PacketTooBig(mtu=1280) /
        IPv6(src=VIP6, dst=C6, nh=17) / UDP(sport=53, dport=5002), (HEAD_128,))
    return out


def seq(*frames):
    """A sequence input of fuzz_datapath: each frame after its 2-byte length."""
    b = b""
    for f in frames:
        f = raw(f)
        b += struct.pack("!H", len(f)) + f
    return b


def sequences():
    """(name, mode, body) multi-frame inputs: fragments and their firsts in both orders."""
    first = eth() / IP(src=C4, dst=VIP4, flags="MF", id=77, proto=17) / UDP(sport=5030, dport=53, len=48) / \
        Raw(b"f" * 32)
    later = eth() / IP(src=C4, dst=VIP4, frag=5, id=77, proto=17) / Raw(b"l" * 8)
    first6 = eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(offset=0, m=1, id=99) / \
        UDP(sport=5031, dport=53, len=40) / Raw(b"f" * 16)
    later6 = eth() / IPv6(src=C6, dst=VIP6) / IPv6ExtHdrFragment(offset=3, m=0, id=99, nh=17) / Raw(b"l" * 16)
    tcpfirst = eth() / IP(src=C4, dst=VIP4, flags="MF", id=78) / TCP(sport=4030, dport=80) / Raw(b"x" * 12)
    tcplater = eth() / IP(src=C4, dst=VIP4, frag=4, id=78, proto=6) / Raw(b"y" * 16)
    return [("frag4-in-order", SEQ, seq(first, later)), ("frag4-later-first", SEQ, seq(later, first)),
            ("frag6-3tuple", SEQ, seq(later6, first6)), ("frag-tcp-hold", SEQ, seq(tcplater, tcpfirst)),
            ("frag-held-only", SEQ, seq(tcplater, tcplater)),
            ("flow-3", SEQ | PORT1, seq(first, first, later, later))]


def gro_inputs():
    """(name, body) bursts for fuzz_gro: TCP/IPv4 streams, odd sizes, a gap, a PSH, CE, bad checksum."""
    def seg(i, size, flags="A", tos=0, sport=40000, chk=None):
        t = TCP(sport=sport, dport=80, seq=1000 + i * size, ack=7, flags=flags,
                options=[("NOP", None), ("NOP", None), ("Timestamp", (1, 2))])
        if chk is not None:
            t.chksum = chk
        return eth() / IP(src=C4, dst=VIP4, flags="DF", id=i, tos=tos) / t / Raw(bytes([i]) * size)
    stream = [seg(i, 100) for i in range(6)]
    odd = [seg(0, 7), eth() / IP(src=C4, dst=VIP4, flags="DF", id=1) /
           TCP(sport=40000, dport=80, seq=1007, ack=7, flags="A",
               options=[("NOP", None), ("NOP", None), ("Timestamp", (1, 2))]) / Raw(b"q" * 9)]
    mixed = [seg(0, 50), seg(1, 50, flags="PA"), seg(2, 50), seg(3, 50, tos=3), seg(4, 50, chk=1),
             seg(5, 50), seg(0, 50, sport=40001), seg(2, 50, sport=40001), seg(1, 50, sport=40001)]
    padded = [eth() / IP(src=C4, dst=VIP4, flags="DF", id=i) /
              TCP(sport=40002, dport=80, seq=1000 + i, ack=7, flags="A") / Raw(b"p") for i in range(3)]
    out = []
    for name, frames in (("stream", stream), ("odd", odd), ("mixed", mixed), ("padded", padded)):
        for mode in (0, 1):
            out.append(("%s-m%d" % (name, mode), bytes([mode]) + seq(*frames)))
    return out


def write_dir(d, files):
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.unlink(os.path.join(d, f))
    for name, data in files:
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)


CONFIG_VARIANTS = {
    "json": b'{"node": {"ipv4": "192.0.2.1", "gateway_mac": "02:00:00:00:00:fe"}, "services": '
            b'[{"name": "a", "vip": "198.51.100.1", "port": 80, "protocol": "tcp", "encap": "gue", '
            b'"backends": [{"address": "203.0.113.1"}]}]}\n',
    "anchors": b"node: &n {ipv4: 192.0.2.1, gateway_mac: 02:00:00:00:00:fe}\nother: *n\n",
    "tags": b"node: !!map {ipv4: !!str 192.0.2.1, gateway_mac: 02:00:00:00:00:fe}\n",
    "two-docs": b"node: {ipv4: 192.0.2.1}\n---\nnode: {ipv6: '2001:db8::1'}\n",
    "deep": b"a: " + b"[" * 40 + b"]" * 40 + b"\n",
    "bad-types": b"node: {ipv4: [1], ipv6: 7, gateway_mac: zz}\nservices: {name: x}\nmaglev_seed: -1\n",
    "vxlan-no-mac": b"node: {ipv4: 192.0.2.1, gateway_mac: 02:00:00:00:00:fe}\nservices:\n"
                    b"  - {name: v, vip: 198.51.100.1, protocol: udp, encap: vxlan, vni: 16777216,\n"
                    b"     table_size: 100, backends: [{address: 203.0.113.1}, {address: '2001:db8::9'}]}\n",
    "ports": b"node: {ipv6: '2001:db8::1', gateway_mac: 02:00:00:00:00:fe}\nports:\n"
             b"  - {name: net_pcap0, mtu: 575, tx_port: nowhere, tx_offloads: fast}\n"
             b"  - {name: net_pcap0}\ndataplane: {flow_table_size: 5, tcp_timeout: 0}\n",
    "utf16": "node: {ipv4: 192.0.2.1}\n".encode("utf-16"),
    "crlf": b"node:\r\n  ipv4: 192.0.2.1\r\n  gateway_mac: 02:00:00:00:00:fe\r\nservices: []\r\n",
    "invalid-utf8": b"node: {ipv4: \xff\xfe 192.0.2.1}\n",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    a = ap.parse_args()
    dp, local = [], []
    for name, f, modes in frames():
        for m in modes:
            dp.append(("%s-m%02x" % (name, m), bytes([m, 30 if m & SPLIT else 0]) + f))
        local.append((name, bytes([0]) + f))
        if name.startswith("ns"):
            local.append((name + "-room", bytes([64]) + f))
    for name, m, body in sequences():
        dp.append(("seq-%s-m%02x" % (name, m), bytes([m, 0]) + body))
    write_dir(os.path.join(a.out, "datapath"), dp)
    write_dir(os.path.join(a.out, "local"), local)
    write_dir(os.path.join(a.out, "gro"), gro_inputs())
    cfgs = []
    cdir = os.path.join(ROOT, "config")
    for fn in sorted(os.listdir(cdir)):
        if fn.endswith((".yaml", ".yml", ".json")):
            with open(os.path.join(cdir, fn), "rb") as f:
                cfgs.append(("config-" + fn, f.read()))
    cfgs += sorted(CONFIG_VARIANTS.items())
    write_dir(os.path.join(a.out, "config"), cfgs)
    total = 0
    for sub in ("datapath", "local", "config", "gro"):
        d = os.path.join(a.out, sub)
        n = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        total += n
        print("%s: %d files, %d bytes" % (sub, len(os.listdir(d)), n))
    print("total %d bytes" % total)
    return 0 if total < 1 << 20 else 1


if __name__ == "__main__":
    sys.exit(main())
