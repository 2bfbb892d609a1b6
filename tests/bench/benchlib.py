# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of tests/bench/run_bench.py: hugepages, DPDK telemetry, perf windows, processes, and the three
systems measured side by side (dpdk-testpmd io, OVS-DPDK, tunlb) plus callgrind and perf-record drivers.

Method (research/harness.md section B): one process per system and scenario, its forwarding thread alone on
CPU 1 (main lcore on CPU 0); after a warm-up, each run is a window in which `perf stat -t <worker tid>`
counts task-clock (and cycles/instructions when the machine has a PMU) while the packets leaving the
output port are read before and after. A run whose worker got less than 98 % of the CPU is rejected and
retried. Every process runs under `timeout`, with its own --file-prefix; only processes started here are
ever signalled.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time

MIN_SHARE = 0.98


class BenchError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# --------------------------------------------------------------------------- machine

def machine():
    """What the numbers came from."""
    cpu = ""
    mhz = 0.0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and not cpu:
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and not mhz:
                mhz = float(line.split(":", 1)[1])
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {
        "cpu": cpu, "cpus": os.cpu_count(), "tsc_mhz": mhz,
        "kernel": os.uname().release,
        "dpdk": out(["pkg-config", "--modversion", "libdpdk"]),
        "cc": out(["cc", "--version"]).split("\n")[0],
        "pmu": perf_has_pmu(),
    }


_pmu = None


def perf_has_pmu():
    """True when perf can count hardware cycles and instructions (not in every VM)."""
    global _pmu
    if _pmu is None:
        r = subprocess.run(["perf", "stat", "-x,", "-e", "cycles,instructions", "true"],
                           capture_output=True, text=True)
        _pmu = r.returncode == 0 and "<not supported>" not in r.stderr and "cycles" in r.stderr
    return _pmu


# --------------------------------------------------------------------------- hugepages

class Hugepages:
    """2 MB hugepages reserved at run time on a private hugetlbfs mount; given back on exit."""

    def __init__(self, pages, tag):
        self.pages = pages
        self.dir = None
        self.added = 0
        self.tag = tag

    def __enter__(self):
        path = "/proc/sys/vm/nr_hugepages"
        try:
            before = int(open(path).read())
            free0 = self._free()
            with open(path, "w") as f:
                f.write(str(before + self.pages))
            self.added = int(open(path).read()) - before
            if self._free() - free0 < self.pages:
                raise OSError("only %d of %d pages" % (self._free() - free0, self.pages))
            self.dir = tempfile.mkdtemp(prefix="tlb-bench-huge-%s-" % self.tag)
            subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", self.dir],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as e:
            self.reason = str(e).strip()
            self._release()
            self.dir = None
        return self

    @staticmethod
    def _free():
        for line in open("/proc/meminfo"):
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
        return 0

    def clean(self):
        """Remove page files a process left behind (it may have been killed)."""
        if self.dir:
            for n in os.listdir(self.dir):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.dir, n))

    def _release(self):
        if self.dir:
            self.clean()
            subprocess.run(["umount", self.dir], capture_output=True)
            with contextlib.suppress(OSError):
                os.rmdir(self.dir)
        if self.added:
            path = "/proc/sys/vm/nr_hugepages"
            now = int(open(path).read())
            with open(path, "w") as f:          # give back ours only: others may hold pages too
                f.write(str(max(0, now - self.added)))
            self.added = 0

    def __exit__(self, *exc):
        self._release()
        return False


def eal_mem(huge, mb=1024, unlink=True):
    """EAL memory options: hugepages on our mount, or --no-huge."""
    if huge is None:
        return ["--no-huge", "-m", str(mb)]
    return ["--huge-dir", huge] + (["--huge-unlink"] if unlink else []) + ["-m", str(mb)]


# --------------------------------------------------------------------------- processes

class Proc:
    """A process started under `timeout` in its own session; stop() signals only it."""

    def __init__(self, cmd, logpath, limit, env=None, stdin=None, cwd=None):
        self.logpath = logpath
        self.log = open(logpath, "w")
        full = ["timeout", "--kill-after=10", str(int(limit))] + cmd
        self.log.write("# " + " ".join(full) + "\n")
        self.log.flush()
        self.p = subprocess.Popen(full, stdout=self.log, stderr=subprocess.STDOUT,
                                  stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                  start_new_session=True, env=env, cwd=cwd)

    def pid(self):
        """The command's own pid (the child of timeout)."""
        try:
            kids = open("/proc/%d/task/%d/children" % (self.p.pid, self.p.pid)).read().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGINT, wait=30):
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.p.send_signal(sig)      # timeout forwards it to the command
            try:
                self.p.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.log.close()
        return self.p.returncode

    def tail(self, n=15):
        try:
            return "".join(open(self.logpath, errors="replace").readlines()[-n:])
        except OSError:
            return ""


