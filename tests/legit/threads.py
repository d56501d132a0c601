"""Legitimate: 16 threads doing work and joining."""
import threading

results = [0] * 16


def work(i):
    results[i] = sum(range(10000 * (i + 1)))


threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert results == [sum(range(10000 * (i + 1))) for i in range(16)]
print("observed: 16 threads ok")
