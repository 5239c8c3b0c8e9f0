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

#include "requests.bpf.h"

#define AF_UNIX	 1
#define AF_INET	 2
#define AF_INET6 10
#define MSG_PEEK 2

/* The accounting entry of the current thread if its process is traced, or NULL. */
static __always_inline struct pycost_thread *traced_thread(__u32 *pidp, __u32 *tidp)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now = 0;
	__u32 pid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct pycost_thread *t;

	if (!maybe_traced(pid))
		return NULL;
	*pidp = pid;
	*tidp = tid;
	t = thread_of(pid, tid);
	if ((t && t->oncpu) || counter_now(&now))
		return t;
	if (t)
		thread_running(t, now);
	else if (bpf_map_lookup_elem(&procs, &pid))
		t = thread_new_running(pid, tid, now);
	return t;
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
	__u32 lpid;

	if (family == AF_UNIX) {
		struct unix_sock *u = (struct unix_sock *)sk;
		struct sock *peer;

		/* an accepted socket shares its listener's name; a client's has none */
		if (BPF_CORE_READ(u, addr))
			return PYCOST_FD_CLIENT;
		peer = BPF_CORE_READ(u, peer);
		if (!peer || !BPF_CORE_READ((struct unix_sock *)peer, addr))
			return PYCOST_FD_NONE;
		/*
		 * Connected to a named socket: its peer credentials are those of
		 * the process that listened there.  A traced one serves what is
		 * sent (uWSGI's HTTP router forwarding to its workers).
		 */
		lpid = BPF_CORE_READ(sk, sk_peer_pid, numbers[0].nr);
		if (maybe_traced(lpid) && bpf_map_lookup_elem(&procs, &lpid))
			return PYCOST_FD_PROXY;
		return PYCOST_FD_OTHER;
	}
	if (family != AF_INET && family != AF_INET6)
		return PYCOST_FD_NONE;
	lport = sk->__sk_common.skc_num;
	if (is_inport(lport))
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
	if (loopback && is_inport(dport))
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
	/* BTF pointers: direct loads (CO-RE, faults read as 0), no helper calls */
	return sk->sk_socket->file->f_inode->i_ino;
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
	*fd = regs->di;
	arg1 = regs->si;
	switch (regs->orig_ax) {
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

/* r: the thread's request slot, NULL before its first request. */
static __always_inline void start_request(__u32 pid, __u32 tid, struct pycost_thread *t,
					  struct pycost_request *r, __u64 conn, __s32 fd, __u64 buf,
					  long n, long copy, __u64 now_ns)
{
	__u32 len;

	if (!r) {
		r = req_alloc(tid, t);
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
	struct pycost_request *r = req_of(t);
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
	start_request(pid, tid, t, r, conn, fd, buf, n, copy, now_ns);
}

static __always_inline void on_client_write(struct pycost_thread *t, __u64 conn, long n,
					    __u64 now_ns)
{
	struct pycost_request *r;
	long copy = n;
	__s32 fd;
	__u64 buf;
	__u32 len;

	if (!t->req_id || t->req_conn != conn)
		return;
	r = req_of(t);
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

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	struct pycost_thread *t;
	__u32 pid, tid, kind;

	t = traced_thread(&pid, &tid);
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
		struct pycost_request *r = req_of(t);

		if (r)
			r->flags |= PYCOST_RF_PROXIED;
		return 0;
	}
	if (t->be_off_ts)
		settle_backend_wait(t, bpf_ktime_get_ns());
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

	t = traced_thread(&pid, &tid);
	if (!t || ret <= 0)
		return 0;
	kind = sock_kind(sk);
	if (kind == PYCOST_FD_CLIENT) {
		on_client_write(t, conn_id(sk), ret, bpf_ktime_get_ns());
		return 0;
	}
	if (kind == PYCOST_FD_NONE || !t->req_id)
		return 0;
	r = req_of(t);
	if (!r)
		return 0;
	if (kind == PYCOST_FD_PROXY) {
		r->flags |= PYCOST_RF_PROXIED;
		return 0;
	}
	r->backend_calls++;
	t->await_be = kind - PYCOST_FD_DB + 1;
	/* the first backend call of a request shows which Python code made it */
	if (!t->req_walked) {
		t->req_walked = 1;
		proc = bpf_map_lookup_elem(&procs, &pid);
		if (proc && (proc->flags & PYCOST_PROC_PYTHON))
			emit_stack(proc, t, pid, tid, 0, PYCOST_SF_WALK, bpf_ktime_get_ns(),
				   SCRATCH_TASK);
	}
	return 0;
}

/*
 * A serving thread that exits mid-request (harakiri, crash) aborts it; its
 * request slot goes back for another thread.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_request, struct task_struct *p)
{
	__u32 tid = p->pid;
	struct pycost_thread *t;
	struct pycost_request *r;

	if (!track_requests || !maybe_traced(p->tgid))
		return 0;
	t = thread_of(p->tgid, tid);
	if (t && t->req_slot) {
		r = req_of(t);
		if (r && t->req_id)
			end_request(r, t, 0, bpf_ktime_get_ns());
		bpf_map_delete_elem(&threads, &tid);
	}
	/* by tid: its entry may be gone (replaced) while it still holds a slot */
	req_release(tid);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gc_start, int generation)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pycost_thread *t = thread_of(id >> 32, (__u32)id);

	if (t && t->req_id)
		t->gc_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("usdt")
int BPF_USDT(on_gc_done, long collected)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pycost_thread *t = thread_of(id >> 32, (__u32)id);
	struct pycost_request *r;

	if (!t || !t->req_id || !t->gc_ts)
		return 0;
	r = req_of(t);
	if (r) {
		r->gc_ns += bpf_ktime_get_ns() - t->gc_ts;
		r->gc_count++;
	}
	t->gc_ts = 0;
	return 0;
}
