#!/usr/bin/python3
"""Guest side of bench/run: times brickd, os-brick and a bare-kernel minimum on one bed.

Runs as root inside the test-bed VM after bench.sh brought the bed up, created the LUNs
(described in --luns) and started brickd on --socket. ONE process holds all three
backends, so os-brick's import (25-30 s under TCG) is paid once and never timed; the
backends take turns run by run and case by case, so a drift of the machine hits all three.

Every timed call is bounded (--op-timeout); a call that fails, times out or leaves
something behind is recorded as failed with its reason, the bed is reset, and the run
goes on. Nothing here asserts on a time: it writes raw samples to --csv
(backend,case,op,run,value,unit,status,note) and bench/report.py turns them into tables.
"""

import argparse
import csv
import glob
import json
import os
import statistics
import sys
import threading
import time

from backends import Bare, Brickd, Broken, OsBrick
from bedlib import PORTALS, BenchError, Firewall, Host, bed, log, poll, read, reset_bed, settle_sessions_gone

BACKENDS = ("bare", "brickd", "os-brick")
CASES = ("single", "multipath", "extend", "concurrent", "degraded", "forced")


class Bench:
    """The cases; each times its calls on one backend and leaves the bed with nothing attached."""

    def __init__(self, args, luns, backends, firewall):
        self.args, self.luns, self.backends, self.firewall = args, luns, backends, firewall
        self.out = open(args.csv, "w", newline="")
        self.csv = csv.writer(self.out)
        self.csv.writerow(["backend", "case", "op", "run", "value", "unit", "status", "note"])
        self.hung = {}
        self.deadline = time.monotonic() + args.budget

    def record(self, backend, case, op, run_no, value, unit="s", status="ok", note=""):
        row = [backend, case, op, run_no, "" if value is None else f"{value:.4f}" if unit == "s" else value,
               unit, status, note.replace("\n", " ")[:400]]
        self.csv.writerow(row)
        self.out.flush()
        log(" ".join(str(c) for c in row))

    def bounded(self, backend, fn, *args):
        """Runs fn(*args) with --op-timeout; returns (seconds, result). Times the call only.

        A backend with a call still hanging gets no new call (it would queue behind the first)."""
        if not self.usable(backend):
            raise BenchError("skipped: an earlier call of this backend never returned")
        box = {}

        def body():
            t = time.perf_counter()
            try:
                box["result"] = fn(*args)
            except BaseException as e:  # noqa: B036 - recorded, never swallowed silently
                box["error"] = e
            box["s"] = time.perf_counter() - t

        th = threading.Thread(target=body, daemon=True)
        th.start()
        th.join(self.args.op_timeout)
        if th.is_alive():
            self.hung[backend.name] = th
            raise BenchError(f"no answer within {self.args.op_timeout}s")
        if "error" in box:
            e = box["error"]
            raise BenchError(f"{type(e).__name__}: {e}".strip()[:300]) from e
        return box["s"], box.get("result")

    def usable(self, backend):
        th = self.hung.get(backend.name)
        return th is None or not th.is_alive()

    def reset(self):
        """brickd's ledger forgets what it still lists (forced detach), then the host is cleaned."""
        brickd = self.backends.get("brickd")
        if isinstance(brickd, Brickd):
            by_id = {v["id"]: v for v in self.luns.values()}
            try:
                for a in brickd.call("list_attachments", {}, timeout=120).get("attachments", []):
                    log(f"reset: brickd still lists {json.dumps(a)[:300]}")
                    if a.get("volume_id") in by_id:
                        brickd.forget(by_id[a["volume_id"]], "map" in a)
            except (BenchError, OSError) as e:
                log(f"reset: brickd: {e}")
        reset_bed(self.firewall)

    def recover(self, backend, vol, multipath):
        try:
            backend.forget(vol, multipath)
        except Exception as e:  # noqa: BLE001 - best effort after a failure
            log(f"{backend.name}: forget: {e}")
        self.reset()
        th = self.hung.get(backend.name)
        if th is not None:
            th.join(60)   # the bed is back: a call blocked on dead paths may now return
            if not th.is_alive():
                del self.hung[backend.name]
        settle_sessions_gone()

    def timed(self, backend, case, op, run_no, fn, *args):
        """One timed call; None (recorded as failed) if it failed."""
        try:
            s, result = self.bounded(backend, fn, *args)
        except BenchError as e:
            self.record(backend.name, case, op, run_no, None, status="failed", note=str(e))
            return None
        self.record(backend.name, case, op, run_no, s)
        return result if result is not None else {}

    def check_detach(self, backend, case, op, run_no, vol, sessions_too=True):
        left = Host.leftovers(vol, sessions_too)
        if sessions_too and left:
            settle_sessions_gone()
            left = Host.leftovers(vol, sessions_too)
        if left:
            self.record(backend.name, case, op + "_leftovers", run_no, None, status="failed",
                        note="left behind: " + ", ".join(left))
            return False
        return True

    # ------------------------------------------------------------ cases

    def attach_detach(self, backend, case, run_no, vol, multipath):
        dev = self.timed(backend, case, "attach", run_no, backend.attach, vol, multipath)
        if dev is None:
            return self.recover(backend, vol, multipath)
        if not self.readable(backend, case, run_no, dev):
            return self.recover(backend, vol, multipath)
        r = self.timed(backend, case, "detach", run_no, backend.detach, vol, multipath, dev)
        if r is None or not self.check_detach(backend, case, "detach", run_no, vol):
            self.recover(backend, vol, multipath)

    def readable(self, backend, case, run_no, dev):
        """The handed-out path reads the volume (not timed): a fast wrong answer is no answer."""
        path = (dev or {}).get("path")
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.read(fd, 512)
            finally:
                os.close(fd)
            return True
        except (OSError, TypeError) as e:
            self.record(backend.name, case, "read", run_no, None, status="failed",
                        note=f"answered path {path!r} does not read: {e}")
            return False

    def case_single(self, backend, run_no):
        self.attach_detach(backend, "single", run_no, self.luns["single"], False)

    def case_multipath(self, backend, run_no):
        self.attach_detach(backend, "multipath", run_no, self.luns["multipath"], True)

    def case_degraded(self, backend, run_no):
        """2-portal attach while 127.0.0.2 drops every packet; detach (untimed) after the rule is gone."""
        vol = self.luns["degraded"]
        try:
            self.firewall.drop(PORTALS[1])
        except BenchError as e:
            self.record(backend.name, "degraded", "attach", run_no, None, status="failed", note=str(e))
            return
        if isinstance(backend, Bare):
            # the minimum needs only the live path; the dead portal is left alone
            dev = self.timed(backend, "degraded", "attach", run_no, backend.attach, vol, True, PORTALS[:1])
        else:
            dev = self.timed(backend, "degraded", "attach", run_no, backend.attach, vol, True)
        if dev is not None and "failed_paths" in dev:
            log(f"{backend.name}: degraded attach answered failed_paths {dev['failed_paths']}")
        self.firewall.clear()
        if dev is None or not self.readable(backend, "degraded", run_no, dev):
            return self.recover(backend, vol, True)
        self.untimed_detach(backend, "degraded", run_no, vol, True, dev)

    def case_forced(self, backend, run_no):
        """2-portal attach, the map held open (as a guest would), both portals down, forced detach."""
        vol = self.luns["forced"]
        dev = self.untimed_attach(backend, "forced", "detach", run_no, vol, True)
        if dev is None:
            return
        fd = os.open(dev["path"], os.O_RDONLY)
        try:
            for portal in PORTALS:
                bed("bed_portal_disable", portal.split(":")[0])
            poll("sessions failed", lambda: all(
                read(f"{s}/state") != "LOGGED_IN" for s in glob.glob("/sys/class/iscsi_session/session*")), 30)
            log("forced: both portals down, sessions in recovery, map held open")
            r = self.timed(backend, "forced", "detach", run_no, backend.detach, vol, True, dev, True)
        finally:
            os.close(fd)
        for portal in PORTALS:
            bed("bed_portal_enable", portal.split(":")[0])
        if r is None or not self.check_detach(backend, "forced", "detach", run_no, vol):
            self.recover(backend, vol, True)

    def case_extend(self, backend, run_no):
        vol = self.luns["extend"]
        dev = self.untimed_attach(backend, "extend", "extend", run_no, vol, False)
        if dev is None:
            return
        mb = os.path.getsize(f"/tmp/bed/{vol['name']}.img") // (1 << 20) + 8
        bed("bed_lun_resize", vol["name"], str(mb))
        size = self.timed(backend, "extend", "extend", run_no, backend.extend, vol, dev)
        if size is not None and size != mb << 20:
            self.record(backend.name, "extend", "extend_size", run_no, None, status="failed",
                        note=f"answered {size} bytes, the LUN has {mb << 20}")
        self.untimed_detach(backend, "extend", run_no, vol, False, dev)

    def untimed_attach(self, backend, case, op, run_no, vol, multipath):
        """The start of a case that times something else; None (op recorded as failed) if it failed."""
        try:
            _, dev = self.bounded(backend, backend.attach, vol, multipath)
        except BenchError as e:
            self.record(backend.name, case, op, run_no, None, status="failed", note=f"attach before the case: {e}")
            return self.recover(backend, vol, multipath)
        if not self.readable(backend, case, run_no, dev):
            return self.recover(backend, vol, multipath)
        return dev

    def untimed_detach(self, backend, case, run_no, vol, multipath, dev):
        """The end of a case that times something else: its detach must still leave nothing."""
        try:
            self.bounded(backend, backend.detach, vol, multipath, dev)
        except BenchError as e:
            self.record(backend.name, case, "cleanup", run_no, None, status="failed", note=f"detach after the case: {e}")
            return self.recover(backend, vol, multipath)
        if not self.check_detach(backend, case, "cleanup", run_no, vol):
            self.recover(backend, vol, multipath)

    def case_concurrent(self, backend, run_no):
        """16 single-path volumes attached at once, then detached at once; wall and per volume."""
        vols = [self.luns[k] for k in sorted(self.luns) if k.startswith("c")]
        if not self.usable(backend):
            self.record(backend.name, "concurrent", "attach_wall", run_no, None, status="failed",
                        note="skipped: an earlier call of this backend never returned")
            return
        attached = self.fan_out(backend, run_no, "attach", vols,
                                lambda v: backend.attach(v, False))
        if isinstance(backend, Brickd) or isinstance(backend, OsBrick):
            try:
                self.record(backend.name, "concurrent", "rss_16_attached", run_no, backend.rss(), unit="KiB")
            except BenchError as e:
                log(f"rss: {e}")
        ok = [v for v in vols if v["id"] in attached]
        self.fan_out(backend, run_no, "detach", ok,
                     lambda v: backend.detach(v, False, attached[v["id"]]))
        left = [x for v in vols for x in Host.leftovers(v, False)]
        settle_sessions_gone()
        left += Host.sessions()
        if left or len(ok) != len(vols):
            if left:
                self.record(backend.name, "concurrent", "detach_leftovers", run_no, None, status="failed",
                            note="left behind: " + ", ".join(left))
            for v in vols:
                try:
                    backend.forget(v, False)
                except Exception as e:  # noqa: BLE001 - best effort after a failure
                    log(f"{backend.name}: forget {v['name']}: {e}")
            self.reset()

    def fan_out(self, backend, run_no, op, vols, fn):
        """Starts fn(vol) for every volume at once; records wall, p50, p99 (of the volumes that made it)."""
        results, errors, lat = {}, [], []
        barrier = threading.Barrier(len(vols) + 1)

        def one(v):
            barrier.wait()
            t = time.perf_counter()
            try:
                results[v["id"]] = fn(v) or {}
                lat.append(time.perf_counter() - t)
            except Exception as e:  # noqa: BLE001 - recorded below
                # the first failure in full (it usually explains the rest), the others short
                errors.append(f"{v['name']}: {type(e).__name__}: {e}"[:2000 if not errors else 160])

        threads = [threading.Thread(target=one, args=(v,), daemon=True) for v in vols]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.args.op_timeout
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        wall = time.perf_counter() - t0
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            errors.append(f"{stuck} call(s) without an answer within {self.args.op_timeout}s")
        status = "failed" if errors else "ok"
        note = f"{len(lat)}/{len(vols)} ok" + ("; " + "; ".join(errors[:3]) if errors else "")
        self.record(backend.name, "concurrent", f"{op}_wall", run_no, wall if not stuck else None, status=status,
                    note=note)
        if lat:
            lat.sort()
            self.record(backend.name, "concurrent", f"{op}_p50", run_no, statistics.median(lat), status=status)
            self.record(backend.name, "concurrent", f"{op}_p99", run_no, percentile(lat, 99), status=status)
        return results

    # ------------------------------------------------------------ driver

    def warm_up(self, backend):
        """One untimed single-path attach/detach: class loading and lazy imports are not the subject."""
        vol = self.luns["single"]
        try:
            _, dev = self.bounded(backend, backend.attach, vol, False)
            self.bounded(backend, backend.detach, vol, False, dev)
        except BenchError as e:
            log(f"{backend.name}: warm-up failed: {e}")
            self.recover(backend, vol, False)
        settle_sessions_gone()

    def run_all(self):
        cases = self.args.cases.split(",")
        for b in self.backends.values():
            self.warm_up(b)
            if isinstance(b, (Brickd, OsBrick)):
                try:
                    self.record(b.name, "idle", "rss_idle", 0, b.rss(), unit="KiB",
                                note="after one warm-up attach/detach")
                except BenchError as e:
                    log(f"rss: {e}")
        for run_no in range(1, self.args.runs + 1):
            for case in cases:
                for b in self.backends.values():
                    if time.monotonic() > self.deadline:
                        log(f"budget of {self.args.budget}s spent: run {run_no} stops before {case} on {b.name}")
                        self.out.close()
                        return run_no - 1
                    log(f"---- run {run_no} case {case} backend {b.name}")
                    try:
                        getattr(self, f"case_{case}")(b, run_no)
                    except Exception as e:  # noqa: BLE001 - the bed failed us: say so, reset, go on
                        self.record(b.name, case, "harness", run_no, None, status="failed",
                                    note=f"bench harness: {type(e).__name__}: {e}")
                        self.reset()
                    if Host.sessions() or Host.iscsi_disks() or Host.mpath_maps():
                        log(f"{b.name}: not clean after {case}: "
                            f"{Host.sessions() + Host.iscsi_disks() + Host.mpath_maps()}; resetting")
                        self.reset()
                        settle_sessions_gone()
        self.out.close()
        return self.args.runs


