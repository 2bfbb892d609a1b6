#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak: millions of packets through the real binary, memory and mbufs flat (issue 9, "No leaks").

Usage (from tests/meson.build, suite soak):
  /usr/bin/python3 tests/golden/run_soak.py --tunlb PATH --workdir DIR [--packets N]
  TLB_SOAK_PACKETS=100000000 meson test -C build soak      # the long run, on demand

tunlb replays a scapy-built pcap of every fate forever (net_pcap infinite_rx=1) and sends to net_null:
forwarded TCP/UDP over GUE 0/1 and VXLAN, outer IPv4 and IPv6, outer fragments (IPv4 without DF too big
for the MTU), too-big answers (IPv4 DF and IPv6; rate-limited beyond the burst), steered ICMP errors,
MSS-clamped SYNs, ARP / echo / echo6 / NS answers (out of net_pcap0, which drops them), held later
fragments whose first never comes, and drops of many reasons. The stats file is rewritten every 200 ms
(--stats-interval 100); once it shows >= N received packets (default 10 M) and at least --seconds have
passed (default 10, TLB_SOAK_SECONDS), tunlb is stopped with SIGTERM.

Checks (samples of the stats file and /proc/PID/status, every 100 ms after the first fifth of the run):
  * mempool in_use (mbufs outside the pool and its caches) within a band of 512 of its first sample and
    not higher at the end than at the start of the band; in_use_after_close == 0 after the exit;
  * rte_malloc heap (memory.heap_alloc_bytes / heap_alloc_count) exactly constant;
  * VmRSS within 8 MiB of its first sample and not growing by more than 4 MiB start to end;
  * exit 0, every received packet counted once at the end (rx == forwarded + answers + drops), and each
    fate in the proportion the pcap gives it (to within one replay of the pcap, except rate-limited
    ICMP answers);
  * the run reached N packets within its time limit: a leak of one mbuf per thousand packets empties
    the 8544-mbuf pool before 10 M and stops reception.
Prints one line per check; exits 1 on any failure.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import tlbdecode as D  # noqa: E402

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest, ICMPv6ND_NS,  # noqa: E402
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, IPerror, IPv6, Raw, TCPerror, raw)

PORT_MAC = "02:70:63:61:70:00"
CM = "02:00:00:00:00:c1"
NODE = {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "gateway_mac": "02:00:00:00:00:fe"}
VIP4, VIP6 = "198.51.100.50", "2001:db8:100::50"
SERVICES = [
    {"name": "web4", "vip": VIP4, "port": 80, "protocol": "tcp", "encap": "gue", "mss_clamp": "auto",
     "backends": [{"address": "203.0.113.91"}, {"address": "203.0.113.92"}, {"address": "2001:db8:be::93"}]},
    {"name": "dns4", "vip": VIP4, "port": 53, "protocol": "udp", "encap": "vxlan", "vni": 50,
     "backends": [{"address": "203.0.113.94", "mac": "02:00:00:00:00:94"},
                  {"address": "2001:db8:be::95", "mac": "02:00:00:00:00:95"}]},
    {"name": "web6", "vip": VIP6, "port": 443, "protocol": "tcp", "encap": "gue", "gue_variant": 1,
     "backends": [{"address": "2001:db8:be::96"}, {"address": "203.0.113.97"}]},
    {"name": "dns6", "vip": VIP6, "port": 53, "protocol": "udp", "encap": "vxlan", "vni": 51,
     "backends": [{"address": "2001:db8:be::98", "mac": "02:00:00:00:00:98"}]},
]
CONFIG = {"node": NODE,
          "ports": [{"name": "net_pcap0", "mtu": 1500, "tx_port": "net_null0"},
                    {"name": "net_null0", "mtu": 1500}],
          "services": SERVICES, "dataplane": {"flow_table_size": 65536, "fragment_hold": 64}}
BAND_MBUFS = 512
RSS_BAND = 8 << 20
RSS_GROWTH = 4 << 20


