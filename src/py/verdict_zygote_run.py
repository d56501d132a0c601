"""The run's process of the warm pool (docs/pool.md): what the warm parent,
src/py/verdict_zygote.py, or its forker (verdict_forker.py) runs in the
child it forks for a job, before the job itself.

A usual run (one uid per run, swept after it):

  G: a mount namespace of its own, a fresh /tmp (size-capped) holding the
     job's files, pipes on fds 0-3, rlimits, its own uid, no capabilities,
     no_new_privs, the seccomp filter, and only then the job (g_main).

When verdict is not root, every run shares the one mapped uid, so each gets
a pid namespace of its own instead:

  H --unshare(CLONE_NEWPID), fork--> C1: pid 1 of a fresh pid namespace,
      unshares its mount namespace, mounts a fresh /tmp and /proc, writes
      the job's files, forks G and reports G's fate (c1_main).

When C1 exits the kernel kills everything left in its pid namespace; when
its mount namespace goes, so does the job's /tmp. Setup errors go to the
job's status pipe in the layout of sandbox/jail_internal.h.
"""
import ctypes
import errno
import os
import random
import resource
import runpy
import signal
import struct
import sys
import traceback


LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECCOMP, PR_CAP_AMBIENT = 38, 24, 22, 47
PR_SET_DUMPABLE = 4
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
SYS_setresuid, SYS_setresgid, SYS_capset = 117, 119, 126

# struct jail_report in sandbox/jail_internal.h, then struct rusage.
REPORT = struct.Struct("=IiiiiI")
RUSAGE = struct.Struct("=qqqq14q")
REPORT_MAGIC = 0x76647274
REPORT_SETUP_ERROR, REPORT_EXIT = 1, 2
STAGE_ROOT, STAGE_FORK, STAGE_FDS, STAGE_LIMITS, STAGE_PRIVS, STAGE_SECCOMP, STAGE_EXEC, STAGE_WAIT = \
    3, 6, 7, 8, 9, 10, 11, 12

LIMITS = (
    ("memory", resource.RLIMIT_AS), ("nproc", resource.RLIMIT_NPROC),
    ("fsize", resource.RLIMIT_FSIZE), ("nofile", resource.RLIMIT_NOFILE),
    ("stack", resource.RLIMIT_STACK),
)


class SetupError(Exception):
    def __init__(self, stage, err, detail=0):
        super().__init__(stage, err)
        self.stage, self.err, self.detail = stage, err, detail


def check(rc, stage, detail=0):
    if rc != 0:
        raise SetupError(stage, ctypes.get_errno() or errno.EIO, detail)


def report(fd, kind, stage=0, detail=0, err=0, wstatus=0, ru=None, extra_cpu_s=0.0):
    """The run's end for the supervisor; extra_cpu_s is CPU spent on the
    run outside its process (the extractor's), counted as its user time."""
    if ru is None:
        body = RUSAGE.pack(*([0] * 18))
    else:
        ut, st = ru.ru_utime + extra_cpu_s, ru.ru_stime
        body = RUSAGE.pack(int(ut), int((ut % 1) * 1e6), int(st), int((st % 1) * 1e6),
                           ru.ru_maxrss, ru.ru_ixrss, ru.ru_idrss, ru.ru_isrss, ru.ru_minflt, ru.ru_majflt,
                           ru.ru_nswap, ru.ru_inblock, ru.ru_oublock, ru.ru_msgsnd, ru.ru_msgrcv,
                           ru.ru_nsignals, ru.ru_nvcsw, ru.ru_nivcsw)
    try:
        os.write(fd, REPORT.pack(REPORT_MAGIC, kind, stage, detail, err, wstatus & 0xffffffff) + body)
    except OSError:
        pass


def fork():
    """verdict_fork.fork() when the runner modules are here (imported warm
    by main()): no CPython at-fork hooks, fewer pages copied in each run.
    A pool given only the warm parent (the jail's own tests) uses os.fork()."""
    bare = sys.modules.get("verdict_fork")
    return bare.fork() if bare is not None else os.fork()


