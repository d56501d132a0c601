"""What a candidate did, under the verdict profile, that a harness's guard or
I/O swallowing would have broken.

The verdict profile runs the candidate as real Python: no reliability_guard,
no swallow_io (the jail is the guard). The scorer also reports what the
faithful harness would have said, and runs the faithful job only where that
verdict could differ. This module is how the verdict run tells: installed in
the candidate's process just before its code runs, it records

- every call the guards would have broken: each attribute they set to None
  (26 os functions, shutil.rmtree/move/chown, subprocess.Popen, builtins
  exit/quit/help/open) is replaced by a recorder that calls the original,
  so that exactly the calls the guard breaks (those made through the
  attribute, not through a reference taken before it) are recorded, at no
  cost to any other call (an audit hook would cost every input() a Python
  call);
- every use of sys.stdin, sys.stdout or sys.stderr that swallow_io's
  write-only StringIO answers differently (.buffer, fileno(), encoding, any
  read, iteration): the real streams are wrapped in TextIOWrapper subclasses
  that note such attribute lookups and otherwise behave as the originals;
- an import of a module the guards block (resource, psutil, ...): its name
  in the program, or a finder at the front of sys.meta_path.

Each record is a short cause name: "guard:tempfile" (the library module the
candidate called that then made the broken call, or the call itself when the
candidate made it directly: "guard:os.getcwd"), "stream:sys.stdout.buffer",
"stdin", "import:resource". `differs(guard)` keeps those that matter for the
named harness guard. Recording never changes what the candidate sees: the
wrappers call the real functions and return their results.

Everything that can be is built when the module is imported (in a pool's
warm parent): a run only swaps attributes, so that the verdict profile costs
about what the faithful one does. One observer per process.

A candidate can lie here (it runs in this process): it can only make the
faithful job run when it need not, or not run when it should; its own
verdict under the verdict profile does not depend on this module.
"""
import builtins
import io
import os
import re
import sys

# What the guards set to None (verdict_guard.py applies the same lists in
# the faithful profiles): os functions, then shutil's and subprocess's.
_OS_GUARDED = (
    "kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir",
    "setuid", "fork", "forkpty", "killpg", "rename", "renames", "truncate",
    "replace", "unlink", "fchmod", "fchown", "chmod", "chown", "chroot",
    "lchflags", "lchmod", "lchown", "getcwd", "chdir",
)
_SHUTIL_GUARDED = ("rmtree", "move", "chown")
BLOCKED_MODULES = ("ipdb", "joblib", "resource", "psutil", "tkinter")
_BLOCKED_WORD = re.compile(r"\b(%s)\b" % "|".join(BLOCKED_MODULES))

# Which recorded builtins each guard breaks: exit stays under
# LiveCodeBench's guard; only evalplus's sets builtins.open to None.
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

_ABSENT = object()
_current = None  # the installed Observer, while it records
_KEEP = []       # stream wrappers, never collected (they would close the real buffer)


def _recording(call):
    obs = _current
    if obs is not None and obs.active:
        obs.record(call, 3)


def _make_recorder(real, call):
    def recorded(*args, **kwargs):
        _recording(call)
        return real(*args, **kwargs)
    recorded.__name__ = getattr(real, "__name__", call)
    recorded.__qualname__ = getattr(real, "__qualname__", call)
    recorded.__doc__ = getattr(real, "__doc__", None)
    recorded.__wrapped__ = real
    return recorded


def _recorded_popen(real):
    class Popen(real):
        __wrapped__ = real

        def __init__(self, *args, **kwargs):
            _recording("subprocess.Popen")
            super().__init__(*args, **kwargs)
    Popen.__qualname__ = real.__qualname__
    Popen.__module__ = real.__module__
    Popen.__doc__ = real.__doc__
    return Popen


def _wrapped():
    """(owner, attribute, original, recorder) for every guarded attribute,
    made once."""
    import shutil
    import subprocess
    out = [(os, a, getattr(os, a), _make_recorder(getattr(os, a), "os." + a))
           for a in _OS_GUARDED if callable(getattr(os, a, None))]
    out += [(shutil, a, getattr(shutil, a), _make_recorder(getattr(shutil, a), "shutil." + a))
            for a in _SHUTIL_GUARDED]
    for owner, attr, real, rec in out[-len(_SHUTIL_GUARDED):]:
        rec.__dict__.update(getattr(real, "__dict__", {}))  # rmtree.avoids_symlink_attacks
    out.append((subprocess, "Popen", subprocess.Popen, _recorded_popen(subprocess.Popen)))
    out += [(builtins, a, getattr(builtins, a), _make_recorder(getattr(builtins, a), a))
            for a in ("exit", "quit", "help", "open") if hasattr(builtins, a)]
    return out


_WRAPPED = _wrapped()
_OS_ABSENT = tuple(a for a in _OS_GUARDED if not hasattr(os, a))  # the guard creates them


def _os_getattr(name):
    if name in _OS_ABSENT:
        _recording("os." + name)
    raise AttributeError("module 'os' has no attribute %r" % (name,))


def _stream_note(label, name):
    obs = _current
    if obs is not None and obs.active:
        obs.note("stdin" if label == "sys.stdin" else "stream:%s.%s" % (label, name))


def _stream_class(label, same):
    class Recorded(io.TextIOWrapper):
        _verdict_recorded = True

        def __getattribute__(self, name):
            if name not in same:
                _stream_note(label, name)
            return io.TextIOWrapper.__getattribute__(self, name)

        def __iter__(self):
            _stream_note(label, "__iter__")
            return io.TextIOWrapper.__iter__(self)

        def __next__(self):
            _stream_note(label, "__next__")
            return io.TextIOWrapper.__next__(self)

    Recorded.__name__ = Recorded.__qualname__ = "TextIOWrapper"
    Recorded.__module__ = "_io"
    return Recorded


