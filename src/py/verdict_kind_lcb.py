"""The LiveCodeBench job kinds: `lcb_functional` (call-based tests in one
forked child) and `lcb_stdin` (each test a fresh interpreter with the input
on a real stdin pipe); the semantics are verdict_lcb's."""
import os
import sys

from verdict_child import TempDir, run_in_child, safe_str, wait_for_threads
from verdict_job import (MAX_ERROR_REPR, RunnerError, field, guard_for, preload, raise_child_runner_error)
from verdict_test_process import STDOUT_CAP, spawn, start_launcher

# Why a test ended as a time-out, where the official TimeoutException says less.
FD0_MESSAGE = ("the program read fd 0, the grading process's own stdin, not the test's input: "
               "the official runner blocks there until its time limit")
THREADS_MESSAGE = ("the program's code ended, but a thread it left running did not "
                   "(a real interpreter waits for it before exiting)")


def lcb_tests(job):
    tests = field(job, "tests", list)
    for t in tests:
        if not isinstance(t, dict) or not isinstance(t.get("input"), str) \
                or not isinstance(t.get("output"), str):
            raise RunnerError("each test needs string 'input' and 'output'")
    return tests


def lcb_record(results, metadata, tests_total, syntax=False):
    """Result record of an LCB run from the official (results, metadata)."""
    code = metadata.get("error_code")
    passed = code is None and len(results) == tests_total and all(r is True for r in results)
    if passed:
        status = "passed"
    elif code == -2:
        status = "failed"
    elif code == -3:
        status = "timeout"
    elif syntax:
        status = "syntax_error"
    else:
        status = "error"
    rec = {"status": status, "results": results, "metadata": metadata,
           "tests_total": tests_total}
    for k in ("error_code", "error_message", "inputs", "expected", "output"):
        if k in metadata:
            rec[k] = metadata[k]
    if passed:
        rec["tests_run"] = tests_total
    elif code == -5:
        rec["tests_run"] = None      # the run died; see failed_test
    elif "inputs" not in metadata:
        rec["tests_run"] = 0         # "Error during testing": nothing ran
    else:
        rec["tests_run"] = len(results)
        rec["failed_test"] = len(results) - 1
    return rec


def kind_lcb_functional(job, program, ctx):
    """LiveCodeBench call-based tests (grade_call_based), in one child."""
    import verdict_lcb
    func_name = field(job, "func_name", str)
    tests = lcb_tests(job)
    limit = float(field(job, "time_limit_s", (int, float), 6))
    guard = guard_for(job)
    forgery_check = field(job, "forgery_check", bool, True)
    n = len(tests)
    preload(ctx, program)
    # The official global time-out: join((timeout + 1) * n + 5), then -5.
    cap = (limit + 1.0) * n + 5.0

    with TempDir(ctx) as tmp:
        def body(send):
            os.chdir(tmp)
            send({"report": _lcb_functional_child(send, program, func_name, tests, limit,
                                                  guard, ctx, forgery_check)})

        outcome = run_in_child(ctx, body, cpu_cap_s=cap, wall_cap_s=3.0 * cap)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        rec = lcb_record(list(verdict_lcb.DIED_RESULTS), dict(verdict_lcb.DIED_METADATA), n)
        rec["status"] = "timeout" if outcome.cpu_exceeded(cap) else "error"
        rec["died"] = outcome.died_fields()
        p = outcome.progress()
        if p is not None:
            rec["failed_test"] = p
    else:
        rec = lcb_record(report["results"], report["metadata"], n, report.get("syntax", False))
        if report.get("threads_left"):
            rec.update(threads_left=report["threads_left"], exc_type="TimeoutException",
                       exc_message=THREADS_MESSAGE)
        if report.get("forged"):
            # The official runner would have passed it (error code 0).
            rec.update(status="failed", forged=report["forged"], exc_type="ForgedResult",
                       exc_message=report["forged"])
    rec["cpu_ms"] = outcome.cpu_ms
    rec["wall_ms"] = outcome.wall_ms
    return rec


