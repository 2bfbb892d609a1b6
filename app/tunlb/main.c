/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tunlb: CLI, EAL initialisation, wiring of the modules, signals, the control
 * loop on the main lcore and orderly shutdown. The only file that may exit
 * the process (design.md section 2; CLI contract in section 3).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>

#include "tlb_config.h"
#include "tlb_ctl.h"
#include "tlb_log.h"
#include "tlb_port.h"
#include "tlb_snapshot.h"
#include "tlb_speaker.h"
#include "tlb_stats.h"
#include "tlb_telemetry.h"
#include "tlb_worker.h"

#define DEFAULT_CONFIG "config/tunlb.yaml"
#define CONTROL_PERIOD_US 1000		/* control loop tick on the main lcore */
#define POLL_TICK_ITERS 256		/* single-lcore mode: control tick every N polls */

struct app_opts {
	const char *config;
	const char *stats_out;
	uint64_t idle_exit_ms;		/* 0 = off */
	uint64_t stats_interval_ms;	/* 0 = only at exit */
};

/* What the control loop works on. */
struct app {
	struct app_opts opts;
	struct tlb_dp *dp;
	struct tlb_ctl ctl;
	struct tlb_worker *self;	/* single-lcore mode: the main lcore's own worker */
	uint64_t next_stats_tsc;	/* --stats-interval: next periodic write */
	struct tlb_speaker speaker;	/* 'announce:' (app.ctl.speaker points here) */
	uint64_t stop_at_ms;		/* withdrawn, forwarding until then; 0 = not stopping */
};

/* Set by the signal handler, read by the control loop. Lock-free, so async-signal-safe. */
static atomic_bool stop_requested;
static atomic_bool reload_requested;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		atomic_store_explicit(&reload_requested, true, memory_order_relaxed);
	else
		atomic_store_explicit(&stop_requested, true, memory_order_relaxed);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [-c FILE] [--idle-exit MS] [--stats-out FILE]\n"
		"           [--stats-interval MS]\n"
		"       %s --check-config FILE\n"
		"  -c, --config FILE     YAML config (default %s)\n"
		"  --idle-exit MS        exit once no packet arrived on any port for MS ms\n"
		"  --stats-out FILE      write the final counters as JSON at exit\n"
		"  --stats-interval MS   also rewrite --stats-out every MS ms while running\n"
		"  --check-config FILE   validate FILE without starting DPDK; exit 0 or 1\n",
		prog, prog, DEFAULT_CONFIG);
}

/* Load and validate; on failure print FILE:LINE:COL lines to stderr. */
static struct tlb_config *
load_config(const char *path)
{
	struct tlb_config_errors *errs = calloc(1, sizeof(*errs));
	struct tlb_config *cfg = NULL;

	if (errs == NULL)
		return NULL;
	if (tlb_config_load(path, &cfg, errs) != 0) {
		tlb_config_errors_print(errs, path, stderr);
		cfg = NULL;
	}
	free(errs);
	return cfg;
}

static int
check_config(const char *path)
{
	struct tlb_config *cfg = load_config(path);

	if (cfg == NULL)
		return 1;
	printf("%s: ok (%u services, %u ports)\n", path, cfg->n_services, cfg->n_ports);
	tlb_config_free(cfg);
	return 0;
}

static int
parse_args(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "stats-out", required_argument, NULL, 's' },
		{ "stats-interval", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = DEFAULT_CONFIG;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
		case 'S':
			errno = 0;
			*(c == 'i' ? &o->idle_exit_ms : &o->stats_interval_ms) =
				strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' || optarg[0] == '\0') {
				fprintf(stderr, "--%s: '%s' is not a number of milliseconds\n",
					c == 'i' ? "idle-exit" : "stats-interval", optarg);
				return -EINVAL;
			}
			break;
		case 's':
			o->stats_out = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->stats_interval_ms != 0 && o->stats_out == NULL) {
		fprintf(stderr, "--stats-interval needs --stats-out FILE\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * The telemetry socket takes runtime changes: owner-only. EAL's runtime
 * directory is already 0700; the socket file itself is made 0600 too.
 */
static void
restrict_telemetry_socket(void)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir()) <
	    sizeof(path) && chmod(path, S_IRUSR | S_IWUSR) != 0 && errno != ENOENT)
		TLB_LOG(WARNING, main, "chmod 0600 %s: %s", path, strerror(errno));
}

