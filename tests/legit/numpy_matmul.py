"""Legitimate: numpy with a small matrix product (BLAS through
/etc/alternatives, one thread)."""
try:
    import numpy
except ImportError:
    print("observed: numpy absent")
    raise SystemExit(0)

a = numpy.arange(9).reshape(3, 3)
b = numpy.ones((64, 64)) @ numpy.ones((64, 64))
print("observed: numpy sum=%d blas=%d" % ((a @ a).sum(), int(b[0, 0])))
