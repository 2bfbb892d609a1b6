#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TX checksum offload on a real PMD: net_tap, which offers IPV4_CKSUM and UDP_CKSUM and
computes them in its own code (research/dpdk-offloads.md 5.2), inside a network namespace.

The same client frames (GUE variant 0 and 1 and VXLAN, outer IPv4 and IPv6, inner IPv4 and
IPv6, TCP and UDP, small and MTU-sized, outer UDP checksum 'full' and 'zero') go through
tunlb twice: port 'tx_offloads: auto' (the outer checksums requested from the PMD, flat
layout with pre-filled fields) and 'software' (the outer UDP checksum by LCO: net_tap verifies
the client's TCP/UDP checksums on receive). What the kernel receives from the tap is
captured with tcpdump and must be, in both runs, every frame valid for the independent
decoder (tests/tools/tlbdecode.py) and for tshark's checksum checks, and byte for byte the
same in both runs.

Usage: run_tap_offload.py --tunlb PATH --workdir DIR     (exit 77: no namespaces)
"""
import os
import subprocess
import sys
import time

from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, conf, wrpcap

from tlbtest import (check, mask_id, netns_delete, setup, stop, summary, tshark_checksums,
                     wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
DECODER = os.path.join(HERE, "..", "tools", "tlbdecode.py")
IFACE = "tlbtap0"

SERVICES = """services:
  - {name: t4gue0, vip: 198.51.100.10, port: 80, protocol: tcp, encap: gue, gue_variant: 0,
     table_size: 1009, backends: [{address: 203.0.113.11}]}
  - {name: u4vx6, vip: 198.51.100.10, port: 53, protocol: udp, encap: vxlan, vni: 7,
     table_size: 1009, backends: [{address: "2001:db8:be::12", mac: "02:00:00:00:be:12"}]}
  - {name: t6gue1, vip: "2001:db8:100::10", port: 80, protocol: tcp, encap: gue, gue_variant: 1,
     table_size: 1009, backends: [{address: "2001:db8:be::13"}]}
  - {name: u6vx4zero, vip: "2001:db8:100::10", port: 53, protocol: udp, encap: vxlan, vni: 8,
     outer_udp_checksum: zero, table_size: 1009,
     backends: [{address: 203.0.113.14, mac: "02:00:00:00:be:14"}]}
  - {name: t4vx4zero, vip: 198.51.100.11, port: 443, protocol: tcp, encap: vxlan, vni: 9,
     outer_udp_checksum: zero, table_size: 1009,
     backends: [{address: 203.0.113.15, mac: "02:00:00:00:be:15"}]}
"""


def config(mode):
    return ('node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}\n'
            f"ports:\n  - {{name: net_tap0, mtu: 1600, tx_offloads: {mode}}}\n" + SERVICES)


def frames(mac):
    out = []
    for i, (dst, ver) in enumerate([("198.51.100.10", 4), ("2001:db8:100::10", 6),
                                    ("198.51.100.11", 4)]):
        src = "203.0.113.%d" % (100 + i) if ver == 4 else "2001:db8:c::%x" % (100 + i)
        ip = (lambda **k: IP(src=src, dst=dst, **k)) if ver == 4 else \
             (lambda **k: IPv6(src=src, dst=dst))
        for size in (0, 700, 1400):
            dport = 443 if dst.endswith(".11") else 80
            out.append(Ether(dst=mac) / ip() / TCP(sport=20000 + size, dport=dport, flags="PA",
                                                  seq=size) / Raw(b"t" * size))
            if not dst.endswith(".11"):
                out.append(Ether(dst=mac) / ip() / UDP(sport=30000 + size, dport=53) /
                           Raw(b"u" * max(size, 1)))
        out.append(Ether(dst=mac) / ip() / TCP(sport=21000, dport=80 if not dst.endswith(".11")
                                               else 443, flags="S",
                                               options=[("MSS", 1460), ("WScale", 7)]))
    return out


def main():
    a, w = setup()
    ns = f"tlbtap{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        print("SKIP: cannot create a network namespace")
        return 77
    nsx = ["ip", "netns", "exec", ns]
    conf.verb = 0
    captures = {}
    try:
        subprocess.run(nsx + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                              "net.ipv6.conf.default.disable_ipv6=1"], check=True)
        for mode in ("auto", "software"):
            with open(w(mode + ".yaml"), "w") as f:
                f.write(config(mode))
            log = w(mode + ".log")
            tl = subprocess.Popen(
                nsx + ["timeout", "60", a.tunlb, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                       f"--file-prefix={ns}{mode}", "--log-level=lib.eal:error",
                       f"--vdev=net_tap0,iface={IFACE},mac=02:00:00:00:00:aa", "--", "-c", w(mode + ".yaml"),
                       "--stats-out", w(mode + ".json")],
                stdout=open(log, "w"), stderr=subprocess.STDOUT)
            up = wait_for(lambda: "worker(s)" in open(log).read() and subprocess.run(
                nsx + ["ip", "link", "show", IFACE], capture_output=True).returncode == 0, 20)
            text = open(log).read()
            mac = next((ln.split("): ")[1].split(",")[0].lower() for ln in text.splitlines()
                        if "net_tap0 (port" in ln), None)
            check(f"{mode}: tunlb up on net_tap0 ({mac})", up and mac, text[-600:])
            if not (up and mac):
                stop(tl)
                continue
            want = ("outer IPv4 checksum in hardware, outer UDP checksum in hardware"
                    if mode == "auto" else "in software, outer UDP checksum in software "
                    "(tx_offloads: software), RX TCP/UDP checksum verdicts on (LCO for a software outer "
                    "UDP checksum)")
            check(f"{mode}: the port log says '{want}'", want in text,
                  [ln for ln in text.splitlines() if "net_tap0 (port" in ln])
            subprocess.run(nsx + ["ip", "link", "set", IFACE, "up"], check=True)
            cap = subprocess.Popen(nsx + ["tcpdump", "-i", IFACE, "-Q", "in", "-U", "-n", "-w",
                                          w(mode + ".pcap"),
                                          "udp and (port 6080 or port 4789)"],
                                   stdout=subprocess.DEVNULL, stderr=open(w(mode + ".tcpdump"), "w"))
            wait_for(lambda: "listening" in open(w(mode + ".tcpdump")).read(), 10)
            fr = frames(mac)
            wrpcap(w("in.pcap"), fr)
            subprocess.run(nsx + ["/usr/bin/python3", "-c",
                                  "import sys; from scapy.all import rdpcap, sendp; "
                                  "sendp(rdpcap(sys.argv[1]), iface=sys.argv[2], verbose=0, "
                                  "inter=0.002)", w("in.pcap"), IFACE], check=True)
            time.sleep(1)
            cap.terminate()
            cap.wait(10)
            tl.terminate()
            rc = tl.wait(30)
            check(f"{mode}: tunlb exits 0", rc == 0, rc)
            captures[mode] = (w(mode + ".pcap"), len(fr))
        if len(captures) != 2:
            return summary()
        for mode, (pcap, n) in captures.items():
            r = subprocess.run(["/usr/bin/python3", DECODER, "check", pcap, "--config",
                                w(mode + ".yaml")], capture_output=True, text=True)
            got = len(read_frames(pcap))
            check(f"{mode}: {got} of {n} frames out, every one valid for the independent decoder",
                  got == n and r.returncode == 0, (got, r.stdout[-800:], r.stderr[-300:]))
            ran, bad, rows, err = tshark_checksums(pcap)
            check(f"{mode}: tshark finds no bad checksum in any layer", ran and not bad and
                  rows == n, (bad[:5], err[-300:]))
        a1, s1 = read_frames(captures["auto"][0]), read_frames(captures["software"][0])
        diff = [i for i, (x, y) in enumerate(zip(a1, s1)) if mask_id(x) != mask_id(y)]
        check("auto (checksums by the PMD) and software give the same bytes, frame for frame "
              "(but the outer IPv4 ID, which starts anywhere, and so its header checksum)",
              len(a1) == len(s1) and not diff, diff[:5])
        zero = sum(1 for x in a1 if x[12:14] == b"\x08\x00" and x[14 + 20 + 6:14 + 20 + 8] ==
                   b"\0\0")
        check("outer_udp_checksum: zero gives 0 over IPv4 (7 frames), never over IPv6", zero == 7,
              zero)
    finally:
        netns_delete(ns)
    return summary()


def read_frames(path):
    sys.path.insert(0, os.path.dirname(DECODER))
    import tlbdecode
    return [f for _, f in tlbdecode.read_pcap(path)] if os.path.exists(path) else []


if __name__ == "__main__":
    sys.exit(main())
