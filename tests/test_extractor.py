#!/usr/bin/env python3
"""The pool's extractor (src/py/verdict_extractor.py, docs/pool.md): the
verdict profile's extraction made by a warm process of each worker before
the run's process is forked, with the run's process extracting itself on
any failure. Through `verdict audit` in the real jail, with the test-only
hook VERDICT_TEST_EXTRACTOR (read by the scorer, passed in the fast job's
hint): "off" (no extractor: the run's process extracts, as before),
"crash" (the extractor dies on every request), "slow" (it overruns its time
budget and is killed), "burn" (it spends 100 ms of CPU before answering).

- Every sample's record (status, detail, extraction path, notes and
  program, flags, the harness verdict beside) is the same with the
  extractor as without, on our fixtures (the hand-written answer shapes of
  fixtures/extract/meant, fixtures/examples with its hostile samples) and
  on real data from ../shared (the gpt-oss-20b lm-eval chat answers to
  HumanEval, HumanEval's canonical solutions as raw continuations; a quarter
  of each with VERDICT_FIDELITY_QUICK=1, as CI's sanitizer stage sets).
- With the extractor crashing or overrunning its budget, every sample still
  gets the same record (the fallback), and the pool serves on.
- The run's cpu_ms includes the extractor's CPU.
- A candidate sees neither the region the extractor shares with the warm
  parent nor the extractor process.
- The sweep after a run still kills what the run left behind while the
  extractor (which it must spare) lives: a daemon a sample forks is gone
  before the next sample on that worker starts (seen from the host, by the
  names the two processes give themselves).
Prints TAP."""
import gzip
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import http_harness as H  # noqa: E402

t = H.Tap()
MEANT = os.path.join(H.ROOT, "fixtures", "extract", "meant")
EXAMPLES = os.path.join(H.ROOT, "fixtures", "examples")
CHAT = os.path.join(H.SHARED, "samples", "omnimergekit-gptoss20b-humaneval-chat",
                    "samples_humaneval_chat_2026-05-17T13-55-45.807443.jsonl")
BURN_MS = 100  # verdict_extractor.BURN_S
# The sanitizer stage of CI: the same paths on a quarter of the real data.
QUICK = os.environ.get("VERDICT_FIDELITY_QUICK") == "1"
VOLATILE = ("cpu_ms", "wall_ms", "peak_rss_kb")


def audit(dataset, samples, hook=None, extra=()):
    env = dict(os.environ)
    env.pop("VERDICT_TEST_EXTRACTOR", None)
    if hook:
        env["VERDICT_TEST_EXTRACTOR"] = hook
    r = subprocess.run([H.BINARY, "audit", "--json", "--explain", "--no-cache", "--dataset", dataset]
                       + list(extra) + [samples], capture_output=True, text=True, timeout=1800, env=env)
    try:
        return json.loads(r.stdout)
    except ValueError:
        t.diag("verdict audit exited %d: %s" % (r.returncode, r.stderr[-600:]))
        return None


def comparable(s):
    """A sample's record without what a rerun changes: times, memory, and
    the CPU figures a timeout's detail (or its harness verdict's) quotes."""
    s = {k: v for k, v in s.items() if k not in VOLATILE}
    if isinstance(s.get("harness"), dict):
        s["harness"] = dict(s["harness"])
    for rec in (s, s.get("harness")):
        if isinstance(rec, dict) and rec.get("status") == "timeout":
            rec["detail"] = re.sub(r"\d+", "N", rec.get("detail", ""))
    return s


def same_records(a, b, name):
    if a is None or b is None:
        return t.ok(False, name, "no report")
    sa, sb = a["samples"], b["samples"]
    diff = [(x["task_id"], {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)})
            for x, y in zip(sa, sb) if comparable(x) != comparable(y)]
    return t.ok(len(sa) == len(sb) and not diff and a["summary"]["counts"] == b["summary"]["counts"],
                "%s: %d samples, every record the same" % (name, len(sa)), diff[:2])


def unescape(text):
    return re.sub(r"\\u\{([0-9A-Fa-f]{1,6})\}", lambda m: chr(int(m.group(1), 16)), text)


