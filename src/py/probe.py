"""What a program sees from inside the jail. `verdict check` runs this and
compares each fact with the layer it should prove (uid, capabilities,
no_new_privs, seccomp mode, visible processes, filesystem, network)."""
import errno
import json
import os
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
        "namespaces": namespaces(),
        "interfaces": interfaces(),
    }
    print(json.dumps(facts))


main()
