/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "tlb_log.h"
#include "tlb_speaker.h"
#include "tlb_stats.h"
#include "tlb_telemetry.h"

static struct tlb_ctl *tel_ctl;	/* set once before the commands are registered */

/*
 * DPDK 22.11 accepts only [A-Za-z0-9_/] in dictionary keys: copy name into key
 * with every other character replaced by '_' (entries carry the real name).
 */
static const char *
tel_key(const char *name, char *key, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++) {
		char ch = name[i];

		key[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '/' ? ch : '_';
	}
	key[i] = '\0';
	return key;
}

/* Add a sub-dictionary to d (one level of nesting is what 22.11 allows). */
static struct rte_tel_data *
sub_dict(void)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c != NULL)
		rte_tel_data_start_dict(c);
	return c;
}

static void
add_sub(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c != NULL && rte_tel_data_add_dict_container(d, name, c, 0) != 0)
		rte_tel_data_free(c);
}

static int
cmd_stats(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct tlb_dp *dp = tel_ctl->dp;
	struct rte_tel_data *c;
	int i;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", tlb_stats_sum(dp, TLB_STAT_OFF(rx)));
	rte_tel_data_add_dict_u64(d, "tx_packets", tlb_stats_sum(dp, TLB_STAT_OFF(tx)));
	rte_tel_data_add_dict_u64(d, "forwarded", tlb_stats_sum(dp, TLB_STAT_OFF(forwarded)));
	pthread_mutex_lock(&tel_ctl->lock);
	rte_tel_data_add_dict_u64(d, "generation", tel_ctl->generation);
	c = sub_dict();
	if (c != NULL) {
		rte_tel_data_add_dict_u64(c, "ok", dp->reloads_ok);
		rte_tel_data_add_dict_u64(c, "failed", dp->reloads_failed);
	}
	pthread_mutex_unlock(&tel_ctl->lock);
	add_sub(d, "reloads", c);
	c = sub_dict();
	for (i = 1; c != NULL && i < TLB_V_MAX; i++)
		rte_tel_data_add_dict_u64(c, tlb_verdict_name((enum tlb_verdict)i),
					  tlb_stats_sum(dp, TLB_STAT_OFF(drops[i])));
	add_sub(d, "drops", c);
	c = sub_dict();
	for (i = 0; c != NULL && i < TLB_REPLY_MAX; i++)
		rte_tel_data_add_dict_u64(c, tlb_local_reply_name((enum tlb_reply_kind)i),
					  tlb_stats_sum(dp, TLB_STAT_OFF(replies[i])));
	add_sub(d, "replies", c);
	c = sub_dict();
	for (i = 0; c != NULL && i < TLB_FLOW_EV_MAX; i++)
		rte_tel_data_add_dict_u64(c, tlb_flow_event_name((enum tlb_flow_event)i),
					  tlb_stats_sum(dp, TLB_STAT_OFF(flow[i])));
	add_sub(d, "flows", c);
	c = sub_dict();
	for (i = 0; c != NULL && i < TLB_EV_MAX; i++)
		rte_tel_data_add_dict_u64(c, tlb_stats_event_name((enum tlb_event)i),
					  tlb_stats_sum(dp, TLB_STAT_OFF(events[i])));
	add_sub(d, "events", c);
	c = sub_dict();
	if (c != NULL) {
		struct rte_malloc_socket_stats ms;
		uint64_t heap = 0, in_use = 0;
		unsigned int k;

		for (k = 0; k < rte_socket_count(); k++)
			if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(k), &ms) == 0)
				heap += ms.heap_allocsz_bytes;
		for (i = 0; i < RTE_MAX_NUMA_NODES; i++)
			if (dp->pool[i] != NULL)
				in_use += rte_mempool_in_use_count(dp->pool[i]);
		rte_tel_data_add_dict_u64(c, "heap_alloc_bytes", heap);
		rte_tel_data_add_dict_u64(c, "mbufs_in_use", in_use);
	}
	add_sub(d, "memory", c);
	return 0;
}

