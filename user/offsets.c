// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * CPython layouts.  3.8-3.12 come from tables measured on release builds
 * (x86-64, default GIL build) and are checked at attach against PyCode_Type;
 * 3.13+ come from _Py_DebugOffsets, which the interpreter carries at the
 * start of _PyRuntime precisely for out-of-process readers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "offsets.h"

#define N PYCOST_NOFF

/* Fields shared by every version; the rest is set per version below. */
static void base_layout(struct pycost_layout *l, uint32_t version_hex)
{
	memset(l, 0, sizeof(*l));
	l->version_hex = version_hex;
	l->ts_next = 8;
	l->str_length = 16;
	l->str_hash = 24;
	l->str_state = 32;
	l->bytes_size = 16;
	l->bytes_data = 32;
	l->cf_current = N;
	l->fr_owner = N;
	l->co_qualname = N;
	l->co_adaptive = 0;
}

/* Derives the per-frame and per-code read windows from the field offsets. */
static void finish_layout(struct pycost_layout *l)
{
	uint16_t lo = l->co_firstlineno, hi = l->co_firstlineno + 4;
	uint16_t co[] = {l->co_filename, l->co_name, l->co_qualname, l->co_linetable};
	uint16_t fr = l->fr_back + 8;

	for (size_t i = 0; i < ARRAY_SIZE(co); i++) {
		if (co[i] == N)
			continue;
		if (co[i] < lo)
			lo = co[i];
		if (co[i] + 8 > hi)
			hi = co[i] + 8;
	}
	l->co_win_start = lo & ~7;
	l->co_win_len = hi - l->co_win_start;
	if (l->fr_code + 8 > fr)
		fr = l->fr_code + 8;
	if (l->fr_instr + 8 > fr)
		fr = l->fr_instr + 8;
	if (l->fr_owner != N && l->fr_owner + 1 > fr)
		fr = l->fr_owner + 1;
	l->fr_read = fr;
}

int offsets__table(uint32_t version_hex, struct pycost_layout *l)
{
	unsigned int minor = (version_hex >> 16) & 0xff;

	if ((version_hex >> 24) != 3 || minor < 8 || minor > 12)
		return -ENOTSUP;
	base_layout(l, version_hex);
	if (minor <= 10) {
		l->frame_kind = PYCOST_FRAMES_OBJECT;
		l->entry_kind = PYCOST_ENTRY_NONE;
		l->lasti_bytes = minor < 10;
		l->rt_interp_head = 32;
		l->is_threads_head = 8;
		l->ts_thread_id = 176;
		l->ts_frame = 24;
		l->fr_back = 24;
		l->fr_code = 32;
		l->fr_instr = minor < 10 ? 104 : 96;
		l->co_firstlineno = 40;
		l->co_filename = 104;
		l->co_name = 112;
		l->co_linetable = 120;
		l->str_ascii_data = 48;
		l->str_compact_data = 72;
	} else if (minor == 11) {
		l->frame_kind = PYCOST_FRAMES_INTERP;
		/* 3.11 marks entry frames with is_entry, but they are real Python frames */
		l->entry_kind = PYCOST_ENTRY_NONE;
		l->rt_interp_head = 40;
		l->is_threads_head = 16;
		l->ts_thread_id = 152;
		l->ts_frame = 56;
		l->cf_current = 8;
		l->fr_back = 48;
		l->fr_code = 32;
		l->fr_instr = 56;
		l->co_firstlineno = 72;
		l->co_filename = 112;
		l->co_name = 120;
		l->co_qualname = 128;
		l->co_linetable = 136;
		l->co_adaptive = 184;
		l->str_ascii_data = 48;
		l->str_compact_data = 72;
	} else {
		l->frame_kind = PYCOST_FRAMES_INTERP;
		l->entry_kind = PYCOST_ENTRY_OWNER;
		l->rt_interp_head = 40;
		l->is_threads_head = 72;
		l->ts_thread_id = 136;
		l->ts_frame = 56;
		l->cf_current = 0;
		l->fr_back = 8;
		l->fr_code = 0;
		l->fr_instr = 56;
		l->fr_owner = 70;
		l->co_firstlineno = 68;
		l->co_filename = 112;
		l->co_name = 120;
		l->co_qualname = 128;
		l->co_linetable = 136;
		l->co_adaptive = 192;
		l->str_ascii_data = 40;
		l->str_compact_data = 56;
	}
	finish_layout(l);
	return 0;
}

/* Where each needed value sits inside _Py_DebugOffsets, per version. */
struct debug_map {
	unsigned int minor;
	size_t size; /* sizeof(_Py_DebugOffsets) */
	uint16_t interpreters_head, threads_head, ts_next, ts_current_frame, ts_thread_id;
	uint16_t fr_size, fr_previous, fr_executable, fr_instr_ptr, fr_owner;
	uint16_t co_filename, co_name, co_qualname, co_linetable, co_firstlineno, co_adaptive;
	uint16_t bytes_ob_size, bytes_ob_sval;
	uint16_t str_state, str_length, str_ascii_size;
	uint8_t code_tag_mask;
};

/* Positions follow the struct declarations in each version's pycore_debug_offsets.h. */
static const struct debug_map debug_maps[] = {
    {13,  584, 40,  72,	 168, 184, 192, 224, 232, 240, 248, 264,
     280, 288, 296, 304, 312, 344, 520, 528, 544, 552, 560, 0},
    /* 3.14 added threads_main and generation counters to the interpreter group,
     * stackpointer/tlbc_index to frames, co_tlbc, and set/gen/llist groups;
     * f_executable became a tagged _PyStackRef */
    {14,  760, 40,  72,	 192, 208, 216, 248, 256, 264, 272, 288,
     320, 328, 336, 344, 352, 384, 600, 608, 624, 632, 640, 3},
};

