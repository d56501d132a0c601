"""The malformed-input items of tests/test_http_hostile.py (3-6): raw NULs and
control characters, ambiguous framing, JSON errors, inline problems and limits."""
import json
import os
import subprocess
import tempfile
import time

import http_harness as H
from http_hostile_common import MB, check_after, json_body, post, samples_scored, small_request, status_of, t


# ------------------------------------------------------------- 3. NUL bytes

def item_nul(problems, jail):
    item = "3 NUL"
    with H.Server("--canary-interval", "0") as srv:
        before = samples_scored(srv)
        wrong = "    return 0\n"
        cases = [
            ("a raw NUL in a task id", b'{"benchmark":"humaneval","samples":[{"task_id":"HumanEval/53\x00zzz",'
             b'"completion":"    return x + y\\n"}]}', "samples[0].task_id"),
            ("a raw NUL in a completion", b'{"benchmark":"humaneval","samples":[{"task_id":"HumanEval/53",'
             b'"completion":"    return x + y\\n\x00' + wrong.encode().replace(b"\n", b"\\n") + b'"}]}',
             "samples[0].completion"),
            ("a raw control character (0x01) in a completion", b'{"benchmark":"humaneval","samples":[{"task_id":'
             b'"HumanEval/53","completion":"    return x + y\x01"}]}', "samples[0].completion"),
            ("a raw tab in a string", b'{"benchmark":"humaneval","samples":[{"task_id":"HumanEval/53",'
             b'"completion":"\treturn x + y"}]}', "samples[0].completion"),
            ("a \\u0000 escape in an inline problem", b'{"benchmark":"humaneval","samples":[{"task_id":"x/1",'
             b'"completion":"    return 1\\n","problem":{"prompt":"def f():\\n","test":"\\u0000",'
             b'"entry_point":"f"}}]}', "samples[0].problem.test"),
        ]
        for name, body, field in cases:
            answer = post(srv.port, body)
            j = json_body(answer) or {}
            t.ok(status_of(answer) == 400 and j.get("field") == field,
                 "%s: %s -> 400 naming %s" % (item, name, field), answer[:400])
        heads = [
            ("a NUL in a header value", b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\x00x\r\n"),
            ("a control character in a header value", b"POST /score HTTP/1.1\r\nHost: x\x01\r\n"
             b"Content-Type: application/json\r\n"),
            ("a raw NUL in the path", b"POST /score\x00zzz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"),
            ("an escaped NUL in the path (/score%00)", b"POST /score%00 HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\n"),
        ]
        body = json.dumps(small_request(problems)).encode()
        for name, head in heads:
            answer = H.raw_request(srv.port, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            t.ok(status_of(answer) == 400 and json_body(answer), "%s: %s -> 400, JSON" % (item, name), answer[:300])
        t.ok(samples_scored(srv) == before, "%s: none of these requests ran a sample" % item,
             (before, samples_scored(srv)))
        check_after(srv, problems, item, jail)
    # verdict audit: the same bytes in a samples file are errors of their line
    with tempfile.TemporaryDirectory(prefix="verdict-hostile-") as d:
        path = os.path.join(d, "samples.jsonl")
        good = json.dumps({"task_id": "HumanEval/53", "completion": problems[53]["canonical_solution"]}).encode()
        with open(path, "wb") as f:
            f.write(good + b"\n")
            f.write(b'{"task_id": "HumanEval/53", "completion": "    return x + y\x00    return 0\\n"}\n')
            f.write(b'{"task_id": "HumanEval/53\x00zzz", "completion": "    return x + y\\n"}\n')
            f.write(b'{"task_id": "HumanEval/53", "completion": "    return x + y\x01"}\n')
            f.write(b'{"task_id": "HumanEval/53", "completion": "    return x + y\\u0000"}\n')
            f.write(good + b"\n")
        r = subprocess.run([H.BINARY, "audit", "--dataset", H.HUMANEVAL, "--json", "--no-exec", path],
                           capture_output=True, timeout=300)
        try:
            rep = json.loads(r.stdout)
        except ValueError:
            rep = {}
        errors = rep.get("errors") or []
        lines = sorted(e.get("line") for e in errors)
        recs = rep.get("samples") or []
        t.ok(lines == [2, 3, 4, 5] and len(recs) == 2,
             "%s: verdict audit: a raw NUL, a control character or \\u0000 in a string is an error of its line "
             "(lines 2-5), the other lines are read" % item, (r.returncode, errors, len(recs), r.stderr[-500:]))


# ------------------------------------------------------- 4. framing, headers

def item_framing(problems, jail):
    item = "4 framing"
    with H.Server("--canary-interval", "0") as srv:
        before = samples_scored(srv)
        body = json.dumps(small_request(problems)).encode()
        base = b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        cases = [
            ("two different Content-Length (the first one valid)",
             base + b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n" % len(body) + body, 400),
            ("two equal Content-Length", base + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n"
             % (len(body), len(body)) + body, 400),
            ("no Host on HTTP/1.1", b"POST /score HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body) + body, 400),
            ("two Host headers", base + b"Host: y\r\nContent-Length: %d\r\n\r\n" % len(body) + body, 400),
            ("a 1 MB chunk extension", base + b"Transfer-Encoding: chunked\r\n\r\n" + b"2;" + b"a" * MB + b"\r\n{}\r\n"
             b"0\r\n\r\n", 411),
            ("a chunk size of 2^64-1", base + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{}", 411),
            ("a chunked body", base + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n",
             411),
            ("Content-Length with Transfer-Encoding", base + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
             % len(body) + body, 400),
            ("a header folded over two lines", base + b"X-A: 1\r\n  2\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
             400),
            ("a space before a header's colon", base + b"Content-Length : %d\r\n\r\n" % len(body) + body, 400),
            ("lines ending in a bare LF", base.replace(b"\r\n", b"\n") + b"Content-Length: %d\n\n" % len(body) + body,
             400),
        ]
        for form in (b"-1", b"abc", b"+%d" % len(body), b"0x10", b"1e3", b"%d, %d" % (len(body), len(body)),
                     b"18446744073709551616", b""):
            cases.append(("Content-Length: %s" % form.decode(), base + b"Content-Length: " + form + b"\r\n\r\n" + body,
                          400))
        for name, raw, want in cases:
            answer = H.raw_request(srv.port, raw, read_timeout=15)
            lines = H.status_lines(answer)
            j = json_body(answer)
            t.ok(len(lines) == 1 and status_of(answer) == want and j and j.get("error"),
                 "%s: %s -> one %d answer, JSON" % (item, name, want), answer[:400])
        # A GET with a body: the body is read and dropped, the GET answered
        # (libmicrohttpd's upload callback used to spin on it forever).
        answer = H.raw_request(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                               read_timeout=15)
        t.ok(len(H.status_lines(answer)) == 1 and status_of(answer) == 200,
             "%s: a GET with a body -> 200, the body dropped" % item, answer[:300])
        time.sleep(0.5)
        t.ok(samples_scored(srv) == before, "%s: none of these requests ran a sample" % item,
             (before, samples_scored(srv)))
        check_after(srv, problems, item, jail)


# ------------------------------------------------------------ 5. JSON errors

def item_json_errors(problems, jail):
    item = "5 JSON errors"
    with H.Server("--canary-interval", "0") as srv:
        cases = [
            ("a 20 KB request line", b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("40 KB of headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Big: %s\r\n" % (b"b" * 1000) * 40 +
             b"\r\n", 431),
            ("HTTP/2.0", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            ("HTTP/0.9", b"GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", 505),
            ("a garbage request line", b"GARBAGE\r\n\r\n", 400),
            ("a header line without a colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400),
            ("a malformed chunk", b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 411),
        ]
        for name, raw, want in cases:
            answer = H.raw_request(srv.port, raw, read_timeout=15)
            head, _, _ = answer.partition(b"\r\n\r\n")
            j = json_body(answer)
            t.ok(status_of(answer) == want and b"Content-Type: application/json" in head and j and j.get("error")
                 and b"X-Request-Id:" in head, "%s: %s -> %d with a JSON body" % (item, name, want), answer[:300])
        check_after(srv, problems, item, jail)


# ------------------------------------------------ 6. problems and limits

def item_validation(problems, jail):
    item = "6 validation"
    add = {"prompt": "def add(x, y):\n", "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n",
           "entry_point": "add"}

    def inline(**changes):
        p = dict(add)
        p.update(changes)
        return {"benchmark": "humaneval", "samples": [{"task_id": "x/add", "completion": "    return 0\n",
                                                       "problem": p}]}
    with H.Server("--canary-interval", "0") as srv:
        cases = [
            ("entry_point that rewrites the check call", inline(entry_point="add) if False else (None"), 400,
             "samples[0].problem.entry_point"),
            ("entry_point with a newline", inline(entry_point="add\n"), 400, "samples[0].problem.entry_point"),
            ("entry_point a keyword", inline(entry_point="lambda"), 400, "samples[0].problem.entry_point"),
            ("a problem field of the wrong type", inline(prompt=5), 400, "samples[0].problem.prompt"),
            ("base_input not a list", inline(base_input={"a": 1}), 400, "samples[0].problem.base_input"),
            ("timeout_s 0.001", dict(small_request(problems), limits={"timeout_s": 0.001}), 400, "limits.timeout_s"),
            ("wall_s 0.01", dict(small_request(problems), limits={"wall_s": 0.01}), 400, "limits.wall_s"),
            ("memory_mb 16", dict(small_request(problems), limits={"memory_mb": 16}), 400, "limits.memory_mb"),
        ]
        for name, payload, want, field in cases:
            st, _, err = srv.score(payload)
            t.ok(st == want and isinstance(err, dict) and err.get("field") == field,
                 "%s: %s -> %d naming %s" % (item, name, want, field), (st, err))
        raw_cases = [
            ("a leading byte order mark", b"\xef\xbb\xbf" + json.dumps(small_request(problems)).encode(), None,
             "byte order mark"),
            ("a duplicate top-level key", b'{"benchmark":"humaneval","benchmark":"lcb","samples":[{"task_id":'
             b'"HumanEval/0","completion":""}]}', "benchmark", "twice"),
            ("a duplicate key in a sample", b'{"benchmark":"humaneval","samples":[{"task_id":"HumanEval/0",'
             b'"completion":"","completion":"x"}]}', "samples[0].completion", "twice"),
            ("a duplicate key in a problem", b'{"benchmark":"humaneval","samples":[{"task_id":"x/add",'
             b'"completion":"","problem":{"prompt":"","test":"","entry_point":"add","entry_point":"f"}}]}',
             "samples[0].problem.entry_point", "twice"),
            ("a duplicate key in limits", b'{"benchmark":"humaneval","limits":{"timeout_s":1,"timeout_s":2},'
             b'"samples":[{"task_id":"HumanEval/0","completion":""}]}', "limits.timeout_s", "twice"),
        ]
        for name, body, field, words in raw_cases:
            answer = post(srv.port, body)
            j = json_body(answer) or {}
            t.ok(status_of(answer) == 400 and j.get("field") == field and words in j.get("error", ""),
                 "%s: %s -> 400 naming %s" % (item, name, field or "the body"), answer[:400])
        st, _, info = srv.request("GET", "/v1/info")
        lim = json.loads(info).get("limits", {}) if st == 200 else {}
        t.ok(lim.get("min_timeout_s", 0) > 0.001 and lim.get("min_wall_s", 0) > 0.01 and lim.get("min_memory_mb", 0)
             > 16, "%s: /v1/info gives each limit's minimum" % item, lim)
        check_after(srv, problems, item, jail)