def meant_fixtures(d):
    """The hand-written HumanEval-shaped answers of fixtures/extract/meant
    as a problem set (each its own prompt; a test that the entry point is
    callable) and a samples file."""
    problems, samples = [], []
    for name in ("humaneval.txt", "reasoning.txt"):
        with open(os.path.join(MEANT, name), encoding="utf-8") as f:
            chunks = re.split(r"(?m)^##### ", f.read())
        prompt = ""
        for chunk in chunks:
            if not chunk.strip():
                continue
            title, _, rest = chunk.partition("\n")
            parts = re.split(r"(?m)^=== (\w+)\n", rest)
            headers = dict(line.partition(":")[::2] for line in parts[0].splitlines() if line.strip())
            headers = {k.strip(): v.strip() for k, v in headers.items()}
            sections = {parts[k]: parts[k + 1] for k in range(1, len(parts), 2)}
            prompt = sections.get("prompt", prompt)
            if headers.get("task", "humaneval") != "humaneval" or not headers.get("entry_point"):
                continue
            sep = {"crlf": "\r\n", "cr": "\r"}.get(headers.get("line_ends"), "\n")
            tid = "Meant/%d" % len(problems)
            problems.append({"task_id": tid, "prompt": prompt, "entry_point": headers["entry_point"],
                             "canonical_solution": "", "test": "def check(candidate):\n    assert callable(candidate)\n"})
            samples.append({"task_id": tid, "completion": unescape(sections.get("answer", "")).replace("\n", sep)})
    # A candidate that looks for the extractor's shared region (a shared
    # anonymous mapping shows as /dev/zero) or for processes of other uids.
    problems.append({"task_id": "Meant/probe", "prompt": "def probe():\n", "entry_point": "probe",
                     "canonical_solution": "", "test": "def check(candidate):\n    assert candidate() == [], candidate()\n"})
    samples.append({"task_id": "Meant/probe", "completion":
                    "    import os\n"
                    "    found = [l for l in open('/proc/self/maps') if '/dev/zero' in l or 'rw-s' in l]\n"
                    "    me = os.getuid()\n"
                    "    for p in os.listdir('/proc'):\n"
                    "        if p.isdigit() and os.stat('/proc/' + p).st_uid != me:\n"
                    "            found.append(p)\n"
                    "    return found\n"})
    ds, sp = os.path.join(d, "meant_problems.jsonl"), os.path.join(d, "meant_samples.jsonl")
    for path, rows in ((ds, problems), (sp, samples)):
        with open(path, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return ds, sp, len(samples)


def host_comms():
    names = set()
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/comm" % p) as f:
                    names.add(f.read().strip())
            except OSError:
                pass
    return names


def sweep_check(d):
    """One worker, two samples: the first leaves a daemon (and waits long
    enough for the host to see it), the second sleeps; the host must never
    see both processes at once."""
    tok = secrets.token_hex(4)
    daemon, second = "vx-d-" + tok, "vx-s-" + tok
    ds, sp = os.path.join(d, "sweep_problems.jsonl"), os.path.join(d, "sweep_samples.jsonl")
    test = "def check(candidate):\n    assert candidate() == 1\n"
    with open(ds, "w") as f:
        for i in range(2):
            f.write(json.dumps({"task_id": "Sweep/%d" % i, "prompt": "def f():\n", "entry_point": "f",
                                "canonical_solution": "", "test": test}) + "\n")
    with open(sp, "w") as f:
        f.write(json.dumps({"task_id": "Sweep/0", "completion":
                            "    import ctypes, os, time\n"
                            "    if os.fork() == 0:\n"
                            "        os.setsid()\n"
                            "        ctypes.CDLL(None).prctl(15, b'%s', 0, 0, 0)\n"
                            "        while True:\n"
                            "            time.sleep(0.05)\n"
                            "    time.sleep(1)\n"
                            "    return 1\n" % daemon}) + "\n")
        f.write(json.dumps({"task_id": "Sweep/1", "completion":
                            "    import ctypes, time\n"
                            "    ctypes.CDLL(None).prctl(15, b'%s', 0, 0, 0)\n"
                            "    time.sleep(2)\n"
                            "    return 1\n" % second}) + "\n")
    seen = {"daemon": False, "second": False, "both": False}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            names = host_comms()
            seen["daemon"] |= daemon in names
            seen["second"] |= second in names
            seen["both"] |= daemon in names and second in names
            time.sleep(0.02)
    th = threading.Thread(target=watch)
    th.start()
    try:
        rep = audit(ds, sp, extra=("-j", "1"))
    finally:
        stop.set()
        th.join()
    statuses = [s["status"] for s in rep["samples"]] if rep else None
    t.ok(statuses == ["passed", "passed"] and seen["daemon"] and seen["second"] and not seen["both"],
         "with the extractor alive, the sweep kills a sample's daemon before the next sample runs",
         (statuses, seen))


def canonical(d, limit=None):
    with gzip.open(H.HUMANEVAL, "rt") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    path = os.path.join(d, "canonical_%s.jsonl" % limit)
    with open(path, "w") as f:
        for r in rows[:limit]:
            f.write(json.dumps({"task_id": r["task_id"], "completion": r["canonical_solution"]}) + "\n")
    return path


def every_fourth(d, path):
    """A samples file of every fourth line of path (different tasks)."""
    out = os.path.join(d, "quarter_" + os.path.basename(path))
    with open(path) as f, open(out, "w") as g:
        g.writelines(line for i, line in enumerate(f) if i % 4 == 0)
    return out


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with tempfile.TemporaryDirectory(prefix="verdict-extractor-test-") as d:
        ds, sp, n = meant_fixtures(d)
        on = audit(ds, sp)
        off = audit(ds, sp, "off")
        same_records(on, off, "fixtures/extract/meant, with the extractor and without")
        if on:
            probe = [s for s in on["samples"] if s["task_id"] == "Meant/probe"]
            t.ok(probe and probe[0]["status"] == "passed",
                 "a candidate sees no shared mapping and no process of another uid", probe and probe[0]["detail"])
            fast = [s for s in on["samples"] if s["status"] not in ("empty", "invalid")]
            t.ok(len(fast) >= 30 and all(s["extraction"]["profile"] == "verdict" for s in fast),
                 "%d of %d fixture answers went through the verdict profile's extraction" % (len(fast), n))
        same_records(off, audit(ds, sp, "crash"), "fixtures/extract/meant, the extractor dying on every request "
                     "(the run's process extracts)")
        # Each sample waits out the extractor's one-second budget here: a
        # quarter of the answers (every fourth, different shapes) shows it.
        quarter = every_fourth(d, sp)
        same_records(audit(ds, quarter, "off"), audit(ds, quarter, "slow"),
                     "fixtures/extract/meant, every fourth answer, the extractor over its budget on every request "
                     "(the run's process extracts)")

        sweep_check(d)

        ex_ds, ex_sp = os.path.join(EXAMPLES, "problems.jsonl"), os.path.join(EXAMPLES, "samples.jsonl")
        same_records(audit(ex_ds, ex_sp), audit(ex_ds, ex_sp, "off"),
                     "fixtures/examples (hostile samples too), with the extractor and without")

        if not os.path.exists(H.HUMANEVAL):
            t.skip("an extractor spending CPU", "HumanEval not in %s" % H.SHARED)
        else:
            few = canonical(d, 12)
            burn, plain = audit(H.HUMANEVAL, few, "burn"), audit(H.HUMANEVAL, few, "off")
            same_records(burn, plain, "HumanEval canonical, 12: an extractor spending CPU changes no record")
            if burn:
                cpu = [s["cpu_ms"] for s in burn["samples"]]
                t.ok(all(c >= BURN_MS for c in cpu),
                     "each run's cpu_ms includes the %d ms the extractor spent on it" % BURN_MS, cpu)

        if not os.path.exists(H.HUMANEVAL):
            t.skip("real data", "HumanEval not in %s" % H.SHARED)
        else:
            full = canonical(d, 41 if QUICK else None)
            same_records(audit(H.HUMANEVAL, full), audit(H.HUMANEVAL, full, "off"),
                         "HumanEval's %s canonical solutions (raw continuations), with the extractor and without"
                         % ("first 41" if QUICK else "164"))
        if not os.path.exists(CHAT):
            t.skip("real chat answers", "gpt-oss lm-eval samples not in %s" % H.SHARED)
        else:
            chat = every_fourth(d, CHAT) if QUICK else CHAT
            which = "a quarter of the " if QUICK else ""
            chat_on = audit(H.HUMANEVAL, chat)
            same_records(chat_on, audit(H.HUMANEVAL, chat, "off"),
                         "%sgpt-oss-20b lm-eval chat answers to HumanEval, with the extractor and without" % which)
            same_records(chat_on, audit(H.HUMANEVAL, chat, "crash"),
                         "%sgpt-oss-20b lm-eval chat answers, the extractor dying on every request" % which)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
