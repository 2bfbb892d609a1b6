#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks and the live view for the end-to-end tests and app/demo.sh.

Independent of tunlb's code: it reads tunlb's --stats-out JSON, the YAML
config, captures (scapy) and the client's own record of which backend
answered each request.

  e2echeck.py share    --config C --service S --responses F --host ... [--sigma 4]
  e2echeck.py dsr      --pcap P --responses F... --host ... --lb-mac M --vip V...
  e2echeck.py stats    --stats J [--flows SERVICE=RESPONSES]... [--min-avg SERVICE=BYTES]...
                       [--noise REASON]... [--noise-max N] [--replies KIND]... --host ...
  e2echeck.py view     --stats J [--http F] [--events F] [--interval 1] [--duration S]
  e2echeck.py iperf    --json F --rc N [--label L] [--no-stall] [--min-bytes N]
  e2echeck.py answers  --responses F [--none ROLE]... [--some ROLE]... [--all]
  e2echeck.py get      --stats J KEY...      (dotted keys; a missing one prints 0)
  e2echeck.py backends --ctl-json F --host ...   (tunlbctl --json backends S: a line each)
  e2echeck.py selftest               (the checks above fail on bad input)

--host ROLE=IPV4,IPV6,MAC names a backend (repeat it). A responses file has
one line per request: "PORT ROLE" when the backend ROLE answered, "PORT FAIL
..." otherwise. Every check prints what it saw; the exit status is 0 only when
every check passed.
"""
import argparse
import json
import math
import re
import signal
import sys
import time
from ipaddress import ip_address


def parse_hosts(specs):
    hosts = {}
    for s in specs or []:
        role, rest = s.split("=", 1)
        v4, v6, mac = rest.split(",")
        hosts[role] = {"ipv4": ip_address(v4), "ipv6": ip_address(v6), "mac": mac.lower()}
    return hosts


def role_of_address(hosts, addr):
    a = ip_address(addr)
    for role, h in hosts.items():
        if a in (h["ipv4"], h["ipv6"]):
            return role
    return None


def read_responses(path):
    """[(port, role or None)] from a responses file."""
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            port = int(parts[0])
            role = parts[1] if len(parts) > 1 and parts[1] != "FAIL" else None
            out.append((port, role))
    return out


def service_weights(config, service, hosts):
    """{role: weight} of the service's backends, from the YAML config."""
    import yaml
    with open(config) as f:
        cfg = yaml.safe_load(f)
    for svc in cfg.get("services") or []:
        if svc["name"] == service:
            w = {}
            for b in svc.get("backends") or []:
                role = role_of_address(hosts, b["address"])
                if role is None:
                    raise SystemExit(f"backend {b['address']} of {service} is no known host")
                if b.get("state", "active") == "active":
                    w[role] = int(b.get("weight", 1))
            return w
    raise SystemExit(f"service {service} not in {config}")


def share_check(counts, weights, sigma):
    """Each backend's count within sigma standard deviations of its binomial
    expectation (n trials, p = weight / total weight). Returns (ok, lines)."""
    n = sum(counts.values())
    total_w = sum(weights.values())
    ok = n > 0 and total_w > 0
    lines = []
    for role in sorted(set(weights) | set(counts)):
        k = counts.get(role, 0)
        if role not in weights:
            lines.append(f"{role}: {k} answers but it is not an active backend")
            ok = False
            continue
        p = weights[role] / total_w if total_w else 0.0
        mean = n * p
        sd = math.sqrt(n * p * (1 - p))
        lo, hi = max(0.0, mean - sigma * sd), mean + sigma * sd
        good = lo <= k <= hi
        ok = ok and good
        lines.append(f"{role}: {k:4d} of {n} (weight {weights[role]}, expected {mean:.1f}, "
                     f"allowed {math.ceil(lo)}..{math.floor(hi)}) {'ok' if good else 'OUT OF BOUND'}")
    return ok, lines


def cmd_share(a):
    hosts = parse_hosts(a.host)
    weights = service_weights(a.config, a.service, hosts)
    resp = read_responses(a.responses)
    counts = {}
    for _, role in resp:
        if role:
            counts[role] = counts.get(role, 0) + 1
    ok, lines = share_check(counts, weights, a.sigma)
    print(f"share of {a.service}: {sum(counts.values())} answered requests, {a.sigma:g} sigma bound")
    for line in lines:
        print("    " + line)
    return 0 if ok else 1


