/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * BPF side of the CPython frame walk: thread -> PyThreadState -> frames ->
 * code objects.  Interpreter structs are not in BTF, so every offset comes
 * from the per-process struct pycost_layout that user space filled.  Reads
 * go through bpf_probe_read_user only; the target is never written.
 * Used by the perf_event sampler and by the request tracker's stack walks.
 */
#ifndef __PYTHON_BPF_H
#define __PYTHON_BPF_H

#include "maps.bpf.h"

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* Field readers over a scratch block; masks keep the verifier's bounds. */
static __always_inline __u64 blk_u64(const __u8 *blk, __u32 off)
{
	return *(const __u64 *)(blk + (off & (PYCOST_FRAME_READ - 8)));
}

static __always_inline __s32 blk_s32(const __u8 *blk, __u32 off)
{
	return *(const __s32 *)(blk + (off & (PYCOST_FRAME_READ - 4)));
}

static __always_inline __u8 blk_u8(const __u8 *blk, __u32 off)
{
	return blk[off & (PYCOST_FRAME_READ - 1)];
}

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (const void *)addr))
		return 0;
	return v;
}

static __always_inline __u32 mix32(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return (__u32)(h ^ (h >> 32));
}

/*
 * Copies a compact str object as raw code units (UCS1/2/4); user space
 * transcodes.  Non-compact strings never hold code-object names, so they
 * are left unread (kind 0).
 */
static __always_inline void read_pystr(const struct pycost_layout *l, __u64 obj, __u8 *buf,
				       __u32 cap, struct pycost_str *out)
{
	__s64 length = 0;
	__u32 state = 0, kind, nbytes;
	__u64 data;

	out->len = 0;
	out->kind = 0;
	out->cut = 0;
	if (!obj)
		return;
	if (bpf_probe_read_user(&length, sizeof(length), (const void *)(obj + l->str_length)) ||
	    bpf_probe_read_user(&state, sizeof(state), (const void *)(obj + l->str_state)))
		return;
	kind = (state >> 2) & 7;
	if (!(state & (1 << 5)) || (kind != 1 && kind != 2 && kind != 4) || length < 0)
		return;
	data = obj + ((state & (1 << 6)) ? l->str_ascii_data : l->str_compact_data);
	if ((__u64)length > cap / kind) {
		out->cut = 1;
		length = cap / kind;
	}
	nbytes = (__u32)length * kind;
	barrier_var(nbytes);
	if (nbytes > cap)
		nbytes = cap;
	if (nbytes && bpf_probe_read_user(buf, nbytes, (const void *)data))
		return;
	out->len = nbytes;
	out->kind = kind;
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
	__u32 slot; /* enum scratch_slot */
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
	__s64 size = 0;
	__u32 len;

	c = bpf_map_lookup_elem(&code_buf, &fw->slot);
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
	    !bpf_probe_read_user(&size, sizeof(size),
				 (const void *)(r->linetable + l->bytes_size)) &&
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
	if (ring_output(c, sizeof(*c))) {
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
	__u64 frame = fw->frame, code, name_hash = 0, lt[3];
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
	 * pointers, the name's cached hash (a freed code object's slots reused
	 * for one with another name), and the line table's size and first
	 * bytes (reused for another body with the same name, e.g. the
	 * <module> of exec'd code).
	 */
	bpf_probe_read_user(&name_hash, sizeof(name_hash), (const void *)(r->name + l->str_hash));
	/* ob_size, ob_shash (unused), then the first 8 bytes of the table */
	if (bpf_probe_read_user(lt, sizeof(lt), (const void *)(r->linetable + l->bytes_size)))
		lt[0] = lt[2] = 0;
	r->ident = mix32(mix32(mix32(mix32(mix32(r->filename, r->name), r->qualname), r->linetable),
			       ((__u64)(__u32)r->firstlineno << 32) ^ name_hash),
			 (lt[0] << 48) ^ lt[2]) |
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

/*
 * Walks the current thread's Python stack and emits a sample record of
 * weight for it.  t is the thread's accounting entry (its tstate cache);
 * slot the scratch space of the calling context (enum scratch_slot).
 */
static __always_inline void emit_stack(struct pycost_proc *proc, struct pycost_thread *t, __u32 pid,
				       __u32 tid, __u64 weight, __u16 flags, __u64 now_ns,
				       __u32 slot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct frame_walk fw = {};
	struct pycost_sample *s;
	__u64 tstate, frame = 0;
	__u32 n;

	s = bpf_map_lookup_elem(&sample_buf, &slot);
	fw.buf = bpf_map_lookup_elem(&walk_buf, &slot);
	fw.slot = slot;
	if (!s || !fw.buf)
		return;
	tstate = find_tstate(proc, t, BPF_CORE_READ(task, thread.fsbase), now_ns);
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
	if (t->req_id) {
		struct pycost_request *r = req_of(t);

		if (r && r->bytes_out)
			flags |= PYCOST_SF_ANSWERED;
	}
	s->flags = flags;
	s->ts = now_ns;
	s->weight = weight;
	s->req_id = t->req_id;
	n = fw.n;
	barrier_var(n);
	if (n > PYCOST_MAX_DEPTH)
		n = PYCOST_MAX_DEPTH;
	if (ring_output(s,
			offsetof(struct pycost_sample, frames) + n * sizeof(struct pycost_frame))) {
		__sync_fetch_and_add(&stats.sample_drops, 1);
		return;
	}
	__sync_fetch_and_add(&stats.samples, 1);
}

#endif /* __PYTHON_BPF_H */
