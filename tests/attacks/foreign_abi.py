"""Attack: system calls through the other ABIs of an x86_64 kernel, which
rules written for x86_64 would not judge: x32 (nr | 0x40000000) and i386
(int $0x80). Python cannot issue them, so a tiny static helper (built from
tests/jail_helper_abi.c, placed here as /tmp/jail_helper_abi) does; it is
made executable first (/tmp is nosuid,nodev but not noexec). The policy
kills the caller: SIGSYS. The native call is the control."""
import os
import signal
import subprocess

helper = "/tmp/jail_helper_abi"
os.chmod(helper, 0o755)


def run(mode):
    p = subprocess.run([helper, mode], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.returncode < 0:
        return signal.Signals(-p.returncode).name
    return "exit%d" % p.returncode


print("observed:", " ".join("%s=%s" % (mode, run(mode)) for mode in ("native", "x32", "int80")))
