"""The warm interpreter that starts each stdin test of one job.

A LiveCodeBench stdin test runs its program in a process of its own (a real
stdin, nothing of the runner's in its memory). Starting a fresh `python3`
for each test costs 60-90 ms of CPU on a slow VM (the interpreter, then the
imports every such program makes), more than most programs spend on their
test. So the runner starts one interpreter per job, the launcher, with the
same command line a test would get; it imports the modules those programs
use, compiles the test's boot code once, and then forks once per test. The
forked child is the test's process: it takes its standard streams, its
session, working directory, environment and CPU limit, and runs the boot
code in a clean `__main__` as `python3 -c BOOT ARGS` would, then finishes
the way the interpreter does at exit (non-daemon threads joined, atexit
handlers, streams flushed, the exit status of SystemExit or of an uncaught
exception). A fork of a warm interpreter costs a few milliseconds.

The launcher never holds anything a test must not see: it is exec'd fresh
(not forked from the runner, which holds the expected outputs), and it only
ever receives the boot code, the program's path and where each test's
streams are. Those streams are FIFOs the runner creates per test in a
directory of its own: the seccomp policy refuses SCM_RIGHTS (sendmsg), so
descriptors cannot be passed, and the launcher opens the FIFOs by name
before it forks. The runner keeps its own ends (stdin opened read-write, so
the launcher's open never waits) and unlinks the names once the test runs.

Anything that goes wrong here (no mkfifo in a stricter policy, the launcher
killed by a test, a start that fails) makes the runner fall back to a fresh
interpreter per test, as before: slower, same verdicts.
"""
import json
import os
import select
import socket
import subprocess
import time

# Modules whose import has no effect but the import itself (no output, no
# threads, no state a fresh interpreter would not also build), so a
# launcher may import them ahead of the program that names them.
QUIET_MODULES = frozenset((
    "abc", "array", "ast", "bisect", "builtins", "calendar", "cmath", "collections", "contextlib",
    "copy", "dataclasses", "datetime", "decimal", "enum", "fractions", "functools", "hashlib",
    "heapq", "io", "itertools", "json", "math", "numbers", "operator", "os", "queue", "random",
    "re", "statistics", "string", "struct", "sys", "textwrap", "threading", "time", "types",
    "typing", "unicodedata", "numpy", "shutil", "subprocess", "atexit", "faulthandler",
    "multiprocessing", "marshal", "traceback", "weakref", "sortedcontainers",
))

START_TIMEOUT_S = 60.0
REPLY_TIMEOUT_S = 30.0

