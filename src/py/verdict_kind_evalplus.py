"""The HumanEval+ job kinds: `expected` (evalplus's ground truth: the canonical
solution's outputs and times) and `evalplus` (its differential testing of a
candidate, split by split)."""
import os
import sys

from verdict_child import (COMPILE_ERRORS, TempDir, compile_program, compile_status, exc_fields, run_in_child,
                           wait_for_threads)
from verdict_job import (RunnerError, field, forged_report, guard_for, import_numpy, preload,
                         raise_child_runner_error)


def splits_of(job):
    """[(name, split_obj)]: job["splits"] or the job itself as one split
    named job["split"] (default "base")."""
    splits = job.get("splits")
    if splits is None:
        return [(field(job, "split", str, "base"), job)]
    if not isinstance(splits, list) or not splits:
        raise RunnerError("job field 'splits' must be a non-empty list")
    out = []
    for s in splits:
        if not isinstance(s, dict):
            raise RunnerError("each split must be an object")
        out.append((field(s, "name", str), s))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise RunnerError("split names must be unique")
    return out


def decode_list(obj, name):
    """Decode a list of tagged values and drop the encoded copy from the
    job (HumanEval+ splits reach 150 MB of JSON; one copy is enough)."""
    import verdict_values
    field(obj, name, list)
    raw = obj.pop(name)
    try:
        return [verdict_values.decode(v) for v in raw]
    except (ValueError, TypeError, RecursionError) as e:
        raise RunnerError("job field %r: %s" % (name, e)) from None


def expected_of(split, name):
    """A split's expected outputs: the values of "expected", where the
    entries named by "expected_digests" ([[index, hex], ...]) are known by
    their digest only (verdict_digest.Expected)."""
    import verdict_digest
    expected = decode_list(split, "expected")
    digests = split.pop("expected_digests", [])
    if not isinstance(digests, list):
        raise RunnerError("split %r: expected_digests must be a list" % name)
    for pair in digests:
        if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int
                and 0 <= pair[0] < len(expected) and isinstance(pair[1], str) and len(pair[1]) == 64):
            raise RunnerError("split %r: expected_digests takes [index, 64 hex digits] pairs" % name)
        expected[pair[0]] = verdict_digest.Expected(pair[1])
    return expected


def overall(split_results, order):
    """Top-level status of a multi-split run: passed iff every split passed,
    else the first non-passing split's status and failure facts."""
    for name in order:
        r = split_results[name]
        if r["status"] != "passed":
            top = {"status": r["status"], "split": name}
            for k in ("failed_test", "tests_run", "exc_type", "exc_message", "line", "forged"):
                if k in r:
                    top[k] = r[k]
            return top
    return {"status": "passed", "split": None}


def kind_expected(job, program, ctx):
    """evalplus get_groundtruth()/trusted_exec(): exec the canonical program
    in a fresh dict (no guard, no I/O swallowing), then per input: deepcopy,
    time.time() around fn(*inp). `contract` is ignored: evalplus runs
    prompt + canonical_solution, never the contract. Reports tagged
    outputs, wall times (times_ms, what evalplus records) and thread CPU
    times (cpu_times_ms).

    With `digest_over` (bytes), an output whose tagged JSON is longer is
    reported by its equality digest instead (`digested`: [[index, hex]];
    its `outputs` slot is null), unless a tolerance may compare it: the
    job's `atol` is not 0, or this or an earlier output of the split is
    floats (evalplus then sets atol 1e-6 for the rest of the split)."""
    plan = _expected_plan(job, program, ctx, 0)
    return _expected_record(job, plan, _expected_units(plan, guard_for(job), ctx))


