// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * ringfill: feeds a running `pycost record` sample records through its own
 * ring buffer, at a set rate or as fast as the ring takes them, to measure
 * how many records per second its reader drains (see ringfill.bpf.c).
 *
 *   ringfill --pycost PID --target PID [--rate N] [--seconds S] [--warm-up S]
 *            [--name-codes]
 *
 * --pycost is the recording pycost (its ring is found among its
 * descriptors); --target a process it traces, whose samples the records
 * claim to be.  --name-codes first names the code objects the stacks use,
 * as the sampler does when it first meets them.  --rate 0 (the default)
 * writes as fast as it can: the ring refuses what the reader has not
 * drained.  --warm-up runs that long at the rate first, not counted, so
 * that the reader has met every stack (a service's first seconds).
 * Before each counted or warm-up stretch the reader is given time to drain
 * the ring.  Output: "sent N refused N drained N seconds S total_sent N
 * warm_refused N": the counted stretch's records taken and refused by the
 * ring, those of them the reader had consumed by its end (the ring starts
 * it empty), and its length; every sample record the ring took (warm-up
 * included), and those it refused during the warm-up.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pycost.h"
#include "ringfill.h"
#include "ringfill.skel.h"

/* records per program run: short enough to pace, long enough to be cheap */
#define BATCH 256
/* a sample record's room in the ring: its 8-byte header, padded to 8 bytes */
#define SAMPLE_ROOM ((RINGFILL_SAMPLE_BYTES + 8 + 7) & ~7UL)
/* naming: 64 code records (~330 KiB) at a time, then time for the reader */
#define CODE_BATCH    64
#define CODE_PAUSE_NS 20000000L

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A descriptor of pycost's ring buffer map "events" and its size, or -errno. */
static int find_ring(int pid, __u32 *size)
{
	char path[320], line[128];
	struct dirent *d;
	DIR *dir;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (fd < 0 && (d = readdir(dir))) {
		unsigned int type = 0, id = 0;
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_type: %u", &type);
			sscanf(line, "map_id: %u", &id);
		}
		fclose(f);
		if (type != BPF_MAP_TYPE_RINGBUF || !id)
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			fd = -errno;
		} else if (strcmp(info.name, "events")) {
			close(fd);
			fd = -ENOENT;
		} else {
			*size = info.max_entries;
		}
	}
	closedir(dir);
	return fd;
}

static int run(struct bpf_program *prog, __u32 count, __u64 seq)
{
	struct ringfill_args args = {.count = count, .seq = seq};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) ? -errno : 0;
}

