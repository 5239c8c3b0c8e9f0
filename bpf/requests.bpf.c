// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Request boundaries from the socket layer, with no uprobe and no syscall
 * hook on any path.  The raw syscall tracepoints would put every syscall of
 * every task on the kernel's slow path and run a program for each (measured
 * here: +0.24 us per syscall, ~8% of a busy uWSGI host's throughput), and
 * BPF trampolines are not allowed on every kernel; the sock_recv_length and
 * sock_send_length tracepoints fire only for socket I/O, once per call.
 *
 * Sockets are classified from the kernel socket itself: one whose local TCP
 * port a traced process listens on (or the server side of a named Unix
 * socket) is a client connection; others are backends, by peer port.  On a
 * client connection, the first bytes read start a request (its head is
 * copied for user space to parse) and response bytes written mark the
 * status and the end; the thread's next request, its sleeping in a wait
 * for new work, or its exit emits it.  The thread going to sleep after the
 * response ends the request's work (WSGI close() and teardown count; the
 * wait for the next request does not).  No hook sees close(): the socket
 * layer has no tracepoint there, and TCP's state-change tracepoint fires
 * about ten times per connection on the whole host.  Time a request's thread spends off
 * a CPU between writing to a backend and reading its answer is charged to
 * that backend.  Cost is the thread's metric between start and done, and
 * on-CPU time its nanoseconds on a CPU, both across context switches.
 * Garbage collections inside a request are timed by CPython's
 * gc__start/gc__done USDT probes, which fire once per collection.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include <bpf/usdt.bpf.h>

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

#define AF_UNIX	     1
#define AF_INET	     2
#define AF_INET6     10
#define MSG_PEEK     2
#define TASK_RUNNING 0

/* before 5.14 the task state field was `state` */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* A zeroed request, copied in when a thread serves its first request. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_request);
} req_zero SEC(".maps");

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

/* The current thread of a traced process, or NULL. */
static __always_inline struct pycost_thread *traced_thread(__u32 *pidp, __u32 *tidp,
							   struct pycost_proc **procp)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct pycost_proc *proc;

	if (!maybe_traced(pid))
		return NULL;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc)
		return NULL;
	*pidp = pid;
	*tidp = tid;
	*procp = proc;
	return thread_of(pid, tid);
}

/* The class of a peer: the user's --backend map, then the well-known ports. */
static __always_inline __u32 peer_kind(__u16 port)
{
	__u32 *user = bpf_map_lookup_elem(&portmap, &port);

	return user ? *user : pycost_port_kind(port);
}

static __always_inline __u32 sock_kind(struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family, lport, dport;
	bool loopback;

	if (family == AF_UNIX) {
		struct unix_sock *u = (struct unix_sock *)sk;
		struct sock *peer;

		/* an accepted socket shares its listener's name; a client's has none */
		if (BPF_CORE_READ(u, addr))
			return PYCOST_FD_CLIENT;
		peer = BPF_CORE_READ(u, peer);
		if (peer && BPF_CORE_READ((struct unix_sock *)peer, addr))
			return PYCOST_FD_OTHER;
		return PYCOST_FD_NONE;
	}
	if (family != AF_INET && family != AF_INET6)
		return PYCOST_FD_NONE;
	lport = sk->__sk_common.skc_num;
	if (bpf_map_lookup_elem(&inports, &lport))
		return PYCOST_FD_CLIENT;
	dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		loopback = (bpf_ntohl(sk->__sk_common.skc_daddr) >> 24) == 127;
	} else {
		struct in6_addr a = sk->__sk_common.skc_v6_daddr;

		/* ::1, or ::ffff:127.x.y.z */
		loopback =
		    (!a.in6_u.u6_addr32[0] && !a.in6_u.u6_addr32[1] &&
		     ((!a.in6_u.u6_addr32[2] && a.in6_u.u6_addr32[3] == bpf_htonl(1)) ||
		      (a.in6_u.u6_addr32[2] == bpf_htonl(0xffff) && a.in6_u.u6_addr8[12] == 127)));
	}
	if (loopback && bpf_map_lookup_elem(&inports, &dport))
		return PYCOST_FD_PROXY;
	return peer_kind(dport);
}

/*
 * A connection's identity.  Not the socket's address: a closed connection's
 * memory is reused for the next one at once, and no hook sees the close in
 * between.  The socket's inode number comes from a counter.
 */
static __always_inline __u64 conn_id(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
}

/*
 * The user buffer of the socket call in progress, from the syscall's saved
 * registers, and how many of its bytes are in it (vectored calls: the first
 * iovec); its descriptor in *fd.  0 for calls that carry no buffer
 * (sendfile, splice).
 */
