#!/usr/bin/python3
"""The deployment files, checked without a cluster: every YAML file under
deploy/k8s parsed (a strict parser of the YAML subset the manifests use,
cross-checked against PyYAML when it is importable) and checked for the
fields each kind needs and for agreement between them (selectors, ports,
names); deploy/systemd/verdict.service checked for the options that would
break the jail; deploy/seccomp/make_profile.py run on a small profile.
Prints TAP. Standard library only (PyYAML optional).

    test_manifests.py [SOURCE_ROOT]
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VERDICT_SOURCE_ROOT")) or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S = os.path.join(ROOT, "deploy", "k8s")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from http_harness import Tap  # noqa: E402


# ------------------------------------------------------------ YAML subset --

class YamlError(Exception):
    pass


_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def _scalar(text, where):
    t = text.strip()
    if t == "":
        return None
    if t[0] == '"':
        if len(t) < 2 or t[-1] != '"':
            raise YamlError("%s: unterminated double-quoted scalar" % where)
        try:
            return json.loads(t)
        except ValueError as e:
            raise YamlError("%s: bad double-quoted scalar: %s" % (where, e))
    if t[0] == "'":
        if len(t) < 2 or t[-1] != "'":
            raise YamlError("%s: unterminated single-quoted scalar" % where)
        body = t[1:-1]
        if re.search(r"(?<!')'(?!')", body):
            raise YamlError("%s: stray quote in single-quoted scalar" % where)
        return body.replace("''", "'")
    if t[0] == "[":
        if t[-1] != "]":
            raise YamlError("%s: flow sequence must end on its line" % where)
        inner = t[1:-1].strip()
        if not inner:
            return []
        if any(c in inner for c in "[]{}\"'"):
            raise YamlError("%s: nested or quoted flow sequence items are outside the subset" % where)
        return [_scalar(x, where) for x in inner.split(",")]
    if t[0] in "{&*!|>%@`":
        if t == "{}":
            return {}
        raise YamlError("%s: '%s' (flow mappings, anchors, tags, block scalars) is outside the subset" % (where, t[0]))
    if t in ("null", "~", "Null", "NULL"):
        return None
    if t in ("true", "True", "TRUE"):
        return True
    if t in ("false", "False", "FALSE"):
        return False
    if t in ("yes", "no", "on", "off", "Yes", "No", "On", "Off", "y", "n"):
        # YAML 1.1 booleans (PyYAML) vs strings (YAML 1.2): ambiguous, so refused.
        raise YamlError("%s: '%s' is a boolean in YAML 1.1 and a string in 1.2: quote it" % (where, t))
    if _INT.match(t):
        if len(t.lstrip("+-")) > 1 and t.lstrip("+-")[0] == "0":
            raise YamlError("%s: '%s' has a leading zero (octal in YAML 1.1): quote it" % (where, t))
        return int(t)
    if _FLOAT.match(t):
        return float(t)
    if ": " in t or t.endswith(":") or " #" in t:
        raise YamlError("%s: ambiguous plain scalar '%s': quote it" % (where, t))
    return t


def _strip_comment(line):
    """Drop a '#' comment outside quotes."""
    q = None
    for i, c in enumerate(line):
        if q:
            if c == q:
                q = None
        elif c in "\"'":
            q = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _split_key(text, where):
    """'key: value' or 'key:' -> (key, value text or None); None if not a mapping entry."""
    if text.startswith(("\"", "'")):
        q = text[0]
        end = text.find(q, 1)
        if end < 0:
            raise YamlError("%s: unterminated quoted key" % where)
        key, rest = text[1:end], text[end + 1:]
        if rest == ":" or rest.startswith(": "):
            return key, rest[1:].strip() or None
        return None
    m = re.match(r"^([^\s:#][^:#]*?):(\s+(.*))?$", text)
    if not m:
        return None
    return m.group(1), (m.group(3) if m.group(3) not in (None, "") else None)


def parse_yaml_subset(text, name="<yaml>"):
    """Documents of `text` as Python values. The subset: block mappings and
    sequences (indent with spaces), plain/quoted scalars, one-line flow
    sequences of scalars, comments, '---'. Everything else is an error with
    the file and line, never a guess."""
    docs, cur = [], []
    for no, raw in enumerate(text.split("\n"), 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise YamlError("%s:%d: tab in indentation" % (name, no))
        if raw.strip() == "---":
            docs.append(cur)
            cur = []
            continue
        if raw.startswith("..."):
            raise YamlError("%s:%d: '...' is outside the subset" % (name, no))
        line = _strip_comment(raw)
        if line.strip():
            cur.append((no, len(line) - len(line.lstrip()), line.strip()))
    docs.append(cur)
    out = []
    for lines in docs:
        if not lines:
            continue
        pos, value = _block(lines, 0, lines[0][1], name)
        if pos != len(lines):
            no = lines[pos][0]
            raise YamlError("%s:%d: unexpected indentation" % (name, no))
        out.append(value)
    return out


def _block(lines, pos, indent, name):
    no, ind, text = lines[pos]
    if ind != indent:
        raise YamlError("%s:%d: expected indentation %d, got %d" % (name, no, indent, ind))
    if text == "-" or text.startswith("- "):
        return _seq(lines, pos, indent, name)
    if _split_key(text, "%s:%d" % (name, no)) is not None:
        return _map(lines, pos, indent, name)
    if pos + 1 < len(lines) and lines[pos + 1][1] >= indent:
        raise YamlError("%s:%d: multi-line plain scalars are outside the subset" % (name, no))
    return pos + 1, _scalar(text, "%s:%d" % (name, no))


def _value_after(lines, pos, indent, rest, name, no):
    """The value of a key or item whose text after ':'/'-' is `rest`."""
    if rest is not None:
        if pos + 1 < len(lines) and lines[pos + 1][1] > indent:
            raise YamlError("%s:%d: a scalar value followed by a more indented line" % (name, no))
        return pos + 1, _scalar(rest, "%s:%d" % (name, no))
    if pos + 1 < len(lines) and lines[pos + 1][1] > indent:
        return _block(lines, pos + 1, lines[pos + 1][1], name)
    # A sequence may sit at the key's own indentation (`key:\n- a`).
    if pos + 1 < len(lines) and lines[pos + 1][1] == indent and lines[pos + 1][2].startswith("- "):
        return _seq(lines, pos + 1, indent, name)
    return pos + 1, None


def _map(lines, pos, indent, name):
    out = {}
    while pos < len(lines) and lines[pos][1] == indent:
        no, _, text = lines[pos]
        kv = _split_key(text, "%s:%d" % (name, no))
        if kv is None:
            raise YamlError("%s:%d: expected 'key: value'" % (name, no))
        key, rest = kv
        if key in out:
            raise YamlError("%s:%d: duplicate key '%s'" % (name, no, key))
        pos, out[key] = _value_after(lines, pos, indent, rest, name, no)
    if pos < len(lines) and lines[pos][1] > indent:
        raise YamlError("%s:%d: unexpected indentation" % (name, lines[pos][0]))
    return pos, out


def _seq(lines, pos, indent, name):
    out = []
    while pos < len(lines) and lines[pos][1] == indent and (lines[pos][2] == "-" or lines[pos][2].startswith("- ")):
        no, _, text = lines[pos]
        rest = text[1:].strip()
        if not rest:
            pos, v = _value_after(lines, pos, indent, None, name, no)
            out.append(v)
            continue
        if rest.startswith("- "):
            raise YamlError("%s:%d: nested '- -' is outside the subset" % (name, no))
        if _split_key(rest, "%s:%d" % (name, no)) is not None:
            # "- key: value" starts a mapping whose keys sit at indent+2.
            inner = indent + 2 + (len(rest) - len(rest.lstrip()))
            sub = [(no, inner, rest)]
            j = pos + 1
            while j < len(lines) and lines[j][1] > indent:
                sub.append(lines[j])
                j += 1
            k, v = _map(sub, 0, inner, name)
            if k != len(sub):
                raise YamlError("%s:%d: bad indentation in a sequence item" % (name, sub[k][0]))
            out.append(v)
            pos = j
        else:
            pos, v = _value_after(lines, pos, indent, rest, name, no)
            out.append(v)
    return pos, out


# ----------------------------------------------------------------- checks --

def get(o, path, default=None):
    for k in path.split("."):
        if isinstance(o, dict) and k in o:
            o = o[k]
        elif isinstance(o, list) and k.isdigit() and int(k) < len(o):
            o = o[int(k)]
        else:
            return default
    return o


def container(pod_spec, name):
    for c in get(pod_spec, "containers", []) or []:
        if c.get("name") == name:
            return c
    return None


def arg_after(args, flag):
    args = [str(a) for a in args or []]
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None


def check_probe(t, c, kind, path, what):
    p = c.get(kind) or {}
    if "httpGet" in p:
        t.ok(p["httpGet"].get("path") == path and p["httpGet"].get("port") in ("http", 8080),
             "%s: %s is GET %s on the http port" % (what, kind, path), p)
    else:
        cmd = " ".join(get(p, "exec.command", []) or [])
        t.ok(path in cmd, "%s: %s checks %s" % (what, kind, path), p)


def check_verdict_container(t, c, what, full):
    t.ok(c is not None, "%s: has a container named verdict" % what)
    if c is None:
        return
    args = [str(a) for a in c.get("args") or []]
    t.ok(args[:1] == ["serve"] and arg_after(args, "--listen"), "%s: runs `verdict serve --listen ...`" % what, args)
    iso = arg_after(args, "--isolation")
    t.ok(iso in ("full", "auto", "seccomp"), "%s: names its --isolation minimum (%s)" % (what, iso), args)
    if full:
        t.ok(iso == "full", "%s: --isolation full (refuses to run weaker)" % what, args)
    res = c.get("resources") or {}
    t.ok(all(get(res, "%s.%s" % (a, b)) for a in ("requests", "limits") for b in ("cpu", "memory")),
         "%s: cpu and memory requests and limits" % what, res)
    workers = arg_after(args, "--workers")
    lim_cpu = str(get(res, "limits.cpu", ""))
    t.ok(workers is not None and lim_cpu.isdigit() and int(workers) <= int(lim_cpu),
         "%s: --workers (%s) within the CPU limit (%s)" % (what, workers, lim_cpu))
    check_probe(t, c, "readinessProbe", "/readyz", what)
    check_probe(t, c, "livenessProbe", "/healthz", what)
    sc = c.get("securityContext") or {}
    t.ok(sc.get("allowPrivilegeEscalation") is False and sc.get("privileged") in (None, False),
         "%s: no privilege escalation, not privileged" % what, sc)
    t.ok(sc.get("readOnlyRootFilesystem") is True, "%s: read-only root filesystem" % what, sc)
    t.ok(get(sc, "capabilities.drop") == ["ALL"] and set(get(sc, "capabilities.add", []) or []) <= {"SETUID", "SETGID"},
         "%s: all capabilities dropped but SETUID/SETGID" % what, sc.get("capabilities"))
    mounts = {m.get("mountPath") for m in c.get("volumeMounts") or []}
    t.ok("/tmp" in mounts, "%s: a writable /tmp under a read-only root" % what, mounts)


def check_seccomp(t, sc, what, full):
    prof = sc.get("seccompProfile") or {}
    typ = prof.get("type")
    t.ok(typ in ("Localhost", "RuntimeDefault") or (typ == "Unconfined" and full),
         "%s: a seccomp profile (%s)" % (what, typ), prof)
    if typ == "Localhost":
        t.ok(str(prof.get("localhostProfile", "")).endswith("verdict-full.json"),
             "%s: the Localhost profile is deploy/seccomp's verdict-full.json" % what, prof)


def main():
    t = Tap()
    files = sorted(f for f in os.listdir(K8S) if f.endswith((".yaml", ".yml")))
    t.ok(files, "deploy/k8s has YAML files", K8S)
    try:
        import yaml
    except ImportError:
        yaml = None
    objs = {}
    for f in files:
        with open(os.path.join(K8S, f), encoding="utf-8") as fh:
            text = fh.read()
        try:
            docs = parse_yaml_subset(text, f)
            err = None
        except YamlError as e:
            docs, err = [], str(e)
        t.ok(err is None and docs, "%s parses (%d documents)" % (f, len(docs)), err)
        if yaml is not None:
            ref = [d for d in yaml.safe_load_all(text) if d is not None]
            t.ok(ref == docs, "%s: PyYAML reads the same values" % f)
        for d in docs:
            t.ok(isinstance(d, dict) and d.get("apiVersion") and d.get("kind") and get(d, "metadata.name")
                 or d.get("kind") == "Kustomization",
                 "%s: %s has apiVersion, kind, metadata.name" % (f, get(d, "kind")), d if not isinstance(d, dict) else None)
            objs.setdefault((d.get("kind"), get(d, "metadata.name")), []).append((f, d))
    if yaml is None:
        print("# PyYAML not importable: the subset parser alone read the files", flush=True)

    # The mini parser refuses what it does not understand.
    for bad, why in (("a: yes\n", "YAML 1.1 boolean"), ("a: &x 1\n", "anchor"), ("a: |\n  x\n", "block scalar"),
                     ("a: 1\na: 2\n", "duplicate key"), ("a:\n\tb: 1\n", "tab"), ("a: 010\n", "leading zero"),
                     ("a: b: c\n", "ambiguous scalar"), ("a: {b: 1}\n", "flow mapping")):
        try:
            parse_yaml_subset(bad, "bad")
            refused = False
        except YamlError:
            refused = True
        t.ok(refused, "the subset parser refuses a %s" % why)

    dep = (objs.get(("Deployment", "verdict")) or [(None, None)])[0][1]
    t.ok(dep is not None, "a Deployment named verdict")
    if dep:
        t.ok(dep.get("apiVersion") == "apps/v1", "Deployment: apps/v1")
        sel = get(dep, "spec.selector.matchLabels") or {}
        labels = get(dep, "spec.template.metadata.labels") or {}
        t.ok(sel and all(labels.get(k) == v for k, v in sel.items()), "Deployment: selector matches the pod labels",
             (sel, labels))
        pod = get(dep, "spec.template.spec") or {}
        t.ok(pod.get("hostUsers") is False, "Deployment: the pod has its own user namespace (hostUsers: false)")
        t.ok(pod.get("automountServiceAccountToken") is False, "Deployment: no service account token in the pod")
        check_seccomp(t, pod.get("securityContext") or {}, "Deployment", True)
        c = container(pod, "verdict")
        check_verdict_container(t, c, "Deployment", True)
        if c:
            t.ok(get(c, "securityContext.procMount") == "Unmasked", "Deployment: /proc unmasked for the jail's own /proc")
            args = [str(a) for a in c.get("args") or []]
            deadline = arg_after(args, "--shutdown-deadline") or "30"
            t.ok(int(pod.get("terminationGracePeriodSeconds", 30)) > int(deadline),
                 "Deployment: grace period longer than --shutdown-deadline")
            t.ok(any(p.get("name") == "http" and p.get("containerPort") == 8080 for p in c.get("ports") or []),
                 "Deployment: port 8080 named http")
            t.ok(arg_after(args, "--listen") == "0.0.0.0:8080", "Deployment: listens on 0.0.0.0:8080 for the Service")
            vols = {v.get("name") for v in pod.get("volumes") or []}
            t.ok({m.get("name") for m in c.get("volumeMounts") or []} <= vols, "Deployment: every mount has a volume")
        svcs = [d for (k, _), v in objs.items() if k == "Service" for _, d in v]
        t.ok(svcs, "Services exist")
        for s in svcs:
            ssel = get(s, "spec.selector") or {}
            t.ok(ssel and all(labels.get(k) == v for k, v in ssel.items()),
                 "Service %s selects the Deployment's pods" % get(s, "metadata.name"), ssel)
            t.ok(any(p.get("targetPort") in ("http", 8080) for p in get(s, "spec.ports", []) or []),
                 "Service %s targets the http port" % get(s, "metadata.name"))
        hpa = (objs.get(("HorizontalPodAutoscaler", "verdict")) or [(None, None)])[0][1]
        t.ok(hpa and hpa.get("apiVersion") == "autoscaling/v2", "a HorizontalPodAutoscaler (autoscaling/v2)")
        if hpa:
            ref = get(hpa, "spec.scaleTargetRef") or {}
            t.ok(ref.get("kind") == "Deployment" and ref.get("name") == "verdict", "HPA scales the Deployment", ref)
            m = get(hpa, "spec.metrics.0") or {}
            t.ok(get(m, "resource.name") == "cpu" and get(m, "resource.target.type") == "Utilization",
                 "HPA scales on CPU utilisation", m)
            t.ok(1 <= get(hpa, "spec.minReplicas", 1) <= get(hpa, "spec.maxReplicas", 0), "HPA: min <= max replicas")
        pdb = (objs.get(("PodDisruptionBudget", "verdict")) or [(None, None)])[0][1]
        t.ok(pdb and pdb.get("apiVersion") == "policy/v1", "a PodDisruptionBudget (policy/v1)")
        if pdb:
            psel = get(pdb, "spec.selector.matchLabels") or {}
            t.ok(psel and all(labels.get(k) == v for k, v in psel.items()), "PDB selects the Deployment's pods")
            t.ok(("maxUnavailable" in pdb["spec"]) != ("minAvailable" in pdb["spec"]),
                 "PDB sets exactly one of maxUnavailable/minAvailable")
    kust = (objs.get(("Kustomization", None)) or [(None, None)])[0][1]
    if kust:
        t.ok(all(os.path.exists(os.path.join(K8S, r)) for r in kust.get("resources", [])),
             "kustomization lists existing files", kust.get("resources"))

    side = [d for (k, _), v in objs.items() if k == "Pod" for _, d in v]
    t.ok(side, "a sidecar example Pod")
    for p in side:
        spec = p.get("spec") or {}
        c = container(spec, "verdict")
        check_verdict_container(t, c, "sidecar", False)
        if c:
            check_seccomp(t, c.get("securityContext") or {}, "sidecar verdict", False)
            t.ok(arg_after(c.get("args"), "--listen", ).startswith("127.0.0.1:"),
                 "sidecar: verdict listens on the pod's loopback only")
        names = [x.get("name") for x in spec.get("containers") or []]
        t.ok("vllm" in names, "sidecar: next to a vLLM container", names)

    # systemd: nothing that takes away what the jail needs.
    unit_path = os.path.join(ROOT, "deploy", "systemd", "verdict.service")
    with open(unit_path, encoding="utf-8") as fh:
        unit_text = fh.read()
    unit, section, cont = {}, None, ""
    for raw in unit_text.splitlines():
        line = cont + raw.strip()
        cont = ""
        if line.endswith("\\"):
            cont = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        k, _, v = line.partition("=")
        unit.setdefault(section, {}).setdefault(k, []).append(v)
    svc = unit.get("Service", {})
    t.ok("verdict serve" in " ".join(svc.get("ExecStart", [])), "systemd: ExecStart runs verdict serve")
    for bad in ("PrivateUsers", "RestrictNamespaces", "ProtectHostname", "ProtectKernelTunables", "ProtectKernelLogs",
                "MemoryDenyWriteExecute"):
        t.ok(bad not in svc, "systemd: no %s= (it breaks or weakens the jail)" % bad, svc.get(bad))
    filt = " ".join(svc.get("SystemCallFilter", []))
    t.ok(not filt or not any(s in filt for s in ("@mount", "unshare", "clone", "pivot_root", "sethostname", "@privileged")),
         "systemd: no SystemCallFilter= refusing what the jail needs", filt)
    t.ok(svc.get("NoNewPrivileges") == ["yes"] and svc.get("ProtectSystem") == ["strict"],
         "systemd: NoNewPrivileges and ProtectSystem=strict")
    caps = set(" ".join(svc.get("CapabilityBoundingSet", [])).split())
    t.ok(caps == {"CAP_SETUID", "CAP_SETGID"}, "systemd: capability bounding set is SETUID and SETGID only", caps)

    # deploy/seccomp/make_profile.py on a small runtime-default-like profile.
    base = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
        {"names": ["read", "write", "clone", "unshare", "mount"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["sethostname"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]}
    with tempfile.TemporaryDirectory() as d:
        bp = os.path.join(d, "base.json")
        with open(bp, "w") as fh:
            json.dump(base, fh)
        tool = os.path.join(ROOT, "deploy", "seccomp", "make_profile.py")
        outs = {}
        for mode in ("full", "no-namespaces"):
            r = subprocess.run([sys.executable, tool, mode, bp], capture_output=True, text=True)
            try:
                outs[mode] = json.loads(r.stdout)
            except ValueError:
                outs[mode] = None
            t.ok(r.returncode == 0 and outs[mode], "make_profile.py %s runs" % mode, r.stderr)

        def rules_for(p, name):
            return [r for r in (p or {}).get("syscalls", []) if name in r["names"]]
        full = outs.get("full")
        need = ("clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "sethostname", "mount_setattr")
        t.ok(full and all(len(rules_for(full, n)) == 1 and rules_for(full, n)[0]["action"] == "SCMP_ACT_ALLOW"
                          and "includes" not in rules_for(full, n)[0] for n in need)
             and full["defaultAction"] == "SCMP_ACT_ERRNO" and rules_for(full, "read"),
             "full: the jail's calls allowed unconditionally, the rest of the base kept", full)
        nons = outs.get("no-namespaces")
        clone = rules_for(nons, "clone")
        t.ok(nons and len(clone) == 1 and clone[0]["args"][0]["value"] == 0x7E020000 and clone[0]["args"][0]["op"] ==
             "SCMP_CMP_MASKED_EQ" and all(r["action"] == "SCMP_ACT_ERRNO" for n in ("unshare", "mount", "sethostname",
                                                                                     "pivot_root", "setns")
                                          for r in rules_for(nons, n))
             and rules_for(nons, "clone3")[0].get("errnoRet") == 38,
             "no-namespaces: clone without CLONE_NEW* only; unshare, mount, sethostname refused; clone3 ENOSYS", nons)
        r = subprocess.run([sys.executable, tool, "full", os.path.join(d, "missing.json")], capture_output=True)
        t.ok(r.returncode != 0, "make_profile.py fails on a missing base profile")
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
