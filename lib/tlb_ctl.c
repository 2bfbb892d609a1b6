/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_rcu_qsbr.h>

#include "tlb_ctl.h"
#include "tlb_log.h"

#define GRACE_WARN_MS 1000	/* name a stalled worker once the wait takes this long */

static void __attribute__((format(printf, 3, 4)))
set_last(struct tlb_ctl *ctl, int ok, const char *fmt, ...)
{
	va_list ap;

	ctl->last.ok = ok;
	ctl->last.time = time(NULL);
	va_start(ap, fmt);
	vsnprintf(ctl->last.message, sizeof(ctl->last.message), fmt, ap);
	va_end(ap);
}

/* Name the workers that have not reported quiescence since token. */
static void
warn_stalled(const struct tlb_dp *dp, uint64_t token, uint64_t generation)
{
	uint32_t i;

	for (i = 0; i < dp->n_workers; i++) {
		const struct tlb_worker *w = dp->workers[i];
		uint64_t cnt = __atomic_load_n(&dp->qsv->qsbr_cnt[w->index].cnt,
					       __ATOMIC_ACQUIRE);

		if (cnt != __RTE_QSBR_CNT_THR_OFFLINE && cnt < token)
			TLB_LOG(WARNING, ctl, "generation %" PRIu64 ": worker %u (lcore %u) has not "
				"passed a quiescent state for %u ms: stalled?", generation, w->index,
				w->lcore_id, GRACE_WARN_MS);
	}
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
	uint64_t token, warn_at, period = rte_get_timer_hz() * GRACE_WARN_MS / 1000;

	prev = atomic_exchange_explicit(&dp->active, next, memory_order_acq_rel);
	token = rte_rcu_qsbr_start(dp->qsv);
	warn_at = rte_get_timer_cycles() + period;
	while (rte_rcu_qsbr_check(dp->qsv, token, false) == 0) {
		if (rte_get_timer_cycles() > warn_at) {	/* at most once a period */
			warn_stalled(dp, token, next->generation);
			warn_at += period;
		}
		rte_delay_us_sleep(100);
	}
	return prev;
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
	if (memcmp(&a->announce, &b->announce, sizeof(a->announce)) != 0)
		return "announce";
	return NULL;
}

static struct tlb_config_backend *
find_backend(struct tlb_config *cfg, const char *service, const struct tlb_addr *addr,
	     int *svc_found)
{
	uint32_t i, j;

	*svc_found = 0;
	for (i = 0; i < cfg->n_services; i++) {
		struct tlb_config_service *s = &cfg->services[i];

		if (strcmp(s->name, service) != 0)
			continue;
		*svc_found = 1;
		for (j = 0; j < s->n_backends; j++)
			if (tlb_addr_eq(&s->backends[j].addr, addr))
				return &s->backends[j];
	}
	return NULL;
}

/* Apply the overrides to cfg; drop (and log) those whose backend is gone. */
static void
apply_overrides(struct tlb_ctl *ctl, struct tlb_config *cfg)
{
	uint32_t i = 0;

	while (i < ctl->n_ov) {
		struct tlb_ctl_override *o = &ctl->ov[i];
		struct tlb_config_backend *b;
		char a[TLB_ADDR_STRLEN];
		int found;

		b = find_backend(cfg, o->service, &o->addr, &found);
		if (b == NULL) {
			TLB_LOG(NOTICE, ctl, "runtime change of %s %s dropped: no longer in %s",
				o->service, tlb_addr_format(&o->addr, a, sizeof(a)), ctl->path);
			ctl->ov[i] = ctl->ov[--ctl->n_ov];
			continue;
		}
		if (o->state >= 0)
			b->state = (enum tlb_backend_state)o->state;
		if (o->weight >= 0)
			b->weight = (uint16_t)o->weight;
		i++;
	}
}

/*
 * Parse text, apply the overrides, check restart-only keys, build and publish.
 * Takes ownership of text on success (it becomes ctl->text). Lock held.
 */
