/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GRO (lib/tlb_gro around DPDK's rte_gro, lightweight mode, which needs no
 * EAL): which received segments may be merged, and what a merged packet looks
 * like: IPv4 header and TCP checksums right (checked with the tests' own
 * refsum.h, not lib/), payloads concatenated in sequence order, the largest
 * part's payload as segment size, flagged as a TSO request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_gro.h>

#include "refsum.h"
#include "tlb_gro.h"
#include "tlb_parse.h"

#define DYNOFF ((int)offsetof(struct rte_mbuf, dynfield1))
#define HEADROOM 128
#define MAX_PARTS 32

struct seg {
	struct rte_mbuf m;
	uint8_t buf[HEADROOM + 2048];
	struct tlb_pkt p;
};

static struct seg segs[MAX_PARTS];

static void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Options of a segment: what the test varies about it. */
struct opt {
	uint32_t seq;		/* relative to 1000000 */
	uint32_t pay;
	uint8_t flags;		/* TCP flags; 0 = ACK */
	uint8_t tos;
	uint8_t ihl_opts;	/* 1: a 4-byte IPv4 option (NOP x4) */
	uint8_t no_df;
	uint16_t ip_id;
	int bad_tcp, bad_ip;	/* checksum wrong by one */
	uint64_t rx;		/* RX checksum verdict flags */
	uint32_t pad;		/* Ethernet padding after the IP packet */
};

