/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzz targets' own frame reading and checksum code (RFC 1071), written
 * from the RFCs without the project's parser or checksum helpers, and the
 * checks of local answers shared by fuzz_local and fuzz_datapath.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlb_local.h"
#include "tlb_parse.h"

#include "fuzz_common.h"

/* Node identity of every target (the fuzz config in fuzz_datapath.c uses the same). */
const uint8_t fuzz_node_ipv4[4] = { 192, 0, 2, 1 };
const uint8_t fuzz_node_ipv6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
const uint8_t fuzz_gateway_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

#define ETH_LEN 14
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define ETYPE_ARP 0x0806
#define ETYPE_CTAG 0x8100
#define ETYPE_STAG 0x88a8

void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nFUZZ INVARIANT VIOLATED at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
fuzz_fail_check(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nFUZZ INVARIANT VIOLATED at %s:%d: check '%s' failed: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

uint16_t
fuzz_rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t
fuzz_rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint16_t
fuzz_sum(const uint8_t *b, size_t len, uint32_t acc)
{
	size_t i;

	/* RFC 1071 section 4.1, big-endian words; an odd last byte is padded with zero. */
	for (i = 0; i + 1 < len; i += 2) {
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
		acc = (acc & 0xffff) + (acc >> 16);
	}
	if (len & 1) {
		acc += (uint32_t)b[len - 1] << 8;
		acc = (acc & 0xffff) + (acc >> 16);
	}
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

int
fuzz_csum_ok(const uint8_t *b, size_t len)
{
	return fuzz_sum(b, len, 0) == 0xffff;
}

int
fuzz_l4_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		const uint8_t *seg, size_t len)
{
	uint32_t acc;

	acc = fuzz_sum(src, alen, 0);
	acc = fuzz_sum(dst, alen, acc);
	acc += proto;
	acc += (uint32_t)(len & 0xffff);
	acc += (uint32_t)(len >> 16);
	return fuzz_sum(seg, len, acc) == 0xffff;
}

/* Ethernet + tags: offset of the L3 header and its EtherType, or -1. */
static int
l2_walk(const uint8_t *f, size_t len, size_t *l3, uint16_t *etype)
{
	size_t off = ETH_LEN;
	uint16_t t;

	if (len < ETH_LEN)
		return -1;
	t = fuzz_rd16(f + 12);
	while (t == ETYPE_CTAG || t == ETYPE_STAG) {
		if (len < off + 4)
			return -1;
		t = fuzz_rd16(f + off + 2);
		off += 4;
	}
	*l3 = off;
	*etype = t;
	return 0;
}

int
fuzz_ip_packet(const uint8_t *f, size_t len, size_t *l3, size_t *ip_len)
{
	uint16_t t;
	size_t n;

	if (l2_walk(f, len, l3, &t) != 0 || len < *l3 + 1)
		return -1;
	if (t == ETYPE_IPV4 && f[*l3] >> 4 == 4 && len >= *l3 + 4)
		n = fuzz_rd16(f + *l3 + 2);
	else if (t == ETYPE_IPV6 && f[*l3] >> 4 == 6 && len >= *l3 + 6)
		n = 40 + (size_t)fuzz_rd16(f + *l3 + 4);
	else
		return -1;
	if (len < *l3 + n)
		return -1;
	*ip_len = n;
	return 0;
}

/* Ethernet part of every answer: VLAN tags kept, source = the port, destination = dst_mac. */
static void
check_reply_l2(const uint8_t *req, const uint8_t *out, size_t l3, const uint8_t *dst_mac,
	       const uint8_t port_mac[6])
{
	FUZZ_CHECK(memcmp(out, dst_mac, 6) == 0, "reply Ethernet destination");
	FUZZ_CHECK(memcmp(out + 6, port_mac, 6) == 0, "reply Ethernet source = port MAC");
	FUZZ_CHECK(memcmp(out + 12, req + 12, l3 - 12) == 0, "reply keeps EtherType and VLAN tags");
}

/* RFC 826 reply to a request for the node's IPv4 address. */
static void
check_arp(const uint8_t *req, size_t req_len, const uint8_t *out, size_t out_len, size_t l3,
	  const uint8_t port_mac[6])
{
	const uint8_t *a = out + l3, *q = req + l3;

	FUZZ_CHECK(out_len == req_len, "ARP reply keeps the request's length (%zu, %zu)", out_len,
		   req_len);
	FUZZ_CHECK(req_len >= l3 + 28, "ARP request shorter than its header");
	FUZZ_CHECK(fuzz_rd16(q + 6) == 1, "only requests are answered (op %u)", fuzz_rd16(q + 6));
	FUZZ_CHECK(memcmp(q + 24, fuzz_node_ipv4, 4) == 0, "only requests for node.ipv4");
	FUZZ_CHECK(fuzz_rd16(a) == 1 && fuzz_rd16(a + 2) == ETYPE_IPV4 && a[4] == 6 && a[5] == 4,
		   "ARP reply hardware / protocol types and lengths");
	FUZZ_CHECK(fuzz_rd16(a + 6) == 2, "ARP reply opcode 2");
	FUZZ_CHECK(memcmp(a + 8, port_mac, 6) == 0, "ARP sender hardware address = port MAC");
	FUZZ_CHECK(memcmp(a + 14, fuzz_node_ipv4, 4) == 0, "ARP sender protocol address = node");
	FUZZ_CHECK(memcmp(a + 18, q + 8, 6) == 0, "ARP target hardware = requester");
	FUZZ_CHECK(memcmp(a + 24, q + 14, 4) == 0, "ARP target protocol = requester");
	FUZZ_CHECK(memcmp(out + l3 + 28, req + l3 + 28, req_len - l3 - 28) == 0,
		   "bytes after the ARP packet unchanged");
	check_reply_l2(req, out, l3, req + 6, port_mac);
}

/* RFC 792 echo reply. */
static void
check_echo4(const uint8_t *req, size_t req_len, const uint8_t *out, size_t out_len, size_t l3,
	    const uint8_t port_mac[6])
{
	const uint8_t *ip = out + l3, *q = req + l3;
	size_t ihl, n;

	FUZZ_CHECK(req_len >= l3 + 20 && out_len >= l3 + 20, "echo shorter than IPv4");
	n = fuzz_rd16(q + 2);
	ihl = (size_t)(q[0] & 0xf) * 4;
	FUZZ_CHECK(req_len >= l3 + n, "echo request longer than its frame");
	FUZZ_CHECK(out_len == l3 + n, "echo reply length = L2 + IPv4 total length (%zu, %zu)",
		   out_len, l3 + n);
	FUZZ_CHECK(ip[0] == q[0] && fuzz_rd16(ip + 2) == n, "echo reply IPv4 version/IHL/length");
	FUZZ_CHECK(fuzz_csum_ok(ip, ihl), "echo reply IPv4 header checksum");
	FUZZ_CHECK(ip[9] == 1 && ip[8] != 0, "echo reply protocol 1, TTL > 0");
	FUZZ_CHECK(memcmp(ip + 12, fuzz_node_ipv4, 4) == 0, "echo reply from node.ipv4");
	FUZZ_CHECK(memcmp(ip + 16, q + 12, 4) == 0, "echo reply to the requester");
	FUZZ_CHECK(n >= ihl + 8, "echo reply ICMP header");
	FUZZ_CHECK(q[ihl] == 8 && q[ihl + 1] == 0, "only echo requests, code 0");
	FUZZ_CHECK(fuzz_csum_ok(q + ihl, n - ihl), "the request's ICMP checksum was good");
	FUZZ_CHECK(ip[ihl] == 0 && ip[ihl + 1] == 0, "echo reply type 0 code 0");
	FUZZ_CHECK(fuzz_csum_ok(ip + ihl, n - ihl), "echo reply ICMP checksum");
	FUZZ_CHECK(memcmp(ip + ihl + 4, q + ihl + 4, n - ihl - 4) == 0,
		   "echo identifier, sequence and data kept");
	check_reply_l2(req, out, l3, req + 6, port_mac);
}

/* RFC 4443 section 4.2 echo reply. */
static void
check_echo6(const uint8_t *req, size_t req_len, const uint8_t *out, size_t out_len, size_t l3,
	    const uint8_t port_mac[6])
{
	const uint8_t *ip = out + l3, *q = req + l3;
	size_t n;

	FUZZ_CHECK(req_len >= l3 + 48, "echo6 shorter than IPv6 + ICMPv6 echo");
	n = fuzz_rd16(q + 4);
	FUZZ_CHECK(req_len >= l3 + 40 + n, "echo6 request longer than its frame");
	FUZZ_CHECK(out_len == l3 + 40 + n, "echo6 reply length (%zu, %zu)", out_len, l3 + 40 + n);
	FUZZ_CHECK(ip[0] >> 4 == 6 && fuzz_rd16(ip + 4) == n && ip[6] == 58 && ip[7] != 0,
		   "echo6 reply IPv6 version, payload length, next header 58, hop limit");
	FUZZ_CHECK(q[6] == 58, "echo6 answered only without extension headers");
	FUZZ_CHECK(memcmp(ip + 8, fuzz_node_ipv6, 16) == 0, "echo6 reply from node.ipv6");
	FUZZ_CHECK(memcmp(q + 24, fuzz_node_ipv6, 16) == 0, "echo6 only to node.ipv6 unicast");
	FUZZ_CHECK(memcmp(ip + 24, q + 8, 16) == 0, "echo6 reply to the requester");
	FUZZ_CHECK(q[40] == 128 && q[41] == 0, "only echo requests, code 0");
	FUZZ_CHECK(fuzz_l4_csum_ok(q + 8, q + 24, 16, 58, q + 40, n), "the request's checksum was good");
	FUZZ_CHECK(ip[40] == 129 && ip[41] == 0, "echo6 reply type 129 code 0");
	FUZZ_CHECK(fuzz_l4_csum_ok(ip + 8, ip + 24, 16, 58, ip + 40, n), "echo6 reply checksum");
	FUZZ_CHECK(memcmp(ip + 44, q + 44, n - 4) == 0, "echo6 identifier, sequence, data kept");
	check_reply_l2(req, out, l3, req + 6, port_mac);
}

/* RFC 4861 sections 7.1.1 and 7.2.4: the advertisement answering a solicitation. */
static void
check_na(const uint8_t *req, size_t req_len, const uint8_t *out, size_t out_len, size_t l3,
	 const uint8_t port_mac[6])
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };
	static const uint8_t zero[16];
	const uint8_t *ip = out + l3, *q = req + l3, *dst_mac = req + 6;
	size_t n, off;
	int unspec;

	FUZZ_CHECK(req_len >= l3 + 64, "NS shorter than IPv6 + 24");
	n = fuzz_rd16(q + 4);
	FUZZ_CHECK(req_len >= l3 + 40 + n, "NS longer than its frame");
	FUZZ_CHECK(q[6] == 58 && q[7] == 255 && q[40] == 135 && q[41] == 0 && n >= 24,
		   "only valid solicitations (RFC 4861 7.1.1: hop limit 255, code 0, length)");
	FUZZ_CHECK(fuzz_l4_csum_ok(q + 8, q + 24, 16, 58, q + 40, n), "the NS checksum was good");
	FUZZ_CHECK(memcmp(q + 48, fuzz_node_ipv6, 16) == 0, "only NS for node.ipv6");
	unspec = memcmp(q + 8, zero, 16) == 0;
	for (off = 24; off + 8 <= n; off += (size_t)q[40 + off + 1] * 8) {
		FUZZ_CHECK(q[40 + off + 1] != 0, "NS option length 0 answered");
		if (q[40 + off] == 1)
			dst_mac = q + 40 + off + 2;
	}
	FUZZ_CHECK(!unspec || dst_mac == req + 6, "NS from :: with a source link-layer option");
	if (unspec)
		dst_mac = all_nodes_mac;
	FUZZ_CHECK(out_len == l3 + 40 + 32, "NA length = L2 + 40 + 32 (%zu)", out_len);
	FUZZ_CHECK(ip[0] >> 4 == 6 && fuzz_rd16(ip + 4) == 32 && ip[6] == 58 && ip[7] == 255,
		   "NA IPv6 header: payload 32, next header 58, hop limit 255");
	FUZZ_CHECK(memcmp(ip + 8, fuzz_node_ipv6, 16) == 0, "NA from node.ipv6");
	FUZZ_CHECK(memcmp(ip + 24, unspec ? all_nodes : q + 8, 16) == 0,
		   "NA to the soliciting node (all-nodes for ::)");
	FUZZ_CHECK(ip[40] == 136 && ip[41] == 0, "NA type 136 code 0");
	FUZZ_CHECK(fuzz_l4_csum_ok(ip + 8, ip + 24, 16, 58, ip + 40, 32), "NA checksum");
	FUZZ_CHECK(ip[44] == (unspec ? 0x20 : 0x60) && ip[45] == 0 && ip[46] == 0 && ip[47] == 0,
		   "NA flags: O, and S unless to all-nodes; reserved 0");
	FUZZ_CHECK(memcmp(ip + 48, fuzz_node_ipv6, 16) == 0, "NA target = node.ipv6");
	FUZZ_CHECK(ip[64] == 2 && ip[65] == 1 && memcmp(ip + 66, port_mac, 6) == 0,
		   "NA target link-layer address option = port MAC");
	check_reply_l2(req, out, l3, dst_mac, port_mac);
}

