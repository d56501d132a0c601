#!/usr/bin/python3
"""Write the LiveCodeBench decoding fixtures (fixtures/lcb/) and the fuzz
seed corpus (tests/fuzz/corpus/lcb/) that tests/test_lcb_tests.c and
tests/fuzz/fuzz_lcb_tests.c read.

Run from anywhere with the system interpreter (stdlib only):
    /usr/bin/python3 tests/gen_lcb_vectors.py
Output is deterministic; re-running rewrites the same bytes.

Nothing here unpickles a hostile payload: pickle.dumps never runs code, and
the Python outcome noted for each fixture comes from an Unpickler whose
find_class refuses every global, so no callable can ever be reached.
"""
import base64
import binascii
import io
import json
import os
import pickle
import pickletools
import random
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "lcb")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus", "lcb")

# The test list every "good" fixture decodes to: both test types, non-ASCII
# text (Latin-1, BMP and astral), backslashes, quotes, newlines and a tab,
# so that protocol 0's raw-unicode-escape has work to do.
TESTS = [
    {"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin"},
    {"input": "\"caf\u00e9\"\n[1, 2]", "output": "\"\u4e2d\U0001f600\"", "testtype": "functional"},
    {"input": "a\\b\\u0041\t\"q\"\n", "output": "\\n", "testtype": "stdin"},
]
TEXT = json.dumps(TESTS, ensure_ascii=False)

FIXTURES = []  # (name, bytes, note)


class NoGlobals(pickle.Unpickler):
    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"global {module}.{name} refused")


def python_outcome(pk, hostile=False):
    """What Python does with pk: pickle.loads for pickles written here by
    hand or from plain data; an Unpickler that refuses every global for the
    hostile ones (its file-based reading can differ from loads on bad frames)."""
    try:
        obj = NoGlobals(io.BytesIO(pk)).load() if hostile else pickle.loads(pk)
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        return f"rejects ({type(e).__name__}: {e})"
    return f"returns a {type(obj).__name__}"


def field(pk, level=9):
    return base64.b64encode(zlib.compress(pk, level))


def add(name, data, note):
    FIXTURES.append((name, data, note))


def ops(pk):
    return [op.name for op, _, _ in pickletools.genops(pk)]


