/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation headers (lib/tlb_encap), field by field at the offsets the
 * RFCs give, for every encapsulation x outer family x inner family. Checksums
 * are tlb_offload's job and must be left 0 here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_encap.h"

static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t be_mac[6] = { 0x02, 0, 0, 0, 0xbe, 0x01 };
static const uint8_t port_mac[6] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 };

struct encap_row {
	const char *name;
	enum tlb_encap_type encap;
	uint8_t gue_variant;
	uint8_t inner_family;
	const char *src;		/* node address */
	const char *dst;		/* backend */
	uint16_t dst_port;
	uint32_t vni;
	uint32_t tun_len;		/* UDP payload bytes before the inner IP packet */
};

static const struct encap_row rows[] = {
	{ "gue0 inner4 outer4", TLB_ENCAP_GUE, 0, TLB_AF_INET, "192.0.2.1", "203.0.113.11", 6080, 0, 4 },
	{ "gue0 inner6 outer4", TLB_ENCAP_GUE, 0, TLB_AF_INET6, "192.0.2.1", "203.0.113.11", 6080, 0, 4 },
	{ "gue0 inner4 outer6", TLB_ENCAP_GUE, 0, TLB_AF_INET, "2001:db8::1", "2001:db8:200::11", 6080, 0, 4 },
	{ "gue1 inner4 outer4", TLB_ENCAP_GUE, 1, TLB_AF_INET, "192.0.2.1", "203.0.113.11", 6081, 0, 0 },
	{ "gue1 inner6 outer6", TLB_ENCAP_GUE, 1, TLB_AF_INET6, "2001:db8::1", "2001:db8:200::11", 6080, 0, 0 },
	{ "vxlan inner4 outer4", TLB_ENCAP_VXLAN, 0, TLB_AF_INET, "192.0.2.1", "203.0.113.21", 4789, 100, 22 },
	{ "vxlan inner6 outer4", TLB_ENCAP_VXLAN, 0, TLB_AF_INET6, "192.0.2.1", "203.0.113.21", 4789, 0xabcdef, 22 },
	{ "vxlan inner4 outer6", TLB_ENCAP_VXLAN, 0, TLB_AF_INET, "2001:db8::1", "2001:db8:200::21", 4790, 1, 22 },
	{ "vxlan inner6 outer6", TLB_ENCAP_VXLAN, 0, TLB_AF_INET6, "2001:db8::1", "2001:db8:200::21", 4789, 16777215, 22 },
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
check_row(const struct encap_row *r, uint32_t hash, uint8_t tos)
{
	struct tlb_encap_params ep = {
		.encap = r->encap, .gue_variant = r->gue_variant, .inner_family = r->inner_family,
		.dst_port = r->dst_port, .vni = r->vni,
	};
	struct tlb_encap_tmpl t;
	struct tlb_encap_pkt pk = { .hash = hash, .inner_len = 1000, .ip_id = 0x1234, .tos = tos };
	uint8_t buf[256];
	const uint8_t *ip, *udp, *tun;
	uint32_t l3_len, udp_len;
	uint16_t sport;

	assert_int_equal(tlb_addr_parse(r->src, &ep.src), 0);
	assert_int_equal(tlb_addr_parse(r->dst, &ep.dst), 0);
	memcpy(ep.gateway_mac, gw_mac, 6);
	memcpy(ep.backend_mac, be_mac, 6);
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), 0);
	memset(buf, 0xaa, sizeof(buf));
	tlb_encap_write(buf, &t, port_mac, &pk);

	l3_len = ep.dst.family == TLB_AF_INET ? 20 : 40;
	assert_int_equal(t.len, 14 + l3_len + 8 + r->tun_len);
	assert_int_equal(t.l3_len, l3_len);
	assert_int_equal(buf[t.len], 0xaa);		/* nothing written past the header */
	/* Ethernet (RFC 894): dst gateway, src port MAC, type */
	assert_memory_equal(buf, gw_mac, 6);
	assert_memory_equal(buf + 6, port_mac, 6);
	assert_int_equal(be16(buf + 12), ep.dst.family == TLB_AF_INET ? 0x0800 : 0x86dd);
	ip = buf + 14;
	udp = ip + l3_len;
	tun = udp + 8;
	udp_len = 8 + r->tun_len + 1000;
	if (ep.dst.family == TLB_AF_INET) {
		/* RFC 791 section 3.1 */
		assert_int_equal(ip[0], 0x45);			/* version 4, IHL 5 */
		assert_int_equal(ip[1], tos);			/* DSCP + ECN copied (RFC 6040 4.1) */
		assert_int_equal(be16(ip + 2), 20 + udp_len);	/* total length */
		assert_int_equal(be16(ip + 4), 0x1234);		/* identification */
		assert_int_equal(be16(ip + 6), 0x4000);		/* DF, offset 0 */
		assert_int_equal(ip[8], 64);			/* TTL */
		assert_int_equal(ip[9], 17);			/* UDP */
		assert_int_equal(be16(ip + 10), 0);		/* left to tlb_offload */
		assert_memory_equal(ip + 12, ep.src.a, 4);
		assert_memory_equal(ip + 16, ep.dst.a, 4);
	} else {
		uint32_t vtc = be32(ip);

		/* RFC 8200 section 3; flow label RFC 6438 */
		assert_int_equal(vtc >> 28, 6);
		assert_int_equal((vtc >> 20) & 0xff, tos);
		assert_int_equal(vtc & 0xfffff, tlb_hash_flow_label(hash));
		assert_int_not_equal(vtc & 0xfffff, 0);
		assert_int_equal(be16(ip + 4), udp_len);	/* payload length */
		assert_int_equal(ip[6], 17);			/* next header */
		assert_int_equal(ip[7], 64);			/* hop limit */
		assert_memory_equal(ip + 8, ep.src.a, 16);
		assert_memory_equal(ip + 24, ep.dst.a, 16);
	}
	/* RFC 768; source port 49152-65535 from the hash (RFC 7348 section 5) */
	sport = be16(udp);
	assert_true(sport >= 49152);
	assert_int_equal(sport, tlb_hash_sport(hash));
	assert_int_equal(be16(udp + 2), r->dst_port);
	assert_int_equal(be16(udp + 4), udp_len);
	assert_int_equal(be16(udp + 6), 0);
	if (r->encap == TLB_ENCAP_VXLAN) {
		/* RFC 7348 section 5: I flag, reserved zero, VNI, reserved zero */
		assert_int_equal(be32(tun), 0x08000000);
		assert_int_equal(be32(tun + 4), r->vni << 8);
		/* inner Ethernet: dst backend MAC, src port MAC, type of the inner IP */
		assert_memory_equal(tun + 8, be_mac, 6);
		assert_memory_equal(tun + 14, port_mac, 6);
		assert_int_equal(be16(tun + 20), r->inner_family == TLB_AF_INET ? 0x0800 : 0x86dd);
		assert_int_equal(t.inner_eth_off, tun + 8 - buf);
	} else if (r->gue_variant == 0) {
		/* draft-ietf-intarea-gue 3.1: ver 0, C 0, hlen 0, proto 4 / 41, flags 0 */
		assert_int_equal(tun[0], 0);
		assert_int_equal(tun[1], r->inner_family == TLB_AF_INET ? 4 : 41);
		assert_int_equal(be16(tun + 2), 0);
	}
}

