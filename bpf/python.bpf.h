/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * BPF side of the CPython frame walk: thread -> PyThreadState -> frames ->
 * code objects.  Interpreter structs are not in BTF, so every offset comes
 * from the per-process struct pycost_layout that user space filled.  Reads
 * go through bpf_probe_read_user only; the target is never written.
 */
#ifndef __PYTHON_BPF_H
#define __PYTHON_BPF_H

#include "pycost.h"

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* Scratch space: records are built here, then copied to the ring buffer. */
struct walk_scratch {
	__u8 frame[PYCOST_FRAME_READ];
	__u8 code[PYCOST_CODE_WINDOW];
};

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

#endif /* __PYTHON_BPF_H */
