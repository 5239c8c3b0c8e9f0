// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Sampling core.  A perf_event program samples the Python stack of the
 * interrupted thread; sched_switch keeps each traced thread's metric
 * (instructions or CPU time) so that a sample weighs exactly the thread's
 * counter delta since its previous sample; fork/exec/exit tracepoints follow
 * the traced processes.  Code objects are named here, when first seen, so a
 * process that exits or frees the code right after a sample stays
 * symbolized.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "pycost.h"
#include "python.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Weight of a thread's first sample, when no earlier counter value exists. */
const volatile __u64 first_weight = 0;
/* How long a thread without a PyThreadState is not looked up again. */
const volatile __u64 tstate_retry_ns = 10000000;

struct pycost_stats stats = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PYCOST_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct pycost_proc);
} procs SEC(".maps");

struct {
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct code_key);
	__type(value, __u32);
} codes SEC(".maps");

/* Per-CPU counting events of the metric; max_entries set to the CPU count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_sample);
} sample_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_code);
} code_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_scratch);
} walk_buf SEC(".maps");

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

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 ptgid = prev->tgid, ntgid = next->tgid;
	__u32 ptid = prev->pid, ntid = next->pid;
	bool ptraced, ntraced;
	struct pycost_thread *t;
	__u64 now;

	/* the common case: neither side traced, two hash lookups */
	ptraced = ptgid && bpf_map_lookup_elem(&procs, &ptgid);
	ntraced = ntgid && bpf_map_lookup_elem(&procs, &ntgid);
	if (!ptraced && !ntraced)
		return 0;
	if (counter_now(&now))
		return 0;
	if (ptraced) {
		t = bpf_map_lookup_elem(&threads, &ptid);
		if (t && t->oncpu) {
			t->acc += now - t->base;
			t->oncpu = 0;
		}
	}
	if (ntraced) {
		t = bpf_map_lookup_elem(&threads, &ntid);
		if (!t) {
			struct pycost_thread init = {.pid = ntgid};

			if (bpf_map_update_elem(&threads, &ntid, &init, BPF_NOEXIST) &&
			    !bpf_map_lookup_elem(&threads, &ntid))
				__sync_fetch_and_add(&stats.thread_drops, 1);
			t = bpf_map_lookup_elem(&threads, &ntid);
		}
		if (t) {
			t->base = now;
			t->oncpu = 1;
		}
	}
	return 0;
}

struct tstate_walk {
	__u64 ts;
	__u64 fsbase;
	__u64 found;
	__u16 ts_next;
	__u16 ts_thread_id;
};

static long tstate_walk_cb(__u64 i, struct tstate_walk *w)
{
	if (!w->ts)
		return 1;
	if (read_ptr(w->ts + w->ts_thread_id) == w->fsbase) {
		w->found = w->ts;
		return 1;
	}
	w->ts = read_ptr(w->ts + w->ts_next);
	return 0;
}

/*
 * The thread's PyThreadState, found by matching tstate->thread_id (which is
 * pthread_self(), the thread's fsbase on x86-64 glibc and musl) along
 * interp->threads.  Works for threads that do not hold the GIL, unlike the
 * GIL holder pointer (3.8-3.11) or _Py_tss_tstate (3.12+, NULL when
 * detached).  The result is cached per thread and revalidated with one read.
 */
static __always_inline __u64 find_tstate(const struct pycost_proc *proc, struct pycost_thread *t,
					 __u64 fsbase, __u64 now_ns)
{
	const struct pycost_layout *l = &proc->layout;
	struct tstate_walk w = {};
	__u64 interp;

	if (t->tstate && read_ptr(t->tstate + l->ts_thread_id) == fsbase)
		return t->tstate;
	if (!t->tstate && t->tstate_ns && now_ns - t->tstate_ns < tstate_retry_ns)
		return 0;
	__sync_fetch_and_add(&stats.thread_walks, 1);
	interp = read_ptr(proc->runtime + l->rt_interp_head);
	if (interp) {
		w.ts = read_ptr(interp + l->is_threads_head);
		w.fsbase = fsbase;
		w.ts_next = l->ts_next;
		w.ts_thread_id = l->ts_thread_id;
		bpf_loop(PYCOST_MAX_THREADS, tstate_walk_cb, &w, 0);
	}
	t->tstate = w.found;
	t->tstate_ns = w.found ? 0 : now_ns;
	return w.found;
}

/* The code object of the frame being walked, as read from its window. */
struct code_ref {
	__u64 code;
	__u64 filename;
	__u64 name;
	__u64 qualname;
	__u64 linetable;
	__u32 ident;
	__s32 firstlineno;
};

struct frame_walk {
	const struct pycost_layout *l;
	struct code_ref cur;
	struct pycost_sample *s;
	struct walk_scratch *buf;
	__u64 frame;
	__u32 pid;
	__u32 n;
	__u16 flags;
};

