#!/usr/bin/env python3
"""report.py - turns the raw measurements of bench/run.sh into tables.

  report.py coldstart SYNCFN_LINE ONCE_LINE NODE_LINE SUMMARY_FILE
  report.py coldside COMMIT SUMMARY_FILE THIS_LINE... -- COMMIT_LINE...
  report.py sync RESULTS_TSV META_TSV SUMMARY_FILE
  report.py summary SUMMARY_FILE

Measuring happens in run.sh; this file only computes medians, ratios and
verdicts, so the goals live in one place (GOALS below). Every verdict row
is also appended to SUMMARY_FILE (tab separated: figure, measured, goal,
verdict) for the closing summary.
"""
import json
import statistics
import sys

MB = 1e6

# case key -> (label, baseline key, ratio goal; None: shown, not judged)
SYNC_CASES = [
    ("initial", "initial sync, empty target, two databases", "copy_pipe", 1.2),
    ("nochange", "re-sync, no change, two databases", "copy_pipe_nochange", 0.35),
    ("nochange_after", "re-sync, no change, right after a changed one", "copy_pipe_delta", None),
    ("delta", "re-sync, 1% changed + 1% new, two databases", "copy_pipe_delta", 0.5),
    ("extra", "re-sync, no change, 10% of target rows target-only", "copy_pipe_extra", 0.5),
    ("uuid", "re-sync, no change, uuid key", "copy_pipe_uuid", 0.5),
    ("nochange_off", "re-sync, no change, SYNC_CHECKSUM=off (copy diff)", "copy_pipe_off", 1.3),
    ("same_initial", "same database, other schema, initial", "same_initial_base", 1.05),
    ("same_nochange", "same database, other schema, no change", "same_nochange_base", 1.05),
    ("rules_initial", "filtered to 10% of the rows (where), initial", "copy_pipe_rules_initial", 0.15),
    ("rules_nochange", "filtered to 10% of the rows (where), no change", "copy_pipe_rules_nochange", 0.1),
    ("rules_delete", "delete rule, 1% of the target's rows gone from the source", "copy_pipe_rules_delete", 0.5),
]
RSS_GOAL_MB = 32
# the checksum cases: bytes received from each server, as a share of the table's COPY
# text, at most (the engine's statistics.bytes_from_source/_target)
BYTE_GOALS = {"nochange": 0.01, "delta": 0.05, "rules_delete": 0.05}
# the checksum cases: (case key, table size at least) -> seconds the case may take
SECONDS_GOALS = {("nochange", 10000000): 30.0}
COLD_GOALS = {"median_ms": 15.0, "node_ratio": 10.0, "exit_ms": 10.0, "rss_mb": 10.0}


def verdict(ok):
    return "PASS" if ok else "MISS"


def add_summary(path, figure, measured, goal, result):
    with open(path, "a") as f:
        f.write("\t".join([figure, measured, goal, result]) + "\n")


def kv(line):
    """key=value pairs of a coldstart output line."""
    out = {}
    line, _, err = line.partition(" error=")
    if err.strip():
        out["error"] = err.strip()
    for part in line.split():
        if "=" in part:
            k, v = part.split("=", 1)
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    print(fmt.format(*header).rstrip())
    print(fmt.format(*["-" * w for w in widths]).rstrip())
    for r in rows:
        print(fmt.format(*[str(c) for c in r]).rstrip())


# --- cold start ---------------------------------------------------------------

