#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Control plane of the real binary under load (issue: control thread).

tunlb replays 2000 established TCP flows forever (net_pcap infinite_rx) into
net_null while the tests talk to its telemetry socket the way dpdk-telemetry.py
and app/tunlbctl do:

  * every telemetry command answers the documented JSON;
  * SIGHUP and a file replaced on disk (rename, as editors do) reload;
  * a restart-only change and a broken file are refused, named in
    /tunlb/config, and the running generation keeps serving;
  * 1000 reloads alternating two valid configs and a broken one while traffic
    runs at full rate: no drop, no flow moved (no reselect, new flows stay at
    the 2000 first seen, the added backend gets none), the broken one never
    served, rte_malloc heap back to its baseline, no mbuf left at exit.

Usage: run_control.py --tunlb PATH --workdir DIR [--reloads N]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

from scapy.all import IP, TCP, Ether, wrpcap

from tlbtest import Telemetry, check, results, wait_for

VIP = "198.51.100.10"
BACKENDS = ["203.0.113.11", "203.0.113.12", "203.0.113.13"]
ADDED = "203.0.113.14"


def config(weights, added=False, broken=False, ipv4="192.0.2.1"):
    lines = ["node:", f"  ipv4: {ipv4}", "  gateway_mac: 02:00:00:00:00:fe",
             "ports:", "  - name: net_pcap0", "    tx_port: net_null0", "  - name: net_null0",
             "services:", "  - name: web", f"    vip: {VIP}",
             "    port: 80x" if broken else "    port: 80",
             "    protocol: tcp", "    encap: gue", "    backends:"]
    for addr, w in zip(BACKENDS, weights):
        lines += [f"      - address: {addr}", f"        weight: {w}"]
    if added:
        lines += [f"      - address: {ADDED}"]
    lines += ["  - name: dns", f"    vip: {VIP}", "    port: 53", "    protocol: udp",
              "    encap: vxlan", "    vni: 7", "    backends:",
              "      - address: 203.0.113.21", "        mac: 02:00:00:00:be:01"]
    return "\n".join(lines) + "\n"


def write_atomic(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)






