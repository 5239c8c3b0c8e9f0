// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * BPF lifecycle.  One sampling perf event per CPU drives the stack walk;
 * for instructions or cycles, one counting event per CPU, read by both the
 * sample and the sched_switch programs, gives every thread its exact counter
 * delta.  CPU time needs no counter (the BPF clock measures it), and rates
 * the timer tick reaches are sampled at the tick instead of by perf events
 * (see on_tick).
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <zlib.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "session.h" /* before the skeleton: it names struct pycost_stats */
#include "pycost.skel.h"

struct session {
	struct pycost_bpf *skel;
	struct ring_buffer *rb;
	enum metric metric;
	bool tick; /* samples taken at timer interrupts, not by perf events */
	int ncpus;
	int *sample_fds;
	int *count_fds;
	struct bpf_link **links;
	session_record_fn on_record;
	void *ctx;
	struct bpf_link **usdt; /* gc probe links, two per process */
	size_t nusdt, capusdt;
	size_t ring_size;
	size_t drained;	 /* bytes of records taken by the drain in progress */
	int epfd;	 /* edge-triggered on the ring: woken as it fills */
	bool background; /* the reader runs at nice 19 */
	bool can_yield;	 /* and may: it can get its own priority back */
	int nice;	 /* its own nice value */
};

/*
 * The ring is 2 MiB, or 256 KiB per online CPU on bigger hosts: small enough to
 * stay in the CPU caches.  A record written into a ring larger than they
 * are misses them on every line it fills (measured on a 2-CPU VM under a
 * hello-world uWSGI load: about 1 us per request record with 16 MiB,
 * 0.43 us with 4 MiB, 0.32 us with 1 MiB, 0.26 us with 256 KiB).  The
 * reader is woken at each eighth of it instead (ring_output), and a full
 * ring counts its drops.
 */
#define RING_MIN     (2u << 20)
#define RING_PER_CPU (256u << 10)
#define RING_MAX     (64u << 20)

/*
 * The calling thread's nice value in *nice, and whether it could get it
 * back after going to nice 19: lowering a nice value takes CAP_SYS_NICE or
 * an RLIMIT_NICE that allows it, which capabilities enough for BPF need
 * not include.
 */
static bool can_renice(int *nice)
{
	unsigned long long eff = 0;
	struct rlimit rl;
	char line[256];
	FILE *f;

	errno = 0;
	*nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return false;
	if (!getrlimit(RLIMIT_NICE, &rl) &&
	    (rl.rlim_cur == RLIM_INFINITY || 20 - (long long)rl.rlim_cur <= *nice))
		return true;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff & (1ULL << CAP_SYS_NICE);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && pycost_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && pycost_verbose < 1)
		return 0;
	if (level == LIBBPF_WARN && pycost_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

const char *session__metric_name(enum metric m)
{
	switch (m) {
	case METRIC_INSTRUCTIONS:
		return "instructions";
	case METRIC_CYCLES:
		return "cycles";
	case METRIC_CPU:
		return "cpu";
	default:
		return "auto";
	}
}

const char *session__metric_unit(enum metric m)
{
	switch (m) {
	case METRIC_INSTRUCTIONS:
		return "instructions";
	case METRIC_CYCLES:
		return "cycles";
	default:
		return "nanoseconds";
	}
}

enum metric session__metric(const struct session *s)
{
	return s->metric;
}

static void fill_attr(struct perf_event_attr *a, enum metric m)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	if (m == METRIC_CPU) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
	} else {
		a->type = PERF_TYPE_HARDWARE;
		a->config =
		    m == METRIC_CYCLES ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_HW_INSTRUCTIONS;
	}
}

