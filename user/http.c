// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Request-head parsing for endpoint naming.  Everything is bounded by the
 * copied length (the kernel copies at most PYCOST_HEAD_MAX bytes); strings
 * that are kept (method, path) are validated to printable ASCII first, so a
 * binary or oversized head yields "[malformed]", never garbage names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t http__siphash(const uint64_t k[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {k[0] ^ 0x736f6d6570736575ULL, k[1] ^ 0x646f72616e646f6dULL,
			 k[0] ^ 0x6c7967656e657261ULL, k[1] ^ 0x7465646279746573ULL};
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static bool is_tchar(int c)
{
	return isalnum(c) || strchr("!#$%&'*+-.^_`|~", c);
}

static bool all_of(const char *s, size_t n, int (*pred)(int))
{
	for (size_t i = 0; i < n; i++)
		if (!pred((unsigned char)s[i]))
			return false;
	return n > 0;
}

static bool is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool is_token(const char *s, size_t n)
{
	bool alpha = false, digit = false;

	if (n < 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (isdigit(c))
			digit = true;
		else if (isalpha(c))
			alpha = true;
		else if (!strchr("-_.=~+", c))
			return false;
	}
	return alpha && digit;
}

void http__normalize(const char *path, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = path;

	if (!outlen)
		return;
	while (*p && o + 1 < outlen) {
		const char *seg = p, *rep = NULL;
		size_t n;

		if (*p == '/') {
			out[o++] = '/';
			p++;
			continue;
		}
		n = strcspn(seg, "/");
		if (all_of(seg, n, isdigit))
			rep = "{n}";
		else if (is_uuid(seg, n))
			rep = "{uuid}";
		else if (n >= 16 && all_of(seg, n, isxdigit))
			rep = "{hex}";
		else if (is_token(seg, n))
			rep = "{token}";
		if (rep) {
			seg = rep;
			p += n;
			n = strlen(rep);
		} else {
			p += n;
		}
		if (o + n >= outlen)
			n = outlen - 1 - o;
		memcpy(out + o, seg, n);
		o += n;
	}
	out[o] = 0;
}

/* Segment-wise match: "*" matches one segment, a final "**" the rest. */
static bool route_match(const char *pat, const char *path)
{
	while (*pat && *path) {
		size_t pn = strcspn(pat, "/"), sn = strcspn(path, "/");

		if (pn == 2 && !strncmp(pat, "**", 2))
			return true;
		if (!(pn == 1 && *pat == '*') && (pn != sn || strncmp(pat, path, pn)))
			return false;
		pat += pn;
		path += sn;
		if (*pat != *path)
			return false;
		if (*pat == '/') {
			pat++;
			path++;
		}
	}
	return !*pat && !*path;
}

/* Copies a header's value when its name (case-insensitive) is name. */
static bool header_value(const char *line, size_t len, const char *name, const char **val,
			 size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return false;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	*val = line;
	*vlen = len;
	return true;
}

/* Finds NAME=value in a Cookie header value. */
static bool cookie_value(const char *c, size_t len, const char *name, const char **val,
			 size_t *vlen)
{
	size_t n = strlen(name), i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && c[end] != ';')
			end++;
		while (i < end && c[i] == ' ')
			i++;
		if (end - i > n && !strncmp(c + i, name, n) && c[i + n] == '=') {
			*val = c + i + n + 1;
			*vlen = end - i - n - 1;
			return true;
		}
		i = end + 1;
	}
	return false;
}

static void hash_user(const struct http_opts *o, const char *v, size_t n, struct http_request *out)
{
	if (!n)
		return;
	out->user = http__siphash(o->user_salt, v, n);
	/* 0 means "no user" */
	if (!out->user)
		out->user = 1;
}

static void user_from_header(const struct http_opts *o, const char *line, size_t len,
			     struct http_request *out)
{
	const char *v;
	size_t n;

	if (o->user_from == HTTP_USER_HEADER && header_value(line, len, o->user_key, &v, &n))
		hash_user(o, v, n, out);
	else if (o->user_from == HTTP_USER_COOKIE && header_value(line, len, "Cookie", &v, &n) &&
		 cookie_value(v, n, o->user_key, &v, &n))
		hash_user(o, v, n, out);
}

