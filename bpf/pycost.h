/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * The kernel <-> user ABI of pycost: record layouts, limits and the
 * per-interpreter layout that user space computes and the BPF frame walker
 * follows.  Types, limits and enums, plus the one classification both sides
 * must agree on (pycost_port_kind).  Included by both
 * the BPF programs (after vmlinux.h) and by user space.
 */
#ifndef __PYCOST_H
#define __PYCOST_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * The ring's records wake the reader at each eighth of its fill (ring_send):
 * the shift of those steps for a ring of size bytes, a power of two.
 */
#define PYCOST_WAKE_SHIFT(size) (__builtin_ctzl(size) - 3)

/* Frames kept per sample; deeper stacks are cut at the root side and counted. */
#define PYCOST_MAX_DEPTH 256
/* Thread states visited when looking a thread up in interp->threads. */
#define PYCOST_MAX_THREADS 1024
/* Bytes copied per string (name, qualname) and per filename, raw (UCS1/2/4). */
#define PYCOST_NAME_MAX 256
#define PYCOST_FILE_MAX 512
/* Bytes of co_linetable / co_lnotab copied with a code record. */
#define PYCOST_LINETABLE_MAX 4096
/* Bytes read at once from a frame and from a code object. */
#define PYCOST_FRAME_READ  128
#define PYCOST_CODE_WINDOW 128
/* Processes traced at once. */
#define PYCOST_MAX_PROCS 4096
/*
 * Direct-mapped pid filter in front of the procs hash: slot pid & MASK holds
 * the traced pid, PYCOST_PID_SHARED when two traced pids share the slot,
 * 0 when none.  Tracepoints on every syscall and context switch test it
 * first, so untraced processes pay an array load, not a hash lookup.
 */
#define PYCOST_PIDFILTER_SLOTS 65536
#define PYCOST_PID_SHARED      0xffffffffu
/* Bytes of a request head (request line and headers) and of a response start copied. */
#define PYCOST_HEAD_MAX	  1024
#define PYCOST_STATUS_MAX 32
/* Threads serving requests at once (one request slot each). */
#define PYCOST_MAX_REQS 8192

enum pycost_rec_kind {
	PYCOST_REC_SAMPLE = 1,
	PYCOST_REC_CODE = 2,
	PYCOST_REC_PROC = 3,
	PYCOST_REC_REQUEST = 4,
};

/* How frames are linked. */
enum pycost_frame_kind {
	PYCOST_FRAMES_OBJECT = 1, /* 3.8-3.10: PyFrameObject, f_back, f_lasti */
	PYCOST_FRAMES_INTERP = 2, /* 3.11+: _PyInterpreterFrame, previous, instr ptr */
};

/* How C-stack entry/shim frames are marked. */
enum pycost_entry_kind {
	PYCOST_ENTRY_NONE = 0,	/* 3.8-3.11: every frame on the chain is Python code */
	PYCOST_ENTRY_OWNER = 1, /* 3.12+: owner >= 3 marks a shim; skip it */
};

/*
 * Where things are in one interpreter build.  All offsets in bytes; 0xffff
 * (PYCOST_NOFF) means "not present in this version".  Filled by user space
 * from its tables (3.8-3.12) or from _Py_DebugOffsets (3.13+).
 */
#define PYCOST_NOFF 0xffff
struct pycost_layout {
	__u32 version_hex;     /* PY_VERSION_HEX */
	__u8 frame_kind;       /* enum pycost_frame_kind */
	__u8 entry_kind;       /* enum pycost_entry_kind */
	__u8 code_tag_mask;    /* low bits to clear from f_executable (3.14: 3) */
	__u8 lasti_bytes;      /* 1: f_lasti counts bytes (3.8, 3.9); 0: code units */
	__u16 rt_interp_head;  /* _PyRuntime.interpreters.head */
	__u16 is_threads_head; /* PyInterpreterState.tstate_head / threads.head */
	__u16 ts_next;	       /* PyThreadState.next */
	__u16 ts_thread_id;    /* PyThreadState.thread_id (pthread_self()) */
	__u16 ts_frame;	       /* PyThreadState.frame / cframe / current_frame */
	__u16 cf_current;      /* _PyCFrame.current_frame, or NOFF when ts_frame is direct */
	__u16 fr_back;	       /* f_back / previous */
	__u16 fr_code;	       /* f_code / f_executable */
	__u16 fr_instr;	       /* f_lasti (int) / prev_instr / instr_ptr */
	__u16 fr_owner;	       /* owner (char), NOFF before 3.12 */
	__u16 co_firstlineno;
	__u16 co_filename;
	__u16 co_name;
	__u16 co_qualname;	/* NOFF before 3.11 */
	__u16 co_linetable;	/* co_lnotab (3.8, 3.9) or co_linetable */
	__u16 co_adaptive;	/* co_code_adaptive (3.11+), base of instruction pointers */
	__u16 co_win_start;	/* start of the code-object window read per frame */
	__u16 str_length;	/* PyASCIIObject.length */
	__u16 str_hash;		/* PyASCIIObject.hash */
	__u16 str_state;	/* PyASCIIObject.state */
	__u16 str_ascii_data;	/* sizeof(PyASCIIObject) */
	__u16 str_compact_data; /* sizeof(PyCompactUnicodeObject) */
	__u16 bytes_size;	/* PyBytesObject.ob_size */
	__u16 bytes_data;	/* PyBytesObject.ob_sval */
	__u16 fr_read;		/* bytes to read per frame (<= PYCOST_FRAME_READ) */
	__u16 co_win_len;	/* bytes of the code window (<= PYCOST_CODE_WINDOW) */
	__u16 pad[3];
};