def forget_prefix(prefix):
    """Remove the DPDK runtime directory a finished process of ours left (its --file-prefix is unique)."""
    if prefix and "/" not in prefix:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)


def find_thread(pid, pattern, timeout=30):
    """tid of the thread of pid whose name matches pattern."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            for t in os.listdir("/proc/%d/task" % pid):
                with contextlib.suppress(OSError):
                    if re.match(pattern, open("/proc/%d/task/%s/comm" % (pid, t)).read().strip()):
                        return int(t)
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError("no thread matching %r in pid %s" % (pattern, pid))


# --------------------------------------------------------------------------- DPDK telemetry

class Telemetry:
    """Client of a DPDK process's telemetry socket (/var/run/dpdk/PREFIX/dpdk_telemetry.v2)."""

    def __init__(self, prefix, proc, timeout=60):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                self.s.recv(16384)               # greeting
                break
            except OSError:
                self.s.close()
                if time.time() > end or not proc.alive():
                    raise BenchError("no telemetry socket %s\n%s" % (path, proc.tail()))
                time.sleep(0.2)

    def query(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20).decode())

    def port_id(self, name_prefix):
        for pid in self.query("/ethdev/list")["/ethdev/list"]:
            info = self.query("/ethdev/info,%d" % pid)["/ethdev/info"]
            if info.get("name", "").startswith(name_prefix):
                return pid
        raise BenchError("no port named %s*" % name_prefix)

    def opackets(self, port):
        return self.query("/ethdev/stats,%d" % port)["/ethdev/stats"]["opackets"]

    def close(self):
        self.s.close()


# --------------------------------------------------------------------------- measurement

def perf_window(tid, win):
    """perf stat on one thread for win seconds: task-clock ms, cycles and instructions (None w/o PMU)."""
    events = "task-clock,cycles,instructions" if perf_has_pmu() else "task-clock"
    r = subprocess.run(["perf", "stat", "-x,", "-t", str(tid), "-e", events, "--", "sleep", str(win)],
                       capture_output=True, text=True, timeout=win + 30)
    ev = {}
    for line in r.stderr.splitlines():
        f = line.split(",")
        if len(f) > 3 and re.match(r"^[0-9.]+$", f[0]):
            ev[f[2].split(":")[0]] = float(f[0])
    return ev


def measure(tid, read_count, win, runs, retries, tsc_mhz):
    """runs accepted windows (at most runs + retries tried); returns (accepted, rejected) run dicts."""
    ok, bad = [], []
    while len(ok) < runs and len(ok) + len(bad) < runs + retries:
        c0, t0 = read_count(), time.monotonic()
        ev = perf_window(tid, win)
        c1, t1 = read_count(), time.monotonic()
        pk = c1 - c0
        share = ev.get("task-clock", 0) / 1e3 / win
        pk_win = pk * win / (t1 - t0) if t1 > t0 else pk       # packets inside the perf window
        r = {"mpps": pk / (t1 - t0) / 1e6, "share": share, "packets": pk}
        if pk_win > 0:
            r["ns_pkt"] = ev.get("task-clock", 0) * 1e6 / pk_win
            r["tsc_cyc_pkt"] = r["ns_pkt"] * tsc_mhz / 1e3
            if "cycles" in ev:
                r["cyc_pkt"] = ev["cycles"] / pk_win
                r["ins_pkt"] = ev["instructions"] / pk_win
        (ok if share >= MIN_SHARE else bad).append(r)
        log("    run: %6.2f Mpps  %6.1f ns/pkt  cpu-share %.3f%s" % (
            r["mpps"], r.get("ns_pkt", float("nan")), share, "" if share >= MIN_SHARE else "  REJECTED"))
    return ok, bad


def summarize(ok, bad):
    """Median of the accepted runs (of the rejected ones, flagged, when none was accepted)."""
    use = ok or bad
    if not use:
        return None
    s = {"runs": len(ok), "rejected": len(bad), "contaminated": not ok}
    for k in ("mpps", "ns_pkt", "tsc_cyc_pkt", "cyc_pkt", "ins_pkt"):
        v = [r[k] for r in use if k in r]
        if v:
            s[k] = statistics.median(v)
    s["mpps_min"] = min(r["mpps"] for r in use)
    s["mpps_max"] = max(r["mpps"] for r in use)
    s["min_share"] = min(r["share"] for r in use)
    return s