static int
cmd_services(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	const struct tlb_dp *dp = tel_ctl->dp;
	const struct tlb_snapshot *s;
	uint32_t i;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_ctl->lock);
	s = tel_ctl->snap;
	for (i = 0; i < s->n_services && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		const struct tlb_service *svc = &s->services[i];
		const struct tlb_config_service *cs = &tel_ctl->cfg->services[i];
		struct rte_tel_data *c = sub_dict();
		char vip[TLB_ADDR_STRLEN], key[TLB_NAME_MAX];

		if (c == NULL)
			break;
		rte_tel_data_add_dict_string(c, "name", svc->name);
		rte_tel_data_add_dict_string(c, "vip", tlb_addr_format(&svc->vip, vip, sizeof(vip)));
		rte_tel_data_add_dict_u64(c, "port", svc->port);
		rte_tel_data_add_dict_string(c, "protocol", svc->proto == IPPROTO_TCP ? "tcp" : "udp");
		rte_tel_data_add_dict_string(c, "encap", tlb_config_encap_name(cs->encap));
		rte_tel_data_add_dict_string(c, "hash", tlb_config_hash_name(svc->hash));
		rte_tel_data_add_dict_u64(c, "table_size", svc->mg.size);
		rte_tel_data_add_dict_u64(c, "backends", svc->n_be);
		rte_tel_data_add_dict_u64(c, "packets", tlb_stats_sum(dp, TLB_STAT_OFF(svc[svc->id].packets)));
		rte_tel_data_add_dict_u64(c, "bytes", tlb_stats_sum(dp, TLB_STAT_OFF(svc[svc->id].bytes)));
		rte_tel_data_add_dict_u64(c, "new_flows",
					  tlb_stats_sum(dp, TLB_STAT_OFF(svc[svc->id].new_flows)));
		add_sub(d, tel_key(svc->name, key, sizeof(key)), c);
	}
	pthread_mutex_unlock(&tel_ctl->lock);
	return 0;
}

static int
cmd_backends(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct tlb_dp *dp = tel_ctl->dp;
	const struct tlb_snapshot *s;
	uint32_t i, j, n = 0, more = 0;
	int found = 0;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_ctl->lock);
	s = tel_ctl->snap;
	for (i = 0; i < s->n_services; i++) {
		const struct tlb_service *svc = &s->services[i];

		if (params != NULL && params[0] != '\0' && strcmp(params, svc->name) != 0)
			continue;
		found = 1;
		for (j = 0; j < svc->n_be; j++) {
			const struct tlb_backend *b = &s->backends[svc->be_first + j];
			struct rte_tel_data *c;
			char key[32];

			if (n == RTE_TEL_MAX_DICT_ENTRIES - 1) {
				more++;
				continue;
			}
			c = sub_dict();
			if (c == NULL)
				break;
			rte_tel_data_add_dict_string(c, "service", svc->name);
			rte_tel_data_add_dict_string(c, "address", b->name);
			rte_tel_data_add_dict_string(c, "state",
				tlb_config_state_name((enum tlb_backend_state)b->state));
			rte_tel_data_add_dict_u64(c, "weight", b->weight);
			rte_tel_data_add_dict_u64(c, "table_slots", b->slots);
			rte_tel_data_add_dict_u64(c, "table_size", svc->mg.size);
			rte_tel_data_add_dict_u64(c, "packets", tlb_stats_sum(dp, TLB_STAT_OFF(be[b->id].packets)));
			rte_tel_data_add_dict_u64(c, "bytes", tlb_stats_sum(dp, TLB_STAT_OFF(be[b->id].bytes)));
			rte_tel_data_add_dict_u64(c, "new_flows",
						  tlb_stats_sum(dp, TLB_STAT_OFF(be[b->id].new_flows)));
			rte_tel_data_add_dict_u64(c, "active_flows",
						  tlb_stats_sum(dp, TLB_STAT_OFF(be[b->id].flows)));
			snprintf(key, sizeof(key), "backend%u", n);
			add_sub(d, key, c);
			n++;
		}
	}
	pthread_mutex_unlock(&tel_ctl->lock);
	if (more != 0)
		rte_tel_data_add_dict_u64(d, "not_shown", more);
	return found || params == NULL || params[0] == '\0' ? 0 : -ENOENT;
}