def kind_expected_tasks(job, program, ctx):
    """The `expected` kind over several tasks of one dataset, in one child,
    as evalplus computes a whole dataset's ground truth in one process:
    `tasks` is a list of `expected` jobs (their own program, entry_point,
    splits, digest_over, atol); the result's `tasks` holds, in order, what
    each would give alone. A child that dies leaves the rest to a fresh
    one, from the next split. The scorer batches only a dataset file's
    tasks, never problems that came inline with a request: one problem's
    canonical program could change another's outputs, which are cached."""
    tasks = field(job, "tasks", list)
    if not tasks or not all(isinstance(t, dict) for t in tasks):
        raise RunnerError("job field 'tasks' must be a non-empty list of objects")
    plans = [_expected_plan(t, field(t, "program", str), ctx, i) for i, t in enumerate(tasks)]
    results = _expected_units([u for plan in plans for u in plan], guard_for(job), ctx)
    records = [_expected_record(t, plan, results) for t, plan in zip(tasks, plans)]
    failed = next((r for r in records if r["status"] != "passed"), None)
    return {"status": failed["status"] if failed else "passed", "tasks": records}


def _expected_plan(job, program, ctx, task):
    """The units of one expected job: [((task, split name), program,
    entry_point, inputs, digest_over, atol)]."""
    entry_point = field(job, "entry_point", str)
    digest_over = field(job, "digest_over", int, None)
    atol = field(job, "atol", (int, float), 0)
    preload(ctx, program)
    if digest_over is not None and ctx.numpy is None:
        ctx.numpy = import_numpy()  # long number lists digest faster with it
    return [((task, name), program, entry_point, decode_list(split, "inputs"), digest_over, atol)
            for name, split in splits_of(job)]


def _expected_record(job, plan, results):
    by_split = {key[1]: results[key] for key, *_ in plan}
    if "splits" not in job:
        rec = dict(by_split[plan[0][0][1]])
        rec["split"] = plan[0][0][1]
        return rec
    top = overall(by_split, [key[1] for key, *_ in plan])
    top["splits"] = by_split
    return top


def _expected_units(units, guard, ctx, trusted_path=False):
    """{key: report} for units [(key, program, entry_point, inputs,
    digest_over, atol)]: the canonical programs on their inputs in one
    child (each unit exec'd in a fresh namespace, as evalplus's
    trusted_exec does). A child costs more than most units' computation;
    a child that dies in a unit leaves the units after it to a fresh
    child. `trusted_path`: the run's work directory leaves sys.path
    first, so a candidate that ran earlier in this jail cannot plant a
    module for the canonical program to import."""
    results = {}
    rest = list(units)
    while rest:
        results.update(_expected_child(rest, guard, ctx, trusted_path))
        rest = [u for u in rest if u[0] not in results]
    return results


