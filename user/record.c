// SPDX-License-Identifier: BSD-2-Clause
/* Copyright (c) 2026 The pycost authors */
/*
 * `pycost record`: validates the targets, starts the BPF session, turns
 * ring-buffer records into the profile (symbolizing frames as they arrive),
 * follows forks and execs, shows a live status line, and saves the capture
 * when the duration ends, a signal arrives, or the targets exit.
 */
#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fnmatch.h>

#include "capture.h"
#include "common.h"
#include "pyrt.h"
#include "requests.h"
#include "symbols.h"
#include "target.h"
#include "top.h"
#include "uwsgi.h"
#include "verbs.h"

/* How long a process that exec'd may take to map a usable interpreter. */
#define PROBE_GRACE_NS (3ULL * 1000000000)
/* and is first tried this long after its exec or fork (see probe_pending) */
#define PROBE_FIRST_NS 20000000ULL

enum rproc_state {
	RP_PENDING, /* waiting for an interpreter to appear */
	RP_PYTHON,  /* sampled */
	RP_OTHER,   /* not Python (followed for forks and execs only) */
	RP_GONE,
};

struct rproc {
	uint32_t pid;
	uint32_t worker;	  /* its server's worker id, 0 for others */
	uint64_t worker_until_ns; /* look its uWSGI worker id up until then, 0: done */
	uint64_t worker_next_ns;  /* next lookup */
	enum rproc_state state;
	uint64_t since_ns;    /* when it became pending */
	uint64_t next_try_ns; /* next probe */
	struct pyrt_info *info;
};

struct recorder {
	const struct config *cfg;
	struct session *sess;
	struct profile *prof;
	struct symbols *syms;
	struct pyrt_cache *pycache; /* files without a Python runtime, not probed again */
	struct reqtrack *rt;
	int requests;
	struct http_opts http;
	struct rproc *procs;
	size_t nprocs, cap;
	uint32_t roots[CLI_MAX_PIDS];		   /* servers whose children are workers */
	struct uwsgi_workers *uwsgi[CLI_MAX_PIDS]; /* a uWSGI root's worker table */
	size_t nroots;
	uint32_t workers; /* workers numbered so far, for servers without ids of their own */
	uint64_t samples;
	uint64_t begin_ns; /* CLOCK_MONOTONIC, as BPF timestamps: when the command began */
	uint64_t unknown_code;
	uint64_t cpu0_ns, bpf0_ns, bpf0_runs; /* own costs when recording began */
	int bpf0_ok;
	int exited; /* a traced process exited since the last liveness check */
	int err;    /* fatal error from a record handler */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Only interrupts the reader's wait, so that an exited command is reaped at once. */
static void on_child(int sig)
{
	(void)sig;
}

/*
 * Milliseconds until the next thing the loop must do, so that it sleeps
 * through quiet stretches (each wakeup costs tens of microseconds on some
 * VMs): the status tick, the end, an interpreter still to be found, a worker
 * still to be labelled; at most a second.
 */
static int wait_ms(const struct recorder *r, uint64_t now, uint64_t deadline)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct rproc *p = &r->procs[i];

		/* as the loop does: a pending process's label waits for its interpreter */
		if (p->state == RP_PENDING) {
			if (p->next_try_ns < deadline)
				deadline = p->next_try_ns;
		} else if (p->worker_until_ns && p->worker_next_ns < deadline) {
			deadline = p->worker_next_ns;
		}
	}
	if (deadline <= now)
		return 1;
	return deadline - now >= 1000000000ULL ? 1000 : (int)((deadline - now + 999999) / 1000000);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct rproc *find_proc(struct recorder *r, uint32_t pid)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

static struct rproc *add_proc(struct recorder *r, uint32_t pid)
{
	struct rproc *p = find_proc(r, pid);

