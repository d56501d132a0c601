"""Answers that pass a test without computing anything: the reward hacks
every Python harness falls for, because the comparison runs in the
candidate's own process.

- A returned object whose class the candidate made and whose comparison
  methods it rewrote (`__eq__` returning True, an `__abs__` or `__sub__`
  that makes any tolerance check succeed, a metaclass `__instancecheck__`).
  HumanEval, HumanEval+ and LiveCodeBench answers are plain values (numbers,
  strings, lists, tuples, dicts, sets, None); no correct solution needs such
  a class.
- Rebinding what the tests call: a builtin (`builtins.abs`), an entry of
  sys.modules, an attribute of math or numpy, or a global of the program
  that shadows a builtin the tests use (`abs = lambda x: 0`).

Heuristics against the known hacks, not a proof: code that knows this
module can still reach it in-process (docs/trust-boundary.md). A caught
sample is `failed` with the flag `forged_result`; `forgery_check: false`
(audit --no-forgery-check) turns the check off to reproduce a harness
exactly, since the harnesses themselves would pass such a sample.
"""
import sys
import types

_HEAPTYPE = 1 << 9
_TYPE_DICT = type.__dict__["__dict__"].__get__
_TYPE_MRO = type.__dict__["__mro__"].__get__
_TYPE_FLAGS = type.__dict__["__flags__"].__get__
_TYPE_QUALNAME = type.__dict__["__qualname__"].__get__
_LIST_ITER = list.__iter__
_TUPLE_ITER = tuple.__iter__
_SET_ITER = set.__iter__
_FROZENSET_ITER = frozenset.__iter__
_DICT_ITEMS = dict.items

# What a forged answer overrides to satisfy `==`, a tolerance check, a
# truth test, a length check or isinstance.
SENSITIVE = frozenset((
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__len__",
    "__hash__", "__getattr__", "__getattribute__", "__class__", "__instancecheck__",
    "__subclasscheck__", "__sub__", "__rsub__", "__add__", "__radd__", "__abs__", "__neg__",
    "__float__", "__int__", "__index__", "__round__", "__contains__", "__iter__", "__getitem__",
))
_PLAIN = frozenset((bool, int, float, complex, str, bytes, type(None)))
_CONTAINERS = {list: _LIST_ITER, tuple: _TUPLE_ITER, set: _SET_ITER, frozenset: _FROZENSET_ITER}
# Objects examined per run at most: a pathological answer must not turn the
# check into the run's cost.
BUDGET = 2_000_000

_trusted = set()
_scanned = set()
_seen_count = [0]  # len(sys.modules) at the last scan


def trust_loaded():
    """Trust every class defined at module level by the modules loaded now
    (the runner, the standard library, numpy when a job loaded it), and
    remember the state Checker watches. Called before candidate code runs,
    before every job: nothing to do unless modules were loaded or that
    state changed since the last call."""
    remember_state()
    if len(sys.modules) == _seen_count[0]:
        return
    _seen_count[0] = len(sys.modules)
    for name, mod in list(sys.modules.items()):
        if name in _scanned or mod is None:
            continue
        _scanned.add(name)
        try:
            values = list(vars(mod).values())
        except TypeError:
            continue
        for v in values:
            if isinstance(v, type):
                _trusted.add(v)


def _made_by_candidate(cls):
    """The sensitive methods `cls`, its bases or its metaclass rewrite, when
    the candidate made them; None otherwise."""
    for c in (type(cls),) + tuple(_TYPE_MRO(cls)):
        if c in _trusted or not _TYPE_FLAGS(c) & _HEAPTYPE:
            continue
        hits = SENSITIVE.intersection(_TYPE_DICT(c))
        if hits:
            return "%s.%s" % (_TYPE_QUALNAME(c), "/".join(sorted(hits)))
    return None


# Modules whose attributes the tests and the harnesses' oracles call.
WATCHED_MODULES = ("math", "cmath", "operator", "numpy")


