"""Tagged JSON: Python values across the C/Python boundary.

Plain JSON is ambiguous for the values benchmark harnesses compare (a tuple
is not a list, inf is not a number, a dict may have int keys, an int may be
too large for a double), so such values travel as {"__t": TAG, "v": ...}:

  tuple      {"__t": "tuple", "v": [items]}
  set        {"__t": "set", "v": [items]}          iteration order
  frozenset  {"__t": "frozenset", "v": [items]}
  float      {"__t": "float", "v": "inf" | "-inf" | "nan"}
  int        {"__t": "int", "v": "0x<hex digits>"}      |n| > 2**53 (decimal accepted)
  dict       {"__t": "dict", "v": [[k, v], ...]}   a key not a str, or "__t"
  bytes      {"__t": "bytes", "v": "<base64>"}
  complex    {"__t": "complex", "v": [real, imag]}  parts encoded as floats
  long list of floats (a few ints among them allowed)
             {"__t": "f64list", "v": {"d": "<base64 of little-endian doubles>",
                                      "ints": [[index, int], ...]}}
             the ints' slots in "d" are 0.0; JSON's decimal floats cost
             seconds to parse at HumanEval+/130's ten million outputs

Everything else is plain JSON: null, true/false, strings, lists, objects
with string keys, numbers (an int is written without point or exponent,
a finite float always with one, as Python's repr does).

Only exact builtin types are encoded; anything else (a numpy scalar, a user
class, a subclass of int) raises UnencodableValue, so a value never changes
type silently on the way through. Integers of any size are converted
without Python 3.11's 4300-digit str() limit.
"""
import array
import base64
import json
import math
import sys

TAG = "__t"
_SAFE_INT = 2 ** 53


class UnencodableValue(TypeError):
    """A value that tagged JSON cannot represent without losing its type."""


class BadTaggedValue(ValueError):
    """A JSON document that is not a valid tagged value."""


def _int_to_str(n):
    # Hexadecimal: conversion to and from a power-of-two base is linear,
    # where decimal is quadratic (a million-digit int, as HumanEval+/83's
    # outputs have, takes a minute in decimal and milliseconds in hex). It
    # also has no digit limit (CVE-2020-10735 guards only decimal).
    return hex(n)


def _str_to_int(s):
    if not isinstance(s, str) or not s or s.strip() != s:
        raise BadTaggedValue("int tag needs a hexadecimal (0x...) or decimal string")
    body = s[1:] if s[0] in "+-" else s
    if body[:2] in ("0x", "0X"):
        digits = body[2:]
        if not digits or not digits.isascii() or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise BadTaggedValue("int tag needs a hexadecimal (0x...) or decimal string")
        return int(s, 16)
    if not body.isdigit() or not body.isascii():
        raise BadTaggedValue("int tag needs a hexadecimal (0x...) or decimal string")
    old = sys.get_int_max_str_digits()
    if old == 0:
        return int(s)
    sys.set_int_max_str_digits(0)
    try:
        return int(s)
    finally:
        sys.set_int_max_str_digits(old)


def _float_enc(x):
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return {TAG: "float", "v": "nan"}
    return {TAG: "float", "v": "inf" if x > 0 else "-inf"}


def encode(value):
    """Python value -> JSON-compatible structure (lists, dicts, scalars)."""
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        return {TAG: "int", "v": _int_to_str(value)}
    if t is float:
        return _float_enc(value)
    if t is list:
        if len(value) >= _PACK_MIN:
            packed = _pack_floats(value)
            if packed is not None:
                return packed
        return [encode(v) for v in value]
    if t is tuple:
        return {TAG: "tuple", "v": [encode(v) for v in value]}
    if t is set:
        return {TAG: "set", "v": [encode(v) for v in value]}
    if t is frozenset:
        return {TAG: "frozenset", "v": [encode(v) for v in value]}
    if t is dict:
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if t is bytes:
        return {TAG: "bytes", "v": base64.b64encode(value).decode("ascii")}
    if t is complex:
        return {TAG: "complex", "v": [_float_enc(value.real), _float_enc(value.imag)]}
    raise UnencodableValue("cannot encode a value of type %s" % _type_name(t))


# Lists shorter than this stay plain JSON (readable, and cheap anyway).
_PACK_MIN = 1024


def _pack_floats(value):
    """A list of floats and ints, mostly floats, as packed doubles; None
    when the list is anything else."""
    kinds = set(map(type, value))
    if float not in kinds or not kinds <= {int, float}:
        return None
    ints = [[k, encode(v)] for k, v in enumerate(value) if type(v) is int] if int in kinds else []
    if 2 * len(ints) > len(value):
        return None
    arr = array.array("d", [0.0 if type(v) is int else v for v in value] if ints else value)
    if sys.byteorder == "big":
        arr.byteswap()
    return {TAG: "f64list", "v": {"d": base64.b64encode(arr.tobytes()).decode("ascii"), "ints": ints}}