def dsr_check(frames, expected, hosts, lb_mac, vips):
    """frames: [(src_mac, dst_mac, src_ip, dst_ip, sport, dport, flags)] seen on
    the client. Replies (from a VIP) must come from a backend's MAC, never the
    LB's; each SYN-ACK from the MAC of the backend that answered that client
    port (expected: {(vip, client port): role}); requests to a VIP go to the
    LB's MAC. Returns (ok, lines)."""
    mac_role = {h["mac"]: r for r, h in hosts.items()}
    lb_mac = lb_mac.lower()
    vips = {ip_address(v) for v in vips}
    ok = True
    lines = []
    replies, requests, by_mac, synacks = 0, 0, {}, 0
    bad = []
    for smac, dmac, sip, dip, sport, dport, flags in frames:
        if ip_address(sip) in vips:
            replies += 1
            by_mac[smac] = by_mac.get(smac, 0) + 1
            if smac == lb_mac or smac not in mac_role:
                bad.append(f"reply {sip}:{sport} -> {dport} from MAC {smac}")
            if flags & 0x12 == 0x12:
                synacks += 1
                want = expected.get((str(ip_address(sip)), dport))
                if want is not None and mac_role.get(smac) != want:
                    bad.append(f"SYN-ACK to client port {dport} from {smac} "
                               f"({mac_role.get(smac, '?')}), but {want} answered it")
        elif ip_address(dip) in vips:
            requests += 1
            if dmac != lb_mac:
                bad.append(f"request to {dip}:{dport} sent to MAC {dmac}, not the LB's")
    lines.append(f"{requests} client->VIP frames, {replies} VIP->client frames "
                 f"({synacks} SYN-ACKs)")
    for mac, c in sorted(by_mac.items()):
        lines.append(f"  replies from {mac} ({mac_role.get(mac, 'LB' if mac == lb_mac else '?')}): {c}")
    answered = {r for r in expected.values()}
    seen = {mac_role[m] for m in by_mac if m in mac_role}
    if not answered <= seen:
        bad.append(f"no reply frame from {sorted(answered - seen)}")
    if replies == 0 or requests == 0 or synacks < len(expected):
        bad.append(f"too few frames: {synacks} SYN-ACKs for {len(expected)} answered requests")
    for b in bad[:10]:
        lines.append("  BAD: " + b)
    if len(bad) > 10:
        lines.append(f"  ... and {len(bad) - 10} more")
    ok = not bad
    return ok, lines


def read_frames(pcap):
    from scapy.all import IP, TCP, Ether, IPv6, PcapReader
    out = []
    with PcapReader(pcap) as r:
        for p in r:
            if Ether not in p or TCP not in p:
                continue
            ip = p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)
            if ip is None:
                continue
            t = p[TCP]
            out.append((p[Ether].src.lower(), p[Ether].dst.lower(), ip.src, ip.dst,
                        t.sport, t.dport, int(t.flags)))
    return out


def cmd_dsr(a):
    hosts = parse_hosts(a.host)
    expected = {}
    for spec in a.responses:
        vip, path = spec.split("=", 1)
        for port, role in read_responses(path):
            if role:
                expected[(str(ip_address(vip)), port)] = role
    frames = read_frames(a.pcap)
    ok, lines = dsr_check(frames, expected, hosts, a.lb_mac, a.vip)
    if a.stats:
        # Every client->VIP frame the client sent was forwarded by tunlb once.
        with open(a.stats) as f:
            svcs = json.load(f)["services"]
        fwd = sum(svcs[n]["packets"] for n in a.services.split(","))
        vips = {ip_address(v) for v in a.vip}
        sent = sum(1 for fr in frames if ip_address(fr[3]) in vips)
        good = fwd == sent
        ok = ok and good
        lines.append(f"tunlb forwarded {fwd} packets for {a.services}, the client sent {sent} "
                     f"to the VIPs: {'equal' if good else 'BAD: they differ'}")
    print(f"direct server return, capture on the client ({a.pcap}):")
    for line in lines:
        print("    " + line)
    return 0 if ok else 1


