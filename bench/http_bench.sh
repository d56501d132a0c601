#!/bin/sh
# Benchmark of `verdict serve` (not a test): requests per second and p50/p99
# latency of one-sample requests (wrk when installed, else the Python
# client), samples per second for 164-sample requests (the HumanEval
# canonical solutions) with 1, 4 and 16 concurrent clients, and the
# server's idle and peak RSS. Prints the figures with the machine's core
# count.
#
#   bench/http_bench.sh [BUILD_DIR]        (default: build)
#
# Environment: VERDICT_BINARY (default BUILD_DIR/src/verdict), DATASET
# (default ../shared/datasets/humaneval/HumanEval.jsonl.gz), WORKERS (default
# 4 x cores: a jailed program spends most of its wall time in set-up, not on
# a CPU), CLIENTS (default "1 4 16"), DURATION (wrk seconds, default 10),
# NO_WRK=1 to use the Python driver even when wrk is there.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${1:-build}
BIN=${VERDICT_BINARY:-$BUILD/src/verdict}
DATASET=${DATASET:-$ROOT/../shared/datasets/humaneval/HumanEval.jsonl.gz}
CORES=$(nproc)
WORKERS=${WORKERS:-$((4 * CORES))}
CLIENTS=${CLIENTS:-"1 4 16"}
DURATION=${DURATION:-10}
PY=/usr/bin/python3

[ -x "$BIN" ] || { echo "no verdict binary at $BIN (build first, or set VERDICT_BINARY)" >&2; exit 2; }
[ -f "$DATASET" ] || { echo "no dataset at $DATASET (set DATASET)" >&2; exit 2; }

if [ -z "${NO_WRK:-}" ] && ! command -v wrk >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "installing wrk (Debian package)..." >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } ||
		echo "wrk could not be installed: using the Python driver" >&2
fi

TMP=$(mktemp -d /tmp/verdict-bench.XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --dataset "$DATASET" -j "$WORKERS" \
	--queue 1000000 --max-samples 100000 --canary-interval 0 --no-cache 2>"$TMP/server.log" &
SERVER_PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
	i=$((i + 1)); [ $i -lt 300 ] || { cat "$TMP/server.log" >&2; exit 1; }
	sleep 0.1
done
PORT=$(cat "$TMP/port")
URL=http://127.0.0.1:$PORT
until [ "$($PY -c "import urllib.request as u
try: print(u.urlopen('$URL/readyz').status)
except Exception as e: print(0)")" = 200 ]; do sleep 0.2; done

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
IDLE_RSS=$(rss VmRSS)

ONE='{"benchmark": "humaneval", "samples": [{"task_id": "HumanEval/53", "completion": "    return x + y\n"}]}'
echo "== verdict serve benchmark: $CORES cores, $WORKERS workers, $(uname -r)"
echo "idle RSS: $IDLE_RSS kB"

if [ -z "${NO_WRK:-}" ] && command -v wrk >/dev/null 2>&1; then
	cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$ONE]]
EOF
	for c in 1 $WORKERS; do
		wrk -t1 -c"$c" -d"${DURATION}s" --latency -s "$TMP/post.lua" "$URL/score" >"$TMP/wrk.txt"
		RPS=$(awk '/Requests\/sec/ { print $2 }' "$TMP/wrk.txt")
		P50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk.txt")
		P99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.txt")
		echo "one-sample requests (wrk, $c connections, ${DURATION}s): $RPS req/s, p50 $P50, p99 $P99"
	done
fi

VERDICT_URL=$URL DATASET=$DATASET CLIENTS="$CLIENTS" DURATION=$DURATION WORKERS=$WORKERS NO_WRK_DONE=$(command -v wrk >/dev/null 2>&1 && [ -z "${NO_WRK:-}" ] && echo 1 || echo 0) \
	PYTHONPATH="$ROOT/clients/python" "$PY" - <<'EOF'
import concurrent.futures, gzip, json, os, statistics, time, urllib.request
url = os.environ["VERDICT_URL"]
one = {"benchmark": "humaneval", "samples": [{"task_id": "HumanEval/53", "completion": "    return x + y\n"}]}

def post(payload):
    req = urllib.request.Request(url + "/score", data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=3600) as r:
        return json.loads(r.read())

if os.environ["NO_WRK_DONE"] != "1":
    for conc in (1, int(os.environ["WORKERS"])):
        lat, t_end = [], time.time() + float(os.environ["DURATION"])
        def loop():
            out = []
            while time.time() < t_end:
                t0 = time.time()
                post(one)
                out.append(time.time() - t0)
            return out
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(conc) as ex:
            for r in ex.map(lambda _: loop(), range(conc)):
                lat += r
        took = time.time() - t0
        lat.sort()
        print("one-sample requests (python, %d clients, %.0fs): %.1f req/s, p50 %.0f ms, p99 %.0f ms"
              % (conc, took, len(lat) / took, 1000 * lat[len(lat) // 2], 1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))]))

with gzip.open(os.environ["DATASET"], "rt") as f:
    problems = [json.loads(l) for l in f if l.strip()]
batch = {"benchmark": "humaneval", "samples": [{"task_id": p["task_id"], "completion": p["canonical_solution"]}
                                               for p in problems]}
for conc in [int(c) for c in os.environ["CLIENTS"].split()]:
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(conc) as ex:
        reps = list(ex.map(lambda _: post(batch), range(conc)))
    took = time.time() - t0
    n = sum(len(r["samples"]) for r in reps)
    passed = sum(r["summary"]["counts"]["passed"] for r in reps)
    print("164-sample requests, %2d concurrent clients: %d samples in %.1f s = %.1f samples/s (%d passed)"
          % (conc, n, took, n / took, passed))
EOF
echo "peak RSS: $(rss VmHWM) kB (idle $IDLE_RSS kB)"
