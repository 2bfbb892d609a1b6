/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLB_BENCH_COMMON_H
#define TLB_BENCH_COMMON_H

/* Timing helpers shared by the micro-benchmarks (printed numbers, never asserted). */

#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* qsort() order of doubles (medians of runs). */
static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif /* TLB_BENCH_COMMON_H */