/*
 * RFC 792 / RFC 1191 section 4 frag-needed and RFC 4443 section 3.2 packet
 * too big: from the address the client wrote to, quoting its packet from the
 * first byte, within 576 (RFC 1812 4.3.2.3) / 1280 (RFC 4443 2.4(c)) bytes.
 */
static uint32_t
check_too_big(const uint8_t *req, size_t req_len, const uint8_t *out, size_t out_len, size_t l3,
	      int v6, const uint8_t port_mac[6])
{
	const uint8_t *ip = out + l3, *q = req + l3, *icmp;
	size_t hdrs = v6 ? 48 : 28, n, quote;
	uint32_t mtu;

	FUZZ_CHECK(req_len >= l3 + (v6 ? 40 : 20), "too-big answer to a runt");
	n = v6 ? 40 + (size_t)fuzz_rd16(q + 4) : fuzz_rd16(q + 2);
	FUZZ_CHECK(req_len >= l3 + n, "too-big answer to a packet longer than its frame");
	quote = n < (v6 ? 1280u : 576u) - hdrs ? n : (v6 ? 1280u : 576u) - hdrs;
	FUZZ_CHECK(out_len == l3 + hdrs + quote, "too-big answer of %zu bytes, expected %zu",
		   out_len, l3 + hdrs + quote);
	icmp = ip + hdrs - 8;
	if (!v6) {
		FUZZ_CHECK(q[9] != 1, "ICMP error about an ICMP packet (RFC 1122 3.2.2)");
		FUZZ_CHECK(ip[0] == 0x45 && fuzz_rd16(ip + 2) == hdrs + quote, "frag-needed IPv4 header");
		FUZZ_CHECK(fuzz_rd16(ip + 6) == 0 && ip[8] != 0 && ip[9] == 1,
			   "frag-needed: fragment field 0, TTL > 0, protocol 1");
		FUZZ_CHECK(fuzz_csum_ok(ip, 20), "frag-needed IPv4 header checksum");
		FUZZ_CHECK(memcmp(ip + 12, q + 16, 4) == 0 && memcmp(ip + 16, q + 12, 4) == 0,
			   "frag-needed from the client's destination to the client");
		FUZZ_CHECK(icmp[0] == 3 && icmp[1] == 4 && icmp[4] == 0 && icmp[5] == 0,
			   "frag-needed type 3 code 4, unused 0");
		FUZZ_CHECK(fuzz_csum_ok(icmp, 8 + quote), "frag-needed ICMP checksum");
		mtu = fuzz_rd16(icmp + 6);
	} else {
		FUZZ_CHECK(fuzz_rd32(ip) == 6u << 28 && fuzz_rd16(ip + 4) == 8 + quote && ip[6] == 58 &&
			   ip[7] != 0, "packet-too-big IPv6 header");
		FUZZ_CHECK(memcmp(ip + 8, q + 24, 16) == 0 && memcmp(ip + 24, q + 8, 16) == 0,
			   "packet too big from the client's destination to the client");
		FUZZ_CHECK(icmp[0] == 2 && icmp[1] == 0, "packet too big type 2 code 0");
		FUZZ_CHECK(fuzz_l4_csum_ok(ip + 8, ip + 24, 16, 58, icmp, 8 + quote),
			   "packet too big checksum");
		mtu = fuzz_rd32(icmp + 4);
	}
	FUZZ_CHECK(memcmp(icmp + 8, q, quote) == 0, "the quote is not the client's packet");
	check_reply_l2(req, out, l3, req + 6, port_mac);
	return mtu;
}

