/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
#ifndef __RING_BPF_H
#define __RING_BPF_H

/*
 * Sends a record into ring, waking the reader when the ring's fill passes a
 * multiple of 1 << wake_shift (user space sets it to an eighth of the ring,
 * PYCOST_WAKE_SHIFT), so that a busy service pays no wakeup per record
 * and an idle reader no timer: user space sleeps until then or its own next
 * deadline.  The fill counts each record's 8-byte header and its padding to
 * 8 bytes, or a mark they straddle would go unseen.  Every multiple, not
 * one mark: records of two CPUs can still pass a mark together, neither
 * seeing itself cross it.
 */
static __always_inline long ring_send(void *ring, __u32 wake_shift, void *data, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);
	__u64 used = (size + 8 + 7) & ~7ULL;

	return bpf_ringbuf_output(ring, data, size,
				  (avail + used) >> wake_shift != avail >> wake_shift
				      ? BPF_RB_FORCE_WAKEUP
				      : BPF_RB_NO_WAKEUP);
}

#endif /* __RING_BPF_H */