def stats_check(s, flows, min_avg, noise, noise_max, replies, hosts):
    """tunlb's own counters against what the client saw. Returns (ok, lines)."""
    lines, bad = [], []
    drops = s.get("drops", {})
    total_drops = sum(drops.values())
    lines.append(f"rx {s['rx_packets']} tx {s['tx_packets']} drops {total_drops} "
                 f"replies {s.get('replies')}")
    if s["rx_packets"] != s["tx_packets"] + total_drops:
        bad.append("rx_packets != tx_packets + sum(drops)")
    nz = {k: v for k, v in drops.items() if v}
    if nz:
        lines.append(f"non-zero drops: {nz}")
    for k, v in nz.items():
        if k not in noise:
            bad.append(f"unexpected drop reason {k} = {v}")
    if sum(drops.get(k, 0) for k in noise) > noise_max:
        bad.append(f"more than {noise_max} packets dropped as {','.join(noise)}")
    for kind in replies:
        if not s.get("replies", {}).get(kind):
            bad.append(f"replies.{kind} is 0")
    svcs = s.get("services", {})
    for name, svc in svcs.items():
        if name not in flows:
            lines.append(f"{name}: {svc['packets']} packets, {svc['bytes']} bytes; " + ", ".join(
                f"{addr} {c['packets']}" for addr, c in svc["backends"].items()))
    for name, path in flows.items():
        svc = svcs.get(name)
        if svc is None:
            bad.append(f"service {name} missing from the counters")
            continue
        want = {}
        for _, role in read_responses(path):
            if role:
                want[role] = want.get(role, 0) + 1
        got = {}
        be_packets = 0
        for addr, c in svc["backends"].items():
            be_packets += c["packets"]
            role = role_of_address(hosts, addr)
            got[role] = got.get(role, 0) + c["new_flows"]
            lines.append(f"{name} {addr} ({role}): packets {c['packets']} bytes {c['bytes']} "
                         f"new_flows {c['new_flows']} (client saw {want.get(role, 0)} answers)")
            if want.get(role, 0) and c["packets"] == 0:
                bad.append(f"{name}/{addr}: answered requests but 0 packets")
        if be_packets != svc["packets"]:
            bad.append(f"{name}: backend packets {be_packets} != service packets {svc['packets']}")
        for role in set(want) | set(got):
            if want.get(role, 0) != got.get(role, 0):
                bad.append(f"{name}: {role} took {got.get(role, 0)} new flows, "
                           f"the client saw {want.get(role, 0)} answers from it")
    for name, need in min_avg.items():
        svc = svcs.get(name, {"packets": 0, "bytes": 0})
        avg = svc["bytes"] / svc["packets"] if svc["packets"] else 0
        lines.append(f"{name}: {svc['packets']} packets, {avg:.0f} bytes per inner packet on average")
        if avg < need:
            bad.append(f"{name}: average inner packet {avg:.0f} < {need} bytes")
    lines += ["BAD: " + b for b in bad]
    return not bad, lines


def cmd_stats(a):
    with open(a.stats) as f:
        s = json.load(f)
    flows = dict(x.split("=", 1) for x in a.flows)
    min_avg = {k: int(v) for k, v in (x.split("=", 1) for x in a.min_avg)}
    ok, lines = stats_check(s, flows, min_avg, a.noise, a.noise_max, a.replies,
                            parse_hosts(a.host))
    print(f"tunlb counters ({a.stats}):")
    for line in lines:
        print("    " + line)
    return 0 if ok else 1


# ---- live view ---------------------------------------------------------------
def human(v, unit):
    for p in ("", "k", "M", "G"):
        if abs(v) < 1000:
            return f"{v:6.1f} {p}{unit}"
        v /= 1000
    return f"{v:6.1f} T{unit}"


def http_tally(path):
    """'FAMILY ROLE|FAIL' lines -> one summary line per family."""
    n = {}
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 2:
                    n.setdefault(p[0], {}).setdefault(p[1], 0)
                    n[p[0]][p[1]] += 1
    except OSError:
        pass
    return [f"HTTP answers over IPv{fam}: " + "  ".join(f"{k} {v}" for k, v in sorted(c.items()))
            for fam, c in sorted(n.items())]


