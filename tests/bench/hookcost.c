// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * hookcost: what each BPF primitive of a request tracker costs on this
 * machine, in wall time per socket call (see hookcost.bpf.c).  make bench
 * prints its figures beside the web benchmark: they bound from below what
 * any tracker built of them can cost per request here.
 *
 *   hookcost [--cpu N] [--rounds R] [--calls C]
 *
 * Each round times C socket writes (and the reads that drain them) once per
 * variant: the program detached; attached with the caller filtered out;
 * attached, running for the caller and doing nothing; and doing each
 * primitive.  The variants' order rotates from round to round, and each
 * figure is the median over the rounds of its difference within a round,
 * so that the machine's drift between rounds cancels.  Output: one line
 * per figure, "NAME MEDIAN Q1 Q3" in nanoseconds per call.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "hookcost.h"
#include "hookcost.skel.h"

enum variant {
	V_DETACHED,
	V_FILTERED,
	V_NOOP,
	V_KTIME,
	V_HASH,
	V_READ_USER,
	V_RING,
	V_COUNT,
};

static const struct {
	const char *name;
	int mode;
	enum variant base; /* the figure is this variant less base */
} variants[V_COUNT] = {
    [V_DETACHED] = {"detached", HOOKCOST_NOOP, V_DETACHED},
    [V_FILTERED] = {"hook_filtered", HOOKCOST_NOOP, V_DETACHED},
    [V_NOOP] = {"hook_traced", HOOKCOST_NOOP, V_DETACHED},
    [V_KTIME] = {"ktime", HOOKCOST_KTIME, V_NOOP},
    [V_HASH] = {"hash_lookup", HOOKCOST_HASH, V_NOOP},
    [V_READ_USER] = {"read_user", HOOKCOST_READ_USER, V_NOOP},
    [V_RING] = {"ringbuf_output", HOOKCOST_RING, V_NOOP},
};

static int drain(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Mean wall time of one socket write and its read, over calls. */
static int time_calls(int sv[2], long calls, double *ns)
{
	char c = 0, head[HOOKCOST_READ] = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	double t0;
	long i;

	errno = 0;
	t0 = now_ns();
	for (i = 0; i < calls; i++) {
		if (send(sv[0], head, sizeof(head), 0) != sizeof(head) ||
		    recv(sv[1], &c, 1, 0) != 1)
			return errno ? -errno : -EIO;
	}
	*ns = (now_ns() - t0) / calls;
	return 0;
}

/* One round: each variant once, the attached ones in an order rotated by round r. */
static int time_round(struct hookcost_bpf *skel, struct ring_buffer *rb, int sv[2], long r,
		      long calls, double *ns)
{
	struct bpf_link *link = NULL;
	int err = 0, k, v;

	/* detached first in even rounds, last in odd ones */
	if (r % 2 == 0)
		err = time_calls(sv, calls, &ns[V_DETACHED]);
	if (!err) {
		link = bpf_program__attach(skel->progs.on_send);
		if (!link)
			err = -errno;
	}
	for (k = 0; !err && k < V_COUNT - 1; k++) {
		v = V_FILTERED + (k + r) % (V_COUNT - 1);
		skel->bss->mode = variants[v].mode;
		skel->bss->target_tgid = v == V_FILTERED ? 0 : (__u32)getpid();
		err = time_calls(sv, calls, &ns[v]);
		if (!err && ring_buffer__consume(rb) < 0)
			err = -EIO;
	}
	bpf_link__destroy(link);
	if (!err && r % 2)
		err = time_calls(sv, calls, &ns[V_DETACHED]);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hookcost [--cpu N] [--rounds R] [--calls C]\n"
		"Wall time per socket call of each BPF primitive, on CPU N (default 0),\n"
		"median over R interleaved rounds (default 101) of C calls (default 5000,\n"
		"at most %d).\n",
		HOOKCOST_MAX_CALLS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cpu", required_argument, NULL, 'c'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"calls", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	long cpu = 0, rounds = 101, calls = 5000, r;
	struct hookcost_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	double *t = NULL, *d = NULL;
	int sv[2] = {-1, -1}, opt, v, err = 0;
	__u8 zero[HOOKCOST_RECORD] = {};
	__u32 tid = (__u32)gettid();
	cpu_set_t set;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		long *dst = opt == 'c' ? &cpu : opt == 'r' ? &rounds : &calls;

		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt == '?') {
			usage(stderr);
			return 2;
		}
		errno = 0;
		*dst = strtol(optarg, &end, 10);
		if (errno || *end || *dst < 0 || (opt != 'c' && *dst < 3) ||
		    calls > HOOKCOST_MAX_CALLS || rounds > 100000) {
			fprintf(stderr, "hookcost: bad value '%s' for --%s\n", optarg,
				opt == 'c'   ? "cpu"
				: opt == 'r' ? "rounds"
					     : "calls");
			return 2;
		}
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		err = -errno;
		fprintf(stderr, "hookcost: cannot run on CPU %ld: %s\n", cpu, strerror(-err));
		goto cleanup;
	}
	t = calloc(rounds * V_COUNT, sizeof(*t));
	d = calloc(rounds, sizeof(*d));
	if (!t || !d) {
		err = -ENOMEM;
		fprintf(stderr, "hookcost: out of memory\n");
		goto cleanup;
	}
	skel = hookcost_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "hookcost: cannot load the BPF program: %s\n", strerror(-err));
		goto cleanup;
	}
	err = bpf_map__update_elem(skel->maps.state, &tid, sizeof(tid), zero, sizeof(zero), 0);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.ring), drain, NULL, NULL);
	if (err || !rb || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		err = err ?: -errno;
		fprintf(stderr, "hookcost: setup failed: %s\n", strerror(-err));
		goto cleanup;
	}
	err = time_calls(sv, calls, &t[0]); /* warm-up */
	for (r = 0; !err && r < rounds; r++)
		err = time_round(skel, rb, sv, r, calls, &t[r * V_COUNT]);
	if (err) {
		fprintf(stderr, "hookcost: timing failed: %s\n", strerror(-err));
		goto cleanup;
	}
	if (skel->bss->fails) {
		err = -EIO;
		fprintf(stderr, "hookcost: %llu user reads or ring records failed\n",
			(unsigned long long)skel->bss->fails);
		goto cleanup;
	}
	for (v = V_FILTERED; v < V_COUNT; v++) {
		for (r = 0; r < rounds; r++)
			d[r] = t[r * V_COUNT + v] - t[r * V_COUNT + variants[v].base];
		qsort(d, rounds, sizeof(*d), cmp_double);
		printf("%s %.1f %.1f %.1f\n", variants[v].name, d[rounds / 2], d[rounds / 4],
		       d[rounds - 1 - rounds / 4]);
	}
cleanup:
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	ring_buffer__free(rb);
	hookcost_bpf__destroy(skel);
	free(d);
	free(t);
	return err ? 1 : 0;
}
