#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""GRO (dataplane 'gro: on', lib/tlb_gro.h): merging client TCP changes nothing on the wire.

Client TCP streams to services of every combination of GUE variant 0 / 1 and VXLAN x outer
IPv4 / IPv6 x inner IPv4 / IPv6, each combination with six flows interleaved so that a burst
of 32 frames holds several segments of each:
  bulk   24 MTU-sized segments (merged, then segmented again: by the NIC's tunnel TSO where
         the profile has it, by our segmenter otherwise);
  small  10 segments of 100 bytes (merged into one packet, then segmented at 100 bytes again,
         even where the egress MTU would take the merged packet whole);
  psh    a PSH segment in the middle: rte_gro refuses it, its neighbours merge around it
         and it keeps its place (rte_gro hands merged packets back ahead of refused ones);
  badck  a segment with a wrong TCP checksum: never merged (it would come out 'repaired'),
         it leaves exactly as it came, in its place;
  ce     a CE-marked segment (RFC 3168): never merged (the mark would be lost);
  ooo    two segments swapped on the way: merged in sequence order.
Inner IPv6 flows are not merged (rte_gro 22.11 has no TCP/IPv6) and pass as they are.

GRO merges only where the egress port would segment the merged packets with tunnel TSO
(segmenting them again in software costs more than merging saves: bench_offload.py).
Through the worker into the reference NIC (tests/refnic/refnic_run, bursts of 32): GRO off;
on under none and tap-like (no tunnel TSO: nothing merged); on under intel-like and mlx5-like
(merged, then segmented by the NIC model); intel-like taking at most 8 mbuf segments a packet
(larger merged packets segmented by our segmenter instead); intel-like at egress MTU 9000 (still
segmented at the client's size). Then the binary on net_pcap (no tunnel TSO: a log line says
GRO merges nothing there, and nothing is merged). In every run each output frame is valid for
the independent decoder, and per flow the inner IP packets are exactly the client's packets in
the order sent (ooo, when merged: in sequence order), byte for byte.

