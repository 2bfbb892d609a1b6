/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure helpers of the no-blackhole work: ICMP too-big built in place
 * (lib/tlb_icmp), the token bucket, the ICMP quote parser (lib/tlb_parse)
 * and MSS clamping (lib/tlb_mss). Frames are assembled byte by byte below,
 * field by field as the RFCs lay them out; checksums are verified with this
 * file's own RFC 1071 loop, not the project's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "refsum.h"

#include "tlb_icmp.h"
#include "tlb_mss.h"
#include "tlb_parse.h"



/* Valid when the data (checksum field included) plus pseudo-header sums to 0xffff. */
static int
valid(const uint8_t *b, size_t len, uint32_t phdr)
{
	return fold(sum16(b, len, phdr)) == 0xffff;
}

static uint32_t
phdr(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto, uint32_t len)
{
	uint32_t s = sum16(src, alen, 0);

	s = sum16(dst, alen, s);
	return s + proto + (len >> 16) + (len & 0xffff);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Client 198.19.1.1 -> VIP 198.51.100.40, DF, TCP 40000 -> 80, total length tot. */
static size_t
mk_v4_tcp(uint8_t *f, uint16_t tot, const uint8_t *opts, size_t olen)
{
	static const uint8_t mac[12] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0, 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t ck;

	memset(f, 0, 14 + tot);
	memcpy(f, mac, 12);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);				/* DF */
	ip[8] = 61;
	ip[9] = 6;
	memcpy(ip + 12, (const uint8_t[]){ 198, 19, 1, 1 }, 4);
	memcpy(ip + 16, (const uint8_t[]){ 198, 51, 100, 40 }, 4);
	put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
	put16(tcp, 40000);
	put16(tcp + 2, 80);
	tcp[12] = (uint8_t)((20 + olen) / 4 << 4);
	tcp[13] = 0x02;					/* SYN */
	if (olen != 0)		/* memcpy from NULL is undefined even for 0 bytes */
		memcpy(tcp + 20, opts, olen);
	ck = (uint16_t)~fold(sum16(tcp, tot - 20u, phdr(ip + 12, ip + 16, 4, 6, tot - 20u)));
	put16(tcp + 16, ck);
	return 14 + tot;
}

/* RFC 1191 / 792: frag-needed from the VIP, quote 548 bytes, MTU in the low 16 bits. */
static void
test_frag_needed(void **state)
{
	uint8_t *buf = calloc(1, 64 + 1600), *f = buf + 64, *out, *ip, *icmp;
	const uint8_t mac[6] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0 };
	uint8_t orig[1500];
	struct tlb_pkt p;
	uint32_t start, len;

	(void)state;
	mk_v4_tcp(f, 1500, NULL, 0);
	memcpy(orig, f + 14, sizeof(orig));
	assert_int_equal(tlb_parse(f, 1514, 1514, &p), TLB_V_OK);
	len = tlb_icmp_too_big(f, &p, 1472, mac, 7, &start);
	assert_int_equal(start, 28);
	assert_int_equal(len, 14 + 576);
	out = f - start;
	ip = out + 14;
	icmp = ip + 20;
	assert_memory_equal(out, ((const uint8_t[]){ 2, 0, 0, 0, 0, 1 }), 6);	/* to the client */
	assert_memory_equal(out + 6, mac, 6);				/* from the port */
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[2] << 8 | ip[3], 576);
	assert_int_equal(ip[6] << 8 | ip[7], 0);			/* frag_off 0 (Katran#206) */
	assert_int_equal(ip[9], 1);
	assert_memory_equal(ip + 12, orig + 16, 4);			/* src = the VIP */
	assert_memory_equal(ip + 16, orig + 12, 4);			/* dst = the client */
	assert_true(valid(ip, 20, 0));
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 4);
	assert_int_equal(icmp[6] << 8 | icmp[7], 1472);
	assert_true(valid(icmp, 576 - 20, 0));
	assert_memory_equal(icmp + 8, orig, 548);			/* the quote */
	free(buf);
}