def mount(src, target, fstype, flags, data, stage):
    check(LIBC.mount(src, target, fstype, ctypes.c_ulong(flags), data), stage)


def setup_root(job, new_proc):
    """A private mount namespace with a fresh /tmp holding the job's files,
    owned by the run's uid; with new_proc, a /proc of the run's own pid
    namespace (hidepid=2: other uids' processes are invisible; a runtime
    that refuses it leaves no /proc)."""
    check(LIBC.unshare(CLONE_NEWNS), STAGE_ROOT, 100)
    mount(None, b"/", None, MS_REC | MS_PRIVATE, None, STAGE_ROOT)
    size = b"mode=1777,size=%d,nr_inodes=4096" % job.header["limits"]["tmp"]
    mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, size, STAGE_ROOT)
    if new_proc and LIBC.mount(b"proc", b"/proc", b"proc", ctypes.c_ulong(MS_NOSUID | MS_NODEV | MS_NOEXEC),
                               b"hidepid=2") != 0 and ctypes.get_errno() not in (errno.EPERM, errno.EACCES):
        raise SetupError(STAGE_ROOT, ctypes.get_errno(), 102)
    uid = job.header["uid"]
    for name, data in job.files():
        path = "/tmp/" + name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fchown(fd, uid, uid)
        finally:
            os.close(fd)


def g_enter(job, bpf):
    """The recipe of sandbox/jail_child.c program_main, in Python: fds,
    signals, limits, ids, capabilities, no_new_privs, seccomp. Setup errors
    go to the status pipe, which is closed before anything of the job runs
    (this process never execs, so close-on-exec would not close it)."""
    try:
        status = os.dup(job.status)
        os.dup2(status, 4, inheritable=False)
        os.close(status)
        job.status = 4
        for i, fd in enumerate((job.stdin, job.stdout, job.stderr, job.channel)):
            if fd >= 0:
                os.dup2(fd, i, inheritable=True)
            else:
                try:
                    os.close(i)
                except OSError:
                    pass
        if job.report_fd >= 0:
            os.dup2(job.report_fd, 5, inheritable=False)
            job.report_fd = 5
            os.closerange(6, 65536)
        else:
            os.closerange(5, 65536)
    except OSError as e:
        raise SetupError(STAGE_FDS, e.errno or errno.EIO)
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
    # As an interpreter's own start-up leaves them (a one-shot run execs
    # python3): a write to a closed pipe raises BrokenPipeError, a write
    # past RLIMIT_FSIZE raises OSError, neither kills the process.
    for sig in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.setsid()
    os.chdir("/tmp")
    lim = job.header["limits"]
    try:
        cpu = (lim["cpu_ms"] + 999) // 1000
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        for key, res in LIMITS:
            resource.setrlimit(res, (lim[key], lim[key]))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (65536, 65536))
        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    except (OSError, ValueError) as e:
        raise SetupError(STAGE_LIMITS, getattr(e, "errno", None) or errno.EINVAL)
    for cap in range(0, 64):
        if LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise SetupError(STAGE_PRIVS, ctypes.get_errno(), 1)
    check(LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), STAGE_PRIVS, 2)
    uid = job.header["uid"]
    if uid != 0:
        check(LIBC.syscall(SYS_setresgid, uid, uid, uid), STAGE_PRIVS, 3)
        check(LIBC.syscall(SYS_setresuid, uid, uid, uid), STAGE_PRIVS, 4)
    # (uid 0: verdict is not root and only its own id is mapped; the run stays
    # uid 0 of the namespace with every capability dropped below.)
    # Leaving uid 0 cleared the permitted and effective sets; clear the
    # inheritable one too (capset v3 with all sets empty).
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    check(LIBC.syscall(SYS_capset, header, data), STAGE_PRIVS, 5)
    check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), STAGE_PRIVS, 6)
    # Changing ids made this process non-dumpable, and it never execs (which
    # would reset that): its /proc/self files would belong to root. Make it
    # an ordinary process of its uid, as an exec'd interpreter is.
    check(LIBC.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), STAGE_PRIVS, 8)
    # No privilege is held from here on.
    prog = struct.pack("HL", len(bpf) // 8, ctypes.addressof(bpf))
    fprog = ctypes.create_string_buffer(prog, len(prog))
    check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0), STAGE_SECCOMP)
    os.close(4)
    job.status = -1


