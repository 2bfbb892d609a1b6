#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent decoder and checker for tunlb output frames (design.md sections 4, 5, 7).

Standard library only (struct, ipaddress): no scapy, nothing from the project's C code, so a bug
in the datapath cannot be mirrored here.  It knows:
  * a minimal pcap reader / writer (classic libpcap format, both byte orders, usec and nsec);
  * RFC 1071 ones'-complement checksums: IPv4 header, TCP/UDP over IPv4 and IPv6 pseudo-headers,
    ICMP, ICMPv6;
  * Ethernet (+802.1Q/802.1ad tags), IPv4 (options), IPv6 (extension headers), TCP, UDP, ICMP(v6);
  * tunnels: GUE variant 0 (4-byte header), GUE variant 1 (IP directly in UDP), VXLAN (RFC 7348);
  * checkers, one error string per violated field ("field: expected X, got Y"):
      check_encap()        one encapsulated frame against the service / backend config
      check_arp_reply()    RFC 826
      check_echo_reply()   RFC 792
      check_echo6_reply()  RFC 4443
      check_na()           RFC 4861 neighbour advertisement answering a neighbour solicitation
      FlowTracker          per-flow consistency (one backend, one outer source port / flow label)

CLI:
  tlbdecode.py summary OUT.pcap [--config CONFIG.json|yaml]   per-backend / per-encap table
  tlbdecode.py check OUT.pcap --config CONFIG [--port-mac MAC]  run check_encap on every frame
"""

import ipaddress
import json
import struct
import sys

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806
ETH_VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_IPV6_IN = 41
PROTO_ICMPV6 = 58
PROTO_IPV4_IN = 4
IPV6_EXT = (0, 43, 60)          # hop-by-hop, routing, destination options: (len + 1) * 8
IPV6_FRAG = 44
IPV6_AH = 51
UDP_SPORT_MIN = 49152           # RFC 7348 section 5 / design.md section 5
OUTER_TTL = 64
VXLAN_LEN = 8
GUE0_LEN = 4


# --------------------------------------------------------------------------- pcap I/O

def read_pcap(path):
    """Return [(ts_float, frame_bytes)] of a classic pcap file (Ethernet link type)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap header" % path)
    magic = data[:4]
    table = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
             b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
    if magic not in table:
        raise ValueError("%s: not a classic pcap file (magic %s)" % (path, magic.hex()))
    end, scale = table[magic]
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: record at %d runs past the end" % (path, off - 16))
        if incl != orig:
            raise ValueError("%s: record at %d captured %d of %d bytes" % (path, off - 16, incl, orig))
        out.append((sec + frac * scale, bytes(data[off:off + incl])))
        off += incl
    if off != len(data):
        raise ValueError("%s: %d trailing bytes" % (path, len(data) - off))
    return out


def write_pcap(path, frames):
    """Write frames (bytes) as a little-endian usec pcap, 1 ms apart."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)


# --------------------------------------------------------------------------- checksums (RFC 1071)

def ones_sum(data, acc=0):
    """16-bit ones'-complement sum of data (odd length padded with a zero byte), folded."""
    data = bytes(data)
    if len(data) & 1:
        data += b"\0"
    acc += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return acc


def checksum(data, acc=0):
    """The checksum field value for data (field itself zeroed in data)."""
    return ~ones_sum(data, acc) & 0xFFFF


def csum_ok(data, acc=0):
    """True when data, checksum field included, sums to 0xffff (i.e. verifies)."""
    return ones_sum(data, acc) == 0xFFFF


def pseudo_sum(src, dst, proto, length):
    """Ones'-complement sum of the IPv4 (4-byte addresses) or IPv6 (16-byte) pseudo-header."""
    if len(src) == 4:
        hdr = src + dst + struct.pack("!BBH", 0, proto, length)
    else:
        hdr = src + dst + struct.pack("!I3xB", length, proto)
    return ones_sum(hdr)


def l4_csum_ok(src, dst, proto, seg):
    """Verify a TCP / UDP / ICMPv6 segment with its pseudo-header (ICMP for IPv4 has none)."""
    if proto == PROTO_ICMP and len(src) == 4:
        return csum_ok(seg)
    return csum_ok(seg, pseudo_sum(src, dst, proto, len(seg)))


def l4_csum_value(src, dst, proto, seg, off):
    """Recompute the checksum of seg whose checksum field is at off (field taken as zero)."""
    seg = bytearray(seg)
    seg[off:off + 2] = b"\0\0"
    if proto == PROTO_ICMP and len(src) == 4:
        return checksum(seg)
    return checksum(seg, pseudo_sum(src, dst, proto, len(seg)))


# --------------------------------------------------------------------------- helpers

def mac_str(b):
    return ":".join("%02x" % x for x in b)


def mac_bytes(s):
    parts = s.replace("-", ":").split(":")
    if len(parts) != 6:
        raise ValueError("bad MAC %r" % s)
    return bytes(int(p, 16) for p in parts)


def ip_str(b):
    return str(ipaddress.ip_address(bytes(b)))


def ip_bytes(s):
    return ipaddress.ip_address(s).packed


def ip_norm(s):
    """Canonical text of an address (the form inet_ntop prints)."""
    return str(ipaddress.ip_address(s))


