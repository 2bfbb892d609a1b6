# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the golden scripts that drive a running tunlb: checks that
print one line each and are counted, polling, the DPDK telemetry socket, and
signals past timeout(1)."""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

results = []


def check(name, cond, detail=""):
    """Record one behaviour: 'ok   NAME' or 'FAIL NAME: DETAIL'. Returns whether it held."""
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    sys.stdout.flush()
    return bool(cond)


def summary():
    """Print 'N passed, N failed'; the exit status for it."""
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def setup():
    """The usual command line (--tunlb PATH --workdir DIR) and a fresh work directory.
    Returns the arguments and w(NAME), the path of NAME in the work directory."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    return a, lambda name: os.path.join(a.workdir, name)


def wait_for(pred, timeout=10.0):
    """pred() until true; errors (socket not there yet, command not registered) retry."""
    end = time.time() + timeout
    while True:
        try:
            v = pred()
        except (OSError, TypeError, KeyError, ValueError):
            v = None
        if v or time.time() > end:
            return v
        time.sleep(0.05)


class Telemetry:
    """One command per connection, as dpdk-telemetry.py and app/tunlbctl do."""

    def __init__(self, prefix):
        self.path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"

    def __call__(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(30)
        s.connect(self.path)
        info = json.loads(s.recv(4096))
        s.send(cmd.encode())
        reply = json.loads(s.recv(info["max_output_len"] + 1024))
        s.close()
        return reply[cmd.split(",")[0]]


def stop(p, wait=5.0):
    """Stop the Popen p that runs a command under timeout(1): SIGTERM (timeout passes it
    on), then SIGKILL the command itself and timeout. Killing timeout alone would leave
    the command running, orphaned."""
    if p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(wait)
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        signal_child(p, signal.SIGKILL)
    except OSError:
        pass
    p.kill()
    p.wait()


def netns_delete(ns):
    """Stop every process still in network namespace ns (SIGTERM, then SIGKILL), then
    delete it: deleting a namespace does not end its processes."""
    for sig, pause in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 0.2)):
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), sig)
            except OSError:
                pass
        if pids:
            time.sleep(pause)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def signal_child(p, sig):
    """Signal what timeout(1) (the Popen p) runs: timeout passes on neither SIGKILL nor a
    second signal."""
    with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
        for pid in f.read().split():
            os.kill(int(pid), sig)


# ---- the encapsulation matrix of the offload and segmentation tests ----------
# (encap, GUE variant, outer IPv6, inner IPv6) for GUE 0 / 1 and VXLAN x both families.
COMBOS = [(enc, var, o6, i6) for enc, var in (("gue", 0), ("gue", 1), ("vxlan", 0))
          for o6 in (0, 1) for i6 in (0, 1)]


def vip(k, i6):
    """The VIP of combination k (documentation ranges)."""
    return "2001:db8:100::%x" % (0x10 + k) if i6 else "198.51.100.%d" % (10 + k)


def backend(k, o6):
    """The backend of combination k."""
    return "2001:db8:be::%x" % (0x10 + k) if o6 else "203.0.113.%d" % (10 + k)


def overhead(enc, var, o6):
    """Bytes the encapsulation of a combination adds in front of the inner IP packet."""
    return (40 if o6 else 20) + 8 + (8 + 14 if enc == "vxlan" else 4 if var == 0 else 0)


def combo_service(k, name, proto="tcp", port=80, opts=""):
    """The YAML flow-style service line of combination k (opts: more keys, ', ' first)."""
    enc, var, o6, i6 = COMBOS[k]
    extra = f"gue_variant: {var}" if enc == "gue" else "vni: %d" % (100 + k)
    mac = ', mac: "02:00:00:00:be:%02x"' % k if enc == "vxlan" else ""
    return (f'  - {{name: {name}, vip: "{vip(k, i6)}", port: {port}, protocol: {proto}, '
            f'encap: {enc}, {extra}, table_size: 101{opts}, '
            f'backends: [{{address: "{backend(k, o6)}"{mac}}}]}}')


def tshark_checksums(pcap, layers=("ip", "udp", "tcp")):
    """tshark's own checksum verdicts on every frame of pcap, UDP port 6080 (GUE) decoded as
    IP so that the inner layers are checked too: (tshark ran, frames with a bad (status 0)
    checksum in one of layers, number of frames, tshark's stderr)."""
    cmd = ["tshark", "-r", pcap, "-d", "udp.port==6080,ip", "-T", "fields"]
    for layer in layers:
        cmd += ["-o", f"{layer}.check_checksum:TRUE", "-e", f"{layer}.checksum.status"]
    t = subprocess.run(cmd, capture_output=True, text=True)
    rows = t.stdout.splitlines()
    bad = [ln for ln in rows if "0" in ln.replace("\t", ",").split(",")]
    return t.returncode == 0, bad, len(rows), t.stderr


def testpmd_or_fail():
    """The dpdk-testpmd binary, or None after a FAIL line saying how to get it."""
    testpmd = shutil.which("dpdk-testpmd")
    if testpmd is None:
        check("dpdk-testpmd (Debian dpdk) is installed: app/setup.sh installs it", False)
    return testpmd


def mask_id(f):
    """An outer IPv4 frame with its identification and header checksum zeroed: what
    legitimately differs between two runs (the ID starts anywhere)."""
    if f[12:14] == b"\x08\x00":
        return f[:18] + b"\0\0" + f[20:24] + b"\0\0" + f[26:]
    return f

