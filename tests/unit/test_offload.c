/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TX offload decision (lib/tlb_offload) against a reference NIC: the outer
 * headers of GUE and VXLAN packets, offloaded as a plain packet (flat layout)
 * where the port has IPV4_CKSUM / UDP_CKSUM and in software otherwise, must
 * give the same bytes on the wire under every NIC profile as with
 * 'tx_offloads: software'.
 *
 * The reference NIC below applies the mbuf's TX requests the way hardware
 * does (research/dpdk-offloads.md section 3): it refuses a request the port
 * did not configure or a tunnel/outer flag in a flat packet, cross-checks
 * l2_len / l3_len / l4_len against its own parse of the bytes, and computes
 * the checksums either "strict" (Intel, virtio: the fields are summed as
 * found, so the pre-fill must be right) or "scratch" (mlx5: recomputed from
 * nothing). Its ones'-complement code and the validator's are written here,
 * independent of DPDK's and of lib/. A negative test shows that a wrong
 * pre-fill and a wrong l2_len are caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "refnic.h"
#include "refsum.h"
#include "tlb_encap.h"
#include "tlb_offload.h"

/* ---------------------------------------------------------------- packets */

struct pkt {
	struct rte_mbuf m;
	uint8_t buf[2048];
};

/* An inner IPv4 or IPv6 packet of n bytes (TCP, UDP or ICMP), checksums as a client would. */
static uint32_t
inner_packet(uint8_t *b, int v6, uint8_t proto, uint32_t n)
{
	uint32_t hl = v6 ? 40 : 20, i;

	memset(b, 0, n);
	for (i = hl; i < n; i++)
		b[i] = (uint8_t)(i * 7 + proto);
	if (!v6) {
		b[0] = 0x45;
		refnic_wr16(b + 2, (uint16_t)n);
		b[8] = 64;
		b[9] = proto;
		memcpy(b + 12, "\xcb\x00\x71\x05\xc6\x33\x64\x0a", 8);
		refnic_wr16(b + 10, (uint16_t)~fold(sum16(b, 20, 0)));
	} else {
		b[0] = 0x60;
		refnic_wr16(b + 4, (uint16_t)(n - 40));
		b[6] = proto;
		b[7] = 64;
		memcpy(b + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
		memcpy(b + 24, "\x20\x01\x0d\xb8\x01\0\0\0\0\0\0\0\0\0\0\x10", 16);
	}
	if (proto == 17) {
		refnic_wr16(b + hl + 4, (uint16_t)(n - hl));
		refnic_wr16(b + hl + 6, 0);
	} else if (proto == 6) {
		b[hl + 12] = 0x50;
		refnic_wr16(b + hl + 16, 0);
	} else {
		refnic_wr16(b + hl + 2, 0);
	}
	if (proto != 1) {
		uint32_t ps = v6 ? sum16(b + 8, 32, proto + (n - hl)) : sum16(b + 12, 8, proto + (n - hl));
		uint16_t ck = (uint16_t)~fold(ps + sum16(b + hl, n - hl, 0));

		refnic_wr16(b + hl + (proto == 17 ? 6 : 16), ck ? ck : 0xffff);
	} else {
		refnic_wr16(b + hl + 2, (uint16_t)~fold(sum16(b + hl, n - hl, 0)));
	}
	return n;
}

/*
 * The encapsulated packet of inner[0..n) in p, as tlb_worker does, then
 * finished for caps; with lco, its inner TCP/UDP checksum is taken as
 * verified by the NIC on receive (the outer UDP checksum may come by LCO).
 */
static void
encap_lco(struct pkt *p, const struct tlb_encap_tmpl *t, const uint8_t *inner, uint32_t n,
	  const struct tlb_offload_caps *caps, int software_only, int lco)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct tlb_encap_pkt pk = { .hash = 0x12345678, .inner_len = (uint16_t)n, .ip_id = 7,
				    .tos = 0x2e };

	memset(&p->m, 0, sizeof(p->m));
	p->m.buf_addr = p->buf;
	p->m.buf_len = sizeof(p->buf);
	p->m.data_off = 128;
	p->m.nb_segs = 1;
	p->m.data_len = (uint16_t)(t->len + n);
	p->m.pkt_len = p->m.data_len;
	/* Stale TX requests (a recycled mbuf) must not survive; RX flags do no harm. */
	p->m.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_TX_TCP_SEG |
			RTE_MBUF_F_TX_TUNNEL_VXLAN | RTE_MBUF_F_TX_OUTER_IPV6;
	p->m.tx_offload = ~0ull;
	memcpy(p->buf + 128 + t->len, inner, n);
	tlb_encap_write(p->buf + 128, t, mac, &pk);
	{
		int v6 = inner[0] >> 4 == 6;
		uint8_t proto = v6 ? inner[6] : inner[9];
		uint32_t l4 = 0;

		if (lco && (proto == 6 || proto == 17)) {
			p->m.ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
			l4 = t->len + (v6 ? 40u : 20u);
		}
		tlb_offload_finish_encap(&p->m, t, caps, software_only, l4, proto);
	}
}

