#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP segmentation in software through the binary (service key 'segmentation: on').

Jumbo client TCP packets (scapy, up to 9000 bytes) to services of every combination of
GUE variant 0 / 1 and VXLAN x outer IPv4 / IPv6 x inner IPv4 / IPv6 go through tunlb on
net_pcap with a 1500-byte egress MTU. Every output frame must pass the independent
decoder (tests/tools/tlbdecode.py: outer fields, checksums, size <= MTU); per input packet
the segments, decoded here with scapy, must carry the same TCP header fields, continuous
sequence numbers, FIN/PSH on the last and CWR on the first segment only, incrementing
inner IPv4 identifications, valid inner checksums, and payloads that join to the
original. A service without segmentation still answers too-big with ICMP, and the
counters say tcp_segmented / tcp_segments.

Usage: run_tso.py --tunlb PATH --workdir DIR
"""
import json
import os
import subprocess
import sys

from scapy.all import IP, TCP, Ether, IPv6, Raw, rdpcap, wrpcap

from tlbtest import COMBOS, check, combo_service, setup, summary, vip

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

MTU = 1500


def config():
    lines = ['node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}',
             "ports:", f"  - {{name: net_pcap0, mtu: {MTU}}}", "services:"]
    lines += [combo_service(k, f"s{k}", opts=", segmentation: on") for k in range(len(COMBOS))]
    lines.append('  - {name: nosegs, vip: 198.51.100.99, port: 80, protocol: tcp, encap: gue, '
                 'table_size: 101, backends: [{address: 203.0.113.99}]}')
    return "\n".join(lines) + "\n"


def inputs():
    out = []
    for k, (enc, var, o6, i6) in enumerate(COMBOS):
        for size, flags in ((3000, "PA"), (8900 if not (o6 and enc == "vxlan") else 8800, "FPAC")):
            src = "2001:db8:c::%x" % (k + 1) if i6 else "198.18.0.%d" % (k + 1)
            ip = IPv6(src=src, dst=vip(k, i6)) if i6 else \
                IP(src=src, dst=vip(k, i6), id=0xfff0 + k, flags="DF")
            tcp = TCP(sport=30000 + k, dport=80, seq=(0xfffff000 + size) & 0xffffffff, flags=flags,
                      options=[("NOP", None), ("NOP", None), ("Timestamp", (1, 2))])
            out.append(Ether(dst="02:00:00:00:00:01") / ip / tcp /
                       Raw(bytes((i * 7 + k) & 0xff for i in range(size))))
    out.append(Ether(dst="02:00:00:00:00:01") / IP(src="198.18.1.1", dst="198.51.100.99",
                                                  flags="DF") /
               TCP(sport=31000, dport=80, flags="PA") / Raw(b"x" * 1480))
    return out


def inner_of(frame, svc):
    """The inner IP packet of an encapsulated frame, by the service's encapsulation."""
    eth = D.parse_eth(frame)
    ip = D.parse_ip(frame[eth["l3"]:])
    udp = ip["packet"][ip["hlen"]:]
    pay = udp[8:]
    if svc["encap"] == "vxlan":
        pay = pay[8 + 14:]
    elif svc["gue_variant"] == 0:
        pay = pay[4:]
    return IPv6(pay) if pay[0] >> 4 == 6 else IP(pay)