	if (p)
		return p;
	if (r->nprocs == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct rproc *np = realloc(r->procs, ncap * sizeof(*np));

		if (!np)
			return NULL;
		r->procs = np;
		r->cap = ncap;
	}
	p = &r->procs[r->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->state = RP_PENDING;
	p->since_ns = now_ns(CLOCK_MONOTONIC);
	/* see probe_pending: most short-lived processes are gone by then */
	p->next_try_ns = p->since_ns + PROBE_FIRST_NS;
	return p;
}

struct env_labels {
	struct recorder *r;
	uint32_t pid;
	int err;
};

static void env_label(const char *name, const char *value, void *ctx)
{
	struct env_labels *e = ctx;
	char key[256];

	for (size_t i = 0; i < e->r->cfg->nlabel_env; i++) {
		if (fnmatch(e->r->cfg->label_env[i], name, 0))
			continue;
		snprintf(key, sizeof(key), "env.%s", name);
		if (profile__set_label(e->r->prof, e->pid, key, value))
			e->err = -ENOMEM;
		return;
	}
}

/*
 * A uWSGI master writes a respawned worker's pid into its table just after
 * the fork: lookups are retried this long, this often.  Mules and spoolers
 * are not in it.
 */
#define WORKER_WAIT_NS	(1000ULL * 1000000)
#define WORKER_RETRY_NS (50ULL * 1000000)

/*
 * The worker label: uWSGI's own worker id, or for other servers the order
 * in which their workers were first seen.  -EAGAIN: the uWSGI id is not
 * known yet, try again later.
 */
static int label_worker(struct recorder *r, struct rproc *p)
{
	uint32_t ppid = target__ppid(p->pid);
	char buf[16];
	int id;

	for (size_t i = 0; i < r->nroots && !p->worker; i++) {
		if (ppid != r->roots[i])
			continue;
		if (!r->uwsgi[i]) {
			p->worker = ++r->workers;
			break;
		}
		id = uwsgi_workers__id(r->uwsgi[i], p->pid);
		if (id > 0) {
			p->worker = id;
			break;
		}
		p->worker_next_ns = now_ns(CLOCK_MONOTONIC) + WORKER_RETRY_NS;
		if (p->worker_next_ns < p->worker_until_ns)
			return -EAGAIN;
		vlog("PID %u: not in uWSGI master %u's worker table%s%s; no worker label", p->pid,
		     ppid, id == -ENOENT ? " (a mule or spooler?)" : ": ",
		     id == -ENOENT ? "" : strerror(-id));
		break;
	}
	p->worker_until_ns = 0;
	if (!p->worker)
		return 0;
	snprintf(buf, sizeof(buf), "%u", p->worker);
	return profile__set_label(r->prof, p->pid, "worker", buf);
}

/* Labels a process: host, pid, worker, python, commit, env.NAME. */
static int label_process(struct recorder *r, struct rproc *p)
{
	struct env_labels e = {r, p->pid, 0};
	char buf[256];
	struct utsname u;
	int err;

	uname(&u);
	snprintf(buf, sizeof(buf), "%u", p->pid);
	err = profile__set_label(r->prof, p->pid, "host", u.nodename) ?:
	      profile__set_label(r->prof, p->pid, "pid", buf) ?:
	      profile__set_label(r->prof, p->pid, "python", p->info->version);
	if (err)
		return err;
	p->worker_until_ns = now_ns(CLOCK_MONOTONIC) + WORKER_WAIT_NS;
	err = label_worker(r, p);
	if (err && err != -EAGAIN)
		return err;
	if (!target__commit(p->pid, r->cfg->commit_from, buf, sizeof(buf))) {
		err = profile__set_label(r->prof, p->pid, "commit", buf);
		if (err)
			return err;
	}
	if (r->cfg->nlabel_env)
		target__environ(p->pid, env_label, &e);
	return e.err;
}

/* Records what the capture keeps about a sampled process. */
static int note_process(struct recorder *r, struct rproc *p)
{
	struct target_proc t;
	int err;

	if (target__describe(p->pid, &t))
		memset(&t, 0, sizeof(t));
	char source[sizeof(p->info->layout_source) + PATH_MAX + 8];

	snprintf(source, sizeof(source), "%s (%s)", p->info->layout_source, p->info->path);
	err = profile__set_process(r->prof, p->pid, t.cmdline, p->info->version, source, t.exe);
	return err ?: label_process(r, p);
}

/* GC time per request, where the interpreter has its USDT probes. */
static void attach_gc(struct recorder *r, struct rproc *p)
{
	char path[PATH_MAX + 32];
	int err;

	if (!r->requests)
		return;
	snprintf(path, sizeof(path), "/proc/%u/root%s", p->pid, p->info->path);
	err = session__attach_gc(r->sess, p->pid, path);
	if (err)
		vlog("PID %u: GC not timed (%s has no usable gc__start/gc__done probes: %s)",
		     p->pid, p->info->path, strerror(-err));
}

static int start_python(struct recorder *r, struct rproc *p)
{
	int err = session__set_python(r->sess, p->pid, p->info->runtime, &p->info->layout);

	if (err) {
		elog("failed to trace PID %u: %s", p->pid, strerror(-err));
		return err;
	}
	p->state = RP_PYTHON;
	vlog("PID %u: Python %s in %s (%s)", p->pid, p->info->version, p->info->path,
	     p->info->layout_source);
	attach_gc(r, p);
	/* connections to these ports are clients; a traced router forwarding to one, a proxy */
	if (r->requests) {
		uint16_t ports[64];
		size_t n = target__listen_ports(p->pid, ports, ARRAY_SIZE(ports));

		for (size_t i = 0; i < n; i++)
			session__add_inport(r->sess, ports[i]);
	}
	return note_process(r, p);
}

/* Probes a pending process; gives up after the grace period. */
static void probe_pending(struct recorder *r, struct rproc *p, uint64_t now)
{
	char why[256];
	int err;

	if (now < p->next_try_ns)
		return;
	if (!p->info) {
		p->info = malloc(sizeof(*p->info));
		if (!p->info)
			return;
	}
	err = pyrt__probe(p->pid, r->pycache, p->info, why, sizeof(why));
	if (!err) {
		start_python(r, p);
		return;
	}
	if (err == -ESRCH || !target__alive(p->pid)) {
		p->state = RP_GONE;
		return;
	}
	/*
	 * The loader maps and relocates libpython in the first milliseconds
	 * after exec: tried 20 ms after it, then whenever the process has
	 * doubled its age, at least every 50 ms.  Each try reads the maps and
	 * ELF files of a process that may not be Python at all (pyenv's shims
	 * run dozens of short shell processes): a try every 2 ms made pycost's
	 * CPU time over a one-second command four times larger.
	 */
	if (now - p->since_ns < PROBE_GRACE_NS) {
		uint64_t wait = now - p->since_ns;

		if (wait < PROBE_FIRST_NS)
			wait = PROBE_FIRST_NS;
		if (wait > 50000000)
			wait = 50000000;
		p->next_try_ns = now + wait;
		return;
	}
	if (err != -ENOENT)
		elog("PID %u not sampled: %s", p->pid, why);
	else
		vlog("PID %u: %s", p->pid, why);
	p->state = RP_OTHER;
}

static int on_sample(struct recorder *r, const struct pycost_sample *s, size_t size)
{
	struct pc_frame frames[PYCOST_MAX_DEPTH + 1];
	uint32_t n = 0, nf = s->nframes;
	int stack, err;

	if (nf > PYCOST_MAX_DEPTH ||
	    size < offsetof(struct pycost_sample, frames) + nf * sizeof(struct pycost_frame))
		return 0;
	if (!(s->flags & PYCOST_SF_WALK) && !r->samples++ && s->ts > r->begin_ns)
		vlog("first sample %.1f ms after start", (s->ts - r->begin_ns) / 1e6);
	if (s->flags & PYCOST_SF_TRUNCATED) {
		err = profile__intern_func(r->prof, "[truncated]", "", 0);
		if (err < 0)
			return err;
		frames[n++] = (struct pc_frame){err, 0};
	}
	/* BPF walks leaf first; profiles store root first */
	for (uint32_t i = nf; i-- > 0;) {
		if (symbols__frame(r->syms, s->pid, &s->frames[i], &frames[n]))
			r->unknown_code++;
		n++;
	}
	if (!nf) {
		err = profile__intern_func(r->prof, "[native]", "", 0);
		if (err < 0)
			return err;
		frames[n++] = (struct pc_frame){err, 0};
	}
	stack = profile__intern_stack(r->prof, frames, n);
	if (stack < 0)
		return stack;
	/* inside a request: parked until the request's endpoint is known */
	if (s->req_id && r->rt)
		return reqtrack__sample(r->rt, s->pid, s->tid, s->req_id, stack, s->weight,
					s->flags);
	return profile__add(r->prof, stack, s->pid, s->tid, 1, s->weight);
}

static int on_proc(struct recorder *r, const struct pycost_proc_rec *e)
{
	struct rproc *p, *parent;

	switch (e->event) {
	case PYCOST_PROC_FORK:
		parent = find_proc(r, e->ppid);
		p = add_proc(r, e->pid);
		if (!p)
			return -ENOMEM;
		parent = find_proc(r, e->ppid); /* add_proc may have moved the array */
		if (parent && parent->state == RP_PYTHON && parent->info) {
			/* same address space as the parent: already sampled by BPF */
			p->info = malloc(sizeof(*p->info));
			if (!p->info)
				return -ENOMEM;
			*p->info = *parent->info;
			p->info->pid = e->pid;
			p->state = RP_PYTHON;
			attach_gc(r, p);
			return note_process(r, p);
		}
		return 0;
	case PYCOST_PROC_EXEC:
		p = add_proc(r, e->pid);
		if (!p)
			return -ENOMEM;
		symbols__forget_pid(r->syms, e->pid);
		p->state = RP_PENDING;
		p->since_ns = now_ns(CLOCK_MONOTONIC);
		p->next_try_ns = p->since_ns + PROBE_FIRST_NS;
		return 0;
	case PYCOST_PROC_EXIT:
		p = find_proc(r, e->pid);
		if (p)
			p->state = RP_GONE;
		r->exited = 1;
		return 0;
	}
	return 0;
}

static int handle_record(void *ctx, const void *rec, size_t size)
{
	struct recorder *r = ctx;
	uint32_t kind;
	int err = 0;

	if (size < sizeof(kind))
		return 0;
	memcpy(&kind, rec, sizeof(kind));
	if (kind == PYCOST_REC_SAMPLE) {
		err = on_sample(r, rec, size);
	} else if (kind == PYCOST_REC_CODE && size >= sizeof(struct pycost_code)) {
		const struct pycost_code *c = rec;
		struct rproc *p = find_proc(r, c->pid);

		if (p && p->info)
			err = symbols__add_code(r->syms, c, p->info->version_hex);
	} else if (kind == PYCOST_REC_PROC && size >= sizeof(struct pycost_proc_rec)) {
		err = on_proc(r, rec);
	} else if (kind == PYCOST_REC_REQUEST && size >= offsetof(struct pycost_request, head) &&
		   r->rt) {
		err = reqtrack__request(r->rt, rec, size);
	}
	if (err) {
		r->err = err;
		return err;
	}
	return 0;
}

/* Probes one process to trace; 0, or the exit status after reporting why not. */
static int add_target(struct recorder *r, uint32_t pid, int explicit)
{
	struct target_proc t;
	struct rproc *p;
	char why[512];
	int err;

	if (find_proc(r, pid))
		return 0;
	if (target__check(pid, why, sizeof(why))) {
		if (!explicit)
			return 0;
		elog("%s", why);
		return PYCOST_EXIT_USAGE;
	}
	p = add_proc(r, pid);
	if (!p || !(p->info = malloc(sizeof(*p->info)))) {
		elog("out of memory");
		return 1;
	}
	err = pyrt__probe(pid, r->pycache, p->info, why, sizeof(why));
	if (!err)
		return 0;
	target__describe(pid, &t);
	p->state = RP_GONE;
	if (!explicit) {
		vlog("PID %u (%s) not traced: %s", pid, t.comm, why);
		return 0;
	}
	if (err == -ENOENT)
		elog("PID %u (%s) is not a Python process: %s", pid, t.comm, why);
	else if (err == -EPERM || err == -EACCES)
		elog("cannot read PID %u (%s): %s (run as root or with CAP_SYS_PTRACE)", pid,
		     t.comm, why);
	else
		elog("PID %u (%s): %s", pid, t.comm, why);
	return PYCOST_EXIT_USAGE;
}

/*
 * Validates every -p / --uwsgi target before anything is loaded.  A uWSGI
 * or gunicorn worker stands for its whole server: the master and every
 * worker it forked (same executable) are traced, and workers it forks later
 * are followed by the fork tracepoint.
 */
static int check_targets(struct recorder *r)
{
	const struct config *cfg = r->cfg;

	for (size_t i = 0; i < cfg->npids; i++) {
		uint32_t pid = cfg->pids[i], root = pid, parent, kids[1024];
		struct target_proc t, pt;
		char why[512];
		size_t n;
		int ret;

		if (target__check(pid, why, sizeof(why))) {
			elog("%s", why);
			return PYCOST_EXIT_USAGE;
		}
		target__describe(pid, &t);
		if (cfg->uwsgi && !target__is_uwsgi(&t)) {
			elog("PID %u (%s) is not a uWSGI process (exe: %s)", pid, t.comm,
			     t.exe[0] ? t.exe : "unknown");
			return PYCOST_EXIT_USAGE;
		}
		parent = target__ppid(pid);
		if (parent > 1 && !target__describe(parent, &pt) && !strcmp(pt.exe, t.exe) &&
		    (target__is_uwsgi(&t) || strstr(t.cmdline, "gunicorn")))
			root = parent;
		ret = add_target(r, pid, 1);
		if (ret)
			return ret;
		if (root != pid || target__is_uwsgi(&t) || strstr(t.cmdline, "gunicorn")) {
			if (root != pid && (ret = add_target(r, root, 0)))
				return ret;
			if (r->nroots < ARRAY_SIZE(r->roots)) {
				if (target__is_uwsgi(&t) &&
				    !(r->uwsgi[r->nroots] = uwsgi_workers__new(root))) {
					elog("out of memory");
					return 1;
				}
				r->roots[r->nroots++] = root;
			}
			n = target__children(root, t.exe, kids, ARRAY_SIZE(kids));
			for (size_t k = 0; k < n; k++)
				if ((ret = add_target(r, kids[k], 0)))
					return ret;
		}
	}
	return 0;
}

/* --requests auto: on when something traced listens (or for a command, always). */
static int want_requests(struct recorder *r)
{
	if (r->cfg->requests != REQUESTS_AUTO)
		return r->cfg->requests == REQUESTS_ON;
	if (r->cfg->command)
		return 1;
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].state != RP_GONE && target__listens(r->procs[i].pid))
			return 1;
	return 0;
}

