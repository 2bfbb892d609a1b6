#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Cost of the TX offload paths and of GRO, in instructions per packet (issue: offloads).

The datapath (tlb_worker_process + tlb_worker_flush, the TX ring included) runs under
callgrind inside tests/refnic/refnic_run, which injects a NIC profile's TX capabilities
(tests/refnic/refnic.c; the model's own work is outside the counted functions). Inputs
are built with scapy. Exact counts, so no hugepages and no quiet machine are needed;
`worker ns` is the same run's wall-clock time per packet under callgrind (about 50x slow,
for proportions only) and a second run without valgrind (--no-huge: 2-4x slower than
with hugepages, research/harness.md B.3).

  1. outer checksums, GUE over IPv4, UDP client frames of 64, 512 and 1482 bytes (the
     largest that fits MTU 1500 once wrapped):
     hardware (flat layout: intel-like profile), software with the outer UDP checksum by
     LCO (intel-like with 'tx_offloads: software': RX verdicts, no TX offload), and
     software over the whole packet (profile none: no RX verdict);
  2. segmentation: 9000-byte client TCP packets ('segmentation: on') at MTU 1500, by our
     segmenter (none) and by the NIC's tunnel TSO (intel-like): per output segment;
  3. GRO: client TCP streams of MTU-sized segments in bursts of 32 (1 flow, and 8 flows
     interleaved), gro off and on, with tunnel TSO (intel-like), without (none: GRO then
     merges nothing), and merged but segmented in software (intel-like taking one mbuf
     segment a packet: what GRO would cost without tunnel TSO, the reason it does not merge
     there).

Usage: bench_offload.py --refnic build/tests/refnic_run [--out DIR] [--no-callgrind]
Prints a table; writes DIR/offload.json. Asserts nothing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

NODE = 'node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}\n'


def config(mtu, mode, gro, seg):
    return (NODE + f"ports:\n  - {{name: net_ring_refnic0, mtu: {mtu}, tx_offloads: {mode}}}\n"
            "services:\n"
            "  - {name: t, vip: 198.51.100.10, port: 80, protocol: tcp, encap: gue, table_size: 101,"
            f" segmentation: {'on' if seg else 'off'}, backends: [{{address: 203.0.113.11}}]}}\n"
            "  - {name: u, vip: 198.51.100.10, port: 53, protocol: udp, encap: gue, table_size: 101,"
            " backends: [{address: 203.0.113.11}]}\n"
            f"dataplane: {{gro: {'on' if gro else 'off'}, flow_table_size: 4096}}\n")


def eth():
    return Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:64")


def udp_frames(size, n=2000):
    pay = size - 14 - 20 - 8
    return [eth() / IP(src="198.18.%d.%d" % (i >> 8 & 0xff, i & 0xff), dst="198.51.100.10") /
            UDP(sport=1024 + i % 50000, dport=53) / Raw(bytes(pay)) for i in range(n)]


def tcp_stream(flows, segs, size):
    """flows interleaved one segment at a time, MSS-sized ACK-only segments."""
    out = []
    for i in range(segs):
        for f in range(flows):
            out.append(eth() / IP(src="198.18.1.%d" % (f + 1), dst="198.51.100.10", flags="DF",
                                  id=i & 0xffff) /
                       TCP(sport=40000 + f, dport=80, seq=1 + i * size, ack=1, flags="A") /
                       Raw(bytes((i + j) & 0xff for j in range(size))))
    return out


