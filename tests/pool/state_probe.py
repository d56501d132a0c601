"""An honest sample that reports the state it starts from. Run before and
after a hostile one on the same worker: the two reports must be equal."""
import json
import os
import sys
import threading

facts = {
    "tmp": sorted(os.listdir("/tmp")),
    "env": sorted(os.environ.items()),
    "threads": threading.active_count(),
    # How many processes it can see (its pid differs from run to run).
    "visible_processes": len([p for p in os.listdir("/proc") if p.isdigit()]) if os.path.isdir("/proc") else None,
    "json_dumps": json.dumps.__module__ + "." + json.dumps.__qualname__,
    "json_patched": getattr(json, "_verdict_patched", False),
    "builtins_len": len(__builtins__.__dict__) if hasattr(__builtins__, "__dict__") else len(__builtins__),
    "modules_patched": [m for m in ("json", "math", "re") if getattr(sys.modules[m], "_verdict_patched", False)],
    "cwd": os.getcwd(),
    "uid": "run uid" if os.getuid() >= 1000 else "not a run uid",
    "argv": sys.argv[1:],
}
print("observed: " + json.dumps(facts, sort_keys=True))
