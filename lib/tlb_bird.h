/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_BIRD_H
#define TLB_BIRD_H

/*
 * Talking to a local BIRD 2 routing daemon: its include files and its control
 * socket (the protocol birdc speaks: a line per command, numbered reply lines,
 * BIRD doc/reply_codes). And the liveness interface the announced routes go
 * via. Control thread only: these block (bounded by timeouts) and do I/O; no
 * EAL needed.
 */

#include <stddef.h>

/*
 * Replace the file at path by text[0..len) atomically (write path.tmp, fsync,
 * rename), mode 0644. Returns 0 or -errno.
 */
int tlb_bird_write_file(const char *path, const char *text, size_t len);

/*
 * Connect to BIRD's control socket, wait for its greeting and send
 * "configure" (BIRD re-reads its config and with it our include files),
 * each step bounded by timeout_ms. Returns 0 when BIRD accepted it, -EIO
 * when it answered with an error (msg gets its last line, e.g. the
 * "FILE:LINE:COL message" of a config error), -ETIMEDOUT, -EPROTO for a
 * reply that is not BIRD's, or -errno of connect() (msg says which step).
 */
int tlb_bird_configure(const char *socket_path, int timeout_ms, char *msg, size_t msg_len);

/*
 * Create the TUN device ifname (IFF_TUN, no packet info) owned by this
 * process, not persistent, and down: it disappears when the fd is closed or
 * the process dies, whatever the signal, and BIRD's static routes via it are
 * withdrawn with it. An existing persistent TUN of that name is taken over
 * and made non-persistent. Returns the fd (close-on-exec) or -errno
 * (-EBUSY: another process holds it).
 */
int tlb_bird_live_open(const char *ifname);

/* Set ifname up (BIRD's static routes via it become usable). Returns 0 or -errno. */
int tlb_bird_live_up(const char *ifname);

#endif /* TLB_BIRD_H */
