/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_REFNIC_H
#define TLB_REFNIC_H

/*
 * A reference NIC for the tests (research/dpdk-offloads.md section 3): it
 * applies an mbuf's TX requests to its bytes the way hardware does, under a
 * capability profile. It refuses a request the port did not configure and
 * tunnel / outer flags on a checksum-only packet (flat layout), segments a
 * tunnel TSO request (refnic_tso()), cross-checks
 * l2_len / l3_len / l4_len against its own parse of the bytes, and computes
 * the checksums "strict" (Intel, virtio: the fields are summed as found, so
 * the pre-fill must be right) or "scratch" (mlx5: recomputed from nothing).
 * Its ones'-complement code (tests/unit/refsum.h) is independent of DPDK's and
 * of lib/. Also a validator of the outer headers. Used by tests/unit/
 * test_offload.c and tests/refnic/refnic_run.c.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

enum refnic_prefill { REFNIC_STRICT, REFNIC_SCRATCH };

struct refnic_profile {
	const char *name;
	uint64_t capa;			/* dev_info.tx_offload_capa */
	enum refnic_prefill prefill;
	int rx_verdict;			/* gives RX L4 checksum verdicts (truthful) */
};

/* none, tap-like, virtio-like, intel-like, mlx5-like */
extern const struct refnic_profile refnic_profiles[];
#define REFNIC_N_PROFILES 5

/* The profile named name, or NULL. */
const struct refnic_profile *refnic_find(const char *name);

static inline uint16_t
refnic_rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline void
refnic_wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/*
 * Apply m's TX requests to its bytes (all segments) as a NIC of profile p
 * configured with conf would. Returns 0, or -1 with why filled for a
 * request a NIC would mishandle.
 */
int refnic_tx(const struct refnic_profile *p, uint64_t conf, struct rte_mbuf *m, char *why,
	      size_t wlen);

#define REFNIC_FRAME_MAX 9800

/*
 * Tunnel TSO (research/dpdk-offloads.md 3.3 step 4-5) of m (tunnel layout,
 * TCP_SEG) as a NIC of profile p configured with conf would: the capability
 * gate, every length against its own parse, then per segment the inner IP
 * length and identification + i and header checksum, TCP sequence + i x MSS,
 * FIN/PSH on the last and CWR on the first segment, the TCP checksum, the
 * outer IP length and identification + i and header checksum, the outer UDP
 * length and (with OUTER_UDP_CKSUM) checksum, in that order. Writes at most
 * max frames to out (lengths in out_len). Returns their count, or -1 with
 * why filled.
 */
int refnic_tso(const struct refnic_profile *p, uint64_t conf, const struct rte_mbuf *m,
	       uint8_t (*out)[REFNIC_FRAME_MAX], uint32_t *out_len, int max, char *why,
	       size_t wlen);

/*
 * Outer IPv4 header and outer UDP checksum of frame f valid (a UDP checksum
 * of 0 accepted over IPv4 when zero_ok). Returns 1, or 0 with why filled.
 */
int refnic_valid(const uint8_t *f, uint32_t len, int zero_ok, char *why, size_t wlen);

#endif /* TLB_REFNIC_H */
