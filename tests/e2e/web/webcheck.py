#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
"""Checks pycost's endpoint and request reports against what the client
sent and what the app measured itself (truth.py).

Prints one line per check, `ok CHECK: detail`, `bad CHECK: reason` or
`skip CHECK: reason`, which web/weblib.sh's web_check turns into PASS / FAIL
/ SKIP.  Exit status 1 if any check is bad.

  webcheck.py service --endpoints E.json --requests R.jsonl --sent S.json...
      [--truth DIR] [--checks counts,statuses,window,cost,cpu_ns,ratio,
      backend,views,request_views,workers,worker_ids] [--views 'GET /light=view_light',...]
      [--min-view-requests N] [--min-workers N] [--allow ENDPOINT]...

  webcheck.py hostile --endpoints E.json --requests R.jsonl --sent S.json...
      --hostile H.json
"""
import argparse
import collections
import glob
import json
import os
import sys

COST_REL = 0.05  # per-request cost: within max(5%, 200 us) of thread_time
COST_ABS_NS = 200_000
RATIO_REL = 0.10  # heavy/light mean cost ratio within 10% of the app's
PG_SLEEP_US = 5000.0  # workload.PG_SLEEP_S
DB_MIN_FRACTION = 0.8  # backend_us.db on /db >= 80% of the pg_sleep
CACHE_MIN_US = 100.0  # backend_us.cache on /cache: clearly > 0
IDLE_MAX_US = 50.0  # mean backend time of endpoints that do not use it
MIN_VIEW_SAMPLES = 8  # expected samples for an endpoint's view to be required

results = []


def ok(name, detail):
    results.append(("ok", name, detail))


def bad(name, reason):
    results.append(("bad", name, reason))


def skipped(name, reason):
    results.append(("skip", name, reason))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def load_requests(path):
    reqs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                reqs.append(json.loads(line))
            except ValueError as e:
                raise SystemExit("bad %s line %d: %s: %r" % (path, n, e, line[:120]))
    return reqs


def load_sent(paths):
    sent = []
    span = [None, None]
    for p in paths:
        d = load_json(p)
        sent.extend(d["sent"])
        span[0] = d["started_ns"] if span[0] is None else min(span[0], d["started_ns"])
        span[1] = d["ended_ns"] if span[1] is None else max(span[1], d["ended_ns"])
    return sent, span


def truth_lines(directory):
    """The fields of every line of the truth files (truth.py)."""
    for fn in sorted(glob.glob(os.path.join(directory, "truth.*"))):
        with open(fn) as f:
            for line in f:
                yield line.split()


def load_truth(directory):
    """{pid: [(start_ns, path, status, cpu_ns, gap_cpu_ns)]} (truth.py)"""
    truth = collections.defaultdict(list)
    for parts in truth_lines(directory):
        if len(parts) not in (5, 6, 7):
            continue
        pid, path, status, cpu, start = parts[:5]
        gap = int(parts[5]) if len(parts) >= 6 else -1
        truth[int(pid)].append((int(start), path, status, int(cpu), gap))
    for v in truth.values():
        v.sort()
    return truth


def counter_of(items):
    return dict(sorted(collections.Counter(items).items()))


def fmt_diff(want, got):
    keys = sorted(set(want) | set(got))
    return ", ".join("%s: sent %s, pycost %s" % (k, want.get(k, 0), got.get(k, 0))
                     for k in keys if want.get(k, 0) != got.get(k, 0))


def endpoints_by_name(ep_doc):
    return {e["endpoint"]: e for e in ep_doc.get("endpoints", [])}


# ---- service checks ----------------------------------------------------------

