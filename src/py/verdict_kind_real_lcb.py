"""The verdict profile's LiveCodeBench job kinds (see verdict_kind_real.py
for the HumanEval ones and the result's shape):

  real_lcb_functional  LiveCodeBench call-based tests
  real_lcb_stdin       LiveCodeBench stdin tests, the program run whole as
                       __main__ by a fresh interpreter per test
"""
import os
import sys

import verdict_observe
import verdict_real
from verdict_child import TempDir, safe_str
from verdict_job import MAX_ERROR_REPR, field, preload, raise_child_runner_error
from verdict_kind_real import harness_guard, with_died, with_observed


def kind_real_lcb_functional(job, program, ctx):
    """LiveCodeBench's call-based tests, in LeetCode's environment as
    LiveCodeBench gives it (its import preamble, 50,000-digit ints), the
    program a module, Solution() when the text has one; each test under the
    per-test limit (CPU, 3x wall), stop at the first failure; the official
    comparison and metadata."""
    import verdict_kind_lcb as kl
    import verdict_lcb
    func_name = field(job, "func_name", str)
    tests = kl.lcb_tests(job)
    limit = float(field(job, "time_limit_s", (int, float), 6))
    guard = harness_guard(job)
    forgery_check = field(job, "forgery_check", bool, True)
    n = len(tests)
    preload(ctx, program)
    cap = (limit + 1.0) * n + 5.0
    with TempDir(ctx) as tmp:
        def body(send, clock):
            os.chdir(tmp)
            send({"report": _lcb_functional_child(program, func_name, tests, limit, guard, forgery_check, clock)})

        outcome = verdict_real.run_real(ctx, body, cpu_cap_s=cap, wall_cap_s=3.0 * cap)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if outcome.test_timeout is not None and report is None:
        i = outcome.test_timeout
        results = [True] * i + [-3]
        meta = verdict_lcb.exception_metadata(verdict_lcb.TIMEOUT_REPR, True, tests[i]["input"],
                                              tests[i]["output"])
        rec = kl.lcb_record(results, meta, n)
        rec["harness_differs"] = ["limits"]
    elif report is None:
        rec = kl.lcb_record(list(verdict_lcb.DIED_RESULTS), dict(verdict_lcb.DIED_METADATA), n)
        rec["status"] = "timeout" if outcome.cpu_exceeded(cap) else "error"
        with_died(outcome, rec)
        p = outcome.progress()
        if p is not None:
            rec["failed_test"] = p
        rec["harness_differs"] = ["died"]
    else:
        rec = kl.lcb_record(report["results"], report["metadata"], n, report.get("syntax", False))
        if report.get("forged"):
            rec.update(status="failed", forged=report["forged"], exc_type="ForgedResult",
                       exc_message=report["forged"])
        rec["observed"] = report.get("observed", [])
        rec["harness_differs"] = report.get("harness_differs", [])
    rec["cpu_ms"] = outcome.cpu_ms
    rec["wall_ms"] = outcome.wall_ms
    return rec


def _lcb_functional_child(program, func_name, tests, limit, guard, forgery_check, clock):
    import verdict_forgery
    import verdict_lcb
    sys.set_int_max_str_digits(verdict_lcb.INT_MAX_STR_DIGITS)
    sys.argv[:] = ["solution.py"]
    checker = verdict_forgery.Checker(forgery_check)
    code_text = verdict_lcb.IMPORT_STRING + "\n\n" + program
    observer = verdict_observe.Observer(program)
    module = verdict_real.candidate_module()
    observer.install()

    def done(rec, passed=False):
        threads = verdict_real.finish_like_exit()
        observer.stop()  # puts back what it wrapped: the forgery check sees the originals
        if passed and (checker.found or checker.rebound()):
            rec["forged"] = checker.found
        return with_observed(rec, observer, guard, threads)

    def fail_testing(e):
        text, ok = safe_str(e)
        results, meta = verdict_lcb.error_during_testing(text if ok else "")
        return done({"results": results, "metadata": meta, "syntax": isinstance(e, SyntaxError)})

    try:
        code = compile(code_text, "<string>", "exec", dont_inherit=True)
        exec(code, module.__dict__)
        compiled = module.Solution() if "class Solution" in code_text else module
    except BaseException as e:
        return fail_testing(e)
    method = getattr(compiled, func_name, None)
    if method is None:
        results, meta = verdict_lcb.error_during_testing(verdict_lcb.NO_METHOD_MESSAGE)
        return done({"results": results, "metadata": meta})
    try:
        all_inputs, all_outputs = verdict_lcb.parse_functional(tests)
    except Exception as e:
        return fail_testing(e)
    import time
    results = []
    total = 0.0
    for idx, (gt_inp, gt_out) in enumerate(zip(all_inputs, all_outputs)):
        clock.start(idx, limit)
        start = time.time()
        try:
            prediction = method(*gt_inp)
        except BaseException as e:
            clock.stop()
            try:
                text = repr(e)
            except BaseException:
                text = type(e).__name__
            results.append(-4)
            meta = verdict_lcb.exception_metadata(text[:MAX_ERROR_REPR], False, gt_inp, gt_out)
            return done({"results": results, "metadata": meta})
        clock.stop()
        total += time.time() - start
        checker.forged(prediction)
        if isinstance(prediction, tuple):
            prediction = list(prediction)
        try:
            ok = bool(prediction == gt_out)
        except BaseException as e:
            results.append(-4)
            meta = verdict_lcb.exception_metadata(repr(e)[:MAX_ERROR_REPR], False, gt_inp, gt_out)
            return done({"results": results, "metadata": meta})
        results.append(ok)
        if not ok:
            return done({"results": results, "metadata": verdict_lcb.wrong_answer_functional(prediction, gt_inp,
                                                                                            gt_out)})
    return done({"results": results, "metadata": {"execution time": total}}, passed=True)


