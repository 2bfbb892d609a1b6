#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""No blackholes (issue: MTU, ICMP errors, fragments, MSS clamping), through the real binary.

Scapy inputs replayed through tunlb on net_pcap; every output checked by the
independent decoder's parsing and checksum code (tests/tools/tlbdecode.py),
scapy's own defragmenter and tshark's checksum validation. One row per
behaviour, each tied to a bug the peers shipped (../shared/research/anchors.md):

  Katran#82   too big after encapsulation: ICMP frag-needed / PTB with the right
              MTU, from the VIP, quoting the packet; IPv4 without DF is sent as
              outer fragments the backend reassembles
  Katran#206  the generated ICMP has frag_off 0 and valid checksums
  Cilium#8185 every fragment of a datagram reaches one backend (in and out of
              order, IPv4 and IPv6; hold and 3tuple policies)
  Cilium#34380 an ICMP frag-needed / PTB for a VIP flow reaches that flow's backend
  field-bugs #1 MSS clamping keeps the TCP checksum right (RFC 1624), and a wrong
              one wrong by the same amount

Usage: run_mtu.py --tunlb PATH --workdir DIR
"""
import argparse
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6PacketTooBig, IPv6, IPv6ExtHdrFragment,  # noqa: E402
                       Raw, defragment, defragment6, fragment, fragment6, raw, wrpcap)

CLIENT_MAC = "02:00:00:00:00:01"
PORT_MAC = "02:70:63:61:70:00"		# net_pcap0
GW = "02:00:00:00:00:fe"
NODE4, NODE6 = "192.0.2.1", "2001:db8::1"
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": %s" % (detail,)))
    sys.stdout.flush()
    return bool(cond)


def eth():
    return Ether(src=CLIENT_MAC, dst=PORT_MAC)


SERVICES = """\
services:
  - name: g1
    vip: 198.51.100.40
    port: 80
    protocol: tcp
    encap: gue
    gue_variant: 1
    mss_clamp: auto
    backends:
      - address: 203.0.113.81
      - address: 203.0.113.82
      - address: 203.0.113.83
  - name: u4
    vip: 198.51.100.40
    port: 5000
    protocol: udp
    encap: gue
    gue_variant: 1
    backends:
      - address: 203.0.113.84
      - address: 203.0.113.85
      - address: 203.0.113.86
  - name: u4v6
    vip: 198.51.100.41
    protocol: udp
    encap: vxlan
    vni: 5
    fragments: 3tuple
    backends:
      - address: 2001:db8:be::91
        mac: 02:00:00:00:09:91
      - address: 2001:db8:be::92
        mac: 02:00:00:00:09:92
  - name: w6
    vip: 2001:db8:100::40
    port: 443
    protocol: tcp
    encap: gue
    mss_clamp: 1300
    backends:
      - address: 203.0.113.87
      - address: 203.0.113.88
  - name: u6
    vip: 2001:db8:100::41
    port: 53
    protocol: udp
    encap: gue
    gue_variant: 1
    backends:
      - address: 2001:db8:be::93
      - address: 2001:db8:be::94
