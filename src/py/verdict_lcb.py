"""LiveCodeBench grading semantics (lcb_runner/evaluation/testing_util.py and
compute_code_generation_metrics.py at LiveCodeBench/LiveCodeBench HEAD).

What is reproduced, and where verdict departs on purpose:

* The preamble every candidate gets (`import_string`: 18 star imports, 16
  module imports, sys.setrecursionlimit(50000)), byte for byte, since its
  line count shows in error messages ("<string>, line N").
* The int/str digit limit of the official process: 50000
  (compute_code_generation_metrics calls sys.set_int_max_str_digits(50000)
  at import, and the forked workers inherit it). Printing or str()-ing an
  int of more than 50000 digits raises ValueError there, which the runner
  reports as -4 (stdin: "Runtime Error"; functional: a failed str() in the
  wrong-answer metadata, also -4). Up to 50000 digits works. Python's own
  default (4300) never applies.
* Functional (call-based) tests: the code runs as module "tmp_sol";
  `Solution()` is instantiated when the text contains "class Solution";
  each input line is json.loads'ed into one positional argument; the
  expected output is json.loads'ed; a returned tuple becomes a list; the
  comparison is `==`; the first failure stops the run.
* Stdin tests: the program is rewritten as the official runner does
  (clean_if_name: the final `if __name__ == '__main__':` block is
  unwrapped; make_function: top-level imports are hoisted and everything
  else becomes the body of `wrapped_function()`, so `global` statements
  and `__name__` checks behave as they do there). verdict then runs it as
  a separate process per test, with stdout captured, instead of the
  official in-process mocks (unittest.mock patches of sys.stdin/open, a
  StringIO stdout). Where the input is depends on the job's `fd0`:
  "grader" (the lcb profile) reproduces the official process: sys.stdin
  holds the input (on another descriptor) and sys.__stdin__ is closed,
  while fd 0 is the grading process's own stdin, an open pipe that never
  delivers. A program that reads fd 0 itself (`open(0)`,
  `open('/dev/stdin')`, `os.read(0, n)`: names the official mocks do not
  reach, since the preamble's `from builtins import *` bound the real
  `open` before they were patched) blocks there officially until the time
  limit, -3; verdict sees the blocked read at once (/proc/PID/syscall) and
  records the same -3 without waiting out the limit. "input" (a real
  run): fd 0 is the input pipe.
* The end of a run: a real interpreter's exit waits for the non-daemon
  threads the program left running (verdict_threads), so the idiom
  `threading.Thread(target=main).start()` prints its answer before the
  output is taken; the official in-process runner races with such a
  thread (it usually wins).
* The output comparison of grade_stdio: strip the whole text, split on
  "\n", strip each line; equal line counts; each line equal as text or as
  equal lists of decimal.Decimal tokens.
* Metadata: error_code -2/-3/-4, error_message, and inputs/expected/output
  truncated by `truncatefn` (300 chars: the first 150, "...(truncated)
  ...", the last 150), in the official key order, so json.dumps of it
  equals the official metadata string. A run that dies (os._exit, a
  signal, SystemExit outside the solution call, the global time-out)
  gives what the official pipeline records then: results [-2] and
  {"error": "IndexError('list index out of range')", "error_code": -5,
  "error_message": "TestRunnerError"} (check_correctness indexes an empty
  metadata list and evaluate_generations_by_problem catches it).
"""
import ast
import json
from decimal import Decimal

INT_MAX_STR_DIGITS = 50000

_STAR_IMPORTS = (
    "string", "re", "datetime", "collections", "heapq", "bisect", "copy",
    "math", "random", "statistics", "itertools", "functools", "operator",
    "io", "sys", "json", "builtins", "typing",
)
_PLAIN_IMPORTS = _STAR_IMPORTS[:16]
STAR_IMPORT_MODULES = _STAR_IMPORTS

IMPORT_STRING = (
    "".join("from %s import *\n" % m for m in _STAR_IMPORTS)
    + "".join("import %s\n" % m for m in _PLAIN_IMPORTS)
    + "sys.setrecursionlimit(50000)\n"
)

DIED_RESULTS = [-2]
DIED_METADATA = {
    "error": "IndexError('list index out of range')",
    "error_code": -5,
    "error_message": "TestRunnerError",
}
NO_METHOD_MESSAGE = "cannot unpack non-iterable NoneType object"
TIMEOUT_REPR = "TimeoutException()"


class TimeoutException(Exception):
    """Named as in the official runner: its repr() ends up in metadata and
    the official test for a time-out is "timeoutexception" in repr(e)."""


