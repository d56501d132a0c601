#!/usr/bin/env python3
"""Read-only all the way down (TAP; sandbox/jail_readonly.c).

A mount under a path the jail binds read-only (a volume over site-packages or
/usr/local, as pods and dev containers have) must be read-only in the jail
too: a jailed program could otherwise leave a sitecustomize.py that every
later interpreter imports. In a private mount namespace of this test's own
(nothing changes on the host), writable tmpfs mounts (mode 1777, so the
jail's uid could write them) go under /usr (which the jail binds) and under
a directory given with --bind-ro, one tmpfs nested in another. A jailed
program then tries to create files in each: every attempt must fail with
EROFS, and the host side of each mount must still be empty afterwards.
`verdict check` must prove it from inside the jail (every mount of the jail
read-only but /tmp, /proc and the device nodes).

Both ways the jail makes a tree read-only are run: mount_setattr(2), and
the remount of every submount from /proc/self/mountinfo used where the
kernel lacks mount_setattr (simulated with NO_MOUNT_SETATTR, a seccomp
filter that makes the call fail with ENOSYS).

usage: test_readonly.py NO_MOUNT_SETATTR   (needs root and unshare(1);
VERDICT_BINARY, VERDICT_SOURCE_ROOT from meson)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
INNER = "VERDICT_TEST_READONLY_INNER"

PROGRAM = r'''
import errno, json, os, sys
out = {}
for path in sys.argv[1:]:
    try:
        with open(os.path.join(path, "sitecustomize.py"), "w") as f:
            f.write("print('persisted')\n")
        out[path] = "created"
    except OSError as e:
        out[path] = errno.errorcode.get(e.errno, str(e.errno))
    try:
        os.mkdir(os.path.join(path, "d"))
        out[path] += "/mkdir"
    except OSError as e:
        out[path] += "/" + errno.errorcode.get(e.errno, str(e.errno))
print(json.dumps(out))
'''


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def usr_victim(python):
    """A directory under /usr to hide under a tmpfs in this namespace: one
    the interpreter does not live in."""
    real = os.path.realpath(python)
    for d in ("/usr/local", "/usr/share/doc", "/usr/games", "/usr/src"):
        if os.path.isdir(d) and not real.startswith(d + "/"):
            return d
    return None


def inner(helper):
    python = os.environ.get("VERDICT_PYTHON", "/usr/bin/python3")
    victim = usr_victim(python)
    # Not under /tmp: the jail mounts its own /tmp over it (verdict refuses
    # such a --bind-ro). A build directory under /tmp uses /var/tmp instead.
    parent = os.path.realpath(os.environ.get("VERDICT_TEST_DIR") or os.getcwd())
    if parent == "/tmp" or parent.startswith("/tmp/"):
        parent = "/var/tmp"
    base = tempfile.mkdtemp(prefix="verdict-readonly-", dir=parent)
    try:
        os.chmod(base, 0o755)
        ro = os.path.join(base, "ro")
        sub = os.path.join(ro, "sub")
        deeper = os.path.join(sub, "deeper")
        os.makedirs(sub)
        sh("mount", "-t", "tmpfs", "-o", "mode=1777,size=1m", "verdict-test", sub)
        os.mkdir(deeper)
        sh("mount", "-t", "tmpfs", "-o", "mode=1777,size=1m", "verdict-test", deeper)
        targets = [sub, deeper]
        if victim:
            sh("mount", "-t", "tmpfs", "-o", "mode=1777,size=1m", "verdict-test", victim)
            targets.append(victim)
        prog = os.path.join(base, "write.py")
        with open(prog, "w") as f:
            f.write(PROGRAM)
        os.chmod(prog, 0o644)
        for label, prefix in (("mount_setattr", []), ("each submount remounted (no mount_setattr)", [helper])):
            run(label, prefix, ro, prog, targets)
    finally:
        for d in (os.path.join(base, "ro", "sub", "deeper"), os.path.join(base, "ro", "sub")):
            subprocess.run(["umount", d], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def run(label, prefix, ro, prog, targets):
    p = subprocess.run(prefix + [H.BINARY, "run", "--bind-ro", ro, prog] + targets, capture_output=True,
                       text=True, timeout=120)
    try:
        res = json.loads(p.stdout)
        seen = json.loads(res["stdout"])
    except (ValueError, KeyError):
        t.ok(False, "%s: the jailed program ran" % label, p.stdout[-1500:] + p.stderr[-1500:])
        return
    t.ok(all(seen.get(d) == "EROFS/EROFS" for d in targets),
         "%s: nothing can be created in a writable tmpfs under /usr or under --bind-ro, nested too" % label, seen)
    left = {d: sorted(os.listdir(d)) for d in targets}
    want = {d: (["deeper"] if d == targets[0] else []) for d in targets}
    t.ok(left == want, "%s: the host side of every mount is untouched" % label, left)
    c = subprocess.run(prefix + [H.BINARY, "check", "--json", "--bind-ro", ro], capture_output=True, text=True,
                       timeout=120)
    try:
        rep = json.loads(c.stdout)
        mount = rep["layers"]["mount_ns"]
    except (ValueError, KeyError):
        t.ok(False, "%s: verdict check answers" % label, c.stdout[-1500:] + c.stderr[-1500:])
        return
    method = "no mount_setattr" if prefix else "(mount_setattr)"
    t.ok(c.returncode == 0 and mount.get("verified") is True and "read-only" in mount.get("proof", "")
         and method in mount.get("detail", ""),
         "%s: verdict check proves every mount read-only and names the method" % label, mount)


def main():
    if os.environ.get(INNER):
        inner(sys.argv[1])
        return t.done()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not os.path.exists(H.BINARY):
        return t.skip_all("no verdict binary at %s" % H.BINARY)
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        return t.skip_all("needs root and unshare(1) for a private mount namespace")
    if not H.jail_works():
        return t.skip_all("the jail does not work on this host (verdict check)")
    # The whole test in a private mount namespace of its own: the tmpfs
    # mounts below exist there only.
    env = dict(os.environ, **{INNER: "1"})
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, os.path.abspath(__file__),
                        sys.argv[1]], env=env, timeout=900)
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
