// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Request boundaries from syscall tracepoints, with no uprobe on any hot
 * path.  A traced process's accepted sockets carry requests: the first bytes
 * read on one start a request (its head is copied for user space to parse),
 * response bytes written on it mark the status and the end, and close — or
 * the next request on a keep-alive connection — emits it.  Sockets the
 * process connect()s are backends, classified by peer port; time spent in
 * calls on them (and in poll-family waits after writing to them) is charged
 * to the request.  Cost is the thread's metric between start and end, and
 * on-CPU time its nanoseconds on a CPU, both across context switches (see
 * sched_switch in sampler.bpf.c).  Garbage
 * collections inside a request are timed by CPython's gc__start/gc__done
 * USDT probes, which fire once per collection, not on a hot path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <bpf/usdt.bpf.h>

#include "python.bpf.h"

/* x86-64 syscall numbers */
#define NR_read		0
#define NR_write	1
#define NR_close	3
#define NR_poll		7
#define NR_readv	19
#define NR_writev	20
#define NR_select	23
#define NR_sendfile	40
#define NR_connect	42
#define NR_accept	43
#define NR_sendto	44
#define NR_recvfrom	45
#define NR_sendmsg	46
#define NR_recvmsg	47
#define NR_shutdown	48
#define NR_epoll_wait	232
#define NR_pselect6	270
#define NR_ppoll	271
#define NR_epoll_pwait	281
#define NR_accept4	288
#define NR_epoll_pwait2 441

#define AF_UNIX	    1
#define AF_INET	    2
#define AF_INET6    10
#define EINPROGRESS 115

/* A zeroed request, copied in when a thread serves its first request. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_request);
} req_zero SEC(".maps");

static __always_inline bool tracked_nr(long id)
{
	switch (id) {
	case NR_read:
	case NR_write:
	case NR_close:
	case NR_poll:
	case NR_readv:
	case NR_writev:
	case NR_select:
	case NR_sendfile:
	case NR_connect:
	case NR_accept:
	case NR_sendto:
	case NR_recvfrom:
	case NR_sendmsg:
	case NR_recvmsg:
	case NR_shutdown:
	case NR_epoll_wait:
	case NR_pselect6:
	case NR_ppoll:
	case NR_epoll_pwait:
	case NR_accept4:
	case NR_epoll_pwait2:
		return true;
	}
	return false;
}

/* The accounting entry of the current thread, which is running. */
static __always_inline struct pycost_thread *thread_of(__u32 pid, __u32 tid)
{
	struct pycost_thread *t = bpf_map_lookup_elem(&threads, &tid);
	__u64 now = 0;

	if (t && t->oncpu)
		return t;
	if (counter_now(&now))
		return t;
	if (!t)
		return thread_new_running(pid, tid, now);
	thread_running(t, now);
	return t;
}

/*
 * Takes the thread's metric and CPU time now, into *total and *ns.  CPU
 * time is the scheduler's; so is the cpu metric, which then matches what
 * the application itself would measure with thread_time().
 */
static __always_inline void totals_now(struct pycost_thread *t, __u64 now_ns, __u64 *total,
				       __u64 *ns)
{
	__u64 now = 0;

	*ns = task_cpu_ns(now_ns);
	if (metric_is_time && *ns)
		*total = *ns;
	else
		*total = counter_now(&now) ? t->acc : thread_total(t, now);
}

