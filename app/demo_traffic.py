#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the demo's client traffic (scapy) for config/demo.yaml into a pcap.

Usage: app/demo_traffic.py OUT.pcap [FLOWS]

Clients from 198.18.0.0/15 (RFC 2544 benchmark range) talk to the demo VIPs:
TCP/80 and UDP/53 on 198.51.100.10, TCP/443 and UDP/any on 2001:db8:100::*,
several packets per flow, interleaved; plus ARP, NDP and pings for the node
addresses, and some traffic tunlb must refuse (not a VIP, wrong port,
truncated) so that the drop counters show.
"""
import random
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS, \
    ICMPv6NDOptSrcLLAddr, IPv6, Raw, wrpcap

CLIENT_MAC = "02:00:00:00:00:01"
LB_MAC = "02:70:63:61:70:00"    # net_pcap's MAC; tunlb does not filter on it


def flows(n, rnd):
    pkts = []
    for i in range(n):
        kind = i % 4
        c4 = "198.18.%d.%d" % (i // 250, 1 + i % 250)
        c6 = "2001:db8:1::%x" % (i + 1)
        sport = 1024 + rnd.randrange(60000)
        if kind == 0:
            base = Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src=c4, dst="198.51.100.10")
            seq = [base / TCP(sport=sport, dport=80, flags="S", seq=1000),
                   base / TCP(sport=sport, dport=80, flags="A", seq=1001, ack=1),
                   base / TCP(sport=sport, dport=80, flags="PA", seq=1001, ack=1) /
                   Raw(b"GET / HTTP/1.1\r\nHost: demo\r\n\r\n")]
        elif kind == 1:
            base = Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src=c4, dst="198.51.100.10")
            seq = [base / UDP(sport=sport, dport=53) / Raw(b"\x12\x34" + bytes(30))] * 2
        elif kind == 2:
            base = Ether(src=CLIENT_MAC, dst=LB_MAC) / IPv6(src=c6, dst="2001:db8:100::10")
            seq = [base / TCP(sport=sport, dport=443, flags="S", seq=7),
                   base / TCP(sport=sport, dport=443, flags="A", seq=8, ack=1)]
        else:
            base = Ether(src=CLIENT_MAC, dst=LB_MAC) / IPv6(src=c6, dst="2001:db8:100::20")
            seq = [base / UDP(sport=sport, dport=1000 + i % 5000) / Raw(b"x" * 100)] * 2
        pkts.append(seq)
    out = []
    while pkts:     # interleave flows, keep each flow's order
        j = rnd.randrange(len(pkts))
        out.append(pkts[j].pop(0))
        if not pkts[j]:
            pkts.pop(j)
    return out


def local_and_junk():
    snm = "ff02::1:ff00:1"   # solicited-node group of 2001:db8::1
    return [
        Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=CLIENT_MAC, psrc="198.18.0.1", pdst="192.0.2.1"),
        Ether(src=CLIENT_MAC, dst="33:33:ff:00:00:01") /
        IPv6(src="2001:db8:1::1", dst=snm, hlim=255) / ICMPv6ND_NS(tgt="2001:db8::1") /
        ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC),
        Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src="198.18.0.1", dst="192.0.2.1") /
        ICMP(id=7, seq=1) / Raw(b"ping"),
        Ether(src=CLIENT_MAC, dst=LB_MAC) / IPv6(src="2001:db8:1::1", dst="2001:db8::1") /
        ICMPv6EchoRequest(id=7, seq=1, data=b"ping6"),
        Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src="198.18.0.9", dst="198.51.100.99") /
        TCP(dport=80),                                           # not a VIP
        Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src="198.18.0.9", dst="198.51.100.10") /
        TCP(dport=8080),                                         # wrong port
        Ether(bytes(Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src="198.18.0.9",
              dst="198.51.100.10") / TCP(dport=80))[:30]),       # truncated
    ]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rnd = random.Random(7)
    wrpcap(out, local_and_junk() + flows(n, rnd))


if __name__ == "__main__":
    main()