static uint64_t rd64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

int offsets__from_debug(const uint8_t *dbg, size_t len, struct pycost_layout *l, char *why,
			size_t whylen)
{
	const struct debug_map *m = NULL;
	uint64_t version, ft;
	unsigned int minor;
	uint16_t *dst[] = {
	    &l->rt_interp_head, &l->is_threads_head, &l->ts_next,     &l->ts_frame,
	    &l->ts_thread_id,	&l->fr_back,	     &l->fr_code,     &l->fr_instr,
	    &l->fr_owner,	&l->co_filename,     &l->co_name,     &l->co_qualname,
	    &l->co_linetable,	&l->co_firstlineno,  &l->co_adaptive, &l->bytes_size,
	    &l->bytes_data,	&l->str_state,	     &l->str_length,  &l->str_ascii_data};
	uint16_t src[ARRAY_SIZE(dst)];
	uint64_t fr_size;

	if (len < 24 || memcmp(dbg, "xdebugpy", 8)) {
		snprintf(why, whylen, "_Py_DebugOffsets cookie not found at _PyRuntime");
		return -EINVAL;
	}
	version = rd64(dbg, 8);
	ft = rd64(dbg, 16);
	minor = (version >> 16) & 0xff;
	for (size_t i = 0; i < ARRAY_SIZE(debug_maps); i++)
		if (debug_maps[i].minor == minor && (version >> 24) == 3)
			m = &debug_maps[i];
	if (!m) {
		snprintf(why, whylen, "Python %u.%u is not supported (known: 3.8-3.14)",
			 (unsigned int)(version >> 24), minor);
		return -ENOTSUP;
	}
	if (ft) {
		snprintf(why, whylen, "free-threaded Python 3.%u builds are not supported", minor);
		return -ENOTSUP;
	}
	if (len < m->size) {
		snprintf(why, whylen, "_Py_DebugOffsets truncated");
		return -EINVAL;
	}
	base_layout(l, (uint32_t)version);
	src[0] = m->interpreters_head;
	src[1] = m->threads_head;
	src[2] = m->ts_next;
	src[3] = m->ts_current_frame;
	src[4] = m->ts_thread_id;
	src[5] = m->fr_previous;
	src[6] = m->fr_executable;
	src[7] = m->fr_instr_ptr;
	src[8] = m->fr_owner;
	src[9] = m->co_filename;
	src[10] = m->co_name;
	src[11] = m->co_qualname;
	src[12] = m->co_linetable;
	src[13] = m->co_firstlineno;
	src[14] = m->co_adaptive;
	src[15] = m->bytes_ob_size;
	src[16] = m->bytes_ob_sval;
	src[17] = m->str_state;
	src[18] = m->str_length;
	src[19] = m->str_ascii_size;
	fr_size = rd64(dbg, m->fr_size);
	for (size_t i = 0; i < ARRAY_SIZE(dst); i++) {
		uint64_t v = rd64(dbg, src[i]);

		/* every offset we use must fit the BPF read windows */
		if (v >= 0xfff0) {
			snprintf(why, whylen, "implausible _Py_DebugOffsets value %llu at +%u",
				 (unsigned long long)v, src[i]);
			return -EINVAL;
		}
		*dst[i] = (uint16_t)v;
	}
	if (!fr_size || fr_size > PYCOST_FRAME_READ || l->fr_owner >= fr_size ||
	    l->fr_back + 8u > fr_size || l->fr_instr + 8u > fr_size) {
		snprintf(why, whylen, "implausible interpreter frame layout in _Py_DebugOffsets");
		return -EINVAL;
	}
	l->frame_kind = PYCOST_FRAMES_INTERP;
	l->entry_kind = PYCOST_ENTRY_OWNER;
	l->code_tag_mask = m->code_tag_mask;
	l->str_compact_data = l->str_ascii_data + 16;
	/* hash follows length in PyASCIIObject */
	l->str_hash = l->str_length + 8;
	finish_layout(l);
	if (l->co_win_len > PYCOST_CODE_WINDOW) {
		snprintf(why, whylen, "code object fields too far apart for the read window");
		return -EINVAL;
	}
	return 0;
}

int offsets__check_code(const struct pycost_layout *l, const struct code_member *m, size_t n,
			int64_t basicsize, char *why, size_t whylen)
{
	unsigned int minor = (l->version_hex >> 16) & 0xff;
	struct {
		const char *name;
		uint16_t off;
	} want[] = {
	    {"co_firstlineno", l->co_firstlineno},
	    {"co_filename", l->co_filename},
	    {"co_name", l->co_name},
	    {"co_qualname", l->co_qualname},
	    {minor < 10 ? "co_lnotab" : "co_linetable", l->co_linetable},
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		size_t j;

		if (want[i].off == N)
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(m[j].name, want[i].name))
				break;
		if (j == n) {
			snprintf(why, whylen, "PyCode_Type has no member %s", want[i].name);
			return -EINVAL;
		}
		if (m[j].offset != want[i].off) {
			snprintf(why, whylen, "PyCode_Type.%s is at %lld, layout says %u",
				 want[i].name, (long long)m[j].offset, want[i].off);
			return -EINVAL;
		}
	}
	/* 3.11+: bytecode starts right after the fixed part of the code object */
	if (l->frame_kind == PYCOST_FRAMES_INTERP && basicsize != l->co_adaptive) {
		snprintf(why, whylen, "PyCode_Type.tp_basicsize is %lld, layout says %u",
			 (long long)basicsize, l->co_adaptive);
		return -EINVAL;
	}
	return 0;
}
