"""Legitimate: a 200 MB allocation, touched, under the 1 GiB limit."""
buf = b"\x01" * (200 << 20)
print("observed: allocated %d MiB" % (len(buf) >> 20))
