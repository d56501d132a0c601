"""One worker of a benchmark floor: the same programs and tests as a row of
bench/vs_anchors.py, run in a plain process with no isolation, no harness
and no transport: what the candidates' own computation costs.

    floor_worker.py CONFIG.json     (driven by vs_anchors.py over stdin/stdout)

The worker prepares untimed (loads data, decodes tests, reads expected
outputs), prints "ready", waits for "go", then asks for work ("next") and
gets item indexes until -1; it answers with one JSON line {"passed", "n"}.
Modes:
  humaneval   exec(prompt + completion + test + check(entry_point)), 3 s alarm
  evalplus    exec the solution, then every base and plus input through
              evalplus's oracle (src/py/verdict_evalplus.py) against the
              canonical outputs (computed first when "uncached": the
              ground-truth cost evalplus pays on a fresh cache)
  lcb         a fork per problem (a crash must not end the floor); its tests
              in-process: call-based through Solution(), stdin programs as
              the official rewrite with fds 0/1 on files; 6 s per test
  gt          (untimed helper) write the canonical outputs of a HumanEval+
              dataset to a pickle
"""
import copy
import gzip
import io
import json
import os
import pickle
import signal
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src", "py"))


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def time_limit(seconds):
    """CPU-time limit (ITIMER_PROF), as verdict counts per-test time."""
    signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)


def clear_limit():
    signal.setitimer(signal.ITIMER_PROF, 0)


def rows(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


# ------------------------------------------------------------- humaneval ---

def humaneval_prepare(cfg):
    probs = {r["task_id"]: r for r in rows(cfg["dataset"])}
    progs = []
    for s in cfg["samples"]:
        p = probs[s["task_id"]]
        text = p["prompt"] + s["completion"] + "\n" + p["test"] + "\n" + "check(%s)\n" % p["entry_point"]
        progs.append(compile(text, "<string>", "exec"))
    return progs


def humaneval_run(progs, i):
    try:
        time_limit(3.0)
        exec(progs[i], {})
        return True
    except BaseException:
        return False
    finally:
        clear_limit()


# -------------------------------------------------------------- evalplus ---

def _inputs(r, key):
    v = r[key]
    return json.loads(v) if isinstance(v, str) else v


def canonical_outputs(r, inputs):
    g = {}
    exec(compile(r["prompt"] + r["canonical_solution"], "<string>", "exec"), g)
    fn = g[r["entry_point"]]
    return [fn(*copy.deepcopy(inp)) for inp in inputs]


def evalplus_prepare(cfg):
    import numpy
    probs = {r["task_id"]: r for r in rows(cfg["dataset"])}
    expected = None
    if not cfg.get("uncached"):
        with open(cfg["expected"], "rb") as f:
            expected = pickle.load(f)
    items = []
    for s in cfg["samples"]:
        r = probs[s["task_id"]]
        items.append((r, s["solution"], {k: _inputs(r, k + "_input") for k in ("base", "plus")}))
    return {"items": items, "expected": expected, "np": numpy}


def evalplus_run(st, i):
    import verdict_evalplus
    r, solution, inputs = st["items"][i]
    if st["expected"] is None:
        exp = {k: canonical_outputs(r, inputs[k]) for k in inputs}   # the ground truth, timed
    else:
        exp = st["expected"][r["task_id"]]
    ok = True
    for split in ("base", "plus"):
        try:
            g = {}
            exec(compile(solution, "<string>", "exec"), g)
            fn = g[r["entry_point"]]
            oracle = verdict_evalplus.Oracle(r["entry_point"], r.get("atol") or 0, "humaneval", st["np"], "master")
            for inp, e in zip(inputs[split], exp[split]):
                time_limit(60.0)
                out = fn(*inp)
                clear_limit()
                oracle.check(inp, out, e)
        except BaseException:
            ok = False
        finally:
            clear_limit()
    return ok


def gt_main(cfg):
    out = {}
    for r in rows(cfg["dataset"]):
        out[r["task_id"]] = {k: canonical_outputs(r, _inputs(r, k + "_input")) for k in ("base", "plus")}
    with open(cfg["out"], "wb") as f:
        pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)


# ------------------------------------------------------------------- lcb ---

