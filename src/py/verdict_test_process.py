"""One stdin test's process: started (by a warm launcher when there is one,
else as a fresh interpreter), fed its input, its output collected under the
caps, and its end observed, for the LiveCodeBench stdin kinds of both
profiles (verdict_kind_lcb, verdict_kind_real_lcb)."""
import math
import os

import verdict_launcher

STDOUT_CAP = 64 * 1024 * 1024
STDERR_TAIL = 64 * 1024
TEST_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# System calls that read a descriptor named by their first argument: read,
# pread64, readv, preadv, preadv2 (x86_64; aarch64 for the generic table).
_READ_SYSCALLS = {"x86_64": {0, 17, 19, 295, 327}, "aarch64": {63, 65, 67, 69, 286}}
FD0_POLL_S = 0.05


def blocked_on_pipe(pid, pipe, _read_syscalls=_READ_SYSCALLS.get(os.uname().machine, ())):
    """Whether a thread of `pid` sits in a read of `pipe` ((st_dev, st_ino); its fd 0,
    or the same pipe opened again as /dev/stdin or dup'ed), per
    /proc/PID/task/TID/syscall ("NR FD ..." while in a system call) and
    /proc/PID/fd/FD. False when /proc is not there (a runtime that masks
    it): the test then runs into its time limit, with the same verdict."""
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return False
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/syscall" % (pid, tid), "rb") as f:
                fields = f.read().split()
            if len(fields) < 2 or not fields[0].isdigit() or int(fields[0]) not in _read_syscalls:
                continue
            st = os.stat("/proc/%d/fd/%d" % (pid, int(fields[1], 16)))
            if (st.st_dev, st.st_ino) == pipe:
                return True
        except (OSError, ValueError):
            continue
    return False


def start_launcher(ctx, argv, cwd, job_dir, program_text, always, prebind=None):
    """A warm launcher for a job's stdin tests (verdict_launcher), or None
    when one cannot start here: the tests then run the old way."""
    fifo_dir = os.path.join(job_dir, "streams")
    try:
        os.mkdir(fifo_dir, 0o700)
        return verdict_launcher.Launcher(argv, cwd, dict(TEST_ENV), fifo_dir,
                                         verdict_launcher.preimports_for(program_text, always), prebind)
    except (OSError, verdict_launcher.LauncherError):
        return None


class _Started:
    """A test process and the runner's ends of its output streams."""
    pid = None
    fout = ferr = fd0_w = None
    popen = None
    launcher = None
    lost = False

    def reap(self):
        """(wait status, CPU seconds) once the process has ended, else None.
        A launcher that died with the test: a SIGKILL'd run (lost)."""
        if self.launcher is None:
            wpid, st, ru = os.wait4(self.pid, os.WNOHANG)
            return (st, ru.ru_utime + ru.ru_stime) if wpid == self.pid else None
        try:
            return self.launcher.take_exit()
        except verdict_launcher.LauncherError:
            self.lost = True
            return (9, 0.0)  # as if killed by SIGKILL: the run died

    def exit_fd(self):
        if self.launcher is not None:
            return self.launcher.exit_fd()
        try:
            return os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            return None  # a kernel or policy without pidfd_open: poll briefly

    def close_all(self, pidfd):
        if pidfd is not None and self.launcher is None:
            os.close(pidfd)
        for fd in (self.fout, self.ferr, self.fd0_w):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.fout = self.ferr = self.fd0_w = None


def _input_file(work_dir, stdin_bytes):
    """The test's input in a file of its own (unlinked once the test holds
    it open): read to its end, it ends in EOF at once, and /dev/stdin opens
    it again, as a judge's redirected input file."""
    import tempfile
    fd, path = tempfile.mkstemp(prefix="input-", dir=work_dir)
    try:
        view = memoryview(stdin_bytes)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return path


