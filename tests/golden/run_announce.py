#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Route announcements through a real BIRD 2 (config 'announce:', README "Scale-out").

In a network namespace of its own: BIRD 2 with two static protocols that
include tunlb's files, and tunlb on net_tap (whose link can be taken down)
and net_null. What BIRD has in its table is read with birdc, as an operator
would:

  * serving VIPs are in BIRD's table via the liveness interface; a VIP with no
    usable backend is not;
  * a backend change at run time (down, draining, back) withdraws and
    re-announces within a poll; a port whose link goes down withdraws all;
  * a broken BIRD config and a stopped BIRD are reported (telemetry, log) and
    retried; once BIRD is back, the current set is in its table;
  * a second tunlb with the same liveness interface refuses to start; a
    reload that changes 'announce' is refused (restart-only);
  * SIGTERM withdraws first and keeps forwarding for withdraw_grace_ms, then
    exits 0; SIGKILL withdraws too, because the interface dies with tunlb,
    although its files still list the VIPs; a restart does not re-announce
    those stale files before it has decided.

Usage: run_announce.py --tunlb PATH --workdir DIR     (exit 77: no namespaces)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from tlbtest import Telemetry, check, netns_delete, setup, signal_child, stop, summary, wait_for

VIP4 = "198.51.100.10"
VIP4_DOWN = "198.51.100.11"
VIP6 = "2001:db8:100::10"
GRACE_MS = 1500


def tunlb_config(w, interface="tunlb-live", grace=GRACE_MS):
    return f"""node: {{ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}}
ports:
  - {{name: net_tap0, tx_port: net_null0}}
  - {{name: net_null0}}
announce:
  bird_socket: {w('bird.ctl')}
  ipv4_routes: {w('vips4.conf')}
  ipv6_routes: {w('vips6.conf')}
  interface: {interface}
  withdraw_grace_ms: {grace}
services:
  - {{name: web, vip: {VIP4}, port: 80, protocol: tcp, encap: gue, table_size: 1009,
     backends: [{{address: 203.0.113.11}}, {{address: 203.0.113.12}}]}}
  - {{name: dns, vip: {VIP4}, port: 53, protocol: udp, encap: gue, table_size: 1009,
     backends: [{{address: 203.0.113.13, state: down}}]}}
  - {{name: web6, vip: "{VIP6}", port: 80, protocol: tcp, encap: gue, table_size: 1009,
     backends: [{{address: "2001:db8:be::11"}}]}}
  - {{name: off, vip: {VIP4_DOWN}, port: 80, protocol: tcp, encap: gue, table_size: 1009,
     backends: [{{address: 203.0.113.14, state: down}}]}}
"""


def bird_config(w, broken=False):
    return f"""router id 192.0.2.1;
protocol device {{ }}
protocol static tunlb4 {{
  ipv4;
  include "{w('vips4.conf')}";
}}
protocol static tunlb6 {{
  ipv6;
  include "{w('vips6.conf')}";
}}
{"protocol static broken {" if broken else ""}
"""