def perf_profile(tid, secs, outdir, tag):
    """perf record (cpu-clock sampling: works without a PMU) on the worker; top symbols with shares."""
    data = os.path.join(outdir, "perf-%s.data" % tag)
    subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-t", str(tid), "-o", data,
                    "--", "sleep", str(secs)], capture_output=True, timeout=secs + 60)
    r = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol",
                        "--percent-limit", "0.7"], capture_output=True, text=True, timeout=120)
    top = []
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if m:
            top.append({"pct": float(m.group(1)), "dso": m.group(2), "symbol": m.group(3).strip()})
    with open(os.path.join(outdir, "perf-%s.txt" % tag), "w") as f:
        f.write(r.stdout)
    with contextlib.suppress(OSError):
        os.unlink(data)
    return top


# --------------------------------------------------------------------------- systems

def wait_count_moves(read_count, proc, timeout=30):
    end = time.time() + timeout
    c0 = read_count()
    while time.time() < end:
        time.sleep(0.2)
        if read_count() != c0:
            return
        if not proc.alive():
            break
    raise BenchError("no packet came out\n" + proc.tail())


class DpdkRun:
    """testpmd or tunlb, with the telemetry-based counter of the output (net_null) port."""

    def __init__(self, kind, cmd, prefix, logpath, limit, worker=r"^(rte|lcore)-worker-1$"):
        self.kind = kind
        self.prefix = prefix
        self.proc = Proc(cmd, logpath, limit, stdin=subprocess.PIPE if kind == "testpmd" else None)
        self.tel = None
        try:
            self.tel = Telemetry(prefix, self.proc)
            self.out_port = self.tel.port_id("net_null")
            pid = self.proc.pid()
            self.tid = find_thread(pid, worker)
        except BaseException:
            self.stop()
            raise

    def count(self):
        return self.tel.opackets(self.out_port)

    def stop(self):
        if self.tel:
            self.tel.close()
            self.tel = None
        if self.kind == "testpmd" and self.proc.alive():
            with contextlib.suppress(OSError):       # "Press enter to exit"
                self.proc.p.stdin.write(b"\n")
                self.proc.p.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.p.wait(timeout=15)
        rc = self.proc.stop()
        forget_prefix(self.prefix)
        return rc


def lcores():
    return ["--lcores=0@0,1@1", "--no-pci", "--log-level=lib.eal:error"]


def testpmd_cmd(mem, prefix, vdevs, mbufs=None):
    cmd = ["dpdk-testpmd"] + mem + ["--file-prefix=" + prefix] + lcores() + \
        ["--vdev=" + v for v in vdevs] + ["--", "--forward-mode=io", "--auto-start"]
    if mbufs:
        cmd.append("--total-num-mbufs=%d" % mbufs)
    return cmd


def tunlb_cmd(tunlb, mem, prefix, vdevs, config, stats_out, single=False):
    core = ["-l", "0", "--no-pci", "--log-level=lib.eal:error"] if single else lcores()
    return [tunlb] + mem + ["--file-prefix=" + prefix] + core + ["--vdev=" + v for v in vdevs] + \
        ["--", "-c", config, "--stats-out", stats_out]


# --------------------------------------------------------------------------- OVS-DPDK

OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"


