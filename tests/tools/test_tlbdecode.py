#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Self-test of tests/tools/tlbdecode.py (run standalone with /usr/bin/python3; exits non-zero on failure).

Frames are built here with scapy directly from the wire format of design.md section 5 (a reference
encapsulator written from the spec, not from the C code).  Every good frame must pass every check;
every deliberately broken frame (bad checksum, wrong length, wrong VNI, modified inner byte, wrong inner
MAC, ...) must be caught, and by the check that names the broken field.  Also cross-checks the RFC 1071
code against scapy's checksums and the pcap reader against scapy's writer.
"""

import os
import random
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlbdecode as D  # noqa: E402

from scapy.all import (ARP, ICMP, IP, UDP, TCP, Ether, IPv6, ICMPv6EchoReply,  # noqa: E402
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, Raw, raw, wrpcap, Dot1Q, IPOption)
from scapy.layers.vxlan import VXLAN  # noqa: E402

PORT_MAC = "02:70:63:61:70:00"
CLIENT_MAC = "02:00:00:00:00:c1"
NODE = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "gateway_mac": "02:00:00:00:00:fe"}
BE4 = {"address": "203.0.113.11", "weight": 1, "state": "active", "mac": "02:00:00:00:01:01"}
BE6 = {"address": "2001:db8:be::11", "weight": 1, "state": "active", "mac": "02:00:00:00:01:02"}
DOWN = {"address": "203.0.113.99", "weight": 1, "state": "down", "mac": "02:00:00:00:01:09"}

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def svc(encap, variant=0, vip="198.51.100.10", backends=(BE4, BE6), **kw):
    s = {"name": "s-%s%d" % (encap, variant), "vip": vip, "port": 80, "protocol": "tcp",
         "encap": encap, "backends": [dict(b) for b in backends]}
    if encap == "gue":
        s["gue_variant"] = variant
        s["dst_port"] = 6080 if variant == 0 else 6081
    else:
        s["vni"] = 4242
        s["dst_port"] = 4789
    s.update(kw)
    return s


def encap(inner, service, backend, sport=50000, flow_label=0x12345, udp_csum=None, ttl=64,
          tos=None, eth_src=PORT_MAC, inner_mac=None, vni=None, vxflags=0x08, gue=None, df=True):
    """Reference encapsulator from design.md section 5 (scapy builds the outer headers and
    computes their checksums)."""
    inner = bytes(inner)
    itos = inner[1] if inner[0] >> 4 == 4 else ((struct.unpack("!I", inner[:4])[0] >> 20) & 0xFF)
    tos = itos if tos is None else tos
    if service["encap"] == "vxlan":
        pay = raw(VXLAN(flags=vxflags, vni=service["vni"] if vni is None else vni) /
                  Ether(dst=inner_mac or backend["mac"], src=eth_src,
                        type=0x0800 if inner[0] >> 4 == 4 else 0x86DD)) + inner
    elif service["gue_variant"] == 0:
        pay = (gue if gue is not None else bytes([0, 4 if inner[0] >> 4 == 4 else 41, 0, 0])) + inner
    else:
        pay = inner
    u = UDP(sport=sport, dport=service["dst_port"])
    if udp_csum is not None:
        u.chksum = udp_csum
    if ":" in backend["address"]:
        o = IPv6(src=NODE["ipv6"], dst=backend["address"], hlim=ttl, tc=tos, fl=flow_label)
    else:
        o = IP(src=NODE["ipv4"], dst=backend["address"], ttl=ttl, tos=tos, flags="DF" if df else 0,
               id=random.randrange(65536))
    return raw(Ether(dst=NODE["gateway_mac"], src=eth_src) / o / u / Raw(pay))


def fix_outer(frame):
    """Recompute the outer IPv4 header checksum and UDP checksum after a byte edit."""
    p = Ether(frame)
    if IP in p:
        del p[IP].chksum
    if p.haslayer(UDP):
        del p[UDP].chksum
    return raw(p)


def errs(fr):
    return "; ".join(fr.errors)


def caught(frame, service, field, what, inner=None, mtu=None):
    fr = D.check_encap(frame, NODE, service, PORT_MAC, inner, mtu)
    check(any(field.lower() in e.lower() for e in fr.errors),
          "%s: expected an error naming %r, got [%s]" % (what, field, errs(fr)))


def inner_packets():
    """Inner packets of every kind the LB forwards (bytes of the IP packet)."""
    return [
        raw(IP(src="192.0.2.200", dst="198.51.100.10", tos=0xB8) / TCP(sport=1234, dport=80, flags="S")),
        raw(IP(src="192.0.2.201", dst="198.51.100.10", tos=0x03) / TCP(sport=1235, dport=80) / Raw(b"x" * 100)),
        raw(IP(src="192.0.2.202", dst="198.51.100.10", options=[IPOption(b"\x01\x01\x01\x00")]) /
            TCP(sport=1236, dport=80)),
        raw(IPv6(src="2001:db8:c::1", dst="2001:db8:100::10", tc=0x2D) / TCP(sport=999, dport=80)),
        raw(IPv6(src="2001:db8:c::2", dst="2001:db8:100::10", tc=0x01) / UDP(sport=999, dport=80) / Raw(b"q" * 7)),
    ]


def test_checksums():
    rnd = random.Random(7)
    for n in range(200):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 90)))
        a = IP(src="198.51.100.%d" % rnd.randrange(1, 255), dst="203.0.113.5") / UDP(sport=n + 1, dport=9) / Raw(data)
        b = IP(raw(a))
        check(D.l4_csum_ok(D.ip_bytes(b.src), D.ip_bytes(b.dst), 17, raw(b[UDP])), "udp4 csum verify n=%d" % n)
        check(D.l4_csum_value(D.ip_bytes(b.src), D.ip_bytes(b.dst), 17, raw(b[UDP]), 6) in (b[UDP].chksum, 0),
              "udp4 csum value n=%d" % n)
        c = IPv6(raw(IPv6(src="2001:db8::5", dst="2001:db8::%x" % (n + 1)) / TCP(sport=n, dport=80) / Raw(data)))
        check(D.l4_csum_ok(D.ip_bytes(c.src), D.ip_bytes(c.dst), 6, raw(c[TCP])), "tcp6 csum verify n=%d" % n)
        check(D.l4_csum_value(D.ip_bytes(c.src), D.ip_bytes(c.dst), 6, raw(c[TCP]), 16) == c[TCP].chksum,
              "tcp6 csum value n=%d" % n)
        h = raw(b)[:20]
        check(D.csum_ok(h), "ipv4 header verify n=%d" % n)
        check(D.checksum(h[:10] + b"\0\0" + h[10 + 2:]) == b.chksum, "ipv4 header value n=%d" % n)
        bad = bytearray(raw(c[TCP]))
        bad[-1 if data else 0] ^= 0x10
        check(not D.l4_csum_ok(D.ip_bytes(c.src), D.ip_bytes(c.dst), 6, bytes(bad)), "tcp6 corrupted n=%d" % n)
    # RFC 1071 worked example (section 3): 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2
    check(D.ones_sum(bytes.fromhex("0001f203f4f5f6f7")) == 0xDDF2, "RFC 1071 example sum")
    check(D.ones_sum(b"\x01") == 0x0100, "odd length pads with zero")


def test_pcap_roundtrip():
    frames = [raw(Ether() / IP() / UDP() / Raw(b"a" * i)) for i in range(5)]
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x.pcap")
        wrpcap(p, [Ether(f) for f in frames])
        got = [f for _, f in D.read_pcap(p)]
        check(got == frames, "pcap reader reads scapy's pcap")
        D.write_pcap(p, frames)
        got = [f for _, f in D.read_pcap(p)]
        check(got == frames, "pcap writer/reader round trip")
        with open(p, "r+b") as f:
            f.truncate(os.path.getsize(p) - 3)
        try:
            D.read_pcap(p)
            check(False, "truncated pcap must raise")
        except ValueError:
            check(True, "")


def test_good_frames():
    rnd = random.Random(1)
    for s in (svc("gue", 0), svc("gue", 1), svc("vxlan")):
        for inner in inner_packets():
            v6 = inner[0] >> 4 == 6
            s2 = dict(s, vip="2001:db8:100::10" if v6 else "198.51.100.10")
            for be in (BE4, BE6):
                for csum in (None, 0):
                    if csum == 0 and ":" in be["address"]:
                        continue
                    f = encap(inner, s2, be, sport=rnd.randrange(49152, 65536), udp_csum=csum)
                    fr = D.check_encap(f, NODE, s2, PORT_MAC, inner, mtu=1500)
                    check(fr.ok, "good frame %s v%d %s csum=%s: %s" % (s["encap"], s.get("gue_variant", 9),
                                                                    be["address"], csum, errs(fr)))
                    check(fr.info.get("backend") == be["address"], "backend recorded")
                    layers = D.csum_layers(f, gue_v1_ports=(6081,))
                    check(all(st != 0 for _, st in layers), "csum_layers good %s" % layers)
    # a computed UDP checksum of 0 must be sent as 0xffff over IPv6: find such a payload
    s = svc("gue", 1)
    inner = bytes(inner_packets()[3]) + b"\0\0"     # last two bytes tuned below
    inner = inner[:4] + struct.pack("!H", len(inner) - 40) + inner[6:]
    f = bytearray(encap(inner, dict(s, vip="2001:db8:100::10"), BE6, udp_csum=0))
    u = 14 + 40
    acc = D.ones_sum(bytes(f[u:]), D.pseudo_sum(bytes(f[22:38]), bytes(f[38:54]), 17, len(f) - u))
    f[-2:] = struct.pack("!H", 0xFFFF - acc)      # ones'-complement sum becomes 0xffff: checksum 0
    inner2 = bytes(f[u + 8:])
    check(D.l4_csum_value(bytes(f[22:38]), bytes(f[38:54]), 17, bytes(f[u:]), 6) == 0, "tuned to checksum 0")
    f[u + 6:u + 8] = b"\xff\xff"
    fr = D.check_encap(bytes(f), NODE, dict(s, vip="2001:db8:100::10"), PORT_MAC, inner2)
    check(fr.ok, "IPv6 UDP checksum computed 0 sent as 0xffff accepted: " + errs(fr))
    f[u + 6:u + 8] = b"\x00\x00"
    fr = D.check_encap(bytes(f), NODE, dict(s, vip="2001:db8:100::10"), PORT_MAC, inner2)
    check(any("never 0" in e for e in fr.errors), "IPv6 UDP checksum 0 rejected: " + errs(fr))


def test_broken_frames():
    inner = inner_packets()[1]          # IPv4, tos CE
    s0, s1, sx = svc("gue", 0), svc("gue", 1), svc("vxlan")
    good = encap(inner, sx, BE4)
    check(D.check_encap(good, NODE, sx, PORT_MAC, inner).ok, "baseline vxlan good")

    f = bytearray(good)
    f[14 + 10] ^= 0x01
    caught(bytes(f), sx, "outer IPv4 header checksum", "bad outer IPv4 checksum")
    f = bytearray(good)
    f[14 + 20 + 6] ^= 0x40
    caught(bytes(f), sx, "outer UDP checksum over IPv4", "bad outer UDP checksum (v4)")
    g6 = encap(inner, sx, BE6)
    f = bytearray(g6)
    f[14 + 40 + 6] ^= 0x01
    caught(bytes(f), sx, "outer UDP checksum over IPv6", "bad outer UDP checksum (v6)")
    f = bytearray(g6)
    f[14 + 40 + 6:14 + 40 + 8] = b"\0\0"
    caught(bytes(f), sx, "never 0", "zero outer UDP checksum over IPv6")
    # lengths
    f = bytearray(good)
    f[14 + 2:14 + 4] = struct.pack("!H", len(good) - 14 - 1)
    caught(fix_outer_ip_only(bytes(f)), sx, "total length", "outer IPv4 total length 1 short")
    f = bytearray(good + b"\0\0")
    caught(bytes(f), sx, "total length", "2 bytes of padding after the outer packet")
    f = bytearray(good)
    f[14 + 20 + 4:14 + 20 + 6] = struct.pack("!H", len(good) - 14 - 20 + 4)
    caught(bytes(f), sx, "outer UDP length", "outer UDP length 4 too long")
    f = bytearray(g6)
    f[14 + 4:14 + 6] = struct.pack("!H", len(g6) - 54 + 8)
    caught(bytes(f), sx, "payload length", "outer IPv6 payload length wrong")
    # VXLAN fields
    caught(encap(inner, sx, BE4, vni=4243), sx, "VNI", "wrong VNI")
    caught(encap(inner, sx, BE4, vxflags=0x0C), sx, "VXLAN flags", "VXLAN flags 0x0c")
    caught(encap(inner, sx, BE4, inner_mac="02:00:00:00:01:02"), sx, "inner eth dst", "wrong inner MAC")
    caught(encap(inner, sx, BE4, eth_src="02:00:00:00:00:99"), sx, "eth src", "wrong port MAC")
    # inner modified (outer checksums recomputed: only the byte comparison can see it)
    for s in (s0, s1, sx):
        f = bytearray(encap(inner, s, BE4))
        f[-1] ^= 0xFF
        caught(fix_outer(bytes(f)), s, "inner packet byte", "modified inner byte (%s)" % s["name"], inner=inner)
        f = encap(inner[:-1], s, BE4)
        caught(f, s, "inner", "inner one byte short (%s)" % s["name"], inner=inner)
    # outer IP fields
    caught(encap(inner, s1, BE4, ttl=63), s1, "TTL", "TTL 63")
    caught(encap(inner, s1, BE6, ttl=255), s1, "hop limit", "hop limit 255")
    caught(encap(inner, s1, BE4, df=False), s1, "DF", "DF clear")
    caught(encap(inner, s1, BE4, tos=0x00), s1, "ECN", "ECN CE not copied")
    caught(encap(inner, s1, BE4, tos=0xBB), s1, "DSCP", "DSCP not copied")
    caught(encap(inner, s1, BE6, flow_label=0), s1, "flow label", "flow label 0")
    caught(encap(inner, s1, BE4, sport=49151), s1, "src port", "source port below 49152")
    caught(encap(inner, dict(s1, dst_port=6082), BE4), s1, "dst port", "wrong UDP dst port")
    caught(encap(inner, s1, {"address": "203.0.113.77"}), s1, "backends", "outer dst not a backend")
    caught(encap(inner, s1, DOWN), dict(s1, backends=[BE4, DOWN]), "down", "traffic to a down backend")
    same = encap(inner, s1, {"address": NODE["ipv4"]})
    caught(same, dict(s1, backends=[{"address": NODE["ipv4"]}]), "outer src == outer dst", "src == dst")
    caught(encap(inner, s1, BE4, eth_src=PORT_MAC)[:0] + bytes.fromhex("020000000099") +
           encap(inner, s1, BE4)[6:], s1, "outer eth dst", "wrong gateway MAC")
    # GUE variant 0 header
    caught(encap(inner, s0, BE4, gue=bytes([0, 41, 0, 0])), s0, "GUE proto", "GUE proto 41 for IPv4")
    caught(encap(inner, s0, BE4, gue=bytes([0, 4, 0, 1])), s0, "GUE flags", "GUE flags non-zero")
    caught(encap(inner, s0, BE4, gue=bytes([0x40, 4, 0, 0])), s0, "GUE version", "GUE version 1")
    caught(encap(inner, s0, BE4, gue=bytes([0x01, 4, 0, 0, 0, 0, 0, 0])), s0, "GUE hlen", "GUE hlen 1")
    # variant 1 carrying something that is not IP
    caught(encap(b"\x55" + inner[1:], s1, BE4), s1, "first nibble", "variant 1 non-IP payload")
    # MTU
    caught(encap(inner, s1, BE4), s1, "MTU", "outer packet over MTU", mtu=100)
    # wrong family VIP
    caught(encap(inner, s1, BE4), dict(s1, vip="2001:db8:100::10"), "VIP family", "inner family != VIP family")
    # csum_layers sees a bad inner TCP checksum, tshark's convention
    bad_inner = bytearray(inner)
    bad_inner[20 + 16] ^= 0xFF
    f = encap(bytes(bad_inner), s1, BE4)
    layers = D.csum_layers(f, gue_v1_ports=(6081,))
    check(layers == [("ip", 1), ("udp", 1), ("ip", 1), ("tcp", 0)], "csum_layers bad inner tcp: %s" % layers)
    fr = D.check_encap(f, NODE, s1, PORT_MAC, bytes(bad_inner))
    check(fr.ok and fr.info["inner_l4_csum_ok"] is False, "bad inner TCP csum still a valid frame: " + errs(fr))


def fix_outer_ip_only(frame):
    p = Ether(frame)
    del p[IP].chksum
    return raw(p)


def test_flow_tracker():
    s = svc("gue", 1)
    inner = inner_packets()[0]
    ft = D.FlowTracker()
    for sp in (50000, 50000):
        ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE4, sport=sp), NODE, s, PORT_MAC))
    check(not ft.errors, "same flow same sport ok")
    ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE4, sport=50001), NODE, s, PORT_MAC), 3)
    check(any("sport" in e for e in ft.errors), "flow with a changed sport caught")
    ft = D.FlowTracker()
    ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE6, flow_label=1), NODE, s, PORT_MAC))
    ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE6, flow_label=2), NODE, s, PORT_MAC))
    check(any("flow_label" in e for e in ft.errors), "flow with a changed flow label caught")
    ft = D.FlowTracker()
    ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE4), NODE, s, PORT_MAC))
    ft.add("a", "5tuple", D.check_encap(encap(inner, s, BE6), NODE, s, PORT_MAC))
    check(any("backend" in e for e in ft.errors), "flow moving backend caught")
    ft = D.FlowTracker()
    other = raw(IP(src="192.0.2.200", dst="198.51.100.10") / TCP(sport=4321, dport=80))
    ft.add("a", "src_ip", D.check_encap(encap(inner, s, BE4), NODE, s, PORT_MAC))
    ft.add("a", "src_ip", D.check_encap(encap(other, s, BE6), NODE, s, PORT_MAC))
    check(any("src_ip" in e for e in ft.errors), "src_ip hash: one client on two backends caught")


def test_local():
    cm = CLIENT_MAC
    req = raw(Ether(src=cm, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=cm, psrc="192.0.2.50", pdst=NODE["ipv4"]))
    rep = Ether(src=PORT_MAC, dst=cm) / ARP(op=2, hwsrc=PORT_MAC, psrc=NODE["ipv4"], hwdst=cm, pdst="192.0.2.50")
    check(D.check_arp_reply(raw(rep), req, NODE, PORT_MAC).ok, "ARP reply good: " +
          errs(D.check_arp_reply(raw(rep), req, NODE, PORT_MAC)))
    check(D.check_arp_reply(raw(rep) + b"\0" * 18, req, NODE, PORT_MAC).ok, "ARP reply padded to 60 good")
    for field, mod in (("op", dict(op=1)), ("spa", dict(psrc="192.0.2.2")), ("tha", dict(hwdst=PORT_MAC)),
                       ("tpa", dict(pdst="192.0.2.51")), ("sha", dict(hwsrc=cm))):
        r = Ether(src=PORT_MAC, dst=cm) / ARP(**dict(dict(op=2, hwsrc=PORT_MAC, psrc=NODE["ipv4"], hwdst=cm,
                                                          pdst="192.0.2.50"), **mod))
        fr = D.check_arp_reply(raw(r), req, NODE, PORT_MAC)
        check(any(field in e for e in fr.errors), "ARP reply wrong %s caught: %s" % (field, errs(fr)))
    fr = D.check_arp_reply(raw(Ether(src=PORT_MAC, dst="ff:ff:ff:ff:ff:ff") / rep[ARP]), req, NODE, PORT_MAC)
    check(any("eth dst" in e for e in fr.errors), "ARP reply broadcast caught")

    ereq = raw(Ether(src=cm, dst=PORT_MAC) / IP(src="192.0.2.50", dst=NODE["ipv4"]) /
               ICMP(type=8, id=0x1234, seq=7) / Raw(b"ping-data-0123456789"))
    erep = Ether(src=PORT_MAC, dst=cm) / IP(src=NODE["ipv4"], dst="192.0.2.50") / ICMP(
        type=0, id=0x1234, seq=7) / Raw(b"ping-data-0123456789")
    fr = D.check_echo_reply(raw(erep), ereq, NODE, PORT_MAC)
    check(fr.ok, "echo reply good: " + errs(fr))
    f = bytearray(raw(erep))
    f[14 + 20 + 2] ^= 1
    check(any("ICMP checksum" in e for e in D.check_echo_reply(bytes(f), ereq, NODE, PORT_MAC).errors),
          "echo reply bad checksum caught")
    r2 = erep.copy()
    r2[Raw].load = b"ping-data-012345678X"
    check(any("data" in e for e in D.check_echo_reply(raw(r2), ereq, NODE, PORT_MAC).errors),
          "echo reply changed data caught")
    r3 = erep.copy()
    r3[ICMP].seq = 8
    check(any("sequence" in e for e in D.check_echo_reply(raw(r3), ereq, NODE, PORT_MAC).errors),
          "echo reply changed sequence caught")
    r4 = erep.copy()
    r4[ICMP].type = 8
    check(any("type" in e for e in D.check_echo_reply(raw(r4), ereq, NODE, PORT_MAC).errors),
          "echo reply type 8 caught")
    f = bytearray(raw(erep))
    f[14 + 10] ^= 1
    check(any("header checksum" in e for e in D.check_echo_reply(bytes(f), ereq, NODE, PORT_MAC).errors),
          "echo reply bad IP checksum caught")

    c6 = "2001:db8:c::50"
    e6 = raw(Ether(src=cm, dst=PORT_MAC) / IPv6(src=c6, dst=NODE["ipv6"]) /
             ICMPv6EchoRequest(id=9, seq=3, data=b"abcdefgh" * 3))
    r6 = Ether(src=PORT_MAC, dst=cm) / IPv6(src=NODE["ipv6"], dst=c6) / ICMPv6EchoReply(id=9, seq=3,
                                                                                        data=b"abcdefgh" * 3)
    fr = D.check_echo6_reply(raw(r6), e6, NODE, PORT_MAC)
    check(fr.ok, "echo6 reply good: " + errs(fr))
    f = bytearray(raw(r6))
    f[14 + 40 + 2] ^= 1
    check(any("ICMPv6 checksum" in e for e in D.check_echo6_reply(bytes(f), e6, NODE, PORT_MAC).errors),
          "echo6 bad checksum caught")
    r6b = Ether(src=PORT_MAC, dst=cm) / IPv6(src=NODE["ipv6"], dst=c6) / ICMPv6EchoReply(id=9, seq=3,
                                                                                         data=b"abcdefgh" * 2)
    check(any("data" in e for e in D.check_echo6_reply(raw(r6b), e6, NODE, PORT_MAC).errors),
          "echo6 truncated data caught")

    ns = raw(Ether(src=cm, dst="33:33:ff:00:00:01") / IPv6(src=c6, dst="ff02::1:ff00:1", hlim=255) /
             ICMPv6ND_NS(tgt=NODE["ipv6"]) / ICMPv6NDOptSrcLLAddr(lladdr=cm))

    def na(**kw):
        h = dict(hlim=255)
        h.update({k: v for k, v in kw.items() if k == "hlim"})
        f = dict(R=0, S=1, O=1, tgt=NODE["ipv6"])
        f.update({k: v for k, v in kw.items() if k in ("S", "O", "tgt")})
        return raw(Ether(src=PORT_MAC, dst=cm) / IPv6(src=NODE["ipv6"], dst=c6, **h) / ICMPv6ND_NA(**f) /
                   ICMPv6NDOptDstLLAddr(lladdr=kw.get("ll", PORT_MAC)))
    fr = D.check_na(na(), ns, NODE, PORT_MAC)
    check(fr.ok, "NA good: " + errs(fr))
    for field, kw in (("O (override)", dict(O=0)), ("S (solicited)", dict(S=0)), ("hop limit", dict(hlim=64)),
                      ("target link-layer", dict(ll="02:00:00:00:00:33")), ("target (node", dict(tgt="2001:db8::2"))):
        fr = D.check_na(na(**kw), ns, NODE, PORT_MAC)
        check(any(field in e for e in fr.errors), "NA %s caught: %s" % (field, errs(fr)))
    f = bytearray(na())
    f[14 + 40 + 3] ^= 1
    check(any("NA ICMPv6 checksum" in e for e in D.check_na(bytes(f), ns, NODE, PORT_MAC).errors),
          "NA bad checksum caught")
    nol = raw(Ether(src=PORT_MAC, dst=cm) / IPv6(src=NODE["ipv6"], dst=c6, hlim=255) /
              ICMPv6ND_NA(R=0, S=1, O=1, tgt=NODE["ipv6"]))
    check(any("missing" in e for e in D.check_na(nol, ns, NODE, PORT_MAC).errors), "NA without TLLA caught")
    # classification
    check(D.classify(na()) == "na" and D.classify(raw(erep)) == "echo" and D.classify(raw(r6)) == "echo6"
          and D.classify(raw(rep)) == "arp", "classify replies")


def test_parse_extras():
    # VLAN-tagged input, padding: parse_eth / parse_ip see through them
    f = raw(Ether() / Dot1Q(vlan=5) / Dot1Q(vlan=6) / IP(dst="198.51.100.10") / TCP()) + b"\xaa" * 10
    e = D.parse_eth(f)
    check(len(e["vlans"]) == 2 and e["type"] == 0x0800, "two VLAN tags parsed")
    ip = D.parse_ip(f[e["l3"]:])
    check(len(ip["packet"]) == 40 and ip["key"][5] == 80, "padding excluded from the IP packet")


def test_summary_cli():
    s1, sx = svc("gue", 1), svc("vxlan")
    inner = inner_packets()[0]
    inner2 = raw(IP(src="192.0.2.201", dst="198.51.100.10") / TCP(sport=1234, dport=80, flags="S"))
    frames = [encap(inner, s1, BE4), encap(inner2, s1, BE4, sport=50001), encap(inner, sx, BE6)]
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "o.pcap")
        D.write_pcap(p, frames)
        import io
        out = io.StringIO()
        rows = D.summary(p, {"node": NODE, "services": [s1, sx]}, out)
        check(rows[("s-gue1", "203.0.113.11", "gue1", "v4", 6081)]["packets"] == 2
              and rows[("s-vxlan0", "2001:db8:be::11", "vxlan", "v6", 4789)]["packets"] == 1,
              "summary rows: %s" % out.getvalue())
        out = io.StringIO()
        rows = D.summary(p, None, out)
        check(sum(r["packets"] for r in rows.values()) == 3, "summary without config: %s" % out.getvalue())
        cfgp = os.path.join(d, "c.json")
        import json
        with open(cfgp, "w") as f:
            json.dump({"node": NODE, "services": [s1, sx]}, f)
        check(D.main(["check", p, "--config", cfgp, "--port-mac", PORT_MAC]) == 0, "check CLI passes good frames")


def main():
    random.seed(3)
    for t in (test_checksums, test_pcap_roundtrip, test_good_frames, test_broken_frames, test_flow_tracker,
              test_local, test_parse_extras, test_summary_cli):
        n0 = len(failures)
        t()
        print("%-22s %s" % (t.__name__, "ok" if len(failures) == n0 else "FAILED (%d)" % (len(failures) - n0)))
    print("%d checks passed, %d failed" % (passes, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
