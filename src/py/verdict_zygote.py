"""The warm parent of a pool worker (see sandbox/pool.c and docs/pool.md).

It runs inside a worker's jail (its own user, mount, network, ipc and uts
namespaces, the minimal root) as uid 0 of that user namespace, imports the
runner and the standard library once, freezes its heap, then serves jobs
from the supervisor over a SOCK_SEQPACKET socket on fd 3. It never runs
candidate code and never reuses a process that did: each job runs in a
fresh fork (verdict_zygote_run.py says what that child does first), made by
its forker (verdict_forker.py) or, without one, by this process.

The fast path of HumanEval-style jobs (the run's process as the runner's
child, this process writing the records) is verdict_zygote_fast.py; the
verdict profile's extraction for it runs ahead of the fork in a warm process
of its own, verdict_extractor.py.
"""
import ctypes
import errno
import gc
import os
import signal
import socket
import struct
import sys
import time

# The modules benchmark solutions and the runner use, imported once here so
# that every child starts warm.
import bisect  # noqa: F401
import collections  # noqa: F401
import copy  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import fractions  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import json
import math  # noqa: F401
import operator  # noqa: F401
import re  # noqa: F401
import statistics  # noqa: F401
import string  # noqa: F401
import typing  # noqa: F401
# And what the runner itself reaches for while it works.
import contextlib  # noqa: F401
import faulthandler  # noqa: F401
import fnmatch  # noqa: F401
import io  # noqa: F401
import select  # noqa: F401
import shutil  # noqa: F401
import subprocess  # noqa: F401  (the guard sets subprocess.Popen = None; it imports locale and threading)
import tempfile  # noqa: F401
import textwrap  # noqa: F401

from verdict_zygote_run import LIBC, CLONE_NEWPID, REPORT_EXIT, REPORT_SETUP_ERROR, STAGE_FORK, \
    c1_main, fork, g_main, preload_numpy, report, trust_loaded_classes


class Job:
    """One job as the supervisor sent it: a JSON header (argv, limits, uid,
    file names and sizes) and the pipes. The files stay in the memfd until
    the job's own init reads them: the warm parent never holds a job's
    content in its memory, where a later child could find it."""

    def __init__(self, header, memfd, data_offset, fds):
        self.header = header
        self.memfd = memfd
        self.data_offset = data_offset
        self.stdin, self.stdout, self.stderr, self.channel, self.status = fds
        self.report_fd = -1  # fast path: the program process's private report pipe
        self.extraction = None  # fast path: the extractor's record (JSON bytes), in G only
        if not header.get("channel") and self.channel >= 0:
            # No result channel asked for: fd 3 stays closed in the child.
            os.close(self.channel)
            self.channel = -1

    def files(self):
        off = self.data_offset
        for name, size in self.header["files"]:
            data = os.pread(self.memfd, size, off) if size else b""
            if len(data) != size:
                raise OSError(errno.EIO, "short job file")
            yield name, data
            off += size

    def close_memfd(self):
        if self.memfd >= 0:
            os.close(self.memfd)
            self.memfd = -1


def receive(sock):
    """One job: a header datagram with SCM_RIGHTS for the memfd and pipes."""
    msg, fds, _flags, _addr = socket.recv_fds(sock, 65536, 8)
    if not msg:
        return None
    if msg[:4] != b"JOB1" or len(fds) != 6:
        for fd in fds:
            os.close(fd)
        raise ValueError("bad message from the supervisor")
    memfd = fds[0]
    hlen = struct.unpack("=I", os.pread(memfd, 4, 0))[0]
    header = json.loads(os.pread(memfd, hlen, 4))
    return Job(header, memfd, 4 + hlen, fds[1:])


def send_started(sock, job, pid, given_pidfd=-1):
    """Tell the supervisor the run's process started, with a pidfd of it
    (its exit is the end of the run; killing it is the deadline). A pidfd
    `given_pidfd` (kept open by the caller) is sent as is."""
    pidfd = -1
    if given_pidfd < 0:
        try:
            pidfd = os.pidfd_open(pid) if pid > 0 else -1
        except OSError:
            pidfd = -1
    sent = given_pidfd if given_pidfd >= 0 else pidfd
    started = struct.pack("=4sii", b"STRT", job.header["id"], pid)
    try:
        socket.send_fds(sock, [started], [sent] if sent >= 0 else [])
    finally:
        for fd in (job.stdin, job.stdout, job.stderr, job.channel):
            if fd >= 0:
                os.close(fd)
        job.stdin = job.stdout = job.stderr = job.channel = -1
        job.close_memfd()
        if pidfd >= 0:
            os.close(pidfd)


