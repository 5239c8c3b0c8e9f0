// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Interpreter discovery.  _PyRuntime is exported from .dynsym on every
 * supported version, whether libpython is the executable itself (Debian's
 * static, non-PIE python3.11), a shared libpython (pyenv), or a libpython
 * dlopen'ed by another program (uWSGI's python3 plugin), so the probe looks
 * for that symbol in the mapped ELF files, most likely files first.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "offsets.h"
#include "pyrt.h"

#define MAX_FILES 512
/* Files the cache remembers (a power of two); it starts over when 3/4 full. */
#define CACHE_SLOTS 1024

struct file_id {
	uint64_t dev, ino, size, mtime_ns;
};

struct pyrt_cache {
	struct file_id ids[CACHE_SLOTS]; /* open addressing; ino 0 marks a free slot */
	size_t n;
	size_t skipped;
};

struct mapped_file {
	char path[PATH_MAX];
	uint64_t start;	 /* lowest mapping of the file */
	uint64_t offset; /* its file offset */
};

struct elf_syms {
	uint64_t runtime, py_version, code_type, version_buf;
	int have_runtime, have_py_version, have_code_type, have_version_buf;
	uint64_t bias;
};

struct pyrt_cache *pyrt_cache__new(void)
{
	return calloc(1, sizeof(struct pyrt_cache));
}

void pyrt_cache__free(struct pyrt_cache *c)
{
	free(c);
}

size_t pyrt_cache__skipped(const struct pyrt_cache *c)
{
	return c ? c->skipped : 0;
}

static size_t id_slot(const struct file_id *id)
{
	uint64_t h = id->ino * 0x9e3779b97f4a7c15ULL ^ id->dev ^ id->size * 31 ^ id->mtime_ns;

	return (h ^ h >> 29) & (CACHE_SLOTS - 1);
}

/* Where id is in c, or the free slot where it would go. */
static struct file_id *id_find(struct pyrt_cache *c, const struct file_id *id)
{
	size_t i = id_slot(id);

	while (c->ids[i].ino && memcmp(&c->ids[i], id, sizeof(*id)))
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &c->ids[i];
}

/* The identity of the file open at fd; 0 or -errno. */
static int file_id(int fd, struct file_id *id)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*id = (struct file_id){st.st_dev, st.st_ino, st.st_size,
			       st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec};
	/* ino 0 marks free slots; no regular file has it */
	return st.st_ino ? 0 : -EINVAL;
}

int pyrt__read(uint32_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void pyrt__format_version(uint32_t hex, char *buf, size_t len)
{
	static const char level[] = {'a', 'b', 'c'};
	unsigned int lv = (hex >> 4) & 0xf;

	snprintf(buf, len, "%u.%u.%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
	if (lv >= 0xa && lv <= 0xc)
		snprintf(buf + strlen(buf), len - strlen(buf), "%c%u", level[lv - 0xa], hex & 0xf);
}

/* Collects the distinct files mapped by pid, each with its lowest mapping. */
static int read_maps(uint32_t pid, struct mapped_file *files, size_t *nfiles)
{
	char fn[64], line[PATH_MAX + 128];
	FILE *f;

	*nfiles = 0;
	snprintf(fn, sizeof(fn), "/proc/%u/maps", pid);
	f = fopen(fn, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;
		char *path;
		size_t i;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &pos) < 3 ||
		    !pos)
			continue;
		path = line + pos;
		path[strcspn(path, "\n")] = 0;
		if (path[0] != '/' || strstr(path, " (deleted)"))
			continue;
		for (i = 0; i < *nfiles; i++)
			if (!strcmp(files[i].path, path))
				break;
		if (i < *nfiles) {
			if (start < files[i].start) {
				files[i].start = start;
				files[i].offset = off;
			}
			continue;
		}
		if (*nfiles == MAX_FILES)
			break;
		snprintf(files[i].path, sizeof(files[i].path), "%s", path);
		files[i].start = start;
		files[i].offset = off;
		(*nfiles)++;
	}
	fclose(f);
	return 0;
}

/* 0, or -EIO when libelf could not read the table. */
static int scan_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, struct elf_syms *s)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;

	if (!data)
		return -EIO;
	if (!sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		if (!strcmp(name, "_PyRuntime")) {
			s->runtime = sym.st_value;
			s->have_runtime = 1;
		} else if (!strcmp(name, "Py_Version")) {
			s->py_version = sym.st_value;
			s->have_py_version = 1;
		} else if (!strcmp(name, "PyCode_Type")) {
			s->code_type = sym.st_value;
			s->have_code_type = 1;
		} else if (!strcmp(name, "version.0") && GELF_ST_TYPE(sym.st_info) == STT_OBJECT) {
			/* Py_GetVersion's buffer: sys.version, in unstripped builds */
			s->version_buf = sym.st_value;
			s->have_version_buf = 1;
		}
	}
	return 0;
}