static void name_endpoint(const struct http_opts *o, struct http_request *out)
{
	char norm[HTTP_PATH_MAX];

	for (size_t i = 0; i < o->nroutes; i++) {
		const struct http_route *r = &o->routes[i];

		if ((!strcmp(r->method, "*") || !strcmp(r->method, out->method)) &&
		    route_match(r->pattern, out->path)) {
			snprintf(out->endpoint, sizeof(out->endpoint), "%s", r->name);
			return;
		}
	}
	http__normalize(out->path, norm, sizeof(norm));
	snprintf(out->endpoint, sizeof(out->endpoint), "%s %s", out->method, norm);
}

/* Keeps the path of a request target: drops scheme://host, query and fragment. */
static int set_path(struct http_request *out, const char *t, size_t n)
{
	size_t k;

	if (n >= 7 && (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8))) {
		const char *slash = memchr(t + 8, '/', n - 8);

		if (!slash) {
			t = "/";
			n = 1;
		} else {
			n -= slash - t;
			t = slash;
		}
	}
	if (!n || (t[0] != '/' && !(n == 1 && t[0] == '*')))
		return -EINVAL;
	for (k = 0; k < n && t[k] != '?' && t[k] != '#'; k++)
		if (!isgraph((unsigned char)t[k]))
			return -EINVAL;
	if (k >= sizeof(out->path))
		k = sizeof(out->path) - 1;
	memcpy(out->path, t, k);
	out->path[k] = 0;
	return 0;
}

static int parse_http(const char *h, size_t len, const struct http_opts *o,
		      struct http_request *out)
{
	const char *sp1, *sp2, *eol = memchr(h, '\n', len);
	size_t linelen = eol ? (size_t)(eol - h) : len, mlen;

	if (linelen && h[linelen - 1] == '\r')
		linelen--;
	sp1 = memchr(h, ' ', linelen);
	if (!sp1)
		return -EINVAL;
	mlen = sp1 - h;
	if (!mlen || mlen >= sizeof(out->method))
		return -EINVAL;
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)h[i]) || islower((unsigned char)h[i]))
			return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', linelen - mlen - 1);
	/* a head cut inside the request line still names its endpoint */
	if (sp2 ? (size_t)(h + linelen - sp2) < 9 || strncmp(sp2 + 1, "HTTP/1.", 7) : eol != NULL)
		return -EINVAL;
	memcpy(out->method, h, mlen);
	out->method[mlen] = 0;
	if (set_path(out, sp1 + 1, (sp2 ? sp2 : h + linelen) - sp1 - 1))
		return -EINVAL;
	/* headers: only the identity header is looked at, when asked */
	while (eol && o->user_from != HTTP_USER_NONE) {
		const char *line = eol + 1;
		size_t rest = len - (line - h), l;

		eol = memchr(line, '\n', rest);
		l = eol ? (size_t)(eol - line) : rest;
		if (l && line[l - 1] == '\r')
			l--;
		if (!l)
			break;
		user_from_header(o, line, l, out);
	}
	return 0;
}

/* uwsgi packet: u8 modifier1, u16 size (LE), u8 modifier2, then u16-prefixed key/values. */
static int parse_uwsgi(const uint8_t *h, size_t len, const struct http_opts *o,
		       struct http_request *out)
{
	size_t size = h[1] | (size_t)h[2] << 8, i = 4, end;
	const char *uri = NULL, *path = NULL;
	size_t urilen = 0, pathlen = 0;
	char hname[80];

