#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live traffic fixture: one running tunlb, frames in, frames out, config reloads in between.

Golden tests that replay a pcap through net_pcap see the input once, at start-up.  This fixture keeps
one tunlb running so a test can send traffic, reload the config (SIGHUP), send more traffic to the
same process and see where every packet went.

    with LiveTunlb(tunlb_path, config_text, workdir, lcores="0") as lb:
        out = lb.send(frames)        # list of bytes: every frame tunlb sent in answer
        st = lb.reload(new_text)     # SIGHUP; returns the stats showing the new generation
        st = lb.stats()              # the current --stats-out JSON
    # leaving the block: SIGTERM, wait, exit code 0 or LiveError; namespace and sockets always
    # cleaned up, the work files removed only after a clean exit

Mechanics.  A private network namespace per fixture (tlblive-PID-N) holds a veth pair tv0/tv1:
both up, IPv6 disabled, ARP and multicast off, no addresses, offloads off (ethtool), so the kernel
sends nothing on them.  tunlb runs inside it on tv0:

    ip netns exec NS timeout 120 tunlb --no-huge -m 1024 --no-pci -l LCORES --file-prefix=NS
        --log-level=lib.eal:error --vdev=net_af_packet0,iface=tv0[,qpairs=W]
        -- -c DIR/config.yaml --stats-out DIR/stats.json --stats-interval 100

This process enters the namespace for a moment (setns(2) on its own thread, then back) to open two
AF_PACKET sockets bound to tv1: one to send frames as they are, one to capture what arrives on tv1
from tunlb (outgoing frames ignored, a VLAN tag the kernel took into metadata put back).

send(frames) decides it has all the output from tunlb's own counters, not from a guess at timing:
  1. a frame already waiting on tv1 is an error; the stats file before sending gives rx0, tx0
     (quiescent: the previous send waited for it);
  2. the frames are sent on tv1;
  3. the stats file is polled until rx_packets - rx0 == len(frames) in a write where every received
     packet is accounted for (rx == tx + sum(drops)), or, failing that, two consecutive writes with
     identical counters; then tunlb sent exactly tx - tx0 frames;
  4. the capture socket is read until that many frames arrived and nothing more came for quiet_ms
     (default 50 ms) after the last frame; all of them are returned, in arrival order.
More frames received by tunlb than sent, RX misses on the port, no RX progress for 2 s, or fewer
frames on the wire than tunlb counted raise LiveError naming the numbers.  Sends larger than `window`
(256) frames are paced on the port's RX count (DPDK telemetry, /ethdev/stats) so the af_packet ring
(512 frames) never overflows: the kernel drops silently there and the port does not count it.

Link limits: frames up to the veth MTU + 14 (1514 bytes; raise with mtu=).  The kernel takes the outer
VLAN tag of a received frame into metadata and DPDK's af_packet PMD puts it back as 802.1Q (0x8100):
an 802.1ad (0x88a8) outer tag reaches tunlb as 0x8100.  The capture side restores tags exactly.

Exits: a test that cannot create namespaces (not root, no CAP_SYS_ADMIN, no `ip`) gets LiveSkip; run
the test body through live.main(fn) to turn that into exit code 77 (meson: skipped).

Robustness: every subprocess has a timeout; tunlb runs under timeout(1) (default 120 s) and gets SIGTERM
when this process dies, even by SIGKILL (prctl PR_SET_PDEATHSIG; so start the fixture from a thread that
outlives it); cleanup runs from __exit__ on success and on exceptions, from an atexit hook, and on
SIGTERM (a handler is installed only when SIGTERM still has its default action).  Only the processes
this module started are signalled, by PID.  Namespaces (and DPDK run directories) of earlier runs whose
owning PID is gone (tlblive-<dead pid>-N) are deleted at the next start.

