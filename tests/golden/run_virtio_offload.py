#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TX checksum offload through virtio-user -> vhost-user (two processes).

tunlb sends its encapsulated packets out of a net_virtio_user port; on the other end of
the vhost-user socket, dpdk-testpmd (io forwarding) receives them on a net_vhost port and
writes them to a pcap. virtio-user offers UDP_CKSUM (not IPV4_CKSUM): with 'tx_offloads:
auto' the outer UDP checksum is requested from the "NIC", and the vhost side completes it in
software by summing from the UDP header on, the pre-filled pseudo-header included
(research/dpdk-offloads.md 5.5): a wrong pre-fill would show as a bad checksum here. The
same inputs with 'tx_offloads: software' must give the same bytes (but the outer IPv4 ID);
both outputs must be valid for the independent decoder and tshark. The port also asks for
'lro: on', which virtio-user offers (TCP_LRO), and its log line must say so.

Usage: run_virtio_offload.py --tunlb PATH --workdir DIR
"""
import os
import shutil
import subprocess
import sys
import time

from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

from tlbtest import (check, mask_id, setup, stop, summary, testpmd_or_fail, tshark_checksums,
                     wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

SERVICES = """services:
  - {name: g4, vip: 198.51.100.10, port: 80, protocol: tcp, encap: gue, table_size: 101,
     backends: [{address: 203.0.113.11}]}
  - {name: g6, vip: 198.51.100.10, port: 53, protocol: udp, encap: gue, gue_variant: 1,
     table_size: 101, backends: [{address: "2001:db8:be::12"}]}
  - {name: v4, vip: "2001:db8:100::10", port: 80, protocol: tcp, encap: vxlan, vni: 5,
     table_size: 101, backends: [{address: 203.0.113.13, mac: "02:00:00:00:be:13"}]}
  - {name: v6, vip: "2001:db8:100::10", port: 53, protocol: udp, encap: vxlan, vni: 6,
     table_size: 101, backends: [{address: "2001:db8:be::14", mac: "02:00:00:00:be:14"}]}
"""


def config(mode):
    return ('node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}\n'
            "ports:\n  - {name: net_pcap0, tx_port: net_virtio_user0}\n"
            f"  - {{name: net_virtio_user0, mtu: 1500, tx_offloads: {mode}, lro: on}}\n" + SERVICES)


def inputs():
    out = []
    eth = Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:64")
    for dst, ip in (("198.51.100.10", lambda d: IP(src="198.18.0.1", dst=d, flags="DF")),
                    ("2001:db8:100::10", lambda d: IPv6(src="2001:db8:c::1", dst=d))):
        for size in (0, 700, 1300):
            out.append(eth / ip(dst) / TCP(sport=40000 + size, dport=80, flags="PA") /
                       Raw(b"t" * size))
            out.append(eth / ip(dst) / UDP(sport=41000 + size, dport=53) / Raw(b"u" * (size + 1)))
    return out


def main():
    a, w = setup()
    testpmd = testpmd_or_fail()
    if testpmd is None:
        return summary()
    ins = inputs()
    wrpcap(w("in.pcap"), ins)
    wrpcap(w("empty.pcap"), [])
    outs = {}
    for mode in ("auto", "software"):
        sock = w("vv-%s.sock" % mode)
        prefix = "tlbvv%d%s" % (os.getpid(), mode[0])
        with open(w(mode + ".yaml"), "w") as f:
            f.write(config(mode))
        vh = subprocess.Popen(
            ["timeout", "60", testpmd, "--no-huge", "-m", "1024", "--no-pci", "-l", "0,1",
             f"--file-prefix={prefix}h", "--log-level=lib.eal:error",
             f"--vdev=net_vhost0,iface={sock},queues=1",
             f"--vdev=net_pcap0,rx_pcap={w('empty.pcap')},tx_pcap={w(mode + '.pcap')}",
             "--", "-i", "--total-num-mbufs=4096", "--mbuf-size=9216"],
            stdin=subprocess.PIPE, stdout=open(w(mode + "-vhost.log"), "w"),
            stderr=subprocess.STDOUT, text=True)
        vh.stdin.write("set fwd io\nstart\n")
        vh.stdin.flush()
        if not check(f"{mode}: the vhost-user side listens", wait_for(lambda: os.path.exists(sock), 20),
                     open(w(mode + "-vhost.log")).read()[-500:]):
            stop(vh)
            continue
        r = subprocess.run(["timeout", "60", a.tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                            f"--file-prefix={prefix}u", "--log-level=lib.eal:error",
                            f"--vdev=net_pcap0,rx_pcap={w('in.pcap')}",
                            f"--vdev=net_virtio_user0,path={sock},queues=1,mac=02:00:00:00:00:aa", "--",
                            "-c", w(mode + ".yaml"), "--idle-exit", "1000"],
                           capture_output=True, text=True)
        time.sleep(1)
        try:
            vh.stdin.write("stop\nquit\n")
            vh.stdin.flush()
            vh.wait(20)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            stop(vh)
        for p in (prefix + "h", prefix + "u"):
            shutil.rmtree("/var/run/dpdk/" + p, ignore_errors=True)
        line = [ln for ln in r.stdout.splitlines() + r.stderr.splitlines()
                if "net_virtio_user0 (port" in ln]
        want = "outer UDP checksum in hardware" if mode == "auto" else \
            "outer UDP checksum in software (tx_offloads: software)"
        check(f"{mode}: tunlb ran (exit 0) and says '{want}' and, for 'lro: on', 'LRO on' "
              "(virtio-user offers TCP_LRO)", r.returncode == 0 and line and
              want in line[0] and "LRO on" in line[0], (r.returncode, line, r.stderr[-400:]))
        frames = [f for _, f in D.read_pcap(w(mode + ".pcap"))] if os.path.exists(w(mode + ".pcap")) else []
        outs[mode] = frames
        d = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "tools", "tlbdecode.py"),
                            "check", w(mode + ".pcap"), "--config", w(mode + ".yaml")],
                           capture_output=True, text=True)
        check(f"{mode}: {len(frames)} of {len(ins)} frames out of the vhost side, every one valid "
              "for the independent decoder", len(frames) == len(ins) and d.returncode == 0,
              d.stdout[-500:])
        ran, bad, _, err = tshark_checksums(w(mode + ".pcap"))
        check(f"{mode}: tshark finds no bad IP, UDP or TCP checksum", ran and not bad,
              (bad[:3], err[-200:]))
    if len(outs) == 2:
        diff = [i for i, (x, y) in enumerate(zip(outs["auto"], outs["software"]))
                if mask_id(x) != mask_id(y)]
        check("auto (outer UDP checksum completed by the vhost side from our pre-fill) and "
              "software give the same bytes (but the outer IPv4 id)",
              len(outs["auto"]) == len(outs["software"]) and not diff, diff[:5])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
