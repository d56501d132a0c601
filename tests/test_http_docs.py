#!/usr/bin/env python3
"""docs/openapi.json and docs/api.md against the real server: every request
example is sent, must get the status it documents, and the answer must
validate against the schema the description gives for that status; every
GET endpoint's answer must validate too. The validator covers the subset
of JSON Schema the description uses (type, properties, required,
additionalProperties, items, enum, minimum, exclusiveMinimum, maximum,
minItems, maxItems, minLength, maxLength, oneOf, allOf, $ref). Prints TAP."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
SPEC_PATH = os.path.join(H.ROOT, "docs", "openapi.json")
API_MD = os.path.join(H.ROOT, "docs", "api.md")
KNOWN = {"type", "properties", "required", "additionalProperties", "items", "enum", "minimum", "maximum",
         "exclusiveMinimum", "minItems", "maxItems", "minLength", "maxLength", "oneOf", "allOf", "$ref",
         "description"}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, spec):
        self.spec = spec

    def resolve(self, ref):
        node = self.spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def errors(self, schema, v, path="$"):
        """A list of what is wrong with v (empty when it validates)."""
        unknown = set(schema) - KNOWN
        if unknown:
            return ["%s: the schema uses keywords this validator does not know: %s" % (path, sorted(unknown))]
        if "$ref" in schema:
            return self.errors(self.resolve(schema["$ref"]), v, path)
        out = []
        for sub in schema.get("allOf", []):
            out += self.errors(sub, v, path)
        if "oneOf" in schema:
            ok = [s for s in schema["oneOf"] if not self.errors(s, v, path)]
            if len(ok) != 1:
                out.append("%s: matches %d of the oneOf alternatives, not exactly 1" % (path, len(ok)))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(TYPES[ty](v) for ty in types):
                return out + ["%s: %r is not of type %s" % (path, v if len(repr(v)) < 80 else type(v), types)]
        if "enum" in schema and v not in schema["enum"]:
            out.append("%s: %r not in %s" % (path, v, schema["enum"]))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in schema and v < schema["minimum"]:
                out.append("%s: %r < minimum %r" % (path, v, schema["minimum"]))
            if "maximum" in schema and v > schema["maximum"]:
                out.append("%s: %r > maximum %r" % (path, v, schema["maximum"]))
            if "exclusiveMinimum" in schema and v <= schema["exclusiveMinimum"]:
                out.append("%s: %r <= exclusiveMinimum %r" % (path, v, schema["exclusiveMinimum"]))
        if isinstance(v, str):
            if len(v) < schema.get("minLength", 0) or len(v) > schema.get("maxLength", len(v)):
                out.append("%s: string length %d out of range" % (path, len(v)))
        if isinstance(v, list):
            if len(v) < schema.get("minItems", 0) or len(v) > schema.get("maxItems", len(v)):
                out.append("%s: %d items out of range" % (path, len(v)))
            if "items" in schema:
                for i, item in enumerate(v):
                    out += self.errors(schema["items"], item, "%s[%d]" % (path, i))
        if isinstance(v, dict):
            props = schema.get("properties", {})
            for r in schema.get("required", []):
                if r not in v:
                    out.append("%s: missing required %r" % (path, r))
            extra = schema.get("additionalProperties", True)
            for k, item in v.items():
                if k in props:
                    out += self.errors(props[k], item, "%s.%s" % (path, k))
                elif extra is False:
                    out.append("%s: unexpected property %r" % (path, k))
                elif isinstance(extra, dict):
                    out += self.errors(extra, item, "%s.%s" % (path, k))
        return out


def response_schema(spec, path, method, status):
    op = spec["paths"][path][method]
    resp = op["responses"].get(str(status))
    if resp is None:
        return None, None
    (ctype, media), = resp["content"].items()
    return ctype, media["schema"]


def check_answer(v, spec, name, path, method, st, hd, body, want_status):
    ctype, schema = response_schema(spec, path, method, st)
    if not t.ok(st == want_status and schema is not None, "%s: status %d (documented: %d)" % (name, st, want_status),
                body[:400]):
        return
    t.ok(hd.get("content-type") == ctype, "%s: Content-Type %s" % (name, ctype), hd.get("content-type"))
    data = json.loads(body) if ctype == "application/json" else body.decode()
    errs = v.errors(schema, data)
    t.ok(not errs, "%s: the answer validates against the description" % name, "\n".join(errs[:20]))
    headers = spec["paths"][path][method]["responses"][str(st)].get("headers", {})
    for h in headers:
        t.ok(h.lower() in hd, "%s: header %s present" % (name, h))


def md_examples():
    """(method, path, status, body) of every `<!-- example: METHOD PATH STATUS -->` block."""
    with open(API_MD, encoding="utf-8") as f:
        text = f.read()
    out = []
    for m in re.finditer(r"<!-- example: (\w+) (\S+) (\d+) -->\s*```json\n(.*?)\n```", text, re.S):
        out.append((m.group(1).lower(), m.group(2), int(m.group(3)), json.loads(m.group(4))))
    return out


def main():
    with open(SPEC_PATH) as f:
        spec = json.load(f)
    v = Validator(spec)
    # The description's own examples validate against its request schema.
    req_schema = spec["paths"]["/score"]["post"]["requestBody"]["content"]["application/json"]
    for name, ex in req_schema["examples"].items():
        if ex.get("x-expected-status", 200) == 200:
            errs = v.errors(req_schema["schema"], ex["value"])
            t.ok(not errs, "openapi example %s validates against ScoreRequest" % name, errs)
    if not os.path.exists(H.BINARY):
        t.skip("examples against the real server", "no verdict binary at %s" % H.BINARY)
        return t.done()
    if H.load_humaneval() is None:
        t.skip("examples against the real server", "HumanEval dataset absent (%s)" % H.HUMANEVAL)
        return t.done()
    if not H.jail_works():
        t.skip("examples against the real server", "the jail does not work on this host")
        return t.done()
    with H.Server("-j", "4", "--canary-interval", "0") as srv:
        for name, ex in req_schema["examples"].items():
            st, hd, body = srv.request("POST", "/score", ex["value"])
            check_answer(v, spec, "openapi example %s" % name, "/score", "post", st, hd, body,
                         ex.get("x-expected-status", 200))
        examples = md_examples()
        t.ok(len(examples) >= 3, "docs/api.md has request examples (%d)" % len(examples))
        for i, (method, path, status, body) in enumerate(examples):
            st, hd, data = srv.request(method.upper(), path, body)
            check_answer(v, spec, "api.md example %d (%s %s)" % (i + 1, method.upper(), path), path, method, st, hd,
                         data, status)
        for path in ("/healthz", "/readyz", "/v1/info", "/metrics"):
            st, hd, data = srv.request("GET", path)
            check_answer(v, spec, "GET %s" % path, path, "get", st, hd, data, 200)
        # Documented refusals validate too.
        for name, (method, path, body, headers, status) in {
            "404": ("GET", "/nowhere", None, None, 404),
            "405": ("GET", "/score", None, None, 405),
            "415": ("POST", "/score", b"{}", {"Content-Type": "text/plain"}, 415),
        }.items():
            st, hd, data = srv.request(method, path, body, headers=headers)
            p = path if path in spec["paths"] else "/score"
            check_answer(v, spec, "refusal %s" % name, p, "post" if p == "/score" else "get", st, hd, data, status)
        # Protocol errors the gate answers, from raw request heads.
        for name, (path, raw, status) in {
            "400 (two Content-Length)": ("/score", b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                        b"Content-Length: 3\r\n\r\n{}", 400),
            "411 (chunked)": ("/score", b"POST /score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
            "414 (long path)": ("/healthz", b"GET /healthz?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            "431 (long head)": ("/metrics", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 17000 + b"\r\n\r\n",
                                431),
            "505 (HTTP/2.0)": ("/v1/info", b"GET /v1/info HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        }.items():
            answer = H.raw_request(srv.port, raw)
            head, _, data = answer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            st = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/1.1 ") else 0
            hd = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
            check_answer(v, spec, "refusal %s" % name, path, "post" if path == "/score" else "get", st, hd, data,
                         status)
        # Every path and status the server produced is documented.
        t.ok(set(spec["paths"]) == {"/score", "/healthz", "/readyz", "/v1/info", "/metrics"},
             "the description covers every endpoint")
    with H.Server("--canary-interval", "0", wait_ready=False) as srv:
        st, hd, data = srv.request("GET", "/readyz")
        if st == 503:
            check_answer(v, spec, "GET /readyz before the canary", "/readyz", "get", st, hd, data, 503)
        else:
            t.skip("GET /readyz before the canary", "the canary finished before the first probe")
    H.check_exits(t)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