	if (h[0] != 0 || size < 4)
		return -EINVAL;
	end = 4 + size < len ? 4 + size : len;
	snprintf(hname, sizeof(hname), "HTTP_%s", o->user_key);
	for (char *c = hname; *c; c++)
		*c = *c == '-' ? '_' : toupper((unsigned char)*c);
	while (i + 2 <= end) {
		size_t kl = h[i] | (size_t)h[i + 1] << 8, vl;
		const char *k, *v;

		if (i + 2 + kl + 2 > end)
			break;
		k = (const char *)h + i + 2;
		vl = h[i + 2 + kl] | (size_t)h[i + 3 + kl] << 8;
		v = (const char *)h + i + 4 + kl;
		if (i + 4 + kl + vl > end)
			vl = end - (i + 4 + kl); /* cut head: keep what arrived */
		if (kl == 14 && !memcmp(k, "REQUEST_METHOD", 14)) {
			if (!vl || vl >= sizeof(out->method))
				return -EINVAL;
			for (size_t j = 0; j < vl; j++)
				if (!is_tchar((unsigned char)v[j]))
					return -EINVAL;
			memcpy(out->method, v, vl);
			out->method[vl] = 0;
		} else if (kl == 9 && !memcmp(k, "PATH_INFO", 9)) {
			path = v;
			pathlen = vl;
		} else if (kl == 11 && !memcmp(k, "REQUEST_URI", 11)) {
			uri = v;
			urilen = vl;
		} else if (o->user_from == HTTP_USER_HEADER && kl == strlen(hname) &&
			   !memcmp(k, hname, kl)) {
			hash_user(o, v, vl, out);
		} else if (o->user_from == HTTP_USER_COOKIE && kl == 11 &&
			   !memcmp(k, "HTTP_COOKIE", 11)) {
			const char *cv;
			size_t cn;

			if (cookie_value(v, vl, o->user_key, &cv, &cn))
				hash_user(o, cv, cn, out);
		}
		i += 4 + kl + vl;
	}
	if (!out->method[0])
		return -EINVAL;
	if (path ? set_path(out, path, pathlen) : uri ? set_path(out, uri, urilen) : -EINVAL)
		return -EINVAL;
	out->uwsgi = 1;
	return 0;
}

int http__parse_request(const uint8_t *head, size_t len, const struct http_opts *o,
			struct http_request *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (len >= 4 && head[0] == 0)
		err = parse_uwsgi(head, len, o, out);
	else if (len >= 3)
		err = parse_http((const char *)head, len, o, out);
	else
		err = -EINVAL;
	if (err) {
		memset(out, 0, sizeof(*out));
		snprintf(out->endpoint, sizeof(out->endpoint), "[malformed]");
		return err;
	}
	name_endpoint(o, out);
	return 0;
}

int http__parse_status(const uint8_t *buf, size_t len)
{
	int code = 0;

	if (len < 12 || memcmp(buf, "HTTP/1.", 7) || buf[8] != ' ')
		return 0;
	for (int i = 9; i < 12; i++) {
		if (!isdigit(buf[i]))
			return 0;
		code = code * 10 + (buf[i] - '0');
	}
	return code >= 100 && code <= 599 ? code : 0;
}

int http__parse_route(const char *arg, struct http_route *out)
{
	const char *sp = strchr(arg, ' ');
	size_t ml;

	memset(out, 0, sizeof(*out));
	if (!sp || sp == arg)
		return -EINVAL;
	ml = sp - arg;
	while (*sp == ' ')
		sp++;
	if (ml >= sizeof(out->method) || *sp != '/' || strlen(sp) >= sizeof(out->pattern))
		return -EINVAL;
	memcpy(out->method, arg, ml);
	strcpy(out->pattern, sp);
	snprintf(out->name, sizeof(out->name), "%s %s", out->method, out->pattern);
	return 0;
}

int http__parse_user_key(const char *arg, struct http_opts *o)
{
	const char *name;

	if (!strncmp(arg, "header:", 7)) {
		o->user_from = HTTP_USER_HEADER;
		name = arg + 7;
	} else if (!strncmp(arg, "cookie:", 7)) {
		o->user_from = HTTP_USER_COOKIE;
		name = arg + 7;
	} else {
		return -EINVAL;
	}
	if (!*name || strlen(name) >= sizeof(o->user_key))
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if (!is_tchar((unsigned char)*c))
			return -EINVAL;
	strcpy(o->user_key, name);
	return 0;
}