def corpus():
    """(frame, fate) with fate 'fwd' | 'reply' | 'icmp' (rate-limited answer) | 'drop' | 'held'."""
    e = Ether(dst=PORT_MAC, src=CM)
    out = []
    for i in range(64):
        c4, c6 = "192.0.2.%d" % (10 + i), "2001:db8:c::%x" % (i + 1)
        out.append((e / IP(src=c4, dst=VIP4) / TCP(sport=1000 + i, dport=80, flags="A") / Raw(b"w" * i), "fwd"))
        out.append((e / IP(src=c4, dst=VIP4) / UDP(sport=2000 + i, dport=53) / Raw(b"d" * (i * 3)), "fwd"))
        out.append((e / IPv6(src=c6, dst=VIP6) / TCP(sport=3000 + i, dport=443) / Raw(b"6" * i), "fwd"))
        if i % 4 == 0:
            out.append((e / Dot1Q(vlan=5) / IPv6(src=c6, dst=VIP6) / UDP(sport=4000 + i, dport=53), "fwd"))
            out.append((e / IP(src=c4, dst=VIP4) / TCP(sport=5000 + i, dport=80, flags="S",
                                                       options=[("MSS", 1460)]), "fwd"))
            out.append((e / IP(src=c4, dst=VIP4, flags=0) / UDP(sport=6000 + i, dport=53) / Raw(b"F" * 1460),
                        "fwd"))
            out.append((e / IP(src="203.0.113.1", dst=VIP4) / ICMP(type=3, code=4) /
                        IPerror(src=VIP4, dst=c4) / TCPerror(sport=80, dport=1000 + i), "fwd"))
            out.append((e / IP(src=c4, dst=VIP4, flags="DF") / UDP(sport=7000 + i, dport=53) /
                        Raw(b"D" * 1460), "icmp"))
            out.append((e / IPv6(src=c6, dst=VIP6) / UDP(sport=7000 + i, dport=53) / Raw(b"P" * 1440), "icmp"))
            out.append((e / IP(src=c4, dst=VIP4, frag=100, id=i, proto=17) / Raw(b"h" * 40), "held"))
        if i % 8 == 0:
            out.append((Ether(dst="ff:ff:ff:ff:ff:ff", src=CM) / ARP(op=1, hwsrc=CM, psrc=c4, pdst=NODE["ipv4"]),
                        "reply"))
            out.append((e / IP(src=c4, dst=NODE["ipv4"]) / ICMP(type=8, id=i) / Raw(b"ping"), "reply"))
            out.append((e / IPv6(src=c6, dst=NODE["ipv6"]) / ICMPv6EchoRequest(id=i, data=b"ping6"), "reply"))
            out.append((Ether(dst="33:33:ff:00:00:01", src=CM) / IPv6(src=c6, dst="ff02::1:ff00:1", hlim=255) /
                        ICMPv6ND_NS(tgt=NODE["ipv6"]) / ICMPv6NDOptSrcLLAddr(lladdr=CM), "reply"))
        out.append((e / IP(src=c4, dst="203.0.113.200") / TCP(sport=1, dport=80), "drop"))
        out.append((raw(e / IP(src=c4, dst=VIP4) / TCP(sport=1, dport=80))[:30], "drop"))
        if i % 4 == 1:
            out.append((e / IP(src=c4, dst=VIP4) / TCP(sport=1, dport=81), "drop"))
            out.append((e / IPv6(src=c6, dst=VIP6) / UDP(sport=1, dport=53, len=99) / Raw(b"x"), "drop"))
            out.append((e / IPv6(src="2001:db8:ff::1", dst=VIP6) / ICMPv6PacketTooBig() / Raw(b"\0" * 8), "drop"))
            out.append((Ether(dst=PORT_MAC, src=CM, type=0x88B5) / Raw(b"\0" * 46), "drop"))
    return [(raw(f), fate) for f, fate in out]


class Report:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        self.n += 1
        self.failed += not ok
        print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok or not detail else ": " + detail))
        return ok


def child_pid(pid):
    """The process timeout(1) started (its only child)."""
    for _ in range(200):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        except OSError:
            pass
        time.sleep(0.01)
    return None