def render(s, prev, dt, events, elapsed):
    out = []
    drops = {k: v for k, v in s.get("drops", {}).items() if v}
    out.append(f"tunlb live counters   t={elapsed:5.0f}s   rx {s['rx_packets']}  tx {s['tx_packets']}  "
               f"replies {s.get('replies', {})}")
    out.append(f"drops: {drops or 'none'}" + ("   (not_vip, arp_other: other hosts' ARP and "
               "neighbour solicitations on the shared segment)" if drops else ""))
    out.append(f"{'service / backend':34s} {'packets':>10s} {'new flows':>9s} "
               f"{'pkt/s':>12s} {'inner bit/s':>14s}")
    for name, svc in s.get("services", {}).items():
        rows = [(name, svc, prev.get("services", {}).get(name) if prev else None, "")]
        for addr, c in svc.get("backends", {}).items():
            pc = prev.get("services", {}).get(name, {}).get("backends", {}).get(addr) if prev else None
            rows.append((f"  {addr} (w{c.get('weight', '?')})", c, pc, ""))
        for label, c, pc, _ in rows:
            pps = (c["packets"] - pc["packets"]) / dt if pc and dt > 0 else 0.0
            bps = 8 * (c["bytes"] - pc["bytes"]) / dt if pc and dt > 0 else 0.0
            out.append(f"{label:34s} {c['packets']:10d} {c.get('new_flows', 0):9d} "
                       f"{human(pps, 'p/s'):>12s} {human(bps, 'b/s'):>14s}")
    if events:
        out.append("")
        out += events
    return out


def tail(path, n):
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f.readlines()[-n:]]
    except OSError:
        return []


def cmd_view(a):
    tty = sys.stdout.isatty()
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.append(1))
    t0 = time.monotonic()
    prev, prev_t = None, None
    if tty:
        sys.stdout.write("\033[2J")
    while not stop:
        now = time.monotonic()
        if a.duration and now - t0 >= a.duration:
            break
        try:
            with open(a.stats) as f:
                s = json.load(f)
        except (OSError, ValueError):
            s = None
        if s is not None:
            dt = now - prev_t if prev_t else 0.0
            events = http_tally(a.http) if a.http else []
            events += tail(a.events, a.event_lines) if a.events else []
            lines = render(s, prev, dt, events, now - t0)
            if tty:
                lines += ["", "Ctrl-C stops the demo: a summary, then every namespace it made is removed."]
                # home, draw, clear what is left of the previous frame
                sys.stdout.write("\033[H" + "\n".join(l + "\033[K" for l in lines) + "\n\033[J")
            else:
                # one line a second: totals, then each service that moved, with
                # the packets each of its backends took in that second
                ts = time.strftime("%H:%M:%S")
                parts = []
                for name, svc in s.get("services", {}).items():
                    ps = prev.get("services", {}).get(name) if prev else None
                    d = svc["packets"] - (ps["packets"] if ps else 0)
                    if d == 0:
                        continue
                    bes = []
                    for addr, c in svc["backends"].items():
                        pc = ps["backends"].get(addr) if ps else None
                        bes.append(f"{addr} +{c['packets'] - (pc['packets'] if pc else 0)}")
                    parts.append(f"{name} +{d} ({', '.join(bes)})")
                drops = sum(s.get("drops", {}).values())
                sys.stdout.write(f"{ts} rx {s['rx_packets']} tx {s['tx_packets']} drops {drops}"
                                 + "".join(" | " + p for p in parts) + "\n")
            sys.stdout.flush()
            prev, prev_t = s, now
        deadline = now + a.interval
        while not stop and time.monotonic() < deadline:
            time.sleep(0.05)
    return 0


# ---- iperf3 results, answers per backend, counter look-ups ----------------------
IPERF_UNITS = {"Bytes": 1, "KBytes": 1024, "MBytes": 1024 ** 2, "GBytes": 1024 ** 3}


def server_intervals(j):
    """The receiver's per-interval report [{"seconds", "bytes"}] from an iperf3
    client's JSON with --get-server-output: server_output_json when the server
    ran with -J, else parsed from server_output_text (iperf3 3.12's lines
    "[  5]   1.00-2.00   sec  67.2 MBytes   564 Mbits/sec"; the totals, which
    end in "receiver" or "sender", are left out)."""
    srv = j.get("server_output_json")
    if srv:
        return [iv.get("sum", {}) for iv in srv.get("intervals", [])]
    out = []
    for line in (j.get("server_output_text") or "").splitlines():
        m = re.match(r"\[\s*(\d+|SUM)\]\s+([\d.]+)-([\d.]+)\s+sec\s+([\d.]+)\s+(\w*Bytes)\s+\S+\s+\S+/sec\s*$",
                     line)
        if m:
            out.append({"seconds": float(m[3]) - float(m[2]),
                        "bytes": float(m[4]) * IPERF_UNITS.get(m[5], 1)})
    return out


