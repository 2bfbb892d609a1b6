/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>

#include <rte_ether.h>

#include <time.h>

#include <rte_malloc.h>

#include "tlb_ctl.h"
#include "tlb_snapshot.h"
#include "tlb_speaker.h"
#include "tlb_stats.h"
#include "tlb_worker.h"

/* Sum one counter over every worker. */
#define SUM(dp, field) tlb_stats_sum(dp, TLB_STAT_OFF(field))

const char *
tlb_stats_event_name(enum tlb_event ev)
{
	static const char *const names[] = {
#define TLB_X_NAME(e, s) #s,
		TLB_EVENTS(TLB_X_NAME)
#undef TLB_X_NAME
	};

	return (unsigned int)ev < TLB_DIM(names) ? names[ev] : "?";
}

uint64_t
tlb_stats_sum(const struct tlb_dp *dp, size_t off)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < dp->n_workers; i++) {
		const uint8_t *base = (const uint8_t *)&dp->workers[i]->stats;

		total += tlb_stats_read((const tlb_counter_t *)(const void *)(base + off));
	}
	return total;
}

void
tlb_stats_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
write_services(FILE *f, const struct tlb_dp *dp, const struct tlb_snapshot *snap)
{
	uint32_t i, j;

	fprintf(f, "\"services\": {");
	for (i = 0; snap != NULL && i < snap->n_services; i++) {
		const struct tlb_service *svc = &snap->services[i];

		fprintf(f, "%s\n  ", i ? "," : "");
		tlb_stats_put_string(f, svc->name);
		fprintf(f, ": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"new_flows\": %" PRIu64 ", \"backends\": {",
			SUM(dp, svc[svc->id].packets), SUM(dp, svc[svc->id].bytes),
			SUM(dp, svc[svc->id].new_flows));
		for (j = 0; j < svc->n_be; j++) {
			const struct tlb_backend *b = &snap->backends[svc->be_first + j];

			fprintf(f, "%s\n    ", j ? "," : "");
			tlb_stats_put_string(f, b->name);
			fprintf(f, ": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
				", \"new_flows\": %" PRIu64 ", \"weight\": %u, \"state\": \"%s\"}",
				SUM(dp, be[b->id].packets), SUM(dp, be[b->id].bytes),
				SUM(dp, be[b->id].new_flows), b->weight,
				tlb_config_state_name((enum tlb_backend_state)b->state));
		}
		fprintf(f, "}}");
	}
	fprintf(f, "}");
}

static void
write_ports(FILE *f, const struct tlb_dp *dp)
{
	uint16_t i;

	fprintf(f, "\"ports\": {");
	for (i = 0; i < dp->n_ports; i++) {
		const struct tlb_port_rt *rt = &dp->port[dp->port_ids[i]];

		fprintf(f, "%s\n  ", i ? "," : "");
		tlb_stats_put_string(f, rt->name);
		fprintf(f, ": {\"mac\": \"" RTE_ETHER_ADDR_PRT_FMT "\", \"mtu\": %u, "
			"\"rx\": %" PRIu64 ", \"tx\": %" PRIu64 ", \"rx_missed\": %" PRIu64
			", \"rx_errors\": %" PRIu64 ", \"tx_errors\": %" PRIu64 "}",
			rt->mac[0], rt->mac[1], rt->mac[2], rt->mac[3], rt->mac[4], rt->mac[5],
			rt->mtu, rt->eth_stats.ipackets, rt->eth_stats.opackets, rt->eth_stats.imissed,
			rt->eth_stats.ierrors, rt->eth_stats.oerrors);
	}
	fprintf(f, "}");
}

static void
write_memory(FILE *f, const struct tlb_dp *dp)
{
	struct rte_malloc_socket_stats ms;
	uint64_t alloc = 0, count = 0;
	unsigned int s;
	int i, first = 1;

	fprintf(f, "\"mempool\": {");
	for (i = 0; i < RTE_MAX_NUMA_NODES; i++) {
		const struct rte_mempool *mp = dp->pool[i];

		if (mp == NULL && dp->pool_size[i] == 0)
			continue;
		if (mp != NULL)		/* live: includes mbufs in queues and caches */
			fprintf(f, "%s\"socket%d\": {\"size\": %u, \"in_use\": %u}",
				first ? "" : ", ", i, mp->size, rte_mempool_in_use_count(mp));
		else
			fprintf(f, "%s\"socket%d\": {\"size\": %u, \"in_use_after_close\": %u}",
				first ? "" : ", ", i, dp->pool_size[i], dp->pool_in_use[i]);
		first = 0;
	}
	for (s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &ms) == 0) {
			alloc += ms.heap_allocsz_bytes;
			count += ms.alloc_count;
		}
	fprintf(f, "},\n\"memory\": {\"heap_alloc_bytes\": %" PRIu64 ", \"heap_alloc_count\": %"
		PRIu64 "}", alloc, count);
}

int
tlb_stats_write_json(FILE *f, const struct tlb_ctl *ctl, int close_object)
{
	const struct tlb_dp *dp = ctl->dp;
	const struct tlb_snapshot *snap = ctl->snap;
	char when[32];
	struct tm tm;
	int i;

	fprintf(f, "{\"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64
		", \"forwarded\": %" PRIu64 ",\n", SUM(dp, rx), SUM(dp, tx), SUM(dp, forwarded));
	fprintf(f, "\"replies\": {");
	for (i = 0; i < TLB_REPLY_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
			tlb_local_reply_name((enum tlb_reply_kind)i), SUM(dp, replies[i]));
	fprintf(f, "},\n\"drops\": {");
	for (i = 1; i < TLB_V_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i > 1 ? ", " : "",
			tlb_verdict_name((enum tlb_verdict)i), SUM(dp, drops[i]));
	fprintf(f, "},\n\"events\": {");
	for (i = 0; i < TLB_EV_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
			tlb_stats_event_name((enum tlb_event)i), SUM(dp, events[i]));
	fprintf(f, "},\n\"flows\": {");
	for (i = 0; i < TLB_FLOW_EV_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "",
			tlb_flow_event_name((enum tlb_flow_event)i), SUM(dp, flow[i]));
	fprintf(f, ", \"capacity_per_worker\": %u},\n", dp->n_workers ?
		dp->workers[0]->flows.n_entries : 0);
	write_services(f, dp, snap);
	fprintf(f, ",\n\"reloads\": {\"ok\": %" PRIu64 ", \"failed\": %" PRIu64 "}, "
		"\"generation\": %" PRIu64 ",\n", dp->reloads_ok, dp->reloads_failed,
		snap != NULL ? snap->generation : 0);
	gmtime_r(&ctl->last.time, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "\"last_reload\": {\"ok\": %s, \"time\": \"%s\", \"message\": ",
		ctl->last.ok ? "true" : "false", when);
	tlb_stats_put_string(f, ctl->last.message);
	fprintf(f, "},\n");
	write_ports(f, dp);
	fprintf(f, ",\n");
	if (ctl->speaker != NULL) {
		tlb_speaker_write_json(f, ctl->speaker);
		fprintf(f, ",\n");
	}
	write_memory(f, dp);
	if (close_object)
		fprintf(f, "}\n");
	return ferror(f) ? -EIO : 0;
}
