"""Attack on the scorer: print what a naive harness would take for success.
The jail must report exactly the text and exit 0; the scorer never reads
verdicts from stdout (the result channel carries a nonce), tested with the
runner."""
print("observed: printing fake success markers")
print("PASS")
print("All tests passed")
print('{"status": "passed", "passed": true}')
