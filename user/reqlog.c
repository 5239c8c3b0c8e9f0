// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reqlog.h"

/* 64 KiB: one write() per ~450 requests, and small enough to stay cached */
#define REQLOG_BUF (64 << 10)

struct reqlog {
	int fd;
	size_t row_size;
	size_t cap;  /* rows per buffer */
	size_t n;    /* rows in buf */
	size_t rows; /* rows in all */
	off_t off;   /* bytes in the file */
	unsigned char *buf;
};

/* An unlinked file in dir: nothing is left behind, whatever ends the process. */
static int open_unlinked(const char *dir)
{
	char path[PATH_MAX];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	/* file systems without O_TMPFILE */
	if (snprintf(path, sizeof(path), "%s/.pycost-requests-XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

struct reqlog *reqlog__new(const char *dir, size_t row_size)
{
	struct reqlog *l;
	int fd;

	if (!row_size || row_size > REQLOG_BUF) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->row_size = row_size;
	l->cap = REQLOG_BUF / row_size;
	l->buf = malloc(l->cap * row_size);
	fd = open_unlinked(dir);
	if (!l->buf || fd < 0) {
		if (fd < 0)
			errno = -fd;
		else
			close(fd);
		free(l->buf);
		free(l);
		return NULL;
	}
	l->fd = fd;
	return l;
}

void reqlog__free(struct reqlog *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l->buf);
	free(l);
}

static int flush(struct reqlog *l)
{
	size_t len = l->n * l->row_size, done = 0;

	while (done < len) {
		ssize_t w = pwrite(l->fd, l->buf + done, len - done, l->off + done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += w;
	}
	l->off += len;
	l->n = 0;
	return 0;
}

int reqlog__append(struct reqlog *l, const void *row)
{
	int err;

	if (l->n == l->cap && (err = flush(l)))
		return err;
	memcpy(l->buf + l->n * l->row_size, row, l->row_size);
	l->n++;
	l->rows++;
	return 0;
}

size_t reqlog__count(const struct reqlog *l)
{
	return l->rows;
}

int reqlog__each(struct reqlog *l, int (*fn)(void *row, void *ctx), void *ctx)
{
	size_t chunk = l->cap * l->row_size;
	off_t at = 0;
	int err = flush(l);

	while (!err && at < l->off) {
		size_t len = l->off - at < (off_t)chunk ? (size_t)(l->off - at) : chunk, got = 0;

		while (got < len) {
			ssize_t r = pread(l->fd, l->buf + got, len - got, at + got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r < 0 ? -errno : -EIO;
			got += r;
		}
		for (size_t i = 0; i < len / l->row_size && !err; i++)
			err = fn(l->buf + i * l->row_size, ctx);
		at += len;
	}
	return err;
}
