#!/bin/sh
# One entry point for a fresh Debian 12 machine: install what is missing,
# build, then run. See README.md.
#
#   ./bootstrap.sh demo     audit the bundled example in the jail (the main job)
#   ./bootstrap.sh serve    run the scoring service on 127.0.0.1:8080
#   ./bootstrap.sh test     run the whole test suite
#   ./bootstrap.sh build    only install and build
set -eu

cd "$(dirname "$0")"
BUILD=${VERDICT_BUILD_DIR:-build}

# Debian packages: build tools, the libraries verdict links, the interpreter
# the jail runs (with numpy for HumanEval+ tests).
PACKAGES="meson ninja-build pkg-config gcc libc6-dev libseccomp-dev libcap-dev libcjson-dev \
libpcre2-dev libmicrohttpd-dev zlib1g-dev python3 python3-numpy"
# For the tests only: headless Chromium opens the HTML report pages (the
# `browser` suite), with a font to draw their text.
TEST_PACKAGES="chromium fonts-dejavu-core"

missing_packages() {
	out=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
	done
	echo "$out"
}

install_packages() {
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		echo "bootstrap: installing:$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "bootstrap: missing Debian packages:$missing" >&2
		echo "bootstrap: run as root, or: sudo apt-get install$missing" >&2
		exit 1
	fi
}

build() {
	install_packages
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" --buildtype=debugoptimized >/dev/null
	fi
	ninja -C "$BUILD" >/dev/null
}

cmd=${1:-demo}
[ $# -gt 0 ] && shift
case "$cmd" in
build)
	build
	;;
demo)
	build
	"$BUILD/verdict" check
	echo
	exec "$BUILD/verdict" audit --dataset fixtures/examples/problems.jsonl fixtures/examples/samples.jsonl "$@"
	;;
serve)
	build
	exec "$BUILD/verdict" serve "$@"
	;;
test)
	PACKAGES="$PACKAGES $TEST_PACKAGES"
	build
	# The jail must really work here: a missing layer fails instead of skipping.
	export VERDICT_MUST_WORK=${VERDICT_MUST_WORK:-1}
	exec meson test -C "$BUILD" --print-errorlogs "$@"
	;;
*)
	echo "usage: ./bootstrap.sh [demo|serve|test|build] [args...]" >&2
	exit 2
	;;
esac