def check_counts(eps, reqs, sent, allow):
    want = counter_of(s["endpoint"] for s in sent if s["status"])
    lost = [s for s in sent if not s["status"]]
    if lost:
        bad("client", "%d requests got no status, e.g. %s %s: %s" % (
            len(lost), lost[0]["method"], lost[0]["path"], lost[0]["error"]))
    got = {k: v["requests"] for k, v in eps.items() if k not in allow}
    if want == got:
        ok("counts", "%d requests, per endpoint as sent: %s" % (
            sum(want.values()), ", ".join("%s=%d" % kv for kv in want.items())))
    else:
        bad("counts", "endpoint counts differ: " + fmt_diff(want, got))
    got_r = counter_of(r["endpoint"] for r in reqs if r["endpoint"] not in allow)
    if got_r != got:
        bad("request_report", "--by request disagrees with --by endpoint: " + fmt_diff(got, got_r))
    else:
        ok("request_report", "%d request lines, per endpoint as in --by endpoint" % sum(got_r.values()))


def check_statuses(eps, sent, allow):
    want = collections.defaultdict(collections.Counter)
    for s in sent:
        if s["status"]:
            want[s["endpoint"]][str(s["status"])] += 1
    problems = []
    for ep, st in sorted(want.items()):
        got = eps.get(ep, {}).get("status", {})
        got = {k: v for k, v in got.items() if v}
        if dict(st) != got:
            problems.append("%s: client saw %s, pycost %s" % (ep, dict(st), got))
    flagged = [(k, e["malformed"], e["aborted"]) for k, e in eps.items()
               if k not in allow and (e.get("malformed") or e.get("aborted"))]
    if flagged:
        problems.append("malformed/aborted on good endpoints: %s" % flagged)
    if problems:
        bad("statuses", "; ".join(problems))
    else:
        ok("statuses", "; ".join("%s %s" % (ep, dict(st)) for ep, st in sorted(want.items())
                                 if set(st) != {"200"}) or "all 200")


def check_window(ep_doc, span):
    meta = ep_doc.get("meta", {})
    start, dur = meta.get("start_ns"), meta.get("duration_ns")
    if start is None or dur is None:
        bad("window", "meta has no start_ns/duration_ns")
        return False
    end = start + dur
    if span[0] < start or span[1] > end:
        bad("window", "the client ran %.2fs..%.2fs, outside the capture (0..%.2fs): the test "
            "is mistimed" % ((span[0] - start) / 1e9, (span[1] - start) / 1e9, dur / 1e9))
        return False
    ok("window", "client ran %.2fs..%.2fs of a %.2fs capture" % (
        (span[0] - start) / 1e9, (span[1] - start) / 1e9, dur / 1e9))
    return True


def match_truth(reqs, truth, allow):
    """Pairs pycost's requests with the app's, per pid in start order.
    Returns (pairs, problems)."""
    mine = collections.defaultdict(list)
    for r in reqs:
        if r["endpoint"] in allow:
            continue
        mine[r["pid"]].append(r)
    pairs, problems = [], []
    for pid in sorted(set(mine) | set(truth)):
        rs = sorted(mine.get(pid, []), key=lambda r: r["start_ns"])
        ts = truth.get(pid, [])
        if len(rs) != len(ts):
            problems.append("pid %d: pycost %d requests, app %d" % (pid, len(rs), len(ts)))
            continue
        for i, (r, t) in enumerate(zip(rs, ts)):
            if r["path"] != t[1] or str(r["status"]) != t[2]:
                problems.append("pid %d request %d: pycost %s %s, app %s %s" % (
                    pid, i, r["path"], r["status"], t[1], t[2]))
                break
            pairs.append((r, t))
    return pairs, problems