def iperf_check(j, rc, no_stall, min_bytes):
    """An iperf3 client's JSON (-J --get-server-output) and exit status.
    iperf3 3.12 with -J exits 0 even when the test failed (esnet/iperf#1405,
    fixed in 3.14): the "error" member and the bytes received decide.
    Returns (ok, mbps, lines): ok when iperf3 exited 0 without an error,
    the receiver got at least min_bytes, and (no_stall) every one of the
    receiver's intervals carried data."""
    lines, bad = [], []
    end = j.get("end") or {}
    rx = end.get("sum_received") or {}
    got = int(rx.get("bytes", 0))
    secs = float(rx.get("seconds", 0) or 0)
    mbps = rx.get("bits_per_second", 0) / 1e6
    retr = (end.get("sum_sent") or {}).get("retransmits", "?")
    mss = (j.get("start") or {}).get("tcp_mss_default", "?")
    lines.append(f"{mbps:.0f} Mbit/s received ({got} bytes in {secs:.1f} s), {retr} retransmits, "
                 f"client MSS {mss}, iperf3 exit status {rc}")
    if rc != 0:
        bad.append(f"iperf3 exited with status {rc}")
    if j.get("error"):
        bad.append(f"iperf3 error: {j['error']}")
    if got < max(1, min_bytes):
        bad.append(f"the receiver got {got} bytes (at least {max(1, min_bytes)} wanted)")
    ivals = server_intervals(j)
    if ivals:
        per = [int(iv.get("bytes", 0)) for iv in ivals]
        lines.append("receiver per interval (MB): " + " ".join(f"{b / 1e6:.0f}" for b in per))
        # The last interval can be a sliver (under 0.2 s) with nothing in it.
        full = [b for b, iv in zip(per, ivals) if float(iv.get("seconds", 1)) >= 0.2]
        if no_stall and (not full or min(full) == 0):
            bad.append("the receiver had an interval without data (stall)")
    elif no_stall:
        bad.append("no receiver intervals (run iperf3 with -J --get-server-output)")
    lines += ["BAD: " + b for b in bad]
    return not bad, mbps, lines


def cmd_iperf(a):
    try:
        with open(a.json) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        j = {"error": f"no JSON from iperf3 ({e})"}
    ok, mbps, lines = iperf_check(j, a.rc, a.no_stall, a.min_bytes)
    print(f"iperf3 {a.label}: " + lines[0])
    for line in lines[1:]:
        print("    " + line)
    return 0 if ok else 1


def answers_check(resp, none, some, want_all):
    """resp: [(port, role or None)]. No answer from a role in none, at least
    one from each role in some, and (want_all) every request answered."""
    counts, failed = {}, 0
    for _, role in resp:
        if role:
            counts[role] = counts.get(role, 0) + 1
        else:
            failed += 1
    bad = []
    if not resp:
        bad.append("no request made")
    if want_all and failed:
        bad.append(f"{failed} of {len(resp)} requests failed")
    for r in none:
        if counts.get(r):
            bad.append(f"{r} answered {counts[r]} requests")
    for r in some:
        if not counts.get(r):
            bad.append(f"{r} answered none")
    tally = ", ".join(f"{r} {n}" for r, n in sorted(counts.items())) or "none"
    lines = [f"{len(resp)} requests: answered by {tally}; {failed} failed"]
    return not bad, lines + ["BAD: " + b for b in bad]


def cmd_answers(a):
    ok, lines = answers_check(read_responses(a.responses), a.none, a.some, a.all)
    for line in lines:
        print("    " + line)
    return 0 if ok else 1


def dig(d, key):
    for k in key.split("."):
        d = d.get(k, 0) if isinstance(d, dict) else 0
    return d


def cmd_get(a):
    with open(a.stats) as f:
        s = json.load(f)
    print(" ".join(str(dig(s, k)) for k in a.key))
    return 0