def sweep(uid, keep=frozenset()):
    """Kill every process of the run's uid: what the program left behind
    (daemons, a fork bomb's last generation). With the real and effective
    uids set to that uid, kill(-1) reaches exactly its processes: kill()
    matches either of the sender's against the target's real or saved uid,
    and uid 0 is this worker's init (never signalled by kill(-1)), the
    extractor and the forker (`keep`: verdict_extractor.py,
    verdict_forker.py), which must survive. The saved uid stays 0, so both
    uids and the effective capabilities come back after. The sweep is over
    when kill(-1) finds no process (ESRCH), or, while one of `keep` lives
    (kill(-1) counts it, signalled or not), when /proc lists no process but
    init, this one and those."""
    for _ in range(1000):
        os.setresuid(uid, uid, -1)
        try:
            rc = LIBC.kill(-1, signal.SIGKILL)
            err = ctypes.get_errno()
        finally:
            os.setresuid(0, 0, -1)
        if rc != 0 and err == errno.ESRCH:
            return
        if keep and only_left(keep):
            return
        # Killed processes linger as zombies until the worker's init reaps
        # them, and kill(-1) still counts them.
        time.sleep(0.0005)


def only_left(keep):
    """Whether this worker's pid namespace holds no process but its init,
    this process and the pids in `keep` (zombies still count, as for
    kill(-1))."""
    try:
        pids = {int(n) for n in os.listdir("/proc") if n.isdigit()}
    except OSError:
        return False
    return not (pids - {1, os.getpid()} - keep)


def run_direct(sock, job, bpf, extractor=None, forker=None):
    """The usual path: each run has a uid of its own, so it needs no pid
    namespace of its own. /proc is mounted hidepid=2, so the run sees only
    its uid's processes; it cannot signal or trace anything of another uid;
    and afterwards everything of its uid is killed. One fork per run.

    With the "fast assert" hint this process is also the runner's parent:
    the program process reports over a private pipe and the records the
    supervisor reads (nonce included) are written from here; for the
    verdict profile's real_assert the extractor is asked first. With a
    forker (verdict_forker.py) the run's process is its child, not ours."""
    hint = job.header.get("hint") or {}
    fast = hint.get("fast") in ("assert", "real_assert") and isinstance(hint.get("nonce"), str)
    rfd = channel = -1
    if fast:
        # Shipped with the runner modules and imported warm by main(): only
        # the scorer's jobs carry the hint, and it ships them.
        import verdict_zygote_fast
        rfd, job.report_fd = os.pipe()
        # The result channel stays here: the program process never has it.
        channel, job.channel = job.channel, -1
    answer, extract_cpu = None, 0.0
    if fast and extractor is not None:
        answer, extract_cpu = extractor.before_fork(job, hint)
    # Either way, a pidfd of the run's process: the supervisor's handle on
    # it, and how the fast path learns its end.
    spawned = forker.spawn(job, answer, "numpy" in job.header.get("preload", ())) if forker is not None else None
    if spawned is not None:
        pid, pidfd = spawned
    else:
        pid = fork()
        if pid == 0:
            sock.close()
            if extractor is not None:
                job.extraction = extractor.leave(answer)
            if rfd >= 0:
                os.close(rfd)
                os.close(channel)
            g_main(job, bpf, root_setup=True)
        pidfd = os.pidfd_open(pid)
    if fast:
        os.close(job.report_fd)
        job.report_fd = -1
    t0 = time.monotonic()
    try:
        send_started(sock, job, pid, pidfd)
        buf = b""
        if fast:
            buf = verdict_zygote_fast.collect_reports(rfd, pidfd)
    finally:
        os.close(pidfd)
    if spawned is not None:
        st, ru = forker.wait(pid)
    else:
        while True:
            try:
                _, st, ru = os.wait4(pid, 0)
                break
            except InterruptedError:
                continue
    keep = {p.pid for p in (extractor, forker) if p is not None and p.pid > 0}
    sweep(job.header["uid"], keep)
    if extractor is not None:
        extractor.scrub()
    if fast:
        verdict_zygote_fast.finish(rfd, channel, hint, buf, st, ru, time.monotonic() - t0, extract_cpu)
    report(job.status, REPORT_EXIT, 0, 0, 0, st, ru, extract_cpu)
    os.close(job.status)
    job.status = -1
    return st


