#!/bin/sh
# Make the local base image the Containerfile builds from when no registry is
# reachable: Debian 12 from `debootstrap --variant=minbase`, trimmed like
# debian:bookworm-slim (no docs, man pages or locales; apt lists removed),
# with the bookworm, bookworm-updates and bookworm-security suites, then
# `podman import`ed.
#
#   tests/container/make_base.sh [IMAGE]     default localhost/verdict-base:bookworm
#
# Cache: podman's own (root-owned) image store keeps the image between runs.
# It is reused only when all of these hold, else it is made anew:
#   - its label org.verdict.base.recipe equals the sha256 of this script (a
#     changed recipe never reuses an old image);
#   - its label org.verdict.base.created is less than VERDICT_BASE_MAX_AGE_DAYS
#     old (default 7: security updates reach the image within a week; the
#     Containerfile's apt-get layers are cached on top of it, so they age
#     with it);
#   - podman's store is root's (we run as root): no other user can have
#     swapped the image.
# VERDICT_BASE_REBUILD=1 always makes it anew.
# Environment: VERDICT_DEBIAN_MIRROR (default: the first URI of the host's
# apt sources, else http://deb.debian.org/debian).
set -eu

IMAGE=${1:-localhost/verdict-base:bookworm}
HERE=$(cd "$(dirname "$0")" && pwd)
RECIPE=$(sha256sum "$HERE/make_base.sh" | cut -d' ' -f1)
MAX_AGE_DAYS=${VERDICT_BASE_MAX_AGE_DAYS:-7}
now=$(date +%s)

log() { echo "make_base: $*" >&2; }

if [ "${VERDICT_BASE_REBUILD:-0}" != 1 ] && podman image exists "$IMAGE"; then
	labels=$(podman image inspect --format '{{index .Labels "org.verdict.base.recipe"}} {{index .Labels "org.verdict.base.created"}}' "$IMAGE" 2>/dev/null || true)
	have_recipe=${labels%% *}
	created=${labels##* }
	case $created in '' | *[!0-9]*) created=0 ;; esac
	age=$(( (now - created) / 86400 ))
	if [ "$(id -u)" -eq 0 ] && [ "$have_recipe" = "$RECIPE" ] && [ "$created" -gt 0 ] && [ "$age" -lt "$MAX_AGE_DAYS" ]; then
		log "reusing $IMAGE (recipe ${RECIPE%"${RECIPE#????????????}"}, $age days old, limit $MAX_AGE_DAYS)"
		exit 0
	fi
	log "not reusing $IMAGE (recipe match: $([ "$have_recipe" = "$RECIPE" ] && echo yes || echo no), age $age days, uid $(id -u))"
fi

mirror=${VERDICT_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1 || true)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi
security=$(printf '%s' "$mirror" | sed 's#/debian$#/debian-security#')

work=$(mktemp -d /var/tmp/verdict-base.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
root=$work/rootfs
log "debootstrap --variant=minbase bookworm from $mirror"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	log "debootstrap failed"
	exit 1
fi

# Like debian:bookworm-slim: all three suites, no docs, man pages or
# translations in later installs, no apt caches in the image.
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
cat >"$root/etc/apt/apt.conf.d/docker-no-recommends" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT
find "$root/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/locale/"* \
	"$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* \
	"$root/var/log/"*.log "$root/var/log/apt/"* "$root/tmp/"* 2>/dev/null || true
: >"$root/etc/machine-id"
echo verdict-base >"$root/etc/hostname"

log "podman import -> $IMAGE"
tar --numeric-owner --xattrs -C "$root" -c . |
	podman import --quiet \
		--change 'CMD ["/bin/bash"]' \
		--change "LABEL org.verdict.base.recipe=$RECIPE" \
		--change "LABEL org.verdict.base.created=$now" \
		--change "LABEL org.verdict.base.mirror=$mirror" \
		- "$IMAGE" >/dev/null
podman image inspect --format '{{.Id}} {{.Size}}' "$IMAGE" | { read -r id size; log "made $IMAGE ${id%"${id#????????????}"}, $((size / 1000000)) MB"; }