def check_per_request(name, field, pairs, problems):
    """Each request's pycost FIELD within max(5%, 200 us) of the app's
    thread_time_ns.  Above it, the server's own CPU time around the app call
    may be added (truth.py's gap_cpu_ns of this request and of the next one
    on the same thread): pycost's request starts at the first read, before
    the app is called, and ends when the thread turns to waiting, after the
    app's close() returned, so parts of both gaps are legitimately counted.
    A thread's last request has no next gap in the app's log: the largest
    gap measured on that thread stands for it."""
    if problems:
        bad(name, "cannot pair pycost's requests with the app's: " + "; ".join(problems[:4]))
        return
    if not pairs:
        bad(name, "no requests to compare")
        return
    off = []
    worst = 0.0
    by_gap = 0
    after = {}
    widest = {}
    for r, t in pairs:
        widest[r["pid"]] = max(widest.get(r["pid"], 0), t[4])
    for i, (r, t) in enumerate(pairs):
        nxt = pairs[i + 1] if i + 1 < len(pairs) else None
        if nxt and nxt[0]["pid"] == r["pid"]:
            after[id(r)] = max(nxt[1][4], 0)
        else:
            after[id(r)] = widest[r["pid"]]
    for r, t in pairs:
        app, gap = t[3], max(t[4], 0) + after[id(r)]
        tol = max(COST_REL * app, COST_ABS_NS)
        v = r[field]
        # distance from [app, app + gap]
        dev = v - app if v < app else (v - app - gap if v > app + gap else 0)
        worst = max(worst, abs(dev) / tol)
        if abs(dev) > tol:
            off.append((abs(dev) / tol, r, t))
        elif v - app > tol:
            by_gap += 1
    if off:
        off.sort(key=lambda x: -x[0])
        ex = "; ".join("pid %d %s start_ns %d: %s %d ns, app %d ns (server gap before %d ns)" % (
            r["pid"], r["path"], r["start_ns"], field, r[field], t[3], t[4])
            for _, r, t in off[:3])
        bad(name, "%d of %d requests off by more than max(5%%, 200us): %s" % (
            len(off), len(pairs), ex))
    else:
        ok(name, "%d requests within max(5%%, 200us) of the app's thread_time_ns "
           "(worst at %.0f%% of the tolerance; %d above it by no more than the "
           "server's CPU time around the app call)" % (len(pairs), worst * 100, by_gap))


def check_ratio(eps, truth, heavy="GET /heavy", light="GET /light"):
    if heavy not in eps or light not in eps:
        bad("ratio", "no %s or %s endpoint" % (heavy, light))
        return
    app = collections.defaultdict(list)
    for rows in truth.values():
        for _, path, _, cpu, _ in rows:
            app[path].append(cpu)
    hp, lp = "/" + heavy.split("/", 1)[1], "/" + light.split("/", 1)[1]
    if not app.get(hp) or not app.get(lp):
        bad("ratio", "the app recorded no %s or %s" % (hp, lp))
        return
    app_ratio = (sum(app[hp]) / len(app[hp])) / (sum(app[lp]) / len(app[lp]))
    mean_h, mean_l = eps[heavy]["cost"]["mean"], eps[light]["cost"]["mean"]
    if not mean_l:
        bad("ratio", "%s has mean cost 0" % light)
        return
    ratio = mean_h / mean_l
    msg = "pycost heavy/light %.3f, app %.3f (%.2f ms / %.2f ms)" % (
        ratio, app_ratio, mean_h / 1e6, mean_l / 1e6)
    if abs(ratio - app_ratio) <= RATIO_REL * app_ratio:
        ok("ratio", msg)
    else:
        bad("ratio", msg + ": more than 10% apart")


def check_backend(eps):
    problems, notes = [], []
    for ep, e in sorted(eps.items()):
        be = e.get("backend_us", {})
        db, cache = be.get("db", 0.0), be.get("cache", 0.0)
        if ep == "GET /db":
            if db < DB_MIN_FRACTION * PG_SLEEP_US:
                problems.append("%s: db %.1f us < 80%% of pg_sleep (%.0f us)" % (ep, db, PG_SLEEP_US))
            notes.append("%s db %.0f us" % (ep, db))
        elif db >= IDLE_MAX_US:
            problems.append("%s: db %.1f us, does not use the database" % (ep, db))
        if ep == "GET /cache":
            if cache < CACHE_MIN_US:
                problems.append("%s: cache %.1f us < %.0f us" % (ep, cache, CACHE_MIN_US))
            notes.append("%s cache %.0f us" % (ep, cache))
        elif cache >= IDLE_MAX_US:
            problems.append("%s: cache %.1f us, does not use a cache" % (ep, cache))
    for need in ("GET /db", "GET /cache"):
        if need not in eps:
            problems.append("no %s endpoint" % need)
    if problems:
        bad("backend", "; ".join(problems))
    else:
        ok("backend", ", ".join(notes) + "; others < %.0f us" % IDLE_MAX_US)


