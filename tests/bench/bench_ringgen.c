/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic source for inputs too large for net_pcap's infinite_rx (which keeps
 * every packet of its file in an mbuf of the port's pool: a million flows do
 * not fit tunlb's pool). A DPDK secondary process: it attaches to a running
 * primary (tunlb or dpdk-testpmd on 2 MB hugepages) that has a net_ring vdev,
 * loads the frames of a pcap written by tests/bench/mkinput.py, and feeds
 * them round robin into the ring behind that vdev's RX queue 0, in mbufs
 * taken from the primary's pool, until SIGINT/SIGTERM or --seconds. It runs
 * on its own CPU, so the primary's worker sees the same per-packet input cost
 * (one ring dequeue) whatever the number of flows.
 *
 *   bench_ringgen --proc-type=secondary --file-prefix=P --lcores=2@0 [--no-pci] -- \
 *       --pcap FILE --pool NAME [--ring ETH_RXTX0_net_ring0] [--seconds S]
 *
 * Prints the packets it enqueued at exit. Never part of the datapath.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#define GEN_BURST 32

struct frames {
	uint8_t *data;		/* frames back to back */
	uint32_t *off;		/* frame i at data + off[i], off[i + 1] - off[i] bytes */
	uint32_t n;
};

static atomic_bool stop;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&stop, true, memory_order_relaxed);
}

/* Read a classic little-endian microsecond pcap (what mkinput.py writes). */
static int
load_pcap(const char *path, struct frames *fr)
{
	uint32_t hdr[6], rec[4], cap = 1024;
	size_t bytes = 0, room = 1 << 20;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -errno;
	if (fread(hdr, sizeof(hdr), 1, f) != 1 || hdr[0] != 0xa1b2c3d4u) {
		fclose(f);
		return -EINVAL;
	}
	fr->data = malloc(room);
	fr->off = malloc(cap * sizeof(*fr->off));
	fr->n = 0;
	while (fr->data != NULL && fr->off != NULL && fread(rec, sizeof(rec), 1, f) == 1) {
		if (rec[2] > RTE_MBUF_DEFAULT_DATAROOM)
			break;
		if (bytes + rec[2] > room) {
			room *= 2;
			fr->data = realloc(fr->data, room);
		}
		if (fr->n + 2 > cap) {
			cap *= 2;
			fr->off = realloc(fr->off, cap * sizeof(*fr->off));
		}
		if (fr->data == NULL || fr->off == NULL ||
		    fread(fr->data + bytes, rec[2], 1, f) != 1)
			break;
		fr->off[fr->n++] = (uint32_t)bytes;
		bytes += rec[2];
	}
	fclose(f);
	if (fr->data == NULL || fr->off == NULL || fr->n == 0)
		return -EINVAL;
	fr->off[fr->n] = (uint32_t)bytes;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "pool", required_argument, NULL, 'm' },
		{ "ring", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pcap = NULL, *pool_name = NULL, *ring_name = "ETH_RXTX0_net_ring0";
	struct rte_mbuf *m[GEN_BURST];
	struct rte_mempool *pool;
	struct rte_ring *ring;
	struct frames fr = { NULL, NULL, 0 };
	uint64_t sent = 0, deadline = 0;
	double seconds = 0;
	uint32_t next = 0;
	int ret, c;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "bench_ringgen: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pcap = optarg; break;
		case 'm': pool_name = optarg; break;
		case 'r': ring_name = optarg; break;
		case 's': seconds = atof(optarg); break;
		default: return 2;
		}
	}
	if (pcap == NULL || pool_name == NULL) {
		fprintf(stderr, "usage: bench_ringgen EAL... -- --pcap FILE --pool NAME "
			"[--ring NAME] [--seconds S]\n");
		return 2;
	}
	pool = rte_mempool_lookup(pool_name);
	ring = rte_ring_lookup(ring_name);
	if (pool == NULL || ring == NULL) {
		fprintf(stderr, "bench_ringgen: no %s %s in the primary\n",
			pool == NULL ? "mempool" : "ring", pool == NULL ? pool_name : ring_name);
		return 1;
	}
	ret = load_pcap(pcap, &fr);
	if (ret != 0) {
		fprintf(stderr, "bench_ringgen: %s: %s\n", pcap, strerror(-ret));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (seconds > 0)
		deadline = rte_get_tsc_cycles() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	printf("bench_ringgen: %u frames from %s into %s\n", fr.n, pcap, ring_name);
	fflush(stdout);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		unsigned int i, k = 0;

		if (deadline != 0 && rte_get_tsc_cycles() > deadline)
			break;
		if (rte_pktmbuf_alloc_bulk(pool, m, GEN_BURST) != 0)
			continue;	/* the consumer still holds them: try again */
		for (i = 0; i < GEN_BURST; i++) {
			uint32_t len = fr.off[next + 1] - fr.off[next];

			rte_memcpy(rte_pktmbuf_mtod(m[i], void *), fr.data + fr.off[next], len);
			m[i]->data_len = (uint16_t)len;
			m[i]->pkt_len = len;
			next = next + 1 == fr.n ? 0 : next + 1;
		}
		while (k < GEN_BURST && !atomic_load_explicit(&stop, memory_order_relaxed))
			k += rte_ring_enqueue_burst(ring, (void **)&m[k], GEN_BURST - k, NULL);
		if (k < GEN_BURST)
			rte_pktmbuf_free_bulk(&m[k], GEN_BURST - k);
		sent += k;
	}
	printf("bench_ringgen: enqueued %" PRIu64 " packets\n", sent);
	free(fr.data);
	free(fr.off);
	rte_eal_cleanup();
	return 0;
}