def main():
    a, w = setup()
    bird = shutil.which("bird") or "/usr/sbin/bird"
    birdc = shutil.which("birdc") or "/usr/sbin/birdc"
    if not os.path.exists(bird):
        print("FAIL: bird (Debian bird2) is not installed: app/setup.sh installs it")
        return 1
    ns = f"tlban{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        print("SKIP: cannot create a network namespace")
        return 77
    nsx = ["ip", "netns", "exec", ns]
    procs = []

    def start_bird():
        p = subprocess.Popen(nsx + ["timeout", "120", bird, "-f", "-c", w("bird.conf"),
                                    "-s", w("bird.ctl"), "-P", w("bird.pid")],
                             stdout=open(w("bird.log"), "a"), stderr=subprocess.STDOUT)
        procs.append(p)
        wait_for(lambda: os.path.exists(w("bird.ctl")) and
                 subprocess.run([birdc, "-s", w("bird.ctl"), "show", "status"],
                                capture_output=True).returncode == 0)
        return p

    def routes():
        """{prefix: text} of BIRD's tables (master4 and master6)."""
        out = subprocess.run([birdc, "-s", w("bird.ctl"), "show", "route", "table", "all"],
                             capture_output=True, text=True, timeout=10).stdout
        r, last = {}, None
        for line in out.splitlines():
            f = line.split()
            if f and "/" in f[0] and f[0][0].isalnum():
                last = f[0]
                r[last] = line
            elif last and f:
                r[last] += " " + line.strip()
        return r

    def announced():
        return {p.split("/")[0] for p, t in routes().items() if 'tunlb-live' in t}

    def start_tunlb(prefix, cfgfile, log):
        p = subprocess.Popen(
            nsx + ["timeout", "120", a.tunlb, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                   f"--file-prefix={prefix}", "--log-level=lib.eal:error",
                   "--vdev=net_tap0,iface=tlbtap0", "--vdev=net_null0,no-rx=1", "--",
                   "-c", cfgfile, "--stats-out", w(prefix + ".json")],
            stdout=open(w(log), "w"), stderr=subprocess.STDOUT)
        procs.append(p)
        return p

    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        with open(w("bird.conf"), "w") as f:
            f.write(bird_config(w))
        # Files a crashed earlier run left: they must not be announced on restart.
        with open(w("vips4.conf"), "w") as f:
            f.write(f'route {VIP4_DOWN}/32 via "tunlb-live";\n')
        open(w("vips6.conf"), "w").close()
        start_bird()
        cfg = w("tunlb.yaml")
        with open(cfg, "w") as f:
            f.write(tunlb_config(w))
        prefix = f"tlban{os.getpid()}"
        tel = Telemetry(prefix)
        tl = start_tunlb(prefix, cfg, "tunlb.log")

        # --- what is served is announced, and only that
        got = wait_for(lambda: announced() == {VIP4, VIP6}, 10)
        check("serving VIPs (IPv4 and IPv6) are in BIRD's table via tunlb-live; one whose "
              "backends are all down is not, stale files notwithstanding", got,
              (routes(), open(w("tunlb.log")).read()[-800:]))
        an = wait_for(lambda: tel("/tunlb/announce"), 5)
        check("/tunlb/announce: reason per VIP, interface, BIRD accepted",
              an and an["vips"] == {VIP4.replace(".", "_"): "serving",
                                    VIP4_DOWN.replace(".", "_"): "no_backend",
                                    VIP6.replace(":", "_"): "serving"} and
              an["live"] == 1 and an["bird_configures_ok"] >= 1 and an["bird_error"] == "", an)

        # --- backend changes at run time
        for b in ("203.0.113.11", "203.0.113.12"):
            tel(f"/tunlb/backend_set,web {b} down")
        check("every backend of the VIP down (dns's too): withdrawn within a poll",
              wait_for(lambda: announced() == {VIP6}, 2), routes())
        tel("/tunlb/backend_set,web 203.0.113.11 draining")
        time.sleep(0.5)
        check("a draining backend takes no new flows: still withdrawn", announced() == {VIP6},
              routes())
        tel("/tunlb/backend_set,web 203.0.113.12 clear")
        check("one backend back: announced again", wait_for(lambda: announced() == {VIP4, VIP6}, 2),
              routes())
        tel("/tunlb/backend_set,web 203.0.113.11 clear")

        # --- a port down
        subprocess.run(["ip", "-n", ns, "link", "set", "tlbtap0", "down"], check=True)
        check("a port's link down: every VIP withdrawn (reason port_down)",
              wait_for(lambda: announced() == set(), 2) and
              tel("/tunlb/announce")["vips"][VIP6.replace(":", "_")] == "port_down", routes())
        subprocess.run(["ip", "-n", ns, "link", "set", "tlbtap0", "up"], check=True)
        check("link up again: announced again", wait_for(lambda: announced() == {VIP4, VIP6}, 3),
              routes())

        # --- BIRD refusing its config, BIRD gone
        with open(w("bird.conf"), "w") as f:
            f.write(bird_config(w, broken=True))
        tel("/tunlb/backend_set,web6 2001:db8:be::11 down")
        an = wait_for(lambda: (lambda x: x if "syntax error" in x["bird_error"] else None)(
            tel("/tunlb/announce")), 3)
        check("a BIRD config error is reported with BIRD's FILE:LINE:COL, tunlb keeps running",
              an and w("bird.conf") + ":" in an["bird_error"] and an["bird_configures_failed"] >= 1
              and tl.poll() is None, an)
        check("... and BIRD keeps its previous routes meanwhile", announced() == {VIP4, VIP6},
              routes())
        with open(w("bird.conf"), "w") as f:
            f.write(bird_config(w))
        check("BIRD's config fixed: the retry gets the change through within 2 s",
              wait_for(lambda: announced() == {VIP4} and
                       tel("/tunlb/announce")["bird_error"] == "", 3), tel("/tunlb/announce"))
        stop(procs[0], 10)
        tel("/tunlb/backend_set,web6 2001:db8:be::11 clear")
        an = wait_for(lambda: (lambda x: x if "connect" in x["bird_error"] else None)(
            tel("/tunlb/announce")), 3)
        check("BIRD stopped: reported ('connect ...'), retried", an, tel("/tunlb/announce"))
        procs[0] = start_bird()
        check("BIRD started again: it reads the current files (IPv6 VIP back)",
              wait_for(lambda: announced() == {VIP4, VIP6} and
                       tel("/tunlb/announce")["bird_error"] == "", 4), routes())

        # --- a second instance with the same interface; restart-only reload
        cfg2 = w("tunlb2.yaml")
        with open(cfg2, "w") as f:
            f.write(tunlb_config(w).replace("net_tap0", "net_null1").replace("net_null0",
                                                                             "net_null2"))
        p2 = subprocess.run(nsx + ["timeout", "60", a.tunlb, "--no-huge", "-m", "512", "--no-pci",
                                   "-l", "1", f"--file-prefix={prefix}b",
                                   "--log-level=lib.eal:error", "--vdev=net_null1,no-rx=1",
                                   "--vdev=net_null2,no-rx=1", "--", "-c", cfg2],
                            capture_output=True, text=True)
        check("a second tunlb with the same liveness interface refuses to start",
              p2.returncode != 0 and "tunlb-live" in p2.stdout + p2.stderr and
              "another tunlb" in p2.stdout + p2.stderr, (p2.returncode, p2.stdout[-500:]))
        check("... and the first one still announces", announced() == {VIP4, VIP6}, routes())
        with open(cfg + ".new", "w") as f:
            f.write(tunlb_config(w, grace=3000))
        os.rename(cfg + ".new", cfg)
        r = tel("/tunlb/reload")
        check("a reload changing 'announce' is refused (restart-only)",
              r["ok"] == 0 and "announce" in tel("/tunlb/config")["last_reload"]["message"], r)
        with open(cfg + ".new", "w") as f:
            f.write(tunlb_config(w))
        os.rename(cfg + ".new", cfg)

        # --- SIGTERM: withdraw, keep forwarding for the grace time, exit 0
        t0 = time.time()
        signal_child(tl, signal.SIGTERM)
        gone = wait_for(lambda: announced() == set(), 1.0)
        t_gone = time.time() - t0
        alive = tl.poll() is None
        rc = tl.wait(10)
        t_exit = time.time() - t0
        check(f"SIGTERM: withdrawn after {1000 * t_gone:.0f} ms while tunlb still ran, exit 0 "
              f"after {1000 * t_exit:.0f} ms (grace {GRACE_MS} ms)",
              gone and alive and rc == 0 and t_exit >= GRACE_MS / 1000.0,
              (gone, alive, rc, t_exit))
        st = json.load(open(w(prefix + ".json")))
        check("--stats-out: announce section, every VIP 'stopping', interface gone",
              st["announce"]["live"] is False and
              set(st["announce"]["vips"].values()) == {"stopping"}, st.get("announce"))
        check("the files are empty after a clean stop",
              "route" not in open(w("vips4.conf")).read() and
              "route" not in open(w("vips6.conf")).read(), "")

        # --- SIGKILL: the interface dies with the process
        tl = start_tunlb(prefix, cfg, "tunlb3.log")
        wait_for(lambda: announced() == {VIP4, VIP6}, 10)
        t0 = time.time()
        signal_child(tl, signal.SIGKILL)
        gone = wait_for(lambda: announced() == set(), 2.0)
        check(f"SIGKILL: withdrawn after {1000 * (time.time() - t0):.0f} ms (the liveness "
              "interface went with the process) though the files still list the VIPs",
              gone and "route" in open(w("vips4.conf")).read(), routes())
        tl.wait(10)
        tl = start_tunlb(prefix, cfg, "tunlb4.log")
        check("restarted: announced again", wait_for(lambda: announced() == {VIP4, VIP6}, 10),
              routes())
        signal_child(tl, signal.SIGINT)
        wait_for(lambda: announced() == set(), 1.0)	# the first one is being handled
        t0 = time.time()
        signal_child(tl, signal.SIGINT)
        tl.wait(10)
        check("a second signal during the grace time stops at once",
              time.time() - t0 < GRACE_MS / 1000.0, time.time() - t0)
    finally:
        for p in procs:
            stop(p)
        netns_delete(ns)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