def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--reloads", type=int, default=1000)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda f: os.path.join(a.workdir, f)
    prefix = f"tlbctl{os.getpid()}"
    tel = Telemetry(prefix)

    # Established flows (ACK, not SYN): 2000 clients to the VIP.
    wrpcap(w("flows.pcap"), [Ether(src="02:00:00:00:00:01") /
                             IP(src="198.19.%d.%d" % (i // 250, 1 + i % 250), dst=VIP) /
                             TCP(sport=10000 + i, dport=80, flags="A") for i in range(2000)])
    cfg = w("tunlb.yaml")
    write_atomic(cfg, config([1, 1, 1]))
    stats = w("stats.json")
    proc = subprocess.Popen(
        ["timeout", "300", a.tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
         f"--file-prefix={prefix}", "--log-level=lib.eal:error",
         f"--vdev=net_pcap0,rx_pcap={w('flows.pcap')},infinite_rx=1",
         "--vdev=net_null0,no-rx=1", "--", "-c", cfg, "--stats-out", stats],
        stdout=open(w("tunlb.log"), "w"), stderr=subprocess.STDOUT)
    try:
        ready = wait_for(lambda: os.path.exists(tel.path) and
                         tel("/tunlb/stats")["flows"]["misses"] >= 2000, 20)
        check("tunlb up, every flow tracked", ready, open(w("tunlb.log")).read()[-500:])

        # --- telemetry answers the documented JSON
        st = tel("/tunlb/stats")
        check("/tunlb/stats: totals, drops by reason, replies, flows, reloads, memory",
              {"rx_packets", "tx_packets", "forwarded", "generation", "reloads", "drops",
               "replies", "flows", "memory"} <= set(st) and "not_vip" in st["drops"] and
              {"hits", "misses", "evictions", "expirations", "reselects"} <= set(st["flows"]),
              st)
        sv = tel("/tunlb/services")
        check("/tunlb/services: both services with vip, port, protocol, encap",
              {v["name"] for v in sv.values()} == {"web", "dns"} and
              all(v["vip"] == VIP for v in sv.values()) and
              {(v["port"], v["protocol"], v["encap"]) for v in sv.values()} ==
              {(80, "tcp", "gue"), (53, "udp", "vxlan")}, sv)
        be = tel("/tunlb/backends,web")
        rows = list(be.values())
        check("/tunlb/backends,web: state, weight, table share, traffic, active flows",
              sorted(r["address"] for r in rows) == BACKENDS and
              sum(r["table_slots"] for r in rows) == rows[0]["table_size"] == 65537 and
              sum(r["active_flows"] for r in rows) == 2000 and
              all(r["state"] == "active" and r["weight"] == 1 and r["packets"] > 0
                  for r in rows), rows)
        cf = tel("/tunlb/config")
        check("/tunlb/config: file, generation, last_reload {ok, time, message}",
              cf["file"] == cfg and cf["generation"] == 1 and
              set(cf["last_reload"]) == {"ok", "time", "message"} and
              cf["last_reload"]["ok"] == 1, cf)
        rundir = os.path.dirname(tel.path)
        check("the telemetry socket is owner-only (directory 0700, socket 0600)",
              os.stat(rundir).st_mode & 0o777 == 0o700 and
              os.stat(tel.path).st_mode & 0o777 == 0o600,
              (oct(os.stat(rundir).st_mode), oct(os.stat(tel.path).st_mode)))
        fl = tel("/tunlb/flows")
        check("/tunlb/flows: per worker capacity and entries",
              fl["worker0"]["capacity"] == 1048576 and fl["worker0"]["entries"] == 2000, fl)

        # --- SIGHUP, file replaced on disk, restart-only key, broken file
        proc.send_signal(signal.SIGHUP)
        check("SIGHUP reloads", wait_for(lambda: tel("/tunlb/config")["generation"] == 2), "")
        write_atomic(cfg, config([1, 2, 1]))
        check("a file renamed over the config reloads by itself",
              wait_for(lambda: tel("/tunlb/config")["generation"] == 3),
              tel("/tunlb/config"))
        write_atomic(cfg, config([1, 2, 1], ipv4="192.0.2.2"))
        time.sleep(0.5)
        cf = tel("/tunlb/config")
        check("a restart-only change is refused, named, and generation 3 keeps serving",
              cf["generation"] == 3 and cf["last_reload"]["ok"] == 0 and
              "node.ipv4" in cf["last_reload"]["message"], cf)
        write_atomic(cfg, config([1, 2, 1], broken=True))
        time.sleep(0.5)
        cf = tel("/tunlb/config")
        check("a broken file is refused with FILE:LINE:COL and generation 3 keeps serving",
              cf["generation"] == 3 and cf["last_reload"]["ok"] == 0 and
              cf["last_reload"]["message"].startswith(cfg + ":11:11: port"), cf)
        write_atomic(cfg, config([1, 1, 1]))
        wait_for(lambda: tel("/tunlb/config")["generation"] == 4)

        # --- reloads under load
        heap0 = None
        texts = [config([1, 1, 1]), config([1, 3, 1], added=True), config([1, 1, 1], broken=True)]
        served = bad_served = 0
        t0 = time.time()
        for i in range(a.reloads):
            kind = i % 3
            write_atomic(cfg, texts[kind])
            r = tel("/tunlb/reload")
            if i == 1:		# baseline: the config the loop ends on, served once
                heap0 = tel("/tunlb/stats")["memory"]["heap_alloc_bytes"]
            if kind == 2:
                bad_served += r["ok"] != 0
            else:
                served += r["ok"] == 1
        dt = time.time() - t0
        write_atomic(cfg, texts[1])		# end on the config with the added backend
        check("the last valid config serves", tel("/tunlb/reload")["ok"] == 1, "")
        print(f"     {a.reloads} reloads in {dt:.1f} s ({1000 * dt / a.reloads:.1f} ms each)")
        st = tel("/tunlb/stats")
        check(f"every valid reload served ({served}) and no broken one ({bad_served})",
              served == a.reloads - a.reloads // 3 and bad_served == 0, (served, bad_served))
        check("no packet dropped while reloading", sum(st["drops"].values()) == 0, st["drops"])
        check("no flow moved: no reselect, still 2000 new flows",
              st["flows"]["reselects"] == 0 and st["flows"]["misses"] == 2000, st["flows"])
        rows = list(tel("/tunlb/backends,web").values())
        added = [r for r in rows if r["address"] == ADDED]
        check("each backend kept its flows; the added one, with a table share, got none",
              sum(r["active_flows"] for r in rows) == 2000 and len(added) == 1 and
              added[0]["table_slots"] > 0 and added[0]["new_flows"] == 0 and
              added[0]["active_flows"] == 0, rows)
        heap1 = st["memory"]["heap_alloc_bytes"]
        # Alignment padding moves by tens of bytes with placement; a leak of even
        # 8 bytes a reload would add 8 KB here.
        check("rte_malloc heap flat over %d more reloads of that config (+-4 KiB)" % a.reloads,
              heap0 is not None and abs(heap1 - heap0) <= 4096,
              (heap0, heap1))
        rx_before = st["rx_packets"]
        check("traffic kept flowing", wait_for(
            lambda: tel("/tunlb/stats")["rx_packets"] > rx_before, 5), rx_before)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    check("SIGTERM exits 0", rc == 0, rc)
    s = json.load(open(stats)) if os.path.exists(stats) else {}
    check("rx == tx + drops at exit", s.get("rx_packets") ==
          s.get("tx_packets", -1) + sum(s.get("drops", {}).values()), s.get("rx_packets"))
    mp = s.get("mempool", {}).get("socket0", {})
    check("no mbuf left after close", mp.get("in_use_after_close") == 0, mp)
    check("--stats-out last_reload uses JSON booleans",
          s.get("last_reload", {}).get("ok") is True, s.get("last_reload"))

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
