"""An honest sample that takes a second, so its worker can be killed under it."""
import time

time.sleep(1.0)
print("observed: slow ok")