def _expected_child(units, guard, ctx, trusted_path):
    """One child over `units` in order: the reports of the units it
    finished and of the one it died in (at least the first)."""
    def body(send):
        import copy
        import json
        import time
        import verdict_digest
        import verdict_evalplus
        import verdict_guard
        import verdict_values
        if trusted_path:
            work = os.path.realpath(ctx.work_dir)
            sys.path[:] = [p for p in sys.path
                           if p and os.path.realpath(p) != work and not os.path.realpath(p).startswith(work + "/")]
        # Compiled before the guard, as each program alone was.
        compiled = {}
        for _, program, *_ in units:
            if program not in compiled:
                try:
                    compiled[program] = compile_program(program)
                except COMPILE_ERRORS as e:
                    f = exc_fields(e)
                    f["status"] = compile_status(e)
                    compiled[program] = f
        verdict_guard.apply(guard, ctx.resource)

        def unit(code, entry_point, inputs, offset, digest_over, atol):
            if isinstance(code, dict):
                return dict(code)  # did not compile
            g = {}
            try:
                exec(code, g)
                fn = g[entry_point]
            except BaseException as e:
                f = exc_fields(e)
                f["status"] = "error"
                return f
            floats = False
            for i, inp in enumerate(inputs):
                send.progress(offset + i)
                inp = copy.deepcopy(inp)
                try:
                    c0 = time.thread_time()
                    t0 = time.time()
                    out = fn(*inp)
                    wall = time.time() - t0
                    cpu = time.thread_time() - c0
                except BaseException as e:
                    f = exc_fields(e)
                    f.update(status="error", failed_test=i, tests_run=i + 1)
                    return f
                try:
                    value = verdict_values.encode(out)
                except (verdict_values.UnencodableValue, RecursionError) as e:
                    f = exc_fields(e)
                    f.update(status="error", failed_test=i, tests_run=i + 1)
                    return f
                msg = {"o": i, "v": value, "w": wall * 1000.0, "c": cpu * 1000.0}
                if digest_over is not None:
                    floats = floats or verdict_evalplus.is_floats(out)
                    if not floats and atol == 0 and len(json.dumps(value)) > digest_over:
                        try:
                            msg = {"o": i, "d": verdict_digest.digest(out, ctx.numpy), "w": msg["w"], "c": msg["c"]}
                        except verdict_digest.NotDigestible:
                            pass  # kept whole
                send.hold(msg)
            wait_for_threads()
            return {"status": "passed", "tests_run": len(inputs)}

        offset = 0
        for k, (_, program, entry_point, inputs, digest_over, atol) in enumerate(units):
            c0, t0 = time.process_time(), time.monotonic()
            report = unit(compiled[program], entry_point, inputs, offset, digest_over, atol)
            send({"report": report, "s": k, "cpu_ms": (time.process_time() - c0) * 1000.0,
                  "wall_ms": (time.monotonic() - t0) * 1000.0})
            offset += len(inputs)

    outcome = run_in_child(ctx, body)
    raise_child_runner_error(outcome)
    # The messages in order: each unit's outputs, then its report.
    results, k = {}, 0
    outputs, times, cpu_times, digested = [], [], [], []
    cpu_left = outcome.cpu_ms
    for m in outcome.messages:
        if "report" in m:
            if m.get("s") != k or k >= len(units):
                raise RunnerError("expected: reports out of order")
            cpu_ms = m.get("cpu_ms", outcome.cpu_ms)
            if cpu_left is not None and isinstance(cpu_ms, (int, float)):
                cpu_left = max(0.0, cpu_left - cpu_ms)
            key, _, _, inputs, digest_over, _ = units[k]
            results[key] = _expected_report(m["report"], inputs, outputs, times, cpu_times, digested, digest_over,
                                            cpu_ms, m.get("wall_ms", outcome.wall_ms))
            k += 1
            outputs, times, cpu_times, digested = [], [], [], []
        elif "o" in m:
            if m["o"] != len(outputs):
                raise RunnerError("expected: outputs out of order")
            if "d" in m:
                digested.append([m["o"], m["d"]])
            outputs.append(m.get("v"))
            times.append(m["w"])
            cpu_times.append(m["c"])
    if k < len(units):
        # Died in unit k: outputs held in the child are lost with it; its
        # progress (an index over all the units) is not.
        offset = sum(len(u[3]) for u in units[:k])
        failed = outcome.progress()
        report = {"status": "timeout" if outcome.cpu_exceeded(None) else "error",
                  "died": outcome.died_fields(),
                  "failed_test": len(outputs) if failed is None or failed < offset else failed - offset}
        key, _, _, inputs, digest_over, _ = units[k]
        results[key] = _expected_report(report, inputs, outputs, times, cpu_times, digested, digest_over,
                                        cpu_left, outcome.wall_ms)
    return results


def _expected_report(report, inputs, outputs, times, cpu_times, digested, digest_over, cpu_ms, wall_ms):
    if report["status"] == "passed" and len(outputs) != len(inputs):
        raise RunnerError("expected: %d outputs for %d inputs" % (len(outputs), len(inputs)))
    report.update(outputs=outputs, times_ms=times, cpu_times_ms=cpu_times,
                  tests_total=len(inputs), cpu_ms=cpu_ms, wall_ms=wall_ms)
    if digest_over is not None:
        report["digested"] = digested
    return report


