#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `meson install` into a scratch DESTDIR: every file a server needs lands where the
# configured directories say, the units name those paths (nothing left unfilled),
# and a second install keeps an edited configuration file.
#
#   test_install.sh BUILDDIR BINDIR LIBEXECDIR SYSCONFDIR UNITDIR DATADIR MANDIR
set -u
build=$1 bindir=$2 libexecdir=$3 sysconfdir=$4 unitdir=$5 datadir=$6 mandir=$7
d=$(mktemp -d "${TMPDIR:-/tmp}/lnsd-test-install.XXXXXX")
trap 'rm -rf "$d"' EXIT
pass=0 fail=0
check() {
	local what=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "PASS: $what"; else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
install_once() {
	meson install -C "$build" --no-rebuild --destdir "$d" >"$d.log" 2>&1 ||
		{ cat "$d.log"; rm -f "$d.log"; echo "FAIL: meson install"; exit 1; }
	rm -f "$d.log"
}
install_once
for f in "$bindir/lnsd" "$bindir/lnsctl" "$bindir/lns-trafgen" \
	"$libexecdir/lnsd/hugepages.sh" "$libexecdir/lnsd/bind-nic.sh"; do
	check "$f installed, executable" [ -x "$d$f" ]
done
for f in "$unitdir/lnsd.service" "$unitdir/lnsd-dpdk-setup.service" \
	"$sysconfdir/default/lnsd-dpdk" "$datadir/lnsd/profiles/af_packet.yaml" \
	"$mandir/man8/lnsd.8" "$mandir/man8/lnsctl.8" "$mandir/man5/lnsd.yaml.5"; do
	check "$f installed" [ -f "$d$f" ]
done
check "$sysconfdir/lnsd/lnsd.yaml installed with mode 0640" \
	[ "$(stat -c %a "$d$sysconfdir/lnsd/lnsd.yaml" 2>/dev/null)" = 640 ]
check "no @VARIABLE@ left in the units" \
	sh -c "! grep -q '@[A-Z]*@' '$d$unitdir/lnsd.service' '$d$unitdir/lnsd-dpdk-setup.service'"
check "lnsd.service starts $bindir/lnsd on $sysconfdir/lnsd/lnsd.yaml" \
	grep -qx "ExecStart=$bindir/lnsd -c $sysconfdir/lnsd/lnsd.yaml" "$d$unitdir/lnsd.service"
check "lnsd.service reloads with $bindir/lnsctl reload" \
	grep -qx "ExecReload=$bindir/lnsctl reload" "$d$unitdir/lnsd.service"
check "lnsd-dpdk-setup.service runs the helpers where they were installed" \
	sh -c "grep -q 'exec $libexecdir/lnsd/hugepages.sh' '$d$unitdir/lnsd-dpdk-setup.service' &&
	       grep -q 'exec $libexecdir/lnsd/bind-nic.sh' '$d$unitdir/lnsd-dpdk-setup.service' &&
	       grep -qx 'EnvironmentFile=$sysconfdir/default/lnsd-dpdk' '$d$unitdir/lnsd-dpdk-setup.service'"
check "the installed lnsd.yaml(5) names the installed configuration path" \
	grep -q "^\.B $(printf '%s' "$sysconfdir/lnsd/lnsd.yaml" | sed 's/-/\\\\-/g')\$" "$d$mandir/man5/lnsd.yaml.5"

# the operator's edits survive a second install, of both files
echo "# edited" >>"$d$sysconfdir/lnsd/lnsd.yaml"
echo "# edited" >>"$d$sysconfdir/default/lnsd-dpdk"
install_once
check "a second meson install keeps the edited lnsd.yaml" \
	grep -qx "# edited" "$d$sysconfdir/lnsd/lnsd.yaml"
check "a second meson install keeps the edited /etc/default/lnsd-dpdk" \
	grep -qx "# edited" "$d$sysconfdir/default/lnsd-dpdk"
check "the binaries are installed again nonetheless" [ -x "$d$bindir/lnsd" ]

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