# Run as `python3 [OPTIONS] -c LAUNCHER CONTROL_FD BOOT PREIMPORTS
# [PREBIND_JSON]` (PREIMPORTS: module names, comma-separated).
#
# PREBIND: LiveCodeBench's stdin programs start with the official preamble
# (18 star imports), and running it in each test's fork cost some 6 ms of
# CPU a test: binding ~1,500 names writes the reference count of every
# object bound, and each page so written is a copy-on-write fault in a
# fresh fork. Given {"program": PATH, "preamble": TEXT, "module": NAME,
# "star": [the star-imported modules, in order], "live": [those of them the
# boot code may change before the program runs]}, the launcher runs the
# preamble once into a module NAME, compiles the rest of the program (its
# line numbers kept), and hands both to each test's boot code as
# `_verdict_prebound` in __main__: (the program's text as read here, a
# function giving the module, a function giving the rest's code). The boot
# code uses them only for that same text, after its own set-up: the
# module's names that come from the live modules are then bound again from
# them (or None is returned when that cannot be done the preamble's way),
# so the module holds what running the preamble at that moment would have
# bound.
# Everything lives in one function and is deleted from __main__ before a
# child runs its boot code, so the child's __main__ is as clean as a fresh
# `python3 -c`'s.
LAUNCHER = r'''
def _verdict_launcher():
    import sys
    # The preimports first (a comma-separated list, so that no module is
    # needed to read it): what they load, a fresh interpreter loads too.
    preimports = [name for name in sys.argv[3].split(",") if name]
    for name in preimports:
        try:
            __import__(name)
        except BaseException:
            pass  # the program meets the same failure when it imports it
    # Modules only the launcher needs: a test's process drops them again, so
    # that it sees the modules a fresh interpreter would have, plus the
    # preimported ones (an observer notes imports of `resource`). One that a
    # preimport loaded as well (`signal`, through `subprocess`) stays.
    before = set(sys.modules)
    import _thread, atexit, ctypes, gc, json, os, resource, signal, socket
    ctl, boot = int(sys.argv[1]), sys.argv[2]
    prebind = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
    own = list(set(sys.modules) - before)
    # What the exit path calls, taken before any test's code can replace it
    # (LiveCodeBench's guard sets os.kill to None; the interpreter's own exit
    # does not go through Python attributes).
    kill, getpid, exit_now, run_exitfuncs = os.kill, os.getpid, os._exit, atexit._run_exitfuncs
    # Not dumpable: a test (same uid) cannot open this process's memory or
    # descriptors in /proc, as it cannot the runner's. Each test's process
    # is dumpable again, as a freshly exec'd interpreter is.
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE

    def fork():
        # As verdict_fork.fork() (which says why): libc's fork without
        # CPython's at-fork hooks while no other thread exists; a test's
        # process reseeds `random` as that module's own hook would.
        if _thread._count() != 0:
            return os.fork()
        pid = libc.fork()
        if pid < 0:
            raise OSError(ctypes.get_errno(), "fork")
        if pid == 0:
            rand = sys.modules.get("random")
            if rand is not None:
                rand.seed()
        return pid

    code = compile(boot, "<string>", "exec")

    def prebound_preamble(spec):
        # The program's module with its preamble already run (PREBIND,
        # above LAUNCHER): (the program's text, a function giving the
        # module for a test or None, one giving the code of the rest), or
        # None when the program does not start with it. Imported here, not
        # with the launcher's own modules: those leave sys.modules in every
        # test, and these two the boot code's imports load in a fresh
        # interpreter too (the preimports have loaded them already).
        import types
        import warnings
        try:
            with open(spec["program"], encoding="utf-8") as f:
                text = f.read()
        except (OSError, ValueError):
            return None
        preamble = spec["preamble"]
        if not text.startswith(preamble):
            return None
        module = types.ModuleType(spec["module"], "")
        try:
            exec(preamble, module.__dict__)
        except BaseException:
            return None
        # The rest keeps its line numbers, and a statement on every line
        # the preamble held, so that a `from __future__` import after it
        # is refused as it is after the preamble.
        rest = "pass\n" * preamble.count("\n") + text[len(preamble):]
        rest_code = None
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                rest_code = compile(rest, "<string>", "exec")
            except BaseException:
                rest_code = None  # the test's compile raises it, where the program's would
        if seen:
            rest_code = None  # the test's compile shows them on the test's stderr
        exported = []  # (module, its public names now, names later star imports rebind)
        star = spec["star"]
        try:
            for i, name in enumerate(star):
                if name in spec["live"]:
                    later = set()
                    for other in star[i + 1:]:
                        later.update(star_names(sys.modules[other]))
                    exported.append((sys.modules[name], frozenset(star_names(sys.modules[name])), later))
        except (KeyError, TypeError):
            return None  # a module the preamble imported is gone again

        def module_for_test():
            # What the boot code changed in the live modules since (the
            # guard's builtins, the test's sys.stdin) is bound again, as
            # the preamble run now would bind it; anything it cannot
            # redo so (a name added or removed) makes the test run the
            # whole program.
            d = module.__dict__
            for mod, names, later in exported:
                now = star_names(mod)
                if len(now) != len(names) or not names.issuperset(now):
                    return None
                for k in now:
                    if k not in later:
                        v = getattr(mod, k)
                        if d.get(k) is not v:
                            d[k] = v
            return module

        def code_for_test():
            return rest_code if rest_code is not None else compile(rest, "<string>", "exec")
        return text, module_for_test, code_for_test

    def star_names(mod):
        names = getattr(mod, "__all__", None)
        if names is None:
            return [k for k in vars(mod) if k[:1] != "_"]
        return list(names)

    prebound = prebound_preamble(prebind) if prebind else None
    sock = socket.socket(fileno=ctl)
    main_globals = globals()
    keep = ("__name__", "__doc__", "__package__", "__loader__", "__spec__", "__annotations__",
            "__builtins__")

    def open_streams(req):
        fds = []
        try:
            for path, mode in req["fifos"]:
                fds.append(os.open(path, os.O_WRONLY if mode == "w" else os.O_RDONLY))
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        return fds

    def child_enter(req, fds):
        os.setsid()
        for target, fd in enumerate(fds):
            if fd != target:
                os.dup2(fd, target)
        os.closerange(len(fds), 65536)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        limit = req["cpu_limit"]
        if limit is not None:
            soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            if hard != resource.RLIM_INFINITY:
                resource.setrlimit(resource.RLIMIT_CPU, (min(limit, hard), min(limit + 1, hard)))
            else:
                resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
        prctl(4, 1, 0, 0, 0)
        sys.argv[:] = ["-c"] + req["args"]
        for m in own:
            sys.modules.pop(m, None)

    def exit_code_of(e):
        c = e.code
        if c is None:
            return 0
        if isinstance(c, int):
            return c & 0xff
        try:
            sys.stderr.write(str(c) + "\n")
        except BaseException:
            pass
        return 1

    def child_run():
        # What `python3 -c BOOT` does: run it in __main__, print an uncaught
        # exception, then finalize (threads, atexit, flush) and exit.
        for name in list(main_globals):
            if name not in keep:
                del main_globals[name]
        if prebound is not None:
            main_globals["_verdict_prebound"] = prebound
        rc, interrupted = 0, False
        try:
            exec(code, main_globals)
        except SystemExit as e:
            rc = exit_code_of(e)
        except BaseException as e:
            interrupted = isinstance(e, KeyboardInterrupt)
            try:
                sys.excepthook(type(e), e, e.__traceback__.tb_next)
            except BaseException:
                pass
            rc = 1
        threading = sys.modules.get("threading")
        try:
            if threading is not None:
                threading._shutdown()
        except BaseException:
            pass
        try:
            run_exitfuncs()
        except BaseException:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except BaseException:
                rc = rc or 120
        if interrupted:
            # An uncaught KeyboardInterrupt ends the interpreter by SIGINT.
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                kill(getpid(), signal.SIGINT)
            except BaseException:
                pass
        exit_now(rc)

    gc.collect()
    gc.freeze()
    sock.send(b"R")
    while True:
        try:
            msg = sock.recv(1 << 20)
        except OSError:
            os._exit(0)
        if not msg:
            os._exit(0)
        req = json.loads(msg)
        try:
            fds = open_streams(req)
        except OSError as e:
            sock.send(b"E" + str(e).encode())
            continue
        pid = fork()
        if pid == 0:
            try:
                sock.close()
                child_enter(req, fds)
            except BaseException:
                os._exit(126)
            child_run()
        for fd in fds:
            os.close(fd)
        sock.send(b"P%d" % pid)
        while True:
            try:
                _, status, ru = os.wait4(pid, 0)
                break
            except InterruptedError:
                continue
        sock.send(json.dumps([status, ru.ru_utime + ru.ru_stime]).encode())
_verdict_launcher()
'''