/*
 * Looks up the interpreter's symbols in the file open at fd (mapped as mf)
 * and computes the load bias from the file's lowest mapping.  0 when
 * _PyRuntime was found; -ENOENT when the file was read through and has
 * none (not an ELF file, or no such symbol); -EIO when libelf failed.
 */
static int elf_probe(int fd, const struct mapped_file *mf, struct elf_syms *s)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t nph;
	Elf *elf;
	int err = -ENOENT;

	memset(s, 0, sizeof(*s));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -EIO;
	if (elf_kind(elf) != ELF_K_ELF)
		goto cleanup;
	if (!gelf_getehdr(elf, &eh)) {
		err = -EIO;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			err = -EIO;
			goto cleanup;
		}
		if ((sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB) &&
		    scan_symtab(elf, scn, &sh, s)) {
			err = -EIO;
			goto cleanup;
		}
	}
	if (!s->have_runtime)
		goto cleanup;
	if (eh.e_type == ET_DYN) {
		/* the mapping at file offset page_down(p_offset) starts at bias +
		 * page_down(p_vaddr) */
		if (elf_getphdrnum(elf, &nph))
			goto cleanup;
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			uint64_t align = 4096;

			if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if ((ph.p_offset & ~(align - 1)) != mf->offset)
				continue;
			s->bias = mf->start - (ph.p_vaddr & ~(align - 1));
			err = 0;
			break;
		}
	} else {
		s->bias = 0;
		err = 0;
	}
cleanup:
	elf_end(elf);
	return err;
}

/* "3.9" from ".../libpython3.9.so.1.0" or ".../python3.9"; 0 if none. */
static uint32_t version_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *p;
	unsigned int minor;

	base = base ? base + 1 : path;
	p = strstr(base, "python3.");
	if (!p || !isdigit((unsigned char)p[8]))
		return 0;
	minor = strtoul(p + 8, NULL, 10);
	return (3u << 24) | (minor << 16);
}

/* Reads the PyCode_Type member table for the layout check. */
static int read_code_members(uint32_t pid, uint64_t type, struct code_member *m, size_t *n,
			     int64_t *basicsize)
{
	uint64_t members;
	int err;

	*n = 0;
	/* PyTypeObject: tp_basicsize at +32, tp_members at +240 (non free-threaded) */
	err = pyrt__read(pid, type + 32, basicsize, sizeof(*basicsize));
	if (!err)
		err = pyrt__read(pid, type + 240, &members, sizeof(members));
	if (err)
		return err;
	for (size_t i = 0; i < 64; i++) {
		/* PyMemberDef: name at +0, offset at +16, 40 bytes each */
		uint64_t def[5];

		err = pyrt__read(pid, members + i * 40, def, sizeof(def));
		if (err)
			return err;
		if (!def[0])
			break;
		memset(m[*n].name, 0, sizeof(m[*n].name));
		if (pyrt__read(pid, def[0], m[*n].name, sizeof(m[*n].name) - 1))
			continue;
		m[*n].offset = (int64_t)def[2];
		(*n)++;
	}
	return 0;
}

static int probe_layout(uint32_t pid, struct pyrt_info *out, const struct elf_syms *s, char *why,
			size_t whylen)
{
	struct code_member members[64];
	unsigned int minor = (out->version_hex >> 16) & 0xff;
	int64_t basicsize = 0;
	size_t nmembers = 0;
	const char *src;
	int err;

	if (minor >= 13) {
		uint8_t dbg[OFFSETS_DEBUG_MAX];

		err = pyrt__read(pid, out->runtime, dbg, sizeof(dbg));
		if (err) {
			snprintf(why, whylen, "cannot read _PyRuntime: %s", strerror(-err));
			return err;
		}
		err = offsets__from_debug(dbg, sizeof(dbg), &out->layout, why, whylen);
		if (err)
			return err;
		src = "_Py_DebugOffsets";
	} else {
		err = offsets__table(out->version_hex, &out->layout);
		if (err) {
			snprintf(why, whylen, "Python %s is not supported (supported: 3.8-3.14)",
				 out->version);
			return err;
		}
		src = "built-in table";
	}
	if (!s->have_code_type) {
		snprintf(why, whylen, "%s exports no PyCode_Type: cannot check the layout",
			 out->path);
		return -EINVAL;
	}
	err = read_code_members(pid, s->bias + s->code_type, members, &nmembers, &basicsize);
	if (err) {
		snprintf(why, whylen, "cannot read PyCode_Type: %s", strerror(-err));
		return err;
	}
	err = offsets__check_code(&out->layout, members, nmembers, basicsize, why, whylen);
	if (err)
		return err;
	snprintf(out->layout_source, sizeof(out->layout_source),
		 "%s for 3.%u, checked against PyCode_Type", src, minor);
	return 0;
}

