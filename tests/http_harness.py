"""Helpers of the `http` test suite: start the real `verdict serve` on an
ephemeral loopback port, talk HTTP to it, print TAP. Standard library only.

Environment: VERDICT_BINARY (the verdict executable; meson sets it),
VERDICT_SOURCE_ROOT, VERDICT_SHARED (the shared datasets directory).
"""
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("VERDICT_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("VERDICT_BINARY") or os.path.join(ROOT, "build", "src", "verdict")
SHARED = os.environ.get("VERDICT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
HUMANEVAL = os.path.join(SHARED, "datasets", "humaneval", "HumanEval.jsonl.gz")
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))


class Tap:
    """A TAP producer: ok(), skip(), diag(), then done() prints the plan."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        if not cond:
            self.failed += 1
            # stderr too: a failing test's stderr is what meson shows in
            # CI's log, where the TAP stream is not printed.
            print("not ok %d - %s" % (self.n, name), file=sys.stderr, flush=True)
            if detail is not None:
                for line in str(detail).splitlines()[:40]:
                    print("#   " + line, flush=True)
                    print("#   " + line, file=sys.stderr, flush=True)
        return bool(cond)

    def skip(self, name, reason):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, reason), flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        print("# %d passed, %d failed" % (self.n - self.failed, self.failed), flush=True)
        return 1 if self.failed else 0

    def skip_all(self, reason):
        print("1..0 # SKIP %s" % reason, flush=True)
        return 0


def load_humaneval():
    """The HumanEval problems, or None when the dataset is absent."""
    if not os.path.exists(HUMANEVAL):
        return None
    with gzip.open(HUMANEVAL, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def jail_works():
    r = subprocess.run([BINARY, "check"], capture_output=True, text=True)
    return r.returncode == 0


# Servers that did not exit 0, or whose log has a sanitizer report: tests
# end with check_exits() so a leak or a crash at shutdown fails them.
exit_problems = []
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "ThreadSanitizer")


def check_exits(tap):
    tap.ok(not exit_problems, "every server exited 0 with no sanitizer report", "\n".join(exit_problems))


class Server:
    """A running `verdict serve` on 127.0.0.1 with an ephemeral port."""

    def __init__(self, *args, env=None, dataset=True, wait_ready=True, ready_timeout=120, address_space_mb=None,
                 cache=False):
        """cache=True: the server's cache (run cache, canonical outputs) in
        this server's own temporary directory, as a deployed server keeps
        one; by default tests run with --no-cache, every sample a run."""
        self.tmp = tempfile.mkdtemp(prefix="verdict-http-test-")
        self.port_file = os.path.join(self.tmp, "port")
        self.log_path = os.path.join(self.tmp, "server.log")
        argv = [BINARY, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file]
        argv += ["--cache-dir", os.path.join(self.tmp, "cache")] if cache else ["--no-cache"]
        if dataset and os.path.exists(HUMANEVAL):
            argv += ["--dataset", HUMANEVAL]
        argv += list(args)
        e = dict(os.environ)
        e.update(env or {})
        self.log = open(self.log_path, "wb")
        limit = None
        if address_space_mb and not binary_sanitized():
            # A soft cap on the server's address space: a server that would
            # amplify a body into gigabytes fails an allocation instead of
            # taking the machine's memory (the jail sets its own limits).
            def limit():
                import resource
                hard = resource.getrlimit(resource.RLIMIT_AS)[1]
                resource.setrlimit(resource.RLIMIT_AS, (address_space_mb << 20, hard))
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.log, env=e, preexec_fn=limit)
        try:
            deadline = time.time() + 30
            while not os.path.exists(self.port_file):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("server did not start:\n" + self.log_text())
                time.sleep(0.05)
            with open(self.port_file) as f:
                self.port = int(f.read())
            if wait_ready:
                self.wait_ready(ready_timeout)
        except BaseException:
            self.stop(signal.SIGKILL)
            raise

    def log_text(self):
        if getattr(self, "_final_log", None) is not None:
            return self._final_log
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        log = [ln for ln in self.log_text().splitlines() if "/readyz" not in ln]
        raise RuntimeError("server never became ready:\n" + "\n".join(log[-20:]))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, timeout=600):
        """(status, headers dict lower-cased, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if body is not None and not isinstance(body, (bytes, bytearray)):
                body = json.dumps(body).encode("utf-8")
                h.setdefault("Content-Type", "application/json")
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def score(self, payload, **kw):
        status, headers, data = self.request("POST", "/score", payload, **kw)
        try:
            return status, headers, json.loads(data)
        except ValueError:
            return status, headers, data

    def metrics(self):
        """{'name{labels}': value} from GET /metrics."""
        out = {}
        for line in self.request("GET", "/metrics")[2].decode().splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out

    def healthy(self):
        try:
            return self.request("GET", "/healthz", timeout=10)[0] == 200
        except OSError:
            return False

    def sanitized(self):
        """True when the server runs under AddressSanitizer (its RSS then
        says little: freed memory sits in quarantine)."""
        with open("/proc/%d/maps" % self.proc.pid) as f:
            return "libasan" in f.read()

    def rss_kb(self):
        return self._status_kb("VmRSS:")

    def peak_rss_kb(self):
        """The highest RSS since the last reset_peak_rss() (VmHWM)."""
        return self._status_kb("VmHWM:")

    def reset_peak_rss(self):
        """Start a new peak (Linux: writing 5 to clear_refs resets VmHWM).
        False when this kernel or user may not."""
        try:
            with open("/proc/%d/clear_refs" % self.proc.pid, "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def _status_kb(self, key):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
        return 0

    def descendants(self):
        """Pids of processes whose parent chain leads to the server."""
        parents = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        st = f.read()
                    parents[int(d)] = int(st[st.rindex(")") + 2:].split()[1])
                except (OSError, ValueError):
                    pass
        out, frontier = [], {self.proc.pid}
        while frontier:
            kids = {p for p, pp in parents.items() if pp in frontier}
            out.extend(kids)
            frontier = kids
        return out

    def stop(self, sig=signal.SIGTERM, timeout=120):
        """Signal the server and wait; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
            text = self.log_text()
            self._final_log = text
            shutil.rmtree(self.tmp, ignore_errors=True)
            marks = [m for m in SANITIZER_MARKS if m in text]
            if (self.proc.returncode != 0 and sig != signal.SIGKILL) or marks:
                exit_problems.append("server %d exited %s %s:\n%s" % (self.proc.pid, self.proc.returncode, marks,
                                                                     text[-3000:]))
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def binary_sanitized():
    """True when the verdict binary was built with AddressSanitizer."""
    try:
        with open(BINARY, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"libasan.so" in data
    except OSError:
        return False


def connect(port, source=None, timeout=10):
    """A TCP connection to the server, from the loopback address `source`
    (e.g. "127.0.0.2": every 127.0.0.0/8 address is this host) when given,
    so a test can stand for several clients."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0) if source else None)


def status_lines(answer):
    """The HTTP status lines at the start of lines of a raw answer."""
    return [ln for ln in answer.split(b"\r\n") if ln.startswith(b"HTTP/1.")]


def raw_request(port, data, read_timeout=10, shutdown_write=False, source=None):
    """Send raw bytes, return what the server answers (until it closes or
    read_timeout passes)."""
    s = connect(port, source)
    s.settimeout(read_timeout)
    try:
        s.sendall(data)
        if shutdown_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def canonical_samples(problems):
    return [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems]