class Frame:
    """Result of decoding / checking one frame. errors: list of 'field: expected X, got Y'."""

    def __init__(self, index=None):
        self.index = index
        self.kind = "unknown"       # encap | arp | echo | echo6 | na | ns | other
        self.errors = []
        self.info = {}

    def err(self, field, expected, got):
        self.errors.append("%s: expected %s, got %s" % (field, expected, got))

    def expect(self, field, expected, got):
        if expected != got:
            self.err(field, expected, got)
        return expected == got

    def fail(self, msg):
        self.errors.append(msg)

    @property
    def ok(self):
        return not self.errors

    def __repr__(self):
        return "Frame(%s, %s, %s, %s)" % (self.index, self.kind, self.info, self.errors)


# --------------------------------------------------------------------------- parsers

def parse_eth(frame):
    """Ethernet + up to any number of VLAN tags. Returns dict or raises ValueError."""
    if len(frame) < 14:
        raise ValueError("frame of %d bytes is shorter than an Ethernet header" % len(frame))
    d = {"dst": frame[0:6], "src": frame[6:12], "vlans": []}
    et = struct.unpack("!H", frame[12:14])[0]
    off = 14
    while et in ETH_VLAN_TYPES:
        if len(frame) < off + 4:
            raise ValueError("frame ends inside a VLAN tag")
        d["vlans"].append((et, struct.unpack("!H", frame[off:off + 2])[0] & 0x0FFF))
        et = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    d["type"] = et
    d["l3"] = off
    return d


def parse_ip(buf):
    """Parse an IPv4 / IPv6 packet at buf[0:]. Returns a dict with at least:
    version, hlen (header bytes incl. IPv6 extension headers), plen (packet length by the
    header's length field), src, dst (bytes), proto (upper layer), tos, ttl, frag_off, mf,
    l4 (offset), key (flow key tuple or None), l4info (dict).  Raises ValueError when the
    header itself cannot be read; length problems are reported in 'problems'."""
    if len(buf) < 1:
        raise ValueError("empty IP packet")
    v = buf[0] >> 4
    d = {"version": v, "problems": []}
    if v == 4:
        if len(buf) < 20:
            raise ValueError("IPv4 header truncated (%d bytes)" % len(buf))
        ihl = buf[0] & 0xF
        tos, tot, ident, fo, ttl, proto, ck = struct.unpack("!BHHHBBH", buf[1:12])
        d.update(hlen=ihl * 4, plen=tot, tos=tos, ident=ident, df=bool(fo & 0x4000),
                 mf=bool(fo & 0x2000), rf=bool(fo & 0x8000), frag_off=fo & 0x1FFF, ttl=ttl,
                 proto=proto, cksum=ck, src=bytes(buf[12:16]), dst=bytes(buf[16:20]), ihl=ihl)
        if ihl < 5:
            raise ValueError("IPv4 IHL %d < 5" % ihl)
        if len(buf) < ihl * 4:
            raise ValueError("IPv4 options truncated")
        d["hdr_ok"] = csum_ok(buf[:ihl * 4])
        d["l4"] = ihl * 4
        d["nonfirst_frag"] = d["frag_off"] != 0
    elif v == 6:
        if len(buf) < 40:
            raise ValueError("IPv6 header truncated (%d bytes)" % len(buf))
        w, pl, nh, hl = struct.unpack("!IHBB", buf[:8])
        d.update(tos=(w >> 20) & 0xFF, flow=w & 0xFFFFF, plen=40 + pl, ttl=hl,
                 src=bytes(buf[8:24]), dst=bytes(buf[24:40]), nh=nh, frag_off=0, mf=False)
        off, proto, nonfirst = 40, nh, False
        for _ in range(16):
            if proto in IPV6_EXT:
                if len(buf) < off + 2:
                    raise ValueError("IPv6 extension header truncated")
                proto, off = buf[off], off + (buf[off + 1] + 1) * 8
            elif proto == IPV6_FRAG:
                if len(buf) < off + 8:
                    raise ValueError("IPv6 fragment header truncated")
                fo = struct.unpack("!H", buf[off + 2:off + 4])[0]
                d["frag_off"], d["mf"] = fo >> 3, bool(fo & 1)
                nonfirst = (fo >> 3) != 0
                proto, off = buf[off], off + 8
            elif proto == IPV6_AH:
                if len(buf) < off + 2:
                    raise ValueError("IPv6 AH truncated")
                proto, off = buf[off], off + (buf[off + 1] + 2) * 4
            else:
                break
        d.update(proto=proto, hlen=off, l4=off, nonfirst_frag=nonfirst, hdr_ok=True)
    else:
        raise ValueError("IP version %d" % v)
    if d["plen"] > len(buf):
        d["problems"].append("IP length %d beyond the %d bytes present" % (d["plen"], len(buf)))
    if d["plen"] < d["hlen"]:
        d["problems"].append("IP length %d shorter than its header %d" % (d["plen"], d["hlen"]))
    pkt = bytes(buf[:min(d["plen"], len(buf))])
    d["packet"] = pkt
    d["key"] = None
    d["l4info"] = {}
    if d["nonfirst_frag"] or d["problems"]:
        return d
    seg = pkt[d["l4"]:]
    p = d["proto"]
    li = d["l4info"]
    if p in (PROTO_TCP, PROTO_UDP) and len(seg) >= (20 if p == PROTO_TCP else 8):
        sp, dp = struct.unpack("!HH", seg[:4])
        d["key"] = (v, d["src"], d["dst"], p, sp, dp)
        li.update(sport=sp, dport=dp)
        if p == PROTO_UDP:
            li["ulen"], li["cksum"] = struct.unpack("!HH", seg[4:8])
            li["csum_present"] = not (v == 4 and li["cksum"] == 0)
        else:
            li["doff"] = seg[12] >> 4
            li["cksum"] = struct.unpack("!H", seg[16:18])[0]
            li["csum_present"] = True
        if d["mf"]:
            li["csum_ok"] = None            # first fragment: segment incomplete
        elif li["csum_present"]:
            li["csum_ok"] = l4_csum_ok(d["src"], d["dst"], p, seg)
        else:
            li["csum_ok"] = None
    elif p in (PROTO_ICMP, PROTO_ICMPV6) and len(seg) >= 4:
        d["key"] = (v, d["src"], d["dst"], p, 0, 0)
        li.update(type=seg[0], code=seg[1], cksum=struct.unpack("!H", seg[2:4])[0],
                  csum_present=True, csum_ok=l4_csum_ok(d["src"], d["dst"], p, seg))
    else:
        d["key"] = (v, d["src"], d["dst"], p, 0, 0)
    return d


