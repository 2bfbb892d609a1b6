/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * tlb_parse() unit tests. The rows live in parse_vectors.h, written by
 * gen_parse_vectors.py with scapy: each frame carries the scapy expression that
 * built it and the behaviour it pins down. Groups, one cmocka test per row:
 *   vectors       the whole frame: the verdict and, for rows that parse, every
 *                 field of struct tlb_pkt;
 *   truncation    the frame cut at every byte k < len (avail = frame_len = k)
 *                 is never TLB_V_OK, and TRUNCATED for rows that parse;
 *   multiseg      frame_len whole, avail = 0 .. len: MULTISEG while a header
 *                 lies past avail, then the full result (payload past avail is
 *                 fine); rows that do not parse: MULTISEG or their own verdict;
 *   odd_alignment the frame at an odd address: the same result.
 * Every parse reads from a heap buffer of exactly avail bytes, so ASan and
 * valgrind report any read past avail. Hand-made frames (lengths that need
 * frame_len > 65535) are in the "limits" group.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlb_common.h"
#include "tlb_parse.h"
#include "parse_vectors.h"

static const char *const verdict_names[TLB_V_MAX] = {
	[TLB_V_OK] = "ok",
#define TEST_X_NAME(e, s) [TLB_V_##e] = #s,
	TLB_DROP_REASONS(TEST_X_NAME)
#undef TEST_X_NAME
};

static const char *
vname(enum tlb_verdict v)
{
	return (unsigned int)v < TLB_V_MAX ? verdict_names[v] : "?";
}

/*
 * Parse the first avail bytes of frame, copied to offset `shift` of a heap
 * buffer that ends exactly after them; frame_len is the length announced.
 * *p is filled with garbage first so that stale fields would show.
 */
static enum tlb_verdict
parse_copy(const uint8_t *frame, uint32_t avail, uint32_t frame_len, size_t shift,
	   struct tlb_pkt *p)
{
	enum tlb_verdict v;
	uint8_t *buf;

	buf = malloc(shift + avail);
	assert_non_null(buf);
	if (avail != 0)
		memcpy(buf + shift, frame, avail);
	memset(p, 0xa5, sizeof(*p));
	v = tlb_parse(buf + shift, avail, frame_len, p);
	free(buf);
	return v;
}

#define CHECK_FIELD(ctx, got, want, f) do {					\
	if ((got)->f != (want)->f)						\
		fail_msg("%s: " #f " = %lld, want %lld", (ctx),			\
			 (long long)(got)->f, (long long)(want)->f);		\
} while (0)

static void
check_addr(const char *ctx, const char *what, const struct tlb_addr *got,
	   const struct tlb_addr *want)
{
	if (got->family != want->family || memcmp(got->a, want->a, sizeof(got->a)) != 0)
		fail_msg("%s: %s address differs (family %u, want %u)", ctx, what,
			 got->family, want->family);
}

/* Every field of struct tlb_pkt. */
static void
check_pkt(const char *ctx, const struct tlb_pkt *got, const struct tlb_pkt *want)
{
	CHECK_FIELD(ctx, got, want, l3_off);
	CHECK_FIELD(ctx, got, want, l4_off);
	CHECK_FIELD(ctx, got, want, ip_len);
	CHECK_FIELD(ctx, got, want, ethertype);
	CHECK_FIELD(ctx, got, want, kind);
	CHECK_FIELD(ctx, got, want, n_vlan);
	CHECK_FIELD(ctx, got, want, proto);
	CHECK_FIELD(ctx, got, want, flags);
	CHECK_FIELD(ctx, got, want, tos);
	CHECK_FIELD(ctx, got, want, ttl);
	CHECK_FIELD(ctx, got, want, icmp_type);
	CHECK_FIELD(ctx, got, want, icmp_code);
	CHECK_FIELD(ctx, got, want, tcp_flags);
	CHECK_FIELD(ctx, got, want, tcp_hlen);
	CHECK_FIELD(ctx, got, want, sport);
	CHECK_FIELD(ctx, got, want, dport);
	CHECK_FIELD(ctx, got, want, frag_id);
	check_addr(ctx, "source", &got->src, &want->src);
	check_addr(ctx, "destination", &got->dst, &want->dst);
}