def cmd_backends(a):
    """One line per backend of a tunlbctl --json backends reply:
    ROLE ADDRESS STATE WEIGHT PACKETS NEW_FLOWS ACTIVE_FLOWS."""
    hosts = parse_hosts(a.host)
    with open(a.ctl_json) as f:
        data = json.load(f)
    for v in data.values():
        if isinstance(v, dict):
            role = role_of_address(hosts, v["address"]) or "?"
            print(f"{role} {v['address']} {v['state']} {v['weight']} {v['packets']} "
                  f"{v['new_flows']} {v['active_flows']}")
    return 0


# ---- self-test: every check must be able to fail ---------------------------------
def cmd_selftest(_a):
    fails = 0

    def expect(name, got_ok, want_ok):
        nonlocal fails
        good = got_ok == want_ok
        fails += not good
        print(f"{'ok  ' if good else 'FAIL'} - {name}: check says {'pass' if got_ok else 'fail'}")

    w = {"be1": 1, "be2": 2, "be3": 1}
    expect("share 50/100/50 of weights 1:2:1", share_check({"be1": 50, "be2": 100, "be3": 50}, w, 4)[0], True)
    expect("share 66/67/67 (weights ignored)", share_check({"be1": 66, "be2": 67, "be3": 67}, w, 4)[0], False)
    expect("share 200/0/0 (skewed)", share_check({"be1": 200}, w, 4)[0], False)
    expect("share with an unknown backend", share_check({"be1": 50, "be2": 100, "be9": 50}, w, 4)[0], False)
    hosts = parse_hosts(["be1=198.18.0.11,2001:db8:e2e::11,02:e2:e0:00:00:11",
                         "be2=198.18.0.12,2001:db8:e2e::12,02:e2:e0:00:00:12"])
    lb = "02:e2:e0:00:00:01"
    cli = "02:e2:e0:00:00:64"
    vip = "198.18.100.1"

    def frames(reply_mac):
        return [(cli, lb, "198.18.0.100", vip, 40000, 80, 0x02),
                (reply_mac, cli, vip, "198.18.0.100", 80, 40000, 0x12)]
    exp = {(vip, 40000): "be1"}
    expect("DSR reply from the backend's MAC", dsr_check(frames("02:e2:e0:00:00:11"), exp, hosts, lb, [vip])[0], True)
    expect("DSR reply from the LB's MAC", dsr_check(frames(lb), exp, hosts, lb, [vip])[0], False)
    expect("DSR reply from the other backend", dsr_check(frames("02:e2:e0:00:00:12"), exp, hosts, lb, [vip])[0], False)
    st = {"rx_packets": 10, "tx_packets": 8, "drops": {"not_vip": 2, "too_big": 0},
          "replies": {"arp": 1}, "services": {}}
    expect("stats with noise drops only", stats_check(st, {}, {}, ["not_vip"], 10, ["arp"], hosts)[0], True)
    st2 = dict(st, drops={"not_vip": 1, "too_big": 1})
    expect("stats with a too_big drop", stats_check(st2, {}, {}, ["not_vip"], 10, [], hosts)[0], False)
    st3 = dict(st, tx_packets=7)
    expect("stats with an uncounted packet", stats_check(st3, {}, {}, ["not_vip"], 10, [], hosts)[0], False)
    ip = {"end": {"sum_received": {"bytes": 3000000, "seconds": 3.0, "bits_per_second": 8e6},
                  "sum_sent": {"retransmits": 0}},
          "server_output_json": {"intervals": [{"sum": {"bytes": 1000000, "seconds": 1.0}}] * 3}}
    expect("iperf3 that ran", iperf_check(ip, 0, True, 1)[0], True)
    expect("iperf3 with exit status 1", iperf_check(ip, 1, True, 1)[0], False)
    expect("iperf3 with an error", iperf_check(dict(ip, error="reset"), 0, True, 1)[0], False)
    zero = dict(ip, end={"sum_received": {"bytes": 0, "seconds": 3.0, "bits_per_second": 0}})
    expect("iperf3 exit 0 but nothing received (blackhole)", iperf_check(zero, 0, False, 1)[0], False)
    stall = dict(ip, server_output_json={"intervals": [{"sum": {"bytes": 1000000, "seconds": 1.0}},
                                                       {"sum": {"bytes": 0, "seconds": 1.0}},
                                                       {"sum": {"bytes": 1000000, "seconds": 1.0}}]})
    expect("iperf3 with a 1 s stall", iperf_check(stall, 0, True, 1)[0], False)
    hdr = "[ ID] Interval           Transfer     Bitrate\n"
    text = (hdr + "[  5]   0.00-1.00   sec  55.3 MBytes   464 Mbits/sec                  \n"
            "[  5]   1.00-2.00   sec  0.00 Bytes  0.00 bits/sec                  \n"
            "[  5]   2.00-2.05   sec   786 KBytes  1.03 Gbits/sec                  \n"
            + hdr + "[  5]   0.00-2.05   sec   56 MBytes   215 Mbits/sec                  receiver\n")
    st_text = {k: v for k, v in ip.items() if k != "server_output_json"}
    st_text["server_output_text"] = text
    expect("iperf3 with a stall in the server's text report", iperf_check(st_text, 0, True, 1)[0], False)
    st_text["server_output_text"] = text.replace("0.00 Bytes  0.00 bits", "1.00 KBytes  8.19 Kbits")
    expect("iperf3 with the server's text report, no stall", iperf_check(st_text, 0, True, 1)[0], True)
    r = [(1, "be1"), (2, "be2"), (3, "be2")]
    expect("answers: none from be3, some from be1", answers_check(r, ["be3"], ["be1"], True)[0], True)
    expect("answers from the drained be1", answers_check(r, ["be1"], [], True)[0], False)
    expect("answers: none from the new be3", answers_check(r, [], ["be3"], True)[0], False)
    expect("answers with a failed request", answers_check(r + [(4, None)], [], [], True)[0], False)
    print("selftest:", "all checks can fail" if not fails else f"{fails} problem(s)")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("share")
    p.add_argument("--config", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--responses", required=True)
    p.add_argument("--host", action="append", required=True)
    p.add_argument("--sigma", type=float, default=4.0)
    p = sub.add_parser("dsr")
    p.add_argument("--pcap", required=True)
    p.add_argument("--responses", action="append", required=True, help="VIP=FILE")
    p.add_argument("--host", action="append", required=True)
    p.add_argument("--lb-mac", required=True)
    p.add_argument("--vip", action="append", required=True)
    p.add_argument("--stats", help="also compare with these tunlb counters")
    p.add_argument("--services", default="", help="comma-separated services of the VIPs")
    p = sub.add_parser("stats")
    p.add_argument("--stats", required=True)
    p.add_argument("--flows", action="append", default=[], help="SERVICE=RESPONSES")
    p.add_argument("--min-avg", action="append", default=[], help="SERVICE=BYTES")
    p.add_argument("--noise", action="append", default=[])
    p.add_argument("--noise-max", type=int, default=200)
    p.add_argument("--replies", action="append", default=[])
    p.add_argument("--host", action="append", default=[])
    p = sub.add_parser("view")
    p.add_argument("--stats", required=True)
    p.add_argument("--events", help="show the last lines of this file")
    p.add_argument("--http", help="tally the 'FAMILY BACKEND' lines of this file")
    p.add_argument("--event-lines", type=int, default=8)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=0.0)
    p = sub.add_parser("iperf")
    p.add_argument("--json", required=True)
    p.add_argument("--rc", type=int, required=True, help="iperf3's exit status")
    p.add_argument("--label", default="")
    p.add_argument("--no-stall", action="store_true")
    p.add_argument("--min-bytes", type=int, default=1)
    p = sub.add_parser("answers")
    p.add_argument("--responses", required=True)
    p.add_argument("--none", action="append", default=[])
    p.add_argument("--some", action="append", default=[])
    p.add_argument("--all", action="store_true")
    p = sub.add_parser("get")
    p.add_argument("--stats", required=True)
    p.add_argument("key", nargs="+")
    p = sub.add_parser("backends")
    p.add_argument("--ctl-json", required=True)
    p.add_argument("--host", action="append", required=True)
    sub.add_parser("selftest")
    a = ap.parse_args()
    return {"share": cmd_share, "dsr": cmd_dsr, "stats": cmd_stats, "view": cmd_view,
            "iperf": cmd_iperf, "answers": cmd_answers, "get": cmd_get, "backends": cmd_backends,
            "selftest": cmd_selftest}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