def truncatefn(s, length=300):
    if not isinstance(s, str):
        s = str(s)
    if len(s) <= length:
        return s
    return s[: length // 2] + "...(truncated) ..." + s[-length // 2:]


def error_during_testing(e_text):
    return [-4], {"error_code": -4, "error_message": "Error during testing: %s" % e_text}


def is_timeout_exc(e):
    return "timeoutexception" in repr(e).lower()


# ------------------------------------------------------------ functional --

def parse_functional(tests):
    """(inputs, outputs) as the official grade_call_based parses them:
    one json.loads per input line, one per expected output. Raises what
    json.loads raises (the caller reports it as -4)."""
    inputs = [[json.loads(line) for line in t["input"].split("\n")] for t in tests]
    outputs = [json.loads(t["output"]) for t in tests]
    return inputs, outputs


def wrong_answer_functional(prediction, gt_inp, gt_out):
    return {
        "output": truncatefn(prediction),
        "inputs": truncatefn(gt_inp),
        "expected": truncatefn(gt_out),
        "error_code": -2,
        "error_message": "Wrong Answer",
    }


def exception_metadata(e_repr, timed_out, gt_inp, gt_out):
    return {
        "error": e_repr,
        "error_code": -3 if timed_out else -4,
        "error_message": "Time Limit Exceeded" if timed_out else "Runtime Error",
        "inputs": truncatefn(gt_inp),
        "expected": truncatefn(gt_out),
    }


# ----------------------------------------------------------------- stdin --

def clean_if_name(code):
    """Unwrap a final `if __name__ == '__main__':` block (official rule:
    only the last top-level statement, compared after ast.unparse)."""
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If):
            if ast.unparse(last.test).strip() == "__name__ == '__main__'":
                code = ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code


def make_function(code):
    """Hoist top-level imports and wrap every other statement into
    `def wrapped_function():`, after the preamble. On any failure (a syntax
    error, ast.unparse trouble) the code is returned unchanged, as
    officially; exec of it then fails or lacks wrapped_function."""
    try:
        imports = []
        others = []
        for stmt in ast.parse(code).body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                imports.append(stmt)
            else:
                others.append(stmt)
        fn = ast.FunctionDef(
            name="wrapped_function",
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[],
                               kw_defaults=[], defaults=[]),
            body=others,
            decorator_list=[],
            lineno=-1,
        )
        return IMPORT_STRING + "\n" + ast.unparse(imports) + "\n" + ast.unparse(fn)
    except Exception:
        return code


def stdin_program(code):
    """The text the official runner exec's for a stdin problem."""
    return make_function(clean_if_name(code))


def _stripped_lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line):
    try:
        return True, [Decimal(tok) for tok in line.split()]
    except Exception:
        return False, []


def grade_stdout(prediction, gt_inp, gt_out):
    """None when the output is accepted, else the official -2 metadata."""
    pred_lines = _stripped_lines(prediction)
    gt_lines = _stripped_lines(gt_out)
    wa = {
        "output": truncatefn(prediction),
        "inputs": truncatefn(gt_inp),
        "expected": truncatefn(gt_out),
        "error_code": -2,
    }
    if len(pred_lines) != len(gt_lines):
        wa["error_message"] = "Wrong answer: mismatched output length"
        return wa
    for idx, (p, g) in enumerate(zip(pred_lines, gt_lines)):
        wa["error_message"] = "Wrong answer at output_line_idx=%r: %s != %s" % (
            idx, truncatefn(p), truncatefn(g))
        if p == g:
            continue
        ok_p, dec_p = _decimals(p)
        if not ok_p:
            return wa
        ok_g, dec_g = _decimals(g)
        if not ok_g:
            return wa
        if dec_p == dec_g:
            continue
        return wa
    return None