"""


def config(extra=""):
    return ("node:\n  ipv4: %s\n  ipv6: %s\n  gateway_mac: %s\n" % (NODE4, NODE6, GW) +
            "ports:\n  - name: net_pcap0\n    mtu: 1500\n" + extra + SERVICES)


def run(tunlb, wd, name, cfg, frames, tcp=True):
    """Replay frames through tunlb; returns (output frames, stats, frames tshark finds a bad
    checksum in). tcp=False leaves TCP out of that: an ICMP error quotes a truncated segment."""
    inp, out, st, cf = (os.path.join(wd, name + x) for x in (".in.pcap", ".out.pcap", ".json", ".yaml"))
    with open(cf, "w") as f:
        f.write(cfg)
    wrpcap(inp, frames)
    p = subprocess.run(["timeout", "60", tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                        "--file-prefix=tlbmtu-%s-%d" % (name, os.getpid()), "--log-level=lib.eal:error",
                        "--vdev=net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, out), "--", "-c", cf,
                        "--idle-exit", "300", "--stats-out", st], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        raise SystemExit("tunlb failed on %s" % name)
    frames_out = [f for _, f in D.read_pcap(out)]
    bad = subprocess.run(["tshark", "-r", out, "-d", "udp.port==6080,ip", "-o", "ip.check_checksum:TRUE",
                          "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                          "-Y", "ip.checksum.status==0 || udp.checksum.status==0 || "
                          "icmp.checksum.status==0 || icmpv6.checksum.status==0" +
                          (" || tcp.checksum.status==0" if tcp else ""),
                          "-T", "fields", "-e", "frame.number"], capture_output=True, text=True)
    return frames_out, json.load(open(st)), [l for l in bad.stdout.split() if l]


def outer(frame):
    """(eth, outer ip dict, udp payload bytes) of an encapsulated frame."""
    e = D.parse_eth(frame)
    o = D.parse_ip(frame[e["l3"]:])
    return e, o, o["packet"][o["l4"] + 8:]


def inner_ip(pay):
    """The inner IP packet of a UDP tunnel payload: VXLAN (flags 0x08, inner Ethernet),
    GUE variant 0 (4-byte header, version 0) or variant 1 (the IP packet itself)."""
    if pay[0] == 0x08 and pay[1:4] == b"\0\0\0":
        return pay[8 + 14:]
    if pay[0] >> 4 in (4, 6):
        return pay
    return pay[4:]


def too_big_cases(a):
    """Katran#82/#206: the ICMP answers to packets too big after encapsulation."""
    big4 = eth() / IP(src="198.19.1.1", dst="198.51.100.40", flags="DF", id=7) / \
        TCP(sport=40000, dport=80, flags="PA", seq=1, ack=1) / Raw(b"P" * (1500 - 40))
    big6 = eth() / IPv6(src="2001:db8:c::1", dst="2001:db8:100::40") / \
        TCP(sport=40001, dport=443, flags="PA") / Raw(b"Q" * (1500 - 60))
    nodf = eth() / IP(src="198.19.1.2", dst="198.51.100.40", id=99) / UDP(sport=41000, dport=5000) / \
        Raw((bytes(range(256)) * 6)[:1472])
    nodf6 = eth() / IP(src="198.19.1.3", dst="198.51.100.41", id=98) / UDP(sport=41001, dport=7) / \
        Raw(b"V" * 1472)
    out, st, bad = run(a.tunlb, a.workdir, "toobig", config(), [big4, big6, nodf, nodf6], tcp=False)
    check("too big: tshark finds no bad checksum", not bad, bad)

    icmp4 = [f for f in out if D.parse_eth(f)["type"] == 0x0800 and
             D.parse_ip(f[14:])["proto"] == 1]
    if check("IPv4 DF too big -> one ICMP frag-needed", len(icmp4) == 1, len(icmp4)):
        f = icmp4[0]
        ip = D.parse_ip(f[14:])
        icmp = ip["packet"][ip["l4"]:]
        quote = icmp[8:]
        orig = raw(big4)[14:]
        check("  to the client's MAC, from the port's", D.mac_str(f[:6]) == CLIENT_MAC and
              D.mac_str(f[6:12]) == PORT_MAC, D.mac_str(f[:6]))
        check("  from the VIP to the client", D.ip_str(ip["src"]) == "198.51.100.40" and
              D.ip_str(ip["dst"]) == "198.19.1.1", (ip["src"], ip["dst"]))
        check("  frag_off 0, no MF/DF, TTL 64, valid header checksum (Katran#206)",
              ip["frag_off"] == 0 and not ip["mf"] and not ip["df"] and ip["ttl"] == 64 and
              ip["hdr_ok"], ip)
        check("  type 3 code 4, MTU 1500 - 28 (GUE v1 over IPv4) = 1472 (RFC 1191)",
              icmp[0] == 3 and icmp[1] == 4 and struct.unpack("!H", icmp[6:8])[0] == 1472,
              icmp[:8].hex())
        check("  ICMP checksum valid", D.csum_ok(icmp), icmp[:4].hex())
        check("  quotes the original from its IP header, 576 bytes in all (RFC 1812 4.3.2.3)",
              len(ip["packet"]) == 576 and quote == orig[:576 - 28], len(ip["packet"]))
    icmp6 = [f for f in out if D.parse_eth(f)["type"] == 0x86dd and
             D.parse_ip(f[14:])["proto"] == 58]
    if check("IPv6 too big -> one ICMPv6 packet too big", len(icmp6) == 1, len(icmp6)):
        f = icmp6[0]
        ip = D.parse_ip(f[14:])
        icmp = ip["packet"][ip["l4"]:]
        check("  from the VIP, type 2 code 0, MTU 1500 - 32 (GUE v0 over IPv4) = 1468",
              D.ip_str(ip["src"]) == "2001:db8:100::40" and icmp[0] == 2 and icmp[1] == 0 and
              struct.unpack("!I", icmp[4:8])[0] == 1468, icmp[:8].hex())
        check("  ICMPv6 checksum valid, 1280 bytes, quote = the original's start",
              D.l4_csum_ok(ip["src"], ip["dst"], 58, icmp) and len(ip["packet"]) == 1280 and
              icmp[8:] == raw(big6)[14:14 + 1280 - 48], len(ip["packet"]))
    encs = [f for f in out if D.parse_eth(f)["type"] in (0x0800, 0x86dd) and
            D.parse_ip(f[14:])["proto"] in (17, 44) and f not in icmp4]
    v4frags = [Ether(f) for f in encs if D.parse_eth(f)["type"] == 0x0800]
    v6frags = [Ether(f) for f in encs if D.parse_eth(f)["type"] == 0x86dd]
    check("IPv4 without DF, too big: sent as outer IPv4 fragments, each within the MTU",
          len(v4frags) == 2 and all(len(raw(f)) - 14 <= 1500 for f in v4frags) and
          all(f[IP].flags.MF or f[IP].frag for f in v4frags), [len(raw(f)) for f in v4frags])
    # scapy's defragmenters change the packets they are given: hand them copies
    whole = defragment([IP(raw(f[IP])) for f in v4frags]) if v4frags else []
    if check("  scapy reassembles them into one datagram", len(whole) == 1, len(whole)):
        o = D.parse_ip(raw(whole[0]))
        seg = o["packet"][o["l4"]:]
        check("  reassembled: UDP to 6080, valid checksum, the client's packet inside unchanged",
              struct.unpack("!H", seg[2:4])[0] == 6080 and D.l4_csum_ok(o["src"], o["dst"], 17, seg) and
              seg[8:] == raw(nodf)[14:], len(seg))
    sizes6 = [len(raw(f)) - 14 for f in v6frags]
    whole6 = defragment6([IPv6(raw(f[IPv6])) for f in v6frags]) if v6frags else None
    if check("IPv4 without DF to an IPv6 backend: outer IPv6 fragments within the MTU",
             len(v6frags) == 2 and all(n <= 1500 for n in sizes6) and whole6 is not None, sizes6):
        o = D.parse_ip(raw(whole6))
        seg = o["packet"][o["l4"]:]
        check("  reassembled: VXLAN, valid UDP checksum, the client's packet inside unchanged",
              D.l4_csum_ok(o["src"], o["dst"], 17, seg) and seg[8 + 8 + 14:] == raw(nodf6)[14:],
              len(seg))
    check("counters: frag_needed 1, ptb 1, outer_fragmented 2 in 4 fragments",
          st["replies"]["frag_needed"] == 1 and st["replies"]["ptb"] == 1 and
          st["events"]["outer_fragmented"] == 2 and st["events"]["outer_fragments"] == 4,
          (st["replies"], st["events"]))

    # Rate limit: 20 DF packets in a burst, 3 tokens, 10 per second.
    burst = [eth() / IP(src="198.19.2.%d" % i, dst="198.51.100.40", flags="DF") /
             TCP(sport=42000 + i, dport=80, flags="A") / Raw(b"R" * 1460) for i in range(20)]
    out, st, bad = run(a.tunlb, a.workdir, "ratelimit",
                       config("dataplane:\n  icmp_rate: 10\n  icmp_burst: 3\n"), burst)
    sent, held = st["replies"]["frag_needed"], st["drops"]["too_big_ratelimited"]
    check("rate limit holds: 3 (+ at most 1 refilled) of 20 answered, the rest counted",
          3 <= sent <= 4 and sent + held == 20 and len(out) == sent, (sent, held, len(out)))