def vmrss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def read_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--packets", type=int, default=int(os.environ.get("TLB_SOAK_PACKETS", 10_000_000)))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("TLB_SOAK_SECONDS", 10)))
    args = ap.parse_args()
    rep = Report()
    wd = os.path.abspath(args.workdir)
    os.makedirs(wd, exist_ok=True)
    frames = corpus()
    fates = {}
    for _, fate in frames:
        fates[fate] = fates.get(fate, 0) + 1
    cfg_path, in_pcap, stats_path = (os.path.join(wd, n) for n in ("config.yaml", "in.pcap", "stats.json"))
    with open(cfg_path, "w") as f:
        json.dump(CONFIG, f, indent=1)
    D.write_pcap(in_pcap, [f for f, _ in frames])
    if os.path.exists(stats_path):
        os.unlink(stats_path)
    limit = max(120, args.packets // 100_000, int(args.seconds) * 2)  # >= 100 k packets/s even under load
    cmd = ["timeout", str(limit + 30), args.tunlb, "--no-huge", "-m", "1024", "--no-pci",
           "--file-prefix=tlbsoak-%d" % os.getpid(), "-l", "0",
           "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1" % in_pcap, "--vdev=net_null0,no-rx=1",
           "--log-level=lib.eal:error", "--", "-c", cfg_path, "--stats-out", stats_path,
           "--stats-interval", "100"]
    print("INFO %d frames in the pcap (%s); target %d packets; %s" % (
        len(frames), ", ".join("%s %d" % kv for kv in sorted(fates.items())), args.packets, " ".join(cmd)))
    err = open(os.path.join(wd, "tunlb.stderr"), "w")
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=err, stderr=err)
    pid = child_pid(proc.pid)
    samples = []          # (t, rx, in_use, heap_bytes, heap_count, rss)
    reached = False
    while proc.poll() is None and time.time() - t0 < limit:
        time.sleep(0.1)
        st = read_stats(stats_path)
        if st is None:
            continue
        mp = st.get("mempool", {})
        in_use = sum(v.get("in_use", 0) for v in mp.values() if isinstance(v, dict))
        mem = st.get("memory", {})
        samples.append((time.time() - t0, st.get("rx_packets", 0), in_use, mem.get("heap_alloc_bytes"),
                        mem.get("heap_alloc_count"), vmrss(pid) if pid else None))
        if st.get("rx_packets", 0) >= args.packets and time.time() - t0 >= args.seconds:
            reached = True
            break
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGTERM)     # timeout(1) passes it on to tunlb
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    err.close()
    dt = time.time() - t0
    rep.check(running and reached, "reached %d packets and %.0f s in %.1f s (limit %d s)" % (
        args.packets, args.seconds, dt, limit),
              "rx %s at the last sample, tunlb %s" % (samples[-1][1] if samples else None,
                                                       "running" if running else "exited %s" % proc.returncode))
    rep.check(rc == 0, "tunlb exit 0 after SIGTERM", "exit %s" % rc)
    st = read_stats(stats_path) or {}
    rx = st.get("rx_packets", 0)
    print("INFO %d packets in %.1f s (%.2f Mpps), %d samples" % (rx, dt, rx / dt / 1e6 if dt else 0, len(samples)))

    band = [s for s in samples if s[0] >= dt / 5]
    if rep.check(len(band) >= 3, "at least 3 samples after the first fifth of the run", "%d" % len(band)):
        use = [s[2] for s in band]
        rep.check(max(use) - use[0] <= BAND_MBUFS and min(use) >= 0 and use[-1] <= use[0] + BAND_MBUFS // 4,
                  "mempool in_use flat: %d..%d over %d samples (band %d)" % (min(use), max(use), len(use),
                                                                               BAND_MBUFS),
                  "samples %s" % use[:40])
        heap = {(s[3], s[4]) for s in band}
        rep.check(len(heap) == 1 and None not in next(iter(heap)), "rte_malloc heap constant: %s" % sorted(heap),
                  "changed: %s" % sorted(heap, key=str))
        rss = [s[5] for s in band if s[5] is not None]
        rep.check(len(rss) == len(band) and max(rss) - rss[0] <= RSS_BAND and rss[-1] - rss[0] <= RSS_GROWTH,
                  "VmRSS flat: %.1f..%.1f MiB" % (min(rss or [0]) / 2**20, max(rss or [0]) / 2**20),
                  "samples (MiB) %s" % [round(x / 2**20, 1) for x in rss[:40]])
    mp = st.get("mempool", {})
    rep.check(bool(mp) and all(v.get("in_use_after_close") == 0 for v in mp.values()),
              "in_use_after_close == 0 on every socket", "mempool %s" % mp)
    drops = st.get("drops", {})
    replies = st.get("replies", {})
    fwd = st.get("forwarded", 0)
    rep.check(rx == fwd + sum(replies.values()) + sum(drops.values()),
              "rx == forwarded + answers + drops (every packet counted once)",
              "rx %d fwd %d answers %d drops %d" % (rx, fwd, sum(replies.values()), sum(drops.values())))
    cycles = rx / len(frames)
    local = sum(replies.get(k, 0) for k in ("arp", "nd", "echo", "echo6"))
    icmp = replies.get("frag_needed", 0) + replies.get("ptb", 0) + drops.get("too_big_ratelimited", 0)
    held = drops.get("fragment_hold_full", 0) + drops.get("fragment_timeout", 0)
    other = sum(drops.values()) - drops.get("too_big_ratelimited", 0) - held
    got = {"fwd": fwd, "reply": local, "icmp": icmp, "held": held, "drop": other}
    bad = ["%s: %d, expected %.0f" % (k, got[k], cycles * fates.get(k, 0)) for k in got
           if abs(got[k] - cycles * fates.get(k, 0)) > fates.get(k, 0) + 64]
    rep.check(not bad, "each fate in the pcap's proportion over %.0f replays (%s)" % (cycles, ", ".join(
        "%s %d" % kv for kv in sorted(got.items()))), "; ".join(bad))
    ev = st.get("events", {})
    rep.check(ev.get("outer_fragmented", 0) > 0 and ev.get("mss_clamped", 0) > 0 and
              ev.get("icmp_steered", 0) > 0 and replies.get("frag_needed", 0) > 0,
              "outer fragmentation, MSS clamp, ICMP steering and too-big answers all ran",
              "events %s, replies %s" % (ev, replies))
    print("soak: %d checks, %d failed" % (rep.n, rep.failed))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
