// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Symbolization of sampled frames.  Code records are kept in a hash table
 * keyed by (pid, address, identity); line tables are decoded here, in user
 * space, for every CPython format, so the BPF side never loops over them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "symbols.h"

struct code_entry {
	uint32_t pid;
	uint32_t ident;
	uint64_t code;
	uint32_t func; /* function index in the profile */
	int firstlineno;
	unsigned int minor;
	uint8_t *table;
	size_t table_len;
	int last_lasti; /* one-entry line cache: hot frames repeat */
	int last_line;
	struct code_entry *next;
};

struct symbols {
	struct profile *p;
	struct code_entry **bucket;
	size_t nbuckets; /* power of two */
	size_t n;
	int unknown_func;
};

static size_t code_hash(uint32_t pid, uint64_t code, uint32_t ident)
{
	uint64_t h = (code ^ ((uint64_t)pid << 40) ^ ident) * 0x9e3779b97f4a7c15ULL;

	return h ^ (h >> 29);
}

struct symbols *symbols__new(struct profile *p)
{
	struct symbols *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->p = p;
	s->nbuckets = 4096;
	s->bucket = calloc(s->nbuckets, sizeof(*s->bucket));
	s->unknown_func = profile__intern_func(p, "[unknown code]", "", 0);
	if (!s->bucket || s->unknown_func < 0) {
		free(s->bucket);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void symbols__free(struct symbols *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct code_entry *e = s->bucket[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->table);
			free(e);
		}
	}
	free(s->bucket);
	free(s);
}

static void put_utf8(char **o, uint32_t cp)
{
	unsigned char *u = (unsigned char *)*o;

	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		*u++ = cp;
	} else if (cp < 0x800) {
		*u++ = 0xc0 | (cp >> 6);
		*u++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*u++ = 0xe0 | (cp >> 12);
		*u++ = 0x80 | ((cp >> 6) & 0x3f);
		*u++ = 0x80 | (cp & 0x3f);
	} else {
		*u++ = 0xf0 | (cp >> 18);
		*u++ = 0x80 | ((cp >> 12) & 0x3f);
		*u++ = 0x80 | ((cp >> 6) & 0x3f);
		*u++ = 0x80 | (cp & 0x3f);
	}
	*o = (char *)u;
}

char *symbols__utf8(const uint8_t *data, size_t len, int kind)
{
	size_t n = (kind == 1 || kind == 2 || kind == 4) ? len / kind : 0;
	char *out = malloc(n * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp;

		if (kind == 1) {
			cp = data[i];
		} else if (kind == 2) {
			uint16_t v;

			memcpy(&v, data + i * 2, 2);
			cp = v;
		} else {
			memcpy(&cp, data + i * 4, 4);
		}
		/* a NUL inside a name would end the string for every reader */
		put_utf8(&o, cp ? cp : 0xfffd);
	}
	*o = 0;
	return out;
}

static int read_varint(const uint8_t *t, size_t len, size_t *i, unsigned int *out)
{
	unsigned int v = 0, shift = 0;
	uint8_t b;

	do {
		if (*i >= len || shift > 28)
			return -1;
		b = t[(*i)++];
		v |= (unsigned int)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	*out = v;
	return 0;
}

static int read_svarint(const uint8_t *t, size_t len, size_t *i, int *out)
{
	unsigned int u;

	if (read_varint(t, len, i, &u))
		return -1;
	*out = (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
	return 0;
}

/* PEP 657 location table (3.11+): entries of 1-8 code units. */
static int line_location_table(int line, const uint8_t *t, size_t len, int lasti)
{
	size_t i = 0;
	int addr = 0;

	while (i < len) {
		uint8_t b = t[i++];
		int code = (b >> 3) & 15, length = (b & 7) + 1, delta = 0, has_line = 1;
		unsigned int skip;

		if (!(b & 0x80))
			return 0; /* lost sync: a truncated or foreign table */
		if (code == 15) {
			has_line = 0;
		} else if (code == 14) {
			if (read_svarint(t, len, &i, &delta) || read_varint(t, len, &i, &skip) ||
			    read_varint(t, len, &i, &skip) || read_varint(t, len, &i, &skip))
				return 0;
		} else if (code == 13) {
			if (read_svarint(t, len, &i, &delta))
				return 0;
		} else if (code >= 10) {
			delta = code - 10;
			i += 2;
		} else {
			i += 1;
		}
		line += delta;
		if (lasti >= addr && lasti < addr + length)
			return has_line ? line : 0;
		addr += length;
	}
	return 0;
}

/* PEP 626 table (3.10): (byte length, signed line delta; -128 = no line). */
static int line_pep626(int line, const uint8_t *t, size_t len, int lasti)
{
	int addr = 0, off = lasti * 2;

	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t ldelta = (int8_t)t[i + 1];
		int end = addr + t[i];

		if (ldelta != -128)
			line += ldelta;
		if (off >= addr && off < end)
			return ldelta == -128 ? 0 : line;
		addr = end;
	}
	return 0;
}

/* co_lnotab (3.8, 3.9): (address increment, signed line increment), lasti in bytes. */
static int line_lnotab(int line, const uint8_t *t, size_t len, int lasti)
{
	int addr = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > lasti)
			break;
		line += (int8_t)t[i + 1];
	}
	return line;
}