def run_in_pid_namespace(sock, job, bpf, extractor=None):
    """When verdict is not root, every run shares the one mapped uid, which
    cannot be swept: each run gets a pid namespace of its own instead. The
    kernel lets a process unshare CLONE_NEWPID only while its children
    would still land in its own namespace (a second unshare fails with
    EINVAL), so a short-lived helper H does it: H unshares, forks C1 (pid 1
    of the new namespace), tells us C1's pid and waits for it."""
    rfd, wfd = os.pipe()
    helper = fork()
    if helper == 0:
        os.close(rfd)
        sock.close()
        if extractor is not None:
            extractor.leave()
        if LIBC.unshare(CLONE_NEWPID) != 0:
            report(job.status, REPORT_SETUP_ERROR, STAGE_FORK, 1, ctypes.get_errno())
            os._exit(121)
        c1 = fork()
        if c1 == 0:
            os.close(wfd)
            c1_main(job, bpf)
        os.write(wfd, struct.pack("=i", c1))
        os.close(wfd)
        for fd in (job.stdin, job.stdout, job.stderr, job.channel, job.status):
            if fd >= 0:
                os.close(fd)
        job.close_memfd()
        while True:
            try:
                os.waitpid(c1, 0)
                break
            except InterruptedError:
                continue
        os._exit(0)
    os.close(wfd)
    try:
        raw = os.read(rfd, 4)
    finally:
        os.close(rfd)
    pid = struct.unpack("=i", raw)[0] if len(raw) == 4 else -1
    send_started(sock, job, pid)
    os.close(job.status)
    job.status = -1
    while True:
        try:
            _, st = os.waitpid(helper, 0)
            return st
        except InterruptedError:
            continue


def run_child(bpf, extractor):
    """What a run's process forked by the forker does (verdict_forker.py):
    rebuild the job from the parts the warm parent sent, then g_main."""
    def run(header, fds, data_offset, answer):
        memfd, stdin, stdout, stderr, channel, status, report_fd = fds
        try:
            job = Job(json.loads(header), memfd, data_offset, (stdin, stdout, stderr, channel, status))
        except (ValueError, TypeError, OSError):
            report(status, REPORT_SETUP_ERROR, STAGE_FORK, 2, errno.EINVAL)
            os._exit(121)
        job.report_fd = report_fd
        if extractor is not None:
            job.extraction = extractor.leave(answer)
        g_main(job, bpf, root_setup=True)
    return run


def serve(sock, bpf, extractor, forker):
    # A forker that died or broke step ends this worker: the supervisor
    # replaces it, and retries a run in flight once on a fresh one.
    forker_gone = sys.modules["verdict_forker"].ForkerGone if forker is not None else ()
    while True:
        try:
            job = receive(sock)
        except (ValueError, OSError):
            return 2
        if job is None:
            return 0
        for mod in job.header.get("preload", []):
            # Imported in the parent (trusted), so later children get it
            # warm. A forker imports it for the runs it forks.
            if mod == "numpy" and "numpy" not in sys.modules and forker is None:
                preload_numpy()
        try:
            if job.header["uid"] != 0:
                st = run_direct(sock, job, bpf, extractor, forker)
            else:
                st = run_in_pid_namespace(sock, job, bpf, extractor)
        except forker_gone:
            return 2
        sock.send(struct.pack("=4sii", b"DONE", job.header["id"], st))
        # Orphans of earlier jobs cannot exist: each C1 took its namespace
        # down with it.


def main():
    with open("/verdict/policy.bpf", "rb") as f:
        data = f.read()
    bpf = (ctypes.c_char * len(data)).from_buffer_copy(data)
    sys.path.insert(0, "/verdict")
    # Warm: the runner and every module it imports.
    for name in sorted(os.listdir("/verdict")):
        if name.startswith("verdict_") and name.endswith(".py") and name != "verdict_zygote.py":
            __import__(name[:-3])
    # The verdict profile's extraction, run once here: its caches are shared.
    if "verdict_kind_real" in sys.modules:
        sys.modules["verdict_kind_real"].warm_up()
    trust_loaded_classes()
    sock = socket.socket(fileno=3)
    # Everything imported so far is shared with every child; freezing it
    # keeps the collector from touching (and so copying) those pages.
    gc.collect()
    gc.freeze()
    # The verdict profile's extractor (when this pool runs scorer jobs): a
    # child of this warm, frozen state. Only with
    # a /proc that shows this worker's processes: the sweep needs it to tell
    # the extractor from what a run left behind.
    extractor = None
    proc_visible = os.path.isdir("/proc/%d" % os.getpid())
    if "verdict_kind_real" in sys.modules and "verdict_extractor" in sys.modules and proc_visible:
        extractor = sys.modules["verdict_extractor"].Extractor(bpf)
        extractor.start()
    # The forker (when its module is here): the runs' parent from now on,
    # so that this process's bookkeeping of a run never faults on pages a
    # fork write-protected. The same condition as the extractor's: the
    # sweep must tell it from a run's leftovers.
    forker = None
    if "verdict_forker" in sys.modules and proc_visible:
        forker = sys.modules["verdict_forker"].Forker()

        def let_go():
            sock.close()
            if extractor is not None:
                extractor.close_pipes()
        forker.start(let_go, run_child(bpf, extractor))
    sock.send(b"RDY1")
    return serve(sock, bpf, extractor, forker)


if __name__ == "__main__":
    sys.exit(main())