static int
rebuild(struct tlb_ctl *ctl, char *text, size_t len, char *err, size_t err_len)
{
	struct tlb_config_errors *errs = calloc(1, sizeof(*errs));
	struct tlb_config *cfg = NULL;
	struct tlb_snapshot *next, *prev;
	const char *key;
	uint32_t i;
	int rc;

	if (errs == NULL)
		return -ENOMEM;
	rc = tlb_config_load_buffer(ctl->path, text, len, &cfg, errs);
	if (rc != 0) {
		for (i = 0; i < errs->n; i++)
			TLB_LOG(ERR, ctl, "%s:%u:%u: %s", ctl->path, errs->e[i].line,
				errs->e[i].col, errs->e[i].msg);
		snprintf(err, err_len, "%s:%u:%u: %s", ctl->path, errs->n ? errs->e[0].line : 0,
			 errs->n ? errs->e[0].col : 0, errs->n ? errs->e[0].msg : strerror(-rc));
		goto out;
	}
	apply_overrides(ctl, cfg);
	key = restart_only_change(ctl->cfg, cfg);
	if (key != NULL) {
		rc = -EINVAL;
		snprintf(err, err_len, "%s: '%s' changed, which needs a restart", ctl->path, key);
		TLB_LOG(ERR, ctl, "%s; still serving generation %" PRIu64, err, ctl->generation);
		goto out;
	}
	next = tlb_snapshot_build(cfg, ctl->generation + 1, ctl->socket, ctl->ids);
	if (next == NULL) {
		rc = -rte_errno;
		snprintf(err, err_len, "%s: building generation %" PRIu64 " failed: %s", ctl->path,
			 ctl->generation + 1, rte_strerror(rte_errno));
		goto out;
	}
	prev = publish(ctl, next);
	tlb_snapshot_free(prev);
	tlb_config_free(ctl->cfg);
	ctl->cfg = cfg;
	cfg = NULL;
	ctl->snap = next;
	ctl->generation++;
	if (ctl->text != text) {
		free(ctl->text);
		ctl->text = text;
		ctl->text_len = len;
	}
	snprintf(err, err_len, "generation %" PRIu64, ctl->generation);
	TLB_LOG(INFO, ctl, "%s: generation %" PRIu64 " serving (%u services, %u backends, %u "
		"runtime changes)", ctl->path, ctl->generation, next->n_services, next->n_backends,
		ctl->n_ov);
out:
	tlb_config_free(cfg);
	free(errs);
	return rc;
}

/* Remember text as the last attempt (a copy). */
static void
note_tried(struct tlb_ctl *ctl, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return;
	memcpy(copy, text, len);
	free(ctl->tried);
	ctl->tried = copy;
	ctl->tried_len = len;
}

int
tlb_ctl_init(struct tlb_ctl *ctl, struct tlb_dp *dp, const char *path, struct tlb_config *cfg,
	     int socket)
{
	struct tlb_config_errors errs;
	int rc;

	memset(ctl, 0, sizeof(*ctl));
	pthread_mutex_init(&ctl->lock, NULL);
	ctl->watch_fd = -1;
	ctl->dp = dp;
	ctl->socket = socket;
	ctl->path = strdup(path);
	ctl->ids = calloc(1, sizeof(*ctl->ids));
	if (ctl->path == NULL || ctl->ids == NULL)
		return -ENOMEM;
	rc = tlb_config_read_file(path, &ctl->text, &ctl->text_len, &errs);
	if (rc != 0)
		return rc;
	note_tried(ctl, ctl->text, ctl->text_len);
	ctl->snap = tlb_snapshot_build(cfg, 1, socket, ctl->ids);
	if (ctl->snap == NULL)
		return -rte_errno;
	ctl->cfg = cfg;
	ctl->generation = 1;
	/* Workers are not running yet: launching them orders this store. */
	atomic_store_explicit(&dp->active, ctl->snap, memory_order_release);
	set_last(ctl, 1, "generation 1 (start)");
	return 0;
}

int
tlb_ctl_reload(struct tlb_ctl *ctl, int only_if_changed)
{
	struct tlb_config_errors errs;
	char msg[256];
	char *text;
	size_t len;
	int rc;

	pthread_mutex_lock(&ctl->lock);
	rc = tlb_config_read_file(ctl->path, &text, &len, &errs);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", ctl->path, errs.e[0].msg);
		TLB_LOG(ERR, ctl, "%s", msg);
		goto fail;
	}
	if (only_if_changed && len == ctl->tried_len && memcmp(text, ctl->tried, len) == 0) {
		free(text);
		pthread_mutex_unlock(&ctl->lock);
		return 1;
	}
	note_tried(ctl, text, len);
	rc = rebuild(ctl, text, len, msg, sizeof(msg));
	if (rc != 0) {
		free(text);
		goto fail;
	}
	ctl->dp->reloads_ok++;
	set_last(ctl, 1, "%s", msg);
	pthread_mutex_unlock(&ctl->lock);
	return 0;