static void
encap(struct pkt *p, const struct tlb_encap_tmpl *t, const uint8_t *inner, uint32_t n,
      const struct tlb_offload_caps *caps, int software_only)
{
	encap_lco(p, t, inner, n, caps, software_only, 0);
}

static void
tmpl(struct tlb_encap_tmpl *t, enum tlb_encap_type e, uint8_t gue_variant, int outer6, int inner6,
     int udp_zero)
{
	struct tlb_encap_params ep = {
		.encap = e, .gue_variant = gue_variant, .inner_family = inner6 ? TLB_AF_INET6 :
		TLB_AF_INET, .dst_port = e == TLB_ENCAP_VXLAN ? 4789 : 6080, .vni = 100,
		.gateway_mac = { 0x02, 0, 0, 0, 0, 0xfe }, .backend_mac = { 0x02, 0, 0, 0, 1, 1 },
		.udp_csum_zero = (uint8_t)udp_zero,
	};

	tlb_addr_parse(outer6 ? "2001:db8::1" : "192.0.2.1", &ep.src);
	tlb_addr_parse(outer6 ? "2001:db8:be::11" : "203.0.113.11", &ep.dst);
	assert_int_equal(tlb_encap_tmpl_init(t, &ep), 0);
}

/* ---------------------------------------------------------------- tests */

