#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tunlb datapath benchmark, side by side with dpdk-testpmd io and OVS-DPDK (issue 8, research/harness.md B).

  sudo tests/bench/run_bench.py                 # full: release build, hugepages, OVS, the 'axes' matrix
  sudo tests/bench/run_bench.py --light         # CI: seconds, --no-huge, no OVS, base scenario, budget check
  options: --matrix axes|cross  --scenario NAME (repeatable)  --systems tunlb,testpmd,ovs  --runs 3 --win 5
           --no-huge  --no-callgrind  --profile  --tunlb PATH  --out DIR  (see --help)

Per scenario and system: one process, its forwarding thread alone on CPU 1, warm-up, then `runs` windows of
`win` seconds with perf stat on that thread (windows where it got < 98 % of the CPU are rejected and
retried); the median is printed. Input: net_pcap infinite_rx from a scapy-made pcap (research/harness.md
B.2) when the scenario's packets fit in tunlb's mbuf pool (infinite_rx keeps each packet of the file in an
mbuf); larger inputs (1M flows) come from bench_ringgen, a DPDK secondary process on CPU 0 feeding a
net_ring vdev (needs hugepages), for testpmd and tunlb alike. Output: net_null,no-rx=1. tunlb's exact
instructions per packet come from callgrind on a finite pcap (--toggle-collect=tlb_worker_process).
Results: a table on stdout and OUT/bench-<time>.json (+ OUT/latest.json); OUT defaults to build-bench/results.
Nothing here asserts on time; --light asserts callgrind instructions/packet against tests/bench/budget.json.
"""

import argparse
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import benchlib as B   # noqa: E402
import mkinput        # noqa: E402

VIP = mkinput.VIP
PCAP_MAX = 4096          # packets net_pcap infinite_rx may hold in tunlb's pool (8.5k mbufs) with margin
FLOWS = {"1": 1, "1k": 1024, "1M": 1000000}
BASE = ("64", "1k", 2, "gue", "v4")
GOALS = {"base_mpps": 30.0, "ovs_ratio": 3.0, "1M_mpps": 15.0}
# OVS's two buckets: on br-phy's subnet (198.18.7.0/24, 2001:db8:7::/64), or the tunnel push has no route.
OVS_BACKENDS = {"v4": [("198.18.7.11", "02:00:00:07:00:11"), ("198.18.7.12", "02:00:00:07:00:12")],
                "v6": [("2001:db8:7::11", "02:00:00:07:00:11"), ("2001:db8:7::12", "02:00:00:07:00:12")]}


def next_prime(n):
    """Smallest prime >= n (Maglev table sizes: at least 100 slots per backend)."""
    while any(n % d == 0 for d in range(2, int(n ** 0.5) + 1)):
        n += 1
    return n


class Scenario:
    def __init__(self, size, flows, backends, encap, outer):
        self.size, self.flows_label, self.backends, self.encap, self.outer = size, flows, backends, encap, outer
        self.flows = FLOWS[flows]
        self.name = "%s-%s-%dbe-%s-%s" % (size + "B" if size != "imix" else "imix", flows, backends,
                                          encap, outer)

    @property
    def frame(self):
        return {"64": "64", "1500": "1518", "imix": "imix"}[self.size]

    @property
    def reps(self):
        """Copies of the flow set in the replayed pcap (one flow: 32 identical packets, a burst)."""
        return 32 if self.flows == 1 else 1

    @property
    def input(self):
        return "pcap" if self.flows * self.reps <= PCAP_MAX else "ring"

    def backend_list(self):
        out = []
        for i in range(self.backends):
            if self.outer == "v4":
                addr = "198.18.%d.%d" % (8 + i // 250, 1 + i % 250)
            else:
                addr = "2001:db8:be::%x" % (i + 1)
            out.append((addr, "02:00:00:be:%02x:%02x" % (i >> 8, i & 0xFF)))
        return out

    def config(self, in_port):
        """tunlb config (JSON is YAML): one TCP service on VIP:80, software TX checksums, flow table on."""
        be = [{"address": a, "mac": m} for a, m in self.backend_list()]
        svc = {"name": "bench", "vip": VIP, "port": 80, "protocol": "tcp", "encap": self.encap,
               "table_size": next_prime(max(65537, 100 * self.backends)), "backends": be}
        if self.encap == "gue":
            svc["gue_variant"] = 1
        else:
            svc["vni"] = 100
        table = 1 << 20
        while table < 2 * self.flows:
            table <<= 1
        return {"node": {"ipv4": "198.18.7.1", "ipv6": "2001:db8:7::1", "gateway_mac": "02:00:00:00:00:fe"},
                "ports": [{"name": in_port, "mtu": 1600, "tx_offloads": "software", "tx_port": "net_null0"},
                          {"name": "net_null0", "mtu": 1600, "tx_offloads": "software"}],
                "dataplane": {"flow_table_size": table},
                "services": [svc]}


def matrix(kind):
    if kind == "light":
        return [Scenario(*BASE)]
    if kind == "cross":
        return [Scenario(*c) for c in itertools.product(("64", "1500", "imix"), ("1", "1k", "1M"),
                                                        (2, 1000), ("gue", "vxlan"), ("v4", "v6"))
                if not (c[0] != "64" and c[1] == "1M")]
    axes = [BASE, ("1500", "1k", 2, "gue", "v4"), ("imix", "1k", 2, "gue", "v4"),
            ("64", "1", 2, "gue", "v4"), ("64", "1M", 2, "gue", "v4"), ("64", "1k", 1000, "gue", "v4"),
            ("64", "1k", 2, "vxlan", "v4"), ("64", "1k", 2, "gue", "v6"), ("64", "1M", 1000, "vxlan", "v6")]
    return [Scenario(*c) for c in axes]


# --------------------------------------------------------------------------- build and inputs

def build(builddir):
    if not os.path.exists(os.path.join(builddir, "build.ninja")):
        B.log("building release tunlb in %s" % builddir)
        subprocess.run(["meson", "setup", builddir, ROOT, "--buildtype=release", "-Dwerror=true"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", builddir], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(builddir, "app", "tunlb"), os.path.join(builddir, "tests", "bench", "bench_ringgen")


def pcap_for(work, sc, reps):
    path = os.path.join(work, "in-%s-%s-x%d.pcap" % (sc.size, sc.flows_label, reps))
    if not os.path.exists(path):
        mkinput.write_pcap(path, sc.flows, sc.frame, reps)
    return path


# --------------------------------------------------------------------------- one measurement

class Ctx:
    def __init__(self, a, tunlb, ringgen, huge, work):
        self.a, self.tunlb, self.ringgen, self.huge, self.work = a, tunlb, ringgen, huge, work
        self.n = 0
        self.tsc = B.machine()["tsc_mhz"]

    def prefix(self, what):
        self.n += 1
        return "tlbb-%d-%s%d" % (os.getpid(), what, self.n)

    @property
    def hugedir(self):
        return self.huge.dir if self.huge else None


def input_vdev(ctx, sc):
    """(vdev of the input port, generator pcap or None)."""
    pc = pcap_for(ctx.work, sc, sc.reps)
    if sc.input == "pcap":
        return "net_pcap0,rx_pcap=%s,infinite_rx=1" % pc, None
    return "net_ring0", pc


def start_ringgen(ctx, prefix, pcap, pool):
    cmd = ["taskset", "-c", "0", ctx.ringgen, "--proc-type=secondary", "--file-prefix=" + prefix,
           "--lcores=2@0", "--no-pci", "--huge-dir", ctx.hugedir, "--log-level=lib.eal:error", "--",
           "--pcap", pcap, "--pool", pool]
    g = B.Proc(cmd, os.path.join(ctx.work, prefix + "-gen.log"), ctx.a.limit)
    end = time.time() + 60
    while "frames from" not in open(g.logpath).read():
        if time.time() > end or not g.alive():
            g.stop()
            raise B.BenchError("bench_ringgen did not start\n" + g.tail())
        time.sleep(0.2)
    return g


def run_dpdk(ctx, sc, kind, binary=None):
    """Measure testpmd or tunlb (binary: another tunlb build) on scenario sc. Returns the summary dict."""
    a = ctx.a
    vdev, gen_pcap = input_vdev(ctx, sc)
    if gen_pcap and not ctx.hugedir:
        return {"skipped": "the ring generator (secondary process) needs hugepages"}
    prefix = ctx.prefix(kind)
    mem = B.eal_mem(ctx.hugedir, 1024 if sc.flows < 100000 else 1536, unlink=gen_pcap is None)
    vdevs = [vdev, "net_null0,no-rx=1"]
    extra = {}
    if kind == "testpmd":
        cmd = B.testpmd_cmd(mem, prefix, vdevs)
        pool = "mb_pool_0"
    else:
        cfg = os.path.join(ctx.work, "%s-%s.json" % (sc.name, prefix))
        stats = os.path.join(ctx.work, "%s-%s.stats.json" % (sc.name, prefix))
        with open(cfg, "w") as f:
            json.dump(sc.config(vdev.split(",")[0]), f, indent=1)
        cmd = B.tunlb_cmd(binary or ctx.tunlb, mem, prefix, vdevs, cfg, stats)
        pool = "tlb_pool_0"
    B.log("  %s: %s" % (kind if binary is None else "tunlb (compare)",
                        " ".join(cmd[:1] + [c for c in cmd if c.startswith("--vdev")])))
    run = gen = None
    try:
        run = B.DpdkRun(kind, cmd, prefix, os.path.join(ctx.work, prefix + ".log"), a.limit)
        if gen_pcap:
            gen = start_ringgen(ctx, prefix, gen_pcap, pool)
        B.wait_count_moves(run.count, run.proc)
        time.sleep(a.warm)
        ok, bad = B.measure(run.tid, run.count, a.win, a.runs, a.retries, ctx.tsc)
        if a.profile and kind == "tunlb":
            extra["perf_top"] = B.perf_profile(run.tid, 3, ctx.work, sc.name + ("-b" if binary else ""))
    finally:
        if gen:
            gen.stop()
        if run:
            run.stop()
        if ctx.huge:
            ctx.huge.clean()
    s = B.summarize(ok, bad)
    s["input"] = "ring generator (1 CPU, %d frames)" % sc.flows if gen_pcap else \
        "pcap infinite_rx (%d packets)" % (sc.flows * sc.reps)
    if kind == "tunlb":
        st = json.load(open(stats))
        s["drops"] = {k: v for k, v in st.get("drops", {}).items() if v}
        fl = st.get("flows", {})
        s["flow_hit_rate"] = fl.get("hits", 0) / max(1, fl.get("hits", 0) + fl.get("misses", 0))
        s["flows"] = {k: fl.get(k, 0) for k in ("hits", "misses", "evictions", "expirations")}
        s["backends_used"] = len([b for b in st["services"]["bench"]["backends"].values() if b["packets"]])
    s.update(extra)
    return s


def run_ovs(ctx, sc):
    a = ctx.a
    if sc.input != "pcap":
        return {"skipped": "OVS allocates its own mbuf pool (262144): no %s-packet infinite_rx pcap, "
                           "no ring generator" % sc.flows}
    vdev, _ = input_vdev(ctx, sc)
    prefix = ctx.prefix("ovs")
    mem = B.eal_mem(ctx.hugedir, 2048 if ctx.hugedir else 1024)   # OVS asks 262144 mbufs per pool
    B.log("  ovs: VXLAN push (outer %s), select group dp_hash over 2 buckets, in0 = %s" % (sc.outer, vdev))
    o = None
    try:
        o = B.OvsRun(mem, prefix, vdev, sc.outer, OVS_BACKENDS[sc.outer], ctx.work, a.limit)
        B.wait_count_moves(o.count, o.vswitchd, 60)
        time.sleep(a.warm + 1)
        ok, bad = B.measure(o.tid, o.count, a.win, a.runs, a.retries, ctx.tsc)
        flow = o.check()
        B.log("    datapath flow: %s" % (flow[0] if flow else "(none seen)"))
    finally:
        if o:
            o.stop()
        if ctx.huge:
            ctx.huge.clean()
    s = B.summarize(ok, bad)
    s["input"] = "pcap infinite_rx (%d packets)" % (sc.flows * sc.reps)
    s["what"] = "VXLAN push, select group (dp_hash) over 2 buckets"
    s["dp_flow"] = flow[:1]
    return s


def run_callgrind(ctx, sc, reps, binary=None):
    pc = pcap_for(ctx.work, sc, reps)
    prefix = ctx.prefix("cg")
    cfg = os.path.join(ctx.work, "%s-%s.json" % (sc.name, prefix))
    with open(cfg, "w") as f:
        json.dump(sc.config("net_pcap0"), f, indent=1)
    B.log("  callgrind: %d packets (%d flows x %d), --toggle-collect=tlb_worker_process" %
          (sc.flows * reps, sc.flows, reps))
    r = B.callgrind(binary or ctx.tunlb, cfg, pc, prefix, ctx.work, sc.name + ("-b" if binary else ""),
                    limit=ctx.a.limit * 4)
    r["pcap"] = "%d flows x %d" % (sc.flows, reps)
    B.log("    %.1f instructions/packet in tlb_worker_process (%d packets, %s forwarded, %d dropped)" %
          (r["ir_per_pkt"], r["packets"], r["forwarded"], r["drops"]))
    return r


# --------------------------------------------------------------------------- report

def fmt(v, f="%.2f"):
    return f % v if isinstance(v, (int, float)) else "-"


def ratio(x, y):
    if x and y and x.get("mpps") and y.get("mpps"):
        return x["mpps"] / y["mpps"]
    return None


def table(results, mem_label, pmu):
    cyc = "cyc/pkt" if pmu else "TSCcyc/pkt"
    head = ("%-26s %7s %7s %10s %8s | %8s %7s | %8s %7s | %7s %7s" %
            ("scenario", "tunlb", "ns/pkt", cyc, "Ir/pkt", "testpmd", "ns/pkt", "ovs", "ns/pkt",
             "/testpmd", "/ovs"))
    lines = ["", "tunlb vs testpmd io (the I/O ceiling) vs OVS-DPDK, one worker core, %s, Mpps = median "
             "of accepted runs; Ir/pkt = callgrind instructions in tlb_worker_process per packet" % mem_label,
             head, "-" * len(head)]
    for r in results:
        t, p, o, cg = r.get("tunlb") or {}, r.get("testpmd") or {}, r.get("ovs") or {}, r.get("callgrind") or {}
        flag = "*" if t.get("contaminated") or p.get("contaminated") or o.get("contaminated") else " "
        lines.append("%-26s %7s %7s %10s %8s | %8s %7s | %8s %7s | %7s %7s %s" % (
            r["name"], fmt(t.get("mpps")), fmt(t.get("ns_pkt"), "%.1f"),
            fmt(t.get("cyc_pkt", t.get("tsc_cyc_pkt")), "%.1f"), fmt(cg.get("ir_per_pkt"), "%.1f"),
            fmt(p.get("mpps")), fmt(p.get("ns_pkt"), "%.1f"), fmt(o.get("mpps")), fmt(o.get("ns_pkt"), "%.1f"),
            fmt(r.get("ratio_testpmd")), fmt(r.get("ratio_ovs")), flag))
    if any(r.get("compare") for r in results):
        label = next(r["compare"].get("label") for r in results if r.get("compare"))
        head2 = "%-26s %9s %9s %9s %9s %9s %9s" % ("scenario", "tunlb", "ns/pkt", label[:9], "ns/pkt",
                                                   "ratio", "Ir/pkt")
        lines += ["", "tunlb vs '%s' (same run, same input)" % label, head2, "-" * len(head2)]
        for r in results:
            t, c = r.get("tunlb") or {}, r.get("compare") or {}
            cg = r.get("callgrind_compare") or {}
            lines.append("%-26s %9s %9s %9s %9s %9s %9s" % (
                r["name"], fmt(t.get("mpps")), fmt(t.get("ns_pkt"), "%.1f"), fmt(c.get("mpps")),
                fmt(c.get("ns_pkt"), "%.1f"), fmt(r.get("ratio_compare")), fmt(cg.get("ir_per_pkt"), "%.1f")))
    lines.append("(* = no run got >= 98 % of its CPU: median of rejected runs; '-' = not measured)")
    if not pmu:
        lines.append("(no hardware PMU here: ns/pkt = worker task-clock per packet; TSCcyc/pkt = ns/pkt x "
                     "TSC GHz: the core itself may clock higher)")
    return "\n".join(lines)


def goals(results, mem_label):
    by = {r["name"]: r for r in results}
    out = []
    base = by.get(Scenario(*BASE).name, {})
    m1 = by.get(Scenario("64", "1M", 2, "gue", "v4").name, {})
    for key, label in (("tunlb", "tunlb"), ("compare", None)):
        b, m = base.get(key) or {}, m1.get(key) or {}
        label = label or b.get("label") or m.get("label")
        if b.get("mpps"):
            out.append("goal 64 B / 1k flows / GUE v4 >= %.0f Mpps: %s: %s Mpps (%s)" % (
                GOALS["base_mpps"], label, fmt(b["mpps"]), mem_label))
            if (base.get("ovs") or {}).get("mpps"):
                out.append("goal >= %.0fx OVS-DPDK on that input: %s: %.2fx" % (
                    GOALS["ovs_ratio"], label, b["mpps"] / base["ovs"]["mpps"]))
        if m.get("mpps"):
            out.append("goal 1M flows >= %.0f Mpps: %s: %s Mpps (input: %s)" % (
                GOALS["1M_mpps"], label, fmt(m["mpps"]), m.get("input")))
    return out


def commit():
    def git(*args):
        r = subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True)
        return r.stdout.strip()
    return {"head": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain",
                                                                            "--untracked-files=no"))}


# --------------------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--light", action="store_true", help="CI version: base scenario, --no-huge, no OVS, "
                    "1 run of 1 s, callgrind budget check")
    ap.add_argument("--matrix", choices=("axes", "cross"), default="axes",
                    help="axes: base + one change at a time (default); cross: every combination")
    ap.add_argument("--scenario", action="append", help="only these scenario names (see --list)")
    ap.add_argument("--list", action="store_true", help="print the scenario names and exit")
    ap.add_argument("--systems", default=None, help="comma list of tunlb,testpmd,ovs")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--retries", type=int, default=None, help="extra windows when one is rejected")
    ap.add_argument("--win", type=float, default=None, help="seconds per run")
    ap.add_argument("--warm", type=float, default=None)
    ap.add_argument("--no-huge", action="store_true", help="do not try hugepages")
    ap.add_argument("--hugepages", type=int, default=1400, help="2 MB pages to reserve")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--callgrind-only", action="store_true", help="only the exact instruction counts")
    ap.add_argument("--cg-reps", type=int, default=None, help="callgrind pcap: the flow set this many times")
    ap.add_argument("--profile", action="store_true", help="perf record the tunlb worker (top symbols)")
    ap.add_argument("--budget", default=None, help="assert callgrind Ir/pkt <= headroom x budget (JSON file)")
    ap.add_argument("--tunlb", default=None, help="binary to measure (default: build a release one)")
    ap.add_argument("--ringgen", default=None, help="bench_ringgen binary (default: next to the build)")
    ap.add_argument("--compare", default=None, metavar="PATH[:LABEL]",
                    help="also measure this other tunlb binary (e.g. with a proposed patch) on every scenario")
    ap.add_argument("--builddir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--out", default=None, help="results directory (default BUILDDIR/results)")
    ap.add_argument("--limit", type=int, default=300, help="seconds any one process may live")
    ap.add_argument("--no-install", action="store_true", help="never apt-get install OVS")
    a = ap.parse_args()
    light = a.light
    dflt = dict(systems="tunlb,testpmd" if light else "tunlb,testpmd,ovs", runs=1 if light else 3,
                retries=1 if light else 4, win=1.0 if light else 5.0, warm=0.5 if light else 2.0,
                cg_reps=8 if light else 16)
    for k, v in dflt.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if light:
        a.no_huge = True
    a.systems = a.systems.split(",")
    a.compare_label = None
    if a.compare:
        path, _, label = a.compare.partition(":")
        a.compare, a.compare_label = os.path.abspath(path), label or "compare"

    return a


def main():
    a = parse_args()
    scen = matrix("light" if a.light else a.matrix)
    if a.scenario:
        scen = [s for s in matrix("cross") + matrix("axes") if s.name in a.scenario]
        scen = list({s.name: s for s in scen}.values())
        if not scen:
            sys.exit("no such scenario: %s (see --list)" % ", ".join(a.scenario))
    if a.list:
        print("\n".join(s.name for s in scen))
        return 0
    if os.geteuid() != 0:
        sys.exit("run_bench.py: needs root (DPDK, perf on another process, hugepages)")
    if a.tunlb:
        tunlb = os.path.abspath(a.tunlb)
        ringgen = a.ringgen or os.path.join(os.path.dirname(os.path.dirname(tunlb)), "tests", "bench",
                                            "bench_ringgen")
    else:
        tunlb, ringgen = build(a.builddir)
    out = a.out or os.path.join(a.builddir, "results")
    os.makedirs(out, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    work = os.path.join(out, "work-" + stamp)
    os.makedirs(work, exist_ok=True)
    mach = B.machine()
    B.log("tunlb benchmark: %s, %d CPUs, kernel %s, DPDK %s, %s; binary %s" % (
        mach["cpu"], mach["cpus"], mach["kernel"], mach["dpdk"], mach["cc"], tunlb))
    if not mach["pmu"]:
        B.log("perf: no hardware PMU on this machine (cycles/instructions <not supported>): cycles/packet "
              "come from task-clock x TSC, instructions/packet from callgrind")
    ovs_note = ""
    if "ovs" in a.systems and not a.callgrind_only:
        ok, ovs_note = B.ovs_available(not a.no_install)
        if not ok:
            B.log("OVS-DPDK unavailable (%s): its column stays empty" % ovs_note)
            a.systems.remove("ovs")

    results = []
    huge = None
    with contextlib.ExitStack() as stack:
        mem_label = "--no-huge (4 KB pages)"
        if not a.no_huge and not a.callgrind_only:
            huge = stack.enter_context(B.Hugepages(a.hugepages, str(os.getpid())))
            if huge.dir:
                mem_label = "2 MB hugepages"
            else:
                B.log("hugepages: could not reserve %d x 2 MB (%s): falling back to --no-huge" %
                      (a.hugepages, getattr(huge, "reason", "?")))
                huge = None
        B.log("memory: %s" % mem_label)
        ctx = Ctx(a, tunlb, ringgen, huge, work)
        testpmd_cache = {}
        for sc in scen:
            B.log("\n== %s (%s flows, %s frames, %d backends, %s, outer %s; input %s)" % (
                sc.name, sc.flows, sc.frame, sc.backends, sc.encap, sc.outer, sc.input))
            r = {"name": sc.name, "size": sc.size, "flows": sc.flows, "backends": sc.backends,
                 "encap": sc.encap, "outer": sc.outer}
            for kind in ("testpmd", "ovs", "tunlb"):
                if kind not in a.systems or a.callgrind_only:
                    continue
                key = (kind, sc.size, sc.flows_label) + ((sc.outer,) if kind == "ovs" else ())
                if kind != "tunlb" and key in testpmd_cache:
                    r[kind] = testpmd_cache[key]
                    B.log("  %s: same input as an earlier scenario: %s Mpps" % (kind, fmt(r[kind].get("mpps"))))
                    continue
                try:
                    r[kind] = run_ovs(ctx, sc) if kind == "ovs" else run_dpdk(ctx, sc, kind)
                except B.BenchError as e:
                    B.log("  %s FAILED: %s" % (kind, e))
                    r[kind] = {"error": str(e)[:2000]}
                if kind != "tunlb":
                    testpmd_cache[key] = r[kind]
            if a.compare and not a.callgrind_only:
                try:
                    r["compare"] = run_dpdk(ctx, sc, "tunlb", a.compare)
                    r["compare"]["label"] = a.compare_label
                except B.BenchError as e:
                    B.log("  compare FAILED: %s" % e)
                    r["compare"] = {"error": str(e)[:2000]}
                r["ratio_compare"] = ratio(r.get("compare"), r.get("tunlb"))
            if not a.no_callgrind and shutil.which("valgrind"):
                reps = max(1, a.cg_reps if sc.flows <= 4096 else 1)
                if sc.flows == 1:
                    reps = 4096
                try:
                    r["callgrind"] = run_callgrind(ctx, sc, reps)
                    if a.compare:
                        r["callgrind_compare"] = run_callgrind(ctx, sc, reps, a.compare)
                except B.BenchError as e:
                    B.log("  callgrind FAILED: %s" % e)
                    r["callgrind"] = {"error": str(e)[:2000]}
            r["ratio_testpmd"] = ratio(r.get("tunlb"), r.get("testpmd"))
            r["ratio_ovs"] = ratio(r.get("tunlb"), r.get("ovs"))
            results.append(r)

    text = table(results, mem_label, mach["pmu"])
    B.log(text)
    for g in goals(results, mem_label):
        B.log(g)
    doc = {"when": stamp, "commit": commit(), "machine": mach, "memory": mem_label,
           "settings": {k: getattr(a, k) for k in ("runs", "win", "warm", "retries", "systems", "cg_reps")},
           "ovs": ovs_note, "goals": GOALS, "scenarios": results}
    path = os.path.join(out, "bench-%s.json" % stamp)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    shutil.copyfile(path, os.path.join(out, "latest.json"))
    B.log("results: %s" % path)

    status = 0
    for r in results:
        for k in ("tunlb", "testpmd", "ovs", "callgrind", "compare"):
            if isinstance(r.get(k), dict) and "error" in r[k]:
                status = 1
        if r.get("tunlb", {}).get("drops"):
            B.log("FAIL %s: tunlb dropped packets: %s" % (r["name"], r["tunlb"]["drops"]))
            status = 1
        cg = r.get("callgrind") or {}
        if cg.get("drops"):
            B.log("FAIL %s: callgrind run dropped %d packets" % (r["name"], cg["drops"]))
            status = 1
    if a.budget:
        status |= check_budget(a.budget, results)
    for n in os.listdir(work):          # inputs are big and cheap to rebuild; logs and profiles stay
        if n.endswith(".pcap"):
            os.unlink(os.path.join(work, n))
    if a.light and not shutil.which("valgrind") and status == 0:
        B.log("valgrind missing: no instruction count, test skipped")
        return 77
    return status


def check_budget(path, results):
    """Exact instruction counts against the recorded budget (generous headroom): never time."""
    budget = json.load(open(path))
    status = 0
    for r in results:
        b = budget["ir_per_pkt"].get(r["name"])
        cg = r.get("callgrind") or {}
        if b is None or cg.get("ir_per_pkt") is None:
            continue
        limit = b * budget["headroom"]
        ok = cg["ir_per_pkt"] <= limit
        B.log("%s %s: %.1f instructions/packet in tlb_worker_process, budget %.0f x %.1f = %.0f" % (
            "PASS" if ok else "FAIL", r["name"], cg["ir_per_pkt"], b, budget["headroom"], limit))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