/* Segment i: Ethernet + IPv4 + TCP (12 bytes of timestamp option) + payload. */
static struct seg *
mk(int i, const struct opt *o)
{
	struct seg *s = &segs[i];
	uint8_t *f = s->buf + HEADROOM, *ip = f + 14, *tcp;
	uint32_t ihl = o->ihl_opts ? 24 : 20, thl = 32, n = ihl + thl + o->pay, k;
	uint32_t sum;

	memset(s, 0, sizeof(*s));
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x64\x08\x00", 14);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = o->tos;
	wr16(ip + 2, (uint16_t)n);
	wr16(ip + 4, o->ip_id);
	wr16(ip + 6, o->no_df ? 0 : 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\xc6\x12\x00\x01\xc6\x33\x64\x0a", 8);	/* 198.18.0.1 -> 198.51.100.10 */
	if (o->ihl_opts)
		memset(ip + 20, 1, 4);
	wr16(ip + 10, (uint16_t)(~fold(sum16(ip, ihl, 0)) + o->bad_ip));
	tcp = ip + ihl;
	wr16(tcp, 40000);
	wr16(tcp + 2, 80);
	wr16(tcp + 4, (uint16_t)((1000000 + o->seq) >> 16));
	wr16(tcp + 6, (uint16_t)(1000000 + o->seq));
	wr16(tcp + 8, 0x1234);
	wr16(tcp + 10, 0x5678);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = o->flags ? o->flags : 0x10;
	wr16(tcp + 14, 502);
	memcpy(tcp + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09", 12);
	for (k = 0; k < o->pay; k++)		/* the stream's byte at its sequence number */
		tcp[thl + k] = (uint8_t)((o->seq + k) * 7 + 3);
	sum = sum16(ip + 12, 8, 6 + (n - ihl));
	sum = sum16(tcp, n - ihl, sum);
	wr16(tcp + 16, (uint16_t)(~fold(sum) + o->bad_tcp));
	memset(ip + n, 0, o->pad);
	s->m.buf_addr = s->buf;
	s->m.buf_len = sizeof(s->buf);
	s->m.data_off = HEADROOM;
	s->m.data_len = (uint16_t)(14 + n + o->pad);
	s->m.pkt_len = s->m.data_len;
	s->m.nb_segs = 1;
	rte_mbuf_refcnt_set(&s->m, 1);
	s->m.ol_flags = o->rx;
	assert_int_equal(tlb_parse(f, s->m.data_len, s->m.pkt_len, &s->p), TLB_V_OK);
	return s;
}

static int
part(int i, const struct opt *o)
{
	struct seg *s = mk(i, o);

	return tlb_gro_part(&s->m, &s->p, DYNOFF, (uint16_t)i);
}

/* One row per reason a segment may or may not be merged. */
static void
test_part_rows(void **state)
{
	static const struct {
		const char *what;
		struct opt o;
		int want;
	} rows[] = {
		{ "plain ACK segment, no RX verdict: summed here", { .pay = 100 }, 1 },
		{ "odd payload", { .pay = 1 }, 1 },
		{ "RX verdicts good", { .pay = 100, .rx = RTE_MBUF_F_RX_L4_CKSUM_GOOD |
			RTE_MBUF_F_RX_IP_CKSUM_GOOD }, 1 },
		{ "ECT(0) is fine", { .pay = 100, .tos = 0x02 }, 1 },
		{ "padded frame", { .pay = 2, .pad = 6 }, 1 },
		{ "no payload (pure ACK)", { .pay = 0 }, 0 },
		{ "PSH", { .pay = 100, .flags = 0x18 }, 0 },
		{ "FIN", { .pay = 100, .flags = 0x11 }, 0 },
		{ "SYN", { .pay = 100, .flags = 0x12 }, 0 },
		{ "RST", { .pay = 100, .flags = 0x14 }, 0 },
		{ "URG", { .pay = 100, .flags = 0x30 }, 0 },
		{ "ECE", { .pay = 100, .flags = 0x50 }, 0 },
		{ "CWR", { .pay = 100, .flags = 0x90 }, 0 },
		{ "ECN CE mark (RFC 3168): never merged away", { .pay = 100, .tos = 0x03 }, 0 },
		{ "IPv4 options", { .pay = 100, .ihl_opts = 1 }, 0 },
		{ "TCP checksum wrong, no verdict", { .pay = 100, .bad_tcp = 1 }, 0 },
		{ "IPv4 header checksum wrong, no verdict", { .pay = 100, .bad_ip = 1 }, 0 },
		{ "RX verdict L4 bad", { .pay = 100, .rx = RTE_MBUF_F_RX_L4_CKSUM_BAD }, 0 },
		{ "RX verdict IP bad", { .pay = 100, .rx = RTE_MBUF_F_RX_IP_CKSUM_BAD }, 0 },
		{ "L4 verdict 'none' (partial checksum): summed here, and wrong", { .pay = 100,
			.bad_tcp = 1, .rx = RTE_MBUF_F_RX_L4_CKSUM_NONE }, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = part(0, &rows[i].o);

		if (got != rows[i].want)
			fail_msg("%s: tlb_gro_part %d, want %d", rows[i].what, got, rows[i].want);
		if (got) {
			const struct tlb_gro_part *pt = tlb_gro_part_of(&segs[0].m, DYNOFF);
			const uint8_t *pay = segs[0].buf + HEADROOM + 14 + 20 + 32;

			assert_int_equal(segs[0].m.l2_len, 14);
			assert_int_equal(segs[0].m.l3_len, 20);
			assert_int_equal(segs[0].m.l4_len, 32);
			assert_true(RTE_ETH_IS_IPV4_HDR(segs[0].m.packet_type));
			/* the payload's own sum, either way it was found (0 and 0xffff are one);
			 * stored as a raw word, as the bytes sit in the packet */
			uint16_t got16 = rd16((const uint8_t *)&pt->sum);

			if (fold(sum16(pay, rows[i].o.pay, 0)) % 0xffff != got16 % 0xffff)
				fail_msg("%s: payload sum %04x, want %04x", rows[i].what, got16,
					 fold(sum16(pay, rows[i].o.pay, 0)));
		}
	}
	/* Refused segments are left as they were. */
	mk(0, &(struct opt){ .pay = 100, .flags = 0x18 });
	segs[0].m.l2_len = 0;
	assert_int_equal(tlb_gro_part(&segs[0].m, &segs[0].p, DYNOFF, 0), 0);
	assert_int_equal(segs[0].m.l2_len, 0);
	assert_int_equal(segs[0].m.packet_type, 0);
}

/* The merged packet m, checked against the segments given in sequence order. */
static void
check_merged(struct rte_mbuf *m, const struct opt *o, int n)
{
	static uint8_t flat[70000];
	const uint8_t *ip, *tcp;
	uint32_t len = 0, most = 0, total_pay = 0, k, sum;
	const struct rte_mbuf *s;
	int i;

	for (s = m; s != NULL; s = s->next) {
		memcpy(flat + len, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		len += s->data_len;
	}
	assert_int_equal(len, m->pkt_len);
	assert_int_equal(m->nb_segs, n);
	for (i = 0; i < n; i++) {
		total_pay += o[i].pay;
		most = o[i].pay > most ? o[i].pay : most;
	}
	ip = flat + 14;
	tcp = ip + 20;
	assert_int_equal(len, 14 + 20 + 32 + total_pay);
	assert_int_equal(rd16(ip + 2), 20 + 32 + total_pay);
	assert_int_equal(fold(sum16(ip, 20, 0)), 0xffff);
	sum = sum16(ip + 12, 8, 6 + 32 + total_pay);
	assert_int_equal(fold(sum16(tcp, 32 + total_pay, sum)), 0xffff);
	assert_int_equal(rd16(tcp + 4) << 16 | rd16(tcp + 6), 1000000 + o[0].seq);
	for (k = 0; k < total_pay; k++)
		if (tcp[32 + k] != (uint8_t)((o[0].seq + k) * 7 + 3))
			fail_msg("merged payload byte %u wrong", k);
	assert_int_equal(m->tso_segsz, most);
	assert_true(m->ol_flags & RTE_MBUF_F_RX_LRO);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
}

/* Parts given in the order of order[] (indexes into o, which is in sequence order). */
static uint16_t
merge(const struct opt *o, const int *order, int n, struct rte_mbuf **out)
{
	struct rte_gro_param prm = { .gro_types = RTE_GRO_TCP_IPV4, .max_flow_num = 32,
				     .max_item_per_flow = 32 };
	int i;

	for (i = 0; i < n; i++) {
		assert_int_equal(part(i, &o[order[i]]), 1);
		out[i] = &segs[i].m;
	}
	return rte_gro_reassemble_burst(out, (uint16_t)n, &prm);
}

static void
test_merge_in_order(void **state)
{
	/* odd and even payloads, so that parts start at odd offsets of the merged payload */
	static const uint32_t pays[] = { 1448, 1447, 1, 1448, 999, 2, 1448, 3 };
	struct opt o[8];
	struct rte_mbuf *out[8];
	int order[8], i, verdict;
	uint32_t seq;

	(void)state;
	for (verdict = 0; verdict < 2; verdict++) {
		for (i = 0, seq = 0; i < 8; seq += pays[i], i++) {
			o[i] = (struct opt){ .seq = seq, .pay = pays[i], .ip_id = (uint16_t)(77 + i),
				.rx = verdict ? RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD : 0 };
			order[i] = i;
		}
		assert_int_equal(merge(o, order, 8, out), 1);
		assert_int_equal(tlb_gro_finish(out[0], DYNOFF), 8);
		check_merged(out[0], o, 8);
		assert_int_equal(tlb_gro_part_of(out[0], DYNOFF)->idx, 0);
	}
}

static void
test_merge_out_of_order(void **state)
{
	struct opt o[3] = { { .seq = 0, .pay = 1000 }, { .seq = 1000, .pay = 1001 },
			    { .seq = 2001, .pay = 500 } };
	int order[3] = { 1, 0, 2 };	/* the second arrives first: the first is put in front */
	struct rte_mbuf *out[3];

	(void)state;
	assert_int_equal(merge(o, order, 3, out), 1);
	assert_int_equal(tlb_gro_part_of(out[0], DYNOFF)->idx, 1);	/* the head's burst slot */
	assert_int_equal(tlb_gro_finish(out[0], DYNOFF), 3);
	check_merged(out[0], o, 3);
}

static void
test_gap_and_padding(void **state)
{
	/* A lost segment between: two packets, each in order; padding dropped. */
	struct opt o[4] = { { .seq = 0, .pay = 100, .pad = 0 }, { .seq = 100, .pay = 2, .pad = 8 },
			    { .seq = 500, .pay = 300 }, { .seq = 800, .pay = 300 } };
	int order[4] = { 0, 1, 2, 3 };
	struct rte_mbuf *out[4];

	(void)state;
	assert_int_equal(merge(o, order, 4, out), 2);
	assert_int_equal(tlb_gro_finish(out[0], DYNOFF), 2);
	check_merged(out[0], o, 2);
	assert_int_equal(tlb_gro_finish(out[1], DYNOFF), 2);
	check_merged(out[1], o + 2, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_part_rows),
		cmocka_unit_test(test_merge_in_order),
		cmocka_unit_test(test_merge_out_of_order),
		cmocka_unit_test(test_gap_and_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