static int perf_open(struct perf_event_attr *a, int cpu)
{
	int fd = syscall(__NR_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Whether a counter of metric m opens here (hardware counters need a PMU). */
static int metric_available(enum metric m)
{
	struct perf_event_attr a;
	int fd;

	fill_attr(&a, m);
	fd = perf_open(&a, 0);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

const char *session__sampler(const struct session *s)
{
	return s->tick ? "timer-tick" : "perf-event";
}

/*
 * The kernel's tick rate (CONFIG_HZ) from its build configuration; 100, the
 * lowest rate Linux offers, when the configuration is not installed.
 */
static unsigned int kernel_hz(void)
{
	static const char key[] = "CONFIG_HZ=";
	char path[128], line[256];
	unsigned int hz = 0;
	struct utsname u;
	gzFile f = NULL;

	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		f = gzopen(path, "r");
	}
	if (!f)
		f = gzopen("/proc/config.gz", "r");
	while (f && !hz && gzgets(f, line, sizeof(line)))
		if (!strncmp(line, key, sizeof(key) - 1))
			hz = strtoul(line + sizeof(key) - 1, NULL, 10);
	if (f)
		gzclose(f);
	return hz ? hz : 100;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	/* each record's 8-byte header, and its length rounded up to 8 */
	s->drained += 8 + ((size + 7) & ~(size_t)7);
	return s->on_record(s->ctx, data, size);
}

/* Whether the kernel has the socket tracepoints request tracking hooks (6.3+). */
static bool has_sock_tracepoints(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok;

	if (!btf)
		return false;
	ok = btf__find_by_name_kind(btf, "btf_trace_sock_recv_length", BTF_KIND_TYPEDEF) > 0 &&
	     btf__find_by_name_kind(btf, "btf_trace_sock_send_length", BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
	return ok;
}

static int open_events(struct session *s, const struct session_opts *o, char *why, size_t whylen)
{
	struct perf_event_attr sa, ca;
	int map_fd = bpf_map__fd(s->skel->maps.counters), err;

	fill_attr(&sa, s->metric);
	fill_attr(&ca, s->metric);
	if (o->period) {
		sa.sample_period = o->period;
	} else {
		sa.freq = 1;
		sa.sample_freq = o->freq;
	}
	for (int cpu = 0; cpu < s->ncpus; cpu++) {
		if (!s->tick) {
			s->sample_fds[cpu] = perf_open(&sa, cpu);
			/* offline CPUs cannot be sampled and run nothing */
			if (s->sample_fds[cpu] == -ENODEV)
				continue;
			if (s->sample_fds[cpu] < 0) {
				err = s->sample_fds[cpu];
				snprintf(why, whylen,
					 "failed to open %s sampling event on CPU %d: %s",
					 session__metric_name(s->metric), cpu, strerror(-err));
				return err;
			}
			s->links[cpu] = bpf_program__attach_perf_event(s->skel->progs.on_sample,
								       s->sample_fds[cpu]);
			if (!s->links[cpu]) {
				err = -errno;
				snprintf(why, whylen, "failed to attach sampler on CPU %d: %s", cpu,
					 strerror(-err));
				return err;
			}
		}
		/* time needs no counter (see counter_now) */
		if (s->metric == METRIC_CPU)
			continue;
		s->count_fds[cpu] = perf_open(&ca, cpu);
		if (s->count_fds[cpu] == -ENODEV)
			continue;
		if (s->count_fds[cpu] < 0) {
			err = s->count_fds[cpu];
			snprintf(why, whylen, "failed to open %s counter on CPU %d: %s",
				 session__metric_name(s->metric), cpu, strerror(-err));
			return err;
		}
		if (bpf_map_update_elem(map_fd, &cpu, &s->count_fds[cpu], BPF_ANY)) {
			err = -errno;
			snprintf(why, whylen, "failed to install counter of CPU %d: %s", cpu,
				 strerror(-err));
			return err;
		}
	}
	return 0;
}

struct session *session__new(const struct session_opts *o, char *why, size_t whylen)
{
	struct epoll_event ev = {};
	struct session *s;
	unsigned int hz;
	long ncpus;
	bool tick_ok;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, whylen,
			 "kernel has no BTF (/sys/kernel/btf/vmlinux): pycost needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF");
		errno = ENOTSUP;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	s->on_record = o->on_record;
	s->ctx = o->ctx;
	s->epfd = -1;
	s->metric = o->metric;
	libbpf_set_print(libbpf_log);

	if (s->metric == METRIC_AUTO) {
		s->metric =
		    metric_available(METRIC_INSTRUCTIONS) ? METRIC_CPU : METRIC_INSTRUCTIONS;
	} else if (s->metric != METRIC_CPU) {
		err = metric_available(s->metric);
		if (err == -EACCES || err == -EPERM) {
			snprintf(why, whylen,
				 "not allowed to open perf events: run as root or with "
				 "CAP_PERFMON");
			goto fail;
		}
		if (err) {
			snprintf(why, whylen,
				 "no hardware %s counter on this machine (no PMU, e.g. a VM): use "
				 "--metric cpu or auto",
				 session__metric_name(s->metric));
			goto fail;
		}
	}

	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		err = s->ncpus ? s->ncpus : -EINVAL;
		snprintf(why, whylen, "failed to count CPUs: %s", strerror(-err));
		goto fail;
	}
	s->sample_fds = malloc(s->ncpus * sizeof(int));
	s->count_fds = malloc(s->ncpus * sizeof(int));
	s->links = calloc(s->ncpus, sizeof(*s->links));
	if (!s->sample_fds || !s->count_fds || !s->links) {
		err = -ENOMEM;
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < s->ncpus; i++)
		s->sample_fds[i] = s->count_fds[i] = -1;

	s->skel = pycost_bpf__open();
	if (!s->skel) {
		err = -errno;
		snprintf(why, whylen, "failed to open BPF object: %s", strerror(-err));
		goto fail;
	}
	bpf_map__set_max_entries(s->skel->maps.counters, s->ncpus);
	s->can_yield = can_renice(&s->nice);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (s->ring_size = RING_MIN;
	     s->ring_size < (size_t)(ncpus > 0 ? ncpus : 1) * RING_PER_CPU &&
	     s->ring_size < RING_MAX;)
		s->ring_size *= 2;
	bpf_map__set_max_entries(s->skel->maps.events, s->ring_size);
	s->skel->rodata->wake_shift = PYCOST_WAKE_SHIFT(s->ring_size);
	/* without requests, the syscall programs are not even loaded */
	s->skel->rodata->track_requests = o->requests;
	s->skel->rodata->metric_is_time = s->metric == METRIC_CPU;
	bpf_program__set_autoload(s->skel->progs.on_sock_recv, o->requests);
	bpf_program__set_autoload(s->skel->progs.on_sock_send, o->requests);
	bpf_program__set_autoload(s->skel->progs.on_exit_request, o->requests);
	/* USDT programs are attached per process by session__attach_gc */
	bpf_program__set_autoload(s->skel->progs.on_gc_start, o->requests);
	bpf_program__set_autoload(s->skel->progs.on_gc_done, o->requests);
	/* a thread's first sample has no earlier counter value: weigh it one period */
	if (o->period)
		s->skel->rodata->first_weight = o->period;
	else if (s->metric == METRIC_CPU)
		s->skel->rodata->first_weight = 1000000000ULL / o->freq;
	/*
	 * CPU time at a rate the tick reaches is sampled at timer interrupts the
	 * kernel takes anyway; instruction and cycle counts keep their overflow
	 * interrupts, which sample where the counted work happens.
	 */
	hz = kernel_hz();
	tick_ok = s->metric == METRIC_CPU && s->skel->rodata->first_weight >= 1000000000ULL / hz;
	if (o->sampler == SAMPLER_TICK && !tick_ok) {
		err = -ENOTSUP;
		snprintf(why, whylen,
			 "--sampler tick needs the cpu metric and a rate of at most %u Hz (the "
			 "kernel's tick rate)",
			 hz);
		goto fail;
	}
	s->tick = o->sampler == SAMPLER_TICK || (o->sampler == SAMPLER_AUTO && tick_ok);
	if (s->tick)
		s->skel->rodata->tick_period = s->skel->rodata->first_weight;
	bpf_program__set_autoload(s->skel->progs.on_sample, !s->tick);
	bpf_program__set_autoload(s->skel->progs.on_tick, s->tick);
	err = pycost_bpf__load(s->skel);
	if (err) {
		/* asked only now: parsing the kernel's BTF again would slow every start */
		if (o->requests && !has_sock_tracepoints()) {
			err = -ENOTSUP;
			snprintf(why, whylen,
				 "request tracking needs the kernel's sock_recv_length and "
				 "sock_send_length tracepoints (Linux 6.3+): use --requests off");
		} else if (err == -EPERM) {
			snprintf(why, whylen,
				 "not allowed to load BPF programs: run as root or with "
				 "CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE");
		} else {
			snprintf(why, whylen, "failed to load BPF programs: %s (-vv for details)",
				 strerror(-err));
		}
		goto fail;
	}
	err = pycost_bpf__attach(s->skel);
	if (err) {
		snprintf(why, whylen, "failed to attach tracepoints: %s", strerror(-err));
		goto fail;
	}
	err = open_events(s, o, why, whylen);
	if (err)
		goto fail;
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), handle_record, s, NULL);
	if (!s->rb) {
		err = -errno;
		snprintf(why, whylen, "failed to create ring buffer: %s", strerror(-err));
		goto fail;
	}
	/*
	 * Not libbpf's own epoll, which is level-triggered: under load a record
	 * is always waiting, and every wait would return at once.
	 */
	ev.events = EPOLLIN | EPOLLET;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, bpf_map__fd(s->skel->maps.events), &ev)) {
		err = -errno;
		snprintf(why, whylen, "failed to wait on the ring buffer: %s", strerror(-err));
		goto fail;
	}
	return s;