def parse_views(text):
    views = {}
    for item in text.split(","):
        if "=" in item:
            ep, fn = item.split("=", 1)
            views[ep.strip()] = fn.strip()
    return views


def check_views(eps, views, min_requests, meta):
    """Endpoints with enough requests name their view.  Enough: at least
    min_requests, and (for the cpu metric) at least MIN_VIEW_SAMPLES samples
    expected from their total cost at the sampling frequency, since a view
    is found from samples (and from a stack walk at a backend call)."""
    problems, good, thin = [], [], []
    freq = meta.get("freq") or 0
    for ep, fn in sorted(views.items()):
        e = eps.get(ep)
        if not e:
            problems.append("no endpoint %s" % ep)
            continue
        expected = e["cost"]["total"] * freq / 1e9 if meta.get("metric") == "cpu" else None
        calls_backend = any(v > 0 for v in e.get("backend_us", {}).values())
        if e["requests"] < min_requests or (
                expected is not None and expected < MIN_VIEW_SAMPLES and not calls_backend):
            thin.append("%s (%d requests, %.1f samples expected)" % (
                ep, e["requests"], expected if expected is not None else -1))
            continue
        v = e.get("view") or ""
        if fn in v:
            good.append("%s -> %s" % (ep, v))
        else:
            problems.append("%s: view %r, expected %s (%d requests, %s samples expected)" % (
                ep, v, fn, e["requests"], "%.1f" % expected if expected is not None else "?"))
    note = ("; too few samples to require a view: " + ", ".join(thin)) if thin else ""
    if problems:
        bad("views", "; ".join(problems) + note)
    elif good:
        ok("views", "; ".join(good) + note)
    else:
        skipped("views", "no endpoint with enough requests and samples" + note)


def check_request_views(reqs, views):
    """A request's view, when it names one, is the view its endpoint calls."""
    wrong = collections.Counter()
    named = 0
    for r in reqs:
        fn = views.get(r["endpoint"])
        v = r.get("view") or ""
        if not fn or not v:
            continue
        named += 1
        if fn not in v:
            wrong[(r["endpoint"], v)] += 1
    if wrong:
        bad("request_views", "%d of %d requests with a view name the wrong one: %s" % (
            sum(wrong.values()), named,
            "; ".join("%s -> %r x%d" % (ep, v, n) for (ep, v), n in wrong.most_common(4))))
    elif named:
        ok("request_views", "%d requests name a view, all their endpoint's" % named)
    else:
        skipped("request_views", "no request names a view")


def load_worker_ids(directory):
    """{pid: uWSGI worker id as a string} from the truth files (truth.py)"""
    return {int(parts[0]): parts[6] for parts in truth_lines(directory)
            if len(parts) == 7 and parts[6] != "-"}


def check_worker_ids(reqs, ids, allow):
    """Each request's worker label is uWSGI's own id of the worker that served it."""
    seen, wrong = collections.Counter(), collections.Counter()
    for r in reqs:
        if r["endpoint"] in allow or r["pid"] not in ids:
            continue
        want = ids[r["pid"]]
        seen[want] += 1
        if r.get("worker") != want:
            wrong[(r["pid"], want, r.get("worker"))] += 1
    if not seen:
        bad("worker_ids", "no request was served by a worker of the truth files")
    elif wrong:
        bad("worker_ids", "%d of %d requests carry another worker label: %s" % (
            sum(wrong.values()), sum(seen.values()),
            "; ".join("pid %d is worker %s, labelled %r x%d" % (k + (n,))
                      for k, n in wrong.most_common(4))))
    else:
        ok("worker_ids", "%d requests labelled with uWSGI's id of their worker (%s)" % (
            sum(seen.values()), ", ".join("%s: %d" % kv for kv in sorted(seen.items()))))


def check_workers(reqs, min_workers, allow):
    pids = sorted({r["pid"] for r in reqs if r["endpoint"] not in allow})
    if len(pids) >= min_workers:
        ok("workers", "%d distinct worker pids served requests" % len(pids))
    else:
        bad("workers", "only %d distinct worker pids (%s), expected at least %d" % (
            len(pids), " ".join(map(str, pids)), min_workers))


