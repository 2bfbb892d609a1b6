/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_ANNOUNCE_H
#define TLB_ANNOUNCE_H

/*
 * Which VIPs this instance announces, and how BIRD 2 is told (README,
 * "Scale-out"). A VIP is announced while the instance can serve it: not
 * shutting down, every port's link up, and at least one service of the VIP
 * with a usable backend (active, weight > 0; draining backends only keep the
 * flows they have, so a VIP whose backends all drain is withdrawn). The
 * routes go into BIRD include files as static routes via the liveness
 * interface (a TUN device that exists exactly as long as tunlb: when tunlb
 * dies, BIRD withdraws at once). Pure: no I/O, any thread.
 */

#include <stddef.h>
#include <stdint.h>

#include "tlb_addr.h"
#include "tlb_common.h"
#include "tlb_config.h"

#define TLB_ANNOUNCE_MAX_VIPS TLB_MAX_SERVICES

#define TLB_ANNOUNCE_REASONS(X) \
	X(SERVING, "serving") \
	X(NO_BACKEND, "no_backend") \
	X(PORT_DOWN, "port_down") \
	X(STOPPING, "stopping")

enum tlb_announce_reason {
#define X(e, s) TLB_ANNOUNCE_##e,
	TLB_ANNOUNCE_REASONS(X)
#undef X
	TLB_ANNOUNCE_REASON_MAX
};

/* One VIP and whether (SERVING) or why not it is announced. */
struct tlb_announce_vip {
	struct tlb_addr vip;
	enum tlb_announce_reason reason;
};

/*
 * The VIPs of cfg, each once, ordered by family then address, with their
 * reason given ports_up (every port's link is up) and stopping. Writes at
 * most max entries to out; returns the number of distinct VIPs.
 */
uint32_t tlb_announce_plan(const struct tlb_config *cfg, int ports_up, int stopping,
			   struct tlb_announce_vip *out, uint32_t max);

/*
 * The BIRD include file for family (TLB_AF_INET / TLB_AF_INET6): a comment
 * line, then one static route per SERVING VIP of that family,
 *   route 198.51.100.10/32 via "IFNAME";
 * (BIRD 2 static protocol syntax). Returns the length written (NUL
 * terminated), or -1 when buf is too small.
 */
int tlb_announce_render(const struct tlb_announce_vip *v, uint32_t n, uint8_t family,
			const char *ifname, char *buf, size_t len);

/*
 * One line of a BIRD control socket reply (BIRD doc/reply_codes): "DDDD-text"
 * continues, "DDDD text" (or "DDDD" alone) ends the reply, " text" continues
 * the previous code. Returns the code (0..9999) and sets *last, or -1 when
 * the line is none of these (then *last is 1: give up on the reply).
 */
int tlb_announce_bird_line(const char *line, int *last);

/* True for a final reply code that means "configure" was accepted. */
int tlb_announce_bird_ok(int code);

/* Name of a reason as shown in telemetry and --stats-out. */
const char *tlb_announce_reason_name(enum tlb_announce_reason r);

#endif /* TLB_ANNOUNCE_H */
