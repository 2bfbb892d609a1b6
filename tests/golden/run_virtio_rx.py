#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client packets from a virtio peer that offloads checksums and TCP segmentation.

tunlb listens on a net_vhost port (tso=1); dpdk-testpmd is the guest side: it reads client
frames from a pcap and sends them out of a net_virtio_user port with its csum engine set to
'csum set tcp hw', 'csum set udp hw' and 'tso set 1400' (research/dpdk-offloads.md 5.5).
The vhost library hands tunlb
  - every TCP/UDP packet with RTE_MBUF_F_RX_L4_CKSUM_NONE: its checksum field holds only
    the pseudo-header sum (virtio NEEDS_CSUM); forwarded as it is, the backend would drop
    it, so tunlb computes it (events.l4_cksum_completed);
  - the large TCP packets as one GSO packet each, RTE_MBUF_F_RX_LRO with tso_segsz 1400:
    tunlb segments them at 1400 bytes (net_pcap has no tunnel TSO), each segment with fresh
    checksums (events.tcp_segmented / tcp_segments).
Every frame tunlb writes must be valid for the independent decoder, with a valid inner
TCP/UDP checksum (the decoder's own sum and tshark's), the segments of each large packet
at most 1400 payload bytes and joining to the original payload.

Usage: run_virtio_rx.py --tunlb PATH --workdir DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time

from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, wrpcap

from tlbtest import check, setup, stop, summary, testpmd_or_fail, tshark_checksums, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

MSS = 1400
CONFIG = """node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}
ports:
  - {name: net_vhost0, tx_port: net_pcap0, lro: on}
  - {name: net_pcap0, mtu: 1500}
services:
  - {name: t4, vip: 198.51.100.10, port: 80, protocol: tcp, encap: gue, table_size: 101,
     backends: [{address: 203.0.113.11}]}
  - {name: u4, vip: 198.51.100.10, port: 53, protocol: udp, encap: gue, table_size: 101,
     backends: [{address: 203.0.113.11}]}
  - {name: t6, vip: "2001:db8:100::10", port: 80, protocol: tcp, encap: vxlan, vni: 7,
     table_size: 101, backends: [{address: 203.0.113.12, mac: "02:00:00:00:be:12"}]}
  - {name: u6, vip: "2001:db8:100::10", port: 53, protocol: udp, encap: gue, gue_variant: 1,
     table_size: 101, backends: [{address: "2001:db8:be::13"}]}
"""
TESTPMD = """port stop all
csum set ip sw 0
csum set tcp hw 0
csum set udp hw 0
tso set %d 0
port start all
set fwd csum
start
""" % MSS


def inputs():
    eth = Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:64")
    out = []
    for ip in (IP(src="198.18.0.1", dst="198.51.100.10", flags="DF"),
               IPv6(src="2001:db8:c::1", dst="2001:db8:100::10")):
        for size in (300, 4000):
            out.append(eth / ip / TCP(sport=40000 + size, dport=80, seq=1000, flags="PA") /
                       Raw(bytes((i * 7 + size) & 0xff for i in range(size))))
        out.append(eth / ip / UDP(sport=41000, dport=53) / Raw(b"u" * 200))
    return out


def inner_l4(frame, svcs):
    """(inner IP packet, its TCP/UDP header offset) of an encapsulated frame."""
    svc = D.service_for_frame(frame, svcs)
    eth = D.parse_eth(frame)
    ip = D.parse_ip(frame[eth["l3"]:])
    pay = ip["packet"][ip["hlen"]:][8:]
    if svc["encap"] == "vxlan":
        pay = pay[8 + 14:]
    elif svc["gue_variant"] == 0:
        pay = pay[4:]
    return pay, (40 if pay[0] >> 4 == 6 else 20)


def n_frames(path):
    """Frames in a pcap that may still be being written."""
    try:
        return len(D.read_pcap(path))
    except (OSError, ValueError, IndexError, Exception):
        return 0