/* One traced process. */
enum pycost_proc_flags {
	PYCOST_PROC_PYTHON = 1, /* layout valid: sample it */
};

struct pycost_proc {
	__u64 runtime; /* address of _PyRuntime in the process */
	__u32 flags;   /* enum pycost_proc_flags */
	__u32 pad;
	struct pycost_layout layout;
};

enum pycost_sample_flags {
	PYCOST_SF_TRUNCATED = 1,  /* more than PYCOST_MAX_DEPTH frames */
	PYCOST_SF_NO_TSTATE = 2,  /* thread has no PyThreadState: native thread */
	PYCOST_SF_READ_FAULT = 4, /* a read failed mid-walk; stack is partial */
	PYCOST_SF_FIRST = 8,	  /* first sample of the thread: weight is the nominal period */
	PYCOST_SF_WALK = 16, /* stack walk at a request's backend call: weight 0, names the view */
	PYCOST_SF_ANSWERED = 32, /* inside a request whose response has begun: not its view */
};

struct pycost_frame {
	__u64 code;  /* code object address */
	__u32 ident; /* identity of the code object at that address */
	__s32 lasti; /* instruction offset (bytes or code units, see layout), -1 if none */
};

struct pycost_sample {
	__u32 kind; /* PYCOST_REC_SAMPLE */
	__u32 pid;
	__u32 tid;
	__u16 nframes; /* frames[0] is the leaf */
	__u16 flags;   /* enum pycost_sample_flags */
	__u64 ts;      /* bpf_ktime_get_ns() */
	__u64 weight;  /* thread's metric delta since its previous sample */
	__u64 req_id;  /* request the thread was serving, 0 if none */
	struct pycost_frame frames[PYCOST_MAX_DEPTH];
};

/* A raw CPython string: length*kind bytes in UCS1, UCS2 or UCS4. */
struct pycost_str {
	__u32 len; /* bytes copied into the record */
	__u8 kind; /* 1, 2 or 4; 0 if unreadable */
	__u8 cut;  /* string was longer than the buffer */
	__u16 pad;
};

struct pycost_code {
	__u32 kind; /* PYCOST_REC_CODE */
	__u32 pid;
	__u64 code;
	__u32 ident;
	__s32 firstlineno;
	__u32 linetable_len;  /* bytes copied */
	__u32 linetable_full; /* full size of the line table object */
	struct pycost_str name;
	struct pycost_str qualname;
	struct pycost_str filename;
	__u8 name_data[PYCOST_NAME_MAX];
	__u8 qualname_data[PYCOST_NAME_MAX];
	__u8 filename_data[PYCOST_FILE_MAX];
	__u8 linetable[PYCOST_LINETABLE_MAX];
};

enum pycost_proc_event {
	PYCOST_PROC_FORK = 1, /* pid is a new process forked by ppid */
	PYCOST_PROC_EXEC = 2, /* pid replaced its image: layout must be found again */
	PYCOST_PROC_EXIT = 3, /* pid (the whole process) exited */
};

struct pycost_proc_rec {
	__u32 kind; /* PYCOST_REC_PROC */
	__u32 event;
	__u32 pid;
	__u32 ppid;
	__u64 ts;
};

/* What a socket of a traced process is, from the socket itself. */
enum pycost_fd_kind {
	PYCOST_FD_NONE = 0,   /* not looked at: an unnamed socketpair */
	PYCOST_FD_CLIENT = 1, /* accepted: requests arrive on it */
	PYCOST_FD_DB = 2,     /* connected to PostgreSQL (5432) or MySQL (3306) */
	PYCOST_FD_CACHE = 3,  /* connected to memcached (11211) or Redis (6379) */
	PYCOST_FD_OTHER = 4,  /* connected to any other peer */
	PYCOST_FD_PROXY = 5,  /* connected to a loopback port a traced process serves */
};

/* Peer ports that name a backend class (enum pycost_fd_kind). */
enum pycost_backend_port {
	PYCOST_PORT_POSTGRES = 5432,
	PYCOST_PORT_MYSQL = 3306,
	PYCOST_PORT_MEMCACHED = 11211,
	PYCOST_PORT_REDIS = 6379,
};