def cmd_service(a):
    ep_doc = load_json(a.endpoints)
    eps = endpoints_by_name(ep_doc)
    reqs = load_requests(a.requests)
    sent, span = load_sent(a.sent)
    allow = set(a.allow or [])
    checks = set(a.checks.split(","))
    views = parse_views(a.views) if a.views else {}
    if "window" in checks:
        check_window(ep_doc, span)
    if "counts" in checks:
        check_counts(eps, reqs, sent, allow)
    if "statuses" in checks:
        check_statuses(eps, sent, allow)
    if checks & {"cost", "cpu_ns", "ratio"}:
        truth = load_truth(a.truth)
        pairs, problems = match_truth(reqs, truth, allow)
        if "cost" in checks:
            check_per_request("cost", "cost", pairs, problems)
        if "cpu_ns" in checks:
            check_per_request("cpu_ns", "cpu_ns", pairs, problems)
        if "ratio" in checks:
            check_ratio(eps, truth)
    if "backend" in checks:
        check_backend(eps)
    if "views" in checks:
        check_views(eps, views, a.min_view_requests, ep_doc.get("meta", {}))
    if "request_views" in checks:
        check_request_views(reqs, views)
    if "workers" in checks:
        check_workers(reqs, a.min_workers, allow)
    if "worker_ids" in checks:
        check_worker_ids(reqs, load_worker_ids(a.truth), allow)


# ---- hostile input -----------------------------------------------------------

