/*
 * Import throughput and memory: the maltrail DPRK lists shipped in data/
 * (34,711 entries) and a generated 1,000,000-line IOC list (domains, IPv4,
 * URLs, SHA-256, defanged forms, comment blocks), each imported to a STIX
 * bundle written to /dev/null. Prints indicators/s and the peak resident
 * memory of each run (measured in a child process, so one run's peak does
 * not hide the next).
 *
 *	bench_import [SOURCE_DIR] [LINES]     (defaults: . and 1000000)
 *
 * Goal: >= 200,000 indicators/s; memory bounded by the output (the id set
 * grows with the indicators written, the input is streamed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tripact/convert.h"
#include "bench.h"

static size_t bytes_out;

static enum tp_err sink(void *ctx, const char *s, size_t n)
{
	bytes_out += n;
	return fwrite(s, 1, n, ctx) == n ? TP_OK : TP_EIO;
}

struct result {
	double seconds, cpu;
	size_t indicators, rows, bytes;
	long peak_kb;
};

/* Runs in a child: imports the files as lists, reports through a pipe. */
static int run(const char *const *files, int n, struct result *res)
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		FILE *devnull = fopen("/dev/null", "w");
		struct tp_convert_opts o = {
			.identity = "bench", .tlp = TP_TLP_GREEN, .source = "bench"};
		struct tp_convert *c;
		struct result r = {0};
		if (!devnull || tp_convert_new(&o, sink, NULL, devnull, &c) != TP_OK)
			_exit(2);
		double t0 = tp_bench_wall();
		for (int i = 0; i < n; i++) {
			FILE *in = fopen(files[i], "r");
			struct tp_diag d = {0};
			if (!in || tp_convert_list(c, files[i], in, &d) != TP_OK) {
				fprintf(stderr, "bench_import: %s: %s\n", files[i],
					in ? d.message : "cannot open");
				_exit(2);
			}
			fclose(in);
		}
		struct tp_convert_stats st;
		struct tp_diag d = {0};
		if (tp_convert_finish(c, &st, &d) != TP_OK)
			_exit(2);
		r.seconds = tp_bench_wall() - t0;
		r.indicators = st.indicators;
		r.rows = st.rows;
		r.bytes = bytes_out;
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		r.peak_kb = ru.ru_maxrss;
		r.cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			ru.ru_stime.tv_usec / 1e6;
		tp_convert_free(c);
		if (write(fd[1], &r, sizeof r) != sizeof r)
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], res, sizeof *res);
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	return got == sizeof *res && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void print(const char *what, const struct result *r)
{
	printf("%s: %zu lines, %zu indicators\n"
	       "  wall %.2f s = %.0f indicators/s; CPU %.2f s = %.0f indicators/s\n"
	       "  peak RSS %.1f MB, bundle %.1f MB\n",
	       what, r->rows, r->indicators, r->seconds, r->indicators / r->seconds, r->cpu,
	       r->indicators / r->cpu, r->peak_kb / 1024.0, r->bytes / 1048576.0);
}

/* A list with the shapes real feeds have, every value distinct. */
static int generate(const char *path, long lines)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	unsigned long x = 88172645463325252UL;
	for (long i = 0; i < lines; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % 200 == 0)
			fprintf(f, "\n# Reference: https://example.org/report/%ld\n", i / 200);
		switch (i % 6) {
		case 0:
			fprintf(f, "c2-%lx-%ld.example.com\n", x & 0xffffff, i);
			break;
		case 1:
			fprintf(f, "%lu.%lu.%lu.%lu\n", 1 + (x >> 8 & 0xdf), x >> 16 & 0xff,
				x >> 24 & 0xff, x >> 32 & 0xff);
			break;
		case 2:
			fprintf(f, "hxxp://upd-%ld[.]example[.]net/gate.php?id=%lx\n", i, x);
			break;
		case 3:
			fprintf(f, "%016lx%016lx%016lx%016lx\n", x, x * 31 + (unsigned long)i,
				x ^ 0x5555, (unsigned long)i);
			break;
		case 4:
			fprintf(f, "mail%ld[.]example[.]org\n", i);
			break;
		default:
			fprintf(f, "cdn%ld.example.io/panel/%lx.php\n", i, x & 0xffff);
			break;
		}
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *top = argc > 1 ? argv[1] : getenv("TP_SOURCE_DIR");
	if (!top)
		top = ".";
	long lines = argc > 2 ? atol(argv[2]) : 1000000;
	static const char *const names[] = {"android_lazarus", "apt_bluenoroff", "apt_kimsuky",
					    "apt_lazarus",     "apt_reaper",	 "konni"};
	char paths[6][4096];
	const char *files[6];
	for (int i = 0; i < 6; i++) {
		snprintf(paths[i], sizeof paths[i], "%s/data/intel/maltrail/%s.txt", top, names[i]);
		files[i] = paths[i];
	}
	printf("tripact import benchmark (list format, output streamed to /dev/null)\n");
	printf("rerun: build/release/bench/bench_import SOURCE_DIR [LINES]\n");
	struct result r, best = {0};
	for (int k = 0; k < 3; k++) {
		if (run(files, 6, &r) != 0) {
			fprintf(stderr,
				"bench_import: maltrail run failed (is %s the source tree?)\n",
				top);
			return 1;
		}
		if (k == 0 || r.seconds < best.seconds)
			best = r;
	}
	print("maltrail DPRK lists (best of 3)", &best);

	char gen[] = "/tmp/tripact-bench-XXXXXX";
	int fd = mkstemp(gen);
	if (fd < 0)
		return 1;
	close(fd);
	if (generate(gen, lines) != 0) {
		unlink(gen);
		return 1;
	}
	const char *g[] = {gen};
	int rc = run(g, 1, &r);
	unlink(gen);
	if (rc != 0) {
		fprintf(stderr, "bench_import: generated run failed\n");
		return 1;
	}
	char what[64];
	snprintf(what, sizeof what, "generated %ld-line list", lines);
	print(what, &r);
	printf("goal: >= 200000 indicators/s. No reference figure: MISP and the\n"
	       "OASIS stix2 tools (Python) are not installed here. On a shared machine\n"
	       "wall-clock figures are noisy; CPU time is the steadier measure.\n");
	return 0;
}