def percentile(sorted_values, p):
    """Nearest-rank percentile (with 16 samples p99 is the largest)."""
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--luns", required=True, help="JSON file from bench.sh: name -> lun, wwid, id, iqn")
    ap.add_argument("--socket", required=True)
    ap.add_argument("--brickd-pid", type=int, required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--meta", required=True, help="JSON file for versions and set-up times")
    ap.add_argument("--osbrick-log", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--op-timeout", type=float, default=300)
    ap.add_argument("--budget", type=float, default=86400,
                    help="seconds after which no new case starts (the table then says how many runs were done)")
    args = ap.parse_args()
    for c in args.cases.split(","):
        if c not in CASES:
            ap.error(f"unknown case {c!r}; cases: {','.join(CASES)}")
    with open(args.luns) as f:
        luns = json.load(f)

    meta = {"runs": args.runs, "cases": args.cases, "kernel": os.uname().release}
    backends = {}
    for name in args.backends.split(","):
        if name == "bare":
            backends[name] = Bare()
        elif name == "brickd":
            backends[name] = Brickd(args.socket, args.brickd_pid)
        elif name == "os-brick":
            try:
                ob = OsBrick(args.osbrick_log)
                meta.update(osbrick_version=str(ob.version).strip(), osbrick_import_s=round(ob.import_s, 1))
                log(f"os-brick {ob.version} imported and set up in {ob.import_s:.1f}s (not timed)")
                backends[name] = ob
            except Exception as e:  # noqa: BLE001 - the table says why
                reason = f"os-brick could not be set up: {type(e).__name__}: {e}"[:300]
                log(reason)
                meta["osbrick_error"] = reason
                backends[name] = Broken(name, reason)
        else:
            ap.error(f"unknown backend {name!r}")
    firewall = Firewall()
    meta["firewall"] = firewall.cmd or firewall.why
    with open(args.meta, "w") as f:
        json.dump(meta, f)   # now, so that a run cut short still has it
    meta["runs_done"] = Bench(args, luns, backends, firewall).run_all()
    with open(args.meta, "w") as f:
        json.dump(meta, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
