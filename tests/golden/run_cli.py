#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CLI and lifecycle tests of the real tunlb binary (design.md section 3).

One row per behaviour: --check-config verdicts and messages, usage errors,
start-up failures that must name the port and the reason, SIGTERM shutdown
that flushes net_pcap's file and writes --stats-out, and several workers each
on its own RX/TX queue. Inputs are built with scapy; outputs are counted with
scapy's reader, never with tunlb's code.

Usage: run_cli.py --tunlb PATH --workdir DIR
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

from scapy.all import IP, TCP, Ether, rdpcap, wrpcap

CONFIG = """\
node:
  ipv4: 192.0.2.1
  ipv6: 2001:db8::1
  gateway_mac: 02:00:00:00:00:fe
{ports}services:
  - name: web
    vip: 198.51.100.10
    port: 80
    protocol: tcp
    encap: gue
    backends:
      - address: 203.0.113.11
      - address: 203.0.113.12
"""

EAL = ["--no-huge", "-m", "1024", "--no-pci", "--log-level=lib.eal:error"]
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def syn_pcap(path, n, base=0):
    wrpcap(path, [Ether(src="02:00:00:00:00:01") /
                  IP(src="198.18.%d.%d" % ((base + i) // 250, 1 + (base + i) % 250),
                     dst="198.51.100.10") / TCP(sport=20000 + i, dport=80, flags="S")
                  for i in range(n)])
    return path


def run(tunlb, eal, app, timeout=60):
    p = subprocess.run([tunlb] + EAL + eal + ["--"] + app, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda f: os.path.join(a.workdir, f)
    tag = "tlbcli%d" % os.getpid()
    good = write(w("good.yaml"), CONFIG.format(ports=""))

    # --check-config: valid, invalid with FILE:LINE:COL, unreadable
    p = subprocess.run([a.tunlb, "--check-config", good], capture_output=True, text=True)
    check("check-config accepts a valid file", p.returncode == 0, p.stderr)
    bad = write(w("bad.yaml"), CONFIG.format(ports="").replace("port: 80", "port: 80000"))
    p = subprocess.run([a.tunlb, "--check-config", bad], capture_output=True, text=True)
    check("check-config refuses a bad file with exit 1", p.returncode == 1, p.returncode)
    check("the refusal names FILE:LINE:COL of the value",
          re.search(re.escape(bad) + r":8:11: ", p.stderr), p.stderr)
    p = subprocess.run([a.tunlb, "--check-config", w("missing.yaml")], capture_output=True,
                       text=True)
    check("check-config on a missing file exits 1 naming it",
          p.returncode == 1 and "missing.yaml" in p.stderr, p.stderr)

    # usage errors
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "u"], ["--no-such-option"])
    check("an unknown option exits 2 with usage", rc == 2 and "usage" in out, out[-300:])
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "i"],
                  ["-c", good, "--idle-exit", "soon"])
    check("a non-numeric --idle-exit exits 2", rc == 2, out[-300:])
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "j"],
                  ["-c", good, "--stats-interval", "100"])
    check("--stats-interval without --stats-out exits 2", rc == 2, out[-300:])

    # start-up failures name the port and the reason
    inp = syn_pcap(w("in.pcap"), 40)
    cfg9 = write(w("port9.yaml"), CONFIG.format(ports="ports:\n  - name: net_pcap9\n"))
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "p",
                            f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={w('o.pcap')}"],
                  ["-c", cfg9, "--idle-exit", "200"])
    check("a config port DPDK did not probe stops start-up", rc != 0, rc)
    check("... naming it with FILE:LINE:COL",
          re.search(re.escape(cfg9) + r":6:5: port 'net_pcap9' was not probed", out), out[-400:])
    rc, out = run(a.tunlb, ["--lcores", "0@0,1@1,2@1", "--file-prefix", tag + "q",
                            f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={w('o.pcap')}"],
                  ["-c", good, "--idle-exit", "200"])
    check("two workers on a port with one TX queue stop start-up naming the port",
          rc != 0 and re.search(r"net_pcap0: offers 1 TX queues", out), out[-400:])
    cfgm = write(w("mtu.yaml"), CONFIG.format(ports="ports:\n  - name: net_pcap0\n"
                                                     "    mtu: 65000\n"))
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "m",
                            f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={w('o.pcap')}"],
                  ["-c", cfgm, "--idle-exit", "200"])
    check("an MTU the config loader or device refuses stops start-up",
          rc != 0 and ("mtu" in out.lower()), out[-400:])

    # --log-level per module (rte_log types user.tunlb.<module>)
    rc, out = run(a.tunlb, ["-l", "0", "--file-prefix", tag + "g", "--log-level=user.tunlb.port:warning",
                            f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={w('g.pcap')}"],
                  ["-c", good, "--idle-exit", "200"])
    check("--log-level=user.tunlb.port:warning silences that module only",
          rc == 0 and "tunlb.port:" not in out and "tunlb.main:" in out and
          "tunlb.snapshot:" in out, out[-400:])

    # SIGTERM: workers stop, TX flushed, port closed (pcap complete), stats written
    outp, stats = w("term.pcap"), w("term.json")
    proc = subprocess.Popen([a.tunlb] + EAL + [
        "-l", "0", "--file-prefix", tag + "t",
        f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={outp}", "--", "-c", good,
        "--stats-out", stats, "--stats-interval", "100"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3)
    live = json.load(open(stats)) if os.path.exists(stats) else {}
    check("--stats-interval writes the counters while running",
          live.get("rx_packets") == 40 and proc.poll() is None, live.get("rx_packets"))
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    check("SIGTERM exits 0", proc.returncode == 0, f"rc {proc.returncode}: {out[-300:]}")
    frames = rdpcap(outp) if os.path.exists(outp) else []
    check("... with every forwarded frame flushed to the pcap", len(frames) == 40, len(frames))
    s = json.load(open(stats)) if os.path.exists(stats) else {}
    check("... and --stats-out written", s.get("rx_packets") == 40 and s.get("tx_packets") == 40,
          s)

    # Two workers, each on its own RX/TX queue (net_pcap: one queue per rx/tx pair)
    in1, in2 = syn_pcap(w("q0.pcap"), 30), syn_pcap(w("q1.pcap"), 50, base=100)
    o1, o2, st2 = w("o0.pcap"), w("o1.pcap"), w("two.json")
    rc, out = run(a.tunlb, ["--lcores", "0@0,1@1,2@1", "--file-prefix", tag + "w",
                            f"--vdev=net_pcap0,rx_pcap={in1},rx_pcap={in2},"
                            f"tx_pcap={o1},tx_pcap={o2}"],
                  ["-c", good, "--idle-exit", "300", "--stats-out", st2])
    check("two workers run and exit 0", rc == 0, out[-400:])
    n1 = len(rdpcap(o1)) if os.path.exists(o1) else -1
    n2 = len(rdpcap(o2)) if os.path.exists(o2) else -1
    check("each worker sends what its own queue received", (n1, n2) == (30, 50), (n1, n2))
    s = json.load(open(st2)) if os.path.exists(st2) else {}
    check("counters are summed over workers",
          s.get("rx_packets") == 80 and s.get("forwarded") == 80, s.get("rx_packets"))

    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
