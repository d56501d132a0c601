"""Legitimate: read a 10 MB stdin fully (LiveCodeBench inputs can be large)."""
import sys
import zlib

data = sys.stdin.buffer.read()
print("observed: read %d bytes crc32=%08x" % (len(data), zlib.crc32(data)))
