// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Layout tables and _Py_DebugOffsets decoding.  The 3.13 case reads the
 * debug offsets from a real libpython3.13's .PyRuntime section when one is
 * installed; 3.14 (no binary here) is checked on a blob built from its
 * published struct order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "offsets.h"

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

Test(offsets, tables_cover_3_8_to_3_12_only)
{
	struct pycost_layout l;

	for (unsigned int minor = 8; minor <= 12; minor++) {
		cr_assert_eq(offsets__table(0x03000000 | minor << 16, &l), 0, "3.%u", minor);
		cr_expect_leq(l.fr_read, PYCOST_FRAME_READ);
		cr_expect_leq(l.co_win_len, PYCOST_CODE_WINDOW);
		cr_expect_leq(l.co_win_start, l.co_firstlineno);
		cr_expect_leq(l.co_win_start, l.co_filename);
	}
	cr_expect_eq(offsets__table(0x03070000, &l), -ENOTSUP);
	cr_expect_eq(offsets__table(0x030d0000, &l), -ENOTSUP);
	cr_expect_eq(offsets__table(0x02070000, &l), -ENOTSUP);
	offsets__table(0x030800f0, &l);
	cr_expect_eq(l.lasti_bytes, 1);
	cr_expect_eq(l.ts_thread_id, 176);
	offsets__table(0x030a00f0, &l);
	cr_expect_eq(l.lasti_bytes, 0);
	cr_expect_eq(l.fr_instr, 96);
	offsets__table(0x030c00f0, &l);
	cr_expect_eq(l.entry_kind, PYCOST_ENTRY_OWNER);
	cr_expect_eq(l.str_ascii_data, 40);
}

/* A 3.14 _Py_DebugOffsets built from the 3.14.0 struct order and values. */
static void make_314(uint8_t *b)
{
	memset(b, 0, OFFSETS_DEBUG_MAX);
	memcpy(b, "xdebugpy", 8);
	put64(b, 8, 0x030e00f0);
	put64(b, 40, 808);  /* runtime_state.interpreters_head */
	put64(b, 72, 7344); /* interpreter_state.threads_head */
	put64(b, 192, 8);   /* thread_state.next */
	put64(b, 208, 72);  /* thread_state.current_frame */
	put64(b, 216, 152); /* thread_state.thread_id */
	put64(b, 248, 88);  /* interpreter_frame.size */
	put64(b, 256, 8);   /* previous */
	put64(b, 264, 0);   /* executable */
	put64(b, 272, 56);  /* instr_ptr */
	put64(b, 288, 74);  /* owner */
	put64(b, 320, 112); /* code_object.filename */
	put64(b, 328, 120); /* name */
	put64(b, 336, 128); /* qualname */
	put64(b, 344, 136); /* linetable */
	put64(b, 352, 68);  /* firstlineno */
	put64(b, 384, 208); /* co_code_adaptive */
	put64(b, 600, 16);  /* bytes ob_size */
	put64(b, 608, 32);  /* bytes ob_sval */
	put64(b, 624, 32);  /* unicode state */
	put64(b, 632, 16);  /* unicode length */
	put64(b, 640, 40);  /* asciiobject_size */
}

Test(offsets, debug_offsets_3_14)
{
	uint8_t b[OFFSETS_DEBUG_MAX];
	struct pycost_layout l;
	char why[128] = "";

	make_314(b);
	cr_assert_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), 0, "%s", why);
	cr_expect_eq(l.rt_interp_head, 808);
	cr_expect_eq(l.is_threads_head, 7344);
	cr_expect_eq(l.ts_frame, 72);
	cr_expect_eq(l.cf_current, PYCOST_NOFF);
	cr_expect_eq(l.fr_owner, 74);
	cr_expect_eq(l.code_tag_mask, 3);
	cr_expect_eq(l.co_adaptive, 208);
	cr_expect_eq(l.str_compact_data, 56);
	cr_expect_eq(l.str_hash, 24);
}

