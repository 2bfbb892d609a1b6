#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Maglev selection through the real binary, on real packets (issue: scheduler).

The same 20000 TCP flows (scapy) are replayed through tunlb on net_pcap under
configs that differ by one backend. Which backend each flow reached is read
from the outer IPv4 destination by the independent decoder (tests/tools):

  * 100 backends vs the same minus one: every flow of the removed backend
    moves, at most 1.5 % of the others do (Maglev paper, section 3.4);
  * 'state: down' places flows exactly like removing the backend;
  * the order of backends in the file changes nothing;
  * adding a 101st backend: the share that moves is reported;
  * a 1024-entry connection table under 5000 flows evicts (counted), forwards
    every packet and keeps each flow on one backend.

Usage: run_maglev.py --tunlb PATH --workdir DIR
"""
import argparse
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode  # noqa: E402

from scapy.all import IP, TCP, Ether, wrpcap  # noqa: E402

VIP = "198.51.100.10"
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))


def backend(i):
    return "198.18.%d.%d" % (1 + i // 200, 1 + i % 200)


def config(backends, flow_table_size=None):
    lines = ["node:", "  ipv4: 192.0.2.1", "  gateway_mac: 02:00:00:00:00:fe"]
    if flow_table_size is not None:
        lines += ["dataplane:", f"  flow_table_size: {flow_table_size}"]
    lines += ["services:", "  - name: web", f"    vip: {VIP}", "    port: 80",
              "    protocol: tcp", "    encap: gue", "    gue_variant: 1",
              "    table_size: 65537", "    backends:"]
    for addr, state in backends:
        lines += [f"      - address: {addr}", f"        state: {state}"]
    return "\n".join(lines) + "\n"


def flows(n, rnd):
    seen, out = set(), []
    while len(out) < n:
        src = "198.19.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
        sport = rnd.randrange(1024, 65536)
        if (src, sport) not in seen:
            seen.add((src, sport))
            out.append((src, sport))
    return out


def run(tunlb, workdir, name, cfg_text, pcap):
    cfg = os.path.join(workdir, name + ".yaml")
    out = os.path.join(workdir, name + ".out.pcap")
    stats = os.path.join(workdir, name + ".json")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    p = subprocess.run(["timeout", "120", tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                        f"--file-prefix=tlbmg-{name}-{os.getpid()}", "--log-level=lib.eal:error",
                        f"--vdev=net_pcap0,rx_pcap={pcap},tx_pcap={out}", "--", "-c", cfg,
                        "--idle-exit", "300", "--stats-out", stats],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        raise SystemExit(f"tunlb failed on {name}: rc {p.returncode}")
    placed = {}
    for _, frame in tlbdecode.read_pcap(out):
        eth = tlbdecode.parse_eth(frame)
        outer = tlbdecode.parse_ip(frame[eth["l3"]:])
        inner = tlbdecode.parse_ip(outer["packet"][outer["l4"] + 8:])   # GUE variant 1
        key = (tlbdecode.ip_str(inner["src"]), inner["l4info"]["sport"])
        placed.setdefault(key, set()).add(tlbdecode.ip_str(outer["dst"]))
    return placed, json.load(open(stats))


def moved(a, b, keys):
    return sum(1 for k in keys if a[k] != b[k])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    rnd = random.Random(2016)

    fl = flows(20000, rnd)
    pcap = os.path.join(a.workdir, "flows.pcap")
    wrpcap(pcap, [Ether(src="02:00:00:00:00:01") / IP(src=s, dst=VIP) /
                  TCP(sport=p, dport=80, flags="S") for s, p in fl])
    keys = [(tlbdecode.ip_norm(s), p) for s, p in fl]
    hundred = [(backend(i), "active") for i in range(100)]
    removed = backend(37)

    runs = {}
    for name, bes in [
            ("all", hundred),
            ("minus37", [b for b in hundred if b[0] != removed]),
            ("down37", [(b, "down" if b == removed else s) for b, s in hundred]),
            ("shuffled", rnd.sample(hundred, len(hundred))),
            ("plus1", hundred + [(backend(100), "active")])]:
        placed, stats = run(a.tunlb, a.workdir, name, config(bes), pcap)
        ok = all(len(placed.get(k, ())) == 1 for k in keys) and len(placed) == len(keys)
        check(f"{name}: every flow forwarded to exactly one backend", ok,
              f"{len(placed)} flows seen of {len(keys)}")
        runs[name] = {k: next(iter(v)) for k, v in placed.items()}
        check(f"{name}: rx == tx + drops", stats["rx_packets"] == stats["tx_packets"] +
              sum(stats["drops"].values()), stats["rx_packets"])

    base = runs["all"]
    shares = {}
    for k in keys:
        shares[base[k]] = shares.get(base[k], 0) + 1
    check("100 backends all used, min/max flows %d/%d" % (min(shares.values()),
          max(shares.values())), len(shares) == 100, len(shares))
    on_removed = [k for k in keys if base[k] == removed]
    others = [k for k in keys if base[k] != removed]
    m = moved(base, runs["minus37"], others)
    print("     remove 1 of 100: %d flows of the removed backend moved, %d of %d others moved "
          "(%.3f %%)" % (len(on_removed), m, len(others), 100.0 * m / len(others)))
    check("remove 1 of 100: every flow of the removed backend moved",
          all(runs["minus37"][k] != removed for k in on_removed) and on_removed, len(on_removed))
    check("remove 1 of 100: at most 1.5 % of the other flows moved", m * 1000 <= 15 * len(others),
          "%.3f %%" % (100.0 * m / len(others)))
    check("'state: down' places every flow exactly like removing the backend",
          runs["down37"] == runs["minus37"], moved(runs["down37"], runs["minus37"], keys))
    check("backend order in the file changes no flow", runs["shuffled"] == base,
          moved(runs["shuffled"], base, keys))
    to_new = sum(1 for k in keys if runs["plus1"][k] == backend(100))
    between = sum(1 for k in keys if runs["plus1"][k] != base[k] and
                  runs["plus1"][k] != backend(100))
    print("     add 1 to 100: %.3f %% of flows went to the new backend, %.3f %% moved between "
          "old ones" % (100.0 * to_new / len(keys), 100.0 * between / len(keys)))
    check("add 1 to 100: the new backend gets about 1/101 of the flows",
          0.5 / 101 < to_new / len(keys) < 2.0 / 101, to_new)

    # A tiny connection table under many flows: evictions counted, nothing lost.
    small = os.path.join(a.workdir, "small.pcap")
    pk = [Ether(src="02:00:00:00:00:01") / IP(src=s, dst=VIP) / TCP(sport=p, dport=80, flags=f)
          for f in ("S", "A") for s, p in fl[:5000]]
    wrpcap(small, pk)
    placed, stats = run(a.tunlb, a.workdir, "small", config(hundred[:10], 1024), small)
    fs = stats.get("flows", {})
    print("     1024-entry table, 5000 flows x 2 packets: %s" % fs)
    check("full table: evictions counted", fs.get("evictions", 0) > 0 and
          fs.get("capacity_per_worker") == 1024, fs)
    check("full table: every packet forwarded", stats["tx_packets"] == 10000 and
          stats["rx_packets"] == 10000, (stats["rx_packets"], stats["tx_packets"]))
    check("full table: each flow stays on one backend",
          all(len(v) == 1 for v in placed.values()) and len(placed) == 5000, len(placed))

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