def _start_fresh(argv, cwd, env, limit_s, grader_fd0, resource, input_path):
    import subprocess
    from verdict_child import set_cpu_limit

    def limits():
        set_cpu_limit(resource, limit_s)

    s = _Started()
    input_fd = os.open(input_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if grader_fd0:
            fd0_r, s.fd0_w = os.pipe()
            try:
                p = subprocess.Popen(argv + [str(input_fd)], stdin=fd0_r, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=env, close_fds=True,
                                     pass_fds=(input_fd,), start_new_session=True, preexec_fn=limits,
                                     bufsize=0)
            except BaseException:
                os.close(s.fd0_w)
                raise
            finally:
                os.close(fd0_r)
        else:
            p = subprocess.Popen(argv + ["-"], stdin=input_fd, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=cwd, env=env, close_fds=True,
                                 start_new_session=True, preexec_fn=limits, bufsize=0)
    finally:
        os.close(input_fd)
    s.fout, s.ferr = os.dup(p.stdout.fileno()), os.dup(p.stderr.fileno())
    p.stdout.close()
    p.stderr.close()
    s.popen, s.pid = p, p.pid
    return s


def _start_launched(launcher, cwd, env, limit_s, grader_fd0, input_path):
    """The test forked by the job's launcher: fd 0 the input file (or, in
    the grader's layout, a FIFO nothing is written to, the input on fd 3),
    fd 1 and 2 FIFOs; the FIFOs' names go once it runs."""
    if grader_fd0:
        fifo_paths, ours = launcher.fifos(["r", "w", "w"])
        paths = fifo_paths + [input_path]
    else:
        fifo_paths, ours = launcher.fifos(["w", "w"])
        paths = [input_path] + fifo_paths
    try:
        pid = launcher.start(["3" if grader_fd0 else "-"], cwd, env, max(1, int(math.ceil(limit_s))),
                             paths, ["r", "w", "w", "r"][:len(paths)])
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        launcher.unlink(fifo_paths)
    s = _Started()
    s.launcher, s.pid = launcher, pid
    if grader_fd0:
        s.fd0_w, s.fout, s.ferr = ours
    else:
        s.fout, s.ferr = ours
    return s


def spawn(ctx, argv, cwd, stdin_bytes, limit_s, grader_fd0=False, launcher=None):
    """Run one stdin test process. Returns stdout (capped), the stderr tail,
    exit facts, CPU and wall ms, and whether the time limit was hit (CPU
    time over the limit, SIGXCPU, or the 3x wall cap). With grader_fd0 the
    input goes to another descriptor (named last in argv) and fd 0 is an
    open pipe nothing is written to; a read of it ends the test as a
    time-out at once (fd0_read). The input is a file (see _input_file).
    With a launcher the process is its fork (see verdict_launcher); if the
    launcher cannot start it, a fresh interpreter runs it."""
    import select
    import signal as signal_mod
    import time

    env = dict(TEST_ENV)
    start = time.monotonic()
    input_path = _input_file(ctx.work_dir, stdin_bytes)
    try:
        s = None
        if launcher is not None:
            try:
                s = _start_launched(launcher, cwd, env, limit_s, grader_fd0, input_path)
            except verdict_launcher.LauncherError:
                s = None
        if s is None:
            s = _start_fresh(argv, cwd, env, limit_s, grader_fd0, ctx.resource, input_path)
    finally:
        os.unlink(input_path)
    fd0_pipe = None
    if grader_fd0:
        st = os.fstat(s.fd0_w)
        fd0_pipe = (st.st_dev, st.st_ino)
    deadline = start + 3.0 * limit_s
    fout, ferr = s.fout, s.ferr
    for fd in (fout, ferr):
        os.set_blocking(fd, False)
    # The child's end is in the select set (a pidfd, or the launcher's
    # report): without it, a child that has closed its pipes (every child,
    # at exit) could only be noticed by polling, and a poll interval is
    # time lost on every test (it was 0.5 s: most of a stdin test's wall).
    pidfd = s.exit_fd()
    out = bytearray()
    err = bytearray()
    overflow = False
    killed = False
    fd0_read = False
    next_fd0_check = start
    open_r = {fout, ferr}
    status = None
    cpu_s = 0.0

    def kill():
        try:
            os.killpg(s.pid, signal_mod.SIGKILL)
        except OSError:
            pass

    while True:
        now = time.monotonic()
        if now >= deadline and status is None:
            kill()
            killed = True
        if status is None:
            ended = s.reap()
            if ended is not None:
                status, cpu_s = ended
                if s.lost:
                    kill()
        if status is None and grader_fd0 and not killed and now >= next_fd0_check:
            next_fd0_check = now + FD0_POLL_S
            if blocked_on_pipe(s.pid, fd0_pipe):
                fd0_read = killed = True
                kill()
        if status is not None and not open_r:
            break
        rlist = list(open_r)
        if status is not None:
            timeout = 0 if killed or s.lost else 0.05
        elif pidfd is not None:
            rlist.append(pidfd)
            timeout = max(0.0, deadline - now)
        else:
            timeout = max(0.0, min(0.5 if open_r else 0.005, deadline - now))
        if grader_fd0 and status is None:
            timeout = min(timeout, FD0_POLL_S)  # the fd 0 check above runs this often
        try:
            rr, _, _ = select.select(rlist, [], [], timeout)
        except InterruptedError:
            continue
        if status is not None and not rr:
            break  # the child is gone; a grandchild may hold the pipes
        for fd in rr:
            if fd == pidfd:
                continue  # ended: reaped at the top of the loop
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
    s.close_all(pidfd)
    if s.popen is not None:
        s.popen.returncode = status  # reaped here; keep Popen from waiting again
    wall_ms = (time.monotonic() - start) * 1000.0
    cpu_ms = cpu_s * 1000.0
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    timed_out = (killed and not overflow or sig == signal_mod.SIGXCPU or cpu_ms > limit_s * 1000.0) \
        and not s.lost
    return {
        "stdout": bytes(out), "stderr": bytes(err[-STDERR_TAIL:]), "exit_code": code,
        "signal": signal_mod.Signals(sig).name if sig is not None else None,
        "cpu_ms": cpu_ms, "wall_ms": wall_ms, "timed_out": timed_out, "overflow": overflow,
        "fd0_read": fd0_read, "launcher_lost": s.lost,
    }
