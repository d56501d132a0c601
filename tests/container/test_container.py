#!/usr/bin/python3
"""verdict's image, run by a container runtime: every HTTP endpoint, a full
HumanEval run and the attack suite's core cases sent as samples through
POST /score, against a server already running in a container. Prints TAP
and, last, one `# summary {json}` line (.ci/container collects it).

    test_container.py --url http://127.0.0.1:PORT --expect-level full|seccomp \
        [--container NAME] [--runtime podman] [--dataset-in-container PATH]

--container lets it look inside the container after the attacks (podman
exec: no process of the fork bomb left, the server still pid 1) and run
`verdict audit --json` there (the level must be in the audit report too).

Each attack is a HumanEval-shaped problem whose test passes only if the
attack worked ("ESCAPED"): containment is a non-pass, and the status must be
the one the table says for the level. Two rows are the documented limits of
the seccomp level (docs/containers.md): a world-readable file of the
container and the server's own process are reachable there, not at full.
Standard library only."""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time
import http.client
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("VERDICT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
HUMANEVAL = os.path.join(SHARED, "datasets", "humaneval", "HumanEval.jsonl.gz")
sys.path.insert(0, os.path.dirname(HERE))
from http_harness import Tap  # noqa: E402


class Http:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80

    def request(self, method, path, body=None, timeout=900):
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = {}
            if body is not None:
                body = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def json(self, method, path, body=None, timeout=900):
        st, hd, data = self.request(method, path, body, timeout)
        try:
            return st, json.loads(data)
        except ValueError:
            return st, data

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                st, body = self.json("GET", "/readyz", timeout=10)
                if st == 200:
                    return True, body
                last = body
            except OSError as e:
                last = str(e)
            time.sleep(0.5)
        return False, last


def attack(name, body):
    """An inline HumanEval-shaped problem: f() returns 'ESCAPED' only when
    the attack worked."""
    prog = "".join("    " + line + "\n" if line else "\n" for line in body.strip("\n").splitlines())
    return {
        "task_id": "attack/" + name,
        "completion": prog,
        "problem": {
            "prompt": "def f():\n",
            "entry_point": "f",
            "test": "def check(candidate):\n    assert candidate() == 'ESCAPED'\n",
            "canonical_solution": "    return 'ESCAPED'\n",
        },
    }


ATTACKS = [
    # (name, code, expected status by level)
    ("fork_bomb", """
import posix, time  # posix.fork: the harness's guard only sets os.fork = None
n = 0
try:
    while n < 100000:
        pid = posix.fork()
        if pid == 0:
            time.sleep(60)  # hold the slot; the end of the run must kill it
            posix._exit(0)
        n += 1
except OSError as e:
    return 'contained after %d forks: %s' % (n, e)
return 'ESCAPED'
""", {"full": "failed", "seccomp": "failed"}),
    ("read_host_secret", """
try:
    with open('/etc/shadow') as fh:
        fh.read()
except OSError as e:
    return 'contained: %s' % e
return 'ESCAPED'
""", {"full": "failed", "seccomp": "failed"}),
    ("network", """
import socket
out = []
for fam, addr in ((socket.AF_INET, ('127.0.0.1', 8080)), (socket.AF_INET6, ('::1', 8080))):
    try:
        s = socket.socket(fam, socket.SOCK_STREAM)
    except OSError as e:
        out.append(str(e))
        continue
    try:
        s.settimeout(2)
        s.connect(addr)
        return 'ESCAPED'
    except OSError as e:
        out.append(str(e))
    finally:
        s.close()
return 'contained: %s' % out
""", {"full": "failed", "seccomp": "failed"}),
    ("memory_bomb", """
chunks = []
while True:
    # 1 GiB at a time: the memory limit is met at once, not after seconds of
    # zero-filling pages that a slow machine spends against the CPU limit.
    chunks.append(bytearray(1 << 30))
    if len(chunks) > 64:
        return 'ESCAPED'
""", {"full": "memory", "seccomp": "memory"}),
    ("infinite_loop", """
while True:
    pass
""", {"full": "timeout", "seccomp": "timeout"}),
    # Documented limits of the seccomp level: no mount namespace, so the
    # container's world-readable files are there; no pid namespace, and when
    # verdict is not root the program shares its uid, so the server is
    # visible and signalable (signal 0 only: this checks, it does not harm).
    ("read_world_readable_file", """
try:
    with open('/etc/os-release') as fh:
        fh.read()
except OSError as e:
    return 'contained: %s' % e
return 'ESCAPED'
""", {"full": "failed", "seccomp": "passed"}),
    ("see_server_process", """
import posix
try:
    for pid in posix.listdir('/proc'):
        if pid.isdigit():
            with open('/proc/%s/cmdline' % pid, 'rb') as fh:
                if b'serve' in fh.read():
                    posix.kill(int(pid), 0)
                    return 'ESCAPED'
except OSError as e:
    return 'contained: %s' % e
return 'contained: no server process in sight'
""", {"full": "failed", "seccomp": None}),  # seccomp: passed when the server runs as the same uid
]


def load_humaneval():
    with gzip.open(HUMANEVAL, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def podman_exec(runtime, container, argv, timeout=300):
    return subprocess.run([runtime, "exec", container] + argv, capture_output=True, text=True, timeout=timeout)


PS = r"""
import os
out = []
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            st = open('/proc/%s/stat' % p).read()
            cmd = open('/proc/%s/cmdline' % p, 'rb').read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        out.append('%s %s %s' % (p, st[st.rindex(')') + 2], cmd.strip()[:80]))
print('\n@@\n'.join(out))
"""


def processes(runtime, container):
    """'pid state cmdline' of every process in the container but this probe."""
    r = podman_exec(runtime, container, ["/usr/bin/python3", "-I", "-S", "-c", PS])
    rows = [line for line in r.stdout.strip().split("\n@@\n") if line.strip()]
    return [row for row in rows if "-I -S -c" not in row]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--expect-level", required=True, choices=["full", "seccomp"])
    ap.add_argument("--container")
    ap.add_argument("--runtime", default="podman")
    ap.add_argument("--dataset-in-container", default="/data/humaneval/HumanEval.jsonl.gz")
    ap.add_argument("--server-uid-shared", action="store_true",
                    help="the server runs as the uid the programs run as (non-root at the seccomp level)")
    ap.add_argument("--ready-timeout", type=float, default=120)
    a = ap.parse_args()
    t = Tap()
    h = Http(a.url)
    level = a.expect_level
    summary = {"expected_level": level}

    ready, rz = h.wait_ready(a.ready_timeout)
    t.ok(ready, "GET /readyz 200 within %ds (the start-up canary passed)" % a.ready_timeout, rz)
    if not ready:
        print("# summary " + json.dumps(summary))
        return t.done()
    t.ok(isinstance(rz, dict) and rz.get("ready") and rz.get("canary", {}).get("passed"), "/readyz: ready, canary passed", rz)
    st, hz = h.json("GET", "/healthz")
    t.ok(st == 200 and hz == {"status": "ok"}, "GET /healthz 200", (st, hz))

    st, info = h.json("GET", "/v1/info")
    iso = info.get("isolation", {}) if isinstance(info, dict) else {}
    summary["level"] = iso.get("level")
    summary["active"] = iso.get("active")
    summary["missing"] = iso.get("missing")
    summary["layers"] = {k: "%s: %s" % (v.get("state"), v.get("detail")) for k, v in iso.get("layers", {}).items()}
    t.ok(st == 200 and iso.get("level") == level, "GET /v1/info: isolation level %s" % level, (st, iso.get("level")))
    t.ok("seccomp" in (iso.get("active") or []) and "no_new_privs" in (iso.get("active") or []),
         "/v1/info: seccomp and no_new_privs active", iso.get("active"))
    ns = ["user_ns", "pid_ns", "mount_ns", "net_ns", "ipc_ns", "uts_ns"]
    keys = [k for k in (iso.get("layers") or {}) if k.endswith("_ns") or k in ns]
    if level == "full":
        t.ok(all(iso["layers"][k]["state"] == "active" for k in keys) and keys,
             "/v1/info: every namespace layer active at full", {k: iso["layers"][k]["state"] for k in keys})
    else:
        t.ok(keys and not any(iso["layers"][k]["state"] == "active" for k in keys),
             "/v1/info: no namespace layer active at seccomp", {k: iso["layers"][k]["state"] for k in keys})
    ds = info.get("datasets", []) if isinstance(info, dict) else []
    t.ok(any(d.get("tasks") == 164 for d in ds), "/v1/info: the mounted HumanEval dataset is loaded", ds)

    st, hd, body = h.request("GET", "/metrics")
    text = body.decode("utf-8", "replace")
    t.ok(st == 200 and ('verdict_isolation_level{level="%s"} 1' % level) in text,
         "GET /metrics: verdict_isolation_level{level=\"%s\"} 1" % level,
         [ln for ln in text.splitlines() if "isolation" in ln])

    # A full HumanEval run: the 164 canonical solutions must all pass.
    problems = load_humaneval()
    samples = [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems]
    t0 = time.time()
    st, rep = h.json("POST", "/score", {"benchmark": "humaneval", "samples": samples, "k": [1]}, timeout=1800)
    took = time.time() - t0
    ok = st == 200 and isinstance(rep, dict)
    statuses = {}
    if ok:
        for r in rep["samples"]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    summary["humaneval"] = {"http": st, "seconds": round(took, 1), "statuses": statuses,
                            "pass_at_1": rep["summary"]["pass_at_k"]["1"]["value"] if ok else None,
                            "samples_per_second": round(len(samples) / took, 2)}
    t.ok(ok and statuses == {"passed": 164}, "POST /score: 164 HumanEval canonical solutions all pass (%.1f s)" % took,
         (st, statuses if ok else rep))
    t.ok(ok and rep.get("isolation", {}).get("level") == level, "the /score response carries isolation level %s" % level,
         rep.get("isolation", {}).get("level") if ok else None)

    # The attack suite's core cases.
    wanted = {}
    for name, code, exp in ATTACKS:
        e = exp[level]
        if e is None:
            e = "passed" if a.server_uid_shared else "failed"
        wanted[name] = e
    before = processes(a.runtime, a.container) if a.container else []
    # One request per attack, one after the other: at the seccomp level
    # without a dedicated run uid, runs share verdict's uid and so its
    # process count (RLIMIT_NPROC), and a fork bomb starves the runs beside
    # it (measured below, not asserted).
    got = {}
    for name, code, _ in ATTACKS:
        req = {"benchmark": "humaneval", "samples": [attack(name, code)], "rerun_timeouts": False}
        st, rep = h.json("POST", "/score", req, timeout=900)
        if st == 200:
            r = rep["samples"][0]
            got[name] = {"status": r["status"], "detail": (r.get("detail") or "")[:160]}
            t.ok(rep.get("isolation", {}).get("level") == level, "attack %s answered at level %s" % (name, level))
        else:
            got[name] = {"status": "http %d" % st, "detail": str(rep)[:300]}
    summary["attacks"] = got
    for name, _, _ in ATTACKS:
        g = got.get(name, {})
        w = wanted[name]
        if w == "memory":
            # RLIMIT_AS: either the run dies of it (memory_limit) or the
            # MemoryError is raised inside the test and reported as its error.
            good = g.get("status") == "memory_limit" or (g.get("status") == "error" and "MemoryError" in g.get("detail", ""))
            w = "memory_limit, or error: MemoryError"
        else:
            good = g.get("status") == w
        t.ok(good, "attack %s -> %s" % (name, w), g)
    t.ok(h.request("GET", "/healthz")[0] == 200, "healthy after the attacks")
    # A correct sample right after the fork bomb's run: its processes died
    # with it.
    p0 = problems[0]
    st, rep = h.json("POST", "/score", {"benchmark": "humaneval", "samples": [
        {"task_id": p0["task_id"], "completion": p0["canonical_solution"]}]})
    t.ok(st == 200 and rep["samples"][0]["status"] == "passed", "a correct sample after the attacks passes",
         rep if st != 200 else rep["samples"][0])
    # Bystanders: correct samples scored in the same request as a fork bomb.
    bomb = [attack(n, c) for n, c, _ in ATTACKS if n == "fork_bomb"]
    st, rep = h.json("POST", "/score", {"benchmark": "humaneval", "samples": bomb + [
        {"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems[:6]]})
    if st == 200:
        by = {}
        for r in rep["samples"][1:]:
            by[r["status"]] = by.get(r["status"], 0) + 1
        summary["bystanders_of_a_fork_bomb"] = by
        t.diag("6 correct samples scored beside a fork bomb: %s" % by)

    if a.container:
        time.sleep(1)
        rows = processes(a.runtime, a.container)
        summary["processes_after_attacks"] = rows
        zombies = [r for r in rows if r.split(" ", 2)[1] == "Z"]
        # The warm pool's workers stay; what the attacks made must not: as
        # many processes as before them (a worker may have been replaced),
        # and no zombie (an orphan nobody reaps).
        t.ok(not zombies and len(rows) <= len(before) + 1,
             "no process left by the attacks (%d processes before, %d after, %d zombies)"
             % (len(before), len(rows), len(zombies)), {"before": before, "after": rows})
        t.ok(any("verdict serve" in r for r in rows), "the server is still running", rows)
        # The audit front end, inside the same container: same level.
        r = podman_exec(a.runtime, a.container,
                        ["/usr/bin/verdict", "audit", "--json", "--dataset", "/fixtures/problems.jsonl",
                         "/fixtures/samples.jsonl"])
        try:
            audit = json.loads(r.stdout)
        except ValueError:
            audit = {}
        t.ok(audit.get("isolation", {}).get("level") == level,
             "verdict audit --json in the container reports isolation level %s" % level,
             (r.returncode, r.stdout[:300], r.stderr[-600:]))
        summary["audit_level"] = audit.get("isolation", {}).get("level")
        r = podman_exec(a.runtime, a.container, ["/usr/bin/verdict", "check"])
        summary["check_exit"] = r.returncode
        summary["check"] = r.stdout
        t.diag("verdict check in the container (exit %d):\n%s" % (r.returncode, r.stdout))
        t.ok(r.returncode == 0 and ("level         %s" % level) in r.stdout,
             "verdict check in the container: level %s, every provable layer verified (exit 0)" % level,
             r.stderr[-400:])
    print("# summary " + json.dumps(summary), flush=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
