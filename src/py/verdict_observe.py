"""What a candidate did, under the verdict profile, that a harness's guard or
I/O swallowing would have broken.

The verdict profile runs the candidate as real Python: no reliability_guard,
no swallow_io (the jail is the guard). The scorer also reports what the
faithful harness would have said, and runs the faithful job only where that
verdict could differ. This module is how the verdict run tells: installed in
the candidate's process just before its code runs, it records

- every call the guards would have broken: the attributes they set to None,
  wrapped here by a recorder that calls the original (os.getcwd, os.setuid,
  os.chroot, builtins exit/quit/help/open), and the audit events of the rest
  (os.fork, os.remove, shutil.rmtree, subprocess.Popen, ...), which catch a
  call by any path, even through a reference taken before the guard;
- every use of sys.stdin, sys.stdout or sys.stderr that swallow_io's
  write-only StringIO answers differently (.buffer, fileno(), encoding, any
  read, iteration): the real streams are wrapped in TextIOWrapper subclasses
  that note such attribute lookups and otherwise behave as the originals;
- an import of a module the guards block (resource, psutil, ...).

Each record is a short cause name: "guard:tempfile" (the library module the
candidate called that then made the broken call, or the call itself when the
candidate made it directly: "guard:os.getcwd"), "stream:sys.stdout.buffer",
"stdin", "import:resource". `differs(guard)` keeps those that matter for the
named harness guard. Recording never changes what the candidate sees: the
wrappers call the real functions and return their results.

A candidate can lie here (it runs in this process): it can only make the
faithful job run when it need not, or not run when it should; its own
verdict under the verdict profile does not depend on this module.
"""
import builtins
import io
import os
import sys

# What each harness guard sets to None (verdict_guard.py has the lists the
# faithful profiles apply; these are the names they reach).
_OS_GUARDED = (
    "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir",
    "setuid", "fork", "forkpty", "killpg", "rename", "renames", "truncate",
    "replace", "unlink", "fchmod", "fchown", "chmod", "chown", "chroot",
    "lchflags", "lchmod", "lchown", "getcwd", "chdir",
)
# Guarded os functions that raise no audit event: wrapped.
_OS_WRAPPED = ("getcwd", "setuid", "chroot")
# The guard creates these (absent on Linux): hasattr() would turn true.
_OS_ABSENT = ("lchflags", "lchmod")
# Audit events of the guarded calls, and the call each stands for.
_EVENTS = {
    "os.kill": "os.kill", "os.killpg": "os.killpg", "os.system": "os.system",
    "os.putenv": "os.putenv", "os.remove": "os.remove", "os.rmdir": "os.rmdir",
    "os.chdir": "os.chdir", "os.fork": "os.fork", "os.forkpty": "os.forkpty",
    "os.rename": "os.rename", "os.truncate": "os.truncate", "os.chmod": "os.chmod",
    "os.chown": "os.chown", "shutil.rmtree": "shutil.rmtree", "shutil.move": "shutil.move",
    "shutil.chown": "shutil.chown", "subprocess.Popen": "subprocess.Popen",
}
_ABSENT = object()
BLOCKED_MODULES = ("ipdb", "joblib", "resource", "psutil", "tkinter")

# Which recorded calls each guard breaks. exit stays under LiveCodeBench's
# guard; only evalplus's sets builtins.open to None.
_BUILTINS_BY_GUARD = {
    "human-eval": ("exit", "quit", "help"),
    "lcb": ("quit", "help"),
    "evalplus": ("exit", "quit", "help", "open"),
}
GUARDS = tuple(_BUILTINS_BY_GUARD)

# Stream attributes that behave the same on swallow_io's WriteOnlyText and
# on a real text stream (over a pipe or /dev/null).
_SAME_ON_OUTPUT = frozenset(("write", "writelines", "flush", "writable", "isatty", "closed"))
_SAME_ON_INPUT = frozenset(("isatty", "closed"))


