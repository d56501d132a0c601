"""Waiting for the threads a candidate left running, as a real interpreter's
exit does. One helper for every job kind (re-exported by verdict_child); a
module of its own, and small, because lcb_stdin's fresh interpreter per test
imports it too, uncompiled (PYTHONDONTWRITEBYTECODE).

Import it before any candidate code runs: the functions it uses are bound
at import.
"""
import threading
import time

# A candidate may replace threading's functions, or give its Thread subclass
# a join() that returns at once or a `daemon` property that lies.
_ENUMERATE = threading.enumerate
_CURRENT_THREAD = threading.current_thread
_JOIN = threading.Thread.join
_IS_ALIVE = threading.Thread.is_alive
_IS_DAEMON = threading.Thread.daemon.fget
_MONOTONIC = time.monotonic


def wait_for_threads(timeout_s=None):
    """Wait for every non-daemon thread but the caller's to end, as a real
    interpreter's exit does (threading._shutdown, run by Py_FinalizeEx
    before the standard streams are flushed), so that what a thread prints
    or leaves behind counts: LiveCodeBench's competitive-programming idiom
    `threading.Thread(target=main).start()` returns at once and prints its
    answer from the thread. Threads started while waiting are waited for
    too; daemon threads are not (the interpreter does not wait for them).

    Returns the threads still running after `timeout_s` seconds, an empty
    list when all ended. None waits without a bound of its own: the
    process's CPU limit and wall cap (the runner's or the jail's) end a
    thread that never does, as a timeout. Every job kind calls this once
    the candidate's own code has finished and passed (the verdict of a
    failed test does not depend on its threads)."""
    deadline = None if timeout_s is None else _MONOTONIC() + timeout_s
    me = _CURRENT_THREAD()
    while True:
        running = [t for t in _ENUMERATE() if t is not me and not _IS_DAEMON(t) and _IS_ALIVE(t)]
        if not running:
            return []
        for t in running:
            left = None if deadline is None else deadline - _MONOTONIC()
            if left is not None and left <= 0:
                return [t for t in running if _IS_ALIVE(t)]
            _JOIN(t, left)