def lcb_prepare(cfg):
    import verdict_lcb
    with open(cfg["tests"], "rb") as f:
        problems = pickle.load(f)
    items = []
    for qid, code in cfg["samples"]:
        p = problems[qid]
        if p["func_name"]:
            text = verdict_lcb.IMPORT_STRING + "\n\n" + code
        else:
            text = verdict_lcb.stdin_program(code)
        items.append((p, text))
    return items


def _lcb_functional(p, text):
    import verdict_lcb
    import types
    sys.set_int_max_str_digits(verdict_lcb.INT_MAX_STR_DIGITS)
    mod = types.ModuleType("tmp_sol", "")
    exec(compile(text, "<string>", "exec"), mod.__dict__)
    sol = mod.Solution() if "class Solution" in text else mod
    method = getattr(sol, p["func_name"])
    inputs, outputs = verdict_lcb.parse_functional([{"input": i, "output": o} for i, o in p["tests"]])
    for inp, exp in zip(inputs, outputs):
        time_limit(6.0)
        got = method(*inp)
        clear_limit()
        if isinstance(got, tuple):
            got = list(got)
        if got != exp:
            return False
    return True


def _lcb_stdin(p, text, d):
    import verdict_lcb
    import types
    sys.set_int_max_str_digits(verdict_lcb.INT_MAX_STR_DIGITS)
    mod = types.ModuleType("tmp_sol", "")
    exec(compile(text, "<string>", "exec"), mod.__dict__)
    fn = mod.wrapped_function
    for k, (inp, exp) in enumerate(p["tests"]):
        src, dst = os.path.join(d, "in%d" % k), os.path.join(d, "out%d" % k)
        with open(src, "w") as f:
            f.write(inp)
        fin = os.open(src, os.O_RDONLY)
        fout = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fin, 0)
        os.dup2(fout, 1)
        os.close(fin)
        os.close(fout)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
        try:
            time_limit(6.0)
            fn()
        except SystemExit:
            pass
        finally:
            clear_limit()
            sys.stdout.flush()
        with open(dst, encoding="utf-8", errors="replace") as f:
            got = f.read()
        if verdict_lcb.grade_stdout(got, inp, exp) is not None:
            return False
    return True


def lcb_run(items, i):
    p, text = items[i]
    # The stdin tests' files: made and removed here, because the child
    # leaves with os._exit and cleans up nothing.
    d = tempfile.mkdtemp(prefix="floor-lcb-")
    try:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
                code = 0 if (_lcb_functional(p, text) if p["func_name"] else _lcb_stdin(p, text, d)) else 1
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def lcb_tests_main(cfg):
    """Untimed helper: decode the dataset's tests once (public then private)."""
    import base64
    import zlib
    out = {}
    for r in rows(cfg["dataset"]):
        pub = json.loads(r["public_test_cases"])
        priv = r["private_test_cases"]
        try:
            priv = json.loads(priv)
        except ValueError:
            priv = json.loads(pickle.loads(zlib.decompress(base64.b64decode(priv.encode("utf-8")))))
        meta = json.loads(r.get("metadata") or "{}")
        tests = [(t["input"], t["output"]) for t in pub + priv]
        out[r["question_id"]] = {"tests": tests, "func_name": meta.get("func_name") if pub[0]["testtype"] ==
                                 "functional" else None}
    with open(cfg["out"], "wb") as f:
        pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)


# ------------------------------------------------------------------- main ---

MODES = {
    "humaneval": (humaneval_prepare, humaneval_run),
    "evalplus": (evalplus_prepare, evalplus_run),
    "lcb": (lcb_prepare, lcb_run),
}


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    if cfg["mode"] == "gt":
        return gt_main(cfg)
    if cfg["mode"] == "lcb_tests":
        return lcb_tests_main(cfg)
    prepare, run = MODES[cfg["mode"]]
    state = prepare(cfg)
    # The channel moves off fds 0 and 1: programs may read and print.
    chan_in = os.fdopen(os.dup(0), "r")
    chan_out = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    sys.stdin = open(os.devnull)
    sys.stdout = open(os.devnull, "w")
    chan_out.write("ready\n")
    chan_out.flush()
    if chan_in.readline().strip() != "go":
        return 1
    passed = n = 0
    while True:
        chan_out.write("next\n")
        chan_out.flush()
        i = int(chan_in.readline())
        if i < 0:
            break
        n += 1
        passed += bool(run(state, i))
    chan_out.write(json.dumps({"passed": passed, "n": n}) + "\n")
    chan_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