class Observer:
    """One candidate run's record. install() once, just before the
    candidate's code; stop() once it and its threads and exit handlers are
    done; then notes()/differs()."""

    def __init__(self, program_text=""):
        self.active = False
        self.records = []   # (call, cause) in order of first occurrence
        self._restore = []  # (owner, attribute, original value or _ABSENT)
        self._os_getattr = None
        self._code_files = {"<string>"}
        self._static_imports(program_text)

    # ---------------------------------------------------------- recording

    def note(self, cause, call=None):
        rec = (call or cause, cause)
        if rec not in self.records:
            self.records.append(rec)

    def _static_imports(self, text):
        # The runner has imported some blocked modules itself (resource):
        # the candidate's `import resource` then raises no audit event.
        import re
        for name in BLOCKED_MODULES:
            if re.search(r"\b%s\b" % name, text):
                self.note("import:" + name)

    def add_code_file(self, name):
        """Frames of this file are the candidate's own code."""
        self._code_files.add(name)

    def _entry(self, call, depth):
        """The name of the call as the candidate made it: the library module
        whose function the candidate called (tempfile for a shutil.rmtree in
        TemporaryDirectory's cleanup), or `call` when the candidate's own
        code made it."""
        try:
            f = sys._getframe(depth)
        except ValueError:
            return call
        inner = None
        while f is not None:
            if f.f_code.co_filename in self._code_files:
                if inner is None:
                    return call
                name = inner.f_globals.get("__name__") or call
                return name.split(".")[0] if isinstance(name, str) else call
            inner = f
            f = f.f_back
        return call

    def _record(self, call, depth):
        if not self.active or any(c == call for c, _ in self.records):
            return
        self.active = False  # the stack walk below must not record itself
        try:
            cause = "guard:" + self._entry(call, depth + 1)
        finally:
            self.active = True
        self.note(cause, call)

    def _audit(self, event, args):
        if not self.active:
            return
        call = _EVENTS.get(event)
        if call is not None:
            self._record(call, 2)
        elif event == "import" and args and args[0] in BLOCKED_MODULES:
            self.note("import:" + args[0])

    def _wrap(self, owner, attr, call):
        real = getattr(owner, attr, None)
        if real is None:
            return
        record = self._record

        def recorded(*args, **kwargs):
            record(call, 2)
            return real(*args, **kwargs)
        recorded.__name__ = getattr(real, "__name__", attr)
        recorded.__qualname__ = getattr(real, "__qualname__", attr)
        recorded.__doc__ = getattr(real, "__doc__", None)
        recorded.__wrapped__ = real
        self._restore.append((owner, attr, real))
        setattr(owner, attr, recorded)

    def _watch_absent_os(self):
        record = self._record
        previous = getattr(os, "__getattr__", None)

        def __getattr__(name):
            if name in _OS_ABSENT:
                record("os." + name, 2)
            if previous is not None:
                return previous(name)
            raise AttributeError("module 'os' has no attribute %r" % (name,))
        self._restore.append((os, "__getattr__", previous if previous is not None else _ABSENT))
        self._os_getattr = __getattr__
        os.__getattr__ = __getattr__

    def _watch_streams(self):
        out = self
        for name in ("stdin", "stdout", "stderr"):
            stream = getattr(sys, name)
            if type(stream) is not io.TextIOWrapper:
                continue  # not the interpreter's own: leave it alone
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
            cls = _recording_stream_class("sys." + name, name == "stdin", out)
            try:
                watched = cls(stream.buffer, encoding=stream.encoding, errors=stream.errors,
                              line_buffering=stream.line_buffering,
                              write_through=stream.write_through)
            except (AttributeError, ValueError, OSError):
                continue
            self._restore.append((sys, name, stream))
            setattr(sys, name, watched)

    def install(self, streams=True):
        """Start recording. Call after everything the runner needs is
        imported and bound, right before the candidate's code. streams:
        also watch sys.stdin/stdout/stderr (for harnesses that swallow
        them)."""
        for attr in _OS_WRAPPED:
            self._wrap(os, attr, "os." + attr)
        self._watch_absent_os()
        for attr in ("exit", "quit", "help", "open"):
            self._wrap(builtins, attr, attr)
        if streams:
            self._watch_streams()
        sys.addaudithook(self._audit)
        self.active = True

    def stop(self):
        """Stop recording (the audit hook stays installed but idle), flush the
        candidate's output and put back what install() replaced, where the
        candidate left it in place (so that the forgery check, which looks
        for rebound builtins, sees the originals)."""
        self.active = False
        for name in ("stdout", "stderr"):
            try:
                getattr(sys, name).flush()
            except BaseException:
                pass
        for owner, attr, original in reversed(self._restore):
            current = getattr(owner, attr, _ABSENT)
            if attr in ("stdin", "stdout", "stderr"):
                mine = getattr(type(current), "_verdict_recorded", False)
            elif attr == "__getattr__":
                mine = current is self._os_getattr
            else:
                mine = getattr(current, "__wrapped__", None) is original
            if not mine:
                continue  # the candidate replaced it: that is for the forgery check to see
            if original is _ABSENT:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
        self._restore = []

    # ------------------------------------------------------------ results

    def notes(self):
        """Every cause recorded, once each, in order."""
        out = []
        for _, cause in self.records:
            if cause not in out:
                out.append(cause)
        return out

    def differs(self, guard):
        """The recorded causes that matter for a harness running under
        `guard` (human-eval, lcb, evalplus) with swallow_io (swallowed:
        human-eval and evalplus run the candidate with swallow_io; lcb's
        faithful profile runs it with real streams)."""
        builtins_broken = _BUILTINS_BY_GUARD.get(guard, ())
        out = []
        for call, cause in self.records:
            kind = cause.partition(":")[0]
            if kind == "guard" and "." not in call and call not in builtins_broken:
                continue  # a builtin this guard leaves alone
            if kind in ("stream", "stdin") and guard == "lcb":
                continue
            if cause not in out:
                out.append(cause)
        return out


def _recording_stream_class(label, is_input, observer):
    same = _SAME_ON_INPUT if is_input else _SAME_ON_OUTPUT

    def noted(name):
        if observer.active:
            observer.note("stdin" if is_input else "stream:%s.%s" % (label, name))

    class Recorded(io.TextIOWrapper):
        def __getattribute__(self, name):
            if name not in same:
                noted(name)
            return io.TextIOWrapper.__getattribute__(self, name)

        def __iter__(self):
            noted("__iter__")
            return io.TextIOWrapper.__iter__(self)

        def __next__(self):
            noted("__next__")
            return io.TextIOWrapper.__next__(self)

    Recorded._verdict_recorded = True
    Recorded.__name__ = Recorded.__qualname__ = "TextIOWrapper"
    Recorded.__module__ = "_io"
    return Recorded
