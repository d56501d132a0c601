"""The `assert` job kind: HumanEval's check(entry_point) as openai's
human-eval and HF code_eval run it, in a forked child."""
import os
import types

from verdict_child import (COMPILE_ERRORS, TempDir, compile_program, compile_status, exc_fields, run_in_child,
                           safe_str, wait_for_threads)
from verdict_job import MAX_MESSAGE, field, forged_report, guard_for, preload, raise_child_runner_error


def kind_assert(job, program, ctx):
    """human-eval / HF code_eval: exec(program + "\\n" + test + "\\n" +
    "check(<entry_point>)", {}) under reliability_guard() and swallow_io().
    `harness` holds what they record: "passed", "failed: <str(e)>" or
    "timed out" (their label for a process that ended without a result)."""
    test = field(job, "test", str)
    entry_point = field(job, "entry_point", str)
    guard = guard_for(job)
    if not program.strip():
        return {"status": "no_code", "harness": None}
    forgery_check = field(job, "forgery_check", bool, True)
    preload(ctx, program, test)

    with TempDir(ctx) as tmp:
        def body(send):
            send({"report": assert_child(program, test, entry_point, guard, tmp, ctx, forgery_check)})

        outcome = run_in_child(ctx, body)
    raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        status = "timeout" if outcome.cpu_exceeded(None) else "error"
        report = {"status": status, "harness": "timed out", "died": outcome.died_fields()}
    report["cpu_ms"] = outcome.cpu_ms
    report["wall_ms"] = outcome.wall_ms
    return report


def _tests_code(code, first_test_line):
    """The code object of the tests' own module-level `def check`."""
    found = None
    for c in code.co_consts:
        if isinstance(c, types.CodeType) and c.co_name == "check" and c.co_firstlineno >= first_test_line:
            found = c
    return found


def _tests_function(check, check_code, exec_globals, checker):
    """The function that runs the tests: made afresh from the tests' own code
    object (a thread or tracer of the program may have replaced `check` or
    its __code__ meanwhile), with a copy of the globals as they are now and
    the builtins as they were before the program ran, so that nothing the
    program rebinds from here on changes what check() looks up."""
    if check_code is None:
        return check
    if check.__code__ is not check_code:
        checker.found = checker.found or "the program replaced the tests' check function"
    test_globals = dict(exec_globals)
    test_globals["__builtins__"] = dict(checker.builtins_before)
    return types.FunctionType(check_code, test_globals, "check", check.__defaults__)


def assert_child(program, test, entry_point, guard, tmp, ctx, forgery_check):
    """exec(program + test + "check(<entry_point>)") as the harness does, in
    two steps so that the candidate handed to check() is watched: the last
    line is compiled apart, padded to its own line number, and check()
    receives a wrapper that hands every answer to the forgery check. The
    tests run with the tracers, profilers and timers the program set at
    import removed (verdict_tracing)."""
    import verdict_forgery
    import verdict_guard
    import verdict_tracing
    prefix = program + "\n" + test + "\n"
    try:
        code = compile_program(prefix)
        last = compile_program("\n" * prefix.count("\n") + "check(" + entry_point + ")")
    except COMPILE_ERRORS as e:
        f = exc_fields(e)
        f["status"] = compile_status(e)
        f["harness"] = "failed: %s" % (f["exc_message"],)
        return f
    check_code = _tests_code(code, program.count("\n") + 2)
    os.chdir(tmp)
    verdict_guard.apply(guard, ctx.resource)
    checker = verdict_forgery.Checker(forgery_check)
    watch = verdict_tracing.Watch(forgery_check)
    exec_globals = {}
    try:
        with verdict_guard.SwallowIO():
            exec(code, exec_globals)
            fn, check = exec_globals.get(entry_point), exec_globals.get("check")
            if forgery_check and callable(fn) and type(check) is types.FunctionType:
                def candidate(*args, **kwargs):
                    answer = fn(*args, **kwargs)
                    checker.forged(answer)
                    return answer
                tests = _tests_function(check, check_code, exec_globals, checker)
                watch.begin()
                tests(candidate)
            else:
                exec(last, exec_globals)
    except BaseException as e:
        f = exc_fields(e)
        f["status"] = "failed" if isinstance(e, AssertionError) else "error"
        text, ok = safe_str(e)
        # human-eval formats f"failed: {e}"; when that raises, its worker
        # dies and the harness records "timed out".
        f["harness"] = ("failed: " + text)[:MAX_MESSAGE] if ok else "timed out"
        return f
    traced = watch.end()
    # The program's exit waits for the threads it left running; one that
    # never ends is a timeout (the jail's limits end it), where human-eval
    # has recorded "passed" before its worker hangs.
    wait_for_threads()
    test_names = verdict_forgery.names_used(check_code or check.__code__) \
        if type(check) is types.FunctionType else ()
    why = checker.found or traced or checker.rebound(exec_globals, test_names)
    if why:
        return forged_report(why, "passed")
    return {"status": "passed", "harness": "passed"}