/* RFC 4443 3.2: IPv6 PTB quoting up to 1280 bytes in all, checksum with pseudo-header. */
static void
test_ptb(void **state)
{
	uint8_t *buf = calloc(1, 64 + 1600), *f = buf + 64, *ip, *icmp, *out;
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	struct tlb_pkt p;
	uint32_t start, len;

	(void)state;
	put16(f + 12, 0x86dd);
	ip = f + 14;
	ip[0] = 0x60;
	put16(ip + 4, 1460);
	ip[6] = 17;
	ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 1;	/* 2001:db8::1 */
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 0x40;
	put16(ip + 40, 5353);
	put16(ip + 42, 53);
	put16(ip + 44, 1460);
	put16(ip + 46, (uint16_t)~fold(sum16(ip + 40, 1460, phdr(ip + 8, ip + 24, 16, 17, 1460))));
	assert_int_equal(tlb_parse(f, 1514, 1514, &p), TLB_V_OK);
	len = tlb_icmp_too_big(f, &p, 1468, mac, 0, &start);
	assert_int_equal(start, 48);
	assert_int_equal(len, 14 + 1280);
	out = f - start;
	ip = out + 14;
	icmp = ip + 40;
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[4] << 8 | ip[5], 1240);
	assert_int_equal(ip[23], 0x40);					/* from the VIP ... */
	assert_int_equal(ip[39], 0x01);					/* ... to the client */
	assert_int_equal(icmp[0], 2);
	assert_int_equal((uint32_t)icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7], 1468);
	assert_true(valid(icmp, 1240, phdr(ip + 8, ip + 24, 16, 58, 1240)));
	free(buf);
}

/* Token bucket: burst 3, then one per 100 time units (rate 10 at hz 1000). */
static void
test_bucket(void **state)
{
	struct tlb_icmp_bucket b;

	(void)state;
	tlb_icmp_bucket_init(&b, 10, 3, 1000);
	assert_true(tlb_icmp_bucket_take(&b, 1));
	assert_true(tlb_icmp_bucket_take(&b, 1));
	assert_true(tlb_icmp_bucket_take(&b, 1));
	assert_false(tlb_icmp_bucket_take(&b, 2));
	assert_false(tlb_icmp_bucket_take(&b, 90));
	assert_true(tlb_icmp_bucket_take(&b, 102));
	assert_false(tlb_icmp_bucket_take(&b, 103));
	assert_true(tlb_icmp_bucket_take(&b, 100000));			/* refill caps at burst */
	assert_true(tlb_icmp_bucket_take(&b, 100000));
	assert_true(tlb_icmp_bucket_take(&b, 100000));
	assert_false(tlb_icmp_bucket_take(&b, 100000));
	tlb_icmp_bucket_init(&b, 0, 3, 1000);				/* rate 0: never */
	assert_false(tlb_icmp_bucket_take(&b, 5));
}

/* An ICMP frag-needed to the VIP quoting the backend's reply: quote parsed, garbage refused. */
static void
test_quote(void **state)
{
	uint8_t f[14 + 20 + 8 + 28] = { 0 }, *ip = f + 14, *icmp = ip + 20, *q = icmp + 8;
	struct tlb_pkt p, r;

	(void)state;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 8 + 28);
	ip[9] = 1;
	memcpy(ip + 16, (const uint8_t[]){ 198, 51, 100, 40 }, 4);
	icmp[0] = 3;
	icmp[1] = 4;
	q[0] = 0x45;							/* quoted: VIP:80 -> client:40000 */
	put16(q + 2, 40);
	q[9] = 6;
	memcpy(q + 12, (const uint8_t[]){ 198, 51, 100, 40 }, 4);
	memcpy(q + 16, (const uint8_t[]){ 198, 19, 1, 1 }, 4);
	put16(q + 20, 80);
	put16(q + 22, 40000);
	assert_int_equal(tlb_parse(f, sizeof(f), sizeof(f), &p), TLB_V_OK);
	assert_true(tlb_icmp_is_steerable_error(&p));
	assert_int_equal(tlb_parse_icmp_quote(f, sizeof(f), &p, &r), TLB_V_OK);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.sport, 80);
	assert_int_equal(r.dport, 40000);
	assert_int_equal(r.src.a[3], 40);
	assert_int_equal(r.dst.a[3], 1);
	q[9] = 1;							/* quoted ICMP: not ours */
	assert_int_equal(tlb_parse_icmp_quote(f, sizeof(f), &p, &r), TLB_V_BAD_ICMP_QUOTE);
	q[9] = 6;
	q[0] = 0x4f;							/* IHL 15 past the quote */
	assert_int_equal(tlb_parse_icmp_quote(f, sizeof(f), &p, &r), TLB_V_BAD_ICMP_QUOTE);
	q[0] = 0x45;
	assert_int_equal(tlb_parse_icmp_quote(f, sizeof(f) - 1, &p, &r), TLB_V_BAD_ICMP_QUOTE);
	icmp[0] = 8;							/* echo: not an error */
	assert_int_equal(tlb_parse(f, sizeof(f), sizeof(f), &p), TLB_V_OK);
	assert_false(tlb_icmp_is_steerable_error(&p));
}