def ovs_available(install):
    if os.path.exists(OVS_VSWITCHD):
        return True, ""
    if not install:
        return False, "openvswitch-switch-dpdk not installed"
    log("installing openvswitch-switch-dpdk (full benchmark only)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "openvswitch-switch-dpdk"]):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if r.returncode != 0:
            return False, "apt-get failed: " + r.stderr.strip()[-300:]
    return os.path.exists(OVS_VSWITCHD), "installed"


class OvsRun:
    """OVS-DPDK userspace datapath in a private run directory and network namespace (nothing of the
    system's OVS is touched): br-int has the dpdk input port in0 and a vxlan port (remote_ip=flow, key
    100); a select group (dp_hash) sets tun_dst per bucket; br-phy has the dpdk output port phy0 on
    net_null and the tunnel source address (the backends must be on its subnet, or the push has no
    route and OVS drops). Counter: packets phy0 sent, so only what left encapsulated counts."""

    def __init__(self, mem, prefix, in_devargs, outer, backends, workdir, limit):
        self.prefix = prefix
        self.d = tempfile.mkdtemp(prefix="tlb-bench-ovs-", dir=workdir)
        self.ns = "tlbb-" + prefix[-10:]
        self.procs = []
        env = dict(os.environ, OVS_RUNDIR=self.d, OVS_LOGDIR=self.d, OVS_DBDIR=self.d)
        self.env = env
        db = os.path.join(self.d, "conf.db")
        sock = "unix:" + os.path.join(self.d, "db.sock")
        self.vsctl = ["ovs-vsctl", "--db=" + sock, "--timeout=60"]
        try:
            subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
            self.netns = True
            self._run(["ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"])
            self.procs.append(Proc(["ip", "netns", "exec", self.ns, "ovsdb-server",
                                    "--remote=p" + sock, "--pidfile=" + self.d + "/ovsdb-server.pid",
                                    "--log-file=" + self.d + "/ovsdb-server.log", db],
                                   os.path.join(self.d, "ovsdb.out"), limit, env=env))
            self._wait_file(os.path.join(self.d, "db.sock"))
            self._run(self.vsctl + ["--no-wait", "init"])
            self._run(self.vsctl + ["--no-wait", "set", "Open_vSwitch", ".",
                                    "other_config:dpdk-init=true",
                                    "other_config:dpdk-extra=%s --no-pci --legacy-mem --file-prefix=%s" %
                                    (" ".join(mem), prefix),
                                    "other_config:pmd-cpu-mask=0x2", "other_config:dpdk-lcore-mask=0x1"])
            self.vswitchd = Proc(["ip", "netns", "exec", self.ns, OVS_VSWITCHD, sock,
                                  "--pidfile=" + self.d + "/ovs-vswitchd.pid",
                                  "--log-file=" + self.d + "/ovs-vswitchd.log"],
                                 os.path.join(self.d, "vswitchd.out"), limit, env=env)
            self.procs.append(self.vswitchd)
            self._wait_file(os.path.join(self.d, "ovs-vswitchd.pid"), 120)
            ctl = os.path.join(self.d, "ovs-vswitchd-dpdk.%s.ctl" % open(self.d + "/ovs-vswitchd.pid").read().strip())
            self._wait_file(ctl, 120)
            self.appctl = ["ovs-appctl", "-t", ctl]
            self._setup(in_devargs, outer, backends)
            self.tid = find_thread(self.vswitchd.pid(), r"^pmd", 60)
        except BaseException:
            self.stop()
            raise

    def _run(self, cmd, ns=False):
        if ns:
            cmd = ["ip", "netns", "exec", self.ns] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=120)
        if r.returncode != 0:
            raise BenchError("%s: %s" % (" ".join(cmd[:6]), r.stderr.strip()[-500:]))
        return r.stdout

    @staticmethod
    def _wait_file(path, timeout=30):
        end = time.time() + timeout
        while not os.path.exists(path):
            if time.time() > end:
                raise BenchError("OVS: %s did not appear" % path)
            time.sleep(0.2)

    def _setup(self, in_devargs, outer, backends):
        v, of = self.vsctl, ["ovs-ofctl", "-O", "OpenFlow15"]
        self._run(v + ["add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev"])
        self._run(v + ["add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev"])
        self._run(v + ["add-port", "br-int", "vx0", "--", "set", "Interface", "vx0", "type=vxlan",
                       "options:remote_ip=flow", "options:key=100"])
        if outer == "v4":
            self._run(["ip", "addr", "add", "198.18.7.1/24", "dev", "br-phy"], ns=True)
            field = "tun_dst"
        else:
            self._run(["ip", "-6", "addr", "add", "2001:db8:7::1/64", "dev", "br-phy", "nodad"], ns=True)
            field = "tun_ipv6_dst"
        self._run(["ip", "link", "set", "br-phy", "up"], ns=True)
        buckets = []
        for i, (addr, mac) in enumerate(backends):
            self._run(self.appctl + ["tnl/neigh/set", "br-phy", addr, mac])
            buckets.append("bucket=bucket_id=%d,actions=set_field:%s->%s,output:vx0" % (i, addr, field))
        self._run(of + ["add-group", "br-int", "group_id=1,type=select,selection_method=dp_hash," +
                        ",".join(buckets)])
        self._run(of + ["del-flows", "br-int"])
        self._run(of + ["add-flow", "br-int", "priority=10,in_port=10,ip,nw_dst=198.18.100.1,actions=group:1"])
        self._run(of + ["add-flow", "br-int", "priority=0,actions=drop"])
        self._run(of + ["del-flows", "br-phy"])
        self._run(of + ["add-flow", "br-phy", "priority=10,in_port=LOCAL,actions=output:20"])
        self._run(of + ["add-flow", "br-phy", "priority=0,actions=drop"])
        self._run(v + ["add-port", "br-phy", "phy0", "--", "set", "Interface", "phy0", "type=dpdk",
                       "ofport_request=20", "mtu_request=2000", "options:dpdk-devargs=net_null1,no-rx=1"])
        self._run(v + ["add-port", "br-int", "in0", "--", "set", "Interface", "in0", "type=dpdk",
                       "ofport_request=10", "options:dpdk-devargs=" + in_devargs])

    def count(self):
        """Packets sent by the output port phy0 (datapath port counters, live): what left encapsulated."""
        out = self._run(self.appctl + ["dpctl/show", "-s"])
        on = False
        for line in out.splitlines():
            m = re.match(r"\s*port \d+: (\S+)", line)
            if m:
                on = m.group(1) == "phy0"
                continue
            m = re.search(r"TX packets:(\d+)", line)
            if on and m:
                return int(m.group(1))
        raise BenchError("OVS: no phy0 counters")

    def check(self):
        """A sample datapath flow (shows the encapsulation really happens)."""
        with contextlib.suppress(BenchError):
            flows = [ln.strip() for ln in self._run(self.appctl + ["dpctl/dump-flows"]).splitlines()
                     if "actions:" in ln]
            flows.sort(key=lambda ln: "tnl_push" not in ln)       # the encapsulating flow first
            return [ln if len(ln) <= 400 else "..." + ln[-400:] for ln in flows[:2]]
        return []

    def stop(self):
        with contextlib.suppress(Exception):
            if hasattr(self, "appctl"):
                subprocess.run(self.vsctl + ["del-br", "br-int"], capture_output=True, timeout=60)
                subprocess.run(self.vsctl + ["del-br", "br-phy"], capture_output=True, timeout=60)
        for p in reversed(self.procs):
            p.stop(signal.SIGTERM)
        if getattr(self, "netns", False):
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
            self.netns = False
        forget_prefix(self.prefix)
        return 0


