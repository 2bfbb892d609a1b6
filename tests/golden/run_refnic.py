#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The datapath through a reference NIC under every capability profile (issue: offloads).

tests/refnic/refnic_run feeds scapy-built client frames through tunlb's worker into a net_ring
port whose TX capabilities are replaced by a profile's, and puts what comes out through the
reference NIC model (research/dpdk-offloads.md section 3). The matrix: GUE variant 0 / 1 and
VXLAN x outer IPv4 / IPv6 x inner IPv4 / IPv6 (outer UDP checksum 'zero' on every other
outer-IPv4 service) x TCP, UDP and ICMP errors x small, MTU-sized and TSO-sized (segmented in
software, or by the NIC's tunnel TSO where the profile has VXLAN_TNL_TSO / UDP_TNL_TSO and the
companions: the model segments them) packets, under the profiles none, tap-like, virtio-like,
intel-like, mlx5-like (RX verdicts, so LCO, where the profile gives them) and intel-like with
'tx_offloads: software'.
Every output must be valid for the independent decoder and tshark, the NIC must have been
asked for exactly what each profile offers, and every profile's frames must equal the
no-offload profile's, byte for byte but for the outer IPv4 identification (which starts
anywhere) and so its header checksum.

Usage: run_refnic.py --refnic PATH --workdir DIR
"""
import argparse
import json
import os
import subprocess
import sys

from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, ICMPv6PacketTooBig, Raw, wrpcap

from tlbtest import COMBOS, check, combo_service, mask_id, overhead, summary, tshark_checksums, vip

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

MTU = 1500
PROFILES = [("none", "auto"), ("tap-like", "auto"), ("virtio-like", "auto"),
            ("intel-like", "auto"), ("mlx5-like", "auto"), ("intel-like", "software")]


def config(mode):
    lines = ['node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}',
             "ports:", f"  - {{name: net_ring_refnic0, mtu: {MTU}, tx_offloads: {mode}}}",
             "services:"]
    for k, (enc, var, o6, i6) in enumerate(COMBOS):
        zero = ", outer_udp_checksum: zero" if not o6 and k % 2 else ""
        for name, proto, port in (("t", "tcp", 80), ("u", "udp", 53)):
            lines.append(combo_service(k, f"{name}{k}", proto, port, ", segmentation: on" + zero))
    return "\n".join(lines) + "\n"


def inputs():
    out = []
    for k, (enc, var, o6, i6) in enumerate(COMBOS):
        client = "2001:db8:c::%x" % (k + 1) if i6 else "198.18.0.%d" % (k + 1)
        v = vip(k, i6)
        ip = (lambda: IPv6(src=client, dst=v)) if i6 else (lambda: IP(src=client, dst=v,
                                                                       flags="DF"))
        fit = MTU - overhead(enc, var, o6)            # the largest inner packet that fits
        hl = 40 if i6 else 20
        eth = Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:64")
        for size in (0, fit - hl - 20, 6000):         # small, MTU-sized, TSO-sized
            out.append(eth / ip() / TCP(sport=40000 + size % 1000, dport=80, flags="PA",
                                        seq=size) / Raw(bytes(i & 0xff for i in range(size))))
        for size in (1, fit - hl - 8):
            out.append(eth / ip() / UDP(sport=41000, dport=53) / Raw(b"u" * size))
        # An ICMP error about a packet the VIP sent: steered to the TCP service.
        if i6:
            quote = IPv6(src=v, dst=client) / TCP(sport=80, dport=40000, flags="A")
            out.append(eth / IPv6(src="2001:db8:77::1", dst=v) / ICMPv6PacketTooBig(mtu=1280) /
                       Raw(bytes(quote)))
        else:
            quote = IP(src=v, dst=client) / TCP(sport=80, dport=40000, flags="A")
            out.append(eth / IP(src="198.18.77.1", dst=v) / ICMP(type=3, code=4, nexthopmtu=1280) /
                       Raw(bytes(quote)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refnic", required=True, help="tests/refnic/refnic_run (links the datapath)")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda f: os.path.join(a.workdir, f)
    ins = inputs()
    wrpcap(w("in.pcap"), ins)
    results = {}
    for prof, mode in PROFILES:
        tag = f"{prof}-{mode}"
        with open(w(tag + ".yaml"), "w") as f:
            f.write(config(mode))
        r = subprocess.run(["timeout", "60", a.refnic, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                            f"--file-prefix=tlbrn{os.getpid()}", "--log-level=lib.eal:error", "--",
                            "--profile", prof, "--config", w(tag + ".yaml"), "--in", w("in.pcap"),
                            "--out", w(tag + ".pcap")], capture_output=True, text=True)
        counts = next((json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")), {})
        check(f"{tag}: {len(ins)} frames through the worker and the reference NIC, none refused "
              f"({counts.get('frames_out')} out, {counts.get('tcp_segments')} of them TCP segments)",
              r.returncode == 0 and counts.get("frames_in") == len(ins),
              (r.returncode, r.stderr[-600:]))
        results[tag] = (counts, [f for _, f in D.read_pcap(w(tag + ".pcap"))]
                        if os.path.exists(w(tag + ".pcap")) else [])
        d = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "tools", "tlbdecode.py"),
                            "check", w(tag + ".pcap"), "--config", w(tag + ".yaml")],
                           capture_output=True, text=True)
        check(f"{tag}: every frame valid for the independent decoder", d.returncode == 0,
              d.stdout[-600:])
        hw_ip, hw_udp = counts.get("hw_ip_cksum", -1), counts.get("hw_udp_cksum", -1)
        hw_tso = counts.get("hw_tso", -1)
        want_ip = prof in ("tap-like", "intel-like", "mlx5-like") and mode == "auto"
        want_udp = prof != "none" and mode == "auto"
        want_tso = 12 if prof in ("intel-like", "mlx5-like") and mode == "auto" else 0
        check(f"{tag}: the NIC was asked for what it offers (IPv4 header checksums {hw_ip}, "
              f"UDP checksums {hw_udp}, tunnel TSO {hw_tso} of the 12 TSO-sized packets; the "
              f"others segmented in software)", (hw_ip > 0) == want_ip and
              (hw_udp > 0) == want_udp and hw_tso == want_tso and
              counts.get("tcp_segments") == (0 if want_tso else 60), counts)
    ref = results.get("none-auto", ({}, []))[1]
    check("the software profile's output: 12 x (3 TCP, of which one segmented, 2 UDP, 1 ICMP)",
          len(ref) > 12 * 6, len(ref))
    for tag, (counts, frames) in results.items():
        if tag == "none-auto":
            continue
        diff = [i for i, (x, y) in enumerate(zip(frames, ref)) if mask_id(x) != mask_id(y)]
        check(f"{tag}: byte for byte the no-offload output (but the outer IPv4 id)",
              len(frames) == len(ref) and not diff, (len(frames), len(ref), diff[:5]))
    # A NIC taking one segment per packet: a chained jumbo packet is dropped and counted.
    with open(w("jumbo.yaml"), "w") as f:
        f.write(config("auto").replace(f"mtu: {MTU}", "mtu: 9000"))
    jumbo = Ether(dst="02:00:00:00:00:01") / IP(src="198.18.0.1", dst=vip(0, 0)) / \
        UDP(sport=41000, dport=53) / Raw(b"j" * 3000)
    small = Ether(dst="02:00:00:00:00:01") / IP(src="198.18.0.1", dst=vip(0, 0)) / \
        UDP(sport=41001, dport=53) / Raw(b"s" * 100)
    wrpcap(w("jumbo.pcap"), [jumbo, small])
    for segs, want_out, want_drop in ((0, 2, 0), (1, 1, 1)):
        r = subprocess.run(["timeout", "60", a.refnic, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                            f"--file-prefix=tlbrn{os.getpid()}", "--log-level=lib.eal:error", "--",
                            "--profile", "intel-like", "--config", w("jumbo.yaml"), "--in",
                            w("jumbo.pcap"), "--out", w("jumbo-out.pcap")] +
                           (["--max-segs", str(segs)] if segs else []), capture_output=True, text=True)
        c = next((json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")), {})
        check(f"max segments {segs or 'unlimited'}: a 3 KB packet in a 2-segment chain "
              f"{'is dropped before TX (tx_segments)' if segs else 'leaves'}",
              r.returncode == 0 and c.get("frames_out") == want_out and
              c.get("tx_segments_drops") == want_drop, (r.returncode, c, r.stderr[-300:]))
    ran, bad, _, err = tshark_checksums(w("intel-like-auto.pcap"))
    check("tshark: no bad checksum in any layer it decodes (intel-like output)",
          ran and not bad, (bad[:3], err[-200:]))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
