#!/usr/bin/env python3
"""`verdict serve` under load and while stopping: 503 past the queue bound,
a 10-sample request not starved by a 10,000-sample one, a client that hangs
up (its samples are cancelled), SIGTERM during a run (in-flight work
finishes or is cancelled at the deadline, exit 0, nothing left behind).

Prints TAP. This test makes itself a child subreaper, so any process the
server leaves behind would be re-parented here and seen."""
import ctypes
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
PR_SET_CHILD_SUBREAPER = 36
SLEEPY = "    import time\n    time.sleep(%s)\n    return False\n"


def orphans():
    """Processes re-parented to this test (it is a subreaper)."""
    me, out = os.getpid(), []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
                if int(st[st.rindex(")") + 2:].split()[1]) == me:
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


def mounts():
    with open("/proc/self/mounts") as f:
        return f.read()


PRIVATE_TMP = None


def server_tmp():
    """What the servers of this test left in their TMPDIR."""
    return sorted(os.listdir(PRIVATE_TMP))


def req(samples, **kw):
    # Load is made of repeated samples: each must really queue and run, so
    # identical ones are not collapsed into one run here.
    o = {"benchmark": "humaneval", "samples": samples, "dedup": False}
    o.update(kw)
    return o


def wait_for(cond, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


def send_in_background(port, payload):
    """Send a POST /score on a raw socket; returns (socket, result holder,
    thread). The thread collects the answer."""
    body = json.dumps(payload).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    out = {}

    def read():
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                data = b"".join(chunks)
                head, _, rest = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:") and len(rest) >= int(line.split(b":")[1]):
                        raise StopIteration
        except (StopIteration, OSError):
            pass
        out["raw"] = b"".join(chunks)
    th = threading.Thread(target=read, daemon=True)
    th.start()
    return s, out, th


def overload():
    with H.Server("-j", "1", "--queue", "10", "--max-samples", "10", "--canary-interval", "0") as srv:
        slow = [{"task_id": "HumanEval/0", "completion": SLEEPY % "0.5"}] * 10
        sock, out, th = send_in_background(srv.port, req(slow))
        wait_for(lambda: srv.metrics().get("verdict_samples_in_flight", 0) == 10, 10)
        st, hd, body = srv.score(req([{"task_id": "HumanEval/0", "completion": "    return False\n"}] * 5))
        ra = hd.get("retry-after", "")
        t.ok(st == 503 and ra.isdigit() and int(ra) >= 1 and "queue full" in body.get("error", ""),
             "past the queue bound: 503 with Retry-After (%s s) at once" % ra, (st, hd, body))
        th.join(60)
        first = out.get("raw", b"")
        t.ok(first.startswith(b"HTTP/1.1 200"), "the request holding the queue completes", first[:100])
        st, hd, body = srv.score(req([{"task_id": "HumanEval/0", "completion": "    return False\n"}] * 5))
        t.ok(st == 200, "once the queue drains the same request is accepted", st)
        # Requests are counted when their connection completes.
        t.ok(wait_for(lambda: srv.metrics().get('verdict_http_requests_total{endpoint="score",code="503"}') == 1, 10),
             "the 503 is counted")
        sock.close()


def starvation_and_disconnect():
    with H.Server("-j", "2", "--queue", "20000", "--max-samples", "20000", "--canary-interval", "0") as srv:
        # The server's own processes when idle (the warm pool's jailed
        # workers, when the pool is on): what must remain after a cancel.
        baseline = len(srv.descendants())
        big = req([{"task_id": "HumanEval/%d" % (i % 164), "completion": "    return None\n"} for i in range(10000)])
        sock, out, th = send_in_background(srv.port, big)
        accepted = wait_for(lambda: srv.metrics().get("verdict_samples_in_flight", 0) == 10000, 300)
        t.ok(accepted, "a 10,000-sample request is queued as one batch")
        t0 = time.time()
        st, hd, rep = srv.score(req([{"task_id": "HumanEval/%d" % i, "completion": "    return None\n"}
                                     for i in range(10)]))
        small_s = time.time() - t0
        left = srv.metrics().get("verdict_queue_depth", 0)
        t.diag("10-sample request: %.1f s while the 10,000-sample one waited (%d of it still queued)" % (small_s, left))
        t.ok(st == 200 and len(rep["samples"]) == 10 and small_s < 60 and left > 9000,
             "a 10-sample request is not starved by a 10,000-sample one (round-robin batches)",
             (st, small_s, left))
        before = srv.metrics()
        # The big client hangs up. (shutdown first: close() alone sends no FIN
        # while the reader thread is still blocked in recv on the socket.)
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        t0 = time.time()
        drained = wait_for(lambda: srv.metrics().get("verdict_samples_in_flight", 1) == 0
                           and srv.metrics().get("verdict_queue_depth", 1) == 0, 30)
        t.diag("after the hang-up: queue empty and no sample in flight %.1f s later" % (time.time() - t0))
        t.ok(drained, "the client hung up: its remaining samples were cancelled")
        key = 'verdict_http_requests_total{endpoint="score",code="499"}'
        t.ok(wait_for(lambda: srv.metrics().get(key, 0) == before.get(key, 0) + 1, 10),
             "the abandoned request is counted as 499")
        t.ok(wait_for(lambda: len(srv.descendants()) <= baseline, 30),
             "no jail process of the cancelled request remains (%d processes when idle)" % baseline,
             (baseline, srv.descendants()))
        t.ok("status=499" in srv.log_text(), "the log line says the client went away")
        st, hd, rep = srv.score(req([{"task_id": "HumanEval/0", "completion": "    return False\n"}]))
        t.ok(st == 200, "the server scores again after the cancellation")


def sigterm():
    mounts_before = mounts()
    # 1: a short request in flight finishes; the server then exits 0
    srv = H.Server("-j", "2", "--shutdown-deadline", "20", "--canary-interval", "0")
    sock, out, th = send_in_background(srv.port, req([{"task_id": "HumanEval/0", "completion": SLEEPY % "1"}] * 2))
    wait_for(lambda: srv.metrics().get("verdict_samples_in_flight", 0) == 2, 10)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    try:
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    t.ok(refused, "after SIGTERM new connections are refused")
    th.join(30)
    t.ok(out.get("raw", b"").startswith(b"HTTP/1.1 200"), "a request in flight within the deadline completes",
         out.get("raw", b"")[:200])
    rc = srv.stop(timeout=60)
    t.ok(rc == 0, "exit status 0 after draining", rc)
    sock.close()
    # 2: a long request past the deadline is cancelled and answered 503
    srv = H.Server("-j", "2", "--shutdown-deadline", "2", "--canary-interval", "0")
    sock, out, th = send_in_background(srv.port, req([{"task_id": "HumanEval/0", "completion": SLEEPY % "1"}] * 40))
    wait_for(lambda: srv.metrics().get("verdict_samples_in_flight", 0) == 40, 10)
    time.sleep(1)
    t0 = time.time()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(60)
    except Exception:
        pass
    took = time.time() - t0
    th.join(10)
    raw = out.get("raw", b"")
    t.ok(raw.startswith(b"HTTP/1.1 503") and b"stopping" in raw and b"Retry-After" in raw,
         "past the deadline the request is cancelled: 503 with Retry-After", raw[:300])
    t.ok(srv.proc.returncode == 0 and took < 2 + 10, "exit 0 %.1f s after SIGTERM (deadline 2 s)" % took,
         srv.proc.returncode)
    srv.stop()
    sock.close()
    log = srv.log_text()
    t.ok("deadline passed" in log and "stopped" in log, "the log tells the drain", log[-600:])
    # 3: SIGINT when idle
    srv = H.Server("--canary-interval", "0")
    t.ok(srv.stop(sig=signal.SIGINT) == 0, "SIGINT: exit 0")
    time.sleep(0.5)
    left = orphans()
    t.ok(not left, "no orphan process after the servers exit", left)
    # Other tests may mount things meanwhile: only mounts the jail could
    # have made (its staging directories, /tmp) count.
    new = sorted(set(mounts().splitlines()) - set(mounts_before.splitlines()))
    ours = [m for m in new if "/tmp" in m or "verdict" in m or "/mnt" in m or "/run/" in m]
    if new:
        t.diag("mounts that appeared meanwhile: %s" % new)
    t.ok(not ours, "no mount left behind", ours)
    t.ok(server_tmp() == [], "no temporary file or directory left behind (the servers' TMPDIR is empty)",
         server_tmp())


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if H.load_humaneval() is None:
        return t.skip_all("HumanEval dataset absent (%s)" % H.HUMANEVAL)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    global PRIVATE_TMP
    PRIVATE_TMP = tempfile.mkdtemp(prefix="verdict-http-test-tmpdir-")
    os.environ["TMPDIR"] = PRIVATE_TMP  # inherited by every server started here
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    overload()
    starvation_and_disconnect()
    sigterm()
    H.check_exits(t)
    shutil.rmtree(PRIVATE_TMP, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