Only documentation addresses appear in examples (RFC 5737, RFC 2544, RFC 3849).
"""

import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

__all__ = ["LiveTunlb", "LiveError", "LiveSkip", "main", "PORT_NAME", "CLIENT_MAC"]

PORT_NAME = "net_af_packet0"        # the DPDK name of the af_packet vdev; name it in the config's ports
CLIENT_MAC = "02:00:00:00:00:c1"    # a suggested source MAC for test frames (locally administered)
NS_PREFIX = "tlblive-"
NETNS_DIR = "/run/netns"
DPDK_RUN_DIR = "/var/run/dpdk"
LB_IF, PEER_IF = "tv0", "tv1"
CMD_TIMEOUT = 10                    # seconds, every helper command (ip, ethtool, sysctl)

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_IGNORE_OUTGOING = 23         # Linux >= 4.20
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
SO_RCVBUFFORCE = 33
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata


class LiveError(Exception):
    """The fixture or tunlb did not behave: the message names what was expected and what happened."""


class LiveSkip(Exception):
    """This machine cannot run the fixture (not root, no network namespaces)."""


def main(fn):
    """Run fn() and exit with its return value; LiveSkip exits 77 (meson's skip) with the reason."""
    try:
        rc = fn()
    except LiveSkip as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    sys.exit(rc)


# --------------------------------------------------------------------------- helpers

_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


def _run(cmd, check=True):
    """Run a helper command with a timeout; return CompletedProcess (text)."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise LiveError("%s: no answer within %d s" % (" ".join(cmd), CMD_TIMEOUT))
    if check and p.returncode != 0:
        raise LiveError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                             (p.stderr or p.stdout).strip()))
    return p


def _parent_death_sigterm():
    """In the child before exec: SIGTERM when this process dies, even by SIGKILL.  prctl's setting
    survives the exec of ip and timeout(1); timeout forwards the SIGTERM to tunlb, which exits."""
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        os._exit(126)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _children(pid):
    """PIDs whose parent is pid (scan of /proc; /proc/PID/task/*/children may be absent)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def _lcore_count(spec):
    """Number of lcores in an EAL -l list such as '0', '0-2', '0,2-3'."""
    n = 0
    for part in str(spec).split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            n += int(b) - int(a) + 1
        elif part.strip():
            n += 1
    return n


def _drops(st):
    return sum((st.get("drops") or {}).values())


def _counters(st):
    return (st.get("rx_packets"), st.get("tx_packets"), tuple(sorted((st.get("drops") or {}).items())))


def _sweep_stale():
    """Delete namespaces tlblive-<pid>-N left by a run of this module that was killed (pid gone)."""
    try:
        names = os.listdir(NETNS_DIR)
    except OSError:
        return
    for n in names:
        if not n.startswith(NS_PREFIX):
            continue
        pid = n[len(NS_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            _run(["ip", "netns", "delete", n], check=False)
            shutil.rmtree(os.path.join(DPDK_RUN_DIR, n), ignore_errors=True)


class _Telemetry:
    """DPDK's own telemetry socket of the running tunlb (/ethdev/stats: the port's RX count in real
    time, used only to pace large sends).  Unix sockets are not bound to a network namespace."""

    def __init__(self, prefix, port_name):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(2)
        try:
            self.sock.connect(os.path.join(DPDK_RUN_DIR, prefix, "dpdk_telemetry.v2"))
            self.sock.recv(1024)                             # the greeting: version, pid
            self.port = None
            for pid in self.query("/ethdev/list"):
                if self.query("/ethdev/info,%d" % pid).get("name") == port_name:
                    self.port = pid
            if self.port is None:
                raise OSError("telemetry: no port named %s" % port_name)
        except BaseException:
            self.sock.close()
            raise

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(1 << 16))
        return reply[cmd.split(",", 1)[0]]

    def ipackets(self):
        return self.query("/ethdev/stats,%d" % self.port)["ipackets"]

    def close(self):
        self.sock.close()


_live = []          # fixtures started and not yet cleaned up
_counter = [0]
_hooks = [False]


def _cleanup_all():
    for lb in list(_live):
        lb._cleanup()


def _on_sigterm(signum, frame):
    # Turn SIGTERM (meson's timeout) into SystemExit so __exit__ / finally / atexit run.
    sys.exit(128 + signum)


def _install_hooks():
    if _hooks[0]:
        return
    _hooks[0] = True
    atexit.register(_cleanup_all)
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:          # not the main thread: leave signals alone
        pass


# --------------------------------------------------------------------------- the fixture

class LiveTunlb:
    """One tunlb in a private network namespace, fed and watched through a veth pair.

    Arguments:
      tunlb        path of the binary
      config_text  the YAML (or JSON) config; its ports must be absent or name PORT_NAME
      workdir      holds NS/{config.yaml,stats.json,tunlb.log}, NS the namespace name (tlblive-PID-N);
                   removed when tunlb exited 0 on stop() unless keep=True, kept after any failure
      lcores       EAL -l list; with more than one lcore the main lcore only controls and each other
                   lcore is a worker, so the vdev gets qpairs = lcores - 1 (unless qpairs is given)
      timeout      seconds tunlb may live at all (timeout(1) kills it after that)
      stats_interval  --stats-interval MS (send() waits on this file)
      quiet_ms     how long send() waits after the last output frame
      mtu          veth MTU (default: the kernel's 1500)
      window       at most this many sent frames not yet taken by tunlb's RX (the af_packet ring holds
                   512): larger sends are paced on the port's RX count from DPDK telemetry
      eal_args, app_args  extra arguments before / after '--'
      mem_args     EAL memory arguments (default --no-huge -m 1024; e.g. --huge-dir DIR -m 256
                   for a test that attaches a secondary process such as dpdk-dumpcap)
    Attributes after start: ns, port_mac (lower case), pid (tunlb's), dir, config_path, stats_path,
    log_path, start_time (s), last (dict about the last send), exit_code and final_stats (after stop()).
    """

    def __init__(self, tunlb, config_text, workdir, lcores="0", timeout=120, stats_interval=100,
                 quiet_ms=50, mtu=None, qpairs=None, window=256, keep=False, eal_args=(), app_args=(),
                 mem_args=("--no-huge", "-m", "1024")):
        self.tunlb = os.path.abspath(tunlb)
        self.config_text = config_text
        self.lcores = str(lcores)
        self.timeout = int(timeout)
        self.stats_interval = int(stats_interval)
        self.quiet = quiet_ms / 1000.0
        self.mtu = mtu
        n = _lcore_count(self.lcores)
        self.qpairs = qpairs if qpairs is not None else max(1, n - 1)
        self.eal_args, self.app_args = list(eal_args), list(app_args)
        self.mem_args = list(mem_args)
        _counter[0] += 1
        self.ns = "%s%d-%d" % (NS_PREFIX, os.getpid(), _counter[0])
        self.dir = os.path.join(os.path.abspath(workdir), self.ns)
        self.config_path = os.path.join(self.dir, "config.yaml")
        self.stats_path = os.path.join(self.dir, "stats.json")
        self.log_path = os.path.join(self.dir, "tunlb.log")
        self.port_mac = None
        self.proc = None            # the timeout(1) process
        self.pid = None             # tunlb itself
        self.exit_code = None
        self.final_stats = None
        self.last = None
        self._ns_made = False
        self._rx = self._tx = None
        self._log = None
        self._stat_id = None
        self._stats_cache = None
        self._telemetry = None
        self.telemetry_error = None
        self.start_time = None
        self._stopped = False
        self.window = window
        self.keep = keep

    # ---------------------------------------------------------------- lifecycle

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        if self.proc is None or self._stopped or et is not None:
            self._cleanup()         # stop() already ran (the caller has its exit code), or failing
            return False
        rc = self.stop()
        if rc != 0:
            raise LiveError("tunlb exited %s on SIGTERM (expected 0); log tail:\n%s" % (rc, self.log_tail()))
        return False

    def start(self):
        """Create the namespace and veth pair, start tunlb, wait for its first stats file; returns self.
        On any failure everything started so far is cleaned up before the exception propagates."""
        try:
            return self._start()
        except BaseException:
            self._cleanup()
            raise

    def _start(self):
        if os.geteuid() != 0:
            raise LiveSkip("live tests need root to create network namespaces (euid %d)" % os.geteuid())
        if shutil.which("ip") is None:
            raise LiveSkip("live tests need iproute2's 'ip' command")
        if not os.access(self.tunlb, os.X_OK):
            raise LiveError("%s: not an executable" % self.tunlb)
        _install_hooks()
        _sweep_stale()
        t0 = time.monotonic()
        _live.append(self)
        p = _run(["ip", "netns", "add", self.ns], check=False)
        if p.returncode != 0:
            _live.remove(self)
            raise LiveSkip("cannot create a network namespace (ip netns add: %s)" % p.stderr.strip())
        self._ns_made = True
        self._setup_net()
        self._open_sockets()
        os.makedirs(self.dir, exist_ok=True)
        for f in (self.stats_path, self.log_path):
            if os.path.exists(f):
                os.unlink(f)
        self._write_config(self.config_text)
        self._start_tunlb()
        st = self._wait_first_stats(t0 + 15)
        port = (st.get("ports") or {}).get(PORT_NAME)
        if port is None:
            raise LiveError("stats file has no port %s (ports: %s): the config must name %s or omit ports"
                            % (PORT_NAME, sorted((st.get("ports") or {})), PORT_NAME))
        self.port_mac = port["mac"].lower()
        try:
            self._telemetry = _Telemetry(self.ns, PORT_NAME)
        except (OSError, ValueError, KeyError) as e:
            self._telemetry = None
            self.telemetry_error = str(e)       # pacing falls back to a pause per window
        self.start_time = time.monotonic() - t0
        self._drain("before the first send")
        return self

    def _setup_net(self):
        ns, ipn = self.ns, ["ip", "-n", self.ns]
        ex = ["ip", "netns", "exec", ns]
        _run(ex + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                   "net.ipv6.conf.default.disable_ipv6=1"])
        _run(ipn + ["link", "add", LB_IF, "type", "veth", "peer", "name", PEER_IF])
        _run(ex + ["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % LB_IF,
                   "net.ipv6.conf.%s.disable_ipv6=1" % PEER_IF])
        if shutil.which("ethtool"):
            # Checksums, segmentation, GRO and VLAN acceleration off: frames cross as built.
            feats = ("rx", "tx", "sg", "tso", "gso", "gro", "lro", "rxvlan", "txvlan",
                     "rx-vlan-stag-hw-parse", "tx-vlan-stag-hw-insert")
            for dev in (LB_IF, PEER_IF):
                cmd = ex + ["ethtool", "-K", dev]
                if _run(cmd + [w for f in feats for w in (f, "off")], check=False).returncode != 0:
                    for f in feats:     # a kernel without one of them: the others one by one
                        _run(cmd + [f, "off"], check=False)
        for dev in (LB_IF, PEER_IF):
            cmd = ipn + ["link", "set", dev, "arp", "off", "multicast", "off"]
            if self.mtu:
                cmd += ["mtu", str(self.mtu)]
            _run(cmd + ["up"])

    def _open_sockets(self):
        orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        nsfd = os.open(os.path.join(NETNS_DIR, self.ns), os.O_RDONLY)
        try:
            _setns(nsfd)
            try:
                rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                self._rx = rx
                try:
                    rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
                except OSError:
                    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
                try:
                    rx.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
                except OSError:
                    pass                    # older kernel: filtered by pkttype below
                rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
                rx.bind((PEER_IF, ETH_P_ALL))
                rx.setblocking(False)
                self._tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
                self._tx.bind((PEER_IF, 0))
            finally:
                _setns(orig)
        finally:
            os.close(nsfd)
            os.close(orig)
        # Frames seen before bind() may come from any interface of the namespace: discard them.
        self._recv_all()

    def _start_tunlb(self):
        vdev = "--vdev=%s,iface=%s" % (PORT_NAME, LB_IF)
        if self.qpairs > 1:
            vdev += ",qpairs=%d" % self.qpairs
        cmd = (["ip", "netns", "exec", self.ns, "timeout", "-k", "5", str(self.timeout), self.tunlb,
                *self.mem_args, "--no-pci", "-l", self.lcores, "--file-prefix=" + self.ns,
                "--log-level=lib.eal:error", vdev] + self.eal_args +
               ["--", "-c", self.config_path, "--stats-out", self.stats_path,
                "--stats-interval", str(self.stats_interval)] + self.app_args)
        self.command = cmd
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_parent_death_sigterm)
        # 'ip netns exec' execs timeout(1) in place; tunlb is its only child.
        end = time.monotonic() + 5
        while time.monotonic() < end:
            kids = _children(self.proc.pid)
            if kids:
                self.pid = kids[0]
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        raise LiveError("tunlb did not start (exit %s); log tail:\n%s" % (self.proc.poll(), self.log_tail()))

    def _wait_first_stats(self, deadline):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LiveError("tunlb exited %s during start-up; log tail:\n%s"
                                % (self.proc.returncode, self.log_tail()))
            st = self._read_stats()
            if st is not None:
                return st
            time.sleep(0.01)
        raise LiveError("no stats file %s within 15 s of start; log tail:\n%s"
                        % (self.stats_path, self.log_tail()))

    def stop(self, timeout=10):
        """SIGTERM tunlb, wait for it, read final_stats, clean up. Returns its exit code (124: killed by
        timeout(1), -9: did not exit within timeout s).  Again after the first call: the same code."""
        if self._stopped:
            return self.exit_code
        self._stopped = True
        if self.proc is not None and self.proc.poll() is None:
            if self.pid is not None and _pid_alive(self.pid):
                os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()        # exit code then -9: not 0, so the caller's check fails
        if self.proc is not None:
            self.exit_code = self.proc.returncode
        try:
            with open(self.stats_path) as f:
                self.final_stats = json.load(f)
        except (OSError, ValueError):
            self.final_stats = None
        self._cleanup()
        if self.exit_code == 0 and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.exit_code

    def _kill(self):
        for pid in (self.pid, self.proc.pid if self.proc else None):
            if pid is not None and self.proc is not None and self.proc.poll() is None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def _cleanup(self):
        """Idempotent: kill what is still running (by PID), close sockets, delete the namespace."""
        if self.proc is not None and self.proc.poll() is None:
            if self.pid is not None:
                try:
                    os.kill(self.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._kill()
        for s in (self._rx, self._tx):
            if s is not None:
                s.close()
        self._rx = self._tx = None
        if self._telemetry is not None:
            self._telemetry.close()
            self._telemetry = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._ns_made:
            _run(["ip", "netns", "delete", self.ns], check=False)
            self._ns_made = False
        if self.proc is not None:
            shutil.rmtree(os.path.join(DPDK_RUN_DIR, self.ns), ignore_errors=True)
        if self in _live:
            _live.remove(self)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    # ---------------------------------------------------------------- stats

    def _read_stats(self):
        """The stats file as a dict, None when absent; self._stat_id tells writes apart."""
        try:
            s = os.stat(self.stats_path)
            with open(self.stats_path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        try:
            st = json.loads(text)
        except ValueError:
            return None             # never happens with tunlb's rename; be safe anyway
        self._stat_id = (s.st_ino, s.st_mtime_ns, s.st_ctime_ns, s.st_size)
        self._stats_cache = st
        return st

    def _next_stats(self, deadline, collect=None):
        """Wait for a stats write newer than the last one read; None at the deadline.  Frames arriving
        meanwhile are appended to collect (when given) as they come, so their times are exact."""
        old = self._stat_id
        while time.monotonic() < deadline:
            if collect is not None:
                collect += self._recv_all()
            try:
                s = os.stat(self.stats_path)
                sid = (s.st_ino, s.st_mtime_ns, s.st_ctime_ns, s.st_size)
            except FileNotFoundError:
                sid = None
            if sid is not None and sid != old:
                st = self._read_stats()
                if st is not None:
                    return st
            if not self.running:
                raise LiveError("tunlb exited %s; log tail:\n%s" % (self.proc.returncode, self.log_tail()))
            time.sleep(0.005)
        return None

    def stats(self, fresh=False, timeout=5.0):
        """The --stats-out JSON as a dict: the last file written, or with fresh=True one written after
        this call began (at most one stats interval later)."""
        if fresh:
            st = self._next_stats(time.monotonic() + timeout)
            if st is None:
                raise LiveError("no new stats file within %.1f s" % timeout)
            return st
        st = self._read_stats()
        if st is None:
            raise LiveError("stats file %s is missing" % self.stats_path)
        return st

    # ---------------------------------------------------------------- traffic

    def _recv_all(self):
        """Every frame waiting on the capture socket: [(monotonic time, bytes)]."""
        out = []
        if self._rx is None:
            return out
        while True:
            try:
                data, anc, flags, addr = self._rx.recvmsg(65536 + 64, socket.CMSG_SPACE(AUXDATA.size))
            except BlockingIOError:
                return out
            if addr[2] == PACKET_OUTGOING:
                continue
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= AUXDATA.size:
                    status, _, _, _, _, tci, tpid = AUXDATA.unpack(cdata[:AUXDATA.size])
                    if status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            out.append((time.monotonic(), data))

    def _drain(self, when):
        stray = self._recv_all()
        if stray:
            raise LiveError("%d unexpected frame(s) on %s %s (first: %s)"
                            % (len(stray), PEER_IF, when, stray[0][1][:64].hex()))

    def send(self, frames, timeout=30.0):
        # generous: sanitizer builds on a loaded 2-core machine are slow; only failures wait it out
        """Send frames (scapy packets or bytes) on tv1 as they are, in order; return the list of frames
        (bytes) tunlb sent back on the link, in arrival order.  Waits until tunlb's rx_packets rose by
        len(frames) and every one of them is accounted for (stats), then until as many frames as
        tx_packets rose by arrived and quiet_ms passed without another.  self.last describes the send:
        sent, rx, tx, drops (deltas), stats (the deciding stats), elapsed (s)."""
        if not self.running:
            raise LiveError("tunlb is not running (exit %s)" % (self.proc and self.proc.poll()))
        raw = [bytes(f) for f in frames]
        t0 = time.monotonic()
        deadline = t0 + timeout
        self._drain("between sends")
        base = self._read_stats()
        rx0, tx0, dr0 = base["rx_packets"], base["tx_packets"], dict(base.get("drops") or {})
        miss0 = base["ports"][PORT_NAME].get("rx_missed", 0)
        got = []
        ip0 = self._ipackets()
        for i, fr in enumerate(raw):
            if i and i % self.window == 0:
                self._pace(ip0, i - self.window // 2, deadline)   # never more than 1.5 windows out
                got += self._recv_all()
            try:
                self._tx.send(fr)
            except OSError as e:
                raise LiveError("sending frame %d (%d bytes) on %s: %s" % (i, len(fr), PEER_IF, e))
        t_sent = time.monotonic()
        # Wait for tunlb to account for every frame.
        done, prev, moved = None, None, time.monotonic()
        while done is None:
            got += self._recv_all()
            st = self._next_stats(deadline, got)
            if st is not None and prev is not None and st["rx_packets"] != prev["rx_packets"]:
                moved = time.monotonic()
            if st is not None and st["rx_packets"] - rx0 < len(raw) and time.monotonic() - moved > 5.0:
                st = None   # no progress for 2 s: lost on the way (the port does not count ring drops)
            if st is None:
                cur = self._stats_cache or base
                raise LiveError("tunlb counted %d of %d frames received after %.1f s (port rx_missed "
                                "+%d); log tail:\n%s" % (cur["rx_packets"] - rx0, len(raw),
                                                          time.monotonic() - t0,
                                                          cur["ports"][PORT_NAME].get("rx_missed", 0) - miss0,
                                                          self.log_tail(5)))
            miss = st["ports"][PORT_NAME].get("rx_missed", 0) - miss0
            if miss:
                raise LiveError("port %s missed %d received frames (rx ring full)" % (PORT_NAME, miss))
            drx = st["rx_packets"] - rx0
            if drx > len(raw):
                raise LiveError("tunlb received %d frames, %d were sent: something else talks on %s"
                                % (drx, len(raw), PEER_IF))
            if drx == len(raw):
                if st["rx_packets"] == st["tx_packets"] + _drops(st):
                    done = st
                elif prev is not None and _counters(prev) == _counters(st):
                    done = st       # stable but unbalanced: tunlb's accounting is off; the test will see it
            prev = st
        want = done["tx_packets"] - tx0
        # Collect the output: as many frames as tunlb counted, then a quiet period.
        while True:
            got += self._recv_all()
            now = time.monotonic()
            last = got[-1][0] if got else t_sent
            if len(got) >= want and now - max(last, t_sent) >= self.quiet:
                break
            if now > deadline:
                raise LiveError("tunlb counted %d frames sent, %d arrived on %s within %.1f s"
                                % (want, len(got), PEER_IF, timeout))
            time.sleep(0.002)
        self.last = {"sent": len(raw), "rx": done["rx_packets"] - rx0, "tx": want,
                     "drops": {k: v - dr0.get(k, 0) for k, v in done["drops"].items() if v != dr0.get(k, 0)},
                     "captured": len(got), "stats": done, "elapsed": time.monotonic() - t0}
        return [f for _, f in got]

    def _ipackets(self):
        if self._telemetry is None:
            return None
        try:
            return self._telemetry.ipackets()
        except (OSError, ValueError, KeyError) as e:
            self._telemetry.close()
            self._telemetry = None
            self.telemetry_error = str(e)
            return None

    def _pace(self, ip0, need, deadline):
        """Wait until the port received at least need frames since ip0 (a pause without telemetry)."""
        if ip0 is None:
            time.sleep(0.005)
            return
        while True:
            n = self._ipackets()
            if n is None:
                time.sleep(0.005)
                return
            if n - ip0 >= need:
                return
            if time.monotonic() > deadline:
                raise LiveError("port %s took %d of the %d frames sent so far" % (PORT_NAME, n - ip0, need))
            time.sleep(0.0002)

    # ---------------------------------------------------------------- reload

    def _write_config(self, text):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def reload(self, config_text, timeout=5.0):
        """Replace the config file (atomically), send SIGHUP, wait until the stats file shows a new
        generation or a higher reloads.failed; return those stats.  LiveError after timeout seconds
        with neither (SIGHUP reload missing or stalled)."""
        if not self.running:
            raise LiveError("tunlb is not running (exit %s)" % (self.proc and self.proc.poll()))
        base = self._read_stats()
        gen0, fail0 = base.get("generation"), (base.get("reloads") or {}).get("failed", 0)
        self._write_config(config_text)
        self.config_text = config_text
        os.kill(self.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while True:
            st = self._next_stats(deadline)
            if st is None:
                raise LiveError("reload: after SIGHUP the stats kept generation %s and reloads.failed %s for "
                                "%.1f s: SIGHUP reload is not implemented or stalled; log tail:\n%s"
                                % (gen0, fail0, timeout, self.log_tail(5)))
            if st.get("generation") != gen0 or (st.get("reloads") or {}).get("failed", 0) > fail0:
                return st


if __name__ == "__main__":
    print(__doc__)