class Reduce:
    """Pickles as a call of os.system: the classic hostile payload."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def good():
    add("tests.json", TEXT.encode(), "the decoded JSON text of every private-* fixture")
    for proto in range(6):
        pk = pickle.dumps(TEXT, protocol=proto)
        add(f"private-p{proto}.b64", field(pk), f"protocol {proto}: {' '.join(ops(pk))}; Python {python_outcome(pk)}")
    add("private-plain.json", b" \n" + TEXT.encode(), "plain-JSON private field (leading whitespace)")
    pk = pickle.dumps(TEXT, protocol=4)
    wrapped = base64.encodebytes(zlib.compress(pk, 9))  # newline every 76 characters
    wrapped = b"\t" + wrapped[:10] + b"!*-_ \xc3\xa9" + wrapped[10:].rstrip(b"\n") + b"\n==tail ignored"
    assert base64.b64decode(wrapped) == zlib.compress(pk, 9)
    add("private-wrapped.b64", wrapped, "base64 with newlines, junk bytes and text after the padding")
    big = json.dumps([{"input": "a" * 70000 + "\n", "output": "70000\n", "testtype": "stdin"}])
    pk = pickle.dumps(big, protocol=4)
    assert ops(pk) == ["PROTO", "BINUNICODE", "MEMOIZE", "STOP"], ops(pk)
    add("private-large.b64", field(pk), "a >64 KiB string: protocol 4 writes it outside any frame")
    n = 262144
    pk = b"\x80\x04X" + struct.pack("<I", n) + b"[" + b" " * (n - 2) + b"]" + b"\x94."
    add("bomb.b64", field(pk), f"{len(pk)} bytes of pickle ('[', spaces, ']') from a few hundred: over a small cap")


def hostile():
    for proto, at in ((0, "GLOBAL"), (2, "GLOBAL"), (4, "STACK_GLOBAL")):
        pk = pickle.dumps(Reduce(), protocol=proto)
        assert at in ops(pk)
        add(f"evil-reduce-p{proto}.b64", field(pk), f"os.system('echo pwned') via {at}+REDUCE (pickle.loads would run it); with globals refused Python {python_outcome(pk, hostile=True)}")
    for name, obj in (("list", TESTS), ("dict", TESTS[0]), ("bytes", TEXT.encode())):
        pk = pickle.dumps(obj, protocol=4)
        add(f"evil-{name}.b64", field(pk), f"a pickled {name}, not a str; Python {python_outcome(pk)}")
    raw = {
        "evil-two-strings": b"\x80\x04\x8c\x02[]\x94\x8c\x02[]\x94.",
        "bad-frame-unterminated": b"\x80\x04\x95\x40\x00\x00\x00\x00\x00\x00\x00\x8c\x02[]\x94.",
        "bad-frame-straddle": b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x02[]\x94.",
        "bad-frame-nested": b"\x80\x04\x95\x0e\x00\x00\x00\x00\x00\x00\x00\x95\x04\x00\x00\x00\x00\x00\x00\x00\x8c\x02[]\x94.",
        "bad-length-past-end": b"\x80\x04X\xe8\x03\x00\x00[]\x94.",
        "bad-length8-huge": b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f[]\x94.",
        "bad-trailing-garbage": b"\x80\x04\x8c\x02[]\x94.garbage",
        "bad-no-stop": b"\x80\x04\x8c\x02[]\x94",
        "bad-utf8": b"\x80\x04\x8c\x05[\"\xff\"]\x94.",
        "bad-surrogate": b"\x80\x04\x8c\x07[\"\xed\xa0\x80\"]\x94.",
        "bad-nul": b"\x80\x04\x8c\x03[\x00]\x94.",
        "bad-memo-empty": b"\x80\x04\x94\x8c\x02[]\x94.",
        "bad-proto-6": b"\x80\x06\x8c\x02[]\x94.",
        "bad-proto-late": b"\x8c\x02[]\x80\x04.",
        "bad-empty-stack": b"\x80\x04.",
        "bad-unicode-escape": b"V[\\u00\np0\n.",
        "bad-unicode-newline": b"V[]",
        "bad-put-arg": b"V[]\np-1\n.",
    }
    for name, pk in raw.items():
        add(name + ".b64", field(pk), f"hand-made pickle {pk!r}; Python {python_outcome(pk)}")


def b64_outcome(data):
    try:
        base64.b64decode(data)
    except binascii.Error as e:
        return f"Python b64decode fails ({e})"
    return "Python b64decode accepts it"


def broken_transport():
    # The shortest "[ ... ]" whose base64 ends in exactly one pad.
    for k in range(8):
        pk = pickle.dumps("[" + " " * k + "]", protocol=4)
        z = zlib.compress(pk, 9)
        b = base64.b64encode(z)
        if b.endswith(b"=") and not b.endswith(b"=="):
            break
    else:
        raise SystemExit("no one-pad payload found")
    for name, data, what in (
        ("bad-base64-padding", b[:-1], "the '=' pad removed"),
        ("bad-base64-dangling", b[:-4] + b"Q", "last quantum replaced by one character"),
        ("ok-base64-after-pad", b + b"QUFB!!", "text after the pad (ignored: decodes fine)"),
    ):
        add(name + ".b64", data, f"{what}; {b64_outcome(data)}")
    add("bad-zlib-header.b64", base64.b64encode(pk), "a pickle without zlib")
    add("bad-zlib-truncated.b64", base64.b64encode(z[:-6]), "zlib stream cut short")
    add("bad-zlib-trailing.b64", base64.b64encode(z + b"JUNK"), "bytes after the zlib stream (Python ignores them)")
    zd = zlib.compressobj(9, zdict=b"[]")
    add("bad-zlib-dict.b64", base64.b64encode(zd.compress(pk) + zd.flush()), "zlib stream that needs a preset dictionary")
    add("bad-zlib-checksum.b64", base64.b64encode(z[:-1] + bytes([z[-1] ^ 1])), "adler32 wrong")


def base64_vectors():
    """Inputs and what Python's base64.b64decode does with them, hex-encoded."""
    cases = [b"", b"YQ", b"YQ=", b"YQ==", b"YQ===", b"Y", b"YWJj\nZA==", b"YW=Jj", b"=YWJj",
             b"YWJjZA==garbage!!", b"YW\xffJj", b"YWJ=\n=", b"YQ=x=", b"YR==", b"YWJjZ", b"====",
             b"Y=Q==", b"YQ=a=", b"YQ-_", b"YWJjZA=", b"YWJjZA", b" Y W J j ", b"YWJj=ZA==",
             b"Zm9v\r\nYmFy", b"A===", b"AB==CD==", b"////", b"+/+/", b"\x00YWJj\x00"]
    rng = random.Random(20240501)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for _ in range(80):
        n = rng.randrange(0, 14)
        pool = alphabet + b"====\n -_!\x80"
        cases.append(bytes(rng.choice(pool) for _ in range(n)))
    lines = ["# input-hex<TAB>ok:output-hex | err  (Python 3.11 base64.b64decode, default mode)"]
    for c in cases:
        try:
            out = "ok:" + base64.b64decode(c).hex()
        except binascii.Error:
            out = "err"
        lines.append(f"{c.hex() or '-'}\t{out}")
    return ("\n".join(lines) + "\n").encode()


