"""The verdict profile's extraction, run ahead of the fork by a warm process
of its own (docs/pool.md).

In the pool's fast path the run's process G is a fresh fork of the warm
parent (verdict_zygote.py). Run there, the extraction of what the model
meant (verdict_harness.prepare) cost some 20 ms, almost all of it the
copy-on-write faults of its first touch of the parent's objects (reference
counts), against under 1 ms in a process that is already warm. So each
pool worker keeps one extractor: forked once from the warm parent after its
warm-up and gc.freeze(), it never forks and never runs candidate code. For
a fast real_assert job the warm parent asks it first, then forks G with the
answer; G reports that extraction record instead of computing it again.

The hand-off is a shared anonymous mapping (`Region`) and two pipes. The
warm parent preads the job's job.json from the job's memfd into the region
(straight into the shared pages: the job's content never enters the warm
parent's heap, which every later run inherits) and writes a fixed-size
request; the extractor writes the extraction record (JSON) after the input
and replies with where it is and the CPU it spent. Fixed messages and a
mapping need no descriptor passing, so the extractor runs under the runs'
own seccomp filter (which refuses sendmsg/recvmsg, SCM_RIGHTS) with
no_new_privs and no capabilities. Every child of the warm parent unmaps the
region before anything else (`Extractor.leave`): G copies its own record
out first; no candidate code ever sees the mapping.

Anything but a clean answer within the time budget (an exception, a crash,
a hang, an input or record too large for the region) leaves the job to G,
which extracts as it did before: a sample is never lost and no verdict
changes. The extractor's CPU is the run's (`Extractor.ask` returns it; the
warm parent adds it to the run's rusage and record).
"""
import ctypes
import errno
import json
import mmap
import os
import select
import signal
import struct
import time

# A job.json and its record must fit; larger ones are extracted in G. Only
# touched pages use memory, and every run frees what it touched (scrub).
REGION_BYTES = 32 << 20
# Wall time an answer may take. An ordinary extraction takes a millisecond;
# one past this (a hostile answer, or a machine starved of CPU) is G's, as
# it was before: the budget costs time only, never a verdict.
BUDGET_S = 1.0
# A long-lived process's heap only grows: a fresh extractor after this many.
MAX_REQUESTS = 2000

# in_len, memory limit, stack limit, test hook
REQUEST = struct.Struct("=QQQI")
# status, record offset, record length, thread CPU ns
REPLY = struct.Struct("=IQQQ")
ANSWERED, DECLINED = 1, 2
# Test-only hooks (the hint's "test_extractor", set by the scorer from the
# VERDICT_TEST_EXTRACTOR variable of verdict's own environment, never by a
# sample): make this process die or overrun its budget on a request, or
# spend BURN_S of CPU before an answer (which the run's cpu_ms must show).
TEST_HOOKS = {"crash": 1, "slow": 2, "burn": 3}
BURN_S = 0.1

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECCOMP = 1, 38, 24, 22
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 47, 4, 2
SYS_capset = 126


