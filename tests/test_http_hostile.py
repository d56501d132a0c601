#!/usr/bin/env python3
"""`verdict serve` against hostile clients (issue 15), on the real server:

1. memory: the worst body shapes under the size cap cost a bounded multiple
   of their size while they are read, and the memory is given back;
2. slow clients: a request head must arrive in time, a body at a minimum
   rate, one client address holds a bounded share of the connections, and
   at capacity the answer is 503 with Retry-After (not a reset) while the
   probes stay reachable;
3. raw NULs and control characters: refused with 400 naming the field (the
   body), the header or the path; `verdict audit` reports them per line;
4. ambiguous framing: duplicate or malformed Content-Length, no Host,
   chunked bodies, Content-Length with Transfer-Encoding: one 4xx answer,
   never run;
5. every error the server sends is JSON, the protocol errors too;
6. inline problems and limits: entry_point must be an identifier, limits
   have minimums, a BOM and a bad problem field are named, duplicate keys
   are refused.

After each item: the server is healthy, its RSS is printed, and a small
valid request is scored. Prints TAP; the figures are TAP diagnostics.
Items 3-6 are in http_hostile_malformed.py, what every item shares in
http_hostile_common.py."""
import concurrent.futures
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402
from http_hostile_common import MB, check_after, json_body, post, small_request, status_of, t  # noqa: E402
from http_hostile_malformed import item_framing, item_json_errors, item_nul, item_validation  # noqa: E402

# The bound docs/api.md gives: a request costs at most this multiple of its
# body, plus an allowance per sample (its record, its verdict, its line of
# the answer) and a fixed one (one sample's parse tree, thread stacks).
BOUND_FACTOR = 3
BOUND_PER_SAMPLE_KB = 4
BOUND_FIXED_KB = 16 * 1024
# Inline LiveCodeBench tests are compressed: what they expand to is capped
# per request instead (REQUEST_LCB_DECODED_BUDGET), decoded at most twice
# over while it is parsed.
LCB_BUDGET_KB = 256 * 1024


# ----------------------------------------------------------------- 1. memory

def lcb_bomb():
    """An inline LiveCodeBench problem whose private tests are 400 kB of
    base64 that inflate to 300 MB."""
    import base64
    import pickle
    import zlib
    tests = json.dumps([{"input": "1\n", "output": "1\n", "testtype": "stdin"}])
    blob = base64.b64encode(zlib.compress(pickle.dumps(tests + " " * (300 * MB)), 9)).decode()
    row = {"question_id": "bomb", "question_title": "t", "question_content": "q", "platform": "atcoder",
           "contest_id": "c", "contest_date": "2024-01-01T00:00:00", "starter_code": "", "difficulty": "easy",
           "public_test_cases": tests, "private_test_cases": blob, "metadata": "{}"}
    return json.dumps({"benchmark": "livecodebench", "samples": [{"task_id": "bomb", "completion": "print(1)",
                                                                   "problem": row}]}).encode()


