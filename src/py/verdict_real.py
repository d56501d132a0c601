"""Running a candidate as real Python (the verdict profile): the process it
runs in, the module it runs as, and the end of its run.

The faithful profiles reproduce each harness's reliability_guard and
swallow_io; the verdict profile has neither (the jail is the guard). The
candidate runs in a forked child of the runner (or, for stdin programs, a
fresh interpreter per test) that looks like an ordinary interpreter:

- fd 3 (the result channel) closed; fd 0 on /dev/null unless the job has
  input; fds 1 and 2 the jail's own stdout and stderr (real files, so
  sys.stdout.buffer and fileno() work; the jail caps their size);
- the signal dispositions CPython sets at start-up (SIGINT raises
  KeyboardInterrupt, SIGPIPE and SIGXFSZ ignored, the rest default), so the
  program's own signal.alarm() budget or handlers work;
- a fresh private working directory, /tmp writable (tempfile);
- the program is a module named `solution`, registered in sys.modules, so
  pickling its functions (multiprocessing) works;
- at the end, what an interpreter does at exit: non-daemon threads are
  joined, then atexit handlers run, then the streams are flushed; only then
  is the verdict taken.

Per-test time limits (HumanEval+, LiveCodeBench functional) are enforced by
the runner from outside: the child marks when each test starts on a shared
page and the runner reads the child's CPU clock, so the candidate's own
timers and signal handlers are never touched. Exceeding a limit ends the
child, as a harness's first failing test ends its run.
"""
import atexit
import mmap
import os
import struct
import sys
import threading

import verdict_fork

from verdict_child import ChildOutcome, Sender, EXIT_OK, EXIT_RUNNER_ERROR, RESULT_FD, MAX_CHILD_BYTES, \
    set_cpu_limit

MODULE_NAME = "solution"
# The shared page: seq (1 + the test being timed, 0 between tests), the
# child's CPU clock and the monotonic clock at its start (ns), its limit
# (ns), and 1 + the last test started (kept after it ends).
_PAGE = struct.Struct("=qqqqq")
POLL_S = 0.02


def normal_signals():
    """The dispositions a fresh CPython process has where the runner's may
    differ: SIGINT raises KeyboardInterrupt, SIGPIPE and SIGXFSZ are ignored
    (a pool worker resets every signal to SIG_DFL before the runner starts,
    and the runner sets no other handler); no signal blocked. The C module
    is used: the enum conversions of `signal` cost more than the calls."""
    import _signal
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    _signal.signal(_signal.SIGPIPE, _signal.SIG_IGN)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_IGN)
    _signal.pthread_sigmask(_signal.SIG_SETMASK, [])


def candidate_module(name=MODULE_NAME):
    """A fresh module for the candidate, registered in sys.modules."""
    import types
    mod = types.ModuleType(name)
    sys.modules[name] = mod
    return mod


def finish_like_exit():
    """What the interpreter does at a normal exit, before the verdict is
    taken: join every non-daemon thread, run the atexit handlers, flush the
    streams. Returns how many non-daemon threads were still running when the
    candidate's code returned (each may have changed what it printed or
    left behind). Exceptions in threads and handlers are printed, as an
    interpreter prints them, and do not change the verdict."""
    running = 0
    if threading.active_count() > 1:
        main = threading.main_thread()
        running = sum(1 for t in threading.enumerate() if t is not main and not t.daemon and t.is_alive())
        try:
            threading._shutdown()
        except BaseException:
            _print_exc()
    if atexit._ncallbacks():
        try:
            atexit._run_exitfuncs()
        except BaseException:
            _print_exc()
    for name in ("stdout", "stderr"):
        try:
            getattr(sys, name).flush()
        except BaseException:
            pass
    return running


def _print_exc():
    try:
        import traceback
        traceback.print_exc()
    except BaseException:
        pass


class TestClock:
    """Child side of the per-test limits: marks the start and end of each
    timed call on the shared page (a store, no system call but the clock)."""

    def __init__(self, page):
        self.page = page
        import time
        self._cpu = time.process_time_ns
        self._wall = time.monotonic_ns
        self._pack = _PAGE.pack_into
        self._seq = struct.Struct("=q").pack_into

    def start(self, i, limit_s):
        # seq last: the runner never sees a new test with the old start.
        self._pack(self.page, 0, 0, self._cpu(), self._wall(), int(limit_s * 1e9), i + 1)
        self._seq(self.page, 0, i + 1)

    def stop(self):
        self._seq(self.page, 0, 0)


class RealOutcome(ChildOutcome):
    def __init__(self):
        super().__init__()
        self.test_timeout = None  # the test whose limit ended the child
        self.last_test = None     # the last test started, if any

    def progress(self):
        return self.last_test


def _child_setup(ctx, cpu_cap_s, stdin_path):
    try:
        os.close(RESULT_FD)
    except OSError:
        pass
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    try:
        fd = os.open(stdin_path or os.devnull, os.O_RDONLY)
        if fd != 0:
            os.dup2(fd, 0)
            os.close(fd)
    except OSError:
        pass
    if cpu_cap_s is not None:
        set_cpu_limit(ctx.resource, cpu_cap_s)
    normal_signals()


def run_real(ctx, body, cpu_cap_s=None, wall_cap_s=None, stdin_path=None):
    """Fork; run body(send, clock) in the child as a real interpreter would
    run a program (see the module notes); enforce the per-test limits the
    child marks with `clock`; collect its messages. The child always ends
    with os._exit."""
    r, w = os.pipe()
    page = mmap.mmap(-1, _PAGE.size)
    pid = verdict_fork.fork()
    if pid == 0:
        code = EXIT_RUNNER_ERROR
        send = None
        try:
            os.close(r)
            _child_setup(ctx, cpu_cap_s, stdin_path)
            send = Sender(w)
            body(send, TestClock(page))
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
        return _collect(pid, r, page, wall_cap_s)
    finally:
        os.close(r)
        page.close()


def _collect(pid, r, page, wall_cap_s):
    import json
    import select
    import signal as signal_mod
    import time
    out = RealOutcome()
    start = time.monotonic()
    deadline = start + wall_cap_s if wall_cap_s else None
    clock = (~pid << 3) | 2  # the child's process CPU clock (clock_getcpuclockid)
    buf = bytearray()
    eof = False
    status = rusage = None

    def kill_group():
        try:
            os.killpg(pid, signal_mod.SIGKILL)
        except OSError:
            pass

    def over_test_limit():
        seq, cpu0, wall0, limit, _ = _PAGE.unpack_from(page, 0)
        if not seq or not limit:
            return None
        try:
            cpu = time.clock_gettime_ns(clock)
        except OSError:
            cpu = cpu0
        if _PAGE.unpack_from(page, 0)[0] != seq:
            return None  # the test ended while we looked
        if cpu - cpu0 > limit or time.monotonic_ns() - wall0 > 3 * limit:
            return seq - 1
        return None

    while status is None:
        wpid, st, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            status, rusage = st, ru
            break
        if not out.killed:
            late = over_test_limit()
            now = time.monotonic()
            if late is not None or (deadline is not None and now >= deadline):
                out.test_timeout = late
                out.killed = True
                kill_group()
                continue
        if eof:
            time.sleep(POLL_S)
            continue
        ready, _, _ = select.select([r], [], [], POLL_S)
        if ready:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                eof = True
            elif len(buf) + len(chunk) > MAX_CHILD_BYTES:
                out.overflow = True
                out.killed = True
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
    last = _PAGE.unpack_from(page, 0)[4]
    out.last_test = last - 1 if last else None
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
