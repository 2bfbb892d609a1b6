/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: GRO (lib/tlb_gro around rte_gro's lightweight mode, the
 * same merge code as the worker's context) on a burst of arbitrary frames.
 * Pure (no EAL). Input: byte 0 = mode (bit 0: every frame carries a truthful
 * NIC's RX checksum verdicts), then up to 32 frames, each after a 2-byte
 * big-endian length. Every frame is an external buffer from malloc() of
 * exactly its length (ASan reports one byte more).
 *
 * Invariants, checked with this file's own reading of the bytes:
 *  - tlb_gro_part() accepts a frame exactly when it is an untagged IPv4
 *    packet without options, not a fragment, TCP with flags exactly ACK, a
 *    payload, ECN not CE, a valid IPv4 header checksum and a valid TCP
 *    checksum (RFC 1071 here);
 *  - every part comes out of rte_gro exactly once, alone or as a segment of
 *    one merged packet (no mbuf lost or doubled);
 *  - a merged packet (tlb_gro_finish()) has a valid IPv4 header checksum and
 *    total length, a valid TCP checksum over all its bytes, the head part's
 *    headers, its parts in sequence order with no gap or overlap, their
 *    payloads byte for byte, tso_segsz the largest part's payload and the
 *    RX_LRO / checksum-good flags.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_gro.h>
#include <rte_mbuf.h>

#include "tlb_gro.h"
#include "tlb_parse.h"

#include "fuzz_common.h"

#define MAX_FRAMES 32
#define DYNOFF ((int)offsetof(struct rte_mbuf, dynfield1))

struct frame {
	struct rte_mbuf m;
	uint8_t *buf;
	uint32_t len;
	int eligible;		/* this file's reading: may be merged */
	uint32_t seq, pay;	/* TCP sequence number and payload length (eligible) */
	const uint8_t *payload;	/* into the input copy (eligible) */
};

static struct frame fr[MAX_FRAMES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/*
 * This file's own verdict: may f be merged, and if so its sequence number and
 * payload. Also the truthful RX verdict flags when the mode asks for them.
 */
static uint64_t
judge(struct frame *f, const uint8_t *b, uint32_t len)
{
	uint32_t ihl, tot, thl, frag;
	const uint8_t *ip = b + 14, *tcp;
	int ip_ok, l4_ok;
	uint64_t rx;

	f->eligible = 0;
	if (len < 14 + 20 || fuzz_rd16(b + 12) != 0x0800 || ip[0] >> 4 != 4)
		return 0;
	ihl = (ip[0] & 15u) * 4u;
	tot = fuzz_rd16(ip + 2);
	frag = fuzz_rd16(ip + 6);
	if (ihl < 20 || tot < ihl || 14 + tot > len)
		return 0;
	ip_ok = fuzz_csum_ok(ip, ihl);
	rx = ip_ok ? RTE_MBUF_F_RX_IP_CKSUM_GOOD : RTE_MBUF_F_RX_IP_CKSUM_BAD;
	if (ip[9] != 6 || (frag & 0x3fff) != 0 || tot < ihl + 20)
		return rx;
	tcp = ip + ihl;
	thl = (uint32_t)(tcp[12] >> 4) * 4u;
	if (thl < 20 || ihl + thl > tot)
		return rx;
	l4_ok = fuzz_l4_csum_ok(ip + 12, ip + 16, 4, 6, tcp, tot - ihl);
	rx |= l4_ok ? RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	f->eligible = ihl == 20 && tcp[13] == 0x10 && ihl + thl < tot && (ip[1] & 3) != 3 &&
		      ip_ok && l4_ok;
	f->seq = fuzz_rd32(tcp + 4);
	f->pay = tot - ihl - thl;
	f->payload = tcp + thl;
	return rx;
}

/* The merged packet m: its frame flattened into out (at most cap bytes); returns its length. */
static uint32_t
flatten(const struct rte_mbuf *m, uint8_t *out, uint32_t cap)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		FUZZ_CHECK(n + m->data_len <= cap, "merged packet above %u bytes", cap);
		memcpy(out + n, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		n += m->data_len;
	}
	return n;
}

static void
check_merged(struct rte_mbuf *m, const uint8_t *input_of[MAX_FRAMES])
{
	static uint8_t flat[70000];
	const struct frame *head = (const struct frame *)(const void *)m;	/* m is fr[i].m */
	const struct rte_mbuf *s;
	uint32_t n, off, most = 0, seq, tot;
	uint16_t parts;
	const uint8_t *ip, *tcp;

	parts = tlb_gro_finish(m, DYNOFF);
	FUZZ_CHECK(parts == m->nb_segs, "%u parts in %u segments", parts, m->nb_segs);
	n = flatten(m, flat, sizeof(flat));
	FUZZ_CHECK(n == m->pkt_len, "pkt_len %u, segments hold %u", m->pkt_len, n);
	ip = flat + 14;
	tot = fuzz_rd16(ip + 2);
	FUZZ_CHECK(tot == n - 14, "IPv4 total length %u in a %u-byte frame", tot, n);
	FUZZ_CHECK(fuzz_csum_ok(ip, 20), "merged IPv4 header checksum");
	tcp = ip + 20;
	FUZZ_CHECK(fuzz_l4_csum_ok(ip + 12, ip + 16, 4, 6, tcp, tot - 20), "merged TCP checksum");
	/* The head's headers, checksums and length aside. */
	FUZZ_CHECK(memcmp(flat, input_of[head - fr], 14 + 2) == 0 &&
		   memcmp(flat + 14 + 4, input_of[head - fr] + 14 + 4, 6) == 0 &&
		   memcmp(flat + 14 + 12, input_of[head - fr] + 14 + 12, 8 + 16) == 0,
		   "merged headers are not the head part's");
	FUZZ_CHECK(flat[14 + 20 + 13] == 0x10, "merged flags %02x", flat[14 + 20 + 13]);
	/* Parts in sequence order, payloads as received. */
	seq = head->seq;
	off = 14 + 20 + (uint32_t)(tcp[12] >> 4) * 4u;
	for (s = m; s != NULL; s = s->next) {
		const struct frame *p = (const struct frame *)(const void *)s;

		FUZZ_CHECK(p >= fr && p < fr + MAX_FRAMES && p->eligible, "a segment that is no part");
		FUZZ_CHECK(p->seq == seq, "part at sequence %u, expected %u", p->seq, seq);
		FUZZ_CHECK(memcmp(flat + off, p->payload, p->pay) == 0, "part payload changed");
		seq += p->pay;
		off += p->pay;
		most = p->pay > most ? p->pay : most;
	}
	FUZZ_CHECK(off == n, "payloads end at %u of %u", off, n);
	FUZZ_CHECK(m->tso_segsz == most, "tso_segsz %u, largest part %u", m->tso_segsz, most);
	FUZZ_CHECK((m->ol_flags & RTE_MBUF_F_RX_LRO) &&
		   (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
		   (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		   "merged flags %llx", (unsigned long long)m->ol_flags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_gro_param prm = { .gro_types = RTE_GRO_TCP_IPV4, .max_flow_num = MAX_FRAMES,
				     .max_item_per_flow = MAX_FRAMES };
	const uint8_t *input_of[MAX_FRAMES];
	struct rte_mbuf *parts[MAX_FRAMES];
	uint8_t seen[MAX_FRAMES] = { 0 };
	uint16_t k = 0, nb, i, n = 0;
	size_t at = 1;

	if (size < 1)
		return -1;
	while (n < MAX_FRAMES && at + 2 <= size) {
		uint32_t len = fuzz_rd16(data + at);
		struct frame *f = &fr[n];
		struct tlb_pkt p;
		uint64_t rx;

		at += 2;
		if (len == 0 || at + len > size)
			break;
		memset(f, 0, sizeof(*f));
		f->buf = malloc(len);
		FUZZ_CHECK(f->buf != NULL, "out of memory");
		memcpy(f->buf, data + at, len);
		input_of[n] = data + at;
		f->len = len;
		rx = judge(f, data + at, len);
		f->m.buf_addr = f->buf;
		f->m.buf_len = (uint16_t)len;
		f->m.data_len = (uint16_t)len;
		f->m.pkt_len = len;
		f->m.nb_segs = 1;
		rte_mbuf_refcnt_set(&f->m, 1);
		f->m.ol_flags = (data[0] & 1) ? rx : 0;
		at += len;
		/* What the parser refuses is the parser's business (fuzz_local, fuzz_datapath). */
		if (tlb_parse(f->buf, len, len, &p) != TLB_V_OK) {
			f->eligible = 0;
		} else if (tlb_gro_part(&f->m, &p, DYNOFF, n)) {
			FUZZ_CHECK(f->eligible, "frame %u accepted as a part, but is not one", n);
			FUZZ_CHECK(memcmp(f->buf, data + at - len, len) == 0, "tlb_gro_part() wrote");
			parts[k++] = &f->m;
		} else {
			FUZZ_CHECK(!f->eligible, "frame %u refused as a part, but is one", n);
		}
		n++;
	}
	nb = k > 0 ? rte_gro_reassemble_burst(parts, k, &prm) : 0;
	for (i = 0; i < nb; i++) {
		const struct rte_mbuf *s;

		for (s = parts[i]; s != NULL; s = s->next) {
			const struct frame *p = (const struct frame *)(const void *)s;

			FUZZ_CHECK(p >= fr && p < fr + n && !seen[p - fr], "mbuf lost or doubled");
			seen[p - fr] = 1;
		}
		if (parts[i]->nb_segs > 1)
			check_merged(parts[i], input_of);
	}
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(!fr[i].eligible || seen[i], "part %u did not come out of GRO", i);
		free(fr[i].buf);
	}
	return 0;
}
