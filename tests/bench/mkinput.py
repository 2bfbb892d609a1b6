#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark inputs: client-to-VIP TCP packets as a pcap (design.md section 8, research/harness.md B.2).

  /usr/bin/python3 tests/bench/mkinput.py OUT.pcap --flows N [--size 64|1500|imix] [--reps R]

One template packet per frame size is built with scapy (Ether / IPv4 / TCP ACK to VIP:80, Ethernet padding
for short frames so the TCP payload stays empty, as a NIC delivers a 64-byte frame); flow i then gets
client address 10.(i>>16).(i>>8).(i) and source port 1024 + i % 60000, both IPv4 and TCP checksums patched
by RFC 1624 incremental update from the template's, so a million flows take seconds instead of scapy's
minutes. Frame sizes count the 4-byte FCS that a pcap does not hold (64 -> 60 bytes in the file, 1518 ->
1514: inner IP packet of 1500 bytes). IMIX is the simple 7:4:1 mix of 64, 594 and 1518-byte frames.
The file is written packet 0..N-1, R times over (R > 1: the callgrind input, every flow seen R times).
With --stream FIFO the same records are written to a named pipe forever (for inputs too large for
net_pcap's infinite_rx, which keeps every packet of the file in an mbuf of the port's pool).
"""

import argparse
import errno
import fcntl
import os
import struct
import sys

VIP = "198.18.100.1"
VIP_PORT = 80
CLIENT_MAC = "02:00:00:00:00:c1"
LB_MAC = "02:70:63:61:70:00"          # net_pcap0's MAC in DPDK 22.11 (only the destination of the input)
IMIX = (64,) * 7 + (594,) * 4 + (1518,)
PCAP_HDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)   # LINKTYPE_ETHERNET
F_SETPIPE_SZ = 1031


def frame_sizes(size):
    """The frame size (with FCS) of flow i, as a repeating tuple."""
    if size == "imix":
        return IMIX
    return (int(size),)


def _template(frame_len):
    """(bytes, ip_off, tcp_off) of the template frame of frame_len bytes (FCS included)."""
    from scapy.all import IP, TCP, Ether, Raw   # imported here: the stream child needs no scapy
    base = Ether(src=CLIENT_MAC, dst=LB_MAC) / IP(src="10.0.0.0", dst=VIP, ttl=64, id=1) / \
        TCP(sport=1024, dport=VIP_PORT, flags="A", seq=1, ack=1, window=8192)
    wire = frame_len - 4
    payload = wire - len(base)
    if payload > 0 and wire > 60:              # real payload: the IP packet fills the frame
        pkt = bytes(Ether(src=CLIENT_MAC, dst=LB_MAC) /
                    IP(src="10.0.0.0", dst=VIP, ttl=64, id=1) /
                    TCP(sport=1024, dport=VIP_PORT, flags="A", seq=1, ack=1, window=8192) /
                    Raw(bytes((i * 7) & 0xFF for i in range(payload))))
    else:                                      # minimum frame: Ethernet padding, not TCP payload
        pkt = bytes(base) + b"\0" * max(0, wire - len(base))
    return pkt, 14, 34


def _csum_update(hc, old, new):
    """RFC 1624 eqn. 3 for one 16-bit word."""
    s = (~hc & 0xFFFF) + (~old & 0xFFFF) + new
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flow_packet(tmpl, i):
    """The template with flow i's client address and port; IPv4 and TCP checksums kept valid."""
    pkt, ip, tcp = tmpl
    b = bytearray(pkt)
    src = (10 << 24) | (i & 0xFFFFFF)
    sport = 1024 + i % 60000
    words_old = struct.unpack_from("!HHH", b, ip + 12)[:2] + struct.unpack_from("!H", b, tcp)
    words_new = (src >> 16, src & 0xFFFF, sport)
    ipc = struct.unpack_from("!H", b, ip + 10)[0]
    tcpc = struct.unpack_from("!H", b, tcp + 16)[0]
    for k, (o, n) in enumerate(zip(words_old, words_new)):
        if k < 2:       # the source address is in the IPv4 header and in the TCP pseudo-header
            ipc = _csum_update(ipc, o, n)
        tcpc = _csum_update(tcpc, o, n)
    struct.pack_into("!I", b, ip + 12, src)
    struct.pack_into("!H", b, tcp, sport)
    struct.pack_into("!H", b, ip + 10, ipc)
    struct.pack_into("!H", b, tcp + 16, tcpc)
    return bytes(b)


def records(flows, size):
    """pcap records (header + frame) of flows 0..flows-1, as one bytes object."""
    sizes = frame_sizes(size)
    tmpls = {s: _template(s) for s in set(sizes)}
    out = []
    for i in range(flows):
        p = flow_packet(tmpls[sizes[i % len(sizes)]], i)
        out.append(struct.pack("<IIII", i // 1000000, i % 1000000, len(p), len(p)))
        out.append(p)
    return b"".join(out)


def write_pcap(path, flows, size, reps=1):
    """Write the pcap; returns the number of packets."""
    rec = records(flows, size)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(PCAP_HDR)
        for _ in range(reps):
            f.write(rec)
    os.replace(tmp, path)
    return flows * reps


def stream(fifo, blob):
    """Write a pcap header then blob forever to fifo; start again whenever the reader reopens it."""
    view = memoryview(blob)
    while True:
        fd = os.open(fifo, os.O_WRONLY)          # blocks until a reader opens the pipe
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        try:
            os.write(fd, PCAP_HDR)
            while True:
                off = 0
                while off < len(view):
                    off += os.write(fd, view[off:off + (1 << 20)])
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
        finally:
            os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="pcap file to write, or the FIFO to feed with --stream")
    ap.add_argument("--flows", type=int, default=1024)
    ap.add_argument("--size", default="64", help="64, 1500 (inner IP bytes: 1518-byte frame), "
                    "any frame size, or imix")
    ap.add_argument("--reps", type=int, default=1, help="write the N flows R times over")
    ap.add_argument("--stream", action="store_true", help="out is a FIFO: feed it forever")
    a = ap.parse_args()
    size = "1518" if a.size == "1500" else a.size
    if a.stream:
        blob = records(a.flows, size)
        sys.stdout.write("stream ready: %d records, %d bytes\n" % (a.flows, len(blob)))
        sys.stdout.flush()
        stream(a.out, blob)
    n = write_pcap(a.out, a.flows, size, a.reps)
    print("%s: %d packets (%d flows x %d, size %s)" % (a.out, n, a.flows, a.reps, a.size))


if __name__ == "__main__":
    main()