static __always_inline __u64 call_buffer(long *n, __s32 *fd)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	struct iovec iov = {};
	__u64 arg1, msg_iov;

	*fd = -1;
	if (!regs)
		return 0;
	*fd = BPF_CORE_READ(regs, di);
	arg1 = BPF_CORE_READ(regs, si);
	switch (BPF_CORE_READ(regs, orig_ax)) {
	case NR_read:
	case NR_write:
	case NR_recvfrom:
	case NR_sendto:
		return arg1;
	case NR_recvmsg:
	case NR_sendmsg:
		/* struct user_msghdr: msg_iov at +16 */
		if (bpf_probe_read_user(&msg_iov, sizeof(msg_iov), (const void *)(arg1 + 16)))
			return 0;
		arg1 = msg_iov;
		/* fallthrough */
	case NR_readv:
	case NR_writev:
		if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)arg1))
			return 0;
		if ((long)iov.iov_len < *n)
			*n = iov.iov_len;
		return (__u64)iov.iov_base;
	}
	return 0;
}

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
	if (bpf_ringbuf_output(&events, r, offsetof(struct pycost_request, head) + len,
			       BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&stats.request_drops, 1);
	t->req_id = 0;
	t->req_conn = 0;
	t->req_fd = -1;
}

static __always_inline void start_request(__u32 pid, __u32 tid, struct pycost_thread *t, __u64 conn,
					  __s32 fd, __u64 buf, long n, long copy, __u64 now_ns)
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
	len = copy > PYCOST_HEAD_MAX ? PYCOST_HEAD_MAX : copy;
	barrier_var(len);
	if (len > PYCOST_HEAD_MAX)
		len = PYCOST_HEAD_MAX;
	if (n > PYCOST_HEAD_MAX)
		r->flags |= PYCOST_RF_HEAD_CUT;
	r->head_len = buf && !bpf_probe_read_user(r->head, len, (const void *)buf) ? len : 0;
	t->req_id = r->id;
	t->req_conn = conn;
	t->req_fd = fd;
	totals_now(t, now_ns, &t->req_total0, &t->req_ns0);
	t->req_total1 = t->req_total0;
	t->req_ns1 = t->req_ns0;
	t->req_done_ns = 0;
	t->await_be = 0;
	t->be_off_ts = 0;
	t->req_walked = 0;
}

/* Bytes read on a client connection: a new request, or more of the current one. */
static __always_inline void on_client_read(__u32 pid, __u32 tid, struct pycost_thread *t,
					   __u64 conn, long n, __u64 now_ns)
{
	struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);
	long copy = n;
	__s32 fd;
	__u64 buf = call_buffer(&copy, &fd);
	__u32 off, len;

	if (t->req_id && r) {
		if (t->req_conn == conn && !r->bytes_out) {
			/* the head or body continues; keep up to half the head buffer more */
			r->bytes_in += n;
			off = r->head_len;
			if (off >= PYCOST_HEAD_MAX / 2) {
				r->flags |= PYCOST_RF_HEAD_CUT;
				return;
			}
			len = copy > PYCOST_HEAD_MAX / 2 ? PYCOST_HEAD_MAX / 2 : copy;
			barrier_var(off);
			barrier_var(len);
			if (!buf || off >= PYCOST_HEAD_MAX / 2 || len > PYCOST_HEAD_MAX / 2)
				return;
			if (!bpf_probe_read_user(r->head + off, len, (const void *)buf))
				r->head_len = off + len;
			return;
		}
		/* a response was sent (keep-alive) or another connection took over */
		end_request(r, t, t->req_conn == conn ? PYCOST_RF_KEEPALIVE : 0, now_ns);
	}
	start_request(pid, tid, t, conn, fd, buf, n, copy, now_ns);
}

static __always_inline void on_client_write(__u32 tid, struct pycost_thread *t, __u64 conn, long n,
					    __u64 now_ns)
{
	struct pycost_request *r;
	long copy = n;
	__s32 fd;
	__u64 buf;
	__u32 len;

	if (!t->req_id || t->req_conn != conn)
		return;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (!r)
		return;
	if (!r->bytes_out) {
		buf = call_buffer(&copy, &fd);
		len = copy > PYCOST_STATUS_MAX ? PYCOST_STATUS_MAX : copy;
		barrier_var(len);
		if (len > PYCOST_STATUS_MAX)
			len = PYCOST_STATUS_MAX;
		r->status_len =
		    buf && !bpf_probe_read_user(r->status, len, (const void *)buf) ? len : 0;
	}
	r->bytes_out += n;
	r->end_ns = now_ns;
	/* more of the response after a wait (streaming): its work goes on */
	t->req_done_ns = 0;
	totals_now(t, now_ns, &t->req_total1, &t->req_ns1);
}

/*
 * Charges the off-CPU time since the thread went to sleep awaiting a
 * backend: at its switch back in, or at its next backend read when that
 * switch was not seen.
 */