/*
 * Checks that the capture can be written beside path, and puts the
 * recording's requests in a log there: it holds a row per request, however
 * long the capture runs, and its size ends up in the capture anyway.
 */
static int prepare_output(struct recorder *r, const char *path)
{
	char *copy = strdup(path), *dir;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(dir, W_OK)) {
		err = -errno;
		elog("cannot write the capture to %s: directory %s: %s", path, dir, strerror(-err));
	} else if (r->requests && (err = profile__spill_requests(r->prof, dir))) {
		elog("cannot create the request log in %s: %s", dir, strerror(-err));
	}
	free(copy);
	return err;
}

static size_t live_procs(struct recorder *r, size_t *python)
{
	size_t live = 0;

	*python = 0;
	for (size_t i = 0; i < r->nprocs; i++) {
		struct rproc *p = &r->procs[i];

		if (p->state == RP_GONE)
			continue;
		if (!target__alive(p->pid)) {
			p->state = RP_GONE;
			continue;
		}
		live++;
		if (p->state == RP_PYTHON)
			(*python)++;
	}
	return live;
}

static uint64_t total_drops(const struct pycost_stats *st)
{
	return st->sample_drops + st->code_drops + st->proc_drops + st->request_drops +
	       st->request_overflow;
}

static void status_line(struct recorder *r, double elapsed, size_t nproc, int final)
{
	struct pycost_stats st;

	session__stats(r->sess, &st);
	fprintf(stderr, "\r\033[K[pycost] %s %.1fs  %llu samples  %zu process%s",
		session__metric_name(session__metric(r->sess)), elapsed,
		(unsigned long long)r->samples, nproc, nproc == 1 ? "" : "es");
	if (r->rt) {
		uint64_t total, malformed, aborted, proxied;

		reqtrack__counts(r->rt, &total, &malformed, &aborted, &proxied);
		fprintf(stderr, "  %llu requests", (unsigned long long)total);
	}
	fprintf(stderr, "  %llu drops%s", (unsigned long long)total_drops(&st), final ? "\n" : "");
	fflush(stderr);
}

