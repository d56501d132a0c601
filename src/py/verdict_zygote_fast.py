"""The warm parent's fast path for HumanEval-style jobs (docs/pool.md): the
run's program process plays the runner's child (g_run_fast_assert) and the
warm parent, src/py/verdict_zygote.py, reads its private report pipe and
writes the records the supervisor reads (collect_reports,
write_fast_records).

Apart from the warm parent because only the scorer's jobs take this path
(their header carries the "fast" hint) and the scorer ships this module
with the runner's: a pool started with the warm parent alone (the jail's own
tests) never needs it. The warm parent imports it warm with the runner.
"""
import json
import os
import resource
import tempfile


def g_run_fast_assert(job):
    """The assert kind (or the verdict profile's real_assert) run by this
    process alone, the warm parent playing the runner's parent: the job is read and deleted, the extraction (CPython's
    parser, no candidate code yet) is reported first, then the candidate
    runs with the tests under the harness's guard. Reports go to a private
    pipe only the warm parent reads; this process holds no result channel
    and never sees the nonce."""
    import verdict_child
    import verdict_job as vj
    import verdict_kind_assert
    import verdict_runner as vr
    send = verdict_child.Sender(job.report_fd)
    job_data = vr.read_job("/tmp/job.json")
    ctx = vr.Context("/tmp", None)
    ctx.resource = resource
    if job_data.get("kind") == "real_assert":
        import verdict_kind_real
        verdict_kind_real.fast_real_assert(job_data, send, ctx, extracted_record(job.extraction))
        return
    ext = job_data.get("extract")
    if ext is not None:
        mode = vj.field(ext, "mode", str)
        import verdict_extract
        if mode != "lm-eval-chat":
            raise vj.RunnerError("unknown extract mode %r" % mode)
        blocks = vj.field(ext, "blocks", list)
        fallback = vj.field(ext, "fallback", str)
        prompt = vj.field(ext, "prompt", str)
        candidate, path = verdict_extract.lm_eval_chat_select(blocks, fallback)
        program = prompt + candidate
        send({"extraction": {"program": program, "path": path, "detail": {"mode": mode, "blocks": len(blocks)}}})
    else:
        program = vj.field(job_data, "program", str)
    if not program.strip():
        send({"report": {"status": "no_code", "harness": None}})
        return
    test = vj.field(job_data, "test", str)
    entry_point = vj.field(job_data, "entry_point", str)
    vj.preload(ctx, program, test)
    tmp = tempfile.mkdtemp(prefix="cand-", dir="/tmp")
    forgery_check = vj.field(job_data, "forgery_check", bool, True)
    send({"report": verdict_kind_assert.assert_child(program, test, entry_point, vj.guard_for(job_data), tmp,
                                                     ctx, forgery_check)})


def extracted_record(data):
    """The extraction record the warm parent's extractor computed for this
    job (verdict_extractor.py), or None: then this process extracts."""
    if data is None:
        return None
    try:
        rec = json.loads(data)
    except ValueError:
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("program"), str):
        return None
    return rec


MAX_REPORT = 256 << 20


def collect_reports(rfd, pidfd):
    """Read the program process's reports until it has ended (its pidfd,
    the caller's, says so) and the pipe is drained; returns them. What the
    run left holding the pipe does not keep this waiting: the end of the
    run's process does."""
    import select
    buf = bytearray()
    done = False
    while not done:
        ready, _, _ = select.select([rfd, pidfd], [], [])
        if rfd in ready:
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            if len(buf) < MAX_REPORT:
                buf += chunk
        if pidfd in ready and rfd not in ready:
            done = True
    return buf


def finish(rfd, channel, hint, buf, st, ru, wall_s, extract_cpu_s):
    """After the run's process and its uid are gone: the rest of its
    reports, then the records on the result channel; both fds closed."""
    tail = b""
    try:
        os.set_blocking(rfd, False)
        while True:
            chunk = os.read(rfd, 1 << 16)
            if not chunk:
                break
            tail += chunk
    except OSError:
        pass
    os.close(rfd)
    write_fast_records(channel, hint, bytes(buf) + tail, st, ru, wall_s, extract_cpu_s)
    os.close(channel)


def write_fast_records(channel, hint, data, st, ru, wall_s, extract_cpu_s=0.0):
    """The records the runner would write, from the program process's
    reports: the first extraction report and the first result report
    count. A program that ended without a result gets none here: the
    supervisor then decides from its exit (a non-pass). extract_cpu_s is
    the extractor's CPU on this run, part of its cpu_ms."""
    nonce = hint["nonce"]
    extraction = report = None
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict):
            continue
        if extraction is None and report is None and isinstance(msg.get("extraction"), dict):
            extraction = msg["extraction"]
        elif report is None and isinstance(msg.get("report"), dict):
            report = msg["report"]
    out = []
    if extraction is not None:
        rec = {k: v for k, v in extraction.items() if k not in ("nonce", "type")}
        rec.update({"nonce": nonce, "type": "extraction"})
        out.append(rec)
    if report is not None:
        rec = dict(report)
        rec.update({"nonce": nonce, "type": "result", "kind": hint["fast"], "profile": hint.get("profile"),
                    "cpu_ms": (ru.ru_utime + ru.ru_stime + extract_cpu_s) * 1000.0, "wall_ms": wall_s * 1000.0})
        out.append(rec)
    data = b"".join((json.dumps(r, separators=(",", ":")) + "\n").encode() for r in out)
    view = memoryview(data)
    try:
        while view:
            n = os.write(channel, view)
            view = view[n:]
    except OSError:
        pass