def main():
    a, w = setup()
    with open(w("tso.yaml"), "w") as f:
        f.write(config())
    ins = inputs()
    wrpcap(w("in.pcap"), ins)
    r = subprocess.run(["timeout", "60", a.tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                        f"--file-prefix=tlbtso{os.getpid()}", "--log-level=lib.eal:error",
                        f"--vdev=net_pcap0,rx_pcap={w('in.pcap')},tx_pcap={w('out.pcap')}", "--",
                        "-c", w("tso.yaml"), "--idle-exit", "500", "--stats-out", w("stats.json")],
                       capture_output=True, text=True)
    if not check("tunlb runs the jumbo inputs and exits 0", r.returncode == 0,
                 (r.returncode, r.stdout[-500:], r.stderr[-500:])):
        return summary()
    st = json.load(open(w("stats.json")))
    cfg = D.load_config(w("tso.yaml"))
    svcs = [D.normalize_service(s) for s in cfg["services"]]
    frames = [f for _, f in D.read_pcap(w("out.pcap"))]
    encs = [f for f in frames if D.parse_eth(f)["type"] in (0x0800, 0x86DD) and
            D.parse_ip(f[14:])["proto"] == 17]
    errs = []
    by_svc = {}
    for i, fr in enumerate(encs):
        svc = D.service_for_frame(fr, svcs)
        if svc is None:
            errs.append("frame %d: no service" % i)
            continue
        res = D.check_encap(fr, cfg["node"], svc, mtu=MTU, index=i)
        errs += res.errors
        by_svc.setdefault(svc["name"], []).append(fr)
    check(f"{len(encs)} encapsulated segments, each valid for the independent decoder and <= MTU",
          len(encs) > 0 and not errs, errs[:5])
    check("counters: tcp_segmented = 24 jumbo packets, tcp_segments = the frames out",
          st["events"]["tcp_segmented"] == 24 and st["events"]["tcp_segments"] == len(encs),
          (st["events"].get("tcp_segmented"), st["events"].get("tcp_segments"), len(encs)))
    bad = []
    for k, (enc, var, o6, i6) in enumerate(COMBOS):
        svc = next(s for s in svcs if s["name"] == "s%d" % k)
        segs = [inner_of(f, svc) for f in by_svc.get("s%d" % k, [])]
        for orig in ins[2 * k:2 * k + 2]:
            oip = orig[IPv6] if i6 else orig[IP]
            otcp = orig[TCP]
            mine = [s for s in segs if s[TCP].seq - otcp.seq & 0xffffffff < len(otcp.payload)]
            mine.sort(key=lambda s: (s[TCP].seq - otcp.seq) & 0xffffffff)
            data = b"".join(bytes(s[TCP].payload) for s in mine)
            name = "%s%s o%s i%s %dB" % (enc, var if enc == "gue" else "", 6 if o6 else 4,
                                        6 if i6 else 4, len(otcp.payload))
            if data != bytes(otcp.payload):
                bad.append(name + ": payloads do not join to the original")
                continue
            for j, s in enumerate(mine):
                t = s[TCP]
                want = int(otcp.flags)
                if j != len(mine) - 1:
                    want &= ~0x09
                if j != 0:
                    want &= ~0x80
                raw = bytes(s)
                ok_ck = D.l4_csum_ok(D.ip_bytes(s.src), D.ip_bytes(s.dst), 6,
                                     raw[(40 if i6 else s.ihl * 4):])
                if int(t.flags) != want or t.options != otcp.options or t.window != otcp.window \
                        or t.sport != otcp.sport or not ok_ck or \
                        (not i6 and (s.id != (oip.id + j) & 0xffff or not
                                     D.csum_ok(raw[:20]))):
                    bad.append(f"{name} segment {j}: flags {t.flags} want {want}, checksum "
                               f"{ok_ck}, id {getattr(s, 'id', '-')}")
    check("every segment: same TCP header, sequence continuous, FIN/PSH last, CWR first, "
          "inner IPv4 id + i, valid inner checksums, payloads join to the original "
          "(12 combinations x 2 sizes)", not bad, bad[:5])
    outs = rdpcap(w("out.pcap"))
    icmp = [p for p in outs if IP in p and p[IP].proto == 1 and p[IP].dst == "198.18.1.1"]
    check("a service without segmentation answers too-big (ICMP frag-needed) as before",
          len(icmp) == 1 and st["replies"]["frag_needed"] == 1, (len(icmp), st["replies"]))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