def run(refnic, work, tag, prof, cfg, frames, callgrind, burst, max_segs=0):
    pc = os.path.join(work, tag + ".pcap")
    yc = os.path.join(work, tag + ".yaml")
    wrpcap(pc, frames)
    with open(yc, "w") as f:
        f.write(cfg)
    base = [refnic, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
            "--file-prefix=tlbbo%d" % os.getpid(), "--log-level=lib.eal:error", "--",
            "--profile", prof, "--config", yc, "--in", pc, "--out", os.path.join(work, tag + "-out.pcap"),
            "--burst", str(burst)] + (["--max-segs", str(max_segs)] if max_segs else [])
    res = {"tag": tag}
    r = subprocess.run(["timeout", "120"] + base, capture_output=True, text=True)
    c = next((json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")), None)
    if r.returncode != 0 or c is None:
        raise SystemExit("%s: refnic_run failed (%d)\n%s" % (tag, r.returncode, r.stderr[-800:]))
    res.update(c)
    res["ns_per_pkt"] = c["worker_ns"] / c["frames_in"]
    if callgrind:
        out = os.path.join(work, tag + ".callgrind")
        r = subprocess.run(["timeout", "600", "valgrind", "--tool=callgrind",
                            "--toggle-collect=tlb_worker_process", "--toggle-collect=tlb_worker_flush",
                            "--callgrind-out-file=" + out] + base, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("%s: callgrind failed\n%s" % (tag, r.stderr[-800:]))
        ir = None
        for line in open(out):
            m = re.match(r"(?:totals|summary): (\d+)", line)
            if m:
                ir = int(m.group(1))
        res["ir"] = ir
        res["ir_per_pkt"] = ir / c["frames_in"]
        res["ir_per_out"] = ir / c["frames_out"] if c["frames_out"] else None
    return res


def fmt(v, d=0):
    return "-" if v is None else ("%.*f" % (d, v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refnic", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-callgrind", action="store_true")
    a = ap.parse_args()
    cg = not a.no_callgrind and shutil.which("valgrind") is not None
    work = a.out or tempfile.mkdtemp(prefix="tlb-bench-offload-")
    os.makedirs(work, exist_ok=True)
    rows = []

    print("1. Outer checksums, GUE/IPv4, UDP client packets (per packet)")
    print("%-6s %-34s %10s %10s" % ("frame", "path", "Ir/pkt", "ns/pkt"))
    for size in (64, 512, 1482):
        fr = udp_frames(size)
        for prof, mode, what in (("intel-like", "auto", "hardware (flat layout)"),
                                 ("intel-like", "software", "software, outer UDP by LCO"),
                                 ("none", "auto", "software, UDP over the whole packet")):
            r = run(a.refnic, work, "ck-%d-%s-%s" % (size, prof, mode), prof,
                    config(1500, mode, False, False), fr, cg, 32)
            r.update(section="checksum", size=size, path=what)
            rows.append(r)
            print("%-6d %-34s %10s %10s" % (size, what, fmt(r.get("ir_per_pkt")), fmt(r["ns_per_pkt"], 1)))

    print("\n2. Segmentation of 9000-byte client TCP packets at MTU 1500 (per output segment)")
    print("%-34s %8s %10s %10s" % ("path", "segments", "Ir/seg", "ns/seg"))
    jumbo = [eth() / IP(src="198.18.2.%d" % (i + 1), dst="198.51.100.10", flags="DF") /
             TCP(sport=30000 + i, dport=80, flags="A") / Raw(bytes(8900)) for i in range(64)]
    for prof, what in (("none", "our segmenter"), ("intel-like", "NIC tunnel TSO (model not counted)")):
        r = run(a.refnic, work, "seg-" + prof, prof, config(1500, "auto", False, True), jumbo, cg, 32)
        r.update(section="segmentation", path=what)
        rows.append(r)
        print("%-34s %8d %10s %10s" % (what, r["frames_out"], fmt(r.get("ir_per_out")),
                                       fmt(r["worker_ns"] / r["frames_out"], 1)))

    print("\n3. GRO: MTU-sized client TCP segments in bursts of 32 (per received packet)")
    print("%-8s %-32s %-4s %8s %8s %10s %10s" % ("flows", "egress", "gro", "merged", "out",
                                                  "Ir/pkt", "ns/pkt"))
    for flows in (1, 8):
        st = tcp_stream(flows, 1024 // flows, 1500 - 20 - 8 - 4 - 20 - 20)
        for prof, segs, what, gros in (
                ("intel-like", 0, "tunnel TSO (intel-like)", (False, True)),
                ("none", 0, "no tunnel TSO (none)", (False, True)),
                ("intel-like", 1, "software segments (max-segs 1)", (True,))):
            for gro in gros:
                r = run(a.refnic, work, "gro-%d-%s-%d-%d" % (flows, prof, segs, gro), prof,
                        config(1500, "auto", gro, False), st, cg, 32, segs)
                r.update(section="gro", flows=flows, path=what, gro=gro)
                rows.append(r)
                print("%-8d %-32s %-4s %8d %8d %10s %10s" % (flows, what, "on" if gro else "off",
                                                             r["gro_merged"], r["frames_out"],
                                                             fmt(r.get("ir_per_pkt")),
                                                             fmt(r["ns_per_pkt"], 1)))
    with open(os.path.join(work, "offload.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("\nIr: callgrind instructions in tlb_worker_process + tlb_worker_flush (exact); ns: TSC "
          "time of the same calls without valgrind, --no-huge, one run (noisy). JSON: %s" %
          os.path.join(work, "offload.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