static __always_inline void end_request(struct pycost_request *r, struct pycost_thread *t,
					__u32 flags, __u64 now_ns)
{
	if (!r->bytes_out) {
		flags |= PYCOST_RF_ABORTED;
		r->end_ns = now_ns;
		totals_now(t, now_ns, &t->req_total1, &t->req_ns1);
	}
	r->flags |= flags;
	r->cost = t->req_total1 - t->req_total0;
	r->oncpu_ns = t->req_ns1 - t->req_ns0;
	r->done_ns = t->req_done_ns ? t->req_done_ns : r->end_ns;
	if (bpf_ringbuf_output(&events, r, sizeof(*r), BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&stats.request_drops, 1);
	t->req_id = 0;
	t->req_fd = -1;
}

static __always_inline void start_request(__u32 pid, __u32 tid, struct pycost_thread *t, __s32 fd,
					  __u64 buf, long n, __u64 now_ns)
{
	struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);
	__u32 zero = 0, len;

	if (!r) {
		struct pycost_request *z = bpf_map_lookup_elem(&req_zero, &zero);

		if (!z || bpf_map_update_elem(&reqs, &tid, z, BPF_NOEXIST))
			__sync_fetch_and_add(&stats.request_overflow, 1);
		r = bpf_map_lookup_elem(&reqs, &tid);
		if (!r)
			return;
	}
	r->kind = PYCOST_REC_REQUEST;
	r->pid = pid;
	r->tid = tid;
	r->flags = 0;
	r->id = now_ns;
	r->start_ns = now_ns;
	r->end_ns = 0;
	r->done_ns = 0;
	r->cost = 0;
	r->oncpu_ns = 0;
	r->backend_ns[0] = 0;
	r->backend_ns[1] = 0;
	r->backend_ns[2] = 0;
	r->gc_ns = 0;
	r->gc_count = 0;
	r->backend_calls = 0;
	r->bytes_in = n;
	r->bytes_out = 0;
	r->status_len = 0;
	len = n > PYCOST_HEAD_MAX ? PYCOST_HEAD_MAX : n;
	barrier_var(len);
	if (len > PYCOST_HEAD_MAX)
		len = PYCOST_HEAD_MAX;
	if (n > PYCOST_HEAD_MAX)
		r->flags |= PYCOST_RF_HEAD_CUT;
	r->head_len = bpf_probe_read_user(r->head, len, (const void *)buf) ? 0 : len;
	t->req_id = r->id;
	t->req_fd = fd;
	totals_now(t, now_ns, &t->req_total0, &t->req_ns0);
	t->req_total1 = t->req_total0;
	t->req_ns1 = t->req_ns0;
	t->req_done_ns = 0;
	t->await_be = 0;
	t->req_walked = 0;
}

/* Bytes read on a client socket: a new request, or more of the current one. */
static __always_inline void on_client_read(__u32 pid, __u32 tid, struct pycost_thread *t, __s32 fd,
					   __u64 buf, long n, __u64 now_ns)
{
	struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);
	__u32 off, len;

	if (t->req_id && r) {
		if (t->req_fd == fd && !r->bytes_out) {
			/* the head or body continues; keep up to half the head buffer more */
			r->bytes_in += n;
			off = r->head_len;
			if (off >= PYCOST_HEAD_MAX / 2) {
				r->flags |= PYCOST_RF_HEAD_CUT;
				return;
			}
			len = n > PYCOST_HEAD_MAX / 2 ? PYCOST_HEAD_MAX / 2 : n;
			barrier_var(off);
			barrier_var(len);
			if (off >= PYCOST_HEAD_MAX / 2 || len > PYCOST_HEAD_MAX / 2)
				return;
			if (!bpf_probe_read_user(r->head + off, len, (const void *)buf))
				r->head_len = off + len;
			return;
		}
		/* a response was sent (keep-alive) or another connection took over */
		end_request(r, t, t->req_fd == fd ? PYCOST_RF_KEEPALIVE : 0, now_ns);
	}
	start_request(pid, tid, t, fd, buf, n, now_ns);
}

static __always_inline void on_client_write(__u32 tid, struct pycost_thread *t, __s32 fd, __u64 buf,
					    long n, bool copy, __u64 now_ns)
{
	struct pycost_request *r;
	__u32 len;

	if (!t->req_id || t->req_fd != fd)
		return;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (!r)
		return;
	if (!r->bytes_out && copy) {
		len = n > PYCOST_STATUS_MAX ? PYCOST_STATUS_MAX : n;
		barrier_var(len);
		if (len > PYCOST_STATUS_MAX)
			len = PYCOST_STATUS_MAX;
		r->status_len = bpf_probe_read_user(r->status, len, (const void *)buf) ? 0 : len;
	}
	r->bytes_out += n;
	r->end_ns = now_ns;
	t->req_done_ns = 0;
	totals_now(t, now_ns, &t->req_total1, &t->req_ns1);
}

/*
 * After its response, a request still costs what the thread does for it
 * until it turns to waiting: WSGI close(), framework teardown.  That ends
 * at the next read or close of the connection, or the next accept or
 * epoll wait (poll and select are left out: clients wait on backends with
 * them mid-response).
 */