/* Sum of rte_malloc's allocated bytes over every socket. */
static uint64_t
heap_alloc_bytes(void)
{
	struct rte_malloc_socket_stats ms;
	uint64_t total = 0;
	unsigned int s;

	for (s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &ms) == 0)
			total += ms.heap_allocsz_bytes;
	return total;
}

/*
 * Write the final counters: text rendered before the frees (without its
 * closing brace), plus rte_malloc's allocated bytes right after EAL start and
 * after tunlb freed everything of its own (a leak check can compare them).
 */
static int
write_final_stats(const char *path, const char *text, uint64_t at_start, uint64_t after_free)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL) {
		TLB_LOG(ERR, main, "--stats-out %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s,\n\"heap\": {\"at_start\": %" PRIu64 ", \"after_free\": %" PRIu64 "}}\n",
		text, at_start, after_free);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0)
		rc = -EIO;
	if (rc != 0)
		TLB_LOG(ERR, main, "--stats-out %s: write failed", path);
	return rc;
}

/* One worker per EAL worker lcore; with none, the main lcore is the only worker. */
static int
create_workers(struct tlb_dp *dp, const struct tlb_config_dataplane *dpc)
{
	unsigned int lcore;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		dp->workers[dp->n_workers] = tlb_worker_create(dp, lcore, (uint16_t)dp->n_workers,
							       dpc);
		if (dp->workers[dp->n_workers] == NULL)
			return -ENOMEM;
		dp->n_workers++;
	}
	if (dp->n_workers == 0) {
		dp->workers[0] = tlb_worker_create(dp, rte_get_main_lcore(), 0, dpc);
		if (dp->workers[0] == NULL)
			return -ENOMEM;
		dp->n_workers = 1;
	}
	return 0;
}