/* The backend class of a peer port; one definition for both sides. */
static inline __u32 pycost_port_kind(__u16 port)
{
	switch (port) {
	case PYCOST_PORT_POSTGRES:
	case PYCOST_PORT_MYSQL:
		return PYCOST_FD_DB;
	case PYCOST_PORT_MEMCACHED:
	case PYCOST_PORT_REDIS:
		return PYCOST_FD_CACHE;
	default:
		return PYCOST_FD_OTHER;
	}
}

enum pycost_backend {
	PYCOST_BE_DB = 0,
	PYCOST_BE_CACHE = 1,
	PYCOST_BE_OTHER = 2,
	PYCOST_BE_MAX = 3,
};

enum pycost_req_flags {
	PYCOST_RF_ABORTED = 1,	 /* connection closed before any response byte */
	PYCOST_RF_HEAD_CUT = 2,	 /* head longer than PYCOST_HEAD_MAX */
	PYCOST_RF_KEEPALIVE = 4, /* ended by the next request on the same connection */
	PYCOST_RF_PROXIED = 8,	 /* forwarded to a traced process (uWSGI's HTTP router) */
};

/* One request, emitted when it ends. Times from bpf_ktime_get_ns(). */
struct pycost_request {
	__u32 kind; /* PYCOST_REC_REQUEST */
	__u32 pid;
	__u32 tid;
	__u32 flags; /* enum pycost_req_flags */
	__u64 id;
	__u64 start_ns; /* first request bytes read */
	__u64 end_ns;	/* last response bytes written (or close): the latency's end */
	__u64 done_ns;	/* the thread was done with it: cost and on-CPU time end here */
	__u64 cost;	/* thread's metric from start to done, across context switches */
	__u64 oncpu_ns; /* time on a CPU from start to done (off-CPU is the rest) */
	__u64 backend_ns[PYCOST_BE_MAX]; /* time in calls to backends, by class */
	__u64 gc_ns;
	__u32 gc_count;
	__u32 backend_calls;
	__u64 bytes_in;
	__u64 bytes_out;
	__u32 head_len;			/* bytes in head */
	__u32 status_len;		/* bytes in status */
	__u8 status[PYCOST_STATUS_MAX]; /* start of the response */
	__u8 head[PYCOST_HEAD_MAX];	/* start of the request */
};

/* Loss and health counters, in .bss, read by user space at exit and live. */
struct pycost_stats {
	__u64 samples;		/* sample records emitted */
	__u64 sample_drops;	/* sample records lost: ring buffer full */
	__u64 code_drops;	/* code records lost: ring buffer full */
	__u64 proc_drops;	/* process events lost: ring buffer full */
	__u64 truncated;	/* stacks deeper than PYCOST_MAX_DEPTH */
	__u64 read_faults;	/* samples whose walk hit an unreadable address */
	__u64 no_tstate;	/* samples of threads without a PyThreadState */
	__u64 thread_walks;	/* interp->threads walks (tstate cache misses) */
	__u64 counter_errors;	/* bpf_perf_event_read_value failures */
	__u64 thread_drops;	/* threads not tracked: thread map full */
	__u64 request_drops;	/* request records lost: ring buffer full */
	__u64 request_overflow; /* requests not tracked: request map full */
	__u64 missed_switches;	/* threads found running while marked off-CPU */
};

/* Per-thread accounting, keyed by tid. */
struct pycost_thread {
	__u64 acc;	   /* metric accumulated while on CPU, closed intervals */
	__u64 base;	   /* counter value at switch-in; 0 when off CPU */
	__u64 last;	   /* acc at the previous sample */
	__u64 due;	   /* total at which the next tick sample is due (on_tick) */
	__u64 tstate;	   /* cached PyThreadState address, 0 if none */
	__u64 tstate_ns;   /* when a failed lookup happened (negative cache) */
	__u32 oncpu;	   /* base is valid: the thread is on a CPU */
	__u32 pid;	   /* thread group */
	__u64 req_id;	   /* request being served, 0 if none */
	__u64 sum_out;	   /* task's se.sum_exec_runtime at its last seen switch-out */
	__u32 sum_valid;   /* sum_out is set */
	__u32 base_exact;  /* base came from a seen switch-in, not a reopen */
	__u64 be_off_ts;   /* went off-CPU while awaiting a backend, 0 if not */
	__u32 await_be;	   /* backend class a request is waiting on, + 1 */
	__u32 req_walked;  /* the request's stack was walked at a backend call */
	__s32 req_fd;	   /* its connection's descriptor, -1 if not known */
	__u32 req_slot;	   /* its request slot in reqs + 1, 0 before its first request */
	__u64 req_total0;  /* metric total at request start */
	__u64 req_total1;  /* metric total at the request's last response write */
	__u64 req_ns0;	   /* on-CPU nanoseconds at request start */
	__u64 req_ns1;	   /* and at its last response write, or when done */
	__u64 req_done_ns; /* when the thread turned to waiting after responding, 0 if not yet */
	__u64 req_conn;	   /* connection the request arrived on (its socket's inode number) */
	__u64 gc_ts;	   /* gc__start of a collection inside a request */
};

#endif /* __PYCOST_H */