Usage: run_gro.py --tunlb PATH --refnic PATH --workdir DIR
"""
import argparse
import json
import os
import subprocess
import sys

from scapy.all import IP, TCP, Ether, IPv6, Raw, wrpcap

from tlbtest import COMBOS, check, combo_service, overhead, summary, vip

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import tlbdecode as D  # noqa: E402

KINDS = ("bulk", "small", "psh", "badck", "ce", "ooo")


def config(port, mtu, gro, mode="auto"):
    lines = ['node: {ipv4: 192.0.2.1, ipv6: "2001:db8::1", gateway_mac: "02:00:00:00:00:fe"}',
             "ports:", f"  - {{name: {port}, mtu: {mtu}, tx_offloads: {mode}}}", "services:"]
    lines += [combo_service(k, f"s{k}") for k in range(len(COMBOS))]
    lines.append(f"dataplane: {{gro: {'on' if gro else 'off'}, flow_table_size: 4096}}")
    return "\n".join(lines) + "\n"


def flows():
    """{(combo, kind): [client frames in the order sent]}, and every frame in sending order."""
    per, order = {}, []
    for k, (enc, var, o6, i6) in enumerate(COMBOS):
        client = "2001:db8:c::%x" % (k + 1) if i6 else "198.18.0.%d" % (k + 1)
        hl = 40 if i6 else 20
        mss = 1500 - overhead(enc, var, o6) - hl - 32      # MTU-sized once encapsulated
        eth = Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:64")
        lists = []
        for f, kind in enumerate(KINDS):
            n, size = (24, mss) if kind == "bulk" else (10, 100) if kind == "small" else (6, 700)
            segs = []
            for i in range(n):
                ip = IPv6(src=client, dst=vip(k, i6), tc=3 if kind == "ce" and i == 1 else 0) \
                    if i6 else IP(src=client, dst=vip(k, i6), flags="DF", id=(0xfff0 + i) & 0xffff,
                                  tos=3 if kind == "ce" and i == 1 else 0)
                tcp = TCP(sport=40000 + f, dport=80, seq=(0xffff0000 + i * size) & 0xffffffff,
                          ack=7, window=501, flags="PA" if kind == "psh" and i == 3 else "A",
                          options=[("NOP", None), ("NOP", None), ("Timestamp", (11, 22))])
                pkt = eth / ip / tcp / Raw(bytes((i * size + j) * 13 + f & 0xff for j in range(size)))
                if kind == "badck" and i == 2:
                    pkt = Ether(bytes(pkt))
                    pkt[TCP].chksum ^= 0x0101
                segs.append(Ether(bytes(pkt)))
            if kind == "ooo":
                segs[2], segs[3] = segs[3], segs[2]
            per[(k, kind)] = segs
            lists.append(list(segs))
        while any(lists):                                   # round robin over the six flows
            for lst in lists:
                if lst:
                    order.append(lst.pop(0))
    return per, order


def inner_of(frame, svc):
    eth = D.parse_eth(frame)
    ip = D.parse_ip(frame[eth["l3"]:])
    pay = ip["packet"][ip["hlen"]:][8:]
    if svc["encap"] == "vxlan":
        return pay[8 + 14:]
    return pay[4:] if svc["gue_variant"] == 0 else pay


def ip_of(frame):
    return bytes(frame[IPv6] if IPv6 in frame else frame[IP])


def seq_of(inner):
    off = 40 if inner[0] >> 4 == 6 else 20
    return int.from_bytes(inner[off + 4:off + 8], "big")


def verify(tag, out_pcap, cfg_path, per, mtu, merging):
    """Every frame valid; per flow, the inner packets are the client's, in order (a merged
    out-of-order pair in sequence order)."""
    cfg = D.load_config(cfg_path)
    svcs = [D.normalize_service(s) for s in cfg["services"]]
    got, errs = {}, []
    for i, (_, fr) in enumerate(D.read_pcap(out_pcap)):
        svc = D.service_for_frame(fr, svcs)
        if svc is None:
            errs.append(f"frame {i}: no service")
            continue
        errs += D.check_encap(fr, cfg["node"], svc, mtu=mtu, index=i).errors
        inner = inner_of(fr, svc)
        off = 40 if inner[0] >> 4 == 6 else 20
        sport = int.from_bytes(inner[off:off + 2], "big")
        got.setdefault((int(svc["name"][1:]), KINDS[sport - 40000]), []).append(inner)
    check(f"{tag}: every frame valid for the independent decoder", not errs, errs[:4])
    bad = []
    for key, segs in per.items():
        want = [ip_of(s) for s in segs]
        mine = got.get(key, [])
        if key[1] == "ooo" and merging and not COMBOS[key[0]][3]:   # merged: inner IPv4 only
            want.sort(key=seq_of)
        if mine != want:
            first = next((i for i, (x, y) in enumerate(zip(mine, want)) if x != y), None)
            bad.append(f"{key}: {len(mine)} packets vs {len(want)} sent, first difference at {first}")
    check(f"{tag}: per flow, the inner packets are the client's, byte for byte, in order", not bad,
          bad[:4])


def refnic(a, w, prof, mtu, gro, per, n_in, max_segs=0):
    tag = f"refnic {prof} mtu {mtu} gro {'on' if gro else 'off'}" + \
        (f" max-segs {max_segs}" if max_segs else "")
    name = f"{prof}-{mtu}-{gro}-{max_segs}"
    with open(w(name + ".yaml"), "w") as f:
        f.write(config("net_ring_refnic0", mtu, gro))
    r = subprocess.run(["timeout", "60", a.refnic, "--no-huge", "-m", "512", "--no-pci", "-l", "0",
                        f"--file-prefix=tlbgro{os.getpid()}", "--log-level=lib.eal:error", "--",
                        "--profile", prof, "--config", w(name + ".yaml"), "--in", w("in.pcap"),
                        "--out", w(name + ".pcap"), "--burst", "32"] +
                       (["--max-segs", str(max_segs)] if max_segs else []),
                       capture_output=True, text=True)
    c = next((json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")), {})
    ok = check(f"{tag}: {n_in} frames through the worker and the NIC model, none refused, "
               f"{c.get('frames_out')} out", r.returncode == 0 and c.get("frames_in") == n_in and
               c.get("frames_out") == n_in, (r.returncode, c, r.stderr[-400:]))
    if ok:
        verify(tag, w(name + ".pcap"), w(name + ".yaml"), per, mtu,
               gro and prof in ("intel-like", "mlx5-like"))
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tunlb", required=True)
    ap.add_argument("--refnic", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    w = lambda f: os.path.join(a.workdir, f)
    per, order = flows()
    wrpcap(w("in.pcap"), order)
    n = len(order)

    off = refnic(a, w, "none", 1500, False, per, n)
    check("gro off: nothing merged, nothing segmented",
          off.get("gro_merged") == 0 and off.get("tcp_segments") == 0, off)
    # Where the egress port cannot segment in hardware, GRO leaves the traffic alone.
    for prof in ("none", "tap-like"):
        c = refnic(a, w, prof, 1500, True, per, n)
        check(f"{prof} (no tunnel TSO): GRO merges nothing ({c.get('gro_merged')})",
              c.get("gro_merged") == 0 and c.get("tcp_segments") == 0, c)
    for prof, segs in (("intel-like", 0), ("mlx5-like", 0), ("intel-like", 8)):
        c = refnic(a, w, prof, 1500, True, per, n, segs)
        merged, parts = c.get("gro_merged", 0), c.get("gro_parts", 0)
        # inner IPv4 flows only: 4 combos x (bulk 24 + small 10 + most of psh/badck/ce/ooo)
        if segs:
            check(f"{prof}, {segs} mbuf segments a packet at most: GRO merged {merged} packets "
                  f"of {parts} segments; those of more than {segs} parts were segmented in "
                  f"software ({c.get('tcp_segments')} segments), the others by the NIC "
                  f"({c.get('hw_tso')})", merged >= 8 and parts >= 4 * 34 and
                  c.get("tcp_segments", 0) > 0 and c.get("hw_tso", 0) > 0 and
                  c.get("tx_segments_drops") == 0, c)
        else:
            check(f"{prof}: GRO merged {merged} packets of {parts} segments, each segmented "
                  f"by the NIC ({c.get('hw_tso')} tunnel TSO requests)",
                  merged >= 8 and parts >= 4 * 34 and c.get("hw_tso") == merged and
                  c.get("tcp_segments") == 0, c)
    c = refnic(a, w, "intel-like", 9000, True, per, n)
    check("mtu 9000: merged packets still leave in the client's segment sizes "
          f"({c.get('gro_merged')} merged, {c.get('hw_tso')} tunnel TSO, {c.get('frames_out')} "
          "frames out)", c.get("gro_merged", 0) >= 8 and c.get("hw_tso") == c.get("gro_merged"), c)

    # The binary on net_pcap (bursts of up to 32 frames; no tunnel TSO, so nothing merges).
    with open(w("pcap.yaml"), "w") as f:
        f.write(config("net_pcap0", 1500, True))
    r = subprocess.run(["timeout", "60", a.tunlb, "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
                        f"--file-prefix=tlbgrop{os.getpid()}", "--log-level=lib.eal:error",
                        f"--vdev=net_pcap0,rx_pcap={w('in.pcap')},tx_pcap={w('out.pcap')}", "--",
                        "-c", w("pcap.yaml"), "--idle-exit", "500", "--stats-out", w("stats.json")],
                       capture_output=True, text=True)
    if check("tunlb on net_pcap with gro: on runs and exits 0", r.returncode == 0,
             (r.returncode, r.stderr[-500:])):
        verify("tunlb net_pcap", w("out.pcap"), w("pcap.yaml"), per, 1500, False)
        st = json.load(open(w("stats.json")))
        ev = st["events"]
        check("net_pcap has no tunnel TSO: the log says GRO merges none of its traffic, and "
              "it merged nothing", "has no tunnel TSO: GRO merges none" in r.stdout + r.stderr and
              ev["gro_merged"] == 0 and ev["gro_parts"] == 0 and st["forwarded"] == n,
              (ev.get("gro_merged"), st.get("forwarded"), r.stderr[-300:]))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