static void
check_verdict(const char *ctx, enum tlb_verdict got, enum tlb_verdict want)
{
	if (got != want)
		fail_msg("%s: verdict %s, want %s", ctx, vname(got), vname(want));
}

static const struct parse_vec *
row_of(void **state)
{
	return &parse_vecs[*(const size_t *)*state];
}

/* vectors: the whole frame, contiguous. */
static void
test_vector(void **state)
{
	const struct parse_vec *r = row_of(state);
	struct tlb_pkt p;

	check_verdict(r->name, parse_copy(r->frame, r->len, r->len, 0, &p), r->verdict);
	if (r->verdict == TLB_V_OK)
		check_pkt(r->name, &p, &r->pkt);
}

/* truncation: every shorter frame is dropped, without reading past its end. */
static void
test_truncation(void **state)
{
	const struct parse_vec *r = row_of(state);
	struct tlb_pkt p;
	uint32_t k;

	for (k = 0; k < r->len; k++) {
		enum tlb_verdict v = parse_copy(r->frame, k, k, 0, &p);

		if (v == TLB_V_OK)
			fail_msg("%s cut to %u bytes: parsed", r->name, k);
		if (r->verdict == TLB_V_OK && v != TLB_V_TRUNCATED)
			fail_msg("%s cut to %u bytes: %s, want truncated", r->name, k, vname(v));
	}
}

/* multiseg: the whole frame, first segment of avail bytes only. */
static void
test_multiseg(void **state)
{
	const struct parse_vec *r = row_of(state);
	struct tlb_pkt p;
	uint32_t avail;

	for (avail = 0; avail <= r->len; avail++) {
		enum tlb_verdict v = parse_copy(r->frame, avail, r->len, 0, &p);

		if (r->verdict != TLB_V_OK) {
			if (v != TLB_V_MULTISEG && v != r->verdict)
				fail_msg("%s, avail %u: %s, want multiseg_header or %s", r->name,
					 avail, vname(v), vname(r->verdict));
		} else if (avail < r->hdr_end) {
			if (v != TLB_V_MULTISEG)
				fail_msg("%s, avail %u < %u: %s, want multiseg_header", r->name,
					 avail, r->hdr_end, vname(v));
		} else {
			check_verdict(r->name, v, TLB_V_OK);
			check_pkt(r->name, &p, &r->pkt);
		}
	}
}

/* odd_alignment: the frame at an odd address gives the same result. */
static void
test_odd_alignment(void **state)
{
	const struct parse_vec *r = row_of(state);
	struct tlb_pkt even, odd;

	check_verdict(r->name, parse_copy(r->frame, r->len, r->len, 1, &odd),
		      parse_copy(r->frame, r->len, r->len, 0, &even));
	check_pkt(r->name, &odd, &even);
	if (r->verdict == TLB_V_OK)
		check_pkt(r->name, &odd, &r->pkt);
}

/*
 * limits: lengths at the edge of 16 bits. The parser reads only the headers,
 * so a short buffer stands for a long frame (frame_len > avail).
 */

/*
 * Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02")/IPv6(src="2001:db8::1",
 * dst="2001:db8:100::10", plen=PLEN, nh=17)/UDP(sport=40001, dport=53, len=PLEN),
 * then PLEN - 8 payload bytes not in the buffer.
 */
static void
fill_ipv6_udp(uint8_t *f, uint16_t plen)
{
	static const uint8_t hdr[62] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x40,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0x9c, 0x41, 0x00, 0x35, 0x00, 0x00, 0x00, 0x00,
	};

	memcpy(f, hdr, sizeof(hdr));
	f[18] = (uint8_t)(plen >> 8);	/* IPv6 payload length */
	f[19] = (uint8_t)plen;
	f[58] = (uint8_t)(plen >> 8);	/* UDP length */
	f[59] = (uint8_t)plen;
}