static void
test_every_combination(void **state)
{
	static const uint8_t tos[] = { 0x00, 0xb8, 0x03, 0xb9, 0xfe };	/* incl. EF, CE */
	static const uint32_t hashes[] = { 0, 1, 0xffffffffu, 0x12345678u, 0x000fffffu };
	unsigned int i, j;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (j = 0; j < sizeof(tos); j++) {
			print_message("%s tos 0x%02x\n", rows[i].name, tos[j]);
			check_row(&rows[i], hashes[j], tos[j]);
		}
}

/* Same hash, same outer source port and flow label: every packet of a flow. */
static void
test_flow_fields_stable(void **state)
{
	uint32_t h;

	(void)state;
	for (h = 0; h < 100000; h += 7) {
		assert_int_equal(tlb_hash_sport(h), tlb_hash_sport(h));
		assert_true(tlb_hash_sport(h) >= 49152);
		assert_true(tlb_hash_flow_label(h) >= 1 && tlb_hash_flow_label(h) <= 0xfffff);
	}
}

/* Templates that cannot be right are refused. */
static void
test_rejects(void **state)
{
	struct tlb_encap_params ep = { .encap = TLB_ENCAP_VXLAN, .inner_family = TLB_AF_INET,
				       .dst_port = 4789, .vni = 1 };
	struct tlb_encap_tmpl t;

	(void)state;
	assert_int_equal(tlb_addr_parse("192.0.2.1", &ep.src), 0);
	assert_int_equal(tlb_addr_parse("2001:db8::11", &ep.dst), 0);
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), -22);	/* outer families differ */
	assert_int_equal(tlb_addr_parse("203.0.113.11", &ep.dst), 0);
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), 0);
	ep.vni = 1u << 24;
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), -22);	/* VNI is 24 bits */
	ep.vni = 1;
	ep.dst_port = 0;
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), -22);
	ep.dst_port = 4789;
	ep.inner_family = 0;
	assert_int_equal(tlb_encap_tmpl_init(&t, &ep), -22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_flow_fields_stable),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
