#!/usr/bin/python3
"""Derive the container seccomp profiles verdict is deployed and tested with
from a runtime's default profile (Docker/OCI JSON format: Podman's and
CRI-O's /usr/share/containers/seccomp.json, or Docker's default.json).

    make_profile.py full [BASE.json] > verdict-full.json
    make_profile.py no-namespaces [BASE.json] > no-namespaces.json

full           the base profile, plus what verdict's `full` level needs,
               allowed whatever the container's capabilities: clone and
               unshare with namespace flags (user, pid, mount, net, ipc, uts,
               cgroup), mount, umount2, pivot_root, sethostname. Docker's
               default allows these only with CAP_SYS_ADMIN; Podman's allows
               all but sethostname. Nothing else is added: the jail installs
               its own, much narrower filter on every program
               (policies/python.policy).
no-namespaces  the base profile with every way to make a namespace refused,
               whatever the capabilities, as Docker's default does for a
               container without CAP_SYS_ADMIN: unshare, setns, mount,
               umount2, pivot_root, sethostname, setdomainname refused;
               clone allowed only without CLONE_NEW* flags; clone3 ENOSYS
               (so that libc falls back to clone). verdict runs at the
               `seccomp` level under it. CI uses it to stand in for Docker's
               and Kubernetes' RuntimeDefault profiles.

BASE defaults to /usr/share/containers/seccomp.json. Standard library only."""
import json
import sys

DEFAULT_BASE = "/usr/share/containers/seccomp.json"

# CLONE_NEWTIME|NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: the
# mask Docker's default profile uses (0x7E020000 = 2114060288).
CLONE_NEW_MASK = 0x7E020000
EPERM, ENOSYS = 1, 38

# mount_setattr makes each read-only bind read-only with every mount under it
# in one call; without it the jail remounts each submount (slower, as safe).
FULL_NEEDS = ["clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "sethostname", "mount_setattr"]
NAMESPACE_CALLS = ["clone", "clone3", "unshare", "setns", "mount", "umount", "umount2", "pivot_root",
                   "sethostname", "setdomainname", "fsopen", "fsmount", "fsconfig", "fspick", "move_mount",
                   "open_tree", "mount_setattr"]


def without(profile, names):
    """The profile with `names` taken out of every rule (rules left empty
    are dropped), so that the rules added next are the only ones for them."""
    out = dict(profile)
    rules = []
    for r in profile.get("syscalls", []):
        kept = [n for n in r.get("names", []) if n not in names]
        if kept:
            r = dict(r)
            r["names"] = kept
            rules.append(r)
    out["syscalls"] = rules
    return out


def full(profile):
    p = without(profile, FULL_NEEDS)
    p["syscalls"].append({
        "names": FULL_NEEDS,
        "action": "SCMP_ACT_ALLOW",
        "comment": "verdict's full isolation level: the jail makes user, pid, mount, net, ipc, uts and cgroup "
                   "namespaces, mounts its root and pivots into it, and names its host 'verdict'",
    })
    return p


def no_namespaces(profile):
    p = without(profile, NAMESPACE_CALLS)
    refused = [n for n in NAMESPACE_CALLS if n not in ("clone", "clone3")]
    p["syscalls"] += [
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": CLONE_NEW_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "comment": "fork and threads, but no CLONE_NEW* flag (those take the default action)"},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS,
         "comment": "its flags are in memory, out of seccomp's reach: ENOSYS makes libc use clone"},
        {"names": refused, "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM,
         "comment": "no namespace, no mount: what Docker's default refuses without CAP_SYS_ADMIN"},
    ]
    return p


def main(argv):
    if len(argv) not in (2, 3) or argv[1] not in ("full", "no-namespaces"):
        sys.stderr.write(__doc__)
        return 2
    base = argv[2] if len(argv) == 3 else DEFAULT_BASE
    with open(base, encoding="utf-8") as f:
        profile = json.load(f)
    if not isinstance(profile.get("syscalls"), list) or "defaultAction" not in profile:
        sys.stderr.write("%s: not a Docker/OCI seccomp profile (no defaultAction/syscalls)\n" % base)
        return 1
    if profile["defaultAction"] == "SCMP_ACT_ALLOW":
        sys.stderr.write("%s: default action ALLOW: not a runtime default profile\n" % base)
        return 1
    out = full(profile) if argv[1] == "full" else no_namespaces(profile)
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
