#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Connection tracking and runtime control on a running tunlb, seen on the wire.

One tunlb runs in a private namespace (tests/golden/live.py); scapy TCP flows
are sent to it, its config is reloaded (SIGHUP) or changed with app/tunlbctl
in between, and the backend each packet reached is read from the outer IPv4
destination by the independent decoder (tests/tools/tlbdecode.py):

  * established flows keep their backend when a backend is added, a weight
    changes, or their backend is drained (their ACKs still reach it);
  * a SYN on a tuple tracked to a draining backend starts on an active one;
  * flows of a backend set down, or removed from the file, move; nothing else;
  * a freshly started balancer carries mid-flow ACKs (no reset), to the same
    backends (same seed and backends);
  * 'tunlbctl drain' is visible on the wire: no new flow reaches the backend,
    its established flows do; 'tunlbctl clear' undoes it;
  * dpdk-dumpcap captures from the running tunlb (hugepages, run time).

Usage: run_flows_live.py --tunlb PATH --workdir DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "tools"))
import live  # noqa: E402
import tlbdecode as D  # noqa: E402

from scapy.all import IP, TCP, Ether  # noqa: E402

VIP = "198.51.100.10"
A, B, C, N = "203.0.113.11", "203.0.113.12", "203.0.113.13", "203.0.113.14"
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": %s" % (detail,)))
    sys.stdout.flush()
    return bool(cond)


def config(backends):
    """backends: list of (address, weight, state)."""
    lines = ["node:", "  ipv4: 192.0.2.1", "  gateway_mac: 02:00:00:00:00:fe",
             "ports:", "  - name: %s" % live.PORT_NAME, "services:", "  - name: web",
             "    vip: %s" % VIP, "    port: 80", "    protocol: tcp", "    encap: gue",
             "    gue_variant: 1", "    backends:"]
    for addr, weight, state in backends:
        lines += ["      - address: %s" % addr, "        weight: %d" % weight,
                  "        state: %s" % state]
    return "\n".join(lines) + "\nmaglev_seed: 0x5eed\n"


