/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Maps and globals shared by the BPF programs.  sampler.bpf.c defines them
 * (PYCOST_DEFINE_MAPS); every other object declares them extern, and
 * `bpftool gen object` links all objects into one, so each map exists once.
 */
#ifndef __MAPS_BPF_H
#define __MAPS_BPF_H

#include "pycost.h"

#ifdef PYCOST_DEFINE_MAPS
#define PYCOST_SHARED
#define PYCOST_INIT(v) = v
#else
#define PYCOST_SHARED extern
#define PYCOST_INIT(v)
#endif

/* Weight of a thread's first sample, when no earlier counter value exists. */
PYCOST_SHARED const volatile __u64 first_weight PYCOST_INIT(0);
/* How long a thread without a PyThreadState is not looked up again. */
PYCOST_SHARED const volatile __u64 tstate_retry_ns PYCOST_INIT(10000000);
/* Request tracking on syscalls (off: sampling only). */
PYCOST_SHARED const volatile bool track_requests PYCOST_INIT(false);

PYCOST_SHARED struct pycost_stats stats PYCOST_INIT({});

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYCOST_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pycost_proc);
} procs SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct pycost_thread);
} threads SEC(".maps");

struct code_key {
	__u32 pid;
	__u32 pad;
	__u64 code;
};

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct code_key);
	__type(value, __u32);
} codes SEC(".maps");

/* Per-CPU counting events of the metric; max_entries set to the CPU count. */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} counters SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_sample);
} sample_buf SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_code);
} code_buf SEC(".maps");

/* Scratch space: frames and code windows are read here. */
struct walk_scratch {
	__u8 frame[PYCOST_FRAME_READ];
	__u8 code[PYCOST_CODE_WINDOW];
};

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_scratch);
} walk_buf SEC(".maps");

/* Requests in flight, keyed by the serving thread's tid. */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYCOST_MAX_REQS);
	__type(key, __u32);
	__type(value, struct pycost_request);
} reqs SEC(".maps");

struct fd_key {
	__u32 pid;
	__s32 fd;
};

/* Sockets of traced processes: enum pycost_fd_kind. */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fd_key);
	__type(value, __u32);
} fds SEC(".maps");

static __always_inline int counter_now(__u64 *val)
{
	struct bpf_perf_event_value v = {};

	if (bpf_perf_event_read_value(&counters, BPF_F_CURRENT_CPU, &v, sizeof(v))) {
		__sync_fetch_and_add(&stats.counter_errors, 1);
		return -1;
	}
	*val = v.counter;
	return 0;
}

/* The thread's metric total: closed on-CPU intervals plus the open one. */
static __always_inline __u64 thread_total(const struct pycost_thread *t, __u64 now)
{
	return t->acc + (t->oncpu ? now - t->base : 0);
}

#endif /* __MAPS_BPF_H */