/*
 * Emits the code record for (pid, code) and remembers its identity.  Called
 * once per code object (or when an address is reused by a new one), so the
 * string copies stay off the common path.  Only a record that reached the
 * ring buffer updates the map, so a dropped record is retried next time.
 */
static __noinline int emit_code(struct frame_walk *fw)
{
	const struct pycost_layout *l = fw->l;
	const struct code_ref *r = &fw->cur;
	struct code_key key = {.pid = fw->pid, .code = r->code};
	struct pycost_code *c;
	__u32 zero = 0;
	__s64 size = 0;
	__u32 len;

	c = bpf_map_lookup_elem(&code_buf, &zero);
	if (!c || !l)
		return 0;
	c->kind = PYCOST_REC_CODE;
	c->pid = fw->pid;
	c->code = r->code;
	c->ident = r->ident;
	c->firstlineno = r->firstlineno;
	read_pystr(l, r->name, c->name_data, PYCOST_NAME_MAX, &c->name);
	read_pystr(l, r->qualname, c->qualname_data, PYCOST_NAME_MAX, &c->qualname);
	read_pystr(l, r->filename, c->filename_data, PYCOST_FILE_MAX, &c->filename);
	c->linetable_len = 0;
	c->linetable_full = 0;
	if (r->linetable &&
	    !bpf_probe_read_user(&size, sizeof(size), (const void *)(r->linetable + l->bytes_size)) &&
	    size > 0) {
		c->linetable_full = size;
		len = size > PYCOST_LINETABLE_MAX ? PYCOST_LINETABLE_MAX : size;
		barrier_var(len);
		if (len > PYCOST_LINETABLE_MAX)
			len = PYCOST_LINETABLE_MAX;
		if (!bpf_probe_read_user(c->linetable, len,
					 (const void *)(r->linetable + l->bytes_data)))
			c->linetable_len = len;
	}
	if (bpf_ringbuf_output(&events, c, sizeof(*c), 0)) {
		__sync_fetch_and_add(&stats.code_drops, 1);
		return 0;
	}
	bpf_map_update_elem(&codes, &key, &r->ident, BPF_ANY);
	return 0;
}