fail:
	ctl->dp->reloads_failed++;
	set_last(ctl, 0, "%s", msg);
	pthread_mutex_unlock(&ctl->lock);
	return rc;
}

int
tlb_ctl_set_backend(struct tlb_ctl *ctl, const char *service, const struct tlb_addr *addr,
		    int state, int weight, char *err, size_t err_len)
{
	struct tlb_ctl_override saved[TLB_CTL_MAX_OVERRIDES];
	uint32_t i, n_saved;
	int found, rc;

	pthread_mutex_lock(&ctl->lock);
	if (find_backend(ctl->cfg, service, addr, &found) == NULL) {
		snprintf(err, err_len, found ? "service %s has no such backend" :
			 "no service named %s", service);
		pthread_mutex_unlock(&ctl->lock);
		return -ENOENT;
	}
	memcpy(saved, ctl->ov, ctl->n_ov * sizeof(saved[0]));
	n_saved = ctl->n_ov;
	for (i = 0; i < ctl->n_ov; i++)
		if (strcmp(ctl->ov[i].service, service) == 0 && tlb_addr_eq(&ctl->ov[i].addr, addr))
			break;
	if (state < 0 && weight < 0) {			/* clear */
		if (i < ctl->n_ov)
			ctl->ov[i] = ctl->ov[--ctl->n_ov];
	} else {
		if (i == ctl->n_ov) {
			if (ctl->n_ov == TLB_CTL_MAX_OVERRIDES) {
				snprintf(err, err_len, "too many runtime changes (%u)",
					 TLB_CTL_MAX_OVERRIDES);
				pthread_mutex_unlock(&ctl->lock);
				return -ENOSPC;
			}
			memset(&ctl->ov[i], 0, sizeof(ctl->ov[i]));
			snprintf(ctl->ov[i].service, TLB_NAME_MAX, "%s", service);
			ctl->ov[i].addr = *addr;
			ctl->ov[i].state = -1;
			ctl->ov[i].weight = -1;
			ctl->n_ov++;
		}
		if (state >= 0)
			ctl->ov[i].state = state;
		if (weight >= 0)
			ctl->ov[i].weight = weight;
	}
	/* Same path as a reload, from the text that is serving now. */
	rc = rebuild(ctl, ctl->text, ctl->text_len, err, err_len);
	if (rc != 0) {
		memcpy(ctl->ov, saved, n_saved * sizeof(saved[0]));
		ctl->n_ov = n_saved;
		ctl->dp->reloads_failed++;
		set_last(ctl, 0, "%s", err);
	} else {
		ctl->dp->reloads_ok++;
		set_last(ctl, 1, "%s (runtime change)", err);
	}
	pthread_mutex_unlock(&ctl->lock);
	return rc;
}

int
tlb_ctl_watch(struct tlb_ctl *ctl)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(ctl->path, '/');
	int fd;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		ctl->watch_name = strdup(ctl->path);
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - ctl->path), ctl->path);
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		ctl->watch_name = strdup(slash + 1);
	}
	if (ctl->watch_name == NULL)
		return -ENOMEM;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Editors write a new file and rename it over the old one: watch the directory. */
	if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	ctl->watch_fd = fd;
	return 0;
}

void
tlb_ctl_poll(struct tlb_ctl *ctl, uint64_t now_ms)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (ctl->watch_fd < 0)
		return;
	while ((n = read(ctl->watch_fd, buf, sizeof(buf))) > 0) {
		ssize_t off = 0;

		while (off + (ssize_t)sizeof(struct inotify_event) <= n) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->len > 0 && strcmp(ev->name, ctl->watch_name) == 0)
				ctl->change_seen_ms = now_ms;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
	if (ctl->change_seen_ms != 0 && now_ms - ctl->change_seen_ms >= TLB_CTL_DEBOUNCE_MS) {
		ctl->change_seen_ms = 0;
		if (tlb_ctl_reload(ctl, 1) != 1)
			TLB_LOG(INFO, ctl, "%s changed on disk: reload %s", ctl->path,
				ctl->last.ok ? "done" : "failed");
	}
}

void
tlb_ctl_fini(struct tlb_ctl *ctl)
{
	if (ctl->watch_fd >= 0)
		close(ctl->watch_fd);
	tlb_snapshot_free(ctl->snap);
	tlb_config_free(ctl->cfg);
	free(ctl->watch_name);
	free(ctl->tried);
	free(ctl->text);
	free(ctl->ids);
	free(ctl->path);
	pthread_mutex_destroy(&ctl->lock);
	memset(ctl, 0, sizeof(*ctl));
}
