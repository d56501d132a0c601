"""What a program sees from inside the jail. `verdict check` runs this and
compares each fact with the layer it should prove (uid, capabilities,
no_new_privs, seccomp mode, visible processes, filesystem, network).

Container runtimes that mask parts of their /proc leave the jail without
one, so the process's own state is also read from the kernel directly
(prctl and capget through ctypes): those facts need no /proc."""
import errno
import json
import os
import re
import resource
import socket


def status_fields():
    fields = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    except OSError:
        # A runtime that masks its /proc leaves the jail without one.
        fields["_no_proc"] = "1"
    return fields


PR_GET_SECCOMP = 21
PR_CAPBSET_READ = 23
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET = 1
SYS_CAPGET = 125  # x86_64, the only ABI the policy admits
LINUX_CAPABILITY_VERSION_3 = 0x20080522


def kernel_facts():
    """Seccomp mode, no_new_privs and the capability sets, asked of the
    kernel. Any failure is reported as text, never hidden."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        out = {
            "seccomp": libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0),
            "no_new_privs": libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
        }
        bounding = ambient = 0
        cap = 0
        while cap < 64:
            held = libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0)
            if held < 0:  # EINVAL past the kernel's last capability
                break
            bounding |= held << cap
            if libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1:
                ambient |= 1 << cap
            cap += 1
        out["caps_known"] = cap
        out["cap_bnd"] = bounding
        out["cap_amb"] = ambient

        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]

        header, data = Header(LINUX_CAPABILITY_VERSION_3, 0), (Data * 2)()
        if libc.syscall(SYS_CAPGET, ctypes.byref(header), data) != 0:
            out["capget_error"] = os.strerror(ctypes.get_errno())
        else:
            out["cap_eff"] = data[0].effective | data[1].effective << 32
            out["cap_prm"] = data[0].permitted | data[1].permitted << 32
            out["cap_inh"] = data[0].inheritable | data[1].inheritable << 32
        return out
    except Exception as e:  # ctypes missing or refused: say so
        return {"error": "%s: %s" % (type(e).__name__, e)}


def try_inet():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    try:
        s.settimeout(1)
        s.connect(("127.0.0.1", 9))
        return "connected"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def namespaces():
    out = {}
    for ns in ("user", "pid", "mnt", "net", "ipc", "uts"):
        try:
            out[ns] = os.readlink("/proc/self/ns/" + ns)
        except OSError as e:
            out[ns] = "error: " + e.strerror
    return out


def interfaces():
    try:
        with open("/proc/self/net/dev") as f:
            lines = f.read().splitlines()[2:]
    except OSError:
        return None
    return [line.split(":")[0].strip() for line in lines]


def mounts():
    """[mount point, read-only, nosuid, nodev] for every mount of the jail,
    from its own /proc/self/mountinfo (per-mount options, field 6), or None
    without a /proc."""
    try:
        with open("/proc/self/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    out = []
    for line in lines:
        fields = line.split(" ")
        if len(fields) < 6:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        opts = fields[5].split(",")
        out.append([point, "ro" in opts, "nosuid" in opts, "nodev" in opts])
    return out


def main():
    st = status_fields()
    facts = {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "cap_eff": st.get("CapEff"),
        "cap_prm": st.get("CapPrm"),
        "cap_bnd": st.get("CapBnd"),
        "cap_amb": st.get("CapAmb"),
        "no_new_privs": st.get("NoNewPrivs"),
        "seccomp": st.get("Seccomp"),
        "pid": os.getpid(),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc/self") else [],
        "proc": os.path.isdir("/proc/self"),
        "hostname": socket.gethostname(),
        "root": sorted(os.listdir("/")),
        "inet": try_inet(),
        "rlimit_as": resource.getrlimit(resource.RLIMIT_AS)[0],
        "rlimit_nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
        "tmp_writable": os.access("/tmp", os.W_OK),
        "usr_writable": os.access("/usr", os.W_OK),
        "usr_read_only": bool(os.statvfs("/usr").f_flag & os.ST_RDONLY),
        "namespaces": namespaces(),
        "mounts": mounts(),
        "interfaces": interfaces(),
        "kernel": kernel_facts(),
    }
    print(json.dumps(facts))


main()