def coldstart(sync_line, once_line, node_line, summary):
    s, o, n = kv(sync_line), kv(once_line), kv(node_line)
    rows = []

    def have(d, key):
        return d.get("ok", 0) > 0 and key in d

    def na(d, what):
        return "n/a: %s" % (d.get("error") or "%s did not answer" % what)

    if have(s, "resp_median_ms"):
        med = s["resp_median_ms"]
        rows.append(["exec -> first 200 /healthz, median", "%.2f ms (p90 %.2f, min %.2f, %d runs)"
                     % (med, s["resp_p90_ms"], s["resp_min_ms"], s["ok"]),
                     "<= %.0f ms" % COLD_GOALS["median_ms"], verdict(med <= COLD_GOALS["median_ms"])])
        rss = s["maxrss_kb"] / 1024
        rows.append(["peak RSS of syncfn serve (/healthz)", "%.1f MB" % rss,
                     "<= %.0f MB" % COLD_GOALS["rss_mb"], verdict(rss <= COLD_GOALS["rss_mb"])])
    else:
        rows.append(["exec -> first 200 /healthz, median", na(s, "syncfn serve"),
                     "<= %.0f ms" % COLD_GOALS["median_ms"], "n/a"])
    if have(n, "resp_median_ms"):
        rows.append(["Node.js http, same route, median", "%.2f ms (p90 %.2f, %d runs, %.0f MB RSS)"
                     % (n["resp_median_ms"], n["resp_p90_ms"], n["ok"], n["maxrss_kb"] / 1024),
                     "(baseline)", ""])
    else:
        rows.append(["Node.js http, same route, median", na(n, "node"), "(baseline)", "n/a"])
    if have(s, "resp_median_ms") and have(n, "resp_median_ms"):
        ratio = n["resp_median_ms"] / s["resp_median_ms"]
        rows.append(["Node median / syncfn median", "%.1fx" % ratio,
                     ">= %.0fx" % COLD_GOALS["node_ratio"], verdict(ratio >= COLD_GOALS["node_ratio"])])
    else:
        rows.append(["Node median / syncfn median", "n/a", ">= %.0fx" % COLD_GOALS["node_ratio"], "n/a"])
    if have(o, "exit_median_ms"):
        rows.append(["serve --once: response -> exit, median", "%.2f ms (p90 %.2f; exec -> %d %.2f ms)"
                     % (o["exit_median_ms"], o["exit_p90_ms"], int(o.get("status", 401)),
                        o["resp_median_ms"]),
                     "<= %.0f ms" % COLD_GOALS["exit_ms"], verdict(o["exit_median_ms"] <= COLD_GOALS["exit_ms"])])
        rss = o["maxrss_kb"] / 1024
        rows.append(["peak RSS of syncfn serve --once", "%.1f MB" % rss,
                     "<= %.0f MB" % COLD_GOALS["rss_mb"], verdict(rss <= COLD_GOALS["rss_mb"])])
    else:
        rows.append(["serve --once: response -> exit, median", na(o, "syncfn serve --once"),
                     "<= %.0f ms" % COLD_GOALS["exit_ms"], "n/a"])
    print_table(["figure", "measured", "goal", "verdict"], rows)
    for r in rows:
        if r[3]:
            add_summary(summary, "cold start: " + r[0], r[1], r[2], r[3])


def coldside(commit, summary, lines):
    """This build's cold start beside an earlier commit's: rounds of runs
    taken in turns; the median of the rounds' medians of each."""
    sep = lines.index("--")
    cur, old = [kv(l) for l in lines[:sep]], [kv(l) for l in lines[sep + 1:]]

    def med(rounds, key):
        v = sorted(r[key] for r in rounds if r.get("ok", 0) > 0 and key in r)
        if not v:
            return None
        return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2

    rows = []
    goal = "<= 1.15x %s's" % commit
    for key, what in (("resp_median_ms", "exec -> first 200 /healthz, median"),
                      ("cpu_median_ms", "CPU time to the first 200, median")):
        c, o = med(cur, key), med(old, key)
        if c is None or o is None:
            err = next((r["error"] for r in cur + old if "error" in r), "no run answered")
            rows.append([what, "n/a: " + err, goal, "n/a"])
            continue
        ratio = c / o
        rows.append([what, "%.2f ms vs %.2f ms = %.2fx (%d rounds each)" % (c, o, ratio, len(cur)),
                     goal, verdict(ratio <= 1.15) if key == "resp_median_ms" else ""])
    print_table(["figure (this build vs %s)" % commit, "measured", "goal", "verdict"], rows)
    for r in rows:
        if r[3]:
            add_summary(summary, "cold start vs %s: %s" % (commit, r[0]), r[1], r[2], r[3])


