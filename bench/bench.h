/*
 * Clocks shared by the benchmarks. Wall time says what a user waits; CPU
 * time says what one core spent, which is the steadier figure on a busy
 * shared machine. Every benchmark prints both where it can.
 */
#ifndef TP_BENCH_H
#define TP_BENCH_H

#include <sys/resource.h>
#include <time.h>

static inline double tp_bench_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds on a monotonic clock. */
static inline double tp_bench_wall(void)
{
	return tp_bench_clock(CLOCK_MONOTONIC);
}

/* CPU seconds (user + system) of the whole process. */
static inline double tp_bench_cpu(void)
{
	return tp_bench_clock(CLOCK_PROCESS_CPUTIME_ID);
}

/* CPU seconds of the calling thread. */
static inline double tp_bench_thread_cpu(void)
{
	return tp_bench_clock(CLOCK_THREAD_CPUTIME_ID);
}

/* Peak resident set size of this process so far, in KiB. */
static inline long tp_bench_peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#endif
