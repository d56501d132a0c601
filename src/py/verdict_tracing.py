"""Code a candidate arranges, at import, to run between the lines of the tests.

The tests of the in-process kinds (HumanEval's check(), evalplus's oracle,
LiveCodeBench's functional comparison) run in the candidate's own process,
after its module code. A line tracer installed there (sys.settrace, or
threading.settrace for the threads it starts) receives every line event of
the test's frame and may move `frame.f_lineno` past every assert: the test
"passes" without asserting anything; a thread's own tracer can move the main
thread's frame too. A profiler, a signal handler on a timer, a gc callback
run the candidate's code between the test's lines as well.

Watch, one per candidate run, in the process that runs the candidate:

- created before the candidate's code runs: an audit hook (sys.addaudithook,
  permanent for the process, called by CPython itself for every way in,
  including ctypes' PyEval_SetTrace) records each sys.settrace and
  sys.setprofile call (and sys.monitoring's, 3.12+) with its thread, and
  refuses any audit hook the candidate adds; the signal handlers and gc
  callbacks are noted;
- begin(), just before the tests: the tracer and profiler of this thread
  and threading's hooks for new threads are removed, the signal handlers,
  interval timers and gc callbacks the candidate set are put back; a thread
  that installed a tracer or profiler and is still running is noted (its
  tracer cannot be removed from here before Python 3.12);
- while the tests run, a tracer or profiler installed by any thread is
  refused (RuntimeError) and recorded;
- end() returns why the run is forged, or None.

A forged run fails with the flag `forged_result`, like a forged answer
(verdict_forgery). Not a proof: code that writes the interpreter's memory
through ctypes is beyond any in-process check (docs/trust-boundary.md).
"""
import gc
import os
import signal
import sys
import threading

# Audit events that install or change a tracer, a profiler or a monitoring
# callback (sys.monitoring exists from 3.12; its events are harmless here).
_TRACE_EVENTS = frozenset((
    "sys.settrace", "sys.setprofile", "sys.monitoring.register_callback",
    "sys.monitoring.set_events", "sys.monitoring.set_local_events",
))
_IMPORT, _TESTS, _AFTER = 0, 1, 2

_SETTRACE = sys.settrace
_SETPROFILE = sys.setprofile
_THREADING_SETTRACE = threading.settrace
_THREADING_SETPROFILE = threading.setprofile
_SETTRACE_ALL = getattr(threading, "settrace_all_threads", None)      # 3.12+
_SETPROFILE_ALL = getattr(threading, "setprofile_all_threads", None)  # 3.12+
_NATIVE_ID = threading.get_native_id
_GETSIGNAL = signal.getsignal
_SIGNAL = signal.signal
_SETITIMER = signal.setitimer
_ITIMERS = (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)
_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))

_active = [None]  # the Watch of this process's current run
_hooked = [False]


def _hook(event, args):
    if event in _TRACE_EVENTS:
        w = _active[0]
        if w is not None:
            w._traced(event)
    elif event == "sys.addaudithook" and _active[0] is not None:
        # CPython drops a new hook silently when an existing one raises a
        # RuntimeError: the candidate's hook would run on every audited
        # operation of the tests.
        raise RuntimeError("audit hooks are not available here")


class Watch:
    """See the module docstring. With enabled=False nothing is watched or
    changed (`forgery_check: false`, the harnesses' own behaviour)."""

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.found = None
        if not enabled:
            return
        self.phase = _IMPORT
        self.ours = False
        self.main = _NATIVE_ID()
        self.tracing_threads = set()  # native ids of other threads that traced or profiled
        self.live_tracers = ()
        self._handlers = {}
        for sig in _SIGNALS:
            try:
                self._handlers[sig] = _GETSIGNAL(sig)
            except (ValueError, OSError):
                pass
        self._gc_callbacks = list(gc.callbacks)
        _active[0] = self
        if not _hooked[0]:
            sys.addaudithook(_hook)
            _hooked[0] = True

    def _traced(self, event):
        if self.ours:
            return
        if self.phase == _TESTS:
            if self.found is None:
                self.found = "the program installed a tracer or profiler (%s) while the tests ran" % event
            raise RuntimeError("%s is refused while the tests run" % event)
        if self.phase == _IMPORT:
            tid = _NATIVE_ID()
            if tid != self.main:
                self.tracing_threads.add(tid)

    def begin(self):
        """Just before the tests, in the thread that runs them."""
        if not self.enabled:
            return
        self.ours = True
        try:
            _SETTRACE(None)
            _SETPROFILE(None)
            _THREADING_SETTRACE(None)
            _THREADING_SETPROFILE(None)
            if _SETTRACE_ALL is not None:
                _SETTRACE_ALL(None)
                _SETPROFILE_ALL(None)
        finally:
            self.ours = False
        for which in _ITIMERS:
            _SETITIMER(which, 0)
        for sig, handler in self._handlers.items():
            try:
                if _GETSIGNAL(sig) is not handler and handler is not None:
                    _SIGNAL(sig, handler)
            except (ValueError, OSError, TypeError):
                pass
        gc.callbacks[:] = self._gc_callbacks
        self.live_tracers = tuple(t for t in self.tracing_threads if _thread_alive(t))
        self.phase = _TESTS

    def end(self):
        """After the tests (before waiting for the program's threads): why
        the run is forged, or None."""
        if not self.enabled:
            return None
        self.phase = _AFTER
        if self.found is None and self.live_tracers:
            self.found = ("a thread the program started installed a tracer or profiler and was "
                          "still running when the tests ran")
        return self.found


def _thread_alive(native_id):
    """Whether the thread still runs. Without /proc (a runtime that masks
    it) every such thread counts as running."""
    try:
        return os.path.exists("/proc/self/task/%d" % native_id) or not os.path.isdir("/proc/self/task")
    except OSError:
        return True
