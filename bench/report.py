#!/usr/bin/python3
"""Turns the guest's raw samples (bench/guest/bench.py) into a markdown table and a CSV.

usage: report.py RAW_CSV META_JSON OUT_MD OUT_CSV --machine TEXT --date TEXT [--commit REV]

Per (case, operation) and backend: median, min and max over the runs that succeeded, the
count of those runs, and the ratios brickd/os-brick and brickd/bare of the medians. A run
whose call failed, timed out or left something behind does not count; the cell says so and
the reason is listed under the table. Prints the markdown on stdout. Never judges a time.
"""

import argparse
import csv
import json
import statistics
import sys
from collections import defaultdict

BACKENDS = ("bare", "brickd", "os-brick")
# (case, op) in table order -> label
ROWS = {
    ("single", "attach"): "single path: attach",
    ("single", "detach"): "single path: detach",
    ("multipath", "attach"): "2 portals, dm-multipath: attach",
    ("multipath", "detach"): "2 portals, dm-multipath: detach",
    ("degraded", "attach"): "2 portals, 127.0.0.2 dropping packets: attach",
    ("concurrent", "attach_wall"): "16 volumes at once: attach, wall",
    ("concurrent", "attach_p50"): "16 volumes at once: attach, p50 per volume",
    ("concurrent", "attach_p99"): "16 volumes at once: attach, p99 per volume",
    ("concurrent", "detach_wall"): "16 volumes at once: detach, wall",
    ("concurrent", "detach_p50"): "16 volumes at once: detach, p50 per volume",
    ("concurrent", "detach_p99"): "16 volumes at once: detach, p99 per volume",
    ("forced", "detach"): "2 portals, all paths dead, map open: forced detach",
    ("extend", "extend"): "extend (single path, +8 MiB)",
    ("idle", "rss_idle"): "RSS idle, MiB",
    ("concurrent", "rss_16_attached"): "RSS with 16 volumes attached, MiB",
}
# a failure row of these ops makes the same run of the named op a failure
FAILS_OP = {"detach_leftovers": "detach", "extend_size": "extend"}
# a harness failure (the bed, not the backend) fails every op of the case in that run
HARNESS_OPS = {"single": ["attach", "detach"], "multipath": ["attach", "detach"], "degraded": ["attach"],
               "concurrent": ["attach_wall", "attach_p50", "attach_p99", "detach_wall", "detach_p50", "detach_p99"],
               "forced": ["detach"], "extend": ["extend"]}
# the op a case times; an unreadable device, or a failure of the untimed attach/detach
# around it, fails that op's run
PRIMARY = {"single": "attach", "multipath": "attach", "degraded": "attach", "forced": "detach", "extend": "extend"}


def load(raw):
    """-> values[(case, op, backend)][run] = seconds or KiB; failures[(case, op, backend)][run] = [reasons]."""
    values, failures = defaultdict(dict), defaultdict(lambda: defaultdict(list))
    with open(raw, newline="") as f:
        for r in csv.DictReader(f):
            op = FAILS_OP.get(r["op"], r["op"])
            if r["op"] in ("read", "cleanup", "cleanup_leftovers"):
                op = PRIMARY.get(r["case"], op)
            if r["op"] == "harness":
                ops = HARNESS_OPS.get(r["case"], [])
            elif r["case"] == "concurrent" and r["op"] == "detach_leftovers":
                ops = ["detach_wall", "detach_p50", "detach_p99"]
            else:
                ops = [op]
            for o in ops:
                key = (r["case"], o, r["backend"])
                run = int(r["run"])
                if r["status"] == "ok" and r["value"] != "":
                    values[key][run] = float(r["value"])
                elif r["status"] != "ok":
                    failures[key][run].append(r["note"] or "failed")
    return values, failures


