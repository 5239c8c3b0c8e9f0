// SPDX-License-Identifier: BSD-2-Clause
// Copyright (c) 2026 The pycost authors
//
// Draws the HTML report from the JSON that report_html.c embeds.  Every
// string from the capture (paths, function and file names, command lines)
// comes from the traced service: it is set as text, never parsed as markup.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("pycost-data").textContent);
  const M = D.summary.meta;
  const NS = M.unit === "nanoseconds";
  const $ = (id) => document.getElementById(id);

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // a cost in the capture's unit, as the table report prints it (report__fmt_cost)
  function cost(v) {
    const units = NS ? ["ns", "us", "ms", "s"] : ["", "K", "M", "G", "T", "P", "E"];
    if (v < 1000) return Math.round(v) + (NS ? " ns" : "");
    let i = 0;
    while (v >= 1000 && i + 1 < units.length) {
      v /= 1000;
      i++;
    }
    return v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0) + " " + units[i];
  }
  const us = (v) => (v >= 1000 ? (v / 1000).toFixed(2) + " ms" : v.toFixed(1) + " us");
  const pct = (a, b) => (b ? ((100 * a) / b).toFixed(2) : "0.00") + "%";

  // header: what was measured, how long, what was lost, what pycost cost
  function header() {
    const secs = M.duration_ns / 1e9;
    document.title = "pycost: " + (M.host || "capture");
    const lines = [
      "host " + M.host + "   kernel " + M.kernel + "   pycost " + M.pycost_version,
      "metric " + M.metric + " (" + M.unit + ")   sampler " + M.sampler +
        (M.freq ? "   " + M.freq + " Hz" : "   period " + M.period) +
        "   duration " + secs.toFixed(1) + " s",
      "samples " + M.samples + "   drops " + M.drops + "   truncated stacks " + M.truncated +
        "   unnamed code " + M.unknown_code,
      M.self_cpu_ns
        ? "overhead: pycost CPU " + (M.self_cpu_ns / 1e6).toFixed(1) + " ms" +
          (M.bpf_runs ? ", BPF " + (M.bpf_ns / 1e6).toFixed(1) + " ms in " + M.bpf_runs + " runs"
                      : ", BPF time not counted")
        : "overhead not recorded",
    ];
    for (const p of M.processes)
      lines.push("pid " + p.pid + " python " + p.python_version + "  " + p.cmdline);
    $("meta").textContent = lines.join("\n");
  }

  // endpoints: the table of report --by endpoint; a click selects one
  let selected = -1; // index into D.names, -1: all samples
  const COLS = [
    ["endpoint", "l", (e) => e.endpoint, (e) => e.endpoint],
    ["view", "l", (e) => e.view, (e) => e.view],
    ["reqs", "", (e) => e.requests, (e) => String(e.requests)],
    ["req/s", "", (e) => e.requests / (M.duration_ns / 1e9 || 1),
      (e) => (e.requests / (M.duration_ns / 1e9 || 1)).toFixed(1)],
    ["2xx", "", (e) => status(e, 2), (e) => String(status(e, 2))],
    ["3xx", "", (e) => status(e, 3), (e) => String(status(e, 3))],
    ["4xx", "", (e) => status(e, 4), (e) => String(status(e, 4))],
    ["5xx", "", (e) => status(e, 5), (e) => String(status(e, 5))],
    ["p50", "", (e) => e.latency_us.p50, (e) => us(e.latency_us.p50)],
    ["p99", "", (e) => e.latency_us.p99, (e) => us(e.latency_us.p99)],
    ["cost/req", "", (e) => e.cost.mean, (e) => cost(e.cost.mean)],
    ["p99 cost", "", (e) => e.cost.p99, (e) => cost(e.cost.p99)],
    ["total", "", (e) => e.cost.total, (e) => cost(e.cost.total)],
    ["on-CPU", "", (e) => e.on_cpu_share, (e) => (100 * e.on_cpu_share).toFixed(0) + "%"],
    ["db", "", (e) => e.backend_us.db, (e) => us(e.backend_us.db)],
    ["cache", "", (e) => e.backend_us.cache, (e) => us(e.backend_us.cache)],
    ["other", "", (e) => e.backend_us.other, (e) => us(e.backend_us.other)],
    ["gc", "", (e) => e.gc_us, (e) => us(e.gc_us)],
  ];
  function status(e, hundred) {
    let n = 0;
    for (const code in e.status) if (Math.floor(code / 100) === hundred) n += e.status[code];
    return n;
  }
  let sortCol = 12, sortDesc = true;
  function endpoints() {
    const eps = D.summary.endpoints.slice();
    const key = COLS[sortCol][2];
    eps.sort((a, b) => {
      const x = key(a), y = key(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return sortDesc ? -c : c;
    });
    const thead = el("thead"), tr = el("tr"), tbody = el("tbody");
    COLS.forEach(([name, cls], i) => {
      const th = el("th", cls, name + (i === sortCol ? (sortDesc ? " \u25be" : " \u25b4") : ""));
      th.addEventListener("click", () => {
        sortDesc = i === sortCol ? !sortDesc : cls !== "l";
        sortCol = i;
        endpoints();
      });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    for (const e of eps) {
      const row = el("tr");
      const idx = D.names.indexOf(e.endpoint);
      if (idx === selected) row.className = "sel";
      for (const [, cls, , show] of COLS) row.appendChild(el("td", cls, show(e)));
      row.addEventListener("click", () => select(idx === selected ? -1 : idx));
      tbody.appendChild(row);
    }
    const t = $("endpoints");
    t.replaceChildren(thead, tbody);
    $("no-requests").hidden = eps.length > 0;
  }

  // flame graph: root at the top, one row per frame depth
  function tree(ep) {
    const root = { f: -1, w: 0, n: 0, kids: new Map(), parent: null };
    for (const [stack, sep, w, n] of D.samples) {
      if (ep >= 0 && sep !== ep) continue;
      let node = root;
      node.w += w;
      node.n += n;
      for (const f of D.stacks[stack]) {
        let k = node.kids.get(f);
        if (!k) {
          k = { f: f, w: 0, n: 0, kids: new Map(), parent: node };
          node.kids.set(f, k);
        }
        k.w += w;
        k.n += n;
        node = k;
      }
    }
    return root;
  }
  function fname(f) {
    return f < 0 ? (selected < 0 ? "all samples" : D.names[selected]) : D.funcs[f][0];
  }
  function where(f) {
    if (f < 0) return "";
    const [, file, line] = D.funcs[f];
    return file ? " (" + file + (line ? ":" + line : "") + ")" : "";
  }
  function color(f) {
    if (f < 0) return "#ccc";
    const [name, file] = D.funcs[f];
    if (!file) return "#bbb"; // [native], [idle] and other pseudo frames
    let h = 0;
    for (const c of file + name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return "hsl(" + (10 + (h % 45)) + "," + (60 + (h >> 8) % 30) + "%," + (55 + (h >> 16) % 15) + "%)";
  }
  let root = null, zoom = null, scale = 1, stats = null;
  const ROW = 18;
  // an endpoint's samples are scaled to add up to its measured cost, as report --endpoint does
  function measured() {
    return stats && root.w ? stats.cost.total / root.w : 1;
  }
  function flame() {
    const box = $("flame"), width = box.clientWidth || 1000, total = root.w * scale;
    const out = [], search = $("search").value;
    let depth = 0, matched = 0;
    // the zoomed node's ancestors are drawn full width above it
    const chain = [];
    for (let a = zoom; a; a = a.parent) chain.unshift(a);
    function place(node, d, x, w) {
      const div = el("div", "", fname(node.f));
      div.style.left = x * width + "px";
      div.style.width = Math.max(w * width, 1) + "px";
      div.style.top = d * ROW + "px";
      div.style.background = color(node.f);
      let self = node.w;
      for (const k of node.kids.values()) self -= k.w;
      div.dataset.fn = node.f;
      div.dataset.w = node.w * scale;
      div.dataset.self = self * scale;
      div.title = fname(node.f) + where(node.f) + "\n" + cost(node.w * scale) + " (" +
        pct(node.w * scale, total) + " of the graph), self " + cost(self * scale) + ", " +
        node.n + " samples";
      if (search && node.f >= 0 && fname(node.f).includes(search)) div.className = "hit";
      div.addEventListener("click", () => {
        zoom = node;
        flame();
      });
      out.push(div);
      depth = Math.max(depth, d);
    }
    chain.forEach((a, d) => place(a, d, 0, 1));
    (function walk(node, d, x, w) {
      // children in a stable order: heaviest first
      const kids = [...node.kids.values()].sort((a, b) => b.w - a.w);
      for (const k of kids) {
        const kw = node.w ? (w * k.w) / node.w : 0;
        if (kw * width >= 2) {
          place(k, d, x, kw);
          walk(k, d + 1, x, kw);
        }
        x += kw;
      }
    })(zoom, chain.length, 0, 1);
    if (search) {
      // weight of samples with a matching frame, each sample once
      (function count(node) {
        if (node.f >= 0 && fname(node.f).includes(search)) {
          matched += node.w * scale;
          return;
        }
        for (const k of node.kids.values()) count(k);
      })(root);
      $("matched").textContent = "matched " + pct(matched, total);
    } else {
      $("matched").textContent = "";
    }
    box.style.height = (depth + 1) * ROW + "px";
    box.dataset.total = total;
    box.dataset.samples = root.n;
    box.replaceChildren(...out);
    let what = "all samples, " + cost(total) + " in";
    if (selected >= 0 && stats)
      what = D.names[selected] + ", " + cost(stats.cost.total) + " measured in " +
        stats.requests + " requests, spread over";
    else if (selected >= 0)
      what = D.names[selected] + ", no request measured: " + cost(total) + " sampled in";
    $("flame-title").textContent = "Flame graph: " + what + " " + root.n + " samples" +
      (zoom !== root ? "; zoomed to " + fname(zoom.f) : "");
  }

  // requests and cost per request over time, for the selection
  function series() {
    const S = D.series, box = $("series");
    const counts = new Array(S.n).fill(0), costs = new Array(S.n).fill(0);
    S.eps.forEach(([c, w], i) => {
      if (selected >= 0 && i !== selected) return;
      for (let b = 0; b < S.n; b++) {
        counts[b] += c[b];
        costs[b] += w[b];
      }
    });
    const rate = counts.map((c, b) => c / (b === S.n - 1 ? S.last_s : S.step_s));
    const mean = counts.map((c, b) => (c ? costs[b] / c : 0));
    // the last group is all endpoints: percentiles of the bucket's requests, not of percentiles
    const [p50, p99] = S.lat[selected >= 0 ? selected : S.lat.length - 1];
    box.replaceChildren(
      chart("requests/s", rate, (v) => v.toFixed(1)),
      chart("cost per request", mean, cost),
      chart("latency p99 (p50 darker)", p99, us, p50));
  }
  // bars of v; under them, darker, bars of inner (a lower percentile); null: no requests
  function chart(title, v, fmt, inner) {
    const SVG = "http://www.w3.org/2000/svg", W = 480, H = 140, L = 8, T = 18;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", W);
    svg.setAttribute("height", H + T + 18);
    const max = Math.max(...v.map((x) => x || 0), 0) || 1;
    const bw = (W - 2 * L) / Math.max(v.length, 1);
    const txt = (x, y, s, anchor) => {
      const t = document.createElementNS(SVG, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", y);
      if (anchor) t.setAttribute("text-anchor", anchor);
      t.textContent = s;
      svg.appendChild(t);
    };
    txt(L, 13, title + " (max " + fmt(max) + ")");
    const bar = (i, y, fill, tipText) => {
      const r = document.createElementNS(SVG, "rect");
      const h = (H * y) / max;
      r.setAttribute("x", L + i * bw);
      r.setAttribute("y", T + H - h);
      r.setAttribute("width", Math.max(bw - 1, 1));
      r.setAttribute("height", h);
      r.setAttribute("fill", fill);
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = tipText;
      r.appendChild(tip);
      svg.appendChild(r);
    };
    v.forEach((y, i) => {
      if (y === null) return;
      const at = "+" + i * D.series.step_s + " s: ";
      bar(i, y, "#7a9be0", at + fmt(y) + (inner ? ", p50 " + fmt(inner[i]) : ""));
      if (inner && inner[i] !== null)
        bar(i, inner[i], "#3f63b5", at + "p50 " + fmt(inner[i]) + ", p99 " + fmt(y));
    });
    txt(L, T + H + 14, "0 s");
    const S = D.series;
    txt(W - L, T + H + 14, +((S.n - 1) * S.step_s + S.last_s).toFixed(1) + " s", "end");
    return svg;
  }

  // #endpoint=NAME in the address selects NAME: links to one endpoint's view
  function fromHash() {
    let h = location.hash.slice(1);
    try {
      h = decodeURIComponent(h);
    } catch (e) {
      return -1;
    }
    return h.startsWith("endpoint=") ? D.names.indexOf(h.slice(9)) : -1;
  }
  function select(idx) {
    selected = idx;
    root = tree(idx);
    zoom = root;
    stats = idx >= 0 ? D.summary.endpoints.find((x) => x.endpoint === D.names[idx]) : null;
    scale = measured();
    endpoints();
    flame();
    series();
    if (fromHash() !== idx) {
      try {
        history.replaceState(null, "", idx >= 0 ? "#endpoint=" + encodeURIComponent(D.names[idx])
                                                : location.pathname + location.search);
      } catch (e) {
        // some browsers refuse history changes on file: pages; the view still changes
      }
    }
  }

  header();
  $("reset").addEventListener("click", () => {
    zoom = root;
    flame();
  });
  $("search").addEventListener("input", () => flame());
  window.addEventListener("resize", () => flame());
  window.addEventListener("hashchange", () => select(fromHash()));
  select(fromHash());
  document.body.dataset.rendered = "ok";
})();
