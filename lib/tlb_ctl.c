/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_rcu_qsbr.h>

#include "tlb_ctl.h"
#include "tlb_log.h"

#define GRACE_WARN_MS 1000	/* name the wait once it takes this long */

static void
set_last(struct tlb_ctl *ctl, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_last(struct tlb_ctl *ctl, int ok, const char *fmt, ...)
{
	va_list ap;

	ctl->last.ok = ok;
	ctl->last.time = time(NULL);
	va_start(ap, fmt);
	vsnprintf(ctl->last.message, sizeof(ctl->last.message), fmt, ap);
	va_end(ap);
}

/*
 * Swap in next; wait until no worker can still hold the previous snapshot.
 * Pairs with the acquire load once per burst in tlb_worker_iter(); the
 * grace period ends when every online worker reported quiescence after it.
 */
static struct tlb_snapshot *
publish(struct tlb_ctl *ctl, struct tlb_snapshot *next)
{
	struct tlb_dp *dp = ctl->dp;
	struct tlb_snapshot *prev;
	uint64_t token, t0 = rte_get_timer_cycles(), warn_at;
	int warned = 0;

	prev = atomic_exchange_explicit(&dp->active, next, memory_order_acq_rel);
	token = rte_rcu_qsbr_start(dp->qsv);
	warn_at = t0 + rte_get_timer_hz() * GRACE_WARN_MS / 1000;
	while (rte_rcu_qsbr_check(dp->qsv, token, false) == 0) {
		if (!warned && rte_get_timer_cycles() > warn_at) {
			TLB_LOG(WARNING, ctl, "generation %" PRIu64 ": a worker has not passed a "
				"quiescent state for %u ms (stalled lcore?)", next->generation,
				GRACE_WARN_MS);
			warned = 1;
		}
		rte_delay_us_sleep(100);
	}
	return prev;
}

int
tlb_ctl_init(struct tlb_ctl *ctl, struct tlb_dp *dp, const char *path, struct tlb_config *cfg,
	     int socket)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->dp = dp;
	ctl->socket = socket;
	ctl->path = strdup(path);
	ctl->ids = calloc(1, sizeof(*ctl->ids));
	if (ctl->path == NULL || ctl->ids == NULL)
		return -ENOMEM;
	ctl->snap = tlb_snapshot_build(cfg, 1, socket, ctl->ids);
	if (ctl->snap == NULL)
		return -rte_errno;
	ctl->cfg = cfg;
	ctl->generation = 1;
	/* Workers are not running yet: launching them orders this store. */
	atomic_store_explicit(&dp->active, ctl->snap, memory_order_release);
	set_last(ctl, 1, "initial load");
	return 0;
}

static int
mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* The first restart-only key that differs between a and b, or NULL. */
static const char *
restart_only_change(const struct tlb_config *a, const struct tlb_config *b)
{
	uint32_t i;

	if (!tlb_addr_eq(&a->node.ipv4, &b->node.ipv4))
		return "node.ipv4";
	if (!tlb_addr_eq(&a->node.ipv6, &b->node.ipv6))
		return "node.ipv6";
	if (!mac_eq(a->node.gateway_mac, b->node.gateway_mac))
		return "node.gateway_mac";
	if (a->n_ports != b->n_ports)
		return "ports";
	for (i = 0; i < a->n_ports; i++) {
		const struct tlb_config_port *x = &a->ports[i], *y = &b->ports[i];

		if (strcmp(x->name, y->name) != 0 || x->mtu != y->mtu ||
		    x->tx_offloads != y->tx_offloads || strcmp(x->tx_port, y->tx_port) != 0)
			return "ports";
	}
	if (memcmp(&a->dataplane, &b->dataplane, sizeof(a->dataplane)) != 0)
		return "dataplane";
	return NULL;
}

int
tlb_ctl_reload(struct tlb_ctl *ctl)
{
	struct tlb_config_errors *errs = calloc(1, sizeof(*errs));
	struct tlb_config *cfg = NULL;
	struct tlb_snapshot *next, *prev;
	const char *key;
	uint32_t i;
	int rc;

	if (errs == NULL)
		return -ENOMEM;
	rc = tlb_config_load(ctl->path, &cfg, errs);
	if (rc != 0) {
		for (i = 0; i < errs->n; i++)
			TLB_LOG(ERR, ctl, "%s:%u:%u: %s", ctl->path, errs->e[i].line,
				errs->e[i].col, errs->e[i].msg);
		set_last(ctl, 0, "%s:%u:%u: %s", ctl->path, errs->n ? errs->e[0].line : 0,
			 errs->n ? errs->e[0].col : 0, errs->n ? errs->e[0].msg : strerror(-rc));
		goto fail;
	}
	key = restart_only_change(ctl->cfg, cfg);
	if (key != NULL) {
		rc = -EINVAL;
		TLB_LOG(ERR, ctl, "%s: reload refused: '%s' changed, which needs a restart; "
			"still serving generation %" PRIu64, ctl->path, key, ctl->generation);
		set_last(ctl, 0, "%s: '%s' changed: restart needed", ctl->path, key);
		goto fail;
	}
	next = tlb_snapshot_build(cfg, ctl->generation + 1, ctl->socket, ctl->ids);
	if (next == NULL) {
		rc = -rte_errno;
		set_last(ctl, 0, "%s: building generation %" PRIu64 " failed: %s", ctl->path,
			 ctl->generation + 1, rte_strerror(rte_errno));
		goto fail;
	}
	prev = publish(ctl, next);
	tlb_snapshot_free(prev);
	tlb_config_free(ctl->cfg);
	ctl->cfg = cfg;
	ctl->snap = next;
	ctl->generation++;
	ctl->dp->reloads_ok++;
	set_last(ctl, 1, "generation %" PRIu64, ctl->generation);
	TLB_LOG(INFO, ctl, "%s: generation %" PRIu64 " serving (%u services, %u backends)",
		ctl->path, ctl->generation, next->n_services, next->n_backends);
	free(errs);
	return 0;
fail:
	ctl->dp->reloads_failed++;
	tlb_config_free(cfg);
	free(errs);
	return rc;
}

void
tlb_ctl_fini(struct tlb_ctl *ctl)
{
	tlb_snapshot_free(ctl->snap);
	tlb_config_free(ctl->cfg);
	free(ctl->ids);
	free(ctl->path);
	memset(ctl, 0, sizeof(*ctl));
}
