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
#include "ring.bpf.h"

#ifdef PYCOST_DEFINE_MAPS
#define PYCOST_SHARED
#define PYCOST_INIT(v) = v
#else
#define PYCOST_SHARED extern
#define PYCOST_INIT(v)
#endif

/* Weight of a thread's first sample, when no earlier counter value exists. */
PYCOST_SHARED const volatile __u64 first_weight PYCOST_INIT(0);
/*
 * Sample at the timer interrupts the kernel takes anyway (on_tick), every
 * this many nanoseconds of a thread's CPU time; 0: perf events drive samples.
 */
PYCOST_SHARED const volatile __u64 tick_period PYCOST_INIT(0);
/* How long a thread without a PyThreadState is not looked up again. */
PYCOST_SHARED const volatile __u64 tstate_retry_ns PYCOST_INIT(10000000);
/* The metric counts nanoseconds (cpu-clock): scheduler runtimes can stand in for it. */
PYCOST_SHARED const volatile bool metric_is_time PYCOST_INIT(false);
/* Request tracking on syscalls (off: sampling only). */
PYCOST_SHARED const volatile bool track_requests PYCOST_INIT(false);
/* log2 of the ring's fill steps that wake the reader (an eighth of the ring) */
PYCOST_SHARED const volatile __u32 wake_shift PYCOST_INIT(18);

PYCOST_SHARED struct pycost_stats stats PYCOST_INIT({});

/*
 * Records wake the reader only as the ring fills (ring_output): a busy
 * service pays no wakeup per request, and an idle reader no timer.  User
 * space sizes the ring (session.c).
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} events SEC(".maps");

/* Sends a record to the reader (ring_send). */
static __always_inline long ring_output(void *data, __u64 size)
{
	return ring_send(&events, wake_shift, data, size);
}

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYCOST_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pycost_proc);
} procs SEC(".maps");

/*
 * Entries go with their thread (on_exit).  Not an LRU: one would evict a
 * live thread's entry, restarting its accounting unseen, once its free
 * lists ran short (each CPU holds up to 128 free entries of its own);
 * a full map refuses new threads instead, counted as thread_drops.
 * Preallocated maps link every entry at creation, which the first sample
 * waits for: about 0.7 us per entry on a VM (46 ms at 64k entries).
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pycost_thread);
} threads SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PYCOST_PIDFILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} pidfilter SEC(".maps");

/* Whether pid may be traced (the procs hash has the final word). */
static __always_inline bool maybe_traced(__u32 pid)
{
	__u32 slot = pid & (PYCOST_PIDFILTER_SLOTS - 1);
	__u32 *v = bpf_map_lookup_elem(&pidfilter, &slot);

	return pid && v && (*v == pid || *v == PYCOST_PID_SHARED);
}

/* Marks pid in the filter; a slot is never cleared once shared. */
static __always_inline void filter_add(__u32 pid)
{
	__u32 slot = pid & (PYCOST_PIDFILTER_SLOTS - 1);
	__u32 *v = bpf_map_lookup_elem(&pidfilter, &slot);

	if (v && *v != pid)
		*v = *v ? PYCOST_PID_SHARED : pid;
}

struct code_key {
	__u32 pid;
	__u32 pad;
	__u64 code;
};

/*
 * Code objects already named, per process: an evicted one is only named
 * again.  Sized, like threads, for the time its creation takes as well.
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct code_key);
	__type(value, __u32);
} codes SEC(".maps");

/* Per-CPU counting events of the metric; max_entries set to the CPU count. */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} counters SEC(".maps");

/*
 * Per-CPU scratch space comes in two slots: a sample taken in an interrupt
 * (timer tick or perf event) can land in the middle of a stack walk made at
 * a syscall on the same CPU, and must not overwrite its buffers.
 */
enum scratch_slot {
	SCRATCH_TASK,
	SCRATCH_IRQ,
	SCRATCH_SLOTS,
};

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct pycost_sample);
} sample_buf SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SLOTS);
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
	__uint(max_entries, SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct walk_scratch);
} walk_buf SEC(".maps");

/*
 * The request of each serving thread, at the slot its thread entry holds
 * (req_slot): an array, whose lookups the verifier inlines, where a hash
 * keyed by tid cost a lookup at every socket call and context switch of
 * the request.  A thread keeps its slot from its first request to its exit,
 * which returns it to req_free; req_next hands out slots never used.
 * req_owner records the slot of each tid, off the hot path: the slot stays
 * with the tid even if its thread entry is replaced or refused, and the
 * tid's exit returns it.
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PYCOST_MAX_REQS);
	__type(key, __u32);
	__type(value, struct pycost_request);
} reqs SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, PYCOST_MAX_REQS);
	__type(value, __u32);
} req_free SEC(".maps");

PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYCOST_MAX_REQS);
	__type(key, __u32);
	__type(value, __u32);
} req_owner SEC(".maps");

PYCOST_SHARED __u32 req_next PYCOST_INIT(0);

/* The request slot of thread t, NULL before its first request. */
static __always_inline struct pycost_request *req_of(const struct pycost_thread *t)
{
	__u32 slot = t->req_slot - 1;

	return t->req_slot ? bpf_map_lookup_elem(&reqs, &slot) : NULL;
}