def steering_cases(a):
    """Cilium#34380: ICMP errors about a VIP flow reach that flow's backend."""
    frames, expect = [], []
    for i in range(30):
        cli, cport = "198.19.3.%d" % (i + 1), 43000 + i
        syn = eth() / IP(src=cli, dst="198.51.100.40") / TCP(sport=cport, dport=80, flags="S")
        reply = IP(src="198.51.100.40", dst=cli, flags="DF") / TCP(sport=80, dport=cport, flags="SA")
        err = eth() / IP(src="198.51.100.200", dst="198.51.100.40") / \
            ICMP(type=3, code=4, nexthopmtu=1400) / raw(reply)[:28]
        if i % 2:
            frames += [syn, err]		# flow tracked first
        else:
            frames += [err, syn]		# no state yet: Maglev like the flow
        expect.append((cli, cport))
    for i in range(10):
        cli, cport = "2001:db8:c::%x" % (i + 1), 44000 + i
        frames.append(eth() / IPv6(src=cli, dst="2001:db8:100::40") / TCP(sport=cport, dport=443, flags="S"))
        reply = IPv6(src="2001:db8:100::40", dst=cli) / TCP(sport=443, dport=cport, flags="SA")
        frames.append(eth() / IPv6(src="2001:db8:ffff::1", dst="2001:db8:100::40") /
                      ICMPv6PacketTooBig(mtu=1280) / raw(reply))
    frames.append(eth() / IP(src="198.51.100.200", dst="198.51.100.40") / ICMP(type=11) / Raw(b"\x45junk"))
    other = IP(src="203.0.113.250", dst="198.19.9.9") / TCP(sport=80, dport=1234)
    frames.append(eth() / IP(src="198.51.100.200", dst="198.51.100.40") / ICMP(type=3, code=1) /
                  raw(other)[:28])
    out, st, bad = run(a.tunlb, a.workdir, "steer", config(), frames, tcp=False)
    check("steering: tshark finds no bad checksum", not bad, bad)
    by_flow, errors_to = {}, {}
    for f in out:
        _, o, pay = outer(f)
        inner = D.parse_ip(inner_ip(pay))
        if inner["proto"] in (1, 58):
            quote = inner["packet"][inner["l4"] + 8:]
            q = D.parse_ip(quote)		# ports read from the (truncated) quote itself
            key = (D.ip_str(q["dst"]), struct.unpack("!H", quote[q["l4"] + 2:q["l4"] + 4])[0])
            errors_to[key] = D.ip_str(o["dst"])
        else:
            by_flow[(D.ip_str(inner["src"]), inner["l4info"]["sport"])] = D.ip_str(o["dst"])
    keys = [k for k in by_flow]
    check("every ICMP error about a VIP flow reached that flow's backend (30 IPv4, 10 IPv6)",
          len(errors_to) == 40 and all(errors_to.get(k) == by_flow[k] for k in keys),
          [(k, errors_to.get(k), by_flow[k]) for k in keys if errors_to.get(k) != by_flow[k]][:3])
    check("counters: 40 steered, garbage quote and foreign quote dropped by reason",
          st["events"]["icmp_steered"] == 40 and st["drops"]["bad_icmp_quote"] == 1 and
          st["drops"]["icmp_unmatched"] == 1, (st["events"]["icmp_steered"], st["drops"]))