def _lcb_functional_child(send, program, func_name, tests, limit, guard, ctx, forgery_check=True):
    """Returns {"results", "metadata"[, "syntax"]}, or ends the process like
    the official worker dies (a BaseException that is not an Exception)."""
    import faulthandler
    import time
    import types
    import verdict_forgery
    import verdict_guard
    import verdict_lcb
    import verdict_tracing
    die = os._exit
    sys.set_int_max_str_digits(verdict_lcb.INT_MAX_STR_DIGITS)
    verdict_guard.apply(guard, ctx.resource)
    checker = verdict_forgery.Checker(forgery_check)
    watch = verdict_tracing.Watch(forgery_check)
    TimeoutException = verdict_lcb.TimeoutException
    code_text = verdict_lcb.IMPORT_STRING + "\n\n" + program

    def fail_testing(e):
        try:
            text = str(e)
        except Exception as e2:
            text = safe_str(e2)[0] or ""
        results, meta = verdict_lcb.error_during_testing(text)
        return {"results": results, "metadata": meta, "syntax": isinstance(e, SyntaxError)}

    try:
        try:
            with verdict_guard.Timer(limit, TimeoutException):
                code = compile(code_text, "<string>", "exec", dont_inherit=True)
                tmp_sol = types.ModuleType("tmp_sol", "")
                exec(code, tmp_sol.__dict__)
                compiled = tmp_sol.Solution() if "class Solution" in code_text else tmp_sol
                assert compiled is not None
        except Exception as e:
            return fail_testing(e)
        try:
            assert hasattr(compiled, func_name)
            method = getattr(compiled, func_name)
        except Exception:
            method = None
        if method is None:
            results, meta = verdict_lcb.error_during_testing(verdict_lcb.NO_METHOD_MESSAGE)
            return {"results": results, "metadata": meta}
        try:
            all_inputs, all_outputs = verdict_lcb.parse_functional(tests)
        except Exception as e:
            return fail_testing(e)
        results = []
        total = 0.0
        # The comparison below is the test: no tracer of the program may
        # skip its lines.
        watch.begin()
        for idx, (gt_inp, gt_out) in enumerate(zip(all_inputs, all_outputs)):
            send.progress(idx)
            try:
                faulthandler.enable()
            except Exception as e:
                return fail_testing(e)
            try:
                with verdict_guard.Timer(limit, TimeoutException):
                    start = time.time()
                    prediction = method(*gt_inp)
                    total += time.time() - start
                checker.forged(prediction)
                if isinstance(prediction, tuple):
                    prediction = list(prediction)
                tmp_result = prediction == gt_out
                results.append(tmp_result)
                if not tmp_result:
                    meta = verdict_lcb.wrong_answer_functional(prediction, gt_inp, gt_out)
                    results[-1] = False
                    return {"results": results, "metadata": meta}
                results[-1] = True
            except Exception as e:
                try:
                    text = repr(e)
                except Exception as e2:
                    return fail_testing(e2)
                timed = "timeoutexception" in text.lower()
                if results and not isinstance(results[-1], bool):
                    results[-1] = False  # a comparison result that raised on `not`
                results.append(-3 if timed else -4)
                meta = verdict_lcb.exception_metadata(text[:MAX_ERROR_REPR], timed, gt_inp, gt_out)
                return {"results": results, "metadata": meta}
            finally:
                faulthandler.disable()
        verdict_guard.disarm()
        traced = watch.end()
        # The process's exit waits for the threads the program left running;
        # within the wall cap a test has (3x its limit), else the run never
        # ended: a time-out of the last test, not a hang.
        left = wait_for_threads(3.0 * limit if limit > 0 else None)
        if left and results:
            results[-1] = -3
            meta = verdict_lcb.exception_metadata(verdict_lcb.TIMEOUT_REPR, True, gt_inp, gt_out)
            return {"results": results, "metadata": meta, "threads_left": len(left)}
        out = {"results": results, "metadata": {"execution time": total}}
        if checker.found or traced or checker.rebound():
            out["forged"] = checker.found or traced
        return out
    except Exception:
        raise
    except BaseException:
        die(1)  # SystemExit, KeyboardInterrupt: the official worker dies here


_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def kind_lcb_stdin(job, program, ctx):
    """LiveCodeBench stdin tests: the official program rewrite and output
    comparison, each test a fresh `python3 -c BOOTSTRAP program` with the
    input on a real stdin pipe, time counted as the child's CPU time
    (wait4 rusage) with a wall cap of 3x. Stops at the first failure."""
    import tempfile
    import verdict_lcb
    tests = lcb_tests(job)
    limit = float(field(job, "time_limit_s", (int, float), 6))
    guard = guard_for(job)
    if guard not in ("lcb", "none"):
        raise RunnerError("lcb_stdin supports guards lcb and none")
    # Where the input is: "grader" reproduces the official worker (fd 0 is
    # the grading process's own stdin, the input is sys.stdin only), "input"
    # a real run (the input on fd 0). See verdict_lcb's docstring.
    fd0 = field(job, "fd0", str, "grader" if guard == "lcb" else "input")
    if fd0 not in ("grader", "input"):
        raise RunnerError("job field 'fd0' must be 'grader' or 'input'")
    text = verdict_lcb.stdin_program(program)
    job_dir = tempfile.mkdtemp(prefix="stdin-", dir=ctx.work_dir)
    try:
        return _lcb_stdin_run(ctx, tests, limit, guard, text, job_dir, fd0 == "grader")
    finally:
        import shutil
        shutil.rmtree(job_dir, ignore_errors=True)