class LauncherError(Exception):
    """The launcher cannot start a test; the caller runs it the old way."""


def preimports_for(program_text, always):
    """`always`, then the quiet modules the program's text imports at all."""
    import re
    names = list(always)
    for m in re.finditer(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*)", program_text, re.M):
        top = m.group(1)
        if top in QUIET_MODULES and top not in names:
            names.append(top)
    return names


class Launcher:
    """One job's launcher process. `start` runs a test from `argv`'s boot
    code (argv as spawn() would exec it: [python, OPTIONS..., "-c", BOOT,
    ARGS...]) and returns its pid; `exit_fd` becomes readable when the
    test has ended and `take_exit` then gives (wait status, CPU seconds).
    `prebind`: see PREBIND above LAUNCHER."""

    def __init__(self, argv, cwd, env, fifo_dir, preimports, prebind=None):
        i = argv.index("-c")
        self.fixed_args = list(argv[i + 2:])
        self.fifo_dir = fifo_dir
        self.serial = 0
        self.tests_cpu_s = 0.0  # what the tests' own records already count
        self.proc = None
        self.sock = None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            null = os.open(os.devnull, os.O_RDWR)
        except OSError:
            null = subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                list(argv[:i]) + ["-c", LAUNCHER, str(theirs.fileno()), argv[i + 1], ",".join(preimports)]
                + ([json.dumps(prebind)] if prebind else []),
                stdin=null, stdout=null, stderr=null, cwd=cwd, env=env, close_fds=True,
                pass_fds=(theirs.fileno(),), start_new_session=True)
        except OSError as e:
            ours.close()
            raise LauncherError("cannot start the launcher: %s" % e)
        finally:
            theirs.close()
            if null != subprocess.DEVNULL:
                os.close(null)
        self.sock = ours
        if self._reply(START_TIMEOUT_S) != b"R":
            self.close()
            raise LauncherError("the launcher did not start")

    def _reply(self, timeout):
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        try:
            return self.sock.recv(1 << 16)
        except OSError:
            return None

    def fifos(self, modes):
        """New FIFOs for one test's streams, in order (fd 0, 1, 2, ...), each
        with the mode the test's side opens it in ("r" or "w"), and the
        runner's ends: a read-write end for what the test reads (so neither
        side's open waits), a non-blocking read end for what it writes."""
        self.serial += 1
        paths, ours = [], []
        try:
            for k, mode in enumerate(modes):
                path = os.path.join(self.fifo_dir, "t%d-%d" % (self.serial, k))
                os.mkfifo(path, 0o600)
                paths.append(path)
                flags = os.O_RDONLY if mode == "w" else os.O_RDWR
                ours.append(os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC))
        except OSError as e:
            for fd in ours:
                os.close(fd)
            self.unlink(paths)
            raise LauncherError("cannot make the test's FIFOs: %s" % e)
        return paths, ours

    @staticmethod
    def unlink(paths):
        for p in paths:
            try:
                os.unlink(p)
            except OSError:
                pass

    def start(self, args, cwd, env, cpu_limit, paths, modes):
        req = {"args": self.fixed_args + list(args), "cwd": cwd, "env": env, "cpu_limit": cpu_limit,
               "fifos": [[p, m] for p, m in zip(paths, modes)]}
        if self.sock is None:
            raise LauncherError("the launcher is closed")
        try:
            self.sock.send(json.dumps(req).encode(), socket.MSG_NOSIGNAL)
        except OSError as e:
            self.close()
            raise LauncherError("the launcher is gone: %s" % e)
        reply = self._reply(REPLY_TIMEOUT_S)
        if reply and reply[:1] == b"P":
            return int(reply[1:])
        if not reply or reply[:1] != b"E":
            # No answer, or one out of turn: the conversation is lost.
            self.close()
        raise LauncherError("the launcher did not start the test: %r" % (reply or b"")[:200])

    def exit_fd(self):
        return self.sock.fileno()

    def take_exit(self):
        """(wait status, CPU seconds) once the test has ended; None while it
        runs; LauncherError when the launcher died meanwhile."""
        if self.sock is None:
            raise LauncherError("the launcher is closed")
        try:
            msg = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        except OSError as e:
            raise LauncherError("the launcher is gone: %s" % e)
        if not msg:
            self.close()
            raise LauncherError("the launcher is gone")
        try:
            status, cpu_s = json.loads(msg)
            status, cpu_s = int(status), float(cpu_s)
        except (ValueError, TypeError):
            self.close()
            raise LauncherError("the launcher answered out of turn")
        self.tests_cpu_s += cpu_s
        return status, cpu_s

    def close(self):
        """Ends the launcher; returns its own CPU seconds (start-up, forks):
        its rusage less the tests', which it reaped and reported."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is None:
            return 0.0
        proc, self.proc = self.proc, None
        # It exits when its socket closes, unless a test it waits for is
        # still running (the caller kills tests before closing).
        deadline = time.monotonic() + 5.0
        flags = os.WNOHANG
        while True:
            try:
                pid, status, ru = os.wait4(proc.pid, flags)
            except ChildProcessError:
                return 0.0
            except InterruptedError:
                continue
            if pid:
                proc.returncode = status
                return max(0.0, ru.ru_utime + ru.ru_stime - self.tests_cpu_s)
            if time.monotonic() > deadline:
                try:
                    os.killpg(proc.pid, 9)
                except OSError:
                    pass
                flags = 0
            else:
                time.sleep(0.002)
