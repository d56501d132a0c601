"""fork() without CPython's at-fork hooks, where they have nothing to do.

os.fork() runs the hooks modules registered with os.register_at_fork, in
the parent and in the child: threading rebuilds its registry of threads
and their locks, logging its handlers' locks, random reseeds itself. In a
process with no thread but the main one, nothing they rebuild can have
been held, and the registry already names the one thread left (pthread_self
is the same value in the child). Their cost is not their work but the pages
they touch: each Python object they reach is written (its reference count),
and every written page of the warm parent is a copy-on-write fault in the
child, about 100 of them, 2-3 ms of a run on a VM (docs/pool.md, "Where the
time goes").

So where the process has a single thread, fork() here is libc's fork (the
C library's own handlers still run) and the child does the one hook whose
effect matters: a fresh seed for `random`, as its own hook gives. With any
other thread alive, it is os.fork(), hooks and all.
"""
import _thread
import ctypes
import os
import sys

# The C library, loaded once: verdict_child binds prctl from it too.
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.fork.restype = ctypes.c_int
LIBC.fork.argtypes = ()
get_errno = ctypes.get_errno


def fork():
    """As os.fork(): the child's pid in the parent, 0 in the child."""
    if _thread._count() != 0:
        return os.fork()
    pid = LIBC.fork()
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    if pid == 0:
        # random's own at-fork hook: a child must not replay its parent's
        # random sequence.
        rand = sys.modules.get("random")
        if rand is not None:
            rand.seed()
    return pid