static int
cmd_config(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct rte_tel_data *c = sub_dict();
	char when[32];
	struct tm tm;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_ctl->lock);
	rte_tel_data_add_dict_string(d, "file", tel_ctl->path);
	rte_tel_data_add_dict_u64(d, "generation", tel_ctl->generation);
	rte_tel_data_add_dict_u64(d, "runtime_changes", tel_ctl->n_ov);
	if (c != NULL) {
		gmtime_r(&tel_ctl->last.time, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		rte_tel_data_add_dict_int(c, "ok", tel_ctl->last.ok);	/* 22.11: no boolean type */
		rte_tel_data_add_dict_string(c, "time", when);
		rte_tel_data_add_dict_string(c, "message", tel_ctl->last.message);
	}
	pthread_mutex_unlock(&tel_ctl->lock);
	add_sub(d, "last_reload", c);
	return 0;
}

static int
cmd_flows(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct tlb_dp *dp = tel_ctl->dp;
	uint32_t i, b;
	int k;

	rte_tel_data_start_dict(d);
	for (i = 0; i < dp->n_workers; i++) {
		const struct tlb_worker *w = dp->workers[i];
		struct rte_tel_data *c = sub_dict();
		uint64_t entries = 0;
		char name[32];

		if (c == NULL)
			break;
		for (b = 0; b < TLB_MAX_BACKEND_IDS; b++)
			entries += tlb_stats_read(&w->stats.be[b].flows);
		rte_tel_data_add_dict_u64(c, "lcore", w->lcore_id);
		rte_tel_data_add_dict_u64(c, "capacity", w->flows.n_entries);
		rte_tel_data_add_dict_u64(c, "entries", entries);
		for (k = 0; k < TLB_FLOW_EV_MAX; k++)
			rte_tel_data_add_dict_u64(c, tlb_flow_event_name((enum tlb_flow_event)k),
						  tlb_stats_read(&w->stats.flow[k]));
		snprintf(name, sizeof(name), "worker%u", w->index);
		add_sub(d, name, c);
	}
	return 0;
}

static int
cmd_changes(const char *cmd __rte_unused, const char *params __rte_unused,
	    struct rte_tel_data *d)
{
	uint32_t i;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_ctl->lock);
	for (i = 0; i < tel_ctl->n_ov; i++) {
		const struct tlb_ctl_override *o = &tel_ctl->ov[i];
		struct rte_tel_data *c = sub_dict();
		char a[TLB_ADDR_STRLEN], key[32];

		if (c == NULL)
			break;
		rte_tel_data_add_dict_string(c, "service", o->service);
		rte_tel_data_add_dict_string(c, "address", tlb_addr_format(&o->addr, a, sizeof(a)));
		if (o->state >= 0)
			rte_tel_data_add_dict_string(c, "state",
				tlb_config_state_name((enum tlb_backend_state)o->state));
		if (o->weight >= 0)
			rte_tel_data_add_dict_u64(c, "weight", (uint64_t)o->weight);
		snprintf(key, sizeof(key), "change%u", i);
		add_sub(d, key, c);
	}
	pthread_mutex_unlock(&tel_ctl->lock);
	return 0;
}

static int
cmd_announce(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	struct tlb_speaker *sp = tel_ctl->speaker;
	struct rte_tel_data *c;
	uint32_t i;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "enabled", sp != NULL);
	if (sp == NULL)
		return 0;
	c = sub_dict();
	pthread_mutex_lock(&sp->lock);
	rte_tel_data_add_dict_string(d, "interface", sp->cfg.interface);
	rte_tel_data_add_dict_u64(d, "live", sp->live_fd >= 0);
	rte_tel_data_add_dict_u64(d, "announced", sp->n_announced);
	rte_tel_data_add_dict_u64(d, "updates", sp->updates);
	rte_tel_data_add_dict_u64(d, "bird_configures_ok", sp->configures_ok);
	rte_tel_data_add_dict_u64(d, "bird_configures_failed", sp->configures_failed);
	rte_tel_data_add_dict_string(d, "bird_error", sp->last_error);
	for (i = 0; c != NULL && i < sp->n_vips; i++) {
		char a[TLB_ADDR_STRLEN], key[TLB_ADDR_STRLEN];

		tlb_addr_format(&sp->vips[i].vip, a, sizeof(a));
		rte_tel_data_add_dict_string(c, tel_key(a, key, sizeof(key)),
					     tlb_announce_reason_name(sp->vips[i].reason));
	}
	pthread_mutex_unlock(&sp->lock);
	add_sub(d, "vips", c);
	return 0;
}