static int fill_meta(struct recorder *r, int64_t start_ns, uint64_t duration_ns)
{
	struct pc_meta *m = &r->prof->meta;
	enum metric metric = session__metric(r->sess);
	struct pycost_stats st;
	struct utsname u;

	session__stats(r->sess, &st);
	uname(&u);
	m->period = r->cfg->period;
	m->freq = r->cfg->period ? 0 : r->cfg->freq;
	m->start_ns = start_ns;
	m->duration_ns = duration_ns;
	m->samples = r->samples;
	m->drops = total_drops(&st);
	m->truncated = st.truncated;
	m->unknown_code = r->unknown_code;
	if (profile__set_str(&m->host, u.nodename) || profile__set_str(&m->kernel, u.release) ||
	    profile__set_str(&m->pycost_version, PYCOST_VERSION) ||
	    profile__set_str(&m->metric, session__metric_name(metric)) ||
	    profile__set_str(&m->unit, session__metric_unit(metric)) ||
	    profile__set_str(&m->sampler, session__sampler(r->sess)))
		return -ENOMEM;
	return 0;
}

/*
 * pycost's own cost since recording began, into the capture's meta: once, at
 * the end (top does not show it, and each read is a syscall per program).
 */
static void own_cost(struct recorder *r)
{
	struct pc_meta *m = &r->prof->meta;

	m->self_cpu_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID) - r->cpu0_ns;
	/* counts that could not be read at either end are not counted */
	if (r->bpf0_ok && !session__bpf_time(r->sess, &m->bpf_ns, &m->bpf_runs) &&
	    m->bpf_runs >= r->bpf0_runs && m->bpf_ns >= r->bpf0_ns) {
		m->bpf_ns -= r->bpf0_ns;
		m->bpf_runs -= r->bpf0_runs;
	} else {
		m->bpf_ns = m->bpf_runs = 0;
	}
}

