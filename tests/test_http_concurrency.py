#!/usr/bin/env python3
"""Concurrent clients, each scoring the 164 HumanEval canonical solutions
through one server: every sample passes, none is lost, every response lists
its records in the order its request gave them (each client sends its own
shuffled order).

The server keeps its run cache (in the test's own directory), as a deployed
server does: the clients' identical programs race to it, so the test also
shows that every sample is answered exactly once, by a run or from the
cache, and that each of the 164 programs really ran at least once. (With
--no-cache the 32 x 164 = 5,248 programs all run: over 6 minutes of CPU on
2 cores, the same pool path the other HTTP tests take.)

32 clients by default; VERDICT_HTTP_CLIENTS=N runs another count (the
sanitizer build uses fewer). Prints TAP."""
import concurrent.futures
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()


def main():
    clients = int(os.environ.get("VERDICT_HTTP_CLIENTS", "32"))
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    problems = H.load_humaneval()
    if problems is None:
        return t.skip_all("HumanEval dataset absent (%s)" % H.HUMANEVAL)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    cores = os.cpu_count() or 2
    # Each program spends most of its wall time in jail set-up, not on a CPU:
    # more workers than cores keeps the cores busy.
    workers = str(max(4, 4 * cores))
    base = H.canonical_samples(problems)
    orders = []
    for c in range(clients):
        s = list(base)
        random.Random(c).shuffle(s)
        orders.append(s)
    with H.Server("-j", workers, "--max-connections", str(clients + 8), "--canary-interval", "0", cache=True) as srv:
        runs_before = srv.metrics().get("verdict_program_runs_total", -1)  # the start-up canary's
        t.diag("%d clients x %d samples, %s workers, %d cores" % (clients, len(base), workers, cores))
        t0 = time.time()

        def one(c):
            return srv.score({"benchmark": "humaneval", "samples": orders[c]}, timeout=3600)
        with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as ex:
            results = list(ex.map(one, range(clients)))
        took = time.time() - t0
        n = clients * len(base)
        t.diag("%d samples in %.1f s: %.1f samples/s" % (n, took, n / took))
        statuses = [st for st, _, _ in results]
        t.ok(all(st == 200 for st in statuses), "every client got 200", statuses)
        good, runs, answered = 0, 0, []
        for c, (st, hd, rep) in enumerate(results):
            if st != 200:
                continue
            cost = rep["summary"]["cost"]
            runs += cost["runs"]
            answered.append(cost["runs"] + cost["from_cache"] + cost["duplicates"])
            ids = [r["task_id"] for r in rep["samples"]]
            want = [s["task_id"] for s in orders[c]]
            passed = [r["task_id"] for r in rep["samples"] if r["status"] == "passed"]
            if ids == want and len(passed) == len(base) and rep["summary"]["pass_at_k"]["1"]["value"] == 1.0:
                good += 1
            else:
                bad = [(r["task_id"], r["status"], r["detail"]) for r in rep["samples"] if r["status"] != "passed"]
                t.diag("client %d: order %s, not passed: %s" % (c, ids == want, bad[:5]))
        t.ok(good == clients, "%d/%d clients: all 164 passed, none lost, records in request order" % (good, clients))
        t.diag("%d runs, %d samples from the cache" % (runs, n - runs))
        t.ok(answered == [len(base)] * clients,
             "every client's 164 samples answered once each, by a run or from the cache", answered)
        # The cache started empty: a program is found there only after a run of it.
        t.ok(runs >= len(base), "at least one run for each of the %d programs (%d runs; the cache started empty)"
             % (len(base), runs))
        m = srv.metrics()
        server_runs = m.get("verdict_program_runs_total", -1) - runs_before
        t.ok(m.get('verdict_samples_total{status="passed"}') == n and m.get("verdict_jail_failures_total") == 0
             and m.get("verdict_samples_in_flight") == 0 and m.get("verdict_queue_depth") == 0
             and server_runs == runs and m.get('verdict_samples_reused_total{source="cache"}') == n - runs,
             "metrics: %d passed, %d runs and %d from the cache as the reports say, no jail failure, "
             "nothing left in flight" % (n, runs, n - runs), m)
        t.ok(srv.healthy(), "healthy afterwards")
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