/* What each mode configures and requests, by port capability. */
static void
test_caps(void **state)
{
	static const struct {
		const char *name;
		uint64_t capa;
		enum tlb_tx_offload_mode mode;
		uint64_t conf;
		int ip4, udp;
	} rows[] = {
		{ "auto, nothing offered", 0, TLB_TX_OFFLOAD_AUTO, 0, 0, 0 },
		{ "auto, IPv4 and UDP offered (tap-like)", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		  RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO, TLB_TX_OFFLOAD_AUTO,
		  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM, 1, 1 },
		{ "auto, UDP only (virtio-like)", RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
		  RTE_ETH_TX_OFFLOAD_TCP_CKSUM, TLB_TX_OFFLOAD_AUTO, RTE_ETH_TX_OFFLOAD_UDP_CKSUM, 0, 1 },
		{ "auto, tunnel offloads only: not used", RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM |
		  RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO,
		  TLB_TX_OFFLOAD_AUTO, 0, 0, 0 },
		{ "software: nothing, whatever is offered", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		  RTE_ETH_TX_OFFLOAD_UDP_CKSUM, TLB_TX_OFFLOAD_SOFTWARE, 0, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tlb_offload_caps c;
		char d[256];

		print_message("%s\n", rows[i].name);
		assert_int_equal(tlb_offload_caps_init(&c, rows[i].capa, rows[i].mode), rows[i].conf);
		assert_int_equal(c.tx_conf, rows[i].conf);
		assert_int_equal(c.hw_ip4, rows[i].ip4);
		assert_int_equal(c.hw_udp, rows[i].udp);
		assert_int_equal(c.software, rows[i].mode == TLB_TX_OFFLOAD_SOFTWARE);
		tlb_offload_caps_describe(&c, d, sizeof(d));
		assert_non_null(strstr(d, rows[i].udp ? "outer UDP checksum in hardware" :
				       "outer UDP checksum in software"));
	}
}

/*
 * The matrix: every profile x mode x {GUE 0, GUE 1, VXLAN} x outer {IPv4, IPv6}
 * x inner {IPv4, IPv6} x {TCP, UDP, ICMP} x {small, MTU-sized} x UDP policy:
 * through the reference NIC, the bytes equal the software-only packet's (its
 * outer UDP checksum summed over the whole packet; here, where the NIC has no
 * UDP_CKSUM, by LCO for TCP and UDP) and are valid; the NIC was asked for
 * exactly what the port offers.
 */
static void
test_matrix(void **state)
{
	static const struct { enum tlb_encap_type e; uint8_t v; const char *n; } encs[] = {
		{ TLB_ENCAP_GUE, 0, "GUE0" }, { TLB_ENCAP_GUE, 1, "GUE1" },
		{ TLB_ENCAP_VXLAN, 0, "VXLAN" },
	};
	static const uint8_t protos[] = { 6, 17, 1 };
	static const uint32_t sizes[] = { 60, 1400 };
	static struct pkt ref, got;
	uint8_t inner[1500];
	unsigned int pi, mode, e, o6, i6, pr, sz, zero, rows = 0, hw_ip_rows = 0, hw_udp_rows = 0;

	(void)state;
	for (pi = 0; pi < REFNIC_N_PROFILES; pi++)
	for (mode = 0; mode < 2; mode++)
	for (e = 0; e < 3; e++)
	for (o6 = 0; o6 < 2; o6++)
	for (i6 = 0; i6 < 2; i6++)
	for (pr = 0; pr < 3; pr++)
	for (sz = 0; sz < 2; sz++)
	for (zero = 0; zero < 2; zero++) {
		const struct refnic_profile *p = &refnic_profiles[pi];
		struct tlb_offload_caps sw, hw;
		struct tlb_encap_tmpl t;
		uint32_t n = inner_packet(inner, (int)i6, i6 && protos[pr] == 1 ? 58 : protos[pr],
					  sizes[sz]);
		char why[160];
		uint64_t conf;

		conf = tlb_offload_caps_init(&hw, p->capa, mode ? TLB_TX_OFFLOAD_SOFTWARE :
					     TLB_TX_OFFLOAD_AUTO);
		tlb_offload_caps_init(&sw, p->capa, TLB_TX_OFFLOAD_SOFTWARE);
		tmpl(&t, encs[e].e, encs[e].v, (int)o6, (int)i6, (int)zero);
		encap(&ref, &t, inner, n, &sw, 0);
		/* the inner checksum verified on receive: a software UDP checksum comes by LCO */
		encap_lco(&got, &t, inner, n, &hw, 0, 1);
		assert_int_equal(got.m.ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK &
				 ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_IP_CKSUM |
				   RTE_MBUF_F_TX_UDP_CKSUM), 0);
		assert_int_equal(got.m.outer_l2_len | got.m.outer_l3_len | got.m.tso_segsz, 0);
		/* exactly what the port offers is asked for */
		assert_int_equal(!!(got.m.ol_flags & RTE_MBUF_F_TX_IP_CKSUM),
				 !mode && !o6 && !!(p->capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM));
		assert_int_equal(!!(got.m.ol_flags & RTE_MBUF_F_TX_UDP_CKSUM),
				 !mode && !(zero && !o6) && !!(p->capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM));
		assert_int_equal(ref.m.ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0);
		hw_ip_rows += !!(got.m.ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
		hw_udp_rows += !!(got.m.ol_flags & RTE_MBUF_F_TX_UDP_CKSUM);
		if (refnic_tx(p, conf, &got.m, why, sizeof(why)) != 0 ||
		    refnic_tx(p, 0, &ref.m, why, sizeof(why)) != 0)
			fail_msg("%s %s %s outer %s inner %s proto %u %u B %s: NIC refused: %s", p->name,
				 mode ? "software" : "auto", encs[e].n, o6 ? "v6" : "v4",
				 i6 ? "v6" : "v4", protos[pr], n, zero ? "zero" : "full", why);
		if (got.m.data_len != ref.m.data_len ||
		    memcmp(rte_pktmbuf_mtod(&got.m, uint8_t *), rte_pktmbuf_mtod(&ref.m, uint8_t *),
			   got.m.data_len) != 0)
			fail_msg("%s %s %s outer %s inner %s proto %u %u B: bytes differ from software",
				 p->name, mode ? "software" : "auto", encs[e].n, o6 ? "v6" : "v4",
				 i6 ? "v6" : "v4", protos[pr], n);
		if (!refnic_valid(rte_pktmbuf_mtod(&got.m, uint8_t *), got.m.data_len, (int)zero, why,
			   sizeof(why)))
			fail_msg("%s %s %s outer %s: %s", p->name, mode ? "software" : "auto",
				 encs[e].n, o6 ? "v6" : "v4", why);
		/* the policy: zero over IPv4 only */
		assert_int_equal(refnic_rd16(rte_pktmbuf_mtod(&got.m, uint8_t *) + 14 + (o6 ? 40 : 20) + 6) == 0,
				 zero && !o6);
		rows++;
	}
	print_message("%u rows; %u with the IPv4 header checksum and %u with the UDP checksum "
		      "by the NIC\n", rows, hw_ip_rows, hw_udp_rows);
	assert_true(hw_ip_rows > 0 && hw_udp_rows > 0);
}

/* Outer fragments are cut in software: no request to the NIC even where it could. */
static void
test_fragment_software(void **state)
{
	static struct pkt got;
	struct tlb_offload_caps hw;
	struct tlb_encap_tmpl t;
	uint8_t inner[1500];
	char why[160];

	(void)state;
	tlb_offload_caps_init(&hw, refnic_profiles[3].capa, TLB_TX_OFFLOAD_AUTO);
	tmpl(&t, TLB_ENCAP_GUE, 0, 0, 0, 0);
	encap(&got, &t, inner, inner_packet(inner, 0, 6, 1400), &hw, 1);
	assert_int_equal(got.m.ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0);
	assert_true(refnic_valid(rte_pktmbuf_mtod(&got.m, uint8_t *), got.m.data_len, 0, why, sizeof(why)));
}

/* The proof can fail: a wrong pre-fill, a wrong l2_len, an unconfigured request. */
static void
test_reference_nic_catches(void **state)
{
	static struct pkt got;
	struct tlb_offload_caps hw;
	struct tlb_encap_tmpl t;
	uint8_t inner[1500], *f;
	uint32_t n = inner_packet(inner, 0, 6, 200);
	char why[160];
	uint64_t conf;

	(void)state;
	conf = tlb_offload_caps_init(&hw, refnic_profiles[3].capa, TLB_TX_OFFLOAD_AUTO);
	tmpl(&t, TLB_ENCAP_VXLAN, 0, 0, 0, 0);

	print_message("IPv4 header checksum not zeroed before IP_CKSUM: strict NIC writes garbage\n");
	encap(&got, &t, inner, n, &hw, 0);
	f = rte_pktmbuf_mtod(&got.m, uint8_t *);
	refnic_wr16(f + 14 + 10, 0x1234);
	assert_int_equal(refnic_tx(&refnic_profiles[3], conf, &got.m, why, sizeof(why)), 0);
	assert_false(refnic_valid(f, got.m.data_len, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "IPv4 header checksum"));

	print_message("UDP checksum not pre-filled with the pseudo-header: strict NIC is wrong, "
		      "mlx5-like is not (why both profiles run)\n");
	encap(&got, &t, inner, n, &hw, 0);
	f = rte_pktmbuf_mtod(&got.m, uint8_t *);
	refnic_wr16(f + 14 + 20 + 6, 0);
	assert_int_equal(refnic_tx(&refnic_profiles[3], conf, &got.m, why, sizeof(why)), 0);
	assert_false(refnic_valid(f, got.m.data_len, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "outer UDP checksum"));
	encap(&got, &t, inner, n, &hw, 0);
	f = rte_pktmbuf_mtod(&got.m, uint8_t *);
	refnic_wr16(f + 14 + 20 + 6, 0);
	assert_int_equal(refnic_tx(&refnic_profiles[4], conf, &got.m, why, sizeof(why)), 0);
	assert_true(refnic_valid(f, got.m.data_len, 0, why, sizeof(why)));

	print_message("l2_len 18 (as with a VLAN tag that is not there): refused\n");
	encap(&got, &t, inner, n, &hw, 0);
	got.m.l2_len = 18;
	assert_int_equal(refnic_tx(&refnic_profiles[3], conf, &got.m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "l2_len 18"));

	print_message("a request the port did not configure: refused\n");
	encap(&got, &t, inner, n, &hw, 0);
	assert_int_equal(refnic_tx(&refnic_profiles[3], 0, &got.m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not configured"));

	print_message("tunnel flags in a flat packet: refused\n");
	encap(&got, &t, inner, n, &hw, 0);
	got.m.ol_flags |= RTE_MBUF_F_TX_TUNNEL_VXLAN | RTE_MBUF_F_TX_OUTER_IPV4;
	assert_int_equal(refnic_tx(&refnic_profiles[3], conf, &got.m, why, sizeof(why)), -1);
}

/* LCO equals the whole-packet sum where it may be used, and why it needs the RX verdict. */
static void
test_lco(void **state)
{
	static struct pkt full, lco;
	struct tlb_offload_caps sw;
	struct tlb_encap_tmpl t;
	uint8_t inner[1500];
	char why[160];
	uint32_t n;

	(void)state;
	tlb_offload_caps_init(&sw, 0, TLB_TX_OFFLOAD_SOFTWARE);
	tmpl(&t, TLB_ENCAP_VXLAN, 0, 1, 0, 0);
	n = inner_packet(inner, 0, 6, 1400);
	encap_lco(&full, &t, inner, n, &sw, 0, 0);
	encap_lco(&lco, &t, inner, n, &sw, 0, 1);
	assert_memory_equal(rte_pktmbuf_mtod(&full.m, uint8_t *), rte_pktmbuf_mtod(&lco.m, uint8_t *),
			    full.m.data_len);
	print_message("a wrong inner TCP checksum the NIC called good: LCO's outer checksum is "
		      "wrong, so LCO is used only on the NIC's verdict\n");
	inner[20 + 16] ^= 0x55;
	encap_lco(&lco, &t, inner, n, &sw, 0, 1);
	assert_false(refnic_valid(rte_pktmbuf_mtod(&lco.m, uint8_t *), lco.m.data_len, 0, why, sizeof(why)));
	encap_lco(&full, &t, inner, n, &sw, 0, 0);
	assert_true(refnic_valid(rte_pktmbuf_mtod(&full.m, uint8_t *), full.m.data_len, 0, why, sizeof(why)));
}

/* When the worker may use LCO (tlb_offload_lco_l4) on a parsed client frame. */
static void
test_lco_eligible(void **state)
{
	static const struct {
		const char *name;
		int v6;
		uint8_t proto;
		uint64_t rx;		/* the NIC's RX verdict */
		int mod;		/* 1: UDP checksum 0, 2: IPv4 options, 3: fragment, 4: IPv6 ext */
		int want;
	} rows[] = {
		{ "IPv4 TCP, verified good", 0, 6, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, 1 },
		{ "IPv6 UDP, verified good", 1, 17, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, 1 },
		{ "not verified (UNKNOWN)", 0, 6, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, 0, 0 },
		{ "verified bad", 0, 6, RTE_MBUF_F_RX_L4_CKSUM_BAD, 0, 0 },
		{ "UDP without checksum (0)", 0, 17, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 1, 0 },
		{ "IPv4 options (a source route changes the pseudo-header)", 0, 6,
		  RTE_MBUF_F_RX_L4_CKSUM_GOOD, 2, 0 },
		{ "first fragment", 0, 17, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 3, 0 },
		{ "ICMP", 0, 1, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, 0 },
		{ "IPv6 with a hop-by-hop header", 1, 6, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 4, 0 },
	};
	struct tlb_encap_tmpl t;
	unsigned int i;

	(void)state;
	tmpl(&t, TLB_ENCAP_GUE, 0, 0, 0, 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		static struct pkt f;
		uint8_t *b = f.buf + 128, *ip = b + 14;
		uint32_t n = inner_packet(ip, rows[i].v6, rows[i].proto, 100), hl = rows[i].v6 ? 40 : 20;
		struct tlb_pkt p;

		print_message("%s\n", rows[i].name);
		memset(b, 0, 12);
		refnic_wr16(b + 12, rows[i].v6 ? 0x86dd : 0x0800);
		if (rows[i].mod == 1)
			refnic_wr16(ip + hl + 6, 0);
		if (rows[i].mod == 2) {		/* NOP options: IHL 6 */
			memmove(ip + 24, ip + 20, n - 20);
			memset(ip + 20, 1, 4);
			ip[0] = 0x46;
			n += 4;
			refnic_wr16(ip + 2, (uint16_t)n);
		}
		if (rows[i].mod == 3)
			refnic_wr16(ip + 6, 0x2000);	/* MF */
		if (rows[i].mod == 4) {		/* hop-by-hop, 8 bytes: next header, 0, PadN */
			memmove(ip + 48, ip + 40, n - 40);
			memset(ip + 40, 0, 8);
			ip[40] = ip[6];
			ip[42] = 1;
			ip[43] = 4;
			ip[6] = 0;
			n += 8;
			refnic_wr16(ip + 4, (uint16_t)(n - 40));
		}
		memset(&f.m, 0, sizeof(f.m));
		f.m.buf_addr = f.buf;
		f.m.data_off = 128;
		f.m.nb_segs = 1;
		f.m.data_len = (uint16_t)(14 + n);
		f.m.pkt_len = f.m.data_len;
		f.m.ol_flags = rows[i].rx;
		assert_int_equal(tlb_parse(b, f.m.data_len, f.m.pkt_len, &p), TLB_V_OK);
		assert_int_equal(tlb_offload_lco_l4(&f.m, &p, &t),
				 rows[i].want ? t.len + p.l4_off - p.l3_off : 0);
	}
}

/* Inner TCP checksum of the segment f (inner IP header at il3) valid. */
static int
inner_tcp_ok(const uint8_t *f, uint32_t len, uint32_t il3)
{
	int v4 = f[il3] >> 4 == 4;
	uint32_t hl = v4 ? 20 : 40, l4len = len - il3 - hl;
	uint32_t ps = v4 ? sum16(f + il3 + 12, 8, 6 + l4len) : sum16(f + il3 + 8, 32, 6 + l4len);

	return fold(sum16(f + il3 + hl, l4len, ps)) == 0xffff;
}

/*
 * Tunnel TSO requests through the reference NIC: valid segments under the
 * strict and the scratch profiles; a wrong TSO pre-fill (the length left in
 * the pseudo-header) and a wrong l2_len are caught.
 */
/* A packet rte_eth_tx_prepare() refuses is counted under its rte_errno. */
static void
test_tx_prepare_reasons(void **state)
{
	(void)state;
	assert_string_equal(tlb_verdict_name(tlb_verdict_tx_prepare(EINVAL)), "tx_prepare_einval");
	assert_string_equal(tlb_verdict_name(tlb_verdict_tx_prepare(ENOTSUP)), "tx_prepare_enotsup");
	assert_string_equal(tlb_verdict_name(tlb_verdict_tx_prepare(EPERM)), "tx_prepare");
	assert_string_equal(tlb_verdict_name(tlb_verdict_tx_prepare(0)), "tx_prepare");
}

static void
test_tso_reference_nic(void **state)
{
	static const struct { enum tlb_encap_type e; uint8_t v; int o6, i6; const char *n; } rows[] = {
		{ TLB_ENCAP_VXLAN, 0, 0, 0, "VXLAN, outer IPv4, inner IPv4" },
		{ TLB_ENCAP_GUE, 0, 1, 1, "GUE 0, outer IPv6, inner IPv6" },
		{ TLB_ENCAP_GUE, 1, 0, 1, "GUE 1, outer IPv4, inner IPv6" },
	};
	static uint8_t segs[64][REFNIC_FRAME_MAX];
	static uint32_t lens[64];
	static struct pkt got;
	struct tlb_offload_caps hw, none;
	uint8_t inner[1800];
	unsigned int r, pi;
	char why[200];
	uint64_t conf;
	int n, j;

	(void)state;
	tlb_offload_caps_init(&none, 0, TLB_TX_OFFLOAD_AUTO);
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
	for (pi = 3; pi < 5; pi++) {		/* intel-like (strict), mlx5-like (scratch) */
		struct tlb_encap_tmpl t;
		uint32_t il3, hl = rows[r].i6 ? 40 : 20;

		print_message("%s, %s\n", rows[r].n, refnic_profiles[pi].name);
		conf = tlb_offload_caps_init(&hw, refnic_profiles[pi].capa, TLB_TX_OFFLOAD_AUTO);
		tmpl(&t, rows[r].e, rows[r].v, rows[r].o6, rows[r].i6, 0);
		assert_true(tlb_offload_tso_ok(&hw, &t, !rows[r].i6));
		assert_false(tlb_offload_tso_ok(&none, &t, !rows[r].i6));
		il3 = t.len;
		encap(&got, &t, inner, inner_packet(inner, rows[r].i6, 6, 1800), &none, 0);
		tlb_offload_finish_tso(&got.m, &t, (uint16_t)hl, 20, 500);
		n = refnic_tso(&refnic_profiles[pi], conf, &got.m, segs, lens, 64, why, sizeof(why));
		if (n < 0)
			fail_msg("refused: %s", why);
		assert_int_equal(n, (1800 - hl - 20 + 499) / 500);
		for (j = 0; j < n; j++) {
			assert_true(refnic_valid(segs[j], lens[j], 0, why, sizeof(why)));
			assert_true(inner_tcp_ok(segs[j], lens[j], il3));
			assert_true(lens[j] - 14 <= 500 + (t.len - 14) + hl + 20);
		}
	}
	print_message("TSO pre-fill with the length in the pseudo-header: a strict NIC gets every "
		      "segment's TCP checksum wrong\n");
	{
		struct tlb_encap_tmpl t;
		uint8_t *tcp;
		uint32_t ps;

		conf = tlb_offload_caps_init(&hw, refnic_profiles[3].capa, TLB_TX_OFFLOAD_AUTO);
		tmpl(&t, TLB_ENCAP_VXLAN, 0, 0, 0, 0);
		encap(&got, &t, inner, inner_packet(inner, 0, 6, 1800), &none, 0);
		tlb_offload_finish_tso(&got.m, &t, 20, 20, 500);
		tcp = rte_pktmbuf_mtod(&got.m, uint8_t *) + t.len + 20;
		ps = fold(sum16(tcp - 20 + 12, 8, 6 + 1780));	/* with the length: wrong for TSO */
		refnic_wr16(tcp + 16, (uint16_t)ps);
		n = refnic_tso(&refnic_profiles[3], conf, &got.m, segs, lens, 64, why, sizeof(why));
		assert_true(n > 1);
		for (j = 0; j < n; j++)
			assert_false(inner_tcp_ok(segs[j], lens[j], t.len));
		print_message("l2_len 20 (neither VXLAN's 30 nor GUE's 8 / 12): refused\n");
		encap(&got, &t, inner, inner_packet(inner, 0, 6, 1800), &none, 0);
		tlb_offload_finish_tso(&got.m, &t, 20, 20, 500);
		got.m.l2_len = 20;
		assert_int_equal(refnic_tso(&refnic_profiles[3], conf, &got.m, segs, lens, 64, why,
					    sizeof(why)), -1);
		print_message("tunnel TSO on a port without it (tap-like): refused\n");
		encap(&got, &t, inner, inner_packet(inner, 0, 6, 1800), &none, 0);
		tlb_offload_finish_tso(&got.m, &t, 20, 20, 500);
		assert_int_equal(refnic_tso(&refnic_profiles[1], conf, &got.m, segs, lens, 64, why,
					    sizeof(why)), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_fragment_software),
		cmocka_unit_test(test_lco),
		cmocka_unit_test(test_lco_eligible),
		cmocka_unit_test(test_tso_reference_nic),
		cmocka_unit_test(test_tx_prepare_reasons),
		cmocka_unit_test(test_reference_nic_catches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