fail:
	session__free(s);
	errno = -err;
	return NULL;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	if (s->epfd >= 0)
		close(s->epfd);
	for (size_t i = 0; i < s->nusdt; i++)
		bpf_link__destroy(s->usdt[i]);
	free(s->usdt);
	for (int i = 0; s->links && i < s->ncpus; i++)
		bpf_link__destroy(s->links[i]);
	for (int i = 0; s->sample_fds && i < s->ncpus; i++) {
		if (s->sample_fds[i] >= 0)
			close(s->sample_fds[i]);
		if (s->count_fds[i] >= 0)
			close(s->count_fds[i]);
	}
	pycost_bpf__destroy(s->skel);
	free(s->links);
	free(s->sample_fds);
	free(s->count_fds);
	free(s);
}

/* Marks pid in the BPF pid filter (see PYCOST_PIDFILTER_SLOTS). */
static int filter_add(struct session *s, uint32_t pid)
{
	__u32 slot = pid & (PYCOST_PIDFILTER_SLOTS - 1), v = 0;
	struct bpf_map *m = s->skel->maps.pidfilter;

	if (bpf_map__lookup_elem(m, &slot, sizeof(slot), &v, sizeof(v), 0))
		return -errno;
	if (v == pid)
		return 0;
	v = v ? PYCOST_PID_SHARED : pid;
	if (bpf_map__update_elem(m, &slot, sizeof(slot), &v, sizeof(v), BPF_ANY))
		return -errno;
	return 0;
}