def fragment_cases(a):
    """Cilium#8185: all fragments of a datagram reach one backend."""
    frames, dgrams = [], {}
    for i in range(40):
        src = "198.19.4.%d" % (i + 1)
        d = IP(src=src, dst="198.51.100.40", id=1000 + i) / UDP(sport=45000 + i, dport=5000) / \
            Raw(bytes([i]) * 2500)
        fr = fragment(d, fragsize=1000)
        if i % 3 == 1:
            fr = fr[::-1]			# last first: held until the first arrives
        elif i % 3 == 2:
            fr = fr[1:] + fr[:1]		# middle and last before the first
        frames += [eth() / f for f in fr]
        dgrams[("198.51.100.40", src, 1000 + i)] = len(fr)
    for i in range(20):
        src = "2001:db8:d::%x" % (i + 1)
        d = IPv6(src=src, dst="2001:db8:100::41") / IPv6ExtHdrFragment(id=2000 + i) / \
            UDP(sport=46000 + i, dport=53) / Raw(bytes([i]) * 2500)
        fr = fragment6(d, 1200)
        if i % 2:
            fr = fr[::-1]
        frames += [eth() / f for f in fr]
        dgrams[("2001:db8:100::41", src, 2000 + i)] = len(fr)
    for i in range(20):				# 3tuple policy service, out of order
        src = "198.19.5.%d" % (i + 1)
        d = IP(src=src, dst="198.51.100.41", id=3000 + i) / UDP(sport=47000 + i, dport=9) / Raw(b"t" * 2500)
        frames += [eth() / f for f in fragment(d, fragsize=1000)[::-1]]
        dgrams[("198.51.100.41", src, 3000 + i)] = 3
    orphan = IP(src="198.19.6.1", dst="198.51.100.40", id=4000, frag=100, proto=17) / Raw(b"o" * 100)
    frames.append(eth() / orphan)
    out, st, bad = run(a.tunlb, a.workdir, "frags", config(), frames)
    check("fragments: tshark finds no bad checksum", not bad, bad)
    seen = {}
    for f in out:
        _, o, pay = outer(f)
        inner = D.parse_ip(inner_ip(pay))
        if inner["version"] == 4:
            ident = inner["ident"]
        else:
            ident = struct.unpack("!I", inner["packet"][40 + 4:40 + 8])[0]
        key = (D.ip_str(inner["dst"]), D.ip_str(inner["src"]), ident)
        seen.setdefault(key, []).append(D.ip_str(o["dst"]))
    check("every fragment of 80 datagrams forwarded (in and out of order, IPv4 and IPv6)",
          all(len(seen.get(k, [])) == n for k, n in dgrams.items()),
          [(k, n, len(seen.get(k, []))) for k, n in dgrams.items() if len(seen.get(k, [])) != n][:3])
    check("all fragments of each datagram reached one backend",
          all(len(set(v)) == 1 for v in seen.values()), [v for v in seen.values() if len(set(v)) > 1][:2])
    check("datagrams spread over the backends",
          len({v[0] for v in seen.values()}) >= 6, {v[0] for v in seen.values()})
    ev = st["events"]
    check("held early fragments released (all but the orphan), 3tuple placements counted, "
          "the orphan timed out",
          ev["fragments_held"] > 0 and ev["fragments_released"] == ev["fragments_held"] - 1 and
          ev["fragments_3tuple"] == 20 and st["drops"]["fragment_timeout"] == 1,
          (ev, st["drops"]["fragment_timeout"]))