def pkts(flows, flags):
    return [Ether(src=live.CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") / IP(src=src, dst=VIP) /
            TCP(sport=sport, dport=80, flags=flags, seq=1000, ack=1 if "A" in flags else 0)
            for src, sport in flows]


def placement(frames):
    """{(client, sport): backend} from GUE variant 1 output frames."""
    out = {}
    for f in frames:
        eth = D.parse_eth(f)
        outer = D.parse_ip(f[eth["l3"]:])
        inner = D.parse_ip(outer["packet"][outer["l4"] + 8:])
        out[(D.ip_str(inner["src"]), inner["l4info"]["sport"])] = D.ip_str(outer["dst"])
    return out


def flows(n, base):
    return [("198.19.%d.%d" % ((base + i) // 250, 1 + (base + i) % 250), 20000 + base + i)
            for i in range(n)]


def send(lb, fl, flags):
    got = placement(lb.send(pkts(fl, flags)))
    check("  %d %s packets forwarded, one each" % (len(fl), flags),
          len(got) == len(fl) and lb.last["drops"] == {} if isinstance(lb.last.get("drops"), dict)
          else len(got) == len(fl), (len(got), lb.last.get("drops")))
    return got


def same(before, after, keys):
    return [k for k in keys if before[k] != after[k]]


def tunlbctl(lb, *args):
    p = subprocess.run([os.path.join(TOP, "app", "tunlbctl"), "-p", lb.ns] + list(args),
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def run(a):
    three = [(A, 1, "active"), (B, 1, "active"), (C, 1, "active")]
    old = flows(300, 0)
    with live.LiveTunlb(a.tunlb, config(three), a.workdir) as lb:
        p0 = send(lb, old, "S")
        keys = list(p0)
        check("300 flows spread over the 3 backends", set(p0.values()) == {A, B, C}, set(p0.values()))

        st = lb.reload(config(three + [(N, 1, "active")]))
        p1 = send(lb, old, "A")
        check("backend added: every established flow kept its backend", not same(p0, p1, keys),
              len(same(p0, p1, keys)))
        pn = send(lb, flows(300, 1000), "S")
        check("backend added: new flows reach it", N in pn.values(), set(pn.values()))

        lb.reload(config([(A, 1, "active"), (B, 5, "active"), (C, 1, "active"), (N, 1, "active")]))
        p2 = send(lb, old, "A")
        check("weight changed: every established flow kept its backend", not same(p0, p2, keys),
              len(same(p0, p2, keys)))

        lb.reload(config([(A, 1, "draining"), (B, 5, "active"), (C, 1, "active"), (N, 1, "active")]))
        p3 = send(lb, old, "A")
        check("draining: established flows (ACKs) keep reaching it, others unchanged",
              not same(p0, p3, keys), len(same(p0, p3, keys)))
        on_a = [k for k in keys if p0[k] == A]
        p4 = send(lb, on_a, "S")
        check("draining: a SYN on a tuple tracked to it starts on an active backend",
              on_a and all(p4[k] != A for k in on_a), [p4[k] for k in on_a][:5])
        pn = send(lb, flows(300, 2000), "S")
        check("draining: no new flow reaches it", A not in pn.values(), set(pn.values()))

        lb.reload(config([(A, 1, "active"), (B, 5, "down"), (C, 1, "active"), (N, 1, "active")]))
        p5 = send(lb, old, "A")
        on_b = [k for k in keys if p0[k] == B]
        others = [k for k in keys if p0[k] not in (A, B)]
        check("down: every flow of the down backend moved", on_b and
              all(p5[k] != B for k in on_b), [p5[k] for k in on_b][:5])
        check("down: flows of the other backends stayed", not same(p0, p5, others),
              len(same(p0, p5, others)))

        lb.reload(config([(A, 1, "active"), (B, 5, "active"), (N, 1, "active")]))
        p6 = send(lb, old, "A")
        on_c = [k for k in keys if p0[k] == C]
        kept = [k for k in keys if p5[k] not in (C,)]
        check("removed from the file: its flows moved", on_c and all(p6[k] != C for k in on_c), "")
        check("removed from the file: the other flows stayed where they were",
              not same(p5, p6, kept), len(same(p5, p6, kept)))
        st = lb.stats()
        check("reselects counted", st["flows"]["reselects"] >= len(on_a) + len(on_b) + len(on_c),
              st["flows"])

    # A balancer that starts mid-flow: non-SYN packets are forwarded and tracked.
    with live.LiveTunlb(a.tunlb, config(three), a.workdir) as lb:
        p7 = send(lb, old, "A")
        check("fresh balancer: mid-flow ACKs forwarded to the same backends (same seed)",
              not same(p0, p7, keys), len(same(p0, p7, keys)))
        st = lb.stats()
        check("fresh balancer: each of them created state", st["flows"]["misses"] == 300,
              st["flows"])

        # Runtime control: drain with tunlbctl, visible on the wire.
        rc, out = tunlbctl(lb, "drain", "web", A)
        check("tunlbctl drain web %s" % A, rc == 0 and out.startswith("ok"), out)
        p8 = send(lb, old, "A")
        check("drained by tunlbctl: established flows still reach it", not same(p0, p8, keys),
              len(same(p0, p8, keys)))
        pn = send(lb, flows(300, 3000), "S")
        check("drained by tunlbctl: no new flow reaches it", A not in pn.values(), set(pn.values()))
        rc, out = tunlbctl(lb, "backends", "web")
        check("tunlbctl backends shows it draining with no table share",
              rc == 0 and any(l.split()[1:3] == [A, "draining"] and "0.0%" in l
                              for l in out.splitlines()), out)
        rc, out = tunlbctl(lb, "clear", "web", A)
        pn = send(lb, flows(300, 4000), "S")
        check("tunlbctl clear: new flows reach it again", rc == 0 and A in pn.values(), out)
        rc, out = tunlbctl(lb, "weight", "web", "203.0.113.99", "3")
        check("tunlbctl refuses an unknown backend", rc != 0 and "no such backend" in out, out)

    dumpcap(a)


def dumpcap(a):
    """dpdk-dumpcap attaches to a hugepage-backed tunlb and captures both directions."""
    tool = shutil.which("dpdk-dumpcap")
    if tool is None:
        check("dpdk-dumpcap installed (package dpdk)", False, "not found")
        return
    hdir = tempfile.mkdtemp(prefix="tlbhuge", dir=a.workdir)
    nr = "/proc/sys/vm/nr_hugepages"
    before = int(open(nr).read())
    mounted = False
    try:
        with open(nr, "w") as f:
            f.write(str(before + 160))
        if int(open(nr).read()) < before + 128:
            check("2 MB hugepages reserved at run time", False, open(nr).read())
            return
        subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", hdir], check=True)
        mounted = True
        cfg = config([(A, 1, "active"), (B, 1, "active")]).replace(
            "maglev_seed", "dataplane:\n  flow_table_size: 4096\nmaglev_seed")
        with live.LiveTunlb(a.tunlb, cfg, a.workdir,
                            mem_args=("--huge-dir", hdir, "-m", "256")) as lb:
            out = os.path.join(a.workdir, "dump.pcapng")
            cap = subprocess.Popen(["ip", "netns", "exec", lb.ns, "timeout", "30", tool,
                                    "--file-prefix=" + lb.ns, "-i", "0", "-c", "40", "-q", "-w", out],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            import time
            time.sleep(3)			# dumpcap attaches as a secondary process
            send(lb, flows(20, 5000), "S")
            try:
                log, _ = cap.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                cap.kill()
                log, _ = cap.communicate()
            n = 0
            if os.path.exists(out):
                p = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "udp.dstport",
                                    "-e", "tcp.dstport"], capture_output=True, text=True)
                lines = [l for l in p.stdout.splitlines() if l.strip()]
                n = len(lines)
                enc = sum(1 for l in lines if l.split("\t")[0] == "6080")
            check("dpdk-dumpcap captured the 20 SYNs in and the 20 GUE packets out of tunlb's port",
                  cap.returncode == 0 and n == 40 and enc == 20, (cap.returncode, n, log[-300:]))
    finally:
        if mounted:
            subprocess.run(["umount", hdir])
        os.rmdir(hdir)
        with open(nr, "w") as f:
            f.write(str(before))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)

    def body():
        run(a)
        failed = results.count(False)
        print("%d passed, %d failed" % (len(results) - failed, failed))
        return 1 if failed else 0
    live.main(body)


if __name__ == "__main__":
    main()