# The interpreter run for one stdin test: `python3 -c BOOT PROGRAM OBSERVER
# GUARD`. It records what the faithful harness's guard would have broken
# (verdict_observe.py, compiled once per job by the runner and marshalled
# into OBSERVER, run in a private namespace) and runs the
# program as __main__ exactly as `python3 PROGRAM` would, in a __main__
# namespace holding nothing of the boot's. The observations go to stderr in
# one marker line written by the first atexit handler, which runs last,
# after every thread and every other handler.
OBS_MARKER = b"\x00VERDICT-OBS "
BOOT = r'''
def _verdict_boot():
    import sys
    path, observer_path, guard = sys.argv[1], sys.argv[2], sys.argv[3]
    import marshal
    with open(observer_path, "rb") as f:
        ns = {"__name__": "verdict_observe", "_NO_PREBUILD": True}
        exec(marshal.loads(f.read()), ns)
    with open(path, "rb") as f:
        source = f.read()
    observer = ns["Observer"](source.decode("utf-8", "replace"))
    observer.add_code_file(path)
    def report():
        import json, os, threading
        observer.stop()
        line = json.dumps([observer.notes(), observer.differs(guard)])
        try:
            os.write(2, b"\n\x00VERDICT-OBS " + line.encode() + b"\n")
        except OSError:
            pass
    import atexit
    atexit.register(report)
    sys.argv[:] = [path]
    g = globals()
    for name in list(g):
        if name not in ("__name__", "__doc__", "__package__", "__loader__", "__spec__", "__builtins__"):
            del g[name]
    g["__file__"] = path
    g["__cached__"] = None
    code = compile(source, path, "exec", dont_inherit=True)
    observer.install(streams=False)
    try:
        exec(code, g)
    finally:
        import threading
        main = threading.main_thread()
        if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
            observer.note("threads")
_verdict_boot()
'''


def kind_real_lcb_stdin(job, program, ctx):
    """LiveCodeBench stdin tests on the program run whole as `python3
    PROGRAM` (as __main__, no preamble, Python's own limits), one fresh
    interpreter per test with the input on a real stdin; the official output
    comparison; a non-zero exit status is a runtime error. Stops at the
    first failure."""
    import marshal
    import shutil
    import tempfile
    import verdict_kind_lcb as kl
    import signal
    tests = kl.lcb_tests(job)
    limit = float(field(job, "time_limit_s", (int, float), 6))
    guard = harness_guard(job)
    # A pool worker starts the runner with SIGPIPE at its default, fatal,
    # disposition: no write to a pipe a test process has left may end it.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    job_dir = tempfile.mkdtemp(prefix="stdin-", dir=ctx.work_dir)
    try:
        prog = os.path.join(job_dir, "solution.py")
        with open(prog, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(program)
        observer = os.path.join(job_dir, "observe.marshal")
        with open(verdict_observe.__file__, "rb") as src, open(observer, "wb") as dst:
            dst.write(marshal.dumps(compile(src.read(), "verdict_observe.py", "exec", dont_inherit=True)))
        os.chmod(observer, 0o444)
        cwd = os.path.join(job_dir, "cwd")
        os.mkdir(cwd)
        argv = [sys.executable, "-s", "-c", BOOT, prog, observer, guard]
        # One test: a fresh interpreter costs what the launcher's start would.
        launcher = kl.start_launcher(ctx, argv, cwd, job_dir, program, BOOT_IMPORTS) if len(tests) > 1 else None
        launcher_cpu_s = 0.0
        try:
            rec = _lcb_stdin_tests(ctx, tests, limit, argv, cwd, launcher)
        finally:
            if launcher is not None:
                launcher_cpu_s = launcher.close()
        rec["cpu_ms"] += launcher_cpu_s * 1000.0
        rec["harness_differs"] += [c for c in stdin_scope_causes(program) if c not in rec["harness_differs"]]
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    return rec


# What LiveCodeBench's rewrite of a stdin program (verdict_lcb.stdin_program:
# top-level statements moved into `def wrapped_function()`, after its import
# preamble) can change: names looked up in the module's globals, the
# program's own name, introspection, pickling. Found statically; the
# faithful job runs when any is there.
_SCOPE_NAMES = frozenset(("globals", "locals", "vars", "exec", "eval", "__name__", "__file__", "__builtins__",
                          "__import__", "__spec__", "__loader__", "__annotations__", "__qualname__"))
_SCOPE_ATTRS = frozenset(("__module__", "__qualname__", "__globals__", "_getframe", "f_globals", "f_locals",
                          "f_back", "__code__", "__closure__"))
_SCOPE_MODULES = frozenset(("__future__", "pickle", "multiprocessing", "inspect", "dill", "copyreg", "marshal",
                            "__main__", "doctest"))


def stdin_scope_causes(program):
    """Causes ("scope:...") for which this program may run differently as
    LiveCodeBench rewrites it than as itself."""
    import ast
    import verdict_lcb
    try:
        tree = ast.parse(verdict_lcb.clean_if_name(program))
    except Exception:
        return ["scope:unparsed"]
    rewritten = verdict_lcb.stdin_program(program)
    try:
        compile(rewritten, "<string>", "exec", dont_inherit=True)
    except Exception:
        return ["scope:rewrite"]
    if "wrapped_function" not in rewritten:
        return ["scope:rewrite"]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            cause = "scope:global"
        elif isinstance(node, ast.Name) and node.id in _SCOPE_NAMES:
            cause = "scope:" + node.id
        elif isinstance(node, ast.Attribute) and node.attr in _SCOPE_ATTRS:
            cause = "scope:" + node.attr
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] in _SCOPE_MODULES for a in node.names):
            cause = "scope:import"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _SCOPE_MODULES:
            cause = "scope:import"
        else:
            continue
        if cause not in out:
            out.append(cause)
    return out


