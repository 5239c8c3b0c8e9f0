/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Request accounting shared by the socket programs (requests.bpf.c) and the
 * context-switch program (sampler.bpf.c), which also ends requests: one
 * sched_switch program instead of two halves the cost every context switch
 * of the host pays.
 */
#ifndef __REQUESTS_BPF_H
#define __REQUESTS_BPF_H

#include "python.bpf.h"

/* x86-64 syscall numbers whose registers locate the user's buffer */
#define NR_read		0
#define NR_write	1
#define NR_readv	19
#define NR_writev	20
#define NR_sendto	44
#define NR_recvfrom	45
#define NR_sendmsg	46
#define NR_recvmsg	47
#define NR_accept	43
#define NR_epoll_wait	232
#define NR_epoll_pwait	281
#define NR_accept4	288
#define NR_epoll_pwait2 441

#define TASK_RUNNING 0

/* before 5.14 the task state field was `state` */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/*
 * Takes the thread's metric and CPU time, given its CPU time cpu_ns, into
 * *total and *ns.  CPU time is the scheduler's; so is the cpu metric,
 * which then matches what the application itself would measure with
 * thread_time().
 */
static __always_inline void totals_at(struct pycost_thread *t, __u64 cpu_ns, __u64 *total,
				      __u64 *ns)
{
	__u64 now = 0;

	*ns = cpu_ns;
	if (metric_is_time && cpu_ns)
		*total = cpu_ns;
	else
		*total = counter_now(&now) ? t->acc : thread_total(t, now);
}

/* The same, now, for the current thread. */
static __always_inline void totals_now(struct pycost_thread *t, __u64 now_ns, __u64 *total,
				       __u64 *ns)
{
	totals_at(t, task_cpu_ns(now_ns), total, ns);
}

static __always_inline void end_request(struct pycost_request *r, struct pycost_thread *t,
					__u32 flags, __u64 now_ns)
{
	__u32 len;

	if (!r->bytes_out) {
		flags |= PYCOST_RF_ABORTED;
		r->end_ns = now_ns;
	}
	/* not seen going to sleep since its response: its work ends now */
	if (!t->req_done_ns) {
		totals_now(t, now_ns, &t->req_total1, &t->req_ns1);
		t->req_done_ns = now_ns;
	}
	r->flags |= flags;
	r->cost = t->req_total1 - t->req_total0;
	r->oncpu_ns = t->req_ns1 - t->req_ns0;
	r->done_ns = t->req_done_ns;
	/* only the head's bytes go out: most heads are a few hundred bytes */
	len = r->head_len;
	barrier_var(len);
	if (len > PYCOST_HEAD_MAX)
		len = PYCOST_HEAD_MAX;
	if (ring_output(r, offsetof(struct pycost_request, head) + len))
		__sync_fetch_and_add(&stats.request_drops, 1);
	t->req_id = 0;
	t->req_conn = 0;
	t->req_fd = -1;
}

/*
 * Charges the off-CPU time since the thread went to sleep awaiting a
 * backend (t->be_off_ts, which callers check first, keeping the clock off
 * the common path): at its switch back in, or at its next backend read when
 * that switch was not seen.
 */
static __always_inline void settle_backend_wait(struct pycost_thread *t, __u64 now_ns)
{
	struct pycost_request *r = req_of(t);
	__u32 be = t->await_be - 1;

	if (r && t->req_id && be < PYCOST_BE_MAX)
		r->backend_ns[be] += now_ns - t->be_off_ts;
	t->be_off_ts = 0;
}

static __always_inline unsigned int task_state(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return p->__state;
	return BPF_CORE_READ((struct task_struct___old *)p, state);
}

/*
 * Whether a thread going to sleep waits for new work: in accept or an
 * epoll wait (a sync worker is done with its connection, answered or not),
 * or, once answered, reading its request's connection again (keep-alive;
 * before the answer that is more of the request).  Other waits (poll,
 * select, a backend) may still be part of a streamed response.
 */
static __always_inline bool waits_for_work(struct task_struct *p, struct pycost_thread *t,
					   bool answered)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(p);

	if (!regs)
		return false;
	switch (regs->orig_ax) {
	case NR_accept:
	case NR_accept4:
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
		return true;
	case NR_read:
	case NR_readv:
	case NR_recvfrom:
	case NR_recvmsg:
		return answered && t->req_fd >= 0 && (__s32)regs->di == t->req_fd;
	}
	return false;
}

/*
 * A request's thread going to sleep (called at sched_switch, prev being
 * current, its runtime just brought up to date): after writing to a
 * backend, it waits for the answer, which is charged to that backend when
 * the thread runs again; after its response, its work for the request is
 * done (until more of the response is written), and when it waits for new
 * work the request is over.
 */
static __always_inline void request_sleeps(struct task_struct *prev, struct pycost_thread *t,
					   __u64 now_ns)
{
	struct pycost_request *r = req_of(t);

	/*
	 * Once answered, a wait is not the request's: a write to a backend that
	 * expects no answer (closing a database connection) must not turn a
	 * keep-alive idle wait into backend time.
	 */
	if (t->await_be && (!r || !r->bytes_out)) {
		t->be_off_ts = now_ns;
	} else if (r && r->bytes_out) {
		if (!t->req_done_ns) {
			totals_at(t, prev->se.sum_exec_runtime, &t->req_total1, &t->req_ns1);
			t->req_done_ns = now_ns;
		}
		if (waits_for_work(prev, t, true))
			end_request(r, t, 0, now_ns);
	} else if (r && waits_for_work(prev, t, false)) {
		/* its connection was dropped unanswered (garbage, reset) */
		end_request(r, t, 0, now_ns);
	}
}

#endif /* __REQUESTS_BPF_H */
