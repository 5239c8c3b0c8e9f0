// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * The primitives a request tracker's hooks are made of, one at a time, on
 * the tracepoint every socket write fires (sock_send_length, as pycost's
 * request programs use it): hookcost.c times socket calls with the program
 * detached, attached but filtering the caller out, and attached doing each
 * primitive, so that the cost of each is the difference in wall time.  No
 * kernel run-time counting: it adds two clock reads to every run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pycost.h"
#include "ring.bpf.h"
#include "hookcost.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Caller whose calls run the primitive; 0 (the idle task) filters out every caller. */
__u32 target_tgid;
__u32 mode;
__u64 fails, sink;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, HOOKCOST_RING_BYTES);
} ring SEC(".maps");

/* A record's source, as a request's slot is for pycost's ring record. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[HOOKCOST_RECORD]);
} record SEC(".maps");

/* Per-thread state, keyed by tid, of the size of pycost's thread entries. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8[HOOKCOST_RECORD]);
} state SEC(".maps");

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send, struct sock *sk, int ret, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 head[HOOKCOST_READ], *v;
	struct pt_regs *regs;
	__u32 tid = (__u32)id, zero = 0;

	if (id >> 32 != target_tgid)
		return 0;
	switch (mode) {
	case HOOKCOST_KTIME:
		sink += bpf_ktime_get_ns();
		break;
	case HOOKCOST_HASH:
		v = bpf_map_lookup_elem(&state, &tid);
		if (v)
			v[0]++;
		break;
	case HOOKCOST_READ_USER:
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
		/* x86-64: the second syscall argument, send()'s buffer */
		if (bpf_probe_read_user(head, sizeof(head), (const void *)regs->si))
			__sync_fetch_and_add(&fails, 1);
		break;
	case HOOKCOST_RING:
		/* as pycost sends its records, with a wake step never reached */
		v = bpf_map_lookup_elem(&record, &zero);
		if (v && ring_send(&ring, 63, v, HOOKCOST_RECORD))
			__sync_fetch_and_add(&fails, 1);
		break;
	}
	return 0;
}
