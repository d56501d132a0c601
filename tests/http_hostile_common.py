"""What every item of tests/test_http_hostile.py shares: the TAP stream, raw
requests and their answers, the health check after an item."""
import json

import http_harness as H

t = H.Tap()
MB = 1 << 20


def small_request(problems, task=0):
    return {"benchmark": "humaneval",
            "samples": [{"task_id": problems[task]["task_id"], "completion": problems[task]["canonical_solution"]}]}


def check_after(srv, problems, item, jail):
    """The server's health, RSS and a small valid request, after an item."""
    t.ok(srv.healthy(), "%s: the server is healthy afterwards" % item)
    t.diag("%s: server RSS %d kB" % (item, srv.rss_kb()))
    if not jail:
        t.skip("%s: a small valid request is scored afterwards" % item, "the jail does not work here")
        return
    try:
        st, _, rep = srv.score(small_request(problems), timeout=120)
    except OSError as e:
        st, rep = repr(e), {}
    t.ok(st == 200 and rep["samples"][0]["status"] == "passed",
         "%s: a small valid request is scored afterwards" % item, (st, rep if st != 200 else rep["samples"]))


def post(port, body, headers=b"", source=None, read_timeout=60, content_type=b"application/json"):
    head = (b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type + b"\r\n" + headers +
            b"Content-Length: %d\r\n\r\n" % len(body))
    return H.raw_request(port, head + body, read_timeout=read_timeout, source=source)


def json_body(answer):
    """The JSON object after the head of a raw answer, or None."""
    _, _, body = answer.partition(b"\r\n\r\n")
    try:
        return json.loads(body)
    except ValueError:
        return None


def status_of(answer):
    lines = H.status_lines(answer)
    return int(lines[0].split()[1]) if lines else None


def samples_scored(srv):
    return sum(v for k, v in srv.metrics().items() if k.startswith("verdict_samples_total{"))