def mss_cases(a):
    """MSS clamp (RFC 1624 incremental checksum; field-bugs #1)."""
    def syn(src, mss, flags="S", v6=False, corrupt=False):
        opts = [("MSS", mss), ("NOP", None), ("WScale", 7)] if mss else [("WScale", 7)]
        if v6:
            p = IPv6(src=src, dst="2001:db8:100::40") / TCP(sport=48000, dport=443, flags=flags, options=opts)
        else:
            p = IP(src=src, dst="198.51.100.40") / TCP(sport=48000, dport=80, flags=flags, options=opts)
        p = p.__class__(raw(p))
        if corrupt:
            p[TCP].chksum ^= 0x1234
        return eth() / p
    cases = [("198.19.7.1", 1460, "S", False, False, 1432), ("198.19.7.2", 1460, "SA", False, False, 1432),
             ("198.19.7.3", 1000, "S", False, False, 1000), ("198.19.7.4", 0, "S", False, False, None),
             ("198.19.7.5", 1460, "S", False, True, 1432), ("2001:db8:e::1", 1440, "S", True, False, 1300),
             ("198.19.7.6", 1460, "A", False, False, 1460)]
    frames = [syn(src, mss, fl, v6, bad) for src, mss, fl, v6, bad, _ in cases]
    out, st, badsum = run(a.tunlb, a.workdir, "mss", config(), frames)
    got = {}
    for f in out:
        _, o, pay = outer(f)
        inner = D.parse_ip(inner_ip(pay))
        got[D.ip_str(inner["src"])] = inner
    ok = True
    for (src, mss, fl, v6, corrupt, want), frame in zip(cases, frames):
        inner = got.get(src)
        if inner is None:
            ok = check("MSS %s from %s forwarded" % (fl, src), False)
            continue
        seg = inner["packet"][inner["l4"]:]
        opts = seg[20:(seg[12] >> 4) * 4]
        cur = struct.unpack("!H", opts[2:4])[0] if opts[:1] == b"\x02" else None
        orig = D.parse_ip(raw(frame)[14:])
        oseg = orig["packet"][orig["l4"]:]
        valid = D.l4_csum_ok(inner["src"], inner["dst"], 6, seg)
        # a wrong checksum stays wrong by the same amount (RFC 1624 keeps the error)
        err_in = (D.l4_csum_value(orig["src"], orig["dst"], 6, oseg, 16) -
                  struct.unpack("!H", oseg[16:18])[0]) % 0xFFFF
        err_out = (D.l4_csum_value(inner["src"], inner["dst"], 6, seg, 16) -
                   struct.unpack("!H", seg[16:18])[0]) % 0xFFFF
        ok &= check("MSS %s %s option %s -> %s, checksum %s" % (
            fl, "IPv6" if v6 else "IPv4", mss or "none", want, "still wrong by the same amount" if corrupt
            else "valid"), cur == want and (valid != corrupt) and err_in == err_out and
            seg[(seg[12] >> 4) * 4:] == oseg[(oseg[12] >> 4) * 4:], (cur, valid, err_in, err_out))
    check("mss_clamped counts the 4 lowered options", st["events"]["mss_clamped"] == 4, st["events"])
    check("MSS: tshark finds only the deliberately wrong checksum", len(badsum) == 1, badsum)


