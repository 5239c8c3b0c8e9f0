// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Writes records into a running pycost's ring buffer (its map reused by
 * fd), as fast as ringfill.c runs these programs: the measure of how many
 * records per second pycost's reader drains.  fill_codes names every code
 * object first, as pycost's sampler does when it first meets one; fill
 * then sends samples whose stacks are drawn from a fixed set of shapes, as
 * a service's samples repeat a few thousand stacks, with frames near the
 * root shared between shapes, as call trees share them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pycost.h"
#include "ring.bpf.h"
#include "ringfill.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u32 target_pid;
/* the recording pycost's: its ring wakes its reader as its own records do */
__u32 wake_shift;
__u64 sent, refused, total_sent;
/* bytes in the ring not yet consumed, as of the last run of ring_avail */
__u64 avail;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* the reused map's own size applies */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_sample);
} sample_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pycost_code);
} code_scratch SEC(".maps");

#define QUALNAME "View.handle"
#define FILENAME "/srv/app/views.py"

/* Code object n: level n / RINGFILL_SHAPES, index n % RINGFILL_SHAPES. */
static __always_inline __u64 code_addr(__u64 level, __u64 index)
{
	return RINGFILL_CODE_BASE + ((level << 16) | index) * 64;
}

static void count(long err)
{
	if (err) {
		__sync_fetch_and_add(&refused, 1);
	} else {
		__sync_fetch_and_add(&sent, 1);
		__sync_fetch_and_add(&total_sent, 1);
	}
}

struct fill_ctx {
	void *rec;
	__u64 seq;
};

static long fill_one(__u64 i, struct fill_ctx *c)
{
	struct pycost_sample *rec = c->rec;
	__u64 shape = (c->seq + i) % RINGFILL_SHAPES;
	__u32 f, level;

	rec->ts = bpf_ktime_get_ns();
	for (f = 0; f < RINGFILL_DEPTH; f++) {
		/* frames[0] is the leaf: level 0, a code of its own per shape */
		level = f / RINGFILL_LEVEL;
		rec->frames[f].code = code_addr(level, shape >> level);
		rec->frames[f].ident = 1;
		rec->frames[f].lasti = (__s32)(shape % 7) * 2;
	}
	count(ring_send(&events, wake_shift, rec, RINGFILL_SAMPLE_BYTES));
	return 0;
}

SEC("syscall")
int fill(struct ringfill_args *args)
{
	__u32 zero = 0;
	struct fill_ctx c = {.seq = args->seq};
	struct pycost_sample *rec = bpf_map_lookup_elem(&sample_scratch, &zero);

	if (!rec)
		return 0;
	rec->kind = PYCOST_REC_SAMPLE;
	rec->pid = target_pid;
	rec->tid = target_pid;
	rec->nframes = RINGFILL_DEPTH;
	rec->flags = 0;
	rec->weight = 1000;
	rec->req_id = 0;
	c.rec = rec;
	bpf_loop(args->count, fill_one, &c, 0);
	return 0;
}

static long name_one(__u64 i, struct fill_ctx *c)
{
	struct pycost_code *rec = c->rec;
	__u64 n = c->seq + i;
	__u32 level = n / RINGFILL_SHAPES, index = n % RINGFILL_SHAPES;

	if (level >= RINGFILL_LEVELS || (index << level) >= RINGFILL_SHAPES)
		return 0;
	rec->code = code_addr(level, index);
	/* one function per code object: the line sets them apart */
	rec->firstlineno = (__s32)n + 1;
	__builtin_memcpy(rec->qualname_data, QUALNAME, sizeof(QUALNAME) - 1);
	__builtin_memcpy(rec->filename_data, FILENAME, sizeof(FILENAME) - 1);
	count(ring_send(&events, wake_shift, rec, sizeof(*rec)));
	return 0;
}

SEC("syscall")
int fill_codes(struct ringfill_args *args)
{
	__u32 zero = 0;
	struct fill_ctx c = {.seq = args->seq};
	struct pycost_code *rec = bpf_map_lookup_elem(&code_scratch, &zero);

	if (!rec)
		return 0;
	rec->kind = PYCOST_REC_CODE;
	rec->pid = target_pid;
	rec->ident = 1;
	rec->linetable_len = 0;
	rec->linetable_full = 0;
	rec->name.len = 0;
	rec->name.kind = 0;
	rec->qualname.len = sizeof(QUALNAME) - 1;
	rec->qualname.kind = 1;
	rec->filename.len = sizeof(FILENAME) - 1;
	rec->filename.kind = 1;
	c.rec = rec;
	bpf_loop(args->count, name_one, &c, 0);
	return 0;
}

SEC("syscall")
int ring_avail(void *args)
{
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return 0;
}