/* Gives thread tid (entry t) its request slot: NULL (counted) when all are taken. */
static __always_inline struct pycost_request *req_alloc(__u32 tid, struct pycost_thread *t)
{
	__u32 *owned = bpf_map_lookup_elem(&req_owner, &tid), slot;

	if (owned) {
		slot = *owned;
	} else {
		if (bpf_map_pop_elem(&req_free, &slot)) {
			/* a counter that kept counting past the end would wrap, one day */
			if (req_next >= PYCOST_MAX_REQS)
				goto full;
			slot = __sync_fetch_and_add(&req_next, 1);
			if (slot >= PYCOST_MAX_REQS)
				goto full;
		}
		if (bpf_map_update_elem(&req_owner, &tid, &slot, BPF_NOEXIST)) {
			bpf_map_push_elem(&req_free, &slot, BPF_ANY);
			goto full;
		}
	}
	t->req_slot = slot + 1;
	return req_of(t);
full:
	__sync_fetch_and_add(&stats.request_overflow, 1);
	return NULL;
}

/* At thread tid's exit: its request slot, if it has one, goes back for another thread. */
static __always_inline void req_release(__u32 tid)
{
	__u32 *owned = bpf_map_lookup_elem(&req_owner, &tid), slot;

	if (!owned)
		return;
	slot = *owned;
	bpf_map_delete_elem(&req_owner, &tid);
	bpf_map_push_elem(&req_free, &slot, BPF_ANY);
}

/*
 * TCP ports on which traced processes accept (non-zero), indexed by port: a
 * socket with one as its local port is a client connection; connecting to
 * one on loopback is proxying.  An array, whose lookups the verifier
 * inlines: every socket call of a traced process asks.
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} inports SEC(".maps");

/* Whether traced processes accept on TCP port. */
static __always_inline bool is_inport(__u32 port)
{
	__u8 *v = bpf_map_lookup_elem(&inports, &port);

	return v && *v;
}

/* --backend PORT=CLASS: the user's classes for peer ports (enum pycost_fd_kind). */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u32);
} portmap SEC(".maps");

static __always_inline int counter_now(__u64 *val)
{
	struct bpf_perf_event_value v = {};

	/*
	 * cpu-clock counts this CPU's nanoseconds while enabled, and per-CPU
	 * events are always enabled: the clock itself reads the same deltas,
	 * without the perf read (hundreds of ns per context switch in a VM).
	 */
	if (metric_is_time) {
		*val = bpf_ktime_get_ns();
		return 0;
	}
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

/*
 * bpf_ktime_get_ns() minus the scheduler's task clock on this CPU, measured
 * at the last context switch involving a traced task (see on_switch).
 */
PYCOST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} clkoff SEC(".maps");

/*
 * The current task's CPU time in nanoseconds, as the scheduler keeps it
 * (what CLOCK_THREAD_CPUTIME_ID reports): its runtime up to the last update
 * plus the time since, converted from ktime with this CPU's offset.  Unlike
 * interval tracking at sched_switch, it does not depend on seeing every
 * switch.  0 when this CPU has no offset yet.
 */
static __always_inline __u64 task_cpu_ns(__u64 now_ns)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	__s64 *off = bpf_map_lookup_elem(&clkoff, &zero), since;

	if (!off || !*off)
		return 0;
	since = (__s64)now_ns - *off - (__s64)task->se.exec_start;
	return task->se.sum_exec_runtime + (since > 0 ? since : 0);
}

/*
 * Called from hooks that run in the thread itself (samples, syscalls): it is
 * on a CPU even if its switch-in was not seen.  Some kernels skip the
 * sched_switch tracepoint for some switches (seen on a VM: switches away from
 * PID 1's threads), which would leave the thread marked off-CPU and lose the
 * whole stretch; reopening here bounds the loss to the time since the
 * switch-in.
 */
static __always_inline void thread_running(struct pycost_thread *t, __u64 now)
{
	struct task_struct *task;
	__u64 ran = 0;

	if (t->oncpu)
		return;
	/*
	 * The scheduler's runtime since the last seen switch-out is this
	 * stretch so far (up to its last tick): start the interval that much
	 * earlier, which leaves less than a tick unaccounted.
	 */
	if (t->sum_valid) {
		task = bpf_get_current_task_btf();
		ran = task->se.sum_exec_runtime - t->sum_out;
	}
	t->base = now - (metric_is_time && ran <= now ? ran : 0);
	t->base_exact = 0;
	t->oncpu = 1;
	__sync_fetch_and_add(&stats.missed_switches, 1);
}

/*
 * The accounting entry of thread tid of process pid, or NULL.  Entries
 * exist only for threads of traced processes and go with their thread, so
 * one found stands for its process being traced, with no lookup of it.
 */
static __always_inline struct pycost_thread *thread_of(__u32 pid, __u32 tid)
{
	struct pycost_thread *t = bpf_map_lookup_elem(&threads, &tid);

	return t && t->pid == pid ? t : NULL;
}

/*
 * Sets thread tid's entry to init: the entry, or NULL (counted) when the
 * map refuses it.  Called where thread_of() found none of this process: an
 * entry left at tid by an earlier thread of another process is replaced
 * (a request slot stays with the tid, see req_owner).
 */
static __always_inline struct pycost_thread *thread_create(__u32 tid,
							   const struct pycost_thread *init)
{
	if (bpf_map_update_elem(&threads, &tid, init, BPF_ANY)) {
		__sync_fetch_and_add(&stats.thread_drops, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&threads, &tid);
}

/*
 * A thread first seen while it runs (at a sample or a syscall): it is on a
 * CPU, and its accounting starts now.
 */
static __always_inline struct pycost_thread *thread_new_running(__u32 pid, __u32 tid, __u64 now)
{
	struct pycost_thread init = {.pid = pid, .base = now, .oncpu = 1, .req_fd = -1};

	return thread_create(tid, &init);
}

#endif /* __MAPS_BPF_H */