def _unpack_floats(v):
    if not isinstance(v, dict) or set(v) != {"d", "ints"} or not isinstance(v["d"], str) \
            or not isinstance(v["ints"], list):
        raise BadTaggedValue("f64list tag takes {d: base64, ints: [[index, int], ...]}")
    try:
        raw = base64.b64decode(v["d"].encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise BadTaggedValue("bad base64: %s" % e) from None
    if len(raw) % 8:
        raise BadTaggedValue("f64list data is not a whole number of doubles")
    arr = array.array("d")
    arr.frombytes(raw)
    if sys.byteorder == "big":
        arr.byteswap()
    out = arr.tolist()
    for pair in v["ints"]:
        if not isinstance(pair, list) or len(pair) != 2 or type(pair[0]) is not int \
                or not 0 <= pair[0] < len(out):
            raise BadTaggedValue("f64list ints take [index, int] pairs within the list")
        n = decode(pair[1])
        if type(n) is not int:
            raise BadTaggedValue("f64list ints take [index, int] pairs within the list")
        out[pair[0]] = n
    return out


def _type_name(t):
    try:
        mod = t.__module__
        name = t.__qualname__
        return name if mod == "builtins" else "%s.%s" % (mod, name)
    except Exception:  # a hostile metaclass
        return "<unknown type>"


def _dec_float(v):
    if type(v) is float:
        return v
    if type(v) is int:  # a JSON number without a point where a float was meant
        return float(v)
    if isinstance(v, dict) and v.get(TAG) == "float":
        return decode(v)
    raise BadTaggedValue("complex parts must be floats")


def _decode_tagged(tag, v):
    if tag == "tuple":
        return tuple(decode(x) for x in _list(v))
    if tag == "set":
        return {decode(x) for x in _list(v)}
    if tag == "frozenset":
        return frozenset(decode(x) for x in _list(v))
    if tag == "float":
        if v == "inf":
            return math.inf
        if v == "-inf":
            return -math.inf
        if v == "nan":
            return math.nan
        raise BadTaggedValue("float tag takes inf, -inf or nan")
    if tag == "int":
        return _str_to_int(v)
    if tag == "dict":
        out = {}
        for pair in _list(v):
            if not isinstance(pair, list) or len(pair) != 2:
                raise BadTaggedValue("dict tag takes [key, value] pairs")
            out[decode(pair[0])] = decode(pair[1])
        return out
    if tag == "bytes":
        if not isinstance(v, str):
            raise BadTaggedValue("bytes tag takes base64 text")
        try:
            return base64.b64decode(v.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as e:
            raise BadTaggedValue("bad base64: %s" % e) from None
    if tag == "f64list":
        return _unpack_floats(v)
    if tag == "complex":
        parts = _list(v)
        if len(parts) != 2:
            raise BadTaggedValue("complex tag takes [real, imag]")
        return complex(_dec_float(parts[0]), _dec_float(parts[1]))
    raise BadTaggedValue("unknown tag %r" % (tag,))


def _list(v):
    if not isinstance(v, list):
        raise BadTaggedValue("tag value must be a list")
    return v


# Types that decode to themselves.
_SCALARS = frozenset((type(None), bool, str, int, float))


def decode(obj):
    """JSON structure (as json.loads returns it) -> Python value. A list of
    scalars is returned as is (HumanEval+ outputs hold lists of millions of
    numbers: checked in C, not one Python call per number)."""
    t = type(obj)
    if obj is None or t is bool or t is str or t is int or t is float:
        return obj
    if t is list:
        if _SCALARS.issuperset(map(type, obj)):
            return obj
        return [decode(v) for v in obj]
    if t is dict:
        if TAG in obj:
            if len(obj) != 2 or "v" not in obj:
                raise BadTaggedValue("a tagged object has exactly __t and v")
            return _decode_tagged(obj[TAG], obj["v"])
        return {k: decode(v) for k, v in obj.items()}
    raise BadTaggedValue("not a JSON value: %s" % _type_name(t))


def loads(text):
    """Parse JSON text with untagged big ints allowed (no tag decoding).
    json.loads turns digit runs into ints through int(), which has the
    4300-digit limit: lifted while parsing (a parse_int hook would cost a
    Python call per number)."""
    old = sys.get_int_max_str_digits()
    if old == 0:
        return json.loads(text)
    sys.set_int_max_str_digits(0)
    try:
        return json.loads(text)
    finally:
        sys.set_int_max_str_digits(old)


def dumps(value):
    """Python value -> tagged JSON text (compact, strict JSON, ASCII)."""
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def parse(text):
    """Tagged JSON text -> Python value."""
    return decode(loads(text))