_STREAM_CLASSES = {
    "stdin": _stream_class("sys.stdin", _SAME_ON_INPUT),
    "stdout": _stream_class("sys.stdout", _SAME_ON_OUTPUT),
    "stderr": _stream_class("sys.stderr", _SAME_ON_OUTPUT),
}


def _new_stream(name, stream, fd=None):
    """A recording twin of sys.<name>: over the same buffer, or (fd given)
    over a buffer of its own on the same descriptor, made with the
    interpreter's settings for that stream."""
    if fd is None:
        buf = stream.buffer
    else:
        raw = io.FileIO(fd, "r" if name == "stdin" else "w", closefd=False)
        buf = io.BufferedReader(raw) if name == "stdin" else io.BufferedWriter(raw)
    return _STREAM_CLASSES[name](buf, encoding=stream.encoding, errors=stream.errors,
                                 line_buffering=stream.line_buffering, write_through=stream.write_through)


def _prebuild_streams():
    """The twins, made once when this module is imported (in a pool's warm
    parent): a run then only swaps them in. Each has its own buffer on fd
    0, 1 or 2, so it writes wherever that descriptor points when it writes
    (the job's own stdout in a run); made over the interpreter's buffer
    instead, it would be the warm parent's. None where it cannot be made."""
    out = {}
    for fd, name in enumerate(("stdin", "stdout", "stderr")):
        stream = getattr(sys, name, None)
        try:
            if type(stream) is io.TextIOWrapper and stream.fileno() == fd:
                out[name] = _new_stream(name, stream, fd)
        except (AttributeError, ValueError, OSError):
            pass
    _KEEP.extend(out.values())
    return out


# A stdin program's interpreter loads this module with _NO_PREBUILD set: it
# watches no stream.
_PREBUILT = {} if globals().get("_NO_PREBUILD") else _prebuild_streams()


class _BlockedImports:
    """At the front of sys.meta_path while recording: an import of a module
    the guards block that is not already loaded."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        top = name.partition(".")[0]
        obs = _current
        if top in BLOCKED_MODULES and obs is not None and obs.active:
            obs.note("import:" + top)
        return None


class Observer:
    """One candidate run's record. install() once, just before the
    candidate's code; stop() once it and its threads and exit handlers are
    done; then notes()/differs()."""

    def __init__(self, program_text=""):
        self.active = False
        self.records = []   # (call, cause) in order of first occurrence
        self._restore = []  # (owner, attribute, original value or _ABSENT)
        self._code_files = {"<string>"}
        # The runner has imported some blocked modules itself (resource):
        # the candidate's `import resource` then finds it loaded.
        for name in sorted(set(_BLOCKED_WORD.findall(program_text))):
            self.note("import:" + name)

    def add_code_file(self, name):
        """Frames of this file are the candidate's own code."""
        self._code_files.add(name)

    # ---------------------------------------------------------- recording

    def note(self, cause, call=None):
        rec = (call or cause, cause)
        if rec not in self.records:
            self.records.append(rec)

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
                name = inner.f_globals.get("__name__")
                top = name.split(".")[0] if isinstance(name, str) and name else ""
                # os.environ[...] = ... calls os.putenv: named as the call
                return top if top and top != call.split(".")[0] else call
            inner = f
            f = f.f_back
        return call

    def record(self, call, depth):
        """A guarded call; `depth` frames up is its caller."""
        if any(c == call for c, _ in self.records):
            return
        self.active = False  # the stack walk below must not record itself
        try:
            cause = "guard:" + self._entry(call, depth + 1)
        finally:
            self.active = True
        self.note(cause, call)

    def install(self, streams=True):
        """Start recording. Call after everything the runner needs is
        imported and bound, right before the candidate's code. streams:
        also watch sys.stdin/stdout/stderr (for harnesses that swallow
        them)."""
        global _current
        for owner, attr, real, recorder in _WRAPPED:
            if getattr(owner, attr, None) is real:
                self._restore.append((owner, attr, real))
                setattr(owner, attr, recorder)
        if "__getattr__" not in os.__dict__:
            self._restore.append((os, "__getattr__", _ABSENT))
            os.__getattr__ = _os_getattr
        if streams:
            self._watch_streams()
        sys.meta_path.insert(0, _BlockedImports)
        _current = self
        self.active = True

    def _watch_streams(self):
        for name in _STREAM_CLASSES:
            stream = getattr(sys, name)
            if type(stream) is not io.TextIOWrapper:
                continue  # not the interpreter's own: leave it alone
            try:
                stream.flush()
                watched = _PREBUILT.pop(name, None) or _new_stream(name, stream)
            except (AttributeError, ValueError, OSError):
                continue
            _KEEP.append(watched)
            self._restore.append((sys, name, stream))
            setattr(sys, name, watched)

    def stop(self):
        """Stop recording, flush the
        candidate's output and put back what install() replaced, where the
        candidate left it in place (so that the forgery check, which looks
        for rebound builtins, sees the originals)."""
        global _current
        self.active = False
        _current = None
        try:
            sys.meta_path.remove(_BlockedImports)
        except ValueError:
            pass
        for name in ("stdout", "stderr"):
            try:
                getattr(sys, name).flush()
            except BaseException:
                pass
        for owner, attr, original in reversed(self._restore):
            current = owner.__dict__.get(attr, _ABSENT)
            if attr in _STREAM_CLASSES:
                mine = getattr(type(current), "_verdict_recorded", False)
            elif attr == "__getattr__":
                mine = current is _os_getattr
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
        `guard` (human-eval, lcb, evalplus). human-eval and evalplus run the
        candidate with swallow_io; the lcb profile with real streams."""
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