static long frame_walk_cb(__u64 i, struct frame_walk *fw)
{
	const struct pycost_layout *l = fw->l;
	struct walk_scratch *b = fw->buf;
	__u64 frame = fw->frame, code, name_hash = 0;
	struct code_ref *r = &fw->cur;
	struct code_key key = {.pid = fw->pid};
	struct pycost_frame *out;
	__u32 len, *known;
	__s32 lasti;

	if (!frame || !l || !b)
		return 1;
	if (fw->n >= PYCOST_MAX_DEPTH) {
		fw->flags |= PYCOST_SF_TRUNCATED;
		return 1;
	}
	len = l->fr_read;
	barrier_var(len);
	if (len > PYCOST_FRAME_READ)
		len = PYCOST_FRAME_READ;
	if (bpf_probe_read_user(b->frame, len, (const void *)frame)) {
		fw->flags |= PYCOST_SF_READ_FAULT;
		return 1;
	}
	fw->frame = blk_u64(b->frame, l->fr_back);
	code = blk_u64(b->frame, l->fr_code) & ~(__u64)l->code_tag_mask;
	/* 3.12+: C-stack shim / entry frames carry no Python code */
	if (l->entry_kind == PYCOST_ENTRY_OWNER && blk_u8(b->frame, l->fr_owner) >= 3)
		return 0;
	if (!code)
		return 0;
	if (l->frame_kind == PYCOST_FRAMES_OBJECT) {
		lasti = blk_s32(b->frame, l->fr_instr);
	} else {
		__u64 instr = blk_u64(b->frame, l->fr_instr);

		/* BPF has no signed division; code units are 2 bytes */
		lasti = instr ? (__s32)(((__s64)instr - (__s64)(code + l->co_adaptive)) >> 1) : -1;
	}

	len = l->co_win_len;
	barrier_var(len);
	if (len > PYCOST_CODE_WINDOW)
		len = PYCOST_CODE_WINDOW;
	if (bpf_probe_read_user(b->code, len, (const void *)(code + l->co_win_start))) {
		fw->flags |= PYCOST_SF_READ_FAULT;
		return 1;
	}
	r->code = code;
	r->firstlineno = blk_s32(b->code, l->co_firstlineno - l->co_win_start);
	r->filename = blk_u64(b->code, l->co_filename - l->co_win_start);
	r->name = blk_u64(b->code, l->co_name - l->co_win_start);
	r->linetable = blk_u64(b->code, l->co_linetable - l->co_win_start);
	r->qualname = 0;
	if (l->co_qualname != PYCOST_NOFF)
		r->qualname = blk_u64(b->code, l->co_qualname - l->co_win_start);
	/*
	 * Identity of the object now at this address: its string and table
	 * pointers plus the name's cached hash, which differs when a freed
	 * code object's slots are reused for one with another name.
	 */
	bpf_probe_read_user(&name_hash, sizeof(name_hash), (const void *)(r->name + l->str_hash));
	r->ident = mix32(mix32(mix32(mix32(r->filename, r->name), r->qualname), r->linetable),
			 ((__u64)(__u32)r->firstlineno << 32) ^ name_hash) |
		   1;

	key.code = code;
	known = bpf_map_lookup_elem(&codes, &key);
	if (!known || *known != r->ident)
		emit_code(fw);

	out = &fw->s->frames[fw->n & (PYCOST_MAX_DEPTH - 1)];
	out->code = code;
	out->ident = r->ident;
	out->lasti = lasti;
	fw->n++;
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = 0, now_ns, total, weight, fsbase, tstate,
	      frame = 0;
	__u32 pid = id >> 32, tid = (__u32)id, zero = 0, n;
	struct task_struct *task;
	struct pycost_proc *proc;
	struct pycost_thread *t;
	struct pycost_sample *s;
	struct frame_walk fw = {};
	__u16 flags = 0;

	if (!pid)
		return 0;
	proc = bpf_map_lookup_elem(&procs, &pid);
	if (!proc || !(proc->flags & PYCOST_PROC_PYTHON))
		return 0;
	s = bpf_map_lookup_elem(&sample_buf, &zero);
	fw.buf = bpf_map_lookup_elem(&walk_buf, &zero);
	if (!s || !fw.buf)
		return 0;
	if (counter_now(&now))
		return 0;
	now_ns = bpf_ktime_get_ns();

	/* weight: the thread's counter delta since its previous sample */
	t = bpf_map_lookup_elem(&threads, &tid);
	if (!t) {
		struct pycost_thread init = {.pid = pid, .base = now, .oncpu = 1};

		if (bpf_map_update_elem(&threads, &tid, &init, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&threads, &tid))
			__sync_fetch_and_add(&stats.thread_drops, 1);
		t = bpf_map_lookup_elem(&threads, &tid);
		if (!t)
			return 0;
		weight = first_weight;
		flags |= PYCOST_SF_FIRST;
	} else {
		total = t->acc + (t->oncpu ? now - t->base : 0);
		weight = total - t->last;
		t->last = total;
	}

	task = bpf_get_current_task_btf();
	fsbase = BPF_CORE_READ(task, thread.fsbase);
	tstate = find_tstate(proc, t, fsbase, now_ns);
	if (!tstate) {
		flags |= PYCOST_SF_NO_TSTATE;
		__sync_fetch_and_add(&stats.no_tstate, 1);
	} else {
		frame = read_ptr(tstate + proc->layout.ts_frame);
		if (frame && proc->layout.cf_current != PYCOST_NOFF)
			frame = read_ptr(frame + proc->layout.cf_current);
	}

	fw.l = &proc->layout;
	fw.s = s;
	fw.frame = frame;
	fw.pid = pid;
	if (frame)
		bpf_loop(PYCOST_MAX_DEPTH + 1, frame_walk_cb, &fw, 0);
	flags |= fw.flags;
	if (flags & PYCOST_SF_TRUNCATED)
		__sync_fetch_and_add(&stats.truncated, 1);
	if (flags & PYCOST_SF_READ_FAULT)
		__sync_fetch_and_add(&stats.read_faults, 1);

	s->kind = PYCOST_REC_SAMPLE;
	s->pid = pid;
	s->tid = tid;
	s->nframes = fw.n;
	s->flags = flags;
	s->ts = now_ns;
	s->weight = weight;
	n = fw.n;
	barrier_var(n);
	if (n > PYCOST_MAX_DEPTH)
		n = PYCOST_MAX_DEPTH;
	if (bpf_ringbuf_output(&events, s,
			       offsetof(struct pycost_sample, frames) +
				       n * sizeof(struct pycost_frame),
			       0)) {
		__sync_fetch_and_add(&stats.sample_drops, 1);
		return 0;
	}
	__sync_fetch_and_add(&stats.samples, 1);
	return 0;
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

	if (bpf_ringbuf_output(&events, &r, sizeof(r), 0))
		__sync_fetch_and_add(&stats.proc_drops, 1);
}

/* A traced process's child has the same address space: trace it at once. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, cpid = child->pid;
	struct pycost_proc *proc;

	if (child->pid != child->tgid)
		return 0;
	proc = bpf_map_lookup_elem(&procs, &ptgid);
	if (!proc)
		return 0;
	bpf_map_update_elem(&procs, &cpid, proc, BPF_NOEXIST);
	emit_proc(PYCOST_PROC_FORK, cpid, ptgid);
	return 0;
}

/* A new image: the old layout is void until user space finds the new one. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct pycost_proc *proc;

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

	if (!bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	bpf_map_delete_elem(&threads, &tid);
	/* signal->live reached 0 before this tracepoint: the last thread is leaving */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&procs, &tgid);
	emit_proc(PYCOST_PROC_EXIT, tgid, 0);
	return 0;
}