static __always_inline void settle_backend_wait(__u32 tid, struct pycost_thread *t)
{
	struct pycost_request *r;
	__u32 be = t->await_be - 1;

	if (!t->be_off_ts)
		return;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (r && t->req_id && be < PYCOST_BE_MAX)
		r->backend_ns[be] += bpf_ktime_get_ns() - t->be_off_ts;
	t->be_off_ts = 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	struct pycost_proc *proc;
	struct pycost_thread *t;
	__u32 pid, tid, kind;

	t = traced_thread(&pid, &tid, &proc);
	if (!t || (flags & MSG_PEEK))
		return 0;
	kind = sock_kind(sk);
	if (kind == PYCOST_FD_CLIENT) {
		if (ret > 0)
			on_client_read(pid, tid, t, conn_id(sk), ret, bpf_ktime_get_ns());
		return 0;
	}
	if (kind == PYCOST_FD_NONE || !t->req_id)
		return 0;
	if (kind == PYCOST_FD_PROXY) {
		/* this request is served by another traced process: it counts there */
		struct pycost_request *r = bpf_map_lookup_elem(&reqs, &tid);

		if (r)
			r->flags |= PYCOST_RF_PROXIED;
		return 0;
	}
	settle_backend_wait(tid, t);
	if (ret > 0)
		t->await_be = 0;
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock *sk, int ret, int flags)
{
	struct pycost_request *r;
	struct pycost_proc *proc;
	struct pycost_thread *t;
	__u32 pid, tid, kind;

	t = traced_thread(&pid, &tid, &proc);
	if (!t || ret <= 0)
		return 0;
	kind = sock_kind(sk);
	if (kind == PYCOST_FD_CLIENT) {
		on_client_write(tid, t, conn_id(sk), ret, bpf_ktime_get_ns());
		return 0;
	}
	if (kind == PYCOST_FD_NONE || !t->req_id)
		return 0;
	r = bpf_map_lookup_elem(&reqs, &tid);
	if (!r)
		return 0;
	if (kind == PYCOST_FD_PROXY) {
		r->flags |= PYCOST_RF_PROXIED;
		return 0;
	}
	r->backend_calls++;
	t->await_be = kind - PYCOST_FD_DB + 1;
	/* the first backend call of a request shows which Python code made it */
	if (!t->req_walked && (proc->flags & PYCOST_PROC_PYTHON)) {
		t->req_walked = 1;
		emit_stack(proc, t, pid, tid, 0, PYCOST_SF_WALK, bpf_ktime_get_ns());
	}
	return 0;
}

static __always_inline unsigned int task_state(struct task_struct *p)
{
	if (bpf_core_field_exists(p->__state))
		return BPF_CORE_READ(p, __state);
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
	switch (BPF_CORE_READ(regs, orig_ax)) {
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
		return answered && t->req_fd >= 0 && (__s32)BPF_CORE_READ(regs, di) == t->req_fd;
	}
	return false;
}

/*
 * A request's thread going to sleep: after writing to a backend, it waits
 * for the answer, which is charged to that backend when the thread runs
 * again; after its response, its work for the request is done (until more
 * of the response is written), and when it waits for new work the request
 * is over.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch_request, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 ptid = prev->pid, ntid = next->pid;
	struct pycost_thread *t;
	struct pycost_request *r;
	__u64 now_ns;

	if (maybe_traced(prev->tgid) && !preempt && task_state(prev) != TASK_RUNNING) {
		t = bpf_map_lookup_elem(&threads, &ptid);
		if (t && t->req_id) {
			now_ns = bpf_ktime_get_ns();
			r = bpf_map_lookup_elem(&reqs, &ptid);
			/*
			 * Once answered, a wait is not the request's: a write to a
			 * backend that expects no answer (closing a database
			 * connection) must not turn a keep-alive idle wait into
			 * backend time.
			 */
			if (t->await_be && (!r || !r->bytes_out)) {
				t->be_off_ts = now_ns;
			} else if (r && r->bytes_out) {
				/* prev is current here, its runtime just brought up to date */
				if (!t->req_done_ns) {
					totals_at(t, prev->se.sum_exec_runtime, &t->req_total1,
						  &t->req_ns1);
					t->req_done_ns = now_ns;
				}
				if (waits_for_work(prev, t, true))
					end_request(r, t, 0, now_ns);
			} else if (r && waits_for_work(prev, t, false)) {
				/* its connection was dropped unanswered (garbage, reset) */
				end_request(r, t, 0, now_ns);
			}
		}
	}
	if (maybe_traced(next->tgid)) {
		t = bpf_map_lookup_elem(&threads, &ntid);
		if (t)
			settle_backend_wait(ntid, t);
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