static int
create_rcu(struct tlb_dp *dp)
{
	size_t sz = rte_rcu_qsbr_get_memsize(dp->n_workers);

	dp->qsv = rte_zmalloc("tlb_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsv == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(dp->qsv, dp->n_workers);
}

/* True once no worker received anything for idle_ms. Partner: the workers' relaxed stores. */
static bool
idle_expired(const struct tlb_dp *dp, uint64_t idle_ms)
{
	uint64_t last = 0, now = rte_rdtsc();
	uint32_t i;

	if (idle_ms == 0)
		return false;
	for (i = 0; i < dp->n_workers; i++) {
		uint64_t t = atomic_load_explicit(&dp->workers[i]->last_rx_tsc,
						  memory_order_relaxed);

		if (t > last)
			last = t;
	}
	return now > last && (now - last) / (rte_get_tsc_hz() / 1000) >= idle_ms;
}

/*
 * Write the counters to path: to a temporary file renamed over it, so that a
 * reader polling the file never sees half of one. Control thread.
 */
static int
write_stats(const char *path, struct tlb_ctl *ctl)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL) {
		rc = -errno;
		TLB_LOG(ERR, main, "--stats-out %s: %s", tmp, strerror(errno));
		return rc;
	}
	pthread_mutex_lock(&ctl->lock);
	rc = tlb_stats_write_json(f, ctl, 1);
	pthread_mutex_unlock(&ctl->lock);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		TLB_LOG(ERR, main, "--stats-out %s: write failed: %s", path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

/*
 * A stop was asked for (signal): with announcements, withdraw first and keep
 * forwarding for the grace time, so that traffic already on its way still
 * arrives while the routers move to the other instances. A second signal
 * during the grace time stops at once. Returns true to stop now.
 */
static bool
stop_or_withdraw(struct app *app, uint64_t now_ms)
{
	struct tlb_speaker *sp = app->ctl.speaker;

	if (app->stop_at_ms != 0) {
		TLB_LOG(INFO, main, "signal received again: stopping now");
		return true;
	}
	TLB_LOG(INFO, main, "signal received: stopping");
	if (sp == NULL || sp->cfg.withdraw_grace_ms == 0) {
		if (sp != NULL)
			tlb_speaker_stop(sp, &app->ctl);
		return true;
	}
	tlb_speaker_stop(sp, &app->ctl);
	app->stop_at_ms = now_ms + sp->cfg.withdraw_grace_ms;
	TLB_LOG(INFO, main, "VIPs withdrawn: forwarding %u ms more, then stopping (signal again to "
		"stop now)", sp->cfg.withdraw_grace_ms);
	return false;
}

/* Control work between polls: signals, announcements, idle exit, periodic stats. True: stop. */
static bool
control_tick(struct app *app)
{
	const struct app_opts *o = &app->opts;
	const struct tlb_dp *dp = app->dp;
	uint64_t now_ms = rte_get_timer_cycles() / (rte_get_timer_hz() / 1000);

	if (atomic_exchange_explicit(&reload_requested, false, memory_order_relaxed)) {
		TLB_LOG(INFO, main, "SIGHUP: reloading %s", o->config);
		tlb_ctl_reload(&app->ctl, 0);
	}
	tlb_ctl_poll(&app->ctl, now_ms);
	if (app->ctl.speaker != NULL)
		tlb_speaker_poll(app->ctl.speaker, &app->ctl, now_ms);
	if (atomic_exchange_explicit(&stop_requested, false, memory_order_relaxed) &&
	    stop_or_withdraw(app, now_ms))
		return true;
	if (app->stop_at_ms != 0 && now_ms >= app->stop_at_ms) {
		TLB_LOG(INFO, main, "withdraw grace time over: stopping");
		return true;
	}
	if (idle_expired(dp, o->idle_exit_ms)) {
		TLB_LOG(INFO, main, "no packet for %" PRIu64 " ms: stopping", o->idle_exit_ms);
		return true;
	}
	if (o->stats_interval_ms != 0 && rte_rdtsc() >= app->next_stats_tsc) {
		app->next_stats_tsc = rte_rdtsc() + o->stats_interval_ms * (rte_get_tsc_hz() / 1000);
		tlb_port_refresh_stats(app->dp);
		write_stats(o->stats_out, &app->ctl);
	}
	return false;
}

static void
run(struct app *app)
{
	struct tlb_dp *dp = app->dp;
	uint32_t i;

	if (rte_lcore_count() == 1) {
		/* Single lcore: the main lcore polls and does the control work in between. */
		struct tlb_worker *w = dp->workers[0];
		uint32_t iter = 0;

		app->self = w;
		tlb_worker_online(w);
		for (;;) {
			uint32_t got = tlb_worker_iter(w);
			bool stop;

			if (got != 0 && ++iter % POLL_TICK_ITERS != 0)
				continue;
			/*
			 * Control work may wait for a grace period (reload here or from
			 * the telemetry thread): this lcore must not count as a reader
			 * meanwhile, or it would wait for itself.
			 */
			rte_rcu_qsbr_thread_offline(dp->qsv, w->index);
			stop = control_tick(app);
			rte_rcu_qsbr_thread_online(dp->qsv, w->index);
			if (stop)
				break;
		}
		tlb_worker_release(w);
		tlb_worker_offline(w);
		return;
	}
	for (i = 0; i < dp->n_workers; i++)
		rte_eal_remote_launch(tlb_worker_main, dp->workers[i], dp->workers[i]->lcore_id);
	while (!control_tick(app))
		rte_delay_us_sleep(CONTROL_PERIOD_US);
	/* Partner: the acquire load in tlb_worker_main(). */
	atomic_store_explicit(&dp->stop, true, memory_order_release);
	rte_eal_mp_wait_lcore();
}


int
main(int argc, char **argv)
{
	static struct tlb_dp dp;
	struct app app = { .dp = &dp };
	struct app_opts *o = &app.opts;
	struct tlb_config *cfg;
	struct sigaction sa;
	uint64_t heap_at_start;
	char *final_buf = NULL;
	size_t final_len = 0;
	FILE *final;
	uint32_t i;
	int ret, rc = 0;

	if (argc >= 2 && strcmp(argv[1], "--check-config") == 0) {
		if (argc != 3) {
			usage(stderr, argv[0]);
			return 2;
		}
		return check_config(argv[2]);
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL initialisation failed: %s\n", rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	heap_at_start = heap_alloc_bytes();
	argv[0] = (char *)(uintptr_t)"tunlb";
	if (parse_args(argc, argv, o) != 0) {
		usage(stderr, "tunlb");
		rte_eal_cleanup();
		return 2;
	}
	cfg = load_config(o->config);
	if (cfg == NULL) {
		rte_eal_cleanup();
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (create_workers(&dp, &cfg->dataplane) != 0 || create_rcu(&dp) != 0)
		rte_exit(EXIT_FAILURE, "out of memory for %u workers\n", rte_lcore_count());
	if (tlb_port_setup(&dp, cfg) != 0)
		rte_exit(EXIT_FAILURE, "port set-up failed (see the message above)\n");
	TLB_LOG(INFO, main, "%s: %u services on %u port(s), %u worker(s)", cfg->file,
		cfg->n_services, dp.n_ports, dp.n_workers);
	ret = tlb_ctl_init(&app.ctl, &dp, o->config, cfg, (int)rte_socket_id());
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "cannot build the forwarding state: %s\n", rte_strerror(-ret));
	ret = tlb_ctl_watch(&app.ctl);
	if (ret != 0)
		TLB_LOG(WARNING, main, "cannot watch %s for changes (%s): reload with SIGHUP",
			o->config, strerror(-ret));
	if (app.ctl.cfg->announce.enabled) {
		ret = tlb_speaker_init(&app.speaker, &app.ctl.cfg->announce);
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "announce: cannot start (see the message above)\n");
		app.ctl.speaker = &app.speaker;
	}
	if (tlb_telemetry_init(&app.ctl) != 0)
		TLB_LOG(WARNING, main, "telemetry commands unavailable");
	restrict_telemetry_socket();
	/* dpdk-dumpcap / dpdk-pdump attach as secondary processes and capture our ports. */
	ret = rte_pdump_init();
	if (ret != 0)
		TLB_LOG(WARNING, main, "packet capture unavailable: rte_pdump_init: %s",
			rte_strerror(rte_errno));

	run(&app);
	if (app.ctl.speaker != NULL)	/* idle exit: withdraw too (nothing to wait for) */
		tlb_speaker_stop(app.ctl.speaker, &app.ctl);

	rte_pdump_uninit();
	tlb_port_close_all(&dp);
	/* The counters, rendered before anything is freed, written once it all is. */
	if (o->stats_out != NULL) {
		final = open_memstream(&final_buf, &final_len);
		if (final == NULL || tlb_stats_write_json(final, &app.ctl, 0) != 0)
			rc = 1;
		if (final != NULL)
			fclose(final);
	}
	if (app.ctl.speaker != NULL) {
		tlb_speaker_fini(app.ctl.speaker);
		app.ctl.speaker = NULL;
	}
	tlb_ctl_fini(&app.ctl);
	for (i = 0; i < dp.n_workers; i++)
		tlb_worker_free(dp.workers[i]);
	rte_free(dp.qsv);
	if (final_buf != NULL && write_final_stats(o->stats_out, final_buf, heap_at_start,
						   heap_alloc_bytes()) != 0)
		rc = 1;
	free(final_buf);
	rte_eal_cleanup();
	return rc;
}