# --- sync speed -----------------------------------------------------------------

def load_results(path):
    """Rows of run.sh's results file, keyed by (rows, case)."""
    cols = ["rows", "case", "rep", "secs", "rss_kb", "d_ins", "d_upd",
            "exp_ins", "exp_upd", "wal", "status", "note"]
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(cols):
                continue
            r = dict(zip(cols, parts))
            for k in ("rows", "rep", "rss_kb", "d_ins", "d_upd", "exp_ins", "exp_upd", "wal"):
                r[k] = int(r[k]) if r[k] not in ("", "-") else None
            r["secs"] = float(r["secs"]) if r["secs"] not in ("", "-") else None
            out.setdefault((r["rows"], r["case"]), []).append(r)
    return out


def load_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                meta.setdefault(int(parts[0]), {})[parts[1]] = parts[2] if len(parts) > 2 else ""
    return meta


def median_of(runs):
    """(median seconds, None) when every repetition succeeded, else
    (None, first reason)."""
    if not runs:
        return None, "not run"
    for r in runs:
        if r["status"] != "ok":
            return None, r["note"]
    return statistics.median(r["secs"] for r in runs), None


def writes_check(runs):
    """None when every repetition wrote exactly what it should."""
    for r in runs:
        if r["exp_ins"] is None:
            continue
        if r["d_ins"] is None or r["d_upd"] is None:
            return "rep %d: could not read n_tup_ins/n_tup_upd of the target table" % r["rep"]
        if r["d_ins"] != r["exp_ins"] or r["d_upd"] != r["exp_upd"]:
            return ("rep %d wrote %s inserts / %s updates, expected %d / %d"
                    % (r["rep"], r["d_ins"], r["d_upd"], r["exp_ins"], r["exp_upd"]))
    return None


PHASE_ORDER = ["count_ms", "diff_ms", "copy_ms", "analyze_ms", "merge_ms", "duration_ms", "run duration_ms"]


def phases(runs):
    """Median of every per-phase timing the engine reports (numeric fields
    of statistics.tables[] whose name ends in _ms, summed over tables),
    and the methods it chose (each that ran in any repetition)."""
    acc, methods = {}, set()
    for r in runs:
        try:
            with open(r["note"]) as f:
                j = json.load(f)
        except (OSError, ValueError):
            continue
        stats = j.get("statistics") or {}
        sums = {}

        def walk(obj, prefix):
            for k, v in obj.items():
                name = prefix + k
                if isinstance(v, dict):
                    walk(v, name + ".")
                elif isinstance(v, (int, float)) and not isinstance(v, bool) and k.endswith("_ms"):
                    sums[name] = sums.get(name, 0) + v
                elif k == "method" and isinstance(v, str):
                    # a quiet table compared whole (one segment) is a
                    # different cost from the segments: say which ran
                    methods.add(v + (" (whole)" if obj.get("segments") == 1 else ""))

        for t in stats.get("tables") or []:
            if isinstance(t, dict):
                walk(t, "")
        if isinstance(stats.get("duration_ms"), (int, float)):
            sums["run duration_ms"] = stats["duration_ms"]
        for k, v in sums.items():
            acc.setdefault(k, []).append(v)
    order = [k for k in PHASE_ORDER if k in acc] + sorted(k for k in acc if k not in PHASE_ORDER)
    return [(k, statistics.median(acc[k])) for k in order], sorted(methods)


def phase_line(p, methods, wall):
    names = {"duration_ms": "table total", "run duration_ms": "run total"}
    parts = []
    for k, v in p:
        share = " (%.0f%%)" % (v / 10 / wall) if wall else ""
        parts.append("%s %.0f%s" % (names.get(k, k[:-3] if k.endswith("_ms") else k), v, share))
    if wall:
        parts.append("wall %.0f" % (wall * 1000))
    return ("[%s] " % ",".join(methods) if methods else "") + ", ".join(parts)


def statistics_of(runs):
    """The engine's statistics object of each run whose JSON answer was
    kept and reads; runs without one are left out."""
    for r in runs:
        try:
            with open(r["note"]) as f:
                yield json.load(f).get("statistics") or {}
        except (OSError, ValueError):
            continue