int session__watch(struct session *s, uint32_t pid)
{
	struct pycost_proc p = {};

	if (bpf_map__update_elem(s->skel->maps.procs, &pid, sizeof(pid), &p, sizeof(p),
				 BPF_NOEXIST) &&
	    errno != EEXIST)
		return -errno;
	return filter_add(s, pid);
}

int session__set_python(struct session *s, uint32_t pid, uint64_t runtime,
			const struct pycost_layout *l)
{
	struct pycost_proc p = {.runtime = runtime, .flags = PYCOST_PROC_PYTHON, .layout = *l};

	if (bpf_map__update_elem(s->skel->maps.procs, &pid, sizeof(pid), &p, sizeof(p), BPF_ANY))
		return -errno;
	return filter_add(s, pid);
}

int session__set_port(struct session *s, uint16_t port, uint32_t kind)
{
	if (bpf_map__update_elem(s->skel->maps.portmap, &port, sizeof(port), &kind, sizeof(kind),
				 BPF_ANY))
		return -errno;
	return 0;
}

int session__add_inport(struct session *s, uint16_t port)
{
	__u32 key = port;
	__u8 one = 1;

	if (bpf_map__update_elem(s->skel->maps.inports, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

int session__attach_gc(struct session *s, uint32_t pid, const char *path)
{
	struct bpf_program *progs[] = {s->skel->progs.on_gc_start, s->skel->progs.on_gc_done};
	const char *names[] = {"gc__start", "gc__done"};
	struct bpf_link *l[2] = {};
	int err;

	if (!s->skel->rodata->track_requests)
		return 0;
	if (s->nusdt + 2 > s->capusdt) {
		size_t ncap = s->capusdt ? s->capusdt * 2 : 16;
		struct bpf_link **nl = realloc(s->usdt, ncap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		s->usdt = nl;
		s->capusdt = ncap;
	}
	for (int i = 0; i < 2; i++) {
		l[i] = bpf_program__attach_usdt(progs[i], pid, path, "python", names[i], NULL);
		if (!l[i]) {
			err = -errno;
			bpf_link__destroy(l[0]);
			return err;
		}
	}
	s->usdt[s->nusdt++] = l[0];
	s->usdt[s->nusdt++] = l[1];
	return 0;
}

/*
 * The reader runs at nice 19 while it keeps up.  A drain that wakes in the
 * middle of a busy service's work delays its requests; measured on a 2-CPU
 * VM with pycost on the CPU of a hello-world uWSGI under wrk, keep-alive
 * (the CPU 98% busy): 17.8% of throughput lost at nice 0, none at nice 19
 * in one set of 12 A/B pairs, 15% against 7% in a later one of 6 (the
 * rest of that loss is the work per request itself).  SCHED_IDLE did as
 * well but starved there: the ring overflowed.  A drain that finds the
 * ring three eighths full restores the reader's own priority until the
 * ring stays under a sixteenth, and so does the last drain, after which
 * the capture is written.
 */
static void set_background(struct session *s, bool bg)
{
	if (s->background == bg || !s->can_yield)
		return;
	if (setpriority(PRIO_PROCESS, 0, bg ? 19 : s->nice)) {
		vlog("cannot set the reader's nice value to %d: %s", bg ? 19 : s->nice,
		     strerror(errno));
		return;
	}
	s->background = bg;
}

int session__poll(struct session *s, int timeout_ms, const sigset_t *sigmask)
{
	struct epoll_event ev;
	int n;

	/* records wake the reader at each eighth of the ring (see maps.bpf.h) */
	if (timeout_ms > 0 && epoll_pwait(s->epfd, &ev, 1, timeout_ms, sigmask) < 0 &&
	    errno != EINTR)
		return -errno;
	if (timeout_ms <= 0)
		set_background(s, false);
	s->drained = 0;
	n = ring_buffer__consume(s->rb);
	if (n < 0 || timeout_ms <= 0)
		return n;
	/*
	 * Woken at an eighth: a reader that found three eighths (a mark missed
	 * by racing CPUs allowed for) was too far behind.
	 */
	if (s->drained > s->ring_size / 8 * 3)
		set_background(s, false);
	else if (s->drained < s->ring_size / 16)
		set_background(s, true);
	return n;
}

static int cmp_tid(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

int session__flush_requests(struct session *s)
{
	struct pycost_request r;
	struct pycost_thread t;
	__u32 *tids, tid, slot, *prev = NULL;
	size_t n = 0, cap = 2 * PYCOST_MAX_REQS;
	int err = 0;

	if (!s->skel->rodata->track_requests)
		return 0;
	/*
	 * The serving threads, from the owners of request slots.  A walk whose
	 * previous key is deleted meanwhile (a thread exiting) starts over:
	 * the tids are collected, bounded, and each taken once.
	 */
	tids = calloc(cap, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	while (n < cap &&
	       !bpf_map__get_next_key(s->skel->maps.req_owner, prev, &tids[n], sizeof(tid))) {
		prev = &tids[n];
		n++;
	}
	qsort(tids, n, sizeof(*tids), cmp_tid);
	for (size_t i = 0; i < n; i++) {
		tid = tids[i];
		if ((i && tid == tids[i - 1]) ||
		    bpf_map__lookup_elem(s->skel->maps.threads, &tid, sizeof(tid), &t, sizeof(t),
					 0) ||
		    !t.req_slot)
			continue;
		slot = t.req_slot - 1;
		if (bpf_map__lookup_elem(s->skel->maps.reqs, &slot, sizeof(slot), &r, sizeof(r), 0))
			continue;
		/* still waiting for its response: in flight, not a request yet */
		if (!t.req_id || t.req_id != r.id || r.tid != tid || r.pid != t.pid || !r.bytes_out)
			continue;
		r.cost = t.req_total1 - t.req_total0;
		r.oncpu_ns = t.req_ns1 - t.req_ns0;
		r.done_ns = t.req_done_ns ? t.req_done_ns : r.end_ns;
		err = s->on_record(s->ctx, &r, sizeof(r));
		if (err)
			break;
	}
	free(tids);
	return err;
}

void session__stats(const struct session *s, struct pycost_stats *out)
{
	*out = s->skel->bss->stats;
}

int session__bpf_time(const struct session *s, uint64_t *ns, uint64_t *runs)
{
	struct bpf_program *p;

	*ns = *runs = 0;
	bpf_object__for_each_program (p, s->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		/* not loaded: the sampler or the request programs not chosen */
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return -errno;
		*ns += info.run_time_ns;
		*runs += info.run_cnt;
	}
	return 0;
}
