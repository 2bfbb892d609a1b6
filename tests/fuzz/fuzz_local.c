/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: tlb_parse() + tlb_local_answer() on one arbitrary frame.
 * Pure (no EAL). Input: byte 0 = writable bytes after the frame (tailroom, as
 * the mbuf would have), then the frame.
 *
 * Invariants: tlb_parse() reads only [frame, frame + len) and
 * tlb_local_answer() only writes [frame, frame + cap) (heap buffers of exactly
 * those sizes: ASan reports one byte more); an answer is one of the four kinds,
 * fits cap, re-parses and passes fuzz_check_reply() (every field and
 * checksum); a refusal is one of the documented reasons (HEADROOM only for a
 * neighbour solicitation whose advertisement would not fit).
 */
#include <stdlib.h>
#include <string.h>

#include "tlb_local.h"
#include "tlb_parse.h"

#include "fuzz_common.h"

static const uint8_t port_mac[6] = { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 };
static struct tlb_local_node node;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tlb_addr v4, v6;

	(void)argc;
	(void)argv;
	tlb_addr_set4(&v4, fuzz_node_ipv4);
	memset(&v6, 0, sizeof(v6));
	tlb_addr_set6(&v6, fuzz_node_ipv6);
	tlb_local_node_init(&node, &v4, &v6);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum tlb_reply_kind kind = TLB_REPLY_MAX;
	uint32_t len, cap, out_len = 0;
	enum tlb_verdict v;
	struct tlb_pkt p;
	uint8_t *f;

	if (size < 1 || size - 1 > UINT16_MAX)
		return -1;		/* not added to the corpus */
	len = (uint32_t)(size - 1);
	cap = len + data[0];
	/* Exactly cap bytes: the parser may read len of them, the answer write all. */
	f = malloc(cap ? cap : 1);
	FUZZ_CHECK(f != NULL, "out of memory");
	memcpy(f, data + 1, len);
	memset(f + len, 0xa5, cap - len);

	v = tlb_parse(f, len, len, &p);
	if (v != TLB_V_OK || !(p.kind == TLB_PKT_ARP || tlb_local_is_node(&node, &p))) {
		free(f);
		return 0;
	}
	FUZZ_CHECK(memcmp(f, data + 1, len) == 0, "tlb_parse() wrote to the frame");
	v = tlb_local_answer(f, len, cap, &p, &node, port_mac, &out_len, &kind);
	if (v == TLB_V_OK) {
		FUZZ_CHECK(kind < TLB_REPLY_MAX, "answer of kind %d", kind);
		FUZZ_CHECK(out_len <= cap, "answer of %u bytes in a buffer of %u", out_len, cap);
		fuzz_check_reply((int)kind, data + 1, len, f, out_len, port_mac, NULL);
	} else {
		FUZZ_CHECK(v == TLB_V_ARP_OTHER || v == TLB_V_BAD_ICMP || v == TLB_V_NODE_OTHER ||
			   v == TLB_V_HEADROOM, "undocumented refusal %s", tlb_verdict_name(v));
		/* Only a too-small buffer for a valid NS may be HEADROOM. */
		FUZZ_CHECK(v != TLB_V_HEADROOM || kind == TLB_REPLY_ND, "HEADROOM for kind %d", kind);
	}
	free(f);
	return 0;
}