# What a stdin test's interpreter imports besides the official preamble's
# modules (BOOTSTRAP's own and its guard's): verdict_launcher imports them
# once per job, ahead of the tests' forks.
BOOTSTRAP_IMPORTS = ("faulthandler", "json", "os", "sys", "threading", "types", "shutil", "subprocess")


def _lcb_stdin_run(ctx, tests, limit, guard, text, job_dir, grader_fd0):
    import verdict_lcb
    import verdict_threads
    n = len(tests)
    prog_path = os.path.join(job_dir, "program.py")
    with open(prog_path, "w", encoding="utf-8", errors="surrogatepass") as f:
        f.write(text)
    cwd = os.path.join(job_dir, "cwd")
    os.mkdir(cwd)
    argv = [sys.executable, "-s", "-X", "int_max_str_digits=%d" % verdict_lcb.INT_MAX_STR_DIGITS,
            "-c", verdict_lcb.BOOTSTRAP, prog_path, guard, os.path.dirname(verdict_threads.__file__)]
    # One test: a fresh interpreter costs what the launcher's start would.
    launcher = None
    if n > 1:
        launcher = start_launcher(ctx, argv, cwd, job_dir, text,
                                  verdict_lcb.STAR_IMPORT_MODULES + BOOTSTRAP_IMPORTS,
                                  verdict_lcb.bootstrap_prebind(prog_path))
    launcher_cpu_s = 0.0
    try:
        rec, cpu_total = _lcb_stdin_tests(ctx, tests, limit, argv, cwd, grader_fd0, launcher)
    finally:
        if launcher is not None:
            launcher_cpu_s = launcher.close()
    rec["cpu_ms"] = cpu_total + launcher_cpu_s * 1000.0
    return rec


def _lcb_stdin_tests(ctx, tests, limit, argv, cwd, grader_fd0, launcher):
    import verdict_lcb
    n = len(tests)
    results = []
    total = 0.0
    cpu_total = 0.0
    rec = None
    for idx, t in enumerate(tests):
        gt_inp, gt_out = t["input"], t["output"]
        run = spawn(ctx, argv, cwd, gt_inp.encode("utf-8", "surrogatepass"), limit, grader_fd0, launcher)
        cpu_total += run["cpu_ms"]
        if run["timed_out"]:
            results.append(-3)
            meta = verdict_lcb.exception_metadata(verdict_lcb.TIMEOUT_REPR, True, gt_inp, gt_out)
            rec = lcb_record(results, meta, n)
            if run["fd0_read"]:
                rec.update(fd0_read=True, exc_type="TimeoutException", exc_message=FD0_MESSAGE)
            elif verdict_lcb.parse_marker(run["stderr"])[0] == "threads":
                rec.update(exc_type="TimeoutException", exc_message=THREADS_MESSAGE)
        else:
            kind, etext, etype = verdict_lcb.parse_marker(run["stderr"])
            if kind == "ok" and run["exit_code"] == 0 and not run["overflow"]:
                total += run["wall_ms"] / 1000.0
                prediction = run["stdout"].decode("utf-8", "replace")
                wa = verdict_lcb.grade_stdout(prediction, gt_inp, gt_out)
                if wa is None:
                    results.append(True)
                    continue
                results.append(-2)
                rec = lcb_record(results, wa, n)
            elif kind == "ok" and run["overflow"]:
                results.append(-2)
                wa = {"output": "(more than %d bytes)" % STDOUT_CAP,
                      "inputs": verdict_lcb.truncatefn(gt_inp),
                      "expected": verdict_lcb.truncatefn(gt_out), "error_code": -2,
                      "error_message": "Wrong answer: mismatched output length"}
                rec = lcb_record(results, wa, n)
                rec["output_limit"] = True
            elif kind == "run" and run["exit_code"] == 4:
                results.append(-4)
                meta = verdict_lcb.exception_metadata(etext[:MAX_ERROR_REPR], False, gt_inp, gt_out)
                rec = lcb_record(results, meta, n)
                rec["exc_type"] = etype
            elif kind == "compile" and run["exit_code"] == 3:
                r, meta = verdict_lcb.error_during_testing(etext)
                rec = lcb_record(r, meta, n, syntax=etype in _SYNTAX_ERRORS)
                rec["exc_type"] = etype
            elif kind == "nofunc" and run["exit_code"] == 5:
                r, meta = verdict_lcb.error_during_testing(verdict_lcb.NO_METHOD_MESSAGE)
                rec = lcb_record(r, meta, n)
            else:
                rec = lcb_record(list(verdict_lcb.DIED_RESULTS),
                                  dict(verdict_lcb.DIED_METADATA), n)
                rec["status"] = "error"
                rec["died"] = {"exit_code": run["exit_code"], "signal": run["signal"]}
        if rec.get("tests_run") is not None and rec["tests_run"] > 0 or rec.get("error_code") == -5:
            rec["failed_test"] = idx
        break
    if rec is None:
        rec = lcb_record(results, {"execution time": total}, n)
    return rec, cpu_total
