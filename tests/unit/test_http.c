// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * Request-head parsers, route normalisation and redaction, fed well-formed
 * and hostile input: garbage, NULs, cut heads, giant headers, uwsgi packets
 * with lying sizes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static struct http_opts opts;

static int parse(const char *h, struct http_request *r)
{
	return http__parse_request((const uint8_t *)h, strlen(h), &opts, r);
}

Test(http, request_lines)
{
	struct http_request r;

	cr_assert_eq(parse("GET /users/42/posts?token=secret HTTP/1.1\r\nHost: x\r\n\r\n", &r), 0);
	cr_expect_str_eq(r.method, "GET");
	cr_expect_str_eq(r.path, "/users/42/posts");
	cr_expect_str_eq(r.endpoint, "GET /users/{n}/posts");
	cr_expect_null(strstr(r.path, "secret"));
	cr_assert_eq(parse("POST http://example.org/api/v1/items HTTP/1.0\r\n\r\n", &r), 0);
	cr_expect_str_eq(r.endpoint, "POST /api/v1/items");
	/* cut inside the request line: the method and path so far still count */
	cr_assert_eq(parse("GET /very/long/pa", &r), 0);
	cr_expect_str_eq(r.path, "/very/long/pa");
}

Test(http, hostile_heads)
{
	const char *bad[] = {
	    "",
	    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	    "get / HTTP/1.1\r\n",
	    "GET\r\n",
	    "GET / FTP/1.0\r\n",
	    "GET relative HTTP/1.1\r\n",
	    "GET /a\x01b HTTP/1.1\r\n",
	    "GETTTTTTTTTTTTTTTTTTTTTT / HTTP/1.1\r\n",
	    "GET /\r\n",
	};
	struct http_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse(bad[i], &r), -EINVAL, "case %zu", i);
		cr_expect_str_eq(r.endpoint, "[malformed]");
	}
	/* a head of NULs and random bytes, at every length */
	{
		uint8_t junk[1024];

		srand(7);
		for (size_t n = 0; n <= sizeof(junk); n += 13) {
			for (size_t i = 0; i < n; i++)
				junk[i] = rand();
			http__parse_request(junk, n, &opts, &r);
			cr_expect_lt(strlen(r.endpoint), sizeof(r.endpoint));
		}
	}
}

Test(http, giant_header_is_bounded)
{
	size_t n = 64 * 1024;
	char *h = malloc(n + 64);
	struct http_request r;

	strcpy(h, "GET /big HTTP/1.1\r\nX-Big: ");
	memset(h + strlen(h), 'a', n);
	h[n + 20] = 0;
	/* the kernel copies at most 1 KiB: parse only that much */
	cr_assert_eq(http__parse_request((const uint8_t *)h, 1024, &opts, &r), 0);
	cr_expect_str_eq(r.endpoint, "GET /big");
	free(h);
}

Test(http, normalisation)
{
	struct {
		const char *in, *out;
	} t[] = {
	    {"/", "/"},
	    {"/users/42", "/users/{n}"},
	    {"/o/123e4567-e89b-12d3-a456-426614174000/x", "/o/{uuid}/x"},
	    {"/blob/deadbeefdeadbeef00", "/blob/{hex}"},
	    {"/t/AbC9xYz0qWeRtYuIoP12/", "/t/{token}/"},
	    {"/static/app.js", "/static/app.js"},
	    {"/v2/users", "/v2/users"},
	};
	char out[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		http__normalize(t[i].in, out, sizeof(out));
		cr_expect_str_eq(out, t[i].out);
	}
	http__normalize("/users/42/posts", out, 8);
	cr_expect_eq(strlen(out), 7);
}

Test(http, routes_take_precedence)
{
	struct http_route rt[2];
	struct http_opts o = {0};
	struct http_request r;
	const char *h = "GET /shop/shoes/red HTTP/1.1\r\n\r\n";

	cr_assert_eq(http__parse_route("GET /shop/*/red", &rt[0]), 0);
	cr_assert_eq(http__parse_route("* /static/**", &rt[1]), 0);
	cr_expect_eq(http__parse_route("GET shop", &rt[1]), -EINVAL);
	cr_expect_eq(http__parse_route("/x", &rt[1]), -EINVAL);
	http__parse_route("* /static/**", &rt[1]);
	o.routes = rt;
	o.nroutes = 2;
	cr_assert_eq(http__parse_request((const uint8_t *)h, strlen(h), &o, &r), 0);
	cr_expect_str_eq(r.endpoint, "GET /shop/*/red");
	h = "HEAD /static/css/a/b.css HTTP/1.1\r\n\r\n";
	cr_assert_eq(http__parse_request((const uint8_t *)h, strlen(h), &o, &r), 0);
	cr_expect_str_eq(r.endpoint, "* /static/**");
}