static void
result(struct rte_tel_data *d, int rc, const char *message)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", rc == 0);
	pthread_mutex_lock(&tel_ctl->lock);
	rte_tel_data_add_dict_u64(d, "generation", tel_ctl->generation);
	pthread_mutex_unlock(&tel_ctl->lock);
	rte_tel_data_add_dict_string(d, "message", message);
}

static int
cmd_reload(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	char msg[256];
	int rc = tlb_ctl_reload(tel_ctl, 0);

	pthread_mutex_lock(&tel_ctl->lock);
	snprintf(msg, sizeof(msg), "%s", tel_ctl->last.message);
	pthread_mutex_unlock(&tel_ctl->lock);
	result(d, rc, msg);
	return 0;
}

/* "SERVICE ADDRESS active|draining|down|clear" or "SERVICE ADDRESS weight N". */
static int
cmd_backend_set(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	char svc[TLB_NAME_MAX], addr_s[TLB_ADDR_STRLEN], action[16], msg[256];
	unsigned long weight = 0;
	struct tlb_addr addr;
	int n, state = -1, w = -1, rc;

	n = params != NULL ? sscanf(params, "%63s %45s %15s %lu", svc, addr_s, action, &weight) : 0;
	if (n < 3 || tlb_addr_parse(addr_s, &addr) != 0) {
		result(d, -EINVAL, "usage: SERVICE ADDRESS active|draining|down|clear|weight N");
		return 0;
	}
	if (strcmp(action, "active") == 0) {
		state = TLB_BACKEND_ACTIVE;
	} else if (strcmp(action, "draining") == 0) {
		state = TLB_BACKEND_DRAINING;
	} else if (strcmp(action, "down") == 0) {
		state = TLB_BACKEND_DOWN;
	} else if (strcmp(action, "weight") == 0 && n == 4 && weight <= UINT16_MAX) {
		w = (int)weight;
	} else if (strcmp(action, "clear") != 0) {
		result(d, -EINVAL, "action: active, draining, down, clear or weight 0..65535");
		return 0;
	}
	rc = tlb_ctl_set_backend(tel_ctl, svc, &addr, state, w, msg, sizeof(msg));
	result(d, rc, msg);
	return 0;
}

int
tlb_telemetry_init(struct tlb_ctl *ctl)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/tunlb/stats", cmd_stats, "Totals, drops by reason, replies, flow events, reloads" },
		{ "/tunlb/services", cmd_services, "Per service: definition and traffic" },
		{ "/tunlb/backends", cmd_backends, "Per backend (optionally of one service): "
		  "state, weight, table share, traffic, flows. Parameter: service name" },
		{ "/tunlb/config", cmd_config, "Config file, generation and last reload" },
		{ "/tunlb/flows", cmd_flows, "Per worker connection table" },
		{ "/tunlb/changes", cmd_changes, "Runtime backend changes in force" },
		{ "/tunlb/announce", cmd_announce, "Route announcements: per VIP announced "
		  "(serving) or why not, liveness interface, BIRD outcome" },
		{ "/tunlb/reload", cmd_reload, "Reload the config file now" },
		{ "/tunlb/backend_set", cmd_backend_set, "Change a backend at run time. Parameters: "
		  "SERVICE ADDRESS active|draining|down|clear|weight N" },
	};
	size_t i;

	tel_ctl = ctl;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc != 0) {
			TLB_LOG(ERR, main, "telemetry: cannot register %s: %s", cmds[i].cmd,
				strerror(-rc));
			return rc;
		}
	}
	return 0;
}