def corpus():
    """Seeds for fuzz_lcb_tests: first byte picks the harness mode."""
    seeds = {}
    get = dict((n, d) for n, d, _ in FIXTURES)
    seeds["decode-p4"] = b"\x00" + get["private-p4.b64"]
    seeds["decode-p0"] = b"\x00" + get["private-p0.b64"]
    seeds["decode-plain"] = b"\x00" + get["private-plain.json"]
    seeds["decode-wrapped"] = b"\x00" + get["private-wrapped.b64"]
    seeds["decode-evil"] = b"\x00" + get["evil-reduce-p4.b64"]
    for proto in (0, 1, 4):
        seeds[f"unpickle-p{proto}"] = b"\x01" + pickle.dumps(TEXT, protocol=proto)
    seeds["unpickle-frames"] = b"\x01" + get_raw_frames()
    seeds["unpickle-reduce"] = b"\x01" + pickle.dumps(Reduce(), protocol=2)
    seeds["parse-good"] = b"\x02" + TEXT.encode()
    seeds["parse-bad-type"] = b"\x02" + b'[{"input": "1", "output": "2", "testtype": "x"}]'
    seeds["parse-dup"] = b"\x02" + b'[{"input": "1", "input": "\\u00e9", "output": "2", "testtype": "stdin"}]'
    seeds["b64-pads"] = b"\x03" + b"YW=Jj\nZA==tail"
    seeds["wrap-p4"] = b"\x04" + pickle.dumps(TEXT, protocol=4)
    seeds["wrap-p0"] = b"\x04" + pickle.dumps(TEXT, protocol=0)
    seeds["wrap-escapes"] = b"\x04" + b"V\\u4e2d\\U0001F600\xe9\\x\\\\u0041\np0\nq\x01\x94."
    seeds["unpickle-straddle"] = b"\x01" + b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x02[]\x94."
    seeds["decode-zlib-trailing"] = b"\x00" + get["bad-zlib-trailing.b64"]
    seeds["parse-control"] = b"\x02" + b'[{"input": "\t", "output": "\\u0000", "testtype": "stdin"}]'
    return seeds


def get_raw_frames():
    # Two frames back to back, the string's bytes outside both.
    return (b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00X\x02\x00\x00\x00" + b"[]"
            + b"\x95\x02\x00\x00\x00\x00\x00\x00\x00\x94.")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    good()
    hostile()
    broken_transport()
    os.makedirs(FIX, exist_ok=True)
    os.makedirs(CORPUS, exist_ok=True)
    readme = ["# fixtures/lcb: written by tests/gen_lcb_vectors.py; do not edit by hand.", ""]
    for name, data, note in FIXTURES:
        write(os.path.join(FIX, name), data)
        readme.append(f"- {name} ({len(data)} B): {note}")
    write(os.path.join(FIX, "base64-vectors.txt"), base64_vectors())
    readme.append("- base64-vectors.txt: inputs and Python's base64.b64decode results")
    write(os.path.join(FIX, "README.md"), ("\n".join(readme) + "\n").encode())
    for name, data in corpus().items():
        write(os.path.join(CORPUS, name), data)
    print(f"wrote {len(FIXTURES) + 2} fixtures to {FIX} and {len(corpus())} seeds to {CORPUS}")


if __name__ == "__main__":
    main()