def bytes_of(runs):
    """Medians of the bytes received from the source and from the target,
    from the engine's statistics; (None, None) when not reported."""
    src, tgt = [], []
    for stats in statistics_of(runs):
        if isinstance(stats.get("bytes_from_source"), (int, float)):
            src.append(stats["bytes_from_source"])
        if isinstance(stats.get("bytes_from_target"), (int, float)):
            tgt.append(stats["bytes_from_target"])
    return (statistics.median(src) if src else None,
            statistics.median(tgt) if tgt else None)


def cost_of(runs):
    """Medians of the engine's own CPU time (user + sys ms) and peak RSS
    (MB), from its statistics, as one cell."""
    cpu, rss = [], []
    for stats in statistics_of(runs):
        if isinstance(stats.get("cpu_user_ms"), (int, float)):
            cpu.append(stats["cpu_user_ms"] + (stats.get("cpu_sys_ms") or 0))
        if isinstance(stats.get("peak_rss_kb"), (int, float)):
            rss.append(stats["peak_rss_kb"] / 1024.0)
    if not cpu:
        return "-"
    return "%.0f ms / %.1f MB" % (statistics.median(cpu), statistics.median(rss) if rss else 0)


def bytes_cell(b, nbytes):
    if b is None:
        return "-"
    return "%.2f MB (%.2f%%)" % (b / MB, 100.0 * b / nbytes) if nbytes else "%.2f MB" % (b / MB)


def wal_mb(runs):
    w = [r["wal"] for r in runs if r["status"] == "ok" and r["wal"] is not None]
    return "%.1f" % (statistics.median(w) / MB) if w else "-"


def secs_s(t):
    return "%.3f s" % t if t < 10 else "%.2f s" % t


def rate(n, secs):
    if n >= 1e6 * secs:
        return "%.2fM/s" % (n / secs / 1e6)
    return "%.0fk/s" % (n / secs / 1e3)


def seconds_goal(key, rows):
    """The time goal of a case at this table size, if any."""
    goals = [(n, g) for (k, n), g in SECONDS_GOALS.items() if k == key and rows >= n]
    return max(goals)[1] if goals else None