def flow_key_str(key):
    if key is None:
        return "-"
    v, s, dd, p, sp, dp = key
    return "%s:%d>%s:%d/%d" % (ip_str(s), sp, ip_str(dd), dp, p)


# --------------------------------------------------------------------------- config model

def normalize_service(svc):
    """Fill the defaults of design.md section 4 into a service dict (copy)."""
    s = dict(svc)
    s.setdefault("port", 0)
    s.setdefault("protocol", "tcp")
    s.setdefault("encap", "gue")
    s.setdefault("gue_variant", 0)
    s.setdefault("dst_port", 4789 if s["encap"] == "vxlan" else 6080)
    s.setdefault("hash", "5tuple")
    bes = []
    for b in s.get("backends") or []:
        b = dict(b)
        b.setdefault("weight", 1)
        b.setdefault("state", "active")
        b["address"] = ip_norm(b["address"])
        bes.append(b)
    s["backends"] = bes
    s["vip"] = ip_norm(s["vip"])
    return s


def load_config(path):
    """JSON config (a YAML config when PyYAML happens to be importable)."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        import yaml  # optional; only for hand-written YAML configs
        return yaml.safe_load(text)


# --------------------------------------------------------------------------- encapsulated frames

def decode_outer(frame, fr):
    """Decode Ethernet / outer IP / UDP; fill fr.info; return (eth, ip, udp_off) or None."""
    try:
        eth = parse_eth(frame)
    except ValueError as e:
        fr.fail("ethernet: %s" % e)
        return None
    fr.info["eth_dst"], fr.info["eth_src"] = mac_str(eth["dst"]), mac_str(eth["src"])
    if eth["type"] not in (ETH_IPV4, ETH_IPV6):
        fr.fail("outer ethertype: expected 0x0800 or 0x86dd, got 0x%04x" % eth["type"])
        return None
    try:
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError as e:
        fr.fail("outer IP: %s" % e)
        return None
    return eth, ip


def check_encap(frame, node, service, port_mac=None, inner_expected=None, mtu=None, index=None):
    """Check one encapsulated frame field by field against design.md section 5.

    node: {"ipv4", "ipv6", "gateway_mac"}; service: a config service dict (normalize_service
    applied here); port_mac: expected outer source MAC (text) or None to only record it;
    inner_expected: the input frame's IP packet (bytes) or None; mtu: egress MTU or None.
    Returns a Frame: kind 'encap', info {backend, sport, flow_label, vni, inner_key, ...}."""
    svc = normalize_service(service)
    fr = Frame(index)
    fr.kind = "encap"
    dec = decode_outer(frame, fr)
    if dec is None:
        return fr
    eth, ip = dec
    fr.expect("outer eth dst", node["gateway_mac"].lower(), fr.info["eth_dst"])
    if port_mac is not None:
        fr.expect("outer eth src", port_mac.lower(), fr.info["eth_src"])
    if eth["vlans"]:
        fr.err("outer VLAN tags", "none", eth["vlans"])
    backend = ip_str(ip["dst"])
    fr.info["backend"] = backend
    fr.info["outer_family"] = ip["version"]
    bes = {b["address"]: b for b in svc["backends"]}
    be = bes.get(backend)
    if be is None:
        fr.err("outer dst", "one of the backends %s" % sorted(bes), backend)
    else:
        fam = ipaddress.ip_address(backend).version
        fr.expect("outer IP version (backend family)", fam, ip["version"])
        if be.get("state") == "down":
            fr.fail("outer dst: backend %s is down and must get no traffic" % backend)
    l3 = frame[eth["l3"]:]
    fr.expect("outer ethertype", ETH_IPV4 if ip["version"] == 4 else ETH_IPV6, eth["type"])
    if ip["src"] == ip["dst"]:
        fr.fail("outer src == outer dst (%s)" % backend)
    if ip["version"] == 4:
        fr.expect("outer IPv4 IHL", 5, ip["ihl"])
        fr.expect("outer IPv4 DF", True, ip["df"])
        fr.expect("outer IPv4 MF", False, ip["mf"])
        fr.expect("outer IPv4 reserved flag", False, ip["rf"])
        fr.expect("outer IPv4 fragment offset", 0, ip["frag_off"])
        fr.expect("outer IPv4 TTL", OUTER_TTL, ip["ttl"])
        fr.expect("outer IPv4 protocol", PROTO_UDP, ip["proto"])
        fr.expect("outer IPv4 src", node.get("ipv4") and ip_norm(node["ipv4"]), ip_str(ip["src"]))
        fr.expect("outer IPv4 total length (frame bytes after Ethernet)", len(l3), ip["plen"])
        if not ip["hdr_ok"]:
            fr.err("outer IPv4 header checksum", "0x%04x" % checksum(
                l3[:10] + b"\0\0" + l3[12:20]), "0x%04x" % ip["cksum"])
    else:
        fr.expect("outer IPv6 next header", PROTO_UDP, ip["nh"])
        fr.expect("outer IPv6 hop limit", OUTER_TTL, ip["ttl"])
        fr.expect("outer IPv6 src", node.get("ipv6") and ip_norm(node["ipv6"]), ip_str(ip["src"]))
        fr.expect("outer IPv6 payload length (frame bytes after Ethernet - 40)", len(l3) - 40,
                  ip["plen"] - 40)
        if ip["flow"] == 0:
            fr.err("outer IPv6 flow label", "non-zero", 0)
        fr.info["flow_label"] = ip["flow"]
    fr.info["outer_len"] = len(l3)
    if mtu is not None and len(l3) > mtu:
        fr.err("outer IP packet length <= port MTU", "<= %d" % mtu, len(l3))
    if ip["problems"]:
        for p in ip["problems"]:
            fr.fail("outer IP: " + p)
        return fr
    if ip["proto"] != PROTO_UDP or ip["hlen"] != (20 if ip["version"] == 4 else 40):
        fr.fail("outer: no UDP header directly after the IP header")
        return fr
    udp = ip["packet"][ip["hlen"]:]
    if len(udp) < 8:
        fr.err("outer UDP header length", ">= 8", len(udp))
        return fr
    sport, dport, ulen, uck = struct.unpack("!HHHH", udp[:8])
    fr.info.update(sport=sport, dport=dport)
    fr.expect("outer UDP dst port", svc["dst_port"], dport)
    if not UDP_SPORT_MIN <= sport <= 65535:
        fr.err("outer UDP src port", "49152..65535", sport)
    fr.expect("outer UDP length", len(udp), ulen)
    want = checksum(udp[:6] + b"\0\0" + udp[8:], pseudo_sum(ip["src"], ip["dst"], PROTO_UDP, len(udp)))
    want_wire = want or 0xFFFF
    fr.info["udp_csum"] = uck
    if ip["version"] == 6:
        if uck == 0:
            fr.err("outer UDP checksum over IPv6", "0x%04x (never 0)" % want_wire, "0x0000")
        elif uck != want_wire:
            fr.err("outer UDP checksum over IPv6", "0x%04x" % want_wire, "0x%04x" % uck)
    elif uck != 0 and uck != want_wire:
        fr.err("outer UDP checksum over IPv4", "0 or 0x%04x" % want_wire, "0x%04x" % uck)
    pay = udp[8:]
    enc = svc["encap"]
    fr.info["encap"] = enc if enc == "vxlan" else "gue%d" % svc["gue_variant"]
    inner_ethtype = None
    if enc == "vxlan":
        if len(pay) < VXLAN_LEN + 14:
            fr.err("VXLAN + inner Ethernet length", ">= 22", len(pay))
            return fr
        flags, r1, vni_r = pay[0], pay[1:4], struct.unpack("!I", pay[4:8])[0]
        fr.expect("VXLAN flags", "0x08", "0x%02x" % flags)
        fr.expect("VXLAN reserved (bytes 1-3)", "000000", r1.hex())
        fr.expect("VXLAN reserved (byte 7)", 0, vni_r & 0xFF)
        fr.info["vni"] = vni_r >> 8
        fr.expect("VXLAN VNI", svc.get("vni"), vni_r >> 8)
        ie = pay[8:22]
        if be is not None:
            fr.expect("inner eth dst (backend mac)", (be.get("mac") or "").lower(), mac_str(ie[0:6]))
        fr.info["inner_eth_src"] = mac_str(ie[6:12])
        if port_mac is not None:
            fr.expect("inner eth src (port MAC)", port_mac.lower(), mac_str(ie[6:12]))
        elif mac_str(ie[6:12]) != fr.info["eth_src"]:
            fr.err("inner eth src (port MAC = outer eth src)", fr.info["eth_src"], mac_str(ie[6:12]))
        inner_ethtype = struct.unpack("!H", ie[12:14])[0]
        inner = pay[22:]
    elif svc["gue_variant"] == 0:
        if len(pay) < GUE0_LEN:
            fr.err("GUE header length", 4, len(pay))
            return fr
        b0, ctype, gflags = pay[0], pay[1], struct.unpack("!H", pay[2:4])[0]
        fr.expect("GUE version (top 2 bits)", 0, b0 >> 6)
        fr.expect("GUE C bit", 0, (b0 >> 5) & 1)
        fr.expect("GUE hlen", 0, b0 & 0x1F)
        fr.expect("GUE flags", 0, gflags)
        fr.info["gue_proto"] = ctype
        inner = pay[4:]
    else:
        inner = pay
    if not inner:
        fr.fail("inner IP packet: empty")
        return fr
    iv = inner[0] >> 4
    if iv not in (4, 6):
        fr.err("inner IP version (first nibble)", "4 or 6", iv)
        return fr
    if enc == "vxlan":
        fr.expect("inner ethertype", "0x%04x" % (ETH_IPV4 if iv == 4 else ETH_IPV6), "0x%04x" % inner_ethtype)
    elif svc["gue_variant"] == 0:
        fr.expect("GUE proto/ctype", PROTO_IPV4_IN if iv == 4 else PROTO_IPV6_IN, fr.info["gue_proto"])
    fr.info["inner"] = bytes(inner)
    fr.info["inner_version"] = iv
    vip_ver = ipaddress.ip_address(svc["vip"]).version
    fr.expect("inner IP version (VIP family)", vip_ver, iv)
    try:
        iip = parse_ip(inner)
    except ValueError as e:
        fr.fail("inner IP: %s" % e)
        iip = None
    if iip is not None:
        fr.expect("inner IP length (== bytes after the tunnel header)", len(inner), iip["plen"])
        fr.expect("outer DSCP (copied from inner)", iip["tos"] >> 2, ip["tos"] >> 2)
        fr.expect("outer ECN (RFC 6040 normal mode: copied)", iip["tos"] & 3, ip["tos"] & 3)
        fr.info["inner_key"] = iip["key"]
        fr.info["inner_tos"] = iip["tos"]
        fr.expect("inner dst (VIP)", svc["vip"], ip_str(iip["dst"]))
        fr.info["inner_l4_csum_ok"] = iip["l4info"].get("csum_ok")
        fr.info["inner_ip_hdr_ok"] = iip["hdr_ok"]
    if inner_expected is not None:
        ie_b = bytes(inner_expected)
        if ie_b != bytes(inner):
            diff = next((i for i in range(min(len(ie_b), len(inner))) if ie_b[i] != inner[i]), None)
            if diff is None:
                fr.err("inner packet length (byte-identical to input)", len(ie_b), len(inner))
            else:
                fr.fail("inner packet byte %d: expected 0x%02x, got 0x%02x (inner must be byte-identical"
                        " to the input IP packet; lengths %d/%d)" % (diff, ie_b[diff], inner[diff],
                                                                     len(ie_b), len(inner)))
    return fr


def csum_layers(frame, gue_v1_ports=(), gue_v0_ports=(), vxlan_ports=(4789,)):
    """Checksum verdict of every layer, in frame order, tshark's convention:
    [(layer, 1 good | 0 bad | 3 absent)] for ip, udp, tcp, icmp, icmpv6.  Tunnels are
    followed for VXLAN and GUE variant 1 ports (what tshark decodes), not for variant 0."""
    out = []

    def walk(buf, depth):
        ip = parse_ip(buf)
        if ip["version"] == 4:
            out.append(("ip", 1 if ip["hdr_ok"] else 0))
        li = ip["l4info"]
        name = {PROTO_TCP: "tcp", PROTO_UDP: "udp", PROTO_ICMP: "icmp", PROTO_ICMPV6: "icmpv6"}.get(ip["proto"])
        if name and li and not ip["mf"]:          # tshark does not dissect L4 of a fragment
            ok = li.get("csum_ok")
            out.append((name, 3 if not li.get("csum_present") else (1 if ok else 0)))
        if ip["proto"] == PROTO_UDP and li and depth == 0:
            pay = ip["packet"][ip["l4"] + 8:]
            if li["dport"] in vxlan_ports and len(pay) >= 22:
                walk(pay[22:], depth + 1)
            elif li["dport"] in gue_v1_ports and pay:
                walk(pay, depth + 1)

    eth = parse_eth(frame)
    if eth["type"] in (ETH_IPV4, ETH_IPV6):
        walk(frame[eth["l3"]:], 0)
    return out


# --------------------------------------------------------------------------- local replies

def _reply_eth(fr, frame, req_eth, port_mac, want_type):
    eth = parse_eth(frame)
    fr.info["eth_src"] = mac_str(eth["src"])
    fr.expect("reply eth dst (requester's MAC)", mac_str(req_eth["src"]), mac_str(eth["dst"]))
    if port_mac is not None:
        fr.expect("reply eth src (port MAC)", port_mac.lower(), mac_str(eth["src"]))
    fr.expect("reply ethertype", "0x%04x" % want_type, "0x%04x" % eth["type"])
    fr.expect("reply VLAN tags (as in the request)", req_eth["vlans"], eth["vlans"])
    return eth


def _padding_ok(fr, frame, used):
    """Bytes after the reply packet are allowed only as Ethernet padding up to 60 bytes."""
    if len(frame) > used and len(frame) > 60:
        fr.err("reply frame length (no padding beyond 60 bytes)", max(used, 60), len(frame))


def check_arp_reply(frame, req_frame, node, port_mac=None, index=None):
    """RFC 826 reply to the ARP request req_frame for node.ipv4."""
    fr = Frame(index)
    fr.kind = "arp"
    req_eth = parse_eth(req_frame)
    rq = req_frame[req_eth["l3"]:]
    try:
        eth = _reply_eth(fr, frame, req_eth, port_mac, ETH_ARP)
    except ValueError as e:
        fr.fail("ethernet: %s" % e)
        return fr
    a = frame[eth["l3"]:]
    if len(a) < 28:
        fr.err("ARP length", ">= 28", len(a))
        return fr
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", a[:8])
    fr.expect("ARP htype", 1, htype)
    fr.expect("ARP ptype", "0x0800", "0x%04x" % ptype)
    fr.expect("ARP hlen", 6, hlen)
    fr.expect("ARP plen", 4, plen)
    fr.expect("ARP op (reply)", 2, op)
    sha, spa, tha, tpa = a[8:14], a[14:18], a[18:24], a[24:28]
    fr.info["sha"] = mac_str(sha)
    fr.expect("ARP sha (= eth src)", fr.info["eth_src"], mac_str(sha))
    fr.expect("ARP spa (node.ipv4)", ip_norm(node["ipv4"]), ip_str(spa))
    fr.expect("ARP tha (requester sha)", mac_str(rq[8:14]), mac_str(tha))
    fr.expect("ARP tpa (requester spa)", ip_str(rq[14:18]), ip_str(tpa))
    _padding_ok(fr, frame, eth["l3"] + 28)
    return fr


def check_echo_reply(frame, req_frame, node, port_mac=None, index=None):
    """RFC 792 echo reply to the IPv4 echo request req_frame (sent to node.ipv4)."""
    fr = Frame(index)
    fr.kind = "echo"
    req_eth = parse_eth(req_frame)
    rip = parse_ip(req_frame[req_eth["l3"]:])
    try:
        eth = _reply_eth(fr, frame, req_eth, port_mac, ETH_IPV4)
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError as e:
        fr.fail("decode: %s" % e)
        return fr
    for p in ip["problems"]:
        fr.fail("reply IPv4: " + p)
    fr.expect("reply IP version", 4, ip["version"])
    if ip["version"] != 4:
        return fr
    fr.expect("reply IPv4 header checksum valid", True, ip["hdr_ok"])
    fr.expect("reply IPv4 src (node.ipv4)", ip_norm(node["ipv4"]), ip_str(ip["src"]))
    fr.expect("reply IPv4 dst (request src)", ip_str(rip["src"]), ip_str(ip["dst"]))
    fr.expect("reply IPv4 protocol", PROTO_ICMP, ip["proto"])
    fr.expect("reply IPv4 fragment offset / MF", (0, False), (ip["frag_off"], ip["mf"]))
    if ip["ttl"] == 0:
        fr.err("reply IPv4 TTL", ">= 1", 0)
    pkt = ip["packet"]
    icmp, ricmp = pkt[ip["l4"]:], rip["packet"][rip["l4"]:]
    if len(icmp) < 8:
        fr.err("ICMP length", ">= 8", len(icmp))
        return fr
    fr.expect("ICMP type (echo reply)", 0, icmp[0])
    fr.expect("ICMP code", 0, icmp[1])
    if not csum_ok(icmp):
        fr.err("ICMP checksum", "0x%04x" % checksum(icmp[:2] + b"\0\0" + icmp[4:]),
               "0x%04x" % struct.unpack("!H", icmp[2:4])[0])
    fr.expect("ICMP identifier", ricmp[4:6].hex(), icmp[4:6].hex())
    fr.expect("ICMP sequence", ricmp[6:8].hex(), icmp[6:8].hex())
    if icmp[8:] != ricmp[8:]:
        fr.err("ICMP echo data (preserved)", "%d bytes %s" % (len(ricmp) - 8, ricmp[8:24].hex()),
               "%d bytes %s" % (len(icmp) - 8, icmp[8:24].hex()))
    _padding_ok(fr, frame, eth["l3"] + ip["plen"])
    return fr


def check_echo6_reply(frame, req_frame, node, port_mac=None, index=None):
    """RFC 4443 echo reply to the ICMPv6 echo request req_frame (sent to node.ipv6)."""
    fr = Frame(index)
    fr.kind = "echo6"
    req_eth = parse_eth(req_frame)
    rip = parse_ip(req_frame[req_eth["l3"]:])
    try:
        eth = _reply_eth(fr, frame, req_eth, port_mac, ETH_IPV6)
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError as e:
        fr.fail("decode: %s" % e)
        return fr
    for p in ip["problems"]:
        fr.fail("reply IPv6: " + p)
    fr.expect("reply IP version", 6, ip["version"])
    if ip["version"] != 6:
        return fr
    fr.expect("reply IPv6 src (node.ipv6)", ip_norm(node["ipv6"]), ip_str(ip["src"]))
    fr.expect("reply IPv6 dst (request src)", ip_str(rip["src"]), ip_str(ip["dst"]))
    fr.expect("reply IPv6 next header", PROTO_ICMPV6, ip["nh"])
    if ip["ttl"] == 0:
        fr.err("reply IPv6 hop limit", ">= 1", 0)
    icmp, ricmp = ip["packet"][ip["l4"]:], rip["packet"][rip["l4"]:]
    if len(icmp) < 8:
        fr.err("ICMPv6 length", ">= 8", len(icmp))
        return fr
    fr.expect("ICMPv6 type (echo reply)", 129, icmp[0])
    fr.expect("ICMPv6 code", 0, icmp[1])
    if not l4_csum_ok(ip["src"], ip["dst"], PROTO_ICMPV6, icmp):
        fr.err("ICMPv6 checksum", "0x%04x" % l4_csum_value(ip["src"], ip["dst"], PROTO_ICMPV6, icmp, 2),
               "0x%04x" % struct.unpack("!H", icmp[2:4])[0])
    fr.expect("ICMPv6 identifier", ricmp[4:6].hex(), icmp[4:6].hex())
    fr.expect("ICMPv6 sequence", ricmp[6:8].hex(), icmp[6:8].hex())
    if icmp[8:] != ricmp[8:]:
        fr.err("ICMPv6 echo data (preserved)", "%d bytes %s" % (len(ricmp) - 8, ricmp[8:24].hex()),
               "%d bytes %s" % (len(icmp) - 8, icmp[8:24].hex()))
    _padding_ok(fr, frame, eth["l3"] + ip["plen"])
    return fr


def check_na(frame, ns_frame, node, port_mac=None, index=None):
    """RFC 4861 section 7.2.4 solicited neighbour advertisement for node.ipv6 answering ns_frame."""
    fr = Frame(index)
    fr.kind = "na"
    req_eth = parse_eth(ns_frame)
    rip = parse_ip(ns_frame[req_eth["l3"]:])
    try:
        eth = _reply_eth(fr, frame, req_eth, port_mac, ETH_IPV6)
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError as e:
        fr.fail("decode: %s" % e)
        return fr
    for p in ip["problems"]:
        fr.fail("NA IPv6: " + p)
    fr.expect("NA IP version", 6, ip["version"])
    if ip["version"] != 6:
        return fr
    fr.expect("NA IPv6 src (node.ipv6)", ip_norm(node["ipv6"]), ip_str(ip["src"]))
    fr.expect("NA IPv6 dst (NS source)", ip_str(rip["src"]), ip_str(ip["dst"]))
    fr.expect("NA IPv6 next header", PROTO_ICMPV6, ip["nh"])
    fr.expect("NA IPv6 hop limit", 255, ip["ttl"])
    na = ip["packet"][ip["l4"]:]
    if len(na) < 24:
        fr.err("NA length", ">= 24", len(na))
        return fr
    fr.expect("NA ICMPv6 type", 136, na[0])
    fr.expect("NA ICMPv6 code", 0, na[1])
    if not l4_csum_ok(ip["src"], ip["dst"], PROTO_ICMPV6, na):
        fr.err("NA ICMPv6 checksum", "0x%04x" % l4_csum_value(ip["src"], ip["dst"], PROTO_ICMPV6, na, 2),
               "0x%04x" % struct.unpack("!H", na[2:4])[0])
    flags = struct.unpack("!I", na[4:8])[0]
    fr.expect("NA S (solicited) flag", 1, (flags >> 30) & 1)
    fr.expect("NA O (override) flag", 1, (flags >> 29) & 1)
    fr.expect("NA reserved bits", 0, flags & 0x1FFFFFFF)
    fr.expect("NA target (node.ipv6)", ip_norm(node["ipv6"]), ip_str(na[8:24]))
    opts, tlla = na[24:], None
    while len(opts) >= 2:
        t, ln = opts[0], opts[1] * 8
        if ln == 0 or ln > len(opts):
            fr.fail("NA option length %d invalid" % opts[1])
            break
        if t == 2:
            tlla = opts[2:8]
            fr.expect("NA target link-layer option length", 1, opts[1])
        opts = opts[ln:]
    if tlla is None:
        fr.fail("NA target link-layer address option: missing")
    else:
        fr.expect("NA target link-layer address (= eth src)", fr.info["eth_src"], mac_str(tlla))
        if port_mac is not None:
            fr.expect("NA target link-layer address (port MAC)", port_mac.lower(), mac_str(tlla))
    _padding_ok(fr, frame, eth["l3"] + ip["plen"])
    return fr


# --------------------------------------------------------------------------- classification, flows

def classify(frame, services=()):
    """Best-effort kind of an output frame without its input: 'arp', 'echo', 'echo6', 'na',
    'encap' (UDP to a service dst_port / 4789 / 6080) or 'other'."""
    try:
        eth = parse_eth(frame)
        if eth["type"] == ETH_ARP:
            return "arp"
        if eth["type"] not in (ETH_IPV4, ETH_IPV6):
            return "other"
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError:
        return "other"
    li = ip["l4info"]
    if ip["proto"] == PROTO_ICMP and li.get("type") == 0:
        return "echo"
    if ip["proto"] == PROTO_ICMPV6 and li.get("type") == 129:
        return "echo6"
    if ip["proto"] == PROTO_ICMPV6 and li.get("type") == 136:
        return "na"
    if ip["proto"] != PROTO_UDP or not li:
        return "other"
    if services:
        ports = {normalize_service(s)["dst_port"] for s in services}
        return "encap" if li.get("dport") in ports else "other"
    if li.get("dport") in (4789, 6080):
        return "encap"
    return "encap" if tunnel_guess(ip["packet"][ip["l4"] + 8:]) else "other"


def tunnel_guess(pay):
    """Guess the tunnel of a UDP payload without a config: 'vxlan', 'gue0', 'gue1' or None."""
    def is_ip(b):
        try:
            ip = parse_ip(b)
        except ValueError:
            return False
        return not ip["problems"] and ip["plen"] == len(b) and ip["hdr_ok"]
    if len(pay) > 22 and pay[0] == 0x08 and pay[1:4] == b"\0\0\0" and is_ip(pay[22:]):
        return "vxlan"
    if len(pay) > 4 and pay[0] == 0 and pay[1] in (4, 41) and is_ip(pay[4:]):
        return "gue0"
    if is_ip(pay):
        return "gue1"
    return None


def service_for_frame(frame, services):
    """The normalized service an encapsulated frame belongs to: outer dst is one of its backends,
    outer UDP dst its dst_port, and the inner destination its VIP. None when no match."""
    try:
        eth = parse_eth(frame)
        ip = parse_ip(frame[eth["l3"]:])
    except ValueError:
        return None
    dport = ip["l4info"].get("dport")
    dst = ip_str(ip["dst"])
    pay = ip["packet"][ip["l4"] + 8:]
    cands = []
    for s in services:
        s = normalize_service(s)
        if s["dst_port"] != dport or dst not in {b["address"] for b in s["backends"]}:
            continue
        if s["encap"] == "vxlan":
            inner = pay[22:]
        elif s["gue_variant"] == 0:
            inner = pay[4:]
        else:
            inner = pay
        try:
            iip = parse_ip(inner)
        except ValueError:
            cands.append((1, s))
            continue
        if ip_str(iip["dst"]) == s["vip"]:
            key = iip["key"]
            pm = 0 if key is None or s["port"] in (0, key[5]) else 1
            proto_ok = key is not None and key[3] == {"tcp": 6, "udp": 17}.get(s["protocol"])
            cands.append((pm + (0 if proto_ok else 1), s))
        else:
            cands.append((3, s))
    cands.sort(key=lambda c: c[0])
    return cands[0][1] if cands else None


class FlowTracker:
    """Per-flow consistency: every packet of a flow (service, inner 5-tuple; or client address
    for hash src_ip, client address + port for src_ip_port) goes to one backend with one outer
    UDP source port and, over IPv6, one flow label."""

    def __init__(self):
        self.flows = {}        # (service, key) -> {"backend", "sport", "flow_label", "n"}
        self.by_hash = {}      # (service, hash key) -> backend
        self.errors = []

    def add(self, service_name, hash_mode, fr, index=None):
        key = fr.info.get("inner_key")
        if key is None:
            return
        rec = {"backend": fr.info.get("backend"), "sport": fr.info.get("sport"),
               "flow_label": fr.info.get("flow_label")}
        k = (service_name, key)
        old = self.flows.get(k)
        if old is None:
            rec["n"] = 1
            self.flows[k] = rec
        else:
            old["n"] += 1
            for f in ("backend", "sport", "flow_label"):
                if old[f] != rec[f]:
                    self.errors.append("frame %s flow %s %s: %s changed from %s to %s" % (
                        index, service_name, flow_key_str(key), f, old[f], rec[f]))
        if hash_mode in ("src_ip", "src_ip_port"):
            hk = (service_name, key[1]) if hash_mode == "src_ip" else (service_name, key[1], key[4])
            ob = self.by_hash.setdefault(hk, rec["backend"])
            if ob != rec["backend"]:
                self.errors.append("frame %s service %s hash %s: client %s went to %s, earlier to %s" % (
                    index, service_name, hash_mode, ip_str(key[1]) + (
                        "" if hash_mode == "src_ip" else ":%d" % key[4]), rec["backend"], ob))


# --------------------------------------------------------------------------- CLI

def summary(path, cfg=None, out=sys.stdout):
    """Per-backend / per-encap table of an output pcap. Returns the rows."""
    services = [normalize_service(s) for s in (cfg or {}).get("services", [])]
    frames = read_pcap(path)
    rows, kinds, flows = {}, {}, {}
    for i, (_, fr) in enumerate(frames, 1):
        kind = classify(fr, services)
        if kind != "encap":
            kinds[kind] = kinds.get(kind, 0) + 1
            continue
        svc = service_for_frame(fr, services) if services else None
        eth = parse_eth(fr)
        ip = parse_ip(fr[eth["l3"]:])
        dport = ip["l4info"].get("dport")
        if svc is not None:
            enc = svc["encap"] if svc["encap"] == "vxlan" else "gue%d" % svc["gue_variant"]
            name = svc["name"]
        else:
            enc = tunnel_guess(ip["packet"][ip["l4"] + 8:]) or ("vxlan" if dport == 4789 else "?")
            name = "?"
        k = (name, ip_str(ip["dst"]), enc, "v%d" % ip["version"], dport)
        r = rows.setdefault(k, {"packets": 0, "bytes": 0})
        r["packets"] += 1
        r["bytes"] += len(fr)
        flows.setdefault(k, set()).add(ip["l4info"].get("sport"))
    hdr = ("service", "backend", "encap", "outer", "dport", "packets", "frame bytes", "flows(sport)")
    table = [hdr] + [(k[0], k[1], k[2], k[3], str(k[4]), str(v["packets"]), str(v["bytes"]),
                      str(len(flows[k]))) for k, v in sorted(rows.items())]
    w = [max(len(r[i]) for r in table) for i in range(len(hdr))]
    for r in table:
        out.write("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() + "\n")
    out.write("total frames %d; encapsulated %d; %s\n" % (
        len(frames), sum(v["packets"] for v in rows.values()),
        ", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "no other frames"))
    return rows


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary", help="per-backend / per-encap table of an output pcap")
    s.add_argument("pcap")
    s.add_argument("--config", help="tunlb config (JSON, or YAML if PyYAML is installed)")
    c = sub.add_parser("check", help="check every encapsulated frame against the config")
    c.add_argument("pcap")
    c.add_argument("--config", required=True)
    c.add_argument("--port-mac")
    a = ap.parse_args(argv)
    cfg = load_config(a.config) if a.config else None
    if a.cmd == "summary":
        summary(a.pcap, cfg)
        return 0
    services = [normalize_service(x) for x in cfg.get("services", [])]
    bad = 0
    ft = FlowTracker()
    mac = a.port_mac
    for i, (_, fr) in enumerate(read_pcap(a.pcap), 1):
        svc = service_for_frame(fr, services)
        if svc is None:
            print("frame %d: no service matches (%s)" % (i, classify(fr, services)))
            bad += 1
            continue
        r = check_encap(fr, cfg["node"], svc, port_mac=mac, index=i)
        mac = mac or r.info.get("eth_src")
        ft.add(svc["name"], svc["hash"], r, i)
        for e in r.errors:
            print("frame %d (%s): %s" % (i, svc["name"], e))
        bad += bool(r.errors)
    for e in ft.errors:
        print(e)
    print("frames with errors: %d; flow errors: %d" % (bad, len(ft.errors)))
    return 1 if bad or ft.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