def tx_limit_cases(a):
    """The last check before TX: a frame above the egress port's MTU is dropped and counted
    (some PMDs, net_tap among them, stop the whole rest of a burst at such a frame). An IPv6
    too-big answer is 1280 bytes (RFC 4443 2.4(c)); on a port of MTU 576 it cannot leave."""
    big6 = eth() / IPv6(src="2001:db8:c::1", dst="2001:db8:100::40") / \
        TCP(sport=40001, dport=443, flags="PA") / Raw(b"Q" * (1500 - 60))
    small = eth() / IP(src="198.19.1.1", dst="198.51.100.40", flags="DF") / \
        TCP(sport=40002, dport=80, flags="PA") / Raw(b"s" * 100)
    cfg = config().replace("    mtu: 1500\n", "    mtu: 576\n", 1)
    out, st, bad = run(a.tunlb, a.workdir, "txlimit", cfg, [big6, small], tcp=False)
    check("MTU 576: the 1280-byte ICMPv6 too-big answer is dropped before TX (tx_too_big 1, "
          "not counted as an answer), the small packet still leaves",
          st["drops"]["tx_too_big"] == 1 and st["replies"]["ptb"] == 0 and len(out) == 1 and
          st["tx_packets"] == 1 and all(len(f) <= 576 + 14 for f in out),
          (st["drops"].get("tx_too_big"), st["replies"], len(out)))