Test(offsets, debug_offsets_refusals)
{
	uint8_t b[OFFSETS_DEBUG_MAX];
	struct pycost_layout l;
	char why[128];

	make_314(b);
	b[0] = 'X';
	cr_expect_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), -EINVAL);
	make_314(b);
	put64(b, 16, 1); /* free-threaded */
	cr_expect_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), -ENOTSUP);
	cr_expect(strstr(why, "free-threaded"));
	make_314(b);
	put64(b, 8, 0x030f00a1); /* 3.15: unknown layout */
	cr_expect_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), -ENOTSUP);
	cr_expect(strstr(why, "3.15"));
	make_314(b);
	put64(b, 288, 200); /* owner outside the frame */
	cr_expect_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), -EINVAL);
	make_314(b);
	cr_expect_eq(offsets__from_debug(b, 100, &l, why, sizeof(why)), -EINVAL);
}

/* Reads the .PyRuntime section (its file image holds _Py_DebugOffsets). */
static int read_pyruntime(const char *path, uint8_t *out, size_t len)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, found = -1;
	Elf *e;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && !elf_getshdrstrndx(e, &shstrndx)) {
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			Elf_Data *d;

			if (!gelf_getshdr(scn, &sh) ||
			    strcmp(elf_strptr(e, shstrndx, sh.sh_name), ".PyRuntime"))
				continue;
			d = elf_getdata(scn, NULL);
			if (d && d->d_size >= len) {
				memcpy(out, d->d_buf, len);
				found = 0;
			}
		}
	}
	elf_end(e);
	close(fd);
	return found;
}

Test(offsets, debug_offsets_of_real_3_13)
{
	uint8_t b[OFFSETS_DEBUG_MAX];
	struct pycost_layout l, t12;
	char why[128] = "";
	glob_t g;

	if (glob("/root/.pyenv/versions/3.13.*/lib/libpython3.13.so.1.0", 0, NULL, &g) ||
	    !g.gl_pathc)
		cr_skip_test("skipped: no libpython3.13 installed");
	cr_assert_eq(read_pyruntime(g.gl_pathv[0], b, sizeof(b)), 0);
	globfree(&g);
	cr_assert_eq(offsets__from_debug(b, sizeof(b), &l, why, sizeof(why)), 0, "%s", why);
	/* values measured with gdb on 3.13.0 */
	cr_expect_eq(l.rt_interp_head, 632);
	cr_expect_eq(l.is_threads_head, 7344);
	cr_expect_eq(l.ts_thread_id, 152);
	cr_expect_eq(l.ts_frame, 72);
	cr_expect_eq(l.fr_back, 8);
	cr_expect_eq(l.fr_instr, 56);
	cr_expect_eq(l.fr_owner, 70);
	cr_expect_eq(l.co_adaptive, 200);
	cr_expect_eq(l.str_ascii_data, 40);
	/* the frame layout carried over from 3.12 */
	offsets__table(0x030c01f0, &t12);
	cr_expect_eq(l.co_filename, t12.co_filename);
	cr_expect_eq(l.co_linetable, t12.co_linetable);
}

Test(offsets, code_member_check)
{
	struct pycost_layout l;
	struct code_member m[] = {
	    {"co_argcount", 52}, {"co_firstlineno", 68}, {"co_filename", 112},
	    {"co_name", 120},	 {"co_qualname", 128},	 {"co_linetable", 136},
	};
	char why[128];

	offsets__table(0x030c01f0, &l);
	cr_expect_eq(offsets__check_code(&l, m, 6, 192, why, sizeof(why)), 0);
	cr_expect_eq(offsets__check_code(&l, m, 6, 200, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "tp_basicsize"));
	m[3].offset = 124;
	cr_expect_eq(offsets__check_code(&l, m, 6, 192, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "co_name"));
	cr_expect_eq(offsets__check_code(&l, m, 2, 192, why, sizeof(why)), -EINVAL);
}
