#!/usr/bin/env bash
# tests/image/build-stage.sh DIR - replays the Dockerfile's build stage
# without a container engine: a fresh Debian 12 (debootstrap, minbase) in
# DIR, the build context the Dockerfile COPYs, then its RUN instructions in
# order, under chroot. Leaves the image's file set in DIR/src/build/rootfs
# and prints its size. Needs root, debootstrap and the Debian mirror; takes
# about two minutes, so `make test` does not run it (it runs the same
# rootfs.sh on this machine's build instead).
#
# Not the digest-pinned base image itself, but the same release and the
# same package pins, so an apt pin that no longer resolves, a file the
# build needs that the Dockerfile does not copy, or a tool missing from a
# minimal Debian fails here.
set -euo pipefail

dir=${1:?usage: tests/image/build-stage.sh DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$dir/usr/bin/apt-get" ]; then
	debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 \
		|| { tail -n 20 "$dir.debootstrap.log" >&2; exit 1; }
fi
# the suites the debian:bookworm-slim image lists
cat >"$dir/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$dir/etc/resolv.conf"

# The build stage's instructions, as tests/image/dockerfile.py reads them.
steps=$(python3 "$root/tests/image/dockerfile.py" "$root/Dockerfile" | python3 -c '
import json, shlex, sys
for kw, args in json.load(sys.stdin)["stages"][0]["instructions"]:
    print(shlex.quote(kw) + " " + shlex.quote(args))')

workdir=/
rm -rf "$dir/src"
while read -r line; do
	eval "set -- $line"
	case $1 in
	WORKDIR) workdir=$2; mkdir -p "$dir$workdir" ;;
	COPY) # Docker's semantics: a directory's contents go into dst
		read -r src dst <<<"$2"
		case $dst in /*) ;; *) dst=$workdir/$dst ;; esac
		if [ -d "$root/$src" ]; then
			mkdir -p "$dir$dst" && cp -r "$root/$src/." "$dir$dst/"
		else
			mkdir -p "$dir$(dirname "$dst/x")" && cp "$root/$src" "$dir$dst"
		fi ;;
	RUN)
		echo "build-stage.sh: RUN $2" >&2
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh -c "cd \"$2\" && $3"' \
			_ "$dir" "$workdir" "$2" ;;
	*) echo "build-stage.sh: $1 is not replayed" >&2 ;;
	esac
done <<<"$steps"

rootfs=$dir/src/build/rootfs
[ -x "$rootfs/usr/local/bin/syncfn" ] || { echo "build-stage.sh: no $rootfs/usr/local/bin/syncfn" >&2; exit 1; }
echo "rootfs: $rootfs, $(du -sb "$rootfs" | cut -f1) bytes, $(find "$rootfs" -type f | wc -l) files"