static __always_inline bool ends_request_work(long id, __s32 fd, __s32 req_fd)
{
	switch (id) {
	case NR_read:
	case NR_readv:
	case NR_recvfrom:
	case NR_close:
	case NR_shutdown:
		return fd == req_fd;
	case NR_accept:
	case NR_accept4:
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
		return true;
	}
	return false;
}

static __always_inline void charge_backend(__u32 tid, __u32 be, __u64 ns)
{
	struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

	if (!r || be >= PYCOST_BE_MAX)
		return;
	r->backend_ns[be] += ns;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid, arg1;
	__u32 pid, tid;
	struct pycost_proc *proc;
	struct pycost_thread *t;
	__s32 fd;

	if (!track_requests || !tracked_nr(id))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	pid = pid_tgid >> 32;
	tid = (__u32)pid_tgid;
	if (!maybe_traced(pid))
		return 0;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc)
		return 0;
	t = thread_of(pid, tid);
	if (!t)
		return 0;
	fd = BPF_CORE_READ(regs, di);
	arg1 = BPF_CORE_READ(regs, si);
	t->sc_nr = id + 1;
	t->sc_ts = bpf_ktime_get_ns();
	if (t->req_id && !t->req_done_ns && ends_request_work(id, fd, t->req_fd)) {
		struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

		if (r && r->bytes_out) {
			totals_now(t, t->sc_ts, &t->req_total1, &t->req_ns1);
			t->req_done_ns = t->sc_ts;
		}
	}
	if (id == NR_connect) {
		__u16 family = 0, port = 0;
		__u8 addr[16] = {};

		bpf_probe_read_user(&family, sizeof(family), (const void *)arg1);
		bpf_probe_read_user(&port, sizeof(port), (const void *)(arg1 + 2));
		port = bpf_ntohs(port);
		if (family == AF_INET || family == AF_INET6) {
			__u32 *user = bpf_map_lookup_elem(&portmap, &port);

			t->sc_class = user ? *user : pycost_port_kind(port);
		} else {
			t->sc_class = PYCOST_FD_OTHER;
		}
		/* sin_addr at +4, sin6_addr at +8 */
		if (family == AF_INET)
			bpf_probe_read_user(addr, 4, (const void *)(arg1 + 4));
		else if (family == AF_INET6)
			bpf_probe_read_user(addr, 16, (const void *)(arg1 + 8));
		if (((family == AF_INET && addr[0] == 127) ||
		     (family == AF_INET6 && addr[15] == 1 && !addr[0] && !addr[10])) &&
		    bpf_map_lookup_elem(&inports, &port))
			t->sc_class = PYCOST_FD_PROXY;
	}
	/* the first backend call of a request shows which Python code made it */
	if (t->req_id && !t->req_walked && (proc->flags & PYCOST_PROC_PYTHON) &&
	    (id == NR_write || id == NR_sendto || id == NR_sendmsg || id == NR_writev)) {
		struct fd_key k = {.pid = pid, .fd = fd};
		__u32 *kind = bpf_map_lookup_elem(&fds, &k);

		if (kind && *kind != PYCOST_FD_CLIENT) {
			t->req_walked = 1;
			emit_stack(proc, t, pid, tid, 0, PYCOST_SF_WALK, t->sc_ts);
		}
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now_ns, sc_ts, buf;
	__u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid, nr, *kindp, kind = 0;
	struct pycost_thread *t;
	struct fd_key k;

	if (!track_requests || !maybe_traced(pid))
		return 0;
	/* x86-64 keeps the number and arguments in pt_regs through the syscall */
	nr = BPF_CORE_READ(regs, orig_ax);
	if (!tracked_nr(nr) || !bpf_map_lookup_elem(&procs, &pid))
		return 0;
	now_ns = bpf_ktime_get_ns();
	t = thread_of(pid, tid);
	if (!t)
		return 0;
	/* a syscall entered before pycost attached (a blocking accept) has no start */
	sc_ts = t->sc_nr == nr + 1 ? t->sc_ts : now_ns;
	t->sc_nr = 0;
	k.pid = pid;
	k.fd = BPF_CORE_READ(regs, di);
	buf = BPF_CORE_READ(regs, si);
	/* readv/writev: the first iovec's buffer */
	if ((nr == NR_readv || nr == NR_writev) &&
	    bpf_probe_read_user(&buf, sizeof(buf), (const void *)buf))
		buf = 0;

	switch (nr) {
	case NR_accept:
	case NR_accept4:
		if (ret >= 0) {
			k.fd = ret;
			kind = PYCOST_FD_CLIENT;
			if (bpf_map_update_elem(&fds, &k, &kind, BPF_ANY))
				__sync_fetch_and_add(&stats.fd_overflow, 1);
		}
		return 0;
	case NR_connect:
		/* the peer's class was read at sys_enter */
		if (sc_ts != now_ns && (ret == 0 || ret == -EINPROGRESS)) {
			kind = t->sc_class;
			if (bpf_map_update_elem(&fds, &k, &kind, BPF_ANY))
				__sync_fetch_and_add(&stats.fd_overflow, 1);
		}
		return 0;
	case NR_poll:
	case NR_ppoll:
	case NR_select:
	case NR_pselect6:
	case NR_epoll_wait:
	case NR_epoll_pwait:
	case NR_epoll_pwait2:
		/* a wait right after writing to a backend is waiting for its answer */
		if (t->req_id && t->await_be)
			charge_backend(tid, t->await_be - 1, now_ns - sc_ts);
		return 0;
	}

	kindp = bpf_map_lookup_elem(&fds, &k);
	if (!kindp)
		return 0;
	kind = *kindp;

	if (nr == NR_close || nr == NR_shutdown) {
		if (kind == PYCOST_FD_CLIENT && t->req_id && t->req_fd == k.fd) {
			struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

			if (r)
				end_request(r, t, 0, now_ns);
		}
		if (nr == NR_close)
			bpf_map_delete_elem(&fds, &k);
		return 0;
	}
	if (kind == PYCOST_FD_CLIENT) {
		if (ret <= 0)
			return 0;
		switch (nr) {
		case NR_read:
		case NR_readv:
		case NR_recvfrom:
			if (buf)
				on_client_read(pid, tid, t, k.fd, buf, ret, now_ns);
			break;
		case NR_write:
		case NR_writev:
		case NR_sendto:
			on_client_write(tid, t, k.fd, buf, ret, buf != 0, now_ns);
			break;
		case NR_sendmsg:
		case NR_sendfile:
			on_client_write(tid, t, k.fd, 0, ret, false, now_ns);
			break;
		}
		return 0;
	}
	/* a backend socket */
	if (!t->req_id)
		return 0;
	if (kind == PYCOST_FD_PROXY) {
		/* this request is served by another traced process: it counts there */
		struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

		if (r)
			r->flags |= PYCOST_RF_PROXIED;
		return 0;
	}
	charge_backend(tid, kind - PYCOST_FD_DB, now_ns - sc_ts);
	switch (nr) {
	case NR_write:
	case NR_writev:
	case NR_sendto:
	case NR_sendmsg: {
		struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

		if (r)
			r->backend_calls++;
		t->await_be = kind - PYCOST_FD_DB + 1;
		break;
	}
	default:
		if (ret > 0)
			t->await_be = 0;
	}
	return 0;
}

/* A serving thread that exits mid-request (harakiri, crash) aborts it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_request, struct task_struct *p)
{
	__u32 tid = p->pid;
	struct pycost_thread *t;
	struct pycost_request *r;

	if (!track_requests || !maybe_traced(p->tgid))
		return 0;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (!r)
		return 0;
	t = bpf_map_lookup_elem(&threads, &tid);
	if (t && t->req_id)
		end_request(r, t, 0, bpf_ktime_get_ns());
	bpf_map_delete_elem(&reqs, &tid);
	bpf_map_delete_elem(&threads, &tid);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gc_start, int generation)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pycost_thread *t = bpf_map_lookup_elem(&threads, &tid);

	if (t && t->req_id)
		t->gc_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gc_done, long collected)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pycost_thread *t = bpf_map_lookup_elem(&threads, &tid);
	struct pycost_request *r;

	if (!t || !t->req_id || !t->gc_ts)
		return 0;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (r) {
		r->gc_ns += bpf_ktime_get_ns() - t->gc_ts;
		r->gc_count++;
	}
	t->gc_ts = 0;
	return 0;
}