def kind_evalplus(job, program, ctx):
    """evalplus untrusted_check()/unsafe_execute() per split, each split in
    its own fresh child (evalplus forks one process per split): exec under
    evalplus's reliability_guard and swallow_io, then per input a time
    limit, fn(*inp) with I/O swallowed, the oracle of verdict_evalplus,
    stop at the first failure (fast_check, evalplus's default).

    Split `harness` is evalplus's status: "pass", "fail" (any exception,
    wrong output, or a per-input time-out), "timeout" (the process ended
    without a result: killed at min(60, sum(limits)) + 2 s, os._exit, a
    signal)."""
    import verdict_evalplus
    entry_point = field(job, "entry_point", str)
    atol = field(job, "atol", (int, float), 0)
    dataset = field(job, "dataset", str, "humaneval")
    if dataset != "humaneval":
        raise RunnerError("evalplus dataset %r is not supported (humaneval only)" % dataset)
    version = field(job, "evalplus_version", str, "0.3.1")
    if version not in verdict_evalplus.VERSIONS:
        raise RunnerError("unknown evalplus_version %r" % version)
    field(job, "contract", str, "")  # accepted; evalplus never executes it
    forgery_check = field(job, "forgery_check", bool, True)
    canonical = field(job, "canonical", str, None)
    guard = guard_for(job)
    splits = splits_of(job)
    plans = []
    for name, split in splits:
        inputs = decode_list(split, "inputs")
        expected = expected_of(split, name)
        limits = field(split, "time_limits_s", list)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in limits):
            raise RunnerError("time_limits_s must be numbers")
        if not (len(inputs) == len(expected) == len(limits)):
            raise RunnerError("split %r: inputs, expected and time_limits_s differ in length" % name)
        plans.append((name, inputs, expected, limits))
    if ctx.numpy is None:
        ctx.numpy = import_numpy()
    preload(ctx, program)
    results = {}
    for name, inputs, expected, limits in plans:
        if not program.strip():
            results[name] = {"status": "no_code", "harness": "fail", "tests_run": 0,
                             "tests_total": len(inputs)}
            continue
        cap = verdict_evalplus.split_timeout(limits)
        res = _evalplus_split(program, entry_point, atol, dataset, version, inputs,
                              expected, limits, guard, cap, ctx, forgery_check)
        if "need_expected" in res:
            # The candidate returned something whose equality a digest
            # cannot tell (a numpy value, a subclass): the canonical
            # solution computes the real outputs here, and the split runs
            # again against them.
            if canonical is None:
                raise RunnerError("split %r: input %d needs the expected value itself, and the job carries "
                                  "no canonical program" % (name, res["need_expected"]))
            full = _canonical_outputs(canonical, entry_point, inputs, ctx, name)
            res = _evalplus_split(program, entry_point, atol, dataset, version, inputs,
                                  full, limits, guard, cap, ctx, forgery_check)
            if "need_expected" in res:
                # With every value at hand only a forged report asks again.
                res = {"status": "error", "harness": "fail", "exc_type": "BadReport",
                       "exc_message": "the candidate's process sent a report the runner never asks for",
                       "tests_total": len(inputs), "cpu_ms": res.get("cpu_ms"), "wall_ms": res.get("wall_ms")}
            res["expected_recomputed"] = True
        results[name] = res
    top = overall(results, [n for n, _ in splits])
    top["splits"] = results
    top["tests_total"] = sum(len(p[1]) for p in plans)
    if not program.strip():
        top["status"] = "no_code"
    return top


def _canonical_outputs(canonical, entry_point, inputs, ctx, name):
    """The canonical solution's outputs of one split, decoded (a trusted
    child, as the `expected` kind runs it)."""
    import verdict_values
    rep = _expected_units([(name, canonical, entry_point, inputs, None, 0)], "none", ctx, trusted_path=True)[name]
    if rep.get("status") != "passed":
        raise RunnerError("split %r: the canonical solution did not run cleanly: %s %s" % (
            name, rep.get("status"), rep.get("exc_type") or ""))
    try:
        return [verdict_values.decode(v) for v in rep["outputs"]]
    except (ValueError, TypeError, RecursionError) as e:
        raise RunnerError("split %r: canonical outputs: %s" % (name, e)) from None