def g_run(job):
    """Run the job's program as `python3 argv[1] argv[2:]` would."""
    argv = job.header["argv"][1:]
    sys.argv = list(argv)
    script = argv[0]
    # sys.path as `python3 script` has it, the warm runner modules after.
    sys.path[0] = os.path.dirname(script) or "/tmp"
    # A child must not share the warm parent's random state.
    random.seed()
    name = os.path.basename(script)
    if name == "verdict_runner.py" and "verdict_runner" in sys.modules:
        code = sys.modules["verdict_runner"].main(argv)
        raise SystemExit(code)
    runpy.run_path(script, run_name="__main__")


def g_main(job, bpf, root_setup=False):
    """The run's program process: (its /tmp, when asked), the drop of every
    privilege, then the job. Never returns."""
    try:
        if root_setup:
            setup_root(job, False)
            job.close_memfd()
        g_enter(job, bpf)
    except SetupError as e:
        if job.status >= 0:
            report(job.status, REPORT_SETUP_ERROR, e.stage, e.detail, e.err)
        os._exit(121)
    except OSError as e:
        if job.status >= 0:
            report(job.status, REPORT_SETUP_ERROR, STAGE_ROOT, 101, e.errno or errno.EIO)
        os._exit(121)
    try:
        if job.report_fd >= 0:
            import verdict_zygote_fast
            verdict_zygote_fast.g_run_fast_assert(job)
        else:
            g_run(job)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            sys.stderr.write(str(e.code) + "\n")
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code & 0xff)


def c1_main(job, bpf):
    """pid 1 of the job's pid namespace."""
    try:
        setup_root(job, True)
    except SetupError as e:
        report(job.status, REPORT_SETUP_ERROR, e.stage, e.detail, e.err)
        os._exit(121)
    except OSError as e:
        report(job.status, REPORT_SETUP_ERROR, STAGE_ROOT, 101, e.errno or errno.EIO)
        os._exit(121)
    job.close_memfd()
    if job.header["uid"] == 0:
        # The run shares our uid: keep it from our memory through /proc.
        LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    pid = fork()
    if pid == 0:
        g_main(job, bpf)
    for fd in (job.stdin, job.stdout, job.stderr, job.channel):
        if fd >= 0:
            os.close(fd)
    while True:
        try:
            got, st, ru = os.wait4(-1, 0)
        except ChildProcessError:
            report(job.status, REPORT_SETUP_ERROR, STAGE_WAIT, 0, errno.ECHILD)
            os._exit(121)
        except InterruptedError:
            continue
        if got == pid:
            report(job.status, REPORT_EXIT, 0, 0, 0, st, ru)
            os._exit(0)


def trust_loaded_classes():
    """The classes of every module loaded now are not the candidate's
    (verdict_forgery.py; absent when this pool runs no scorer jobs)."""
    forgery = sys.modules.get("verdict_forgery")
    if forgery is not None:
        forgery.trust_loaded()


def preload_numpy():
    """numpy imported by the process that forks the runs (the warm parent,
    or its forker), trusted and frozen, so that later runs get it warm. A
    missing numpy is the run's to meet when it imports it."""
    import gc
    try:
        import numpy  # noqa: F401
    except ImportError:
        return
    trust_loaded_classes()
    gc.freeze()
