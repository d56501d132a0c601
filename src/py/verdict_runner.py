"""verdict's runner: executes one job inside the jail and reports on fd 3.

    python3 /tmp/verdict_runner.py /tmp/job.json      (fd 3: result channel)

The protocol (job fields, records, tagged values) is docs/runner-protocol.md.
In short: read the job, unlink it, write an `extraction` record when the job
asked for extraction, run the job's kind, write one `result` record, exit 0.
Any failure of the runner itself writes a `runner_error` record and exits 70,
so it can never pass for a candidate's verdict.

Candidate code never runs in this process. Kinds that run a candidate
in-process in the original harness (assert, evalplus, lcb_functional,
expected) run it in a forked child: the child drops fd 3, gets /dev/null on
fds 0-2, applies the harness's guard and reports over a private pipe; this
process is made non-dumpable first, so the child cannot reach it through
/proc or ptrace. lcb_stdin runs each test as a fresh python3 process.

The job kinds live in their own modules: verdict_kind_assert (HumanEval),
verdict_kind_evalplus (HumanEval+ ground truth and differential tests),
verdict_kind_lcb (LiveCodeBench), verdict_kind_real and verdict_kind_real_lcb
(the verdict profile: the same tests on the program run as real Python); forked children in verdict_child, what the
kinds share in verdict_job.

Importable: main(argv) does everything; importing does nothing but imports.
Keep `from __future__` imports out of this file: exec() of a string
inherits them, and candidates must compile as in the original harnesses
(compile() here also passes dont_inherit=True).
"""
import json
import os
import sys

import verdict_kind_assert
import verdict_kind_evalplus
import verdict_kind_lcb
import verdict_kind_real
import verdict_kind_real_lcb
from verdict_child import EXIT_OK, EXIT_RUNNER_ERROR, RESULT_FD, make_non_dumpable, no_lone_surrogates
from verdict_job import RunnerError, field

KIND_FUNCS = {
    "assert": verdict_kind_assert.kind_assert,
    "expected": verdict_kind_evalplus.kind_expected,
    "expected_tasks": verdict_kind_evalplus.kind_expected_tasks,
    "evalplus": verdict_kind_evalplus.kind_evalplus,
    "lcb_functional": verdict_kind_lcb.kind_lcb_functional,
    "lcb_stdin": verdict_kind_lcb.kind_lcb_stdin,
    # The verdict profile: the same tests on the program run as real Python.
    "real_assert": verdict_kind_real.kind_real_assert,
    "real_evalplus": verdict_kind_real.kind_real_evalplus,
    "real_lcb_functional": verdict_kind_real_lcb.kind_real_lcb_functional,
    "real_lcb_stdin": verdict_kind_real_lcb.kind_real_lcb_stdin,
}
PROGRAM_PER_TASK = {"expected_tasks"}


class Channel:
    """Newline-terminated JSON records on the result fd."""

    def __init__(self, fd):
        self.fd = fd
        self.nonce = None

    def write(self, record):
        rec = {"nonce": self.nonce}
        rec.update(record)
        data = (no_lone_surrogates(json.dumps(rec, allow_nan=False, separators=(",", ":"))) + "\n").encode()
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]


def read_job(path):
    """Read and unlink the job file; return the parsed object."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    import verdict_values
    try:
        job = verdict_values.loads(data)
    except ValueError as e:
        raise RunnerError("job file is not JSON: %s" % e) from None
    if not isinstance(job, dict):
        raise RunnerError("job file is not a JSON object")
    return job


class Context:
    """What one job run needs besides the job: the work directory (where the
    job file was: /tmp in the jail), bound modules, the channel."""

    def __init__(self, work_dir, channel):
        self.work_dir = work_dir
        self.channel = channel
        self.resource = None
        self.numpy = None


def prepare_program(job, ctx):
    """The program to run: job["program"], or the extraction result (then
    the extraction record is written before anything runs)."""
    ext = job.get("extract")
    if ext is None:
        return field(job, "program", str)
    if not isinstance(ext, dict):
        raise RunnerError("job field 'extract' must be an object")
    mode = field(ext, "mode", str)
    if mode == "verdict":
        import verdict_harness
        return verdict_harness.prepare(ext, ctx.channel.write)
    import verdict_extract  # written by the extraction owner; lazy on purpose
    if mode == "lm-eval-chat":
        blocks = field(ext, "blocks", list)
        if not all(isinstance(b, str) for b in blocks):
            raise RunnerError("extract.blocks must be strings")
        fallback = field(ext, "fallback", str)
        prompt = field(ext, "prompt", str)
        candidate, path = verdict_extract.lm_eval_chat_select(blocks, fallback)
        if not isinstance(candidate, str) or not isinstance(path, str):
            raise RunnerError("lm_eval_chat_select returned %r" % ((type(candidate), type(path)),))
        program = prompt + candidate
        detail = {"mode": mode, "blocks": len(blocks)}
    elif mode == "evalplus-sanitize":
        code = field(ext, "code", str)
        entry_point = field(ext, "entry_point", str)
        program = verdict_extract.evalplus_sanitize(code, entry_point)
        if not isinstance(program, str):
            raise RunnerError("evalplus_sanitize returned %r" % type(program))
        path = "sanitized" if program.strip() else "none"
        detail = {"mode": mode}
    else:
        raise RunnerError("unknown extract mode %r" % mode)
    ctx.channel.write({"type": "extraction", "program": program, "path": path, "detail": detail})
    return program


def run_job(job, ctx):
    nonce = job.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise RunnerError("job field 'nonce' is missing")
    kind = field(job, "kind", str)
    if kind not in KIND_FUNCS:
        raise RunnerError("unknown kind %r" % kind)
    import resource
    ctx.resource = resource
    make_non_dumpable()
    # A batch of tasks carries a program per task, none of its own.
    program = None if kind in PROGRAM_PER_TASK else prepare_program(job, ctx)
    rec = KIND_FUNCS[kind](job, program, ctx)
    out = {"type": "result", "kind": kind, "profile": job.get("profile")}
    out.update(rec)
    return out


def main(argv=None):
    argv = sys.argv if argv is None else argv
    channel = Channel(RESULT_FD)
    try:
        if len(argv) != 2:
            raise RunnerError("usage: verdict_runner.py JOB_FILE")
        job_path = os.path.abspath(argv[1])
        job = read_job(job_path)
        if isinstance(job.get("nonce"), str):
            channel.nonce = job["nonce"]
        ctx = Context(os.path.dirname(job_path), channel)
        record = run_job(job, ctx)
        channel.write(record)
        return EXIT_OK
    except BaseException as e:
        import traceback
        try:
            traceback.print_exc(file=sys.stderr)
        except BaseException:
            pass
        try:
            channel.write({"type": "runner_error", "message": ("%s: %s" % (type(e).__name__, e))[:2000]})
        except BaseException:
            pass
        return EXIT_RUNNER_ERROR


if __name__ == "__main__":
    sys.exit(main())
