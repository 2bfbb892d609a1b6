/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software TCP segmentation (lib/tlb_tso) against Linux GSO semantics: per
 * segment the headers copied, lengths and checksums right, sequence numbers
 * continuous, FIN/PSH only on the last and CWR only on the first segment,
 * IPv4 identification incrementing, the payloads concatenating to the
 * original. Checked with the tests' own checksum code (refsum.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "refsum.h"
#include "tlb_tso.h"

static uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
rd32(const uint8_t *b)
{
	return (uint32_t)rd16(b) << 16 | rd16(b + 2);
}

static void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* An IPv4 or IPv6 TCP packet with topt bytes of options and pay payload bytes. */
static uint32_t
build(uint8_t *b, int v6, uint32_t topt, uint32_t pay, uint8_t flags)
{
	uint32_t hl = v6 ? 40 : 20, thl = 20 + topt, n = hl + thl + pay, i;

	memset(b, 0, hl + thl);
	if (!v6) {
		b[0] = 0x45;
		wr16(b + 2, (uint16_t)n);
		wr16(b + 4, 0xfffe);		/* the ID wraps during segmentation */
		wr16(b + 6, 0x4000);
		b[8] = 64;
		b[9] = 6;
		memcpy(b + 12, "\xcb\x00\x71\x05\xc6\x33\x64\x0a", 8);
	} else {
		b[0] = 0x60;
		wr16(b + 4, (uint16_t)(n - 40));
		b[6] = 6;
		b[7] = 64;
		memcpy(b + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
		memcpy(b + 24, "\x20\x01\x0d\xb8\x01\0\0\0\0\0\0\0\0\0\0\x10", 16);
	}
	wr16(b + hl, 40000);
	wr16(b + hl + 2, 80);
	memcpy(b + hl + 4, "\xff\xff\xf0\x00", 4);	/* the sequence number wraps too */
	b[hl + 12] = (uint8_t)((thl / 4) << 4);
	b[hl + 13] = flags;
	wr16(b + hl + 14, 512);
	for (i = 0; i < topt; i++)
		b[hl + 20 + i] = 1;			/* NOP */
	for (i = 0; i < pay; i++)
		b[hl + thl + i] = (uint8_t)(i * 13 + i / 251);
	return n;
}

static void
test_segments(void **state)
{
	static const struct {
		const char *name;
		int v6;
		uint32_t topt, pay, mss;
		uint8_t flags;
	} rows[] = {
		{ "IPv4, 10000 bytes, MSS 1400, FIN|PSH|CWR|ACK", 0, 0, 10000, 1400, 0x99 },
		{ "IPv6, 10000 bytes with 12 option bytes, MSS 1388", 1, 12, 10000, 1388, 0x99 },
		{ "IPv4, exactly 3 x MSS", 0, 0, 3 * 1000, 1000, 0x18 },
		{ "IPv4, 3 x MSS + 1", 0, 0, 3 * 1000 + 1, 1000, 0x18 },
		{ "IPv6, payload below one MSS: one segment, flags kept", 1, 0, 500, 1000, 0x99 },
		{ "IPv4, no payload", 0, 0, 0, 1000, 0x11 },
		{ "IPv4, 64 segments of 1", 0, 0, 64, 1, 0x10 },
	};
	unsigned int r;

	(void)state;
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		static uint8_t pkt[70000], seg[70000], joined[70000];
		uint32_t n = build(pkt, rows[r].v6, rows[r].topt, rows[r].pay, rows[r].flags);
		uint32_t hl = rows[r].v6 ? 40 : 20, thl = 20 + rows[r].topt, i, got = 0;
		struct tlb_tso s;

		print_message("%s\n", rows[r].name);
		assert_int_equal(tlb_tso_plan(&s, pkt, n, rows[r].mss), 0);
		assert_int_equal(s.hdr_len, hl + thl);
		assert_int_equal(s.n, rows[r].pay == 0 ? 1 : (rows[r].pay + rows[r].mss - 1) / rows[r].mss);
		for (i = 0; i < s.n; i++) {
			uint32_t pay = tlb_tso_seg_payload(&s, i), len = s.hdr_len + pay;
			uint8_t *t = seg + hl, want_fl = rows[r].flags;
			uint32_t ps;

			memcpy(seg, pkt, s.hdr_len);
			memcpy(seg + s.hdr_len, pkt + s.hdr_len + i * rows[r].mss, pay);
			tlb_tso_fix(&s, seg, i);
			assert_true(pay <= rows[r].mss);
			if (!rows[r].v6) {
				assert_int_equal(rd16(seg + 2), len);
				assert_int_equal(rd16(seg + 4), (uint16_t)(0xfffe + i));
				assert_int_equal(fold(sum16(seg, 20, 0)), 0xffff);
				assert_int_equal(rd16(seg + 6), 0x4000);
				ps = sum16(seg + 12, 8, 6 + (len - hl));
			} else {
				assert_int_equal(rd16(seg + 4), len - 40);
				ps = sum16(seg + 8, 32, 6 + (len - hl));
			}
			assert_int_equal(fold(sum16(t, len - hl, ps)), 0xffff);	/* TCP checksum */
			assert_int_equal(rd32(t + 4), 0xfffff000u + i * rows[r].mss);
			if (i + 1 != s.n)
				want_fl &= (uint8_t)~0x09;	/* FIN, PSH: the last only */
			if (i != 0)
				want_fl &= (uint8_t)~0x80;	/* CWR: the first only */
			assert_int_equal(t[13], want_fl);
			assert_memory_equal(t + 20, pkt + hl + 20, rows[r].topt);	/* options */
			assert_int_equal(rd16(t), 40000);
			assert_int_equal(rd16(t + 14), 512);
			memcpy(joined + got, seg + s.hdr_len, pay);
			got += pay;
		}
		assert_int_equal(got, rows[r].pay);
		assert_memory_equal(joined, pkt + s.hdr_len, got);
	}
}

static void
test_refused(void **state)
{
	static uint8_t pkt[70000];
	struct tlb_tso s;
	uint32_t n;

	(void)state;
	n = build(pkt, 0, 0, 1000, 0x10);
	print_message("MSS 0, wrong total length\n");
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 0), -EINVAL);
	assert_int_equal(tlb_tso_plan(&s, pkt, n - 1, 100), -EINVAL);
	print_message("a fragment (MF)\n");
	wr16(pkt + 6, 0x2000);
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 100), -EINVAL);
	wr16(pkt + 6, 0x4000);
	print_message("UDP, IPv4 options\n");
	pkt[9] = 17;
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 100), -EINVAL);
	pkt[9] = 6;
	pkt[0] = 0x46;
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 100), -EINVAL);
	pkt[0] = 0x45;
	print_message("TCP data offset below 5, above the packet\n");
	pkt[20 + 12] = 0x40;
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 100), -EINVAL);
	pkt[20 + 12] = 0x50;
	print_message("more than TLB_TSO_MAX_SEGS segments\n");
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 10), -E2BIG);
	print_message("IPv6 with a hop-by-hop header (next header 0)\n");
	n = build(pkt, 1, 0, 1000, 0x10);
	pkt[6] = 0;
	assert_int_equal(tlb_tso_plan(&s, pkt, n, 100), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