static int path_rank(const char *path, const char *exe)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "libpython", 9))
		return 0;
	if (!strcmp(path, exe))
		return 1;
	if (strstr(base, "python"))
		return 2;
	return 3;
}

/*
 * Probes one mapped file, through cache: a file it knows has no runtime is
 * not read again, and one read through without finding one is added (not
 * one libelf failed on).  0 when the file holds _PyRuntime.
 */
static int probe_file(uint32_t pid, struct pyrt_cache *cache, const struct mapped_file *mf,
		      struct elf_syms *s)
{
	struct file_id id, *slot = NULL;
	char fn[PATH_MAX + 64];
	int fd, err;

	/* through the process's root, so paths inside containers resolve */
	snprintf(fn, sizeof(fn), "/proc/%u/root%s", pid, mf->path);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the identity of the file read, not of whatever the path names later */
	if (cache && !file_id(fd, &id)) {
		slot = id_find(cache, &id);
		if (slot->ino) {
			cache->skipped++;
			close(fd);
			return -ENOENT;
		}
	}
	err = elf_probe(fd, mf, s);
	close(fd);
	if (err != -ENOENT || !slot || s->have_runtime)
		return err;
	if (cache->n >= CACHE_SLOTS / 4 * 3) {
		memset(cache->ids, 0, sizeof(cache->ids));
		cache->n = 0;
		slot = id_find(cache, &id);
	}
	*slot = id;
	cache->n++;
	return err;
}

int pyrt__probe(uint32_t pid, struct pyrt_cache *cache, struct pyrt_info *out, char *why,
		size_t whylen)
{
	struct mapped_file *files;
	char exe[PATH_MAX] = "", fn[64];
	struct elf_syms s;
	size_t nfiles = 0;
	ssize_t n;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(why, whylen, "libelf initialisation failed");
		return -EINVAL;
	}
	snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
	n = readlink(fn, exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = 0;
	files = calloc(MAX_FILES, sizeof(*files));
	if (!files)
		return -ENOMEM;
	err = read_maps(pid, files, &nfiles);
	if (err) {
		snprintf(why, whylen, "cannot read /proc/%u/maps: %s", pid, strerror(-err));
		goto cleanup;
	}
	err = -ENOENT;
	/* libpython first, then the executable, then anything named python, then the rest */
	for (int rank = 0; rank <= 3 && err; rank++) {
		for (size_t i = 0; i < nfiles && err; i++) {
			if (path_rank(files[i].path, exe) != rank)
				continue;
			if (probe_file(pid, cache, &files[i], &s))
				continue;
			snprintf(out->path, sizeof(out->path), "%s", files[i].path);
			err = 0;
		}
	}
	if (err) {
		snprintf(why, whylen,
			 "no Python runtime (_PyRuntime) in its %zu mapped files (exe: %s)", nfiles,
			 exe[0] ? exe : "unknown");
		goto cleanup;
	}
	out->runtime = s.bias + s.runtime;
	if (s.have_py_version) {
		uint64_t v = 0;

		err = pyrt__read(pid, s.bias + s.py_version, &v, sizeof(v));
		if (err) {
			snprintf(why, whylen, "cannot read Py_Version: %s", strerror(-err));
			goto cleanup;
		}
		out->version_hex = (uint32_t)v;
		pyrt__format_version(out->version_hex, out->version, sizeof(out->version));
	} else {
		char buf[64] = "";

		/* before 3.11 there is no Py_Version: the file name says 3.X */
		out->version_hex = version_from_path(out->path);
		if (!out->version_hex && exe[0])
			out->version_hex = version_from_path(exe);
		if (!out->version_hex) {
			snprintf(why, whylen, "%s has _PyRuntime but its Python version is unknown",
				 out->path);
			err = -ENOTSUP;
			goto cleanup;
		}
		snprintf(out->version, sizeof(out->version), "3.%u",
			 (out->version_hex >> 16) & 0xff);
		if (s.have_version_buf &&
		    !pyrt__read(pid, s.bias + s.version_buf, buf, sizeof(buf) - 1) &&
		    !strncmp(buf, out->version, strlen(out->version))) {
			buf[strcspn(buf, " ")] = 0;
			snprintf(out->version, sizeof(out->version), "%.31s", buf);
		}
	}
	err = probe_layout(pid, out, &s, why, whylen);
cleanup:
	free(files);
	return err;
}