def _stamp_reader():
    """A reader of a dict's modification stamp, or None. CPython gives every
    dict a version (PEP 509's ma_version_tag) that each insertion,
    replacement or deletion changes; it sits after the object header and
    ma_used. Used only where this interpreter is checked to behave so, and
    read through functions bound now, before any candidate runs."""
    try:
        import ctypes
    except ImportError:
        return None
    word = ctypes.sizeof(ctypes.c_void_p)
    if sys.implementation.name != "cpython" or word != 8 or hasattr(sys, "gettotalrefcount"):
        return None
    from_address = ctypes.c_uint64.from_address
    value = ctypes._SimpleCData.__dict__["value"].__get__
    used = ctypes.c_ssize_t.from_address
    ident = id

    def read(d):
        return value(from_address(ident(d) + 3 * word))

    try:
        probe = {"k": 0, "j": 1}
        if value(used(ident(probe) + 2 * word)) != 2:
            return None
        seen = [read(probe)]
        for change in (lambda: probe.__setitem__("k", object()), lambda: probe.__setitem__("n", 2),
                       lambda: probe.__delitem__("n"), lambda: probe.update(u=3), lambda: probe.pop("u"),
                       lambda: probe.setdefault("s", 4), lambda: probe.popitem(), lambda: probe.clear()):
            probe.get("k")
            if read(probe) != seen[-1]:
                return None  # a read changed it: not a version
            change()
            seen.append(read(probe))
    except (ValueError, TypeError, OSError):
        return None
    if len(set(seen)) != len(seen):
        return None
    return read


_STAMP = _stamp_reader()
# id(dict) -> (dict, stamp, copy): the state remember_state() copied, shared
# by every process forked after it (a frozen, untouched heap there).
_remembered = {}


def _watched_dicts():
    import builtins
    out = [vars(builtins), sys.modules]
    for name in WATCHED_MODULES:
        mod = sys.modules.get(name)
        if mod is not None:
            out.append(vars(mod))
    return out


def remember_state():
    """Copy the watched dicts whose stamp changed since the last copy. In the
    warm parent, before it forks the runs: a Checker made in a run then
    takes the copy instead of making its own, which would write the
    reference count of every builtin, module and numpy attribute (hundreds
    of copy-on-write page faults in a freshly forked process)."""
    if _STAMP is None:
        return
    for d in _watched_dicts():
        old = _remembered.get(id(d))
        stamp = _STAMP(d)
        if old is None or old[0] is not d or old[1] != stamp:
            _remembered[id(d)] = (d, stamp, dict(d))
            _trusted_writes.pop(id(d), None)


# id(dict) -> [dict, stamp its last trusted write left, {key: value written}],
# or the stamp None once a change escaped trusted_write(): what this process's
# trusted code (a harness's reliability_guard) changed since remember_state().
_trusted_writes = {}


def trusted_write(d, key, value):
    """d[key] = value, for trusted code that changes a watched dict before
    the candidate runs (a reliability_guard setting builtins.exit or
    sys.modules["resource"] to None). A Checker made next then still takes
    the remembered copy, with these writes laid over it, instead of copying
    the dict again. Sound because every write checks that the dict's stamp
    is the one the previous trusted write left (the first: the remembered
    copy's): any other change in between, or after the last one, shows and
    the Checker copies the dict as before."""
    entry = _trusted_writes.get(id(d))
    if entry is None or entry[0] is not d:
        old = _remembered.get(id(d))
        entry = [d, old[1] if old is not None and old[0] is d else None, {}]
        _trusted_writes[id(d)] = entry
    if _STAMP is None or entry[1] is None or _STAMP(d) != entry[1]:
        entry[1] = None
    d[key] = value
    if entry[1] is not None:
        entry[2][key] = value
        entry[1] = _STAMP(d)


class _Overlaid:
    """A read-only mapping: a remembered copy with the trusted writes made
    since laid over it, without copying the copy (which would write the
    reference count of every value it holds). What Checker reads of it:
    get, in, [], items(), and dict() through keys()."""

    def __init__(self, base, over):
        self._base = base
        self._over = over

    def get(self, key, default=None):
        if key in self._over:
            return self._over[key]
        return self._base.get(key, default)

    def __contains__(self, key):
        return key in self._over or key in self._base

    def __getitem__(self, key):
        if key in self._over:
            return self._over[key]
        return self._base[key]

    def keys(self):
        out = list(self._base)
        out.extend(k for k in self._over if k not in self._base)
        return out

    def items(self):
        return [(k, self[k]) for k in self.keys()]


def _state_of(d):
    """(the state of d as it is now, its stamp or None): the remembered copy
    when nothing changed d since, or only trusted_write() did; else a copy."""
    if _STAMP is None:
        return dict(d), None
    stamp = _STAMP(d)
    old = _remembered.get(id(d))
    if old is not None and old[0] is d:
        if old[1] == stamp:
            return old[2], stamp
        tw = _trusted_writes.get(id(d))
        if tw is not None and tw[0] is d and tw[1] == stamp:
            return _Overlaid(old[2], tw[2]), stamp
    return dict(d), stamp


