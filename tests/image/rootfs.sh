#!/usr/bin/env bash
# tests/image/rootfs.sh DIR [BUILD] - assembles the container image's whole
# file system into DIR, from the programs in BUILD (default: DIR's parent).
#
# This script is the one list of what the image holds: the Dockerfile's
# final stage is `FROM scratch` plus a copy of DIR, and the image tests run
# the programs from DIR under chroot. It installs:
#   /usr/local/bin/syncfn, /usr/local/lib/syncfn/*.so   (`make install`)
#   every shared object they load, as ldd resolves it, and the loader
#   /etc/ssl/certs/ca-certificates.crt                   (libcurl, libpq TLS)
#   /etc/passwd, /etc/group: root and the user the image runs as
#   /etc/nsswitch.conf, /tmp, /proc (mount point)
# glibc 2.34+ has the "files" and "dns" NSS modules built into libc.so.6,
# so getpwuid (libpq) and getaddrinfo (both) need no libnss_*.so.
#
# The user is uid/gid 10001 "syncfn"; the Dockerfile's USER names the same
# numbers (tests/cases/image_rootfs.sh checks that they agree).
set -euo pipefail

dir=${1:?usage: tests/image/rootfs.sh DIR [BUILD]}
build=${2:-$(dirname "$dir")}
root=$(cd "$(dirname "$0")/../.." && pwd)
user=syncfn uid=10001
ca=/etc/ssl/certs/ca-certificates.crt

die() { echo "rootfs.sh: $*" >&2; exit 1; }

for f in syncfn syncfn-sync.so syncfn-schedule.so; do
	[ -f "$build/$f" ] || die "$build/$f is missing (run make BUILD=$build all)"
done
[ -s "$ca" ] || die "$ca is missing (install the ca-certificates package)"

rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# The layout is `make install`'s; -o keeps make from rebuilding anything
# here (a test may point BUILD at a sanitizer build it must not relink).
make -s --no-print-directory -C "$root" install BUILD="$build" DESTDIR="$dir" \
	PREFIX=/usr/local -o "$build/syncfn" -o "$build/syncfn-sync.so" \
	-o "$build/syncfn-schedule.so" >/dev/null

# Debian 12 is merged-/usr: /lib, /lib64 are links into /usr. Mirror that, so
# the loader path baked into the binary (/lib64/ld-linux-x86-64.so.2) and
# the library directories the loader searches by default both exist.
for top in /lib /lib64 /lib32 /libx32 /bin /sbin; do
	if [ -L "$top" ]; then ln -s "$(readlink "$top")" "$dir$top"; fi
done

# copy_lib PATH: the file PATH points to, under PATH's own name (the soname
# ldd resolved), in the real directory PATH lives in.
copy_lib() {
	local real_dir dest
	real_dir=$(readlink -f "$(dirname "$1")")
	dest=$dir$real_dir/$(basename "$1")
	[ -e "$dest" ] && return 0
	mkdir -p "$dir$real_dir"
	cp -L --preserve=mode "$1" "$dest"
}

# ldd lists the transitive closure; the programs run with no other library
# path, so a library missing from it is a library missing at run time.
elfs=("$dir/usr/local/bin/syncfn" "$dir"/usr/local/lib/syncfn/*.so)
libs=$(ldd "${elfs[@]}" | awk '
	/not found/ { print "MISSING " $1; next }
	$2 == "=>" && $3 ~ /^\// { print $3; next }
	$1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)
if grep -q '^MISSING' <<<"$libs"; then
	die "unresolved libraries: $(grep '^MISSING' <<<"$libs" | cut -d' ' -f2 | tr '\n' ' ')"
fi
while read -r lib; do
	copy_lib "$lib"
done <<<"$libs"

mkdir -p "$dir/etc/ssl/certs" "$dir/proc"
install -d -m 1777 "$dir/tmp"
install -m 0644 "$ca" "$dir$ca"

# libpq asks getpwuid() for the user's name and home (default role name,
# ~/.pgpass); the home does not exist so no stray file is ever read.
cat >"$dir/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
$user:x:$uid:$uid:syncfn:/nonexistent:/usr/sbin/nologin
EOF
cat >"$dir/etc/group" <<EOF
root:x:0:
$user:x:$uid:
EOF
cat >"$dir/etc/nsswitch.conf" <<EOF
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/nsswitch.conf"