# The program run as `python3 -c BOOTSTRAP PROGRAM_FILE GUARD RUNNER_DIR
# INPUT_FD` for one stdin test. It reproduces compile_code + call_method
# around the real process: the LiveCodeBench guard, exec as module
# "tmp_sol", Solution() when the text says so, wrapped_function() with
# SystemExit swallowed, then the wait for the threads the program left
# running (verdict_threads, from RUNNER_DIR). INPUT_FD "-": the input is
# on fd 0; a number: the input is on that descriptor and becomes sys.stdin,
# sys.__stdin__ is closed and fd 0 is left alone (the official worker's
# state, see the module's docstring). The last line on stderr tells the
# runner how it ended; a run without that line (os._exit, a signal, a
# SystemExit outside the call) counts as a dead run.
MARKER = b"\x00VERDICT-LCB "
BOOTSTRAP = r'''
import builtins, faulthandler, json, os, sys, threading, types
def _mark(kind, text="", etype=""):
    line = b"\n\x00VERDICT-LCB " + json.dumps([kind, text, etype]).encode() + b"\n"
    try:
        os.write(2, line)
    except OSError:
        pass
def _guard():
    faulthandler.disable()
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for a in ("kill", "system", "putenv", "remove", "removedirs", "rmdir",
              "fchdir", "setuid", "fork", "forkpty", "killpg", "rename",
              "renames", "truncate", "replace", "unlink", "fchmod", "fchown",
              "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown",
              "getcwd", "chdir"):
        setattr(os, a, None)
    import shutil, subprocess
    shutil.rmtree = shutil.move = shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for m in ("ipdb", "joblib", "resource", "psutil", "tkinter"):
        sys.modules[m] = None
def _flush():
    for s in (sys.stdout, sys.__stdout__):
        try:
            s.flush()
        except BaseException:
            pass
def _official_stdin(fd):
    # multiprocessing's worker closes sys.stdin (fd 0 stays open: the std
    # streams do not own their descriptors), then the mocks give the input.
    old = sys.stdin
    sys.stdin = open(fd, "r", encoding=old.encoding, errors=old.errors, newline="\n")
    old.close()
def _main():
    # From a warm launcher: the preamble already run (verdict_launcher's
    # PREBIND); taken out of __main__ first, which is then as a fresh one.
    pre = globals().pop("_verdict_prebound", None)
    with open(sys.argv[1], encoding="utf-8") as f:
        code = f.read()
    sys.path.insert(0, sys.argv[3])
    from verdict_threads import wait_for_threads
    del sys.path[0]
    if sys.argv[4] != "-":
        _official_stdin(int(sys.argv[4]))
    _exit = os._exit
    for name in ("numpy", "multiprocessing"):
        if name in code:  # loaded in the official worker before the guard
            try:
                __import__(name)
            except ImportError:
                pass
    if sys.argv[2] == "lcb":
        _guard()
    try:
        mod = pre[1]() if pre is not None and pre[0] == code else None
        if mod is None:
            mod = types.ModuleType("tmp_sol", "")
            exec(code, mod.__dict__)
        else:
            exec(pre[2](), mod.__dict__)
        sol = mod.Solution() if "class Solution" in code else mod
        assert sol is not None
    except Exception as e:
        try:
            text = str(e)
        except BaseException:
            text = "<str() failed>"
        _mark("compile", text, type(e).__name__)
        _exit(3)
    try:
        assert hasattr(sol, "wrapped_function")
        fn = getattr(sol, "wrapped_function")
    except Exception:
        fn = None
    if fn is None:
        _mark("nofunc")
        _exit(5)
    try:
        fn()
    except SystemExit:
        pass
    except Exception as e:
        try:
            text = repr(e)
        except BaseException:
            text = "<repr() failed>"
        _mark("run", text, type(e).__name__)
        _exit(4)
    # No bound here: the test's CPU limit and wall cap end a thread that
    # never does (a time-out, -3); the marker says what it waited for.
    if threading.active_count() > 1:
        _mark("threads")
    wait_for_threads()
    _flush()
    _mark("ok")
    _exit(0)
_main()
'''


def bootstrap_prebind(program_path):
    """verdict_launcher's PREBIND for BOOTSTRAP's program: the preamble is
    run once per job, then each test's boot code takes the module it made.
    BOOTSTRAP changes builtins (the guard) and sys (sys.stdin) before the
    program runs; the names bound from those two are bound again then."""
    return {"program": program_path, "preamble": IMPORT_STRING, "module": "tmp_sol",
            "star": list(_STAR_IMPORTS), "live": ["sys", "builtins"]}


def parse_marker(stderr_tail):
    """(kind, text, exc_type) from the last marker line on stderr, or
    (None, None, None)."""
    none = (None, None, None)
    i = stderr_tail.rfind(MARKER)
    if i < 0:
        return none
    line = stderr_tail[i + len(MARKER):].split(b"\n", 1)[0]
    try:
        kind, text, etype = json.loads(line.decode("utf-8", "replace"))
    except (ValueError, TypeError):
        return none
    if kind not in ("compile", "nofunc", "run", "threads", "ok") or not isinstance(text, str) \
            or not isinstance(etype, str):
        return none
    return kind, text, etype