/* MSS clamp: lowered with a valid checksum even at an odd offset; never raised. */
static void
test_mss(void **state)
{
	static const struct {
		const char *name;
		uint8_t opts[12];
		size_t olen;
		uint16_t clamp;
		int rc;
		int mss_at;		/* offset of the MSS value in the TCP header, or 0 */
		uint16_t want;
		int mss2_at;		/* offset of a second MSS value, or 0 */
		uint16_t want2;
	} rows[] = {
		{ "MSS 1460 first", { 2, 4, 0x05, 0xb4 }, 4, 1400, 1, 22, 1400, 0, 0 },
		{ "NOP then MSS: value at an odd offset", { 1, 2, 4, 0x05, 0xb4, 0, 0, 0 }, 8, 1380, 1, 23, 1380, 0, 0 },
		{ "MSS below the clamp: left", { 2, 4, 0x03, 0xe8 }, 4, 1400, 0, 22, 1000, 0, 0 },
		{ "no MSS option", { 1, 1, 1, 0 }, 4, 1400, 0, 0, 0, 0, 0 },
		{ "option length 0: malformed, left", { 3, 0, 0, 0 }, 4, 1400, -1, 0, 0, 0, 0 },
		{ "MSS of length 3: malformed", { 2, 3, 5, 0 }, 4, 1400, -1, 0, 0, 0, 0 },
		{ "two MSS options: both lowered (Linux honours the last)",
		  { 2, 4, 0x05, 0xb4, 1, 2, 4, 0x05, 0xb4, 0, 0, 0 }, 12, 1300, 1, 22, 1300, 27, 1300 },
		{ "second MSS only above the clamp: only it lowered",
		  { 2, 4, 0x03, 0xe8, 2, 4, 0x05, 0xb4 }, 8, 1300, 1, 22, 1000, 26, 1300 },
		{ "MSS then a malformed option: nothing touched",
		  { 2, 4, 0x05, 0xb4, 8, 9, 0, 0 }, 8, 1300, -1, 22, 1460, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t f[14 + 60];
		uint8_t *ip = f + 14, *tcp = ip + 20;
		uint16_t tot = (uint16_t)(40 + rows[i].olen);

		print_message("%s\n", rows[i].name);
		mk_v4_tcp(f, tot, rows[i].opts, rows[i].olen);
		assert_int_equal(tlb_mss_clamp(tcp, 20 + (uint32_t)rows[i].olen, rows[i].clamp), rows[i].rc);
		if (rows[i].mss_at)
			assert_int_equal(tcp[rows[i].mss_at] << 8 | tcp[rows[i].mss_at + 1], rows[i].want);
		if (rows[i].mss2_at)
			assert_int_equal(tcp[rows[i].mss2_at] << 8 | tcp[rows[i].mss2_at + 1], rows[i].want2);
		assert_true(valid(tcp, tot - 20u, phdr(ip + 12, ip + 16, 4, 6, tot - 20u)));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frag_needed),
		cmocka_unit_test(test_ptb),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_mss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
