#!/bin/sh
# Scoring throughput: warm pool vs a fresh jailed interpreter per program vs
# the unjailed floors, on HumanEval, HumanEval+ and LiveCodeBench (see
# score_bench.py). Not a test: it prints figures measured in one run.
#   bench/score_bench.sh [--quick]
set -eu
cd "$(dirname "$0")/.."
./bootstrap.sh build
exec /usr/bin/python3 bench/score_bench.py "${VERDICT_BUILD_DIR:-build}/src/verdict" "${VERDICT_SHARED:-../shared}" "$@"