int symbols__line(unsigned int minor, int firstlineno, const uint8_t *tab, size_t len, int lasti)
{
	if (lasti < 0)
		return firstlineno;
	if (minor >= 11)
		return line_location_table(firstlineno, tab, len, lasti);
	if (minor == 10)
		return line_pep626(firstlineno, tab, len, lasti);
	return line_lnotab(firstlineno, tab, len, lasti);
}

static struct code_entry *lookup(struct symbols *s, uint32_t pid, uint64_t code, uint32_t ident)
{
	struct code_entry *e = s->bucket[code_hash(pid, code, ident) & (s->nbuckets - 1)];

	for (; e; e = e->next)
		if (e->pid == pid && e->code == code && e->ident == ident)
			return e;
	return NULL;
}

static int rehash(struct symbols *s)
{
	size_t nb = s->nbuckets * 2;
	struct code_entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct code_entry *e = s->bucket[i], *next;

		for (; e; e = next) {
			size_t h = code_hash(e->pid, e->code, e->ident) & (nb - 1);

			next = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(s->bucket);
	s->bucket = b;
	s->nbuckets = nb;
	return 0;
}

int symbols__add_code(struct symbols *s, const struct pycost_code *c, uint32_t version_hex)
{
	const struct pycost_str *qn = c->qualname.kind ? &c->qualname : &c->name;
	const uint8_t *qdata = c->qualname.kind ? c->qualname_data : c->name_data;
	char *qualname = NULL, *filename = NULL;
	struct code_entry *e;
	size_t h;
	int func, err = -ENOMEM;

	if (lookup(s, c->pid, c->code, c->ident))
		return 0;
	if (s->n >= s->nbuckets && rehash(s))
		return -ENOMEM;
	qualname = qn->kind ? symbols__utf8(qdata, qn->len, qn->kind) : strdup("<unreadable name>");
	filename = c->filename.kind
		       ? symbols__utf8(c->filename_data, c->filename.len, c->filename.kind)
		       : strdup("<unreadable filename>");
	e = calloc(1, sizeof(*e));
	if (!qualname || !filename || !e)
		goto cleanup;
	func = profile__intern_func(s->p, qualname, filename, c->firstlineno);
	if (func < 0)
		goto cleanup;
	e->table = malloc(c->linetable_len ? c->linetable_len : 1);
	if (!e->table)
		goto cleanup;
	memcpy(e->table, c->linetable, c->linetable_len);
	e->table_len = c->linetable_len;
	e->pid = c->pid;
	e->code = c->code;
	e->ident = c->ident;
	e->func = func;
	e->firstlineno = c->firstlineno;
	e->minor = (version_hex >> 16) & 0xff;
	e->last_lasti = -2;
	h = code_hash(e->pid, e->code, e->ident) & (s->nbuckets - 1);
	e->next = s->bucket[h];
	s->bucket[h] = e;
	s->n++;
	e = NULL;
	err = 0;
cleanup:
	if (e)
		free(e->table);
	free(e);
	free(qualname);
	free(filename);
	return err;
}

int symbols__frame(struct symbols *s, uint32_t pid, const struct pycost_frame *f,
		   struct pc_frame *out)
{
	struct code_entry *e = lookup(s, pid, f->code, f->ident);

	if (!e) {
		out->func = s->unknown_func;
		out->line = 0;
		return -ENOENT;
	}
	if (e->last_lasti != f->lasti) {
		e->last_lasti = f->lasti;
		e->last_line =
		    symbols__line(e->minor, e->firstlineno, e->table, e->table_len, f->lasti);
	}
	out->func = e->func;
	out->line = e->last_line;
	return 0;
}

void symbols__forget_pid(struct symbols *s, uint32_t pid)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct code_entry **pp = &s->bucket[i], *e;

		while ((e = *pp)) {
			if (e->pid != pid) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e->table);
			free(e);
			s->n--;
		}
	}
}
