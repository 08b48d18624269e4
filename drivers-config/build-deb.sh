#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Builds the Debian package lnsd_VERSION_amd64.deb from this source tree.
#
#   drivers-config/build-deb.sh [-o OUTDIR] [-j JOBS] [--check]
#
# The top level of the repository is fixed, so debian/ lives in drivers-config/debian.
# This script copies the source tree (the files git knows, or everything but build
# directories outside a git checkout) to a temporary directory, puts debian/ at its
# top, runs `dpkg-buildpackage -b -us -uc` there and moves the .deb to OUTDIR
# (default: the current directory). Tests are skipped (DEB_BUILD_OPTIONS=nocheck)
# unless --check is given. Needs the Build-Depends of drivers-config/debian/control
# (drivers-config/install-deps.sh installs them). Does not need root.
set -euo pipefail

PROG=${0##*/}
SRC=$(cd "$(dirname "$0")/.." && pwd)
outdir=$PWD jobs=$(nproc) check=0

usage() { sed -n '4,15p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	-o) outdir=$2; shift ;;
	-j) jobs=$2; shift ;;
	--check) check=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

command -v dpkg-buildpackage >/dev/null ||
	die "dpkg-buildpackage not found: install dpkg-dev and debhelper (drivers-config/install-deps.sh)"

# The package version is the project's: debian/changelog must agree with meson.build.
meson_ver=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$SRC/meson.build" | head -n1)
deb_ver=$(sed -n '1s/^lnsd (\([^)]*\)).*/\1/p' "$SRC/drivers-config/debian/changelog")
[ -n "$meson_ver" ] && [ "$meson_ver" = "$deb_ver" ] ||
	die "version mismatch: meson.build says '$meson_ver', drivers-config/debian/changelog '$deb_ver'"

work=$(mktemp -d "${TMPDIR:-/tmp}/lnsd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/lnsd-$deb_ver
mkdir -p "$tree"

if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked and untracked-but-not-ignored files: what a commit of this tree holds
	git -C "$SRC" ls-files -z --cached --others --exclude-standard |
		(cd "$SRC" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$SRC" --null -T - -cf - | tar -C "$tree" -xf -
else
	tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' --exclude=./debian -cf - . |
		tar -C "$tree" -xf -
fi
rm -rf "$tree/debian"
cp -a "$SRC/drivers-config/debian" "$tree/debian"

# With CC="ccache gcc", paths under the (new each time) temporary tree hash alike.
export CCACHE_BASEDIR=$tree
opts="parallel=$jobs"
[ "$check" = 1 ] || opts="nocheck $opts"
echo "$PROG: building lnsd $deb_ver in $tree (DEB_BUILD_OPTIONS=$opts)"
(cd "$tree" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log" >&2
	die "dpkg-buildpackage failed (last lines above)"
}
debs=("$work"/lnsd_"$deb_ver"_*.deb)
[ -f "${debs[0]}" ] || die "dpkg-buildpackage made no lnsd_${deb_ver}_*.deb"
mv "${debs[@]}" "$outdir/"
for d in "${debs[@]}"; do echo "$PROG: $outdir/${d##*/}"; done
