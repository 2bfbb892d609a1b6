/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "tlb_bird.h"
#include "tlb_ctl.h"
#include "tlb_log.h"
#include "tlb_speaker.h"
#include "tlb_stats.h"

#define FILE_MAX (64 + TLB_ANNOUNCE_MAX_VIPS * (16 + TLB_ADDR_STRLEN + TLB_CONFIG_IFNAME_MAX))

static const char *
family_file(const struct tlb_speaker *sp, int i)
{
	return i == 0 ? sp->cfg.ipv4_routes : sp->cfg.ipv6_routes;
}

/* Render both files; write those whose text changed. Returns 1 when one changed, -errno. */
static int
write_files(struct tlb_speaker *sp)
{
	static const uint8_t family[2] = { TLB_AF_INET, TLB_AF_INET6 };
	int i, changed = 0;

	for (i = 0; i < 2; i++) {
		char *buf;
		int len, rc;

		if (family_file(sp, i)[0] == '\0')
			continue;
		buf = malloc(FILE_MAX);
		if (buf == NULL)
			return -ENOMEM;
		len = tlb_announce_render(sp->vips, sp->n_vips, family[i], sp->cfg.interface, buf,
					  FILE_MAX);
		if (len < 0) {
			free(buf);
			return -ENOSPC;
		}
		if (sp->text[i] != NULL && strcmp(sp->text[i], buf) == 0) {
			free(buf);
			continue;
		}
		rc = tlb_bird_write_file(family_file(sp, i), buf, (size_t)len);
		if (rc != 0) {
			TLB_LOG(ERR, announce, "cannot write %s: %s", family_file(sp, i),
				strerror(-rc));
			free(buf);
			return rc;
		}
		free(sp->text[i]);
		sp->text[i] = buf;
		changed = 1;
	}
	return changed;
}

/* One configure exchange with BIRD, when there is a socket; logs a change of outcome. */
static int
configure(struct tlb_speaker *sp)
{
	char msg[256];
	int rc;

	if (sp->cfg.bird_socket[0] == '\0')
		return 0;
	rc = tlb_bird_configure(sp->cfg.bird_socket, TLB_SPEAKER_BIRD_TIMEOUT_MS, msg, sizeof(msg));
	pthread_mutex_lock(&sp->lock);
	if (rc == 0) {
		sp->configures_ok++;
		if (sp->last_error[0] != '\0')
			TLB_LOG(INFO, announce, "BIRD (%s) accepted the routes again: %s",
				sp->cfg.bird_socket, msg);
		sp->last_error[0] = '\0';
	} else {
		sp->configures_failed++;
		if (strcmp(sp->last_error, msg) != 0)
			TLB_LOG(WARNING, announce, "BIRD (%s) configure failed: %s (retrying every %u ms)",
				sp->cfg.bird_socket, msg, TLB_SPEAKER_RETRY_MS);
		snprintf(sp->last_error, sizeof(sp->last_error), "%s", msg);
	}
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

int
tlb_speaker_init(struct tlb_speaker *sp, const struct tlb_config_announce *a)
{
	int rc;

	memset(sp, 0, sizeof(*sp));
	pthread_mutex_init(&sp->lock, NULL);
	sp->cfg = *a;
	sp->live_fd = -1;
	/*
	 * The interface first, down: when another process holds it, nothing of
	 * that instance's announcements is touched. Then empty files (routes a
	 * crashed run left must not come back with the interface), then up.
	 */
	rc = tlb_bird_live_open(a->interface);
	if (rc < 0) {
		TLB_LOG(ERR, announce, "cannot create the liveness interface %s: %s%s", a->interface,
			strerror(-rc), rc == -EBUSY ? " (another tunlb in this namespace?)" : "");
		return rc;
	}
	sp->live_fd = rc;
	rc = write_files(sp);
	if (rc < 0)
		return rc;
	sp->dirty = configure(sp) != 0;
	rc = tlb_bird_live_up(a->interface);
	if (rc < 0) {
		TLB_LOG(ERR, announce, "cannot set the liveness interface %s up: %s", a->interface,
			strerror(-rc));
		return rc;
	}
	TLB_LOG(INFO, announce, "announcing through %s%s%s, routes via %s, withdraw grace %u ms",
		a->ipv4_routes[0] ? a->ipv4_routes : "", a->ipv4_routes[0] && a->ipv6_routes[0] ?
		" and " : "", a->ipv6_routes, a->interface, a->withdraw_grace_ms);
	return 0;
}

/* Every used port's link is up. */
static int
ports_up(const struct tlb_dp *dp)
{
	uint16_t i;

	for (i = 0; i < dp->n_ports; i++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(dp->port_ids[i], &link) != 0 ||
		    link.link_status != RTE_ETH_LINK_UP)
			return 0;
	}
	return 1;
}