def _evalplus_split(program, entry_point, atol, dataset, version, inputs, expected, limits,
                    guard, cap, ctx, forgery_check=True):
    import verdict_digest
    import verdict_evalplus
    import verdict_forgery
    import verdict_guard
    import verdict_tracing
    Expected, NotDigestible = verdict_digest.Expected, verdict_digest.NotDigestible

    def body(send):
        try:
            code = compile_program(program)
        except COMPILE_ERRORS as e:
            f = exc_fields(e)
            f.update(status=compile_status(e), harness="fail", tests_run=0)
            send({"report": f})
            return
        os.chdir(tmp)
        verdict_guard.apply(guard, ctx.resource)
        oracle = verdict_evalplus.Oracle(entry_point, atol, dataset, ctx.numpy, version)
        checker = verdict_forgery.Checker(forgery_check)
        watch = verdict_tracing.Watch(forgery_check)
        exec_globals = {}
        try:
            with verdict_guard.SwallowIO():
                exec(code, exec_globals)
                fn = exec_globals[entry_point]
        except BaseException as e:
            f = exc_fields(e)
            f.update(status="error", harness="fail", tests_run=0)
            send({"report": f})
            return
        # The oracle is the test: no tracer of the program may skip its lines.
        watch.begin()
        for i, inp in enumerate(inputs):
            send.progress(i)
            phase = "call"
            try:
                with verdict_guard.Timer(limits[i], verdict_evalplus.TimeoutException):
                    with verdict_guard.SwallowIO():
                        out = fn(*inp)
                phase = "compare"
                if checker.forged(out):
                    f = forged_report(checker.found, "pass")
                    f.update(failed_test=i, tests_run=i + 1)
                    send({"report": f})
                    return
                oracle.check(inp, out, expected[i])
            except BaseException as e:
                if type(e) is NotDigestible and phase == "compare" and type(expected[i]) is Expected:
                    # Not a verdict: the expected value itself is needed.
                    send({"report": {"need_expected": i}})
                    return
                f = exc_fields(e)
                if isinstance(e, verdict_evalplus.TimeoutException) and phase == "call":
                    status = "timeout"
                elif phase == "compare":
                    status = "failed"
                else:
                    status = "error"
                f.update(status=status, harness="fail", failed_test=i, tests_run=i + 1)
                if oracle.unrecorded:
                    f["harness_failed_test"] = 0  # evalplus counted only this failure
                send({"report": f})
                return
        verdict_guard.disarm()
        traced = watch.end()
        # As the program's exit would: a thread left running that never
        # ends is a timeout (the split's caps end it), not a pass.
        wait_for_threads()
        if traced:
            f = forged_report(traced, "pass")
            f.update(tests_run=len(inputs))
            send({"report": f})
            return
        if oracle.unrecorded and inputs:
            send({"report": {"status": "failed", "harness": "fail", "tests_run": len(inputs),
                             "unrecorded": oracle.unrecorded, "exc_type": None,
                             "exc_message": "evalplus 0.3.1 never records an accepted find_zero input"}})
            return
        if checker.rebound():
            f = forged_report(checker.found, "pass")
            f.update(tests_run=len(inputs))
            send({"report": f})
            return
        send({"report": {"status": "passed", "harness": "pass", "tests_run": len(inputs)}})

    with TempDir(ctx) as tmp:
        outcome = run_in_child(ctx, body, cpu_cap_s=cap, wall_cap_s=3.0 * cap)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        p = outcome.progress()
        report = {"status": "timeout" if outcome.cpu_exceeded(cap) else "error",
                  "harness": "timeout", "died": outcome.died_fields(),
                  "tests_run": 0 if p is None else p + 1}
        if p is not None:
            report["failed_test"] = p
    report["tests_total"] = len(inputs)
    report["cpu_ms"] = outcome.cpu_ms
    report["wall_ms"] = outcome.wall_ms
    return report