def sync_size(rows, res, meta, summary):
    m = meta.get(rows, {})
    nbytes = int(m.get("bytes", "0") or 0)
    print("\n%d rows (%.0f MB as COPY text), median of each case's repetitions"
          % (rows, nbytes / MB))
    table, times, notes = [], {}, []

    def na(why):
        if why not in notes:
            notes.append(why)
        return "n/a [%d]" % (notes.index(why) + 1)

    for key, label, base_key, goal in SYNC_CASES:
        # the pipe beside the case's repetitions (run.sh), else the first one
        runs = res.get((rows, key), [])
        base = res.get((rows, base_key)) or res.get((rows, "copy_pipe"), [])
        t, why = median_of(runs)
        b, bwhy = median_of(base)
        times[key] = t
        goal_s = "<= %.2fx" % goal if goal is not None else "(none)"
        bgoal = BYTE_GOALS.get(key)
        if bgoal is not None:
            goal_s += ", bytes <= %g%%" % (bgoal * 100)
        sgoal = seconds_goal(key, rows)
        if sgoal is not None:
            goal_s += ", <= %g s" % sgoal
        bs, bt = bytes_of(runs)
        row = [label, secs_s(t) if t is not None else na(why), "%d" % len(runs),
               secs_s(b) if b is not None else na(bwhy), "", "", "", "",
               "%s / %s" % (wal_mb(runs), wal_mb(base)),
               "%s / %s" % (bytes_cell(bs, nbytes), bytes_cell(bt, nbytes)), cost_of(runs),
               goal_s, "n/a"]
        if t is not None:
            row[5], row[6] = rate(rows, t), "%.1f" % (nbytes / MB / t)
            w = runs[0]
            if w["d_ins"] is not None:
                row[7] = "%d ins / %d upd" % (w["d_ins"], w["d_upd"])
        if t is not None and b is not None:
            bad = writes_check(runs)
            ratio = t / b
            row[4] = "%.2fx" % ratio
            if bad is None and bgoal is not None:
                worst = max(x for x in (bs, bt, -1) if x is not None)
                if worst < 0 or not nbytes:
                    bad = "bytes not reported"
                elif worst > bgoal * nbytes:
                    bad = "%.2f%% of the COPY size from one server" % (100.0 * worst / nbytes)
            if bad is None and sgoal is not None and t > sgoal:
                bad = "%.1f s" % t
            row[12] = verdict(ratio <= goal and bad is None) if goal is not None else "info"
            if bad:
                row[12] = "MISS: " + bad
        table.append(row)
        if row[4]:
            measured = "%s (%s vs %s)" % (row[4], row[1], row[3])
            if bs is not None or bt is not None:
                measured += ", bytes src/tgt %s" % row[9]
        else:
            measured = "n/a: " + (why if t is None else bwhy)
        add_summary(summary, "%d rows: %s" % (rows, label), measured, goal_s, row[12])
    rss = [(r["rss_kb"], k[1]) for k, v in res.items()
           if k[0] == rows and k[1] in dict((c[0], 1) for c in SYNC_CASES)
           for r in v if r["rss_kb"] and r["status"] == "ok"]
    if rss:
        kb, where = max(rss)
        mb = kb / 1024
        row = ["peak RSS of syncfn sync", "%.1f MB" % mb, "", "", "", "", "", "(in %s)" % where,
               "", "", "", "<= %d MB" % RSS_GOAL_MB, verdict(mb <= RSS_GOAL_MB)]
    else:
        row = ["peak RSS of syncfn sync", "n/a", "", "", "", "", "", "", "", "", "",
               "<= %d MB" % RSS_GOAL_MB, "n/a"]
    table.append(row)
    add_summary(summary, "%d rows: peak RSS of syncfn sync" % rows, row[1], row[11], row[12])
    print_table(["case", "syncfn", "reps", "baseline", "ratio", "rows/s", "MB/s",
                 "written (rep 1)", "WAL MB syncfn / base", "bytes from source / target",
                 "CPU / RSS (engine)", "goal", "verdict"], table)
    for i, why in enumerate(notes):
        print("  [%d] %s" % (i + 1, why))
    print("baselines: two databases: psql COPY t TO STDOUT | psql COPY t FROM STDIN into an empty t"
          " (for each re-sync case, run again beside each of its repetitions);"
          " same database: INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE (...) IS DISTINCT FROM (...)")
    prof = []
    for key, label, _, _ in SYNC_CASES:
        p, methods = phases(res.get((rows, key), []))
        if p:
            prof.append("  %-46s %s" % (label + ":", phase_line(p, methods, times.get(key))))
    print("where the time goes (the engine's own timings in ms, medians, % of the wall time;"
          " run total - table total = connect, plan, lock, run log; wall - run total = process"
          " start and engine load):")
    print("\n".join(prof) if prof else "  n/a: the engine reported no per-phase timings")
    return times

# --- incremental rule -------------------------------------------------------------

# Goals of the incremental rule's cases (run.sh incr_cases). "The table's
# time" is the table's duration_ms in the run's statistics: the work the
# rule saves; the process start, the connections and the run log around
# it are the same for every run and shown beside it as the wall time.
INCR_GOALS = {
    "nochange_pipe": 0.02,      # no change: table's time / the COPY pipe beside it
    "nochange_checksum": 0.05,  # no change: table's time / the checksum's table time, same tables
    "delta_pipe": 0.1,          # 1% updated: table's time / the COPY pipe beside it
    "delta_bytes": 0.03,        # 1% updated: bytes from each server / the table's COPY size
    "scale": 2.0,               # no change, 10x the rows: table's time / the smaller size's
}


