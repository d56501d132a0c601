"""Legitimate: files in /tmp: tempfile, many small files, rename, copy with
metadata (shutil.copy2 lists extended attributes), tree removal."""
import os
import shutil
import tempfile

with tempfile.TemporaryDirectory() as d:
    for i in range(100):
        with open(os.path.join(d, "f%d.txt" % i), "w") as f:
            f.write("line %d\n" % i)
    os.replace(os.path.join(d, "f0.txt"), os.path.join(d, "renamed.txt"))
    shutil.copy2(os.path.join(d, "f1.txt"), os.path.join(d, "copy.txt"))
    with open(os.path.join(d, "copy.txt")) as f:
        assert f.read() == "line 1\n"
    sub = os.path.join(d, "sub", "deeper")
    os.makedirs(sub)
    shutil.rmtree(os.path.join(d, "sub"))
    count = len(os.listdir(d))
with tempfile.NamedTemporaryFile("w+") as t:
    t.write("x" * 100000)
    t.seek(0)
    assert len(t.read()) == 100000
print("observed: tmp files ok (%d)" % count)