def shapes(problems, n):
    """(name, body, expected status, samples, allowance kB): bodies under the
    64 MiB cap built to cost the most per byte: one value per two bytes, one
    key per few bytes, deep nesting, escapes, many tiny samples, one inline
    problem shared by many completions, many inline problems, compressed
    LiveCodeBench tests. n is the server's --max-samples."""
    target = 60 * MB
    zeros = b"0," * (target // 2 - 1) + b"0"
    keys = b",".join(b'"k%d":0' % i for i in range(target // 12))
    p0 = problems[0]
    sample0 = b'{"task_id":"HumanEval/0","completion":%s' % json.dumps(p0["canonical_solution"]).encode()
    big_prompt = json.dumps("#" * (2 * MB - 100) + "\n").encode()
    problem = (b'{"prompt":%s,"test":"def check(candidate):\\n    assert candidate(2, 3) == 5\\n",'
               b'"entry_point":"add"}' % big_prompt)
    small_problem = (b'{"prompt":%s,"test":"def check(candidate):\\n    assert candidate(2, 3) == 5\\n",'
                     b'"entry_point":"add"}' % json.dumps("#" * 3000 + "\n").encode())
    out = [
        ("a top-level array of zeros (the issue's case)", b"[" + zeros + b"]", 400, 0, 0),
        ("'samples' holding millions of zeros", b'{"benchmark":"humaneval","samples":[' + zeros + b"]}", 413, 0, 0),
        ("millions of keys at the top level", b"{" + keys + b"}", 400, 0, 0),
        ("millions of keys in an ignored field of a valid sample",
         b'{"benchmark":"humaneval","exec":false,"samples":[' + sample0 + b',"meta":{' + keys + b"}}]}", 200, 1, 0),
        ("'k' holding millions of values", b'{"benchmark":"humaneval","k":[' + zeros + b'],"samples":[' + sample0 +
         b"}]}", 400, 0, 0),
        ("arrays nested 20 million deep", b'{"benchmark":"humaneval","samples":' + b"[" * (20 * MB) +
         b"]" * (20 * MB) + b"}", 400, 0, 0),
        ("a completion of 1.9 million \\u escapes",
         b'{"benchmark":"humaneval","exec":false,"samples":[{"task_id":"HumanEval/0","completion":"' +
         b"\\u00e9" * 1900000 + b'"}]}', 200, 1, 0),
        ("a 60 MB completion (over the character cap)",
         b'{"benchmark":"humaneval","samples":[{"task_id":"HumanEval/0","completion":"' + b"a" * target + b'"}]}',
         413, 0, 0),
        ("%d tiny samples" % n, b'{"benchmark":"humaneval","exec":false,"samples":[' +
         b",".join([b'{"task_id":"HumanEval/0","completion":""}'] * n) + b"]}", 200, n, 0),
        ("%d empty completions sharing one 2 MB inline problem" % n,
         b'{"benchmark":"humaneval","exec":false,"samples":[{"task_id":"x/add","completions":[' +
         b",".join([b'""'] * n) + b'],"problem":' + problem + b"}]}", 200, n, 0),
        ("%d samples each with its own 3 kB inline problem" % (n // 2),
         b'{"benchmark":"humaneval","exec":false,"samples":[' +
         b",".join([b'{"task_id":"x/add","completion":"","problem":' + small_problem + b"}"] * (n // 2)) + b"]}",
         200, n // 2, 0),
        ("%d tiny samples (one over --max-samples)" % (n + 1),
         b'{"benchmark":"humaneval","samples":[' + b",".join([b'{"task_id":"HumanEval/0","completion":""}'] * (n + 1))
         + b"]}", 413, 0, 0),
        ("inline LiveCodeBench tests that inflate to 300 MB", lcb_bomb(), 400, 1, 2 * LCB_BUDGET_KB),
    ]
    return out


def item_memory(problems, jail):
    item = "1 memory"
    # A soft cap on the address space keeps an amplifying server from taking
    # the machine down: it then fails an allocation (500) instead.
    # The sanitizer build scores the many-sample shapes 60 times slower: it
    # reads fewer (the same code paths; its RSS is not measured anyway).
    n = 1000 if H.binary_sanitized() else 20000
    with H.Server("--canary-interval", "0", "--max-samples", str(n), address_space_mb=12 * 1024) as srv:
        sanitized = srv.sanitized()
        can_reset = srv.reset_peak_rss()
        idle = srv.rss_kb()
        t.diag("%s: idle RSS %d kB%s" % (item, idle, " (AddressSanitizer: RSS figures are not meaningful)"
                                              if sanitized else ""))
        for name, body, want, n_samples, extra_kb in shapes(problems, n):
            start = srv.rss_kb()
            peak = [start]
            stop = threading.Event()

            def sample_rss():
                while not stop.is_set():
                    try:
                        peak[0] = max(peak[0], srv.rss_kb())
                    except OSError:
                        return
                    time.sleep(0.005)
            watcher = None
            if can_reset:
                srv.reset_peak_rss()
            else:
                watcher = threading.Thread(target=sample_rss)
                watcher.start()
            t0 = time.time()
            try:
                answer = post(srv.port, body, read_timeout=300)
            except OSError as e:
                answer = repr(e).encode()
            took = time.time() - t0
            stop.set()
            if watcher:
                watcher.join()
            high = srv.peak_rss_kb() if can_reset else peak[0]
            grew = high - start
            st = status_of(answer)
            ratio = grew * 1024.0 / len(body)
            t.diag("%s: %s, %.1f MB body -> %s in %.1f s; peak RSS +%d kB (%.2fx the body)"
                   % (item, name, len(body) / MB, st, took, grew, ratio))
            t.ok(st == want, "%s: %s -> %d" % (item, name, want), answer[:300])
            bound = BOUND_FACTOR * len(body) // 1024 + BOUND_PER_SAMPLE_KB * n_samples + BOUND_FIXED_KB + extra_kb
            what = "%s: %s: peak under %dx the body + %d kB per sample + %d MB%s" % (
                item, name, BOUND_FACTOR, BOUND_PER_SAMPLE_KB, BOUND_FIXED_KB >> 10,
                " + twice the inline-LCB budget" if extra_kb else "")
            if sanitized:
                t.skip(what, "AddressSanitizer")
            else:
                t.ok(grew <= bound, what,
                     "grew by %d kB for a %d kB body (bound %d kB)" % (grew, len(body) >> 10, bound))
        # a burst of ordinary requests, then the memory must be back
        for _ in range(20):
            srv.request("GET", "/v1/info")
            if jail:
                srv.score(small_request(problems), timeout=120)
        time.sleep(1)
        after = srv.rss_kb()
        t.diag("%s: RSS %d kB idle, %d kB after the worst bodies and 20 ordinary requests" % (item, idle, after))
        if sanitized:
            t.skip("%s: the memory is given back (RSS within 24 MB of idle)" % item, "AddressSanitizer")
        else:
            t.ok(after - idle <= 24 * 1024, "%s: the memory is given back (RSS within 24 MB of idle)" % item,
                 "idle %d kB, after %d kB" % (idle, after))
        check_after(srv, problems, item, jail)


# ------------------------------------------------------------ 2. slow clients

class Trickler:
    """Connections that send a few bytes now and then, from one thread."""

    def __init__(self, port, sources, first, then=b"X", every=1.0):
        self.socks, self.closed_at = [], {}
        self.then, self.every = then, every
        self.t0 = time.time()
        for src in sources:
            try:
                s = H.connect(port, src, timeout=5)
                s.sendall(first)
                s.setblocking(False)
                self.socks.append(s)
            except OSError:
                self.socks.append(None)
                self.closed_at[len(self.socks) - 1] = 0.0
        self.answers = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.stop.wait(self.every):
            for i, s in enumerate(self.socks):
                if s is None or i in self.closed_at:
                    continue
                try:
                    data = s.recv(65536)
                    if data:
                        self.answers[i] = self.answers.get(i, b"") + data
                    else:
                        self.closed_at[i] = time.time() - self.t0
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed_at[i] = time.time() - self.t0
                    continue
                try:
                    s.send(self.then)
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed_at[i] = time.time() - self.t0

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            if s is not None:
                s.close()


def wait_until(cond, timeout, step=0.25):
    """Poll cond until it holds or timeout seconds pass; the seconds waited."""
    t0 = time.time()
    while not cond() and time.time() - t0 < timeout:
        time.sleep(step)
    return time.time() - t0


def timed(fn):
    t0 = time.time()
    try:
        r = fn()
    except OSError as e:
        r = e
    return r, time.time() - t0


def item_slow(problems, jail):
    item = "2 slow clients"
    with H.Server("--canary-interval", "0") as srv:
        # One address opens 100 connections and trickles request heads.
        slow = Trickler(srv.port, ["127.0.0.2"] * 100, b"POST /score HTTP/1.1\r\nHost: x\r\n", every=2.0)
        time.sleep(3)
        (st_ready, took_ready) = timed(lambda: srv.request("GET", "/readyz", timeout=30)[0])
        (rep, took_score) = timed(lambda: srv.score(small_request(problems), timeout=120) if jail else (200, {}, {}))
        st_score = rep[0] if isinstance(rep, tuple) else rep
        t.diag("%s: 100 slow-head connections from one address: GET /readyz %s in %.2f s, a small POST /score %s "
               "in %.2f s" % (item, st_ready, took_ready, st_score, took_score))
        t.ok(st_ready == 200 and st_score == 200,
             "%s: 100 connections trickling heads from one address: another client is still served" % item,
             (st_ready, st_score))
        # The head deadline: none of them stays open past 10 s (the default
        # --header-timeout; the test waits longer, for a loaded machine);
        # those that got an answer got 408 or 503.
        def still_held():
            return [i for i, s in enumerate(slow.socks) if s is not None and i not in slow.closed_at]
        waited = wait_until(lambda: not still_held(), 45)
        held = still_held()
        answered = {status_of(a) for a in slow.answers.values()}
        slow.close()
        t.diag("%s: %d of 100 slow-head connections still open %.0f s after they connected; answers: %s"
               % (item, len(held), waited + 3, sorted(a for a in answered if a)))
        t.ok(not held and answered <= {408, 503}, "%s: a head not complete in 10 s is answered 408 and closed" % item,
             (len(held), answered))
        one = [r for r in slow.answers.values() if status_of(r) == 408]
        if one:
            j = json_body(one[0])
            t.ok(j and "error" in j and b"Connection: close" in one[0], "%s: the 408 is JSON and closes" % item,
                 one[0][:300])
        else:
            t.ok(False, "%s: the 408 is JSON and closes" % item, "no 408 seen")

        # A body at 1 byte/s is cut at the minimum body rate.
        head = (b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                b"{")
        body = Trickler(srv.port, ["127.0.0.3"], head, then=b" ", every=1.0)
        wait_until(lambda: 0 in body.closed_at, 45)
        cut = body.closed_at.get(0)
        body.close()
        t.diag("%s: a body sent at 1 byte/s was %s" % (item, "cut after %.0f s" % cut if cut else "still accepted "
                                                                                         "after 45 s"))
        t.ok(cut is not None and cut < 30,
             "%s: a body sent at 1 byte/s is cut (at 10 s + its size at 64 KiB/s; waited up to 30 s)" % item, cut)
        check_after(srv, problems, item, jail)

    with H.Server("--canary-interval", "0", "--max-connections", "8") as srv:
        # Eight addresses hold every slot with slow bodies (once the probes
        # that saw the server ready are done: only this /metrics is served).
        # The 503 is only asserted when the eight were still held after the
        # answer came (holders only ever leave): on a loaded machine they
        # may reach their body deadline (10 s + 100 kB at 64 KiB/s) before
        # the POST is served, and then the attempt is repeated.
        head = (b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"
                b"\r\n{")
        for attempt in range(1, 4):
            wait_until(lambda: srv.metrics().get("verdict_http_connections_serving", 9) <= 1, 30)
            holders = Trickler(srv.port, ["127.0.0.%d" % (10 + i) for i in range(8)], head, then=b" ", every=1.0)
            # eight requests in progress, and this /metrics one
            wait_until(lambda: srv.metrics().get("verdict_http_requests_active", 0) >= 9, 30)
            answer = post(srv.port, json.dumps(small_request(problems)).encode(), read_timeout=30)
            answered_at = time.time() - holders.t0
            held = srv.metrics().get("verdict_http_requests_active", 0) >= 9 and not holders.closed_at
            t.diag("%s: at capacity, attempt %d: POST /score answered %s %.1f s after the 8 slow bodies began; "
                   "all 8 still held afterwards: %s" % (item, attempt, status_of(answer), answered_at, held))
            if held:
                break
            holders.close()
        st = status_of(answer)
        j = json_body(answer)
        t.ok(held and st == 503 and b"Retry-After:" in answer and j and j.get("error"),
             "%s: at capacity POST /score is answered 503 with Retry-After, not reset" % item,
             (held, answer[:300]))
        probes = [timed(lambda: srv.request("GET", p, timeout=30)[0])[0] for p in ("/healthz", "/readyz", "/healthz",
                                                                                  "/readyz")]
        t.ok(probes == [200] * 4, "%s: at capacity /healthz and /readyz still answer" % item, probes)
        t0 = time.time()
        while time.time() - t0 < 30 and len(holders.closed_at) < 8:
            time.sleep(0.5)
        freed = time.time() - t0 + 2
        holders.close()
        t.diag("%s: 8 slow bodies held every slot for %.0f s" % (item, freed))
        (rep, took) = timed(lambda: srv.score(small_request(problems), timeout=120) if jail else (200, {}, {}))
        t.ok(len(holders.closed_at) == 8 and isinstance(rep, tuple) and rep[0] == 200,
             "%s: the slow bodies are cut and the next request is served" % item, (holders.closed_at, rep))

    with H.Server("--canary-interval", "0", "--max-connections", "16") as srv:
        # 300 valid requests at once: each gets an answer, 200 or 503.
        payload = json.dumps(small_request(problems)).encode()

        def one(_):
            try:
                return status_of(post(srv.port, payload, read_timeout=300)) or "no answer"
            except OSError as e:
                return type(e).__name__
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=300) as ex:
            got = list(ex.map(one, range(300)))
        counts = {k: got.count(k) for k in set(got)}
        t.diag("%s: 300 concurrent requests in %.1f s: %s" % (item, time.time() - t0, counts))
        t.ok(set(got) <= {200, 503}, "%s: 300 concurrent requests: every one answered 200 or 503, none reset" % item,
             counts)
        check_after(srv, problems, item, jail)


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    problems = H.load_humaneval()
    if problems is None:
        return t.skip_all("HumanEval dataset absent (%s)" % H.HUMANEVAL)
    jail = H.jail_works()
    only = os.environ.get("VERDICT_HOSTILE_ITEMS", "123456")
    for n, fn in (("1", item_memory), ("2", item_slow), ("3", item_nul), ("4", item_framing),
                  ("5", item_json_errors), ("6", item_validation)):
        if n in only:
            fn(problems, jail)
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