/* IPv6 payload length 65495: the packet is 65535 bytes, ip_len holds it. */
static void
test_ipv6_65535_bytes(void **state)
{
	uint8_t f[62];
	struct tlb_pkt p;

	(void)state;
	fill_ipv6_udp(f, 65535 - 40);
	check_verdict("ipv6_65535_bytes", parse_copy(f, sizeof(f), 14 + 65535, 0, &p), TLB_V_OK);
	assert_int_equal(p.ip_len, 65535);
	assert_int_equal(p.l4_off, 54);
	assert_int_equal(p.flags, TLB_PKT_F_L4);
}

/*
 * IPv6 payload length 65535: a 65575-byte packet does not fit ip_len, nor an
 * outer IPv4 or IPv6 packet: BAD_IP_HEADER, and TRUNCATED if the frame is short.
 */
static void
test_ipv6_over_65535_bytes(void **state)
{
	uint8_t f[62];
	struct tlb_pkt p;

	(void)state;
	fill_ipv6_udp(f, 65535);
	check_verdict("ipv6_65575_bytes", parse_copy(f, sizeof(f), 14 + 40 + 65535, 0, &p),
		      TLB_V_BAD_IP_HEADER);
	check_verdict("ipv6_65575_bytes_short", parse_copy(f, sizeof(f), 14 + 40 + 65534, 0, &p),
		      TLB_V_TRUNCATED);
}

/*
 * Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02")/IP(src="192.0.2.1",
 * dst="198.51.100.10", len=65535)/UDP(sport=40001, dport=53, len=65515), then
 * 65507 payload bytes not in the buffer (the checksums are not checked).
 */
static void
test_ipv4_65535_bytes(void **state)
{
	static const uint8_t f[42] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x08, 0x00, 0x45, 0x00, 0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
		0x9c, 0x41, 0x00, 0x35, 0xff, 0xeb, 0x00, 0x00,
	};
	struct tlb_pkt p;

	(void)state;
	check_verdict("ipv4_65535_bytes", parse_copy(f, sizeof(f), 14 + 65535, 0, &p), TLB_V_OK);
	assert_int_equal(p.ip_len, 65535);
	assert_int_equal(p.sport, 40001);
	check_verdict("ipv4_65535_bytes_short", parse_copy(f, sizeof(f), 14 + 65534, 0, &p),
		      TLB_V_TRUNCATED);
}

/* Which rows a group runs. */
static int
row_all(const struct parse_vec *r)
{
	(void)r;
	return 1;
}

/* Truncating padding leaves a valid frame: rows with padding are skipped. */
static int
row_unpadded(const struct parse_vec *r)
{
	return !r->padded;
}

static size_t row_index[TLB_DIM(parse_vecs)];

static int
run_rows(const char *group, CMUnitTestFunction fn, int (*want)(const struct parse_vec *))
{
	struct CMUnitTest *tests;
	size_t i, n = 0;
	int failed;

	tests = calloc(TLB_DIM(parse_vecs), sizeof(*tests));
	if (tests == NULL)
		return 1;
	for (i = 0; i < TLB_DIM(parse_vecs); i++) {
		if (!want(&parse_vecs[i]))
			continue;
		row_index[i] = i;
		tests[n].name = parse_vecs[i].name;
		tests[n].test_func = fn;
		tests[n].initial_state = &row_index[i];
		n++;
	}
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return failed;
}

int
main(void)
{
	static const struct CMUnitTest limits[] = {
		cmocka_unit_test(test_ipv4_65535_bytes),
		cmocka_unit_test(test_ipv6_65535_bytes),
		cmocka_unit_test(test_ipv6_over_65535_bytes),
	};
	int failed = 0;

	failed += run_rows("vectors", test_vector, row_all);
	failed += run_rows("truncation", test_truncation, row_unpadded);
	failed += run_rows("multiseg", test_multiseg, row_all);
	failed += run_rows("odd_alignment", test_odd_alignment, row_all);
	failed += cmocka_run_group_tests_name("limits", limits, NULL, NULL);
	return failed != 0;
}