def chained_cases(a):
    """A jumbo frame net_pcap hands over in a chain of 2 KB mbufs (as LRO or a virtio peer's
    GSO would) still gets its ICMP answer: the error quotes only the start, copied to one
    fresh segment; the chain is freed."""
    big4 = eth() / IP(src="198.19.4.1", dst="198.51.100.40", flags="DF", id=9) / \
        TCP(sport=44000, dport=80, flags="PA") / Raw(bytes(range(256)) * 20)
    big6 = eth() / IPv6(src="2001:db8:c::4", dst="2001:db8:100::40") / \
        TCP(sport=44001, dport=443, flags="PA") / Raw(bytes(range(256)) * 20)
    out, st, bad = run(a.tunlb, a.workdir, "chained", config(), [big4, big6], tcp=False)
    check("chained 5 KB packets: tshark finds no bad checksum", not bad, bad)
    got = {}
    for f in out:
        ip = D.parse_ip(f[14:])
        if ip["proto"] in (1, 58):
            got[ip["proto"]] = (ip, ip["packet"][ip["l4"]:])
    ok4 = 1 in got and got[1][1][0] == 3 and got[1][1][1] == 4 and \
        len(got[1][0]["packet"]) == 576 and got[1][1][8:] == raw(big4)[14:14 + 576 - 28] and \
        D.csum_ok(got[1][1])
    ok6 = 58 in got and got[58][1][0] == 2 and len(got[58][0]["packet"]) == 1280 and \
        got[58][1][8:] == raw(big6)[14:14 + 1280 - 48] and \
        D.l4_csum_ok(got[58][0]["src"], got[58][0]["dst"], 58, got[58][1])
    check("IPv4 DF and IPv6 5 KB packets in mbuf chains: ICMP frag-needed (576 bytes) and "
          "ICMPv6 too big (1280 bytes), each quoting the original's start, checksums valid",
          ok4 and ok6 and len(out) == 2 and st["replies"]["frag_needed"] == 1 and
          st["replies"]["ptb"] == 1 and sum(st["drops"].values()) == 0,
          (len(out), st["replies"], {k: v for k, v in st["drops"].items() if v}))
    check("  no mbuf left in a pool after the run (the chains and the copies freed)",
          all(m.get("in_use_after_close") == 0 for m in st.get("mempool", {}).values()) and
          st.get("mempool"), st.get("mempool"))


def ipv6_min_mtu_cases(a):
    """RFC 2473 7.1: to IPv6 the tunnel is a link that must carry 1280 bytes (RFC 8200 5).
    Egress MTU 1300 leaves 1268 inside GUE over IPv4: an IPv6 packet of at most 1280 bytes
    goes as outer IPv4 fragments (a 'too big' reporting less than 1280 would be a
    blackhole), a larger one gets a packet too big reporting 1280."""
    fits = eth() / IPv6(src="2001:db8:c::6", dst="2001:db8:100::40") / \
        TCP(sport=45000, dport=443, flags="PA") / Raw(b"m" * (1280 - 60))
    over = eth() / IPv6(src="2001:db8:c::7", dst="2001:db8:100::40") / \
        TCP(sport=45001, dport=443, flags="PA") / Raw(b"o" * (1400 - 60))
    cfg = config().replace("    mtu: 1500\n", "    mtu: 1300\n", 1)
    out, st, bad = run(a.tunlb, a.workdir, "v6min", cfg, [fits, over], tcp=False)
    frags = [Ether(f) for f in out if D.parse_eth(f)["type"] == 0x0800 and
             D.parse_ip(f[14:])["proto"] == 17]
    whole = defragment([IP(raw(f[IP])) for f in frags]) if frags else []
    inner = b""
    if len(whole) == 1:
        o = D.parse_ip(raw(whole[0]))
        inner = o["packet"][o["l4"] + 8 + 4:]           # UDP + GUE variant 0
    check("MTU 1300, 1280-byte IPv6 packet: outer IPv4 fragments within the MTU, reassembling to "
          "the client's packet", len(frags) == 2 and all(len(raw(f)) - 14 <= 1300 for f in frags)
          and inner == raw(fits)[14:], [len(raw(f)) for f in frags])
    ptb = [f for f in out if D.parse_eth(f)["type"] == 0x86dd and D.parse_ip(f[14:])["proto"] == 58]
    icmp = D.parse_ip(ptb[0][14:])["packet"][40:] if ptb else b""
    check("MTU 1300, 1400-byte IPv6 packet: packet too big reporting 1280, not 1268",
          len(ptb) == 1 and icmp[0] == 2 and struct.unpack("!I", icmp[4:8])[0] == 1280,
          icmp[:8].hex())
    check("  no bad checksum (tshark)", not bad, bad)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    too_big_cases(a)
    steering_cases(a)
    fragment_cases(a)
    mss_cases(a)
    tx_limit_cases(a)
    chained_cases(a)
    ipv6_min_mtu_cases(a)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
