#!/usr/bin/env python3
"""`verdict check` proves its layers from inside the jail, with and without a
/proc there. Container runtimes mask parts of their /proc (Podman, Docker,
Kubernetes by default), and the kernel then refuses the jail a /proc of its
own; the probe must still prove what it can (uid mapping, pid, root,
seccomp, no_new_privs, every capability set, through prctl and capget) and
say which layers it cannot see instead of calling them unverified. The
masked /proc is made here the way runtimes make it: a read-only tmpfs over
a /proc directory, in a private mount namespace (needs root and
unshare(1)). Also checked as a non-root user (setpriv). Prints TAP."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_harness as H  # noqa: E402

t = H.Tap()
NAMESPACES = ("user_ns", "pid_ns", "mount_ns", "net_ns", "ipc_ns", "uts_ns")
ALWAYS_PROVABLE = ("user_ns", "pid_ns", "mount_ns", "seccomp", "no_new_privs", "caps", "rlimits")


def check(prefix=()):
    r = subprocess.run(list(prefix) + [H.BINARY, "check", "--json"], capture_output=True, text=True, timeout=120)
    try:
        return r.returncode, json.loads(r.stdout), r.stderr
    except ValueError:
        return r.returncode, None, r.stdout + r.stderr


def active(rep):
    return [k for k, v in rep["layers"].items() if v["state"] == "active"]


def main():
    rc, rep, err = check()
    if rep is None or not rep.get("minimum_met"):
        return t.skip_all("the jail does not work on this host: %s" % (err or rep)[:200])
    full = rep.get("level") == "full"
    t.ok(rc == 0 and rep["probe"]["ok"], "verdict check exits 0 with the probe confirmed", (rc, rep["probe"]))
    unproven = [k for k in active(rep) if rep["layers"][k].get("verified") is not True]
    t.ok(not unproven, "with /proc in the jail every active layer is verified", unproven)
    t.ok(all("proof" in rep["layers"][k] for k in active(rep)), "every active layer names what proved it",
         {k: rep["layers"][k] for k in active(rep) if "proof" not in rep["layers"][k]})

    # A masked /proc: the same run, but the kernel refuses the jail a new proc.
    if os.geteuid() != 0 or not shutil.which("unshare") or not full:
        t.skip("a masked /proc", "needs root, unshare(1) and the full level")
    else:
        masked = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                  'mount -t tmpfs -o ro,size=4k none /proc/acpi 2>/dev/null || '
                  'mount -t tmpfs -o ro,size=4k none /proc/scsi || exit 97; exec "$@"', "sh"]
        rc, rep2, err = check(masked)
        if rep2 is None:
            t.ok(False, "verdict check under a masked /proc answers JSON", err[:400])
        else:
            layers = rep2["layers"]
            t.ok(rc == 0 and rep2["probe"]["ok"], "masked /proc: verdict check still exits 0", (rc, rep2["probe"]))
            t.ok("not provable" in rep2["probe"]["detail"], "masked /proc: the probe says some layers are not provable",
                 rep2["probe"]["detail"])
            proved = [k for k in ALWAYS_PROVABLE if layers[k]["state"] == "active" and layers[k].get("verified") is not True]
            t.ok(not proved, "masked /proc: user, pid, mount, seccomp, no_new_privs, caps, rlimits proven without /proc",
                 {k: layers[k] for k in proved})
            t.ok(layers["net_ns"].get("verified", "absent") is None and layers["ipc_ns"].get("verified", "absent") is None,
                 "masked /proc: net and ipc namespaces reported as not provable (verified null), not as failures",
                 {k: layers[k] for k in ("net_ns", "ipc_ns")})
            t.ok(all(layers[k]["state"] == "active" for k in NAMESPACES), "masked /proc: every namespace still active",
                 {k: layers[k]["state"] for k in NAMESPACES})

    # Not root: one uid for every run, the same proofs.
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        t.skip("non-root verdict check", "needs root to drop to another uid with setpriv")
    else:
        rc, rep3, err = check(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        if rep3 is None or not rep3.get("minimum_met"):
            t.skip("non-root verdict check", "the jail needs root on this host: %s" % (err or rep3)[:200])
        else:
            unproven = [k for k in active(rep3) if rep3["layers"][k].get("verified") is not True]
            t.ok(rc == 0 and not unproven, "as uid 65534: every active layer verified", (rc, unproven))
    return t.done()


sys.exit(main())
