// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Sampling core.  A perf_event program (or, for CPU time at rates the
 * timer tick reaches, a timer-interrupt tracepoint) samples the Python stack
 * of the interrupted thread; sched_switch keeps each traced thread's metric
 * (instructions or CPU time) so that a sample weighs exactly the thread's
 * counter delta since its previous sample, and sees request threads go to
 * sleep (requests.bpf.h); fork/exec/exit tracepoints follow
 * the traced processes.  Code objects are named when first seen (see
 * python.bpf.h), so a process that exits or frees the code right after a
 * sample stays symbolized.  This object defines the maps every program shares.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define PYCOST_DEFINE_MAPS
#include "requests.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 ptgid = prev->tgid, ntgid = next->tgid;
	__u32 ptid = prev->pid, ntid = next->pid;
	struct pycost_thread *pt = NULL, *nt = NULL;
	bool counted;
	__u64 now = 0, now_ns;

	/* the common case: neither side traced, two array loads */
	if (maybe_traced(ptgid))
		pt = thread_of(ptgid, ptid);
	if (maybe_traced(ntgid)) {
		nt = thread_of(ntgid, ntid);
		if (!nt && bpf_map_lookup_elem(&procs, &ntgid)) {
			struct pycost_thread init = {.pid = ntgid, .req_fd = -1};

			nt = thread_create(ntid, &init);
		}
	}
	/* not `!pt && !nt`: clang ORs the pointers, which the verifier refuses */
	if (!pt) {
		barrier_var(nt);
		if (!nt)
			return 0;
	}
	/* without a counter on this CPU (one onlined since), requests still end */
	counted = !counter_now(&now);
	now_ns = metric_is_time ? now : bpf_ktime_get_ns();
	/* the scheduler just stamped prev's (or next's) exec_start with its task clock */
	if (track_requests) {
		__u32 zero = 0;
		__s64 *off = bpf_map_lookup_elem(&clkoff, &zero);

		if (off)
			*off =
			    (__s64)now_ns - (__s64)(pt ? prev->se.exec_start : next->se.exec_start);
	}
	if (pt) {
		/* the scheduler updated prev's runtime just before this tracepoint */
		__u64 sum = prev->se.sum_exec_runtime;

		/*
		 * A stretch whose switch-in was missed (see thread_running) is
		 * measured by the scheduler's runtime when the metric is time;
		 * others by our counters.
		 */
		if (pt->sum_valid && metric_is_time && !(pt->oncpu && pt->base_exact))
			pt->acc += sum - pt->sum_out;
		else if (pt->oncpu && counted)
			pt->acc += now - pt->base;
		pt->sum_out = sum;
		pt->sum_valid = 1;
		pt->oncpu = 0;
		if (track_requests && pt->req_id && !preempt && task_state(prev) != TASK_RUNNING)
			request_sleeps(prev, pt, now_ns);
	}
	if (nt) {
		if (counted) {
			nt->base = now;
			nt->base_exact = 1;
			nt->oncpu = 1;
		}
		if (track_requests && nt->be_off_ts)
			settle_backend_wait(nt, now_ns);
	}
	return 0;
}

/*
 * Samples the current thread: its weight is its counter delta since its
 * previous sample.  With tick_period set, the thread is sampled only once its
 * metric total reached the due mark, which advances by one period per sample
 * so that ticks of another rate average out to the asked one.
 */
static __always_inline int sample_current(void)
{
	__u64 id = bpf_get_current_pid_tgid(), now = 0, now_ns, weight, total;
	__u32 pid = id >> 32, tid = (__u32)id;
	struct pycost_proc *proc;
	struct pycost_thread *t;
	__u16 flags = 0;

	if (!maybe_traced(pid))
		return 0;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc || !(proc->flags & PYCOST_PROC_PYTHON))
		return 0;
	if (counter_now(&now))
		return 0;

	now_ns = metric_is_time ? now : bpf_ktime_get_ns();
	t = thread_of(pid, tid);
	if (!t) {
		t = thread_new_running(pid, tid, now);
		if (!t)
			return 0;
		weight = first_weight;
		flags |= PYCOST_SF_FIRST;
		total = 0;
	} else {
		thread_running(t, now);
		total = thread_total(t, now);
		if (tick_period && total < t->due)
			return 0;
		weight = total - t->last;
		t->last = total;
	}
	if (tick_period) {
		/* behind by more than a period (first sample, missed ticks): restart */
		t->due = t->due + tick_period > total ? t->due + tick_period : total + tick_period;
	}
	emit_stack(proc, t, pid, tid, weight, flags, now_ns, SCRATCH_IRQ);
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	return sample_current();
}

/*
 * Every timer interrupt of a busy CPU runs an hrtimer (at least the
 * scheduler tick, CONFIG_HZ per second), with the interrupted thread as
 * current.  Sampling there costs no interrupt of its own: a perf sampling
 * event adds one per sample, which costs tens of microseconds on some
 * virtual machines.  Soft hrtimers expire in softirq context, at the same
 * interrupt's exit or in ksoftirqd, which is never traced.
 */
SEC("tp_btf/hrtimer_expire_entry")
int BPF_PROG(on_tick)
{
	return sample_current();
}

static __always_inline void emit_proc(__u32 event, __u32 pid, __u32 ppid)
{
	struct pycost_proc_rec r = {
	    .kind = PYCOST_REC_PROC,
	    .event = event,
	    .pid = pid,
	    .ppid = ppid,
	    .ts = bpf_ktime_get_ns(),
	};

	/* rare, and user space acts on them at once (a new interpreter, an exit) */
	if (bpf_ringbuf_output(&events, &r, sizeof(r), BPF_RB_FORCE_WAKEUP))
		__sync_fetch_and_add(&stats.proc_drops, 1);
}

/* A traced process's child has the same address space: trace it at once. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, cpid = child->pid;
	struct pycost_proc *proc;

	if (child->pid != child->tgid || !maybe_traced(ptgid))
		return 0;
	proc = bpf_map_lookup_elem(&procs, &ptgid);
	if (!proc)
		return 0;
	bpf_map_update_elem(&procs, &cpid, proc, BPF_NOEXIST);
	filter_add(cpid);
	emit_proc(PYCOST_PROC_FORK, cpid, ptgid);
	return 0;
}

/* A new image: the old layout is void until user space finds the new one. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct pycost_proc *proc;

	if (!maybe_traced(tgid))
		return 0;
	proc = bpf_map_lookup_elem(&procs, &tgid);
	if (!proc)
		return 0;
	proc->flags &= ~PYCOST_PROC_PYTHON;
	emit_proc(PYCOST_PROC_EXEC, tgid, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid, tid = p->pid;
	struct pycost_thread *t;

	if (!maybe_traced(tgid) || !bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	/* a thread with a request slot is cleaned up by on_exit_request, after it ends it */
	t = bpf_map_lookup_elem(&threads, &tid);
	if (t && !t->req_slot)
		bpf_map_delete_elem(&threads, &tid);
	/* signal->live reached 0 before this tracepoint: the last thread is leaving */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&procs, &tgid);
	emit_proc(PYCOST_PROC_EXIT, tgid, 0);
	return 0;
}