Test(http, user_identity_is_hashed)
{
	struct http_opts o = {0};
	struct http_request a, b, c;
	const char *h1 = "GET / HTTP/1.1\r\nX-User: alice\r\n\r\n";
	const char *h2 = "GET / HTTP/1.1\r\nx-user:   alice  \r\n\r\n";
	const char *h3 = "GET / HTTP/1.1\r\nCookie: a=1; sid=bob; z=2\r\n\r\n";

	cr_assert_eq(http__parse_user_key("header:X-User", &o), 0);
	o.user_salt[0] = 1;
	http__parse_request((const uint8_t *)h1, strlen(h1), &o, &a);
	http__parse_request((const uint8_t *)h2, strlen(h2), &o, &b);
	cr_expect_neq(a.user, 0);
	cr_expect_eq(a.user, b.user);
	cr_expect_null(memmem(&a, sizeof(a), "alice", 5));
	cr_assert_eq(http__parse_user_key("cookie:sid", &o), 0);
	http__parse_request((const uint8_t *)h3, strlen(h3), &o, &c);
	cr_expect_neq(c.user, 0);
	cr_expect_eq(http__parse_user_key("query:x", &o), -EINVAL);
	cr_expect_eq(http__parse_user_key("header:", &o), -EINVAL);
}

static size_t put_var(uint8_t *b, size_t i, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	b[i] = kl & 0xff;
	b[i + 1] = kl >> 8;
	memcpy(b + i + 2, k, kl);
	b[i + 2 + kl] = vl & 0xff;
	b[i + 3 + kl] = vl >> 8;
	memcpy(b + i + 4 + kl, v, vl);
	return i + 4 + kl + vl;
}

Test(http, uwsgi_packets)
{
	uint8_t b[512];
	struct http_request r;
	size_t n = 4;

	n = put_var(b, n, "REQUEST_METHOD", "GET");
	n = put_var(b, n, "REQUEST_URI", "/items/77?q=private");
	n = put_var(b, n, "PATH_INFO", "/items/77");
	b[0] = 0;
	b[1] = (n - 4) & 0xff;
	b[2] = (n - 4) >> 8;
	b[3] = 0;
	cr_assert_eq(http__parse_request(b, n, &opts, &r), 0);
	cr_expect_eq(r.uwsgi, 1);
	cr_expect_str_eq(r.endpoint, "GET /items/{n}");
	/* sizes that lie: bigger than the packet, and a key running off the end */
	b[1] = 0xff;
	b[2] = 0xff;
	cr_expect_eq(http__parse_request(b, n, &opts, &r), 0);
	b[4] = 0xff;
	cr_expect_eq(http__parse_request(b, n, &opts, &r), -EINVAL);
	cr_expect_str_eq(r.endpoint, "[malformed]");
	cr_expect_eq(http__parse_request(b, 3, &opts, &r), -EINVAL);
}

Test(http, status_lines)
{
	cr_expect_eq(http__parse_status((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17), 200);
	cr_expect_eq(http__parse_status((const uint8_t *)"HTTP/1.0 404 Not Found", 22), 404);
	cr_expect_eq(http__parse_status((const uint8_t *)"HTTP/1.1 2xx", 12), 0);
	cr_expect_eq(http__parse_status((const uint8_t *)"HTTP/1.1 999 X", 14), 0);
	cr_expect_eq(http__parse_status((const uint8_t *)"garbage", 7), 0);
}

Test(http, siphash_reference)
{
	/* SipHash-2-4 reference vector: key 00..0f, message 00..0e */
	uint64_t k[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
	uint8_t m[15];

	for (int i = 0; i < 15; i++)
		m[i] = i;
	cr_expect_eq(http__siphash(k, m, 15), 0xa129ca6149be45e5ULL);
}