def table_ms(runs):
    """Median of the first table's duration_ms over runs that succeeded
    and kept their statistics; (None, reason) otherwise."""
    t, why = median_of(runs)
    if t is None:
        return None, why
    ms = []
    for stats in statistics_of(runs):
        tabs = stats.get("tables") or []
        if tabs and isinstance(tabs[0].get("duration_ms"), (int, float)):
            ms.append(tabs[0]["duration_ms"])
    if len(ms) != len(runs):
        return None, "no per-table duration_ms in the statistics"
    return statistics.median(ms), None


def incr_partial(runs):
    """None when every run was partial (incremental.full false), else why not."""
    for stats in statistics_of(runs):
        tabs = stats.get("tables") or [{}]
        inc = tabs[0].get("incremental") or {}
        if inc.get("full", True):
            return "a run was full (%s)" % inc.get("reason", "no incremental statistics")
    return None


def incr_size(rows, res, meta, summary):
    """The incremental cases at one size; returns the no-change table time (ms)."""
    if not any(k[0] == rows and k[1].startswith("incr_") for k in res):
        return None
    nbytes = int(meta.get(rows, {}).get("incr_bytes", "0") or 0)
    print("\n%d rows, incremental rule on updated_at (lookback 0; %.0f MB as COPY text),"
          " medians; the table's time is its duration_ms in the statistics" % (rows, nbytes / MB))
    out, table = {}, []

    def row(figure, measured, goal, ok, bad=None):
        v = "n/a" if ok is None else ("MISS: " + bad if bad else verdict(ok))
        table.append([figure, measured, goal, v])
        add_summary(summary, "%d rows: incremental, %s" % (rows, figure), measured, goal, v)

    first = res.get((rows, "incr_first"), [])
    ft, fwhy = median_of(first)
    table.append(["first run (full, the tables alike)", secs_s(ft) if ft is not None else "n/a: " + fwhy,
                  "(none)", "info"])
    pipe_n, pwhy = median_of(res.get((rows, "copy_pipe_incr_nochange"), []))
    pipe_d, dwhy = median_of(res.get((rows, "copy_pipe_incr_delta"), []))
    for key, label, pipe, pipe_why, goal in (
            ("incr_nochange", "no change", pipe_n, pwhy, INCR_GOALS["nochange_pipe"]),
            ("incr_delta", "1% updated since the last run", pipe_d, dwhy, INCR_GOALS["delta_pipe"])):
        runs = res.get((rows, key), [])
        ms, why = table_ms(runs)
        wall, _ = median_of(runs)
        goal_s = "<= %.2fx the COPY pipe" % goal
        if key == "incr_delta":
            goal_s += ", bytes <= %g%%" % (INCR_GOALS["delta_bytes"] * 100)
        if ms is None or pipe is None:
            row("%s: the table's time vs the COPY pipe" % label, "n/a: " + (why or pipe_why), goal_s, None)
            continue
        out[key] = ms
        bad = writes_check(runs) or incr_partial(runs)
        bs, bt = bytes_of(runs)
        measured = "%.0f ms = %.4fx (pipe %s; wall %s = %.3fx)" % (
            ms, ms / 1000 / pipe, secs_s(pipe), secs_s(wall), wall / pipe)
        if key == "incr_delta":
            measured += ", bytes src/tgt %s / %s" % (bytes_cell(bs, nbytes), bytes_cell(bt, nbytes))
            worst = max(x for x in (bs, bt, -1) if x is not None)
            if bad is None and (worst < 0 or not nbytes):
                bad = "bytes not reported"
            elif bad is None and worst > INCR_GOALS["delta_bytes"] * nbytes:
                bad = "%.2f%% of the COPY size from one server" % (100.0 * worst / nbytes)
        row("%s: the table's time vs the COPY pipe" % label, measured, goal_s,
            ms / 1000 / pipe <= goal and bad is None, bad)
        if key == "incr_nochange":
            cms, cwhy = table_ms(res.get((rows, "incr_checksum"), []))
            goal_c = "<= %.2fx" % INCR_GOALS["nochange_checksum"]
            if cms is None or cms <= 0:
                row("no change: the table's time vs the checksum's", "n/a: " + (cwhy or "0 ms"), goal_c, None)
            else:
                row("no change: the table's time vs the checksum's",
                    "%.0f ms vs %.0f ms = %.3fx" % (ms, cms, ms / cms), goal_c,
                    ms / cms <= INCR_GOALS["nochange_checksum"])
    rss = [r["rss_kb"] for k, v in res.items() if k[0] == rows and k[1].startswith("incr_")
           and k[1] != "incr_checksum" for r in v if r["rss_kb"] and r["status"] == "ok"]
    if rss:
        mb = max(rss) / 1024
        row("peak RSS of syncfn sync", "%.1f MB" % mb, "<= %d MB" % RSS_GOAL_MB, mb <= RSS_GOAL_MB)
    else:
        row("peak RSS of syncfn sync", "n/a", "<= %d MB" % RSS_GOAL_MB, None)
    print_table(["figure", "measured", "goal", "verdict"], table)
    prof = []
    for key, label in (("incr_first", "first run (full)"), ("incr_nochange", "no change"),
                       ("incr_checksum", "no change, checksum (no rule)"),
                       ("incr_delta", "1% updated")):
        p, methods = phases(res.get((rows, key), []))
        if p:
            prof.append("  %-32s %s" % (label + ":", phase_line(p, methods, median_of(res.get((rows, key), []))[0])))
    if prof:
        print("where the time goes (ms, medians):")
        print("\n".join(prof))
    return out.get("incr_nochange")