def _unchanged(d, stamp):
    """Whether d was not written since its stamp was taken (never known
    without a stamp reader)."""
    return stamp is not None and _STAMP(d) == stamp


class Checker:
    """One run's check: forged(value) on every answer, rebound() at the end."""

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.found = None
        self.left = BUDGET
        if not enabled:
            return
        import builtins
        self._builtins, self._builtins_stamp = _state_of(vars(builtins))
        # The builtins before the candidate ran: what the tests look up.
        self.builtins_before = self._builtins
        self._modules_dict = sys.modules
        self._modules, self._modules_stamp = _state_of(sys.modules)
        self._attrs = {}
        for name in WATCHED_MODULES:
            mod = sys.modules.get(name)
            if mod is not None:
                self._attrs[name] = (mod,) + _state_of(vars(mod))

    def forged(self, value):
        """Record and return a sentence when `value` holds a forged object."""
        if not self.enabled or self.found is not None or self.left <= 0:
            return self.found
        stack = [value]
        seen = set()
        while stack and self.left > 0:
            o = stack.pop()
            self.left -= 1
            t = type(o)
            if t in _PLAIN:
                continue
            it = _CONTAINERS.get(t)
            if it is None:
                why = _made_by_candidate(t)
                if why:
                    self.found = "the answer is an object whose class the program made, with %s rewritten" % why
                    return self.found
                for base, base_iter in _CONTAINERS.items():
                    if isinstance(o, base):
                        it = base_iter
                        break
                if it is None and isinstance(o, dict):
                    it = _DICT_ITEMS
            if it is None:
                continue
            if id(o) in seen:
                continue
            seen.add(id(o))
            if it is _DICT_ITEMS:
                for k, v in it(o):
                    stack.append(k)
                    stack.append(v)
            else:
                # A flat list of numbers or strings, the usual answer, is
                # judged by the set of its element types, at C speed.
                items = tuple(it(o))
                self.left -= len(items)
                if not _PLAIN.issuperset(map(type, items)):
                    stack.extend(items)
        return None

    def rebound(self, program_globals=None, test_names=()):
        """Record and return a sentence when the program rebound a builtin, a
        module, an attribute of math/cmath/operator/numpy, or shadows a
        builtin the tests name."""
        if not self.enabled or self.found is not None:
            return self.found
        import builtins
        now = vars(builtins)
        if not _unchanged(now, self._builtins_stamp):
            for k, v in self._builtins.items():
                if now.get(k, _MISSING) is not v:
                    self.found = "the program rebound builtins.%s" % k
                    return self.found
        if sys.modules is not self._modules_dict or not _unchanged(sys.modules, self._modules_stamp):
            for k, v in self._modules.items():
                if sys.modules.get(k, _MISSING) is not v:
                    self.found = "the program replaced sys.modules[%r]" % k
                    return self.found
        for name, (mod, attrs, stamp) in self._attrs.items():
            cur = vars(mod)
            if _unchanged(cur, stamp):
                continue
            for k, v in attrs.items():
                if cur.get(k, _MISSING) is not v:
                    self.found = "the program rebound %s.%s" % (name, k)
                    return self.found
        if program_globals is not None:
            for k in test_names:
                if k in self._builtins and k in program_globals and program_globals[k] is not self._builtins[k] \
                        and _written_by_candidate(program_globals[k]):
                    self.found = "the program defines a global %r, shadowing the builtin the tests call" % k
                    return self.found
        return None


_MISSING = object()


def _written_by_candidate(obj):
    """A function compiled from the program's own text (file "<string>",
    as the harnesses compile it), or an object of a class it made: what a
    forged `abs` is. A name imported from a module (`from math import *`
    brings math.pow over the builtin pow, `from numpy import *` numpy's
    round) is not."""
    t = type(obj)
    if t is types.FunctionType:
        return obj.__code__.co_filename.startswith("<")
    if isinstance(obj, type):
        return bool(_TYPE_FLAGS(obj) & _HEAPTYPE) and obj not in _trusted
    return bool(_TYPE_FLAGS(t) & _HEAPTYPE) and t not in _trusted


def names_used(code):
    """Every global name the code object and the functions inside it load."""
    out = set()
    stack = [code]
    while stack:
        c = stack.pop()
        out.update(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    return out