static void default_output(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "pycost-%Y%m%d-%H%M%S.pycost", &tm);
}

int record__run(const struct config *cfg)
{
	struct recorder r = {.cfg = cfg, .begin_ns = now_ns(CLOCK_MONOTONIC)};
	struct session_opts so = {
	    .metric = cfg->metric,
	    .freq = cfg->freq,
	    .period = cfg->period,
	    .sampler = cfg->sampler,
	    .on_record = handle_record,
	    .ctx = &r,
	};
	struct target_child child = {.pid = -1, .go_fd = -1, .err_fd = -1};
	char why[512], outbuf[64];
	const char *out = cfg->output;
	uint64_t t0, last_status = 0, end, status_ns;
	sigset_t blocked, waitmask;
	int64_t start_wall;
	int ret = 1, err, ms, masked = 0, tty = isatty(STDERR_FILENO), live = cfg->verb == VERB_TOP;
	size_t nlive = 0, npython = 0;
	struct sigaction sa = {.sa_handler = on_signal};
	struct pycost_stats st;
	struct top *view = NULL;

	if (!out) {
		default_output(outbuf, sizeof(outbuf));
		out = outbuf;
	}
	/* top: the same recording, drawn every second instead of saved */
	if (live && !isatty(STDOUT_FILENO)) {
		elog("top needs a terminal (use record and report otherwise)");
		return PYCOST_EXIT_USAGE;
	}
	/*
	 * The profile's arrays grow all through a capture: as mappings of their
	 * own, glibc grows them with mremap, never copying them into freshly
	 * faulted pages (its adaptive threshold would move them to the heap).
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	r.prof = profile__new();
	r.syms = r.prof ? symbols__new(r.prof) : NULL;
	r.pycache = pyrt_cache__new();
	if (!r.syms || !r.pycache) {
		elog("out of memory");
		goto cleanup;
	}
	ret = check_targets(&r);
	if (ret)
		goto cleanup;
	ret = 1;
	r.requests = want_requests(&r);
	so.requests = r.requests;
	if (r.requests) {
		r.http = cfg->http;
		/* the user identity hash is keyed per capture: hashes mean nothing outside it */
		if (getrandom(r.http.user_salt, sizeof(r.http.user_salt), 0) !=
		    sizeof(r.http.user_salt)) {
			elog("failed to get random bytes: %s", strerror(errno));
			goto cleanup;
		}
		r.rt = reqtrack__new(r.prof, &r.http,
				     (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC)));
		if (!r.rt) {
			elog("out of memory");
			goto cleanup;
		}
	}
	if (!live && prepare_output(&r, out)) {
		ret = PYCOST_EXIT_USAGE;
		goto cleanup;
	}
	if (cfg->command) {
		err = target__spawn(cfg->command, &child);
		if (err) {
			elog("failed to start %s: %s", cfg->command[0], strerror(-err));
			goto cleanup;
		}
	}
	r.sess = session__new(&so, why, sizeof(why));
	if (!r.sess) {
		elog("%s", why);
		ret = (errno == EPERM || errno == EACCES || errno == ENOTSUP || errno == ENOENT ||
		       errno == EOPNOTSUPP || errno == ENODEV)
			  ? PYCOST_EXIT_USAGE
			  : 1;
		goto cleanup;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cfg->command) {
		struct sigaction sc = {.sa_handler = on_child,
				       .sa_flags = SA_RESTART | SA_NOCLDSTOP};

		sigaction(SIGCHLD, &sc, NULL);
	}
	/*
	 * Delivered only while the loop sleeps: one that came just before it
	 * went to sleep would otherwise wait out the sleep (up to a second).
	 */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGCHLD);
	masked = !sigprocmask(SIG_BLOCK, &blocked, &waitmask);
	/* top redraws each second; a status line on a terminal moves four times as often */
	status_ns = live || !tty ? 1000000000ULL : 250000000ULL;
	if (live) {
		view = top__new(cfg->window);
		if (!view) {
			elog("out of memory");
			goto cleanup;
		}
		top__raw_terminal(view);
	}

	for (size_t i = 0; r.requests && i < cfg->nbackends; i++) {
		err = session__set_port(r.sess, cfg->backends[i].port, cfg->backends[i].kind);
		if (err) {
			elog("failed to set --backend %u: %s", cfg->backends[i].port,
			     strerror(-err));
			goto cleanup;
		}
	}
	for (size_t i = 0; i < r.nprocs; i++) {
		if (r.procs[i].state == RP_GONE)
			continue;
		err = session__watch(r.sess, r.procs[i].pid);
		if (!err)
			err = start_python(&r, &r.procs[i]);
		if (err)
			goto cleanup;
	}
	vlog("requests %s", r.requests ? "on" : "off");
	if (cfg->command) {
		struct rproc *p = add_proc(&r, child.pid);

		if (!p || session__watch(r.sess, child.pid)) {
			elog("failed to trace the command");
			goto cleanup;
		}
		err = target__release(&child);
		if (err) {
			if (err == -ENOENT)
				elog("command not found: %s", cfg->command[0]);
			else
				elog("cannot run %s: %s", cfg->command[0], strerror(-err));
			child.pid = -1;
			ret = PYCOST_EXIT_USAGE;
			goto cleanup;
		}
		p->since_ns = now_ns(CLOCK_MONOTONIC);
	}

	t0 = now_ns(CLOCK_MONOTONIC);
	start_wall = now_ns(CLOCK_REALTIME);
	r.cpu0_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	r.bpf0_ok = !session__bpf_time(r.sess, &r.bpf0_ns, &r.bpf0_runs);
	end = cfg->duration > 0 ? t0 + (uint64_t)(cfg->duration * 1e9) : UINT64_MAX;
	while (!stop_requested) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), next = last_status + status_ns;

		if (now >= end)
			break;
		ms = wait_ms(&r, now, next < end ? next : end);
		/* top also reads its keys between waits */
		err = session__poll(r.sess, live && ms > 100 ? 100 : ms, masked ? &waitmask : NULL);
		if (err < 0 || r.err) {
			elog("failed to read samples: %s", strerror(r.err ? -r.err : -err));
			goto cleanup;
		}
		now = now_ns(CLOCK_MONOTONIC);
		for (size_t i = 0; i < r.nprocs; i++) {
			if (r.procs[i].state == RP_PENDING)
				probe_pending(&r, &r.procs[i], now);
			else if (r.procs[i].worker_until_ns && now >= r.procs[i].worker_next_ns &&
				 (err = label_worker(&r, &r.procs[i])) && err != -EAGAIN) {
				elog("out of memory");
				goto cleanup;
			}
		}
		if (child.pid > 0 && waitpid(child.pid, NULL, WNOHANG) == child.pid) {
			child.pid = -1;
			break;
		}
		if (live && top__quit_requested(view))
			break;
		/* an exit is checked at once; the screen waits for its tick */
		if (r.exited || now - last_status >= status_ns) {
			r.exited = 0;
			nlive = live_procs(&r, &npython);
			if (!cfg->command && !nlive)
				break;
		}
		if (now - last_status >= status_ns) {
			last_status = now;
			if (live) {
				/* the table covers the window: its rates are per second of it */
				uint64_t span = now - t0, win = (uint64_t)(cfg->window * 1e9);
				int64_t from = start_wall;

				if (span > win) {
					from += span - win;
					span = win;
					profile__forget_requests(r.prof, from);
				}
				if (fill_meta(&r, from, span) ||
				    top__draw(view, r.prof, now, (now - t0) / 1e9, stdout)) {
					elog("out of memory");
					goto cleanup;
				}
			} else if (tty) {
				status_line(&r, (now - t0) / 1e9, npython, 0);
			}
		}
	}
	/* everything the kernel produced before we stopped still goes in */
	if (masked)
		masked = sigprocmask(SIG_SETMASK, &waitmask, NULL);
	while (session__poll(r.sess, 0, NULL) > 0 && !r.err)
		;
	/* answered requests whose end was not seen yet are complete too */
	if (!r.err && r.requests)
		session__flush_requests(r.sess);
	if (r.err) {
		elog("failed to read samples: %s", strerror(-r.err));
		goto cleanup;
	}
	if (live) {
		ret = 0;
		goto cleanup;
	}
	if (tty)
		status_line(&r, (now_ns(CLOCK_MONOTONIC) - t0) / 1e9, npython, 1);
	if ((r.rt && reqtrack__finish(r.rt)) ||
	    fill_meta(&r, start_wall, now_ns(CLOCK_MONOTONIC) - t0)) {
		elog("out of memory");
		goto cleanup;
	}
	own_cost(&r);
	if (!r.prof->nprocs)
		elog("warning: no Python process was sampled");
	if (capture__save(r.prof, out, why, sizeof(why))) {
		elog("%s", why);
		goto cleanup;
	}
	session__stats(r.sess, &st);
	vlog("kernel counters: samples %llu, sample drops %llu, code drops %llu, proc drops %llu, "
	     "truncated %llu, read faults %llu, no tstate %llu, thread walks %llu, counter "
	     "errors %llu, thread drops %llu, request drops %llu, request overflow %llu, "
	     "missed switches %llu",
	     (unsigned long long)st.samples, (unsigned long long)st.sample_drops,
	     (unsigned long long)st.code_drops, (unsigned long long)st.proc_drops,
	     (unsigned long long)st.truncated, (unsigned long long)st.read_faults,
	     (unsigned long long)st.no_tstate, (unsigned long long)st.thread_walks,
	     (unsigned long long)st.counter_errors, (unsigned long long)st.thread_drops,
	     (unsigned long long)st.request_drops, (unsigned long long)st.request_overflow,
	     (unsigned long long)st.missed_switches);
	vlog("interpreter probes skipped %zu files known to hold no Python runtime",
	     pyrt_cache__skipped(r.pycache));
	fprintf(stderr, "pycost: wrote %s: %llu samples, %zu process%s, metric %s", out,
		(unsigned long long)r.samples, r.prof->nprocs, r.prof->nprocs == 1 ? "" : "es",
		r.prof->meta.metric);
	if (total_drops(&st) || st.truncated || r.unknown_code)
		fprintf(stderr,
			", %llu records dropped, %llu stacks truncated, %llu frames unnamed",
			(unsigned long long)total_drops(&st), (unsigned long long)st.truncated,
			(unsigned long long)r.unknown_code);
	/* counted per refusal: a thread is refused at each of its samples and switches */
	if (st.thread_drops)
		fprintf(stderr, ", thread map full: some threads not tracked (%llu refusals)",
			(unsigned long long)st.thread_drops);
	if (r.rt) {
		uint64_t total, malformed, aborted, proxied;

		reqtrack__counts(r.rt, &total, &malformed, &aborted, &proxied);
		fprintf(stderr, ", %llu requests (%llu malformed, %llu aborted)",
			(unsigned long long)total, (unsigned long long)malformed,
			(unsigned long long)aborted);
		if (proxied)
			fprintf(stderr, ", %llu router hops counted where served",
				(unsigned long long)proxied);
	}
	fputc('\n', stderr);
	ret = 0;
cleanup:
	if (masked)
		sigprocmask(SIG_SETMASK, &waitmask, NULL);
	/* a command that never got to run must not linger; a running one goes on */
	if (child.pid > 0 && child.go_fd >= 0) {
		kill(child.pid, SIGKILL);
		close(child.go_fd);
		close(child.err_fd);
		waitpid(child.pid, NULL, 0);
	}
	top__free(view);
	session__free(r.sess);
	reqtrack__free(r.rt);
	symbols__free(r.syms);
	pyrt_cache__free(r.pycache);
	profile__free(r.prof);
	for (size_t i = 0; i < r.nprocs; i++)
		free(r.procs[i].info);
	for (size_t i = 0; i < r.nroots; i++)
		uwsgi_workers__free(r.uwsgi[i]);
	free(r.procs);
	return ret;
}