def cmd_hostile(a):
    """Good traffic exact; each hostile case shows up as it should."""
    eps = endpoints_by_name(load_json(a.endpoints))
    reqs = load_requests(a.requests)
    sent, _ = load_sent(a.sent)
    hostile = load_json(a.hostile)["hostile"]
    hostile_eps = {h["endpoint"] for h in hostile if h["endpoint"]}
    hostile_eps |= {"GET /hostile/pipe_b", "[malformed]"}
    # good requests: exact, hostile endpoints aside
    want = counter_of(s["endpoint"] for s in sent if s["status"])
    got = {k: v["requests"] for k, v in eps.items()
           if k not in hostile_eps and not k.startswith("GET /hostile/")}
    extra = {k: v for k, v in got.items() if k not in want}
    if [s for s in sent if not s["status"]]:
        bad("good_client", "some good requests got no status: %s" % [
            (s["path"], s["error"]) for s in sent if not s["status"]][:3])
    if want == got:
        ok("good_counts", "%d good requests counted exactly beside the hostile ones" % sum(want.values()))
    else:
        bad("good_counts", fmt_diff(want, got) + (" (unexpected endpoints %s)" % extra if extra else ""))
    flagged = [r for r in reqs if r["endpoint"] in want and (r["malformed"] or r["aborted"])]
    if flagged:
        bad("good_flags", "%d good requests marked malformed/aborted, e.g. %s" % (
            len(flagged), json.dumps(flagged[0])[:300]))
    else:
        ok("good_flags", "no good request marked malformed or aborted")

    by_ep = collections.defaultdict(list)
    for r in reqs:
        by_ep[r["endpoint"]].append(r)
    cases = collections.defaultdict(list)
    for h in hostile:
        cases[h["case"]].append(h)

    def rows(ep):
        return by_ep.get(ep, [])

    def desc(rs):
        c = collections.Counter("status=%s malformed=%s aborted=%s" % (
            r["status"], str(r["malformed"]).lower(), str(r["aborted"]).lower()) for r in rs)
        return ", ".join("%s x%d" % kv for kv in sorted(c.items())) or "none"

    mapping = []
    malformed = rows("[malformed]")
    flagged_malformed = [r for r in reqs if r["malformed"]]
    if "garbage" in cases:
        n = len(cases["garbage"])
        if len(malformed) >= n and all(r["malformed"] for r in malformed):
            ok("garbage", "%d garbage connections -> [malformed] rows: %s" % (n, desc(malformed)))
        else:
            bad("garbage", "%d garbage connections, [malformed] rows: %s (all with malformed=true "
                "expected, one per connection)" % (n, desc(malformed)))
        mapping.append("garbage -> [malformed] %s" % desc(malformed))
    if "bighead" in cases:
        rs = rows("GET /hostile/bighead")
        n = len(cases["bighead"])
        back = sorted({h["status"] for h in cases["bighead"]})
        good = len(rs) == n and all(r["aborted"] or r["malformed"] or
                                    (r["status"] >= 400 and r["status"] in back) for r in rs)
        (ok if good else bad)("bighead", "%d 64 KiB heads (server answered %s) -> GET "
                                         "/hostile/bighead rows: %s" % (n, back, desc(rs)))
        mapping.append("bighead -> GET /hostile/bighead %s" % desc(rs))
    if "reset" in cases:
        rs = rows("GET /hostile/reset")
        n = len(cases["reset"])
        good = len(rs) == n and all(r["aborted"] and not r["malformed"] for r in rs)
        (ok if good else bad)("reset", "%d resets mid-head -> GET /hostile/reset rows: %s "
                                       "(aborted expected)" % (n, desc(rs)))
        mapping.append("reset -> GET /hostile/reset %s" % desc(rs))
    if "slow" in cases:
        rs = rows("GET /hostile/slow")
        n = len(cases["slow"])
        back = [h["status"] for h in cases["slow"]]
        good = len(rs) == n and all(r["status"] == 200 and not r["malformed"] and
                                    not r["aborted"] for r in rs)
        (ok if good else bad)("slow", "%d heads written 2 bytes at a time (server answered %s) "
                                      "-> GET /hostile/slow rows: %s (one complete 200 each "
                                      "expected)" % (n, back, desc(rs)))
        mapping.append("slow -> GET /hostile/slow %s" % desc(rs))
    if "pipeline" in cases:
        ra, rb = rows("GET /hostile/pipe_a"), rows("GET /hostile/pipe_b")
        n = len(cases["pipeline"])
        answered = [h.get("statuses_back", []) for h in cases["pipeline"]]
        n_b = sum(max(0, len(s) - 1) for s in answered)  # second responses received
        good = len(ra) == n and all(r["status"] == 200 and not r["malformed"] for r in ra) \
            and len(rb) == n_b
        (ok if good else bad)("pipeline", "%d pipelined pairs (server answered %s) -> GET "
                                          "/hostile/pipe_a rows: %s; GET /hostile/pipe_b rows: "
                                          "%s (expected %d)" % (n, answered, desc(ra), desc(rb), n_b))
        mapping.append("pipeline -> pipe_a %s; pipe_b %s" % (desc(ra), desc(rb)))
    known = set(want) | hostile_eps | {"GET /hostile/bighead", "GET /hostile/reset",
                                       "GET /hostile/slow", "GET /hostile/pipe_a"}
    strays = {k: len(v) for k, v in by_ep.items() if k not in known}
    if strays:
        bad("strays", "requests on endpoints nobody sent: %s" % strays)
    ok("mapping", " | ".join(mapping) + " | %d rows malformed=true in all" % len(flagged_malformed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("service", "hostile"):
        p = sub.add_parser(name)
        p.add_argument("--endpoints", required=True)
        p.add_argument("--requests", required=True)
        p.add_argument("--sent", nargs="+", required=True)
        if name == "service":
            p.add_argument("--truth")
            p.add_argument("--checks", default="window,counts,statuses")
            p.add_argument("--views", default="")
            p.add_argument("--min-view-requests", type=int, default=5)
            p.add_argument("--min-workers", type=int, default=1)
            p.add_argument("--allow", action="append")
        else:
            p.add_argument("--hostile", required=True)
    a = ap.parse_args()
    try:
        (cmd_service if a.cmd == "service" else cmd_hostile)(a)
    except (OSError, ValueError, KeyError, TypeError) as e:
        bad("webcheck", "%s: %s" % (type(e).__name__, e))
    for kind, name, text in results:
        print("%s %s: %s" % (kind, name, text))
    return 1 if any(k == "bad" for k, _, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