def incr_report(sizes, res, meta, summary):
    """Each size's incremental cases, then no change at 10x the rows
    against the smaller size (flat in the table's size)."""
    ms = {n: incr_size(n, res, meta, summary) for n in sizes}
    for hi in sizes:
        lo = hi // 10
        if hi % 10 or lo not in ms or (ms.get(hi) is None and ms.get(lo) is None):
            continue
        figure = "incremental, no change: %d rows vs %d rows, the table's time" % (hi, lo)
        goal = "<= %gx" % INCR_GOALS["scale"]
        if ms.get(hi) is None or ms.get(lo) is None:
            measured, v = "n/a: a size was not measured", "n/a"
        else:
            ratio = ms[hi] / ms[lo] if ms[lo] > 0 else float("inf")
            measured, v = "%.0f ms vs %.0f ms = %.2fx" % (ms[hi], ms[lo], ratio), verdict(ratio <= INCR_GOALS["scale"])
        print("\n%s: %s (goal %s) %s" % (figure, measured, goal, v))
        add_summary(summary, figure, measured, goal, v)


def sync(results_path, meta_path, summary):
    res, meta = load_results(results_path), load_meta(meta_path)
    sizes = sorted({k[0] for k in res})
    if not sizes:
        print("n/a: no sync measurement was taken")
        return
    case_keys = {c[0] for c in SYNC_CASES} | {c[2] for c in SYNC_CASES}
    all_times = {rows: sync_size(rows, res, meta, summary) for rows in sizes
                 if any((rows, k) in res for k in case_keys)}
    incr_report(sizes, res, meta, summary)
    sizes = sorted(all_times)
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        print("\nscaling %d -> %d rows (x%.0f rows): wall time grows by" % (lo, hi, hi / lo))
        for key, label, _, _ in SYNC_CASES:
            a, b = all_times[lo].get(key), all_times[hi].get(key)
            print("  %-46s %s" % (label + ":", "x%.1f" % (b / a) if a and b else "n/a"))


def summary(path):
    rows = []
    try:
        with open(path) as f:
            rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except OSError:
        pass
    if not rows:
        print("nothing was measured")
        return
    print_table(["figure", "measured", "goal", "verdict"], rows)
    n = {v: sum(1 for r in rows if r[3].startswith(v)) for v in ("PASS", "MISS", "n/a")}
    print("\n%d PASS, %d MISS, %d n/a" % (n["PASS"], n["MISS"], n["n/a"]))


def main(argv):
    if len(argv) == 6 and argv[1] == "coldstart":
        coldstart(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) >= 6 and argv[1] == "coldside" and "--" in argv:
        coldside(argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == "sync":
        sync(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "summary":
        summary(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