def fmt(v, unit):
    if unit == "KiB":
        return f"{v / 1024:.0f}"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw")
    ap.add_argument("meta")
    ap.add_argument("out_md")
    ap.add_argument("out_csv")
    ap.add_argument("--machine", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--commit", default="")
    a = ap.parse_args()
    values, failures = load(a.raw)
    with open(a.meta) as f:
        meta = json.load(f)

    notes, note_no = [], {}

    def note(reason):
        if reason not in note_no:
            notes.append(reason)
            note_no[reason] = len(notes)
        return note_no[reason]

    lines = [
        f"brickd vs os-brick vs bare kernel, {a.date}, {a.machine}, guest kernel {meta.get('kernel', '?')}"
        f"{', brickd ' + a.commit if a.commit else ''}; "
        f"os-brick {meta.get('osbrick_version', '?')}; {meta.get('runs_done', '?')} of {meta.get('runs', '?')} run(s) done, "
        "seconds unless marked: median (min-max) of the runs that succeeded [ok/runs]. "
        "RSS: brickd's daemon; for os-brick, the Python process that imported it and ran its calls "
        "(nova-compute's own memory not included).",
        "",
        "| case | bare kernel | brickd | os-brick | brickd/os-brick | brickd/bare |",
        "|---|---|---|---|---|---|",
    ]
    out_rows = []
    seen = {(c, o) for (c, o, _b) in list(values) + list(failures)}
    for (case, op), label in ROWS.items():
        if (case, op) not in seen:
            continue
        unit = "KiB" if op.startswith("rss") else "s"
        cells, medians, csv_row = [], {}, {"case": case, "op": op, "unit": unit}
        for b in BACKENDS:
            vals = values.get((case, op, b), {})
            fails = failures.get((case, op, b), {})
            ok = [v for r, v in vals.items() if r not in fails]
            refs = sorted({note(reason) for rs in fails.values() for reason in rs})
            mark = "".join(f" [{n}]" for n in refs)
            n_runs_b = len(set(vals) | set(fails))   # runs that reached this op (a budget may cut the last)
            if ok:
                m = statistics.median(ok)
                medians[b] = m
                cell = f"{fmt(m, unit)} ({fmt(min(ok), unit)}-{fmt(max(ok), unit)})"
                if len(ok) < n_runs_b:
                    cell += f" [{len(ok)}/{n_runs_b}]"
                cells.append(cell + mark)
                csv_row.update({f"{b}_median": round(m, 4), f"{b}_min": round(min(ok), 4),
                                f"{b}_max": round(max(ok), 4)})
            elif fails:
                cells.append(f"FAILED [0/{n_runs_b}]{mark}")
            elif b == "bare" and op.startswith("rss"):
                cells.append("n/a")
            else:
                cells.append("not run")
            csv_row[f"{b}_ok"] = len(ok)
            csv_row[f"{b}_runs"] = n_runs_b
            csv_row[f"{b}_failures"] = " | ".join(sorted({r for rs in fails.values() for r in rs}))
        ratio = {}
        for other, key in (("os-brick", "brickd_over_osbrick"), ("bare", "brickd_over_bare")):
            if "brickd" in medians and medians.get(other):
                ratio[key] = medians["brickd"] / medians[other]
                csv_row[key] = round(ratio[key], 3)
            else:
                csv_row[key] = ""
        r1 = f"{ratio['brickd_over_osbrick']:.2f}" if "brickd_over_osbrick" in ratio else "-"
        r2 = f"{ratio['brickd_over_bare']:.2f}" if "brickd_over_bare" in ratio else "-"
        lines.append(f"| {label} | {' | '.join(cells)} | {r1} | {r2} |")
        out_rows.append(csv_row)
    if notes:
        lines += ["", "Failures (a run counted as failed, with the reason recorded):", ""]
        lines += [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    md = "\n".join(lines) + "\n"
    with open(a.out_md, "w") as f:
        f.write(md)
    fields = ["case", "op", "unit"] + [f"{b}_{k}" for b in BACKENDS for k in ("median", "min", "max", "ok", "runs")] \
        + ["brickd_over_osbrick", "brickd_over_bare"] + [f"{b}_failures" for b in BACKENDS]
    with open(a.out_csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in out_rows:
            w.writerow(r)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