def _last_error(stderr):
    """The exception line of a traceback on stderr ("ValueError: x")."""
    text = stderr.split(OBS_MARKER)[0].decode("utf-8", "replace").rstrip()
    return text.rsplit("\n", 1)[-1][:MAX_ERROR_REPR] if text else ""


def _observations(stderr):
    import json
    i = stderr.rfind(OBS_MARKER)
    if i < 0:
        return None
    try:
        notes, differs = json.loads(stderr[i + len(OBS_MARKER):].split(b"\n", 1)[0])
    except (ValueError, TypeError):
        return None
    if not isinstance(notes, list) or not isinstance(differs, list):
        return None
    return [str(x) for x in notes], [str(x) for x in differs]


# What BOOT and the observer import (verdict_launcher imports them once per
# job, ahead of the tests' forks; the program's own quiet imports join them).
BOOT_IMPORTS = ("atexit", "builtins", "io", "json", "os", "re", "sys", "threading", "shutil", "subprocess")


def _lcb_stdin_tests(ctx, tests, limit, argv, cwd, launcher):
    import verdict_kind_lcb as kl
    import verdict_lcb
    n = len(tests)
    results = []
    total = cpu_total = 0.0
    observed, differs = [], []
    rec = None
    for idx, t in enumerate(tests):
        gt_inp, gt_out = t["input"], t["output"]
        run = kl.spawn(ctx, argv, cwd, gt_inp.encode("utf-8", "surrogatepass"), limit, launcher=launcher)
        cpu_total += run["cpu_ms"]
        obs = _observations(run["stderr"])
        if obs is None:
            differs.append("died") if "died" not in differs else None
        else:
            observed += [c for c in obs[0] if c not in observed]
            differs += [c for c in obs[1] if c not in differs]
        if run["timed_out"]:
            results.append(-3)
            rec = kl.lcb_record(results, verdict_lcb.exception_metadata(verdict_lcb.TIMEOUT_REPR, True, gt_inp,
                                                                         gt_out), n)
        elif run["exit_code"] == 0 and not run["overflow"]:
            total += run["wall_ms"] / 1000.0
            wa = verdict_lcb.grade_stdout(run["stdout"].decode("utf-8", "replace"), gt_inp, gt_out)
            if wa is None:
                results.append(True)
                continue
            results.append(-2)
            rec = kl.lcb_record(results, wa, n)
        elif run["exit_code"] == 0:
            results.append(-2)
            rec = kl.lcb_record(results, {"output": "(more than %d bytes)" % kl.STDOUT_CAP,
                                          "inputs": verdict_lcb.truncatefn(gt_inp),
                                          "expected": verdict_lcb.truncatefn(gt_out), "error_code": -2,
                                          "error_message": "Wrong answer: mismatched output length"}, n)
            rec["output_limit"] = True
        else:
            results.append(-4)
            err = _last_error(run["stderr"])
            if run["signal"]:
                err = err or "killed by %s" % run["signal"]
            elif not err:
                err = "exit status %s" % run["exit_code"]
            rec = kl.lcb_record(results, verdict_lcb.exception_metadata(err, False, gt_inp, gt_out), n)
            rec["exc_type"] = err.split(":", 1)[0] if ":" in err else None
            rec["exit_code"] = run["exit_code"]
        rec["failed_test"] = idx
        break
    if rec is None:
        rec = kl.lcb_record(results, {"execution time": total}, n)
    rec["cpu_ms"] = cpu_total
    rec["observed"] = observed
    rec["harness_differs"] = differs
    return rec