/* Re-plan from ctl's config; log every VIP whose state changed. */
static void
replan(struct tlb_speaker *sp, struct tlb_ctl *ctl, int up)
{
	struct tlb_announce_vip *next = malloc(sizeof(sp->vips));
	char a[TLB_ADDR_STRLEN];
	uint32_t n, i, j, n_ann = 0;

	if (next == NULL)
		return;		/* keep the current plan; next poll tries again */
	pthread_mutex_lock(&ctl->lock);
	n = tlb_announce_plan(ctl->cfg, up, sp->stopping, next, TLB_ANNOUNCE_MAX_VIPS);
	pthread_mutex_unlock(&ctl->lock);
	for (i = 0; i < n; i++) {
		enum tlb_announce_reason was = TLB_ANNOUNCE_REASON_MAX;

		for (j = 0; j < sp->n_vips; j++)
			if (tlb_addr_eq(&sp->vips[j].vip, &next[i].vip))
				was = sp->vips[j].reason;
		n_ann += next[i].reason == TLB_ANNOUNCE_SERVING;
		if (was == next[i].reason)
			continue;
		if (next[i].reason == TLB_ANNOUNCE_SERVING)
			TLB_LOG(INFO, announce, "VIP %s: announced",
				tlb_addr_format(&next[i].vip, a, sizeof(a)));
		else if (was == TLB_ANNOUNCE_SERVING || was == TLB_ANNOUNCE_REASON_MAX)
			TLB_LOG(INFO, announce, "VIP %s: not announced (%s)",
				tlb_addr_format(&next[i].vip, a, sizeof(a)),
				tlb_announce_reason_name(next[i].reason));
	}
	pthread_mutex_lock(&sp->lock);
	memcpy(sp->vips, next, sizeof(*next) * n);
	sp->n_vips = n;
	sp->n_announced = n_ann;
	pthread_mutex_unlock(&sp->lock);
	free(next);
}

void
tlb_speaker_poll(struct tlb_speaker *sp, struct tlb_ctl *ctl, uint64_t now_ms)
{
	int rc;

	if (sp->stopping || now_ms < sp->next_poll_ms)
		return;
	sp->next_poll_ms = now_ms + TLB_SPEAKER_POLL_MS;
	replan(sp, ctl, ports_up(ctl->dp));
	rc = write_files(sp);
	if (rc > 0) {
		pthread_mutex_lock(&sp->lock);
		sp->updates++;
		pthread_mutex_unlock(&sp->lock);
		sp->dirty = 1;
		sp->next_try_ms = 0;
	}
	if (sp->dirty && now_ms >= sp->next_try_ms) {
		sp->dirty = configure(sp) != 0;
		sp->next_try_ms = now_ms + TLB_SPEAKER_RETRY_MS;
	}
}

void
tlb_speaker_stop(struct tlb_speaker *sp, struct tlb_ctl *ctl)
{
	if (sp->stopping)
		return;
	sp->stopping = 1;
	if (sp->live_fd >= 0) {
		close(sp->live_fd);	/* the interface goes, and every route via it */
		sp->live_fd = -1;
	}
	replan(sp, ctl, 1);
	if (write_files(sp) >= 0)
		configure(sp);
	TLB_LOG(INFO, announce, "stopping: every VIP withdrawn (%s removed)", sp->cfg.interface);
}

void
tlb_speaker_write_json(FILE *f, struct tlb_speaker *sp)
{
	char a[TLB_ADDR_STRLEN];
	uint32_t i;

	pthread_mutex_lock(&sp->lock);
	fprintf(f, "\"announce\": {\"interface\": \"%s\", \"live\": %s, \"announced\": %u, "
		"\"updates\": %" PRIu64 ", \"bird_configures\": {\"ok\": %" PRIu64 ", \"failed\": %"
		PRIu64 "}, \"bird_error\": ", sp->cfg.interface, sp->live_fd >= 0 ? "true" : "false",
		sp->n_announced, sp->updates, sp->configures_ok, sp->configures_failed);
	tlb_stats_put_string(f, sp->last_error);
	fprintf(f, ", \"vips\": {");
	for (i = 0; i < sp->n_vips; i++)
		fprintf(f, "%s\"%s\": \"%s\"", i ? ", " : "",
			tlb_addr_format(&sp->vips[i].vip, a, sizeof(a)),
			tlb_announce_reason_name(sp->vips[i].reason));
	fprintf(f, "}}");
	pthread_mutex_unlock(&sp->lock);
}

void
tlb_speaker_fini(struct tlb_speaker *sp)
{
	if (sp->live_fd >= 0)
		close(sp->live_fd);
	sp->live_fd = -1;
	free(sp->text[0]);
	free(sp->text[1]);
	sp->text[0] = sp->text[1] = NULL;
	pthread_mutex_destroy(&sp->lock);
}
