"""The forker: the warm parent's twin that forks its runs (docs/pool.md).

A fork write-protects every page of the forking process, so each page it
writes afterwards costs a fault; on a VM with shadow page tables that is
10-35 us a page. The warm parent's bookkeeping of a run (the job's header,
the pipes, the extractor's answer, the started and done messages, the
reports and records, the sweep) wrote some 250 pages between two forks:
about 10 ms of CPU per run, a fifth of a HumanEval run's.

So once warm, the warm parent forks this process, a copy of its warm,
frozen state, and lets it fork the runs. Per run the forker receives the
run's descriptors and header over a socketpair, forks the run's process,
sends back its pid and a pidfd, waits for it and sends its wait status and
resource usage: about 100 pages written. The warm parent keeps all the
rest, and since it no longer forks (but to restart its extractor) its own
pages stay writable. Both are uid 0 of the worker's namespace; neither
ever runs candidate code or reads a job's files; the forker holds neither
the supervisor's socket nor the extractor's pipes.

Only with a /proc that lists the worker's processes: the sweep after a run
must tell the forker from what the run left behind (kill(-1) counts it).
Without one the warm parent forks its runs itself, as before.
"""
import ctypes
import errno
import fcntl
import json
import os
import resource
import signal
import socket
import struct
import sys

import verdict_fork
# Always shipped beside the warm parent, which imports it.
from verdict_zygote_run import preload_numpy

PR_SET_PDEATHSIG = 1
# warm parent -> forker: magic, preload numpy, descriptor mask, memfd data
# offset, extraction answer (offset, length; length -1: none), header length
SPAWN = struct.Struct("=4sBBxxqqqq")
FD_CHANNEL, FD_REPORT = 1, 2
# forker -> warm parent: magic, pid (the pidfd rides along), or errno
STARTED = struct.Struct("=4si")
# forker -> warm parent: magic, pid, wait status, CPU (user, system: s), the
# other fourteen fields of struct rusage
ENDED = struct.Struct("=4siidd14q")
RUSAGE_REST = ("ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt", "ru_nswap",
               "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw")
# A spawn message's bound; a job whose header does not fit (never one of
# the scorer's: a header is some hundred bytes) is forked by the warm parent.
MAX_MESSAGE = 64 << 10
# The run's process places its descriptors at 0-5 (verdict_zygote_run.g_enter);
# what it received must sit above them. The forker, which let go of the
# supervisor's socket and the extractor's pipes, has holes below.
FIRST_JOB_FD = 10


class ForkerGone(Exception):
    """The forker died or broke the protocol: the worker must be replaced."""


class Forker:
    """The warm parent's side of the forker."""

    def __init__(self):
        self.pid = -1
        self.sock = None

    def start(self, on_start, run_child):
        """Fork the forker. on_start() runs first in it: it lets go of what
        the forker must not hold (the supervisor's socket, the extractor's
        pipes). run_child(header, fds, data_offset, answer) is what a run's
        process does after the fork (verdict_zygote.run_child); it never
        returns."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        pid = verdict_fork.fork()
        if pid == 0:
            code = 0
            try:
                ours.close()
                on_start()
                _serve(theirs, parent, run_child)
            except BaseException:
                code = 1
            os._exit(code)
        theirs.close()
        self.pid, self.sock = pid, ours

    def spawn(self, job, answer, preload_numpy):
        """Start the run's process of `job`; returns its pid and a pidfd of
        it (the caller closes that), or None for a header too large to send
        (the caller forks that run itself). The job's descriptors stay open
        here."""
        header = json.dumps(job.header).encode()
        if SPAWN.size + len(header) > MAX_MESSAGE:
            return None
        fds = [job.memfd, job.stdin, job.stdout, job.stderr, job.status]
        mask = 0
        if job.channel >= 0:
            fds.append(job.channel)
            mask |= FD_CHANNEL
        if job.report_fd >= 0:
            fds.append(job.report_fd)
            mask |= FD_REPORT
        off, n = answer if answer is not None else (0, -1)
        msg = SPAWN.pack(b"RUN1", 1 if preload_numpy else 0, mask, job.data_offset, off, n, len(header))
        try:
            socket.send_fds(self.sock, [msg + header], fds)
            raw, got, _flags, _addr = socket.recv_fds(self.sock, STARTED.size, 1)
        except OSError as e:
            raise ForkerGone("forker: %s" % e)
        if len(raw) != STARTED.size:
            for fd in got:
                os.close(fd)
            raise ForkerGone("forker: no answer")
        magic, value = STARTED.unpack(raw)
        if magic == b"FAIL":
            raise OSError(value, os.strerror(value))
        if magic != b"STRT" or len(got) != 1:
            for fd in got:
                os.close(fd)
            raise ForkerGone("forker: bad answer")
        return value, got[0]

    def wait(self, pid):
        """The end of the run's process `pid`: (wait status, rusage)."""
        try:
            raw = self.sock.recv(ENDED.size + 1)
        except OSError as e:
            raise ForkerGone("forker: %s" % e)
        if len(raw) != ENDED.size:
            raise ForkerGone("forker: no end of the run")
        magic, got, status, utime, stime, *rest = ENDED.unpack(raw)
        if magic != b"ENDS" or got != pid:
            raise ForkerGone("forker: bad end of the run")
        return status, resource.struct_rusage((utime, stime, *rest))


def _serve(sock, parent, run_child):
    """The forker's loop. Dies with the warm parent; exits when its socket
    closes. Between two forks it only receives, forks, closes and sends."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
        raise OSError(errno.ESRCH, "the warm parent is gone")
    while True:
        msg, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, 8)
        if not msg:
            return
        if len(msg) < SPAWN.size or msg[:4] != b"RUN1" or len(fds) != 5 + bin(msg[5]).count("1"):
            raise ValueError("bad message from the warm parent")
        if msg[4] and "numpy" not in sys.modules:
            preload_numpy()
        try:
            pid = verdict_fork.fork()
        except OSError as e:
            for fd in fds:
                os.close(fd)
            sock.send(STARTED.pack(b"FAIL", e.errno or errno.EAGAIN))
            continue
        if pid == 0:
            sock.close()
            _child(msg, fds, run_child)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(sock, [STARTED.pack(b"STRT", pid)], [pidfd])
        finally:
            os.close(pidfd)
        while True:
            try:
                _, status, ru = os.wait4(pid, 0)
                break
            except InterruptedError:
                continue
        sock.send(ENDED.pack(b"ENDS", pid, status, ru.ru_utime, ru.ru_stime,
                             *(getattr(ru, name) for name in RUSAGE_REST)))


def _child(msg, fds, run_child):
    """In the run's process: the job's parts as the warm parent sent them."""
    _magic, _numpy, mask, data_offset, off, n, hlen = SPAWN.unpack_from(msg)
    header = msg[SPAWN.size:SPAWN.size + hlen]
    fds = [_lift(fd) for fd in fds]
    memfd, stdin, stdout, stderr, status = fds[:5]
    rest = fds[5:]
    channel = rest.pop(0) if mask & FD_CHANNEL else -1
    report = rest.pop(0) if mask & FD_REPORT else -1
    run_child(header, (memfd, stdin, stdout, stderr, channel, status, report), data_offset,
              (off, n) if n >= 0 else None)


def _lift(fd):
    """fd, moved to FIRST_JOB_FD or above."""
    if fd >= FIRST_JOB_FD:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, FIRST_JOB_FD)
    os.close(fd)
    return moved