class Extractor:
    """The warm parent's side: the region, the pipes and the process."""

    def __init__(self, bpf):
        self.bpf = bpf
        self.region = mmap.mmap(-1, REGION_BYTES, flags=mmap.MAP_SHARED)
        self.pid = -1
        self.req_w = self.rep_r = -1
        self.served = 0
        self.cpu_reported_s = 0.0  # by the live process, to find what a killed one spent unreported
        self.used = 0

    # ------------------------------------------------------ warm parent --

    def before_fork(self, job, hint):
        """ask() for a fast job the extractor serves (the verdict profile's
        real_assert), else (None, 0.0). An answer's CPU is taken from the
        run's CPU limit, as when the run's process extracted; without an
        answer the run's process extracts again, under its whole limit."""
        if hint.get("fast") != "real_assert" or hint.get("test_extractor") == "off":
            return None, 0.0
        answer, cpu_s = self.ask(job, hint.get("test_extractor"))
        if answer is not None:
            lim = job.header["limits"]
            lim["cpu_ms"] = max(1, lim["cpu_ms"] - int(cpu_s * 1000))
        return answer, cpu_s

    def ask(self, job, test_hook=None):
        """The extraction of a fast real_assert job: (answer, cpu_s), the
        answer (offset, length) of its record in the region or None (G
        extracts), cpu_s the extractor's CPU on this job, answered or not."""
        name_off = _job_json(job)
        if name_off is None:
            return None, 0.0
        size, off = name_off
        if size == 0 or size > REGION_BYTES // 2:
            return None, 0.0
        if self.pid < 0 and not self.start():
            return None, 0.0
        self.used = max(self.used, size)
        try:
            got = os.preadv(job.memfd, [memoryview(self.region)[:size]], off)
        except OSError:
            return None, 0.0
        if got != size:
            return None, 0.0
        lim = job.header["limits"]
        msg = REQUEST.pack(size, lim["memory"] + REGION_BYTES, lim["stack"], TEST_HOOKS.get(test_hook, 0))
        try:
            os.write(self.req_w, msg)
            ready, _, _ = select.select([self.rep_r], [], [], BUDGET_S)
            raw = os.read(self.rep_r, REPLY.size) if ready else b""
        except OSError:
            raw = b""
        if len(raw) != REPLY.size:
            return None, self._stop()
        status, rec_off, rec_len, cpu_ns = REPLY.unpack(raw)
        cpu_s = cpu_ns / 1e9
        self.cpu_reported_s += cpu_s
        self.served += 1
        if status != ANSWERED or rec_off < size or rec_off + rec_len > REGION_BYTES:
            answer = None
        else:
            answer = (rec_off, rec_len)
            self.used = max(self.used, rec_off + rec_len)
        if self.served >= MAX_REQUESTS:
            cpu_s += self._stop()
        return answer, cpu_s

    def scrub(self):
        """After a run: the job's bytes leave the region (its pages are
        freed; a later read sees zeros)."""
        if self.used:
            n = (self.used + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE
            try:
                self.region.madvise(mmap.MADV_REMOVE, 0, n)
            except OSError:
                self.region[:self.used] = bytes(self.used)
            self.used = 0

    def leave(self, answer=None):
        """In a child of the warm parent, first thing: the record of this
        job (bytes, or None), and no more region or extractor pipes."""
        record = None
        if answer is not None:
            off, n = answer
            record = bytes(self.region[off:off + n])
        self.region.close()
        self.close_pipes()
        return record

    def close_pipes(self):
        """In a child of the warm parent: no more extractor pipes (the
        forker, verdict_forker.py, keeps the region for its children)."""
        for fd in (self.req_w, self.rep_r):
            if fd >= 0:
                os.close(fd)
        self.req_w = self.rep_r = -1
        self.pid = -1

    def start(self):
        """Fork the extractor from this (warm, frozen) process. Called once
        at start-up, so that a worker's processes are the same idle as
        busy, and again by the first ask() after one was stopped."""
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            return False
        if pid == 0:
            code = 0
            try:
                os.close(req_w)
                os.close(rep_r)
                _serve(req_r, rep_w, self.region, self.bpf, parent)
            except BaseException:
                code = 1
            os._exit(code)
        os.close(req_r)
        os.close(rep_w)
        self.pid, self.req_w, self.rep_r = pid, req_w, rep_r
        self.served, self.cpu_reported_s = 0, 0.0
        return True

    def _stop(self):
        """Kill and reap the extractor; returns the CPU it spent that no
        reply reported (a crash's or an overrun's, the run's to count)."""
        for fd in (self.req_w, self.rep_r):
            if fd >= 0:
                os.close(fd)
        self.req_w = self.rep_r = -1
        pid, self.pid = self.pid, -1
        if pid < 0:
            return 0.0
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        while True:
            try:
                _, _, ru = os.wait4(pid, 0)
                return max(0.0, ru.ru_utime + ru.ru_stime - self.cpu_reported_s)
            except InterruptedError:
                continue
            except ChildProcessError:
                return 0.0


def _job_json(job):
    """(size, offset) of job.json in the job's memfd, from the header."""
    off = job.data_offset
    for name, size in job.header.get("files", ()):
        if name == "job.json":
            return size, off
        off += size
    return None


# ------------------------------------------------------------ extractor --

def _confine(bpf, parent):
    """What a run's process gives up, but its uid (the runs' uids are swept
    after every run): die with the warm parent, no capabilities, no new
    privileges, the runs' seccomp filter (no descriptor passing, no
    network, no ptrace). The extractor only parses text; this bounds what a
    flaw in the parser could reach."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
        raise OSError(errno.ESRCH, "the warm parent is gone")
    for sig in range(1, signal.NSIG):
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError, RuntimeError):
                pass
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for cap in range(0, 64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")
    if libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_CAP_AMBIENT")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.syscall(SYS_capset, header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if bpf is not None:
        prog = struct.pack("HL", len(bpf) // 8, ctypes.addressof(bpf))
        fprog = ctypes.create_string_buffer(prog, len(prog))
        if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "seccomp")


def _serve(req_r, rep_w, region, bpf, parent):
    import resource
    import verdict_harness
    import verdict_values
    # Nothing of the warm parent's but the two pipes (its supervisor socket
    # least of all); fds 0-2 stay as they were (the worker's /dev/null and log).
    lo, hi = sorted((req_r, rep_w))
    os.closerange(3, lo)
    os.closerange(lo + 1, hi)
    os.closerange(hi + 1, 65536)
    _confine(bpf, parent)
    while True:
        msg = os.read(req_r, REQUEST.size)
        if len(msg) != REQUEST.size:
            return
        in_len, memory, stack, hook = REQUEST.unpack(msg)
        t0 = time.thread_time_ns()
        status, rec_off, rec_len = DECLINED, 0, 0
        saved = [(res, resource.getrlimit(res)) for res in (resource.RLIMIT_AS, resource.RLIMIT_STACK)]
        try:
            # The limits G would extract under: an answer G could not have
            # computed (memory, recursion depth) must not come from here.
            resource.setrlimit(resource.RLIMIT_AS, (min(memory, saved[0][1][1]) if saved[0][1][1] >= 0
                                                    else memory, saved[0][1][1]))
            resource.setrlimit(resource.RLIMIT_STACK, (min(stack, saved[1][1][1]) if saved[1][1][1] >= 0
                                                       else stack, saved[1][1][1]))
            if hook == TEST_HOOKS["crash"]:
                os.kill(os.getpid(), signal.SIGKILL)
            if hook == TEST_HOOKS["slow"]:
                time.sleep(BUDGET_S * 30)
            while hook == TEST_HOOKS["burn"] and time.thread_time_ns() - t0 < BURN_S * 1e9:
                pass
            record = _extract(verdict_harness, verdict_values, bytes(region[:in_len]))
            rec_off = (in_len + 4095) // 4096 * 4096
            if record is not None and rec_off + len(record) <= len(region):
                region[rec_off:rec_off + len(record)] = record
                status, rec_len = ANSWERED, len(record)
        except BaseException:  # whatever it was, G meets it again and decides
            status = DECLINED
        finally:
            for res, lim in saved:
                try:
                    resource.setrlimit(res, lim)
                except (OSError, ValueError):
                    pass
        cpu = time.thread_time_ns() - t0
        os.write(rep_w, REPLY.pack(status, rec_off, rec_len, cpu))


def _extract(verdict_harness, verdict_values, data):
    """The extraction record G would report (verdict_kind_real.fast_real_assert),
    as JSON, or None when the job is not one this answers."""
    job = verdict_values.loads(data)
    if not isinstance(job, dict) or job.get("kind") != "real_assert":
        return None
    ext = job.get("extract")
    if not isinstance(ext, dict):
        return None
    records = []
    verdict_harness.prepare(ext, records.append)
    if len(records) != 1:
        return None
    return json.dumps(records[0], allow_nan=False, separators=(",", ":")).encode()