# --------------------------------------------------------------------------- callgrind

def callgrind(tunlb, config, pcap, prefix, outdir, tag, func="tlb_worker_process", limit=900):
    """Exact instructions of `func` (inclusive) per packet for a finite pcap, run to its end with
    --idle-exit; single lcore, --no-huge. Returns dict(ir, packets, ir_per_pkt, top)."""
    if not shutil.which("valgrind"):
        raise BenchError("valgrind not installed")
    out = os.path.join(outdir, "callgrind-%s.out" % tag)
    stats = os.path.join(outdir, "callgrind-%s.stats.json" % tag)
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=" + func, "--callgrind-out-file=" + out,
           tunlb, "--no-huge", "-m", "512", "--no-pci", "--file-prefix=" + prefix, "-l", "0",
           "--log-level=lib.eal:error", "--vdev=net_pcap0,rx_pcap=" + pcap, "--vdev=net_null0,no-rx=1",
           "--", "-c", config, "--idle-exit", "400", "--stats-out", stats]
    p = Proc(cmd, os.path.join(outdir, "callgrind-%s.log" % tag), limit)
    try:
        rc = p.p.wait(timeout=limit + 20)
    finally:
        p.stop()
        forget_prefix(prefix)
    if rc != 0:
        raise BenchError("callgrind run failed (%s)\n%s" % (rc, p.tail()))
    st = json.load(open(stats))
    ir = None
    for line in open(out):
        if line.startswith("totals:") or line.startswith("summary:"):
            ir = int(line.split()[1])
    pk = st["rx_packets"]
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=99", out],
                         capture_output=True, text=True).stdout
    top = []
    for line in ann.splitlines():
        m = re.match(r"\s*([0-9,]+)\s+(?:\([ 0-9.]+%\)\s+)?(\S.*?):(\S+)", line)
        if m and "PROGRAM TOTALS" not in line and "file:function" not in line:
            n = int(m.group(1).replace(",", ""))
            top.append({"ir_per_pkt": round(n / pk, 1), "function": m.group(3), "file": m.group(2)})
    with open(os.path.join(outdir, "callgrind-%s.txt" % tag), "w") as f:
        f.write(ann)
    return {"ir": ir, "packets": pk, "ir_per_pkt": ir / pk if pk else None,
            "forwarded": st.get("forwarded"), "drops": sum(st.get("drops", {}).values()),
            "top": top[:25]}