void
fuzz_check_reply(int kind, const uint8_t *req, size_t req_len, const uint8_t *out,
		 size_t out_len, const uint8_t port_mac[6], uint32_t *mtu)
{
	struct tlb_pkt p;
	enum tlb_verdict v;
	uint32_t m;
	uint16_t t;
	size_t l3;

	FUZZ_CHECK(l2_walk(req, req_len, &l3, &t) == 0 && out_len >= l3, "reply to a frame "
		   "without L2 (%zu bytes)", out_len);
	switch (kind) {
	case TLB_REPLY_ARP:
		FUZZ_CHECK(t == ETYPE_ARP, "ARP reply to EtherType 0x%04x", t);
		check_arp(req, req_len, out, out_len, l3, port_mac);
		break;
	case TLB_REPLY_ECHO:
		FUZZ_CHECK(t == ETYPE_IPV4, "echo reply to EtherType 0x%04x", t);
		check_echo4(req, req_len, out, out_len, l3, port_mac);
		break;
	case TLB_REPLY_ECHO6:
		FUZZ_CHECK(t == ETYPE_IPV6, "echo6 reply to EtherType 0x%04x", t);
		check_echo6(req, req_len, out, out_len, l3, port_mac);
		break;
	case TLB_REPLY_ND:
		FUZZ_CHECK(t == ETYPE_IPV6, "NA to EtherType 0x%04x", t);
		check_na(req, req_len, out, out_len, l3, port_mac);
		break;
	case TLB_REPLY_FRAG_NEEDED:
	case TLB_REPLY_PTB:
		FUZZ_CHECK(t == (kind == TLB_REPLY_PTB ? ETYPE_IPV6 : ETYPE_IPV4),
			   "too-big answer of kind %d to EtherType 0x%04x", kind, t);
		m = check_too_big(req, req_len, out, out_len, l3, kind == TLB_REPLY_PTB, port_mac);
		if (mtu != NULL)
			*mtu = m;
		break;
	default:
		FUZZ_CHECK(0, "unknown reply kind %d", kind);
	}
	/* The project's parser must read its own answer back (a copy of exactly out_len bytes). */
	{
		uint8_t *cp = malloc(out_len ? out_len : 1);

		FUZZ_CHECK(cp != NULL, "out of memory");
		memcpy(cp, out, out_len);
		v = tlb_parse(cp, (uint32_t)out_len, (uint32_t)out_len, &p);
		free(cp);
	}
	FUZZ_CHECK(v == TLB_V_OK, "reply does not re-parse: %s", tlb_verdict_name(v));
	FUZZ_CHECK(kind == TLB_REPLY_ARP || (p.flags & TLB_PKT_F_L4), "reply has no L4 header");
}
