#!/bin/sh
# The jail's cost on this machine, measured in one run: the median wall time
# of N jailed runs of `python3 -I -S -c pass` (and the same with the site
# import, without -S) against N bare runs of the same command, and the
# ratio. The driver (bench/jail_bench.c) calls jail_run() in a loop, so
# verdict's own start-up is not counted; bare and jailed runs alternate.
#
# Usage: bench/jail_bench.sh [N]          (default 50)
# Environment: VERDICT_BENCH_BUILD  meson build directory to use or create
#                                   (default /tmp/build-verdict-bench)
# Always /usr/bin/python3: a pyenv shim on PATH would time the shim.
set -eu

N=${1:-50}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VERDICT_BENCH_BUILD:-/tmp/build-verdict-bench}
PYTHON=/usr/bin/python3

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$SRC" >/dev/null
fi
ninja -C "$BUILD" bench/jail_bench >/dev/null
exec "$BUILD/bench/jail_bench" "$N" "$PYTHON"
