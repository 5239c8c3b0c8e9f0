/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026 The pycost authors */
/*
 * Request heads as the kernel copied them: HTTP/1.x request lines and
 * headers, and uwsgi protocol packets; response status lines; route
 * normalisation (/users/42 -> /users/{n}) and user --route rules.  Input is
 * hostile: every function is bounded by its length argument and never
 * keeps query strings or header values, except a keyed hash of the user
 * identity when asked.
 */
#ifndef PYCOST_HTTP_H
#define PYCOST_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_METHOD_MAX 16
#define HTTP_PATH_MAX	256
#define HTTP_MAX_ROUTES 64

enum http_user_from {
	HTTP_USER_NONE,
	HTTP_USER_HEADER,
	HTTP_USER_COOKIE,
};

struct http_route {
	char method[HTTP_METHOD_MAX]; /* "*" matches any */
	char pattern[HTTP_PATH_MAX];  /* segments; "*" one segment, "**" the rest */
	char name[HTTP_METHOD_MAX + HTTP_PATH_MAX + 2];
};

struct http_opts {
	enum http_user_from user_from;
	char user_key[64];     /* header or cookie name */
	uint64_t user_salt[2]; /* key of the identity hash (random per capture) */
	const struct http_route *routes;
	size_t nroutes;
};

struct http_request {
	char method[HTTP_METHOD_MAX];
	char path[HTTP_PATH_MAX];			    /* raw path, query string dropped */
	char endpoint[HTTP_METHOD_MAX + HTTP_PATH_MAX + 2]; /* "GET /users/{n}" */
	uint64_t user; /* keyed hash of the identity, 0 if none */
	int uwsgi;     /* arrived as a uwsgi packet */
};

/*
 * Parses a request head.  Returns 0, or -EINVAL when it is not an HTTP/1.x
 * request line nor a uwsgi packet (out->endpoint is then "[malformed]").
 */
int http__parse_request(const uint8_t *head, size_t len, const struct http_opts *o,
			struct http_request *out);

/* The status code of a response start ("HTTP/1.1 404 Not Found"), or 0. */
int http__parse_status(const uint8_t *buf, size_t len);

/* Normalises a path: ids, UUIDs, long hex and long tokens become {n}, {uuid}, {hex}, {token}. */
void http__normalize(const char *path, char *out, size_t outlen);

/* Parses a --route 'METHOD /pattern' argument. 0 or -EINVAL. */
int http__parse_route(const char *arg, struct http_route *out);

/* Parses --user-key header:NAME|cookie:NAME. 0 or -EINVAL. */
int http__parse_user_key(const char *arg, struct http_opts *o);

/* SipHash-2-4 of data under key k. */
uint64_t http__siphash(const uint64_t k[2], const void *data, size_t len);

#endif /* PYCOST_HTTP_H */