/* Waits until pycost's reader has consumed the ring (at most 10 s). */
static int wait_drained(struct ringfill_bpf *skel)
{
	struct timespec pause = {0, 10000000L};
	int i, err;

	for (i = 0; i < 1000; i++) {
		err = run(skel->progs.ring_avail, 0, 0);
		if (err || !skel->bss->avail)
			return err;
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

/* Writes records for seconds at rate (0: as fast as it can). */
static int fill_for(struct ringfill_bpf *skel, double rate, double seconds, __u64 *seq,
		    double *took)
{
	double t0 = now_s(), now, ahead;
	__u64 n = 0;
	int err;

	for (now = t0; now - t0 < seconds; now = now_s()) {
		/* ahead of the rate: wait for it */
		ahead = rate > 0 ? n / rate - (now - t0) : 0;
		if (ahead > 0) {
			struct timespec ts = {(time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9)};

			nanosleep(&ts, NULL);
			continue;
		}
		err = run(skel->progs.fill, BATCH, *seq);
		if (err)
			return err;
		*seq += BATCH;
		n += BATCH;
	}
	*took = now - t0;
	return 0;
}

static int name_codes(struct ringfill_bpf *skel)
{
	struct timespec pause = {0, CODE_PAUSE_NS};
	__u64 n;
	int err;

	for (n = 0; n < (__u64)RINGFILL_LEVELS * RINGFILL_SHAPES; n += CODE_BATCH) {
		err = run(skel->progs.fill_codes, CODE_BATCH, n);
		if (err)
			return err;
		nanosleep(&pause, NULL);
	}
	return skel->bss->refused ? -ENOSPC : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ringfill --pycost PID --target PID [--rate N] [--seconds S] "
		   "[--warm-up S] [--name-codes]\n"
		   "Writes sample records into a running pycost's ring: N per second (0, the\n"
		   "default: as fast as the ring takes them) for S seconds (default 3).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pycost", required_argument, NULL, 'p'},  {"target", required_argument, NULL, 't'},
	    {"rate", required_argument, NULL, 'r'},    {"seconds", required_argument, NULL, 's'},
	    {"warm-up", required_argument, NULL, 'w'}, {"name-codes", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	       {},
	};
	double rate = 0, seconds = 3, warm = 0, took = 0;
	long pycost = 0, target = 0;
	struct ringfill_bpf *skel = NULL;
	int opt, ring = -1, err = 0, naming = 0;
	const char *what;
	__u32 ring_size = 0;
	__u64 seq = 0, warm_refused = 0, backlog;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		errno = 0;
		switch (opt) {
		case 'p':
		case 't':
			*(opt == 'p' ? &pycost : &target) = strtol(optarg, &end, 10);
			break;
		case 'r':
		case 's':
		case 'w':
			*(opt == 'r'   ? &rate
			  : opt == 's' ? &seconds
				       : &warm) = strtod(optarg, &end);
			break;
		case 'n':
			naming = 1;
			continue;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (errno || *end || *optarg == '-') {
			fprintf(stderr, "ringfill: bad value '%s'\n", optarg);
			return 2;
		}
	}
	if (pycost <= 0 || target <= 0 || seconds <= 0 || rate < 0 || warm < 0) {
		usage(stderr);
		return 2;
	}
	ring = find_ring(pycost, &ring_size);
	if (ring < 0) {
		err = ring;
		fprintf(stderr, "ringfill: no ring buffer 'events' in PID %ld: %s\n", pycost,
			strerror(-err));
		goto cleanup;
	}
	skel = ringfill_bpf__open();
	err = skel ? bpf_map__reuse_fd(skel->maps.events, ring) : -errno;
	if (!err)
		err = ringfill_bpf__load(skel);
	if (err) {
		fprintf(stderr, "ringfill: cannot load the BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	skel->bss->target_pid = target;
	skel->bss->wake_shift = PYCOST_WAKE_SHIFT(ring_size);
	what = "naming the code objects";
	if (naming)
		err = name_codes(skel);
	/* from here on it counts samples only */
	skel->bss->total_sent = 0;
	if (!err) {
		what = "waiting for the reader to drain the ring";
		err = wait_drained(skel);
	}
	if (!err && warm > 0) {
		what = "the warm-up";
		err = fill_for(skel, rate, warm, &seq, &took);
		if (!err)
			err = wait_drained(skel);
	}
	if (err) {
		fprintf(stderr, "ringfill: %s failed: %s\n", what, strerror(-err));
		goto cleanup;
	}
	warm_refused = skel->bss->refused;
	skel->bss->sent = 0;
	skel->bss->refused = 0;
	err = fill_for(skel, rate, seconds, &seq, &took);
	if (err) {
		fprintf(stderr, "ringfill: running the filler failed: %s\n", strerror(-err));
		goto cleanup;
	}
	err = run(skel->progs.ring_avail, 0, 0);
	if (err) {
		fprintf(stderr, "ringfill: reading the ring's fill failed: %s\n", strerror(-err));
		goto cleanup;
	}
	backlog = skel->bss->avail / SAMPLE_ROOM;
	if (backlog > skel->bss->sent)
		backlog = skel->bss->sent;
	printf("sent %llu refused %llu drained %llu seconds %.3f total_sent %llu warm_refused "
	       "%llu\n",
	       (unsigned long long)skel->bss->sent, (unsigned long long)skel->bss->refused,
	       (unsigned long long)(skel->bss->sent - backlog), took,
	       (unsigned long long)skel->bss->total_sent, (unsigned long long)warm_refused);
cleanup:
	ringfill_bpf__destroy(skel);
	if (ring >= 0)
		close(ring);
	return err ? 1 : 0;
}