def main():
    a, w = setup()
    testpmd = testpmd_or_fail()
    if testpmd is None:
        return summary()
    ins = inputs()
    wrpcap(w("in.pcap"), ins)
    wrpcap(w("empty.pcap"), [])
    with open(w("vrx.yaml"), "w") as f:
        f.write(CONFIG)
    sock, prefix = w("vrx.sock"), "tlbvrx%d" % os.getpid()
    if os.path.exists(sock):
        os.unlink(sock)
    lb = subprocess.Popen(["timeout", "90", a.tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                           f"--file-prefix={prefix}u", "--log-level=lib.eal:error",
                           f"--vdev=net_vhost0,iface={sock},queues=1,tso=1",
                           f"--vdev=net_pcap0,rx_pcap={w('empty.pcap')},tx_pcap={w('out.pcap')}",
                           "--", "-c", w("vrx.yaml"), "--stats-out", w("stats.json")],
                          stdout=open(w("tunlb.log"), "w"), stderr=subprocess.STDOUT)
    if not check("tunlb's vhost-user port listens", wait_for(lambda: os.path.exists(sock), 20),
                 open(w("tunlb.log")).read()[-500:]):
        stop(lb)
        return summary()
    with open(w("testpmd.cmds"), "w") as f:
        f.write(TESTPMD)
    vu = subprocess.Popen(
        ["timeout", "60", testpmd, "--no-huge", "-m", "1024", "--no-pci", "-l", "0,1",
         f"--file-prefix={prefix}g", "--log-level=lib.eal:error",
         f"--vdev=net_virtio_user0,path={sock},queues=1",
         f"--vdev=net_pcap0,rx_pcap={w('in.pcap')}",
         "--", "-i", "--disable-link-check", "--no-flush-rx", "--total-num-mbufs=4096", "--mbuf-size=9216",
         "--max-pkt-len=9000",
         f"--cmdline-file={w('testpmd.cmds')}"],
        stdin=subprocess.PIPE, stdout=open(w("testpmd.log"), "w"), stderr=subprocess.STDOUT, text=True)
    ok = wait_for(lambda: n_frames(w("out.pcap")) >= 2 * (1 + 3 + 1), 30)
    time.sleep(0.5)
    try:
        vu.stdin.write("stop\nquit\n")
        vu.stdin.flush()
        vu.wait(20)
    except (BrokenPipeError, subprocess.TimeoutExpired):
        stop(vu)
    stop(lb)
    rc = lb.returncode
    for p in (prefix + "g", prefix + "u"):
        shutil.rmtree("/var/run/dpdk/" + p, ignore_errors=True)
    log = open(w("testpmd.log")).read()
    check("testpmd set the virtio port up for TCP/UDP checksum offload and TSO at 1400 bytes",
          "TCP checksum offload is hw" in log and "UDP checksum offload is hw" in log and
          f"TSO segment size for non-tunneled packets is {MSS}" in log, log[-800:])
    check("tunlb stopped cleanly on SIGTERM", rc == 0 and ok, (rc, open(w("tunlb.log")).read()[-500:]))
    check("net_vhost offers no LRO ('lro: on' says so at start-up); a guest's GSO packets still "
          "come flagged RX_LRO", "net_vhost0: lro: on, but the device offers no TCP LRO" in
          open(w("tunlb.log")).read(), "")
    cfg = D.load_config(w("vrx.yaml"))
    svcs = [D.normalize_service(s) for s in cfg["services"]]
    frames = [f for _, f in D.read_pcap(w("out.pcap"))] if os.path.exists(w("out.pcap")) else []
    errs, bad_l4, segs = [], [], {}
    for i, fr in enumerate(frames):
        svc = D.service_for_frame(fr, svcs)
        if svc is None:
            errs.append(f"frame {i}: no service")
            continue
        res = D.check_encap(fr, cfg["node"], svc, mtu=1500, index=i)
        errs += res.errors
        if res.info.get("inner_l4_csum_ok") is not True:
            bad_l4.append(i)
        inner, off = inner_l4(fr, svcs)
        if (inner[9] if off == 20 else inner[6]) == 6:
            sport = int.from_bytes(inner[off:off + 2], "big")
            segs.setdefault((inner[0] >> 4, sport), []).append(inner)
    check(f"{len(frames)} frames out (2 x: small TCP, 3 segments of 4000-byte TCP, UDP), every one "
          "valid for the independent decoder", len(frames) == 2 * (1 + 3 + 1) and not errs,
          (len(frames), errs[:4]))
    check("every inner TCP/UDP checksum valid (the peer left them to its device: completed here)",
          frames and not bad_l4, bad_l4)
    bad = []
    for orig in ins:
        if TCP not in orig:
            continue
        v = 6 if IPv6 in orig else 4
        mine = segs.get((v, orig[TCP].sport), [])
        off = 40 if v == 6 else 20
        pays = [m[off + (m[off + 12] >> 4) * 4:] for m in
                sorted(mine, key=lambda m: int.from_bytes(m[off + 4:off + 8], "big"))]
        if b"".join(pays) != bytes(orig[TCP].payload) or any(len(p) > MSS for p in pays):
            bad.append((v, len(orig[TCP].payload), [len(p) for p in pays]))
    check(f"TCP: payloads join to the client's, the GSO ones cut at {MSS} bytes", not bad, bad)
    ran, badt, _, err = tshark_checksums(w("out.pcap"))
    check("tshark: no bad checksum in any layer it decodes", ran and not badt, (badt[:3], err[-200:]))
    if os.path.exists(w("stats.json")):
        ev = json.load(open(w("stats.json")))["events"]
        check(f"counters: l4_cksum_completed {ev.get('l4_cksum_completed')} (the 4 small packets), "
              f"tcp_segmented {ev.get('tcp_segmented')} (the 2 GSO packets)",
              ev.get("l4_cksum_completed") == 4 and ev.get("tcp_segmented") == 2 and
              ev.get("tcp_segments") == 6, ev)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
