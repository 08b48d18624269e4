#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Debian package, end to end on this machine: drivers-config/build-deb.sh builds
# lnsd_*.deb; `apt-get install ./lnsd_*.deb` installs it without starting anything;
# the files land where the units and man pages say; `systemd-analyze verify` accepts
# both units; the installed lnsd validates the installed example configuration, then
# runs on af_packet veths with only the capabilities lnsd.service leaves it (and
# fails without CAP_NET_RAW, so the restriction is real), logs with journal
# priorities when its stderr is "the journal", and answers the installed lnsctl;
# reinstalling keeps an edited /etc/lnsd/lnsd.yaml; `apt-get purge` leaves nothing.
#
# It changes the machine (/usr/bin, /etc, /lib/systemd), so: it refuses to run when
# an lnsd package is already installed (not ours to remove), one run at a time
# (flock), and the package is purged on every exit. Other tests use their build
# directories, never /usr/bin/lnsd. Registered only in the build without
# sanitizers (tests/integration/meson.build): one package build per CI run.
. "$(dirname "$0")/lib.sh"
# lns_init wants an lnsd binary; the installed one does not exist yet.
LNSD=/bin/true
LNSCTL=/usr/bin/lnsctl
lns_init deb

APT=(apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
export DEBIAN_FRONTEND=noninteractive
installed=0

deb_cleanup() {
	local rc=$?
	if [ -n "$LNS_PID" ] && kill -0 "$LNS_PID" 2>/dev/null; then
		kill -TERM "$LNS_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$LNS_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$LNS_PID" 2>/dev/null
	fi
	if [ "$installed" = 1 ] && dpkg-query -W -f='${db:Status-Status}' lnsd 2>/dev/null |
		grep -qv '^not-installed$'; then
		"${APT[@]}" purge lnsd </dev/null >"$LNS_WORK/purge-trap.log" 2>&1 ||
			{ echo "test_deb: purge in the trap failed:"; cat "$LNS_WORK/purge-trap.log"; }
	fi
	return "$rc"
}
trap 'deb_cleanup; lns_cleanup' EXIT

exec 9>/run/lock/lnsd-test-deb.lock
flock -w 900 9 || { lns_fail "another test_deb holds /run/lock/lnsd-test-deb.lock"; exit 1; }
if dpkg-query -W -f='${db:Status-Status}' lnsd 2>/dev/null | grep -qv '^not-installed$'; then
	lns_fail "an lnsd package is already installed here; this test installs and purges its own"
	exit 1
fi
for t in dpkg-buildpackage dh systemd-analyze setpriv man; do
	command -v "$t" >/dev/null || { lns_fail "missing $t: run drivers-config/install-deps.sh"; exit 1; }
done

# ---- build
t0=$(date +%s)
# ccache, when there is one, makes the next CI run's package build quick
command -v ccache >/dev/null && export CC="ccache gcc"
if ! "$LNS_SRC/drivers-config/build-deb.sh" -o "$LNS_WORK/deb" >"$LNS_WORK/build.log" 2>&1; then
	cat "$LNS_WORK/build.log"
	lns_fail "drivers-config/build-deb.sh builds the package"
	exit 1
fi
debs=("$LNS_WORK"/deb/lnsd_*_amd64.deb)
deb=${debs[0]}
lns_check "build-deb.sh made ${deb##*/} ($(( $(date +%s) - t0 )) s)" [ -f "$deb" ]
lns_check "Depends names the DPDK plugins EAL loads (vdev bus, af_packet, mempool ring)" \
	sh -c "dpkg-deb -f '$deb' Depends | grep -q librte-bus-vdev23 &&
	       dpkg-deb -f '$deb' Depends | grep -q librte-net-af-packet23 &&
	       dpkg-deb -f '$deb' Depends | grep -q librte-mempool-ring23 &&
	       dpkg-deb -f '$deb' Depends | grep -q libipsec-mb"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles >"$LNS_WORK/conffiles"
lns_check "conffiles are /etc/lnsd/lnsd.yaml and /etc/default/lnsd-dpdk" \
	[ "$(sort "$LNS_WORK/conffiles" | tr '\n' ' ')" = "/etc/default/lnsd-dpdk /etc/lnsd/lnsd.yaml " ]

# ---- install (apt resolves the dependencies; nothing may start)
installed=1
if ! (cd "$LNS_WORK/deb" && "${APT[@]}" install "./${deb##*/}" </dev/null) \
	>"$LNS_WORK/install.log" 2>&1; then
	cat "$LNS_WORK/install.log"
	lns_fail "apt-get install ./${deb##*/}"
	exit 1
fi
lns_pass "apt-get install ./${deb##*/}"
dpkg -L lnsd >"$LNS_WORK/files"

running_installed() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = /usr/bin/lnsd ] && return 0
	done
	return 1
}
if running_installed; then lns_fail "installing started no lnsd"; else lns_pass "installing started no lnsd"; fi

for f in /usr/bin/lnsd /usr/bin/lnsctl /usr/bin/lns-trafgen \
	/usr/libexec/lnsd/hugepages.sh /usr/libexec/lnsd/bind-nic.sh; do
	lns_check "$f installed, executable" [ -x "$f" ]
done
for f in /lib/systemd/system/lnsd.service /lib/systemd/system/lnsd-dpdk-setup.service \
	/etc/default/lnsd-dpdk /usr/share/lnsd/profiles/af_packet.yaml \
	/usr/share/lnsd/profiles/i40e.yaml; do
	lns_check "$f installed" [ -f "$f" ]
done
lns_check "/etc/lnsd/lnsd.yaml is root's, mode 0640 (it holds secrets)" \
	[ "$(stat -c '%U:%G %a' /etc/lnsd/lnsd.yaml)" = "root:root 640" ]
lns_check "/etc/lnsd/lnsd.yaml is the documented reference" \
	cmp -s /etc/lnsd/lnsd.yaml "$LNS_SRC/config/lnsd.yaml"
for m in "8 lnsd" "8 lnsctl" "5 lnsd.yaml"; do
	lns_check "man $m is installed" sh -c "man -w $m | grep -q '^/usr/share/man/'"
done
lns_check "no library of the installed binaries is missing" \
	sh -c '! ldd /usr/bin/lnsd /usr/bin/lnsctl /usr/bin/lns-trafgen | grep -q "not found"'
# The package's lnsd looks for profiles in /usr/share/lnsd/profiles only, not in the
# temporary tree it was built in (a root daemon must not search such a path).
sed 's/profile: i40e/profile: nosuchprofile/' /etc/lnsd/lnsd.yaml >"$LNS_WORK/badprof.yaml"
/usr/bin/lnsd --check -c "$LNS_WORK/badprof.yaml" >"$LNS_WORK/badprof.log" 2>&1
lns_check "the installed lnsd searches /usr/share/lnsd/profiles and nothing else" \
	grep -q 'no nosuchprofile.yaml in /usr/share/lnsd/profiles$' "$LNS_WORK/badprof.log"
lns_check "lnsd.service runs the installed binary on the installed config" \
	grep -qx 'ExecStart=/usr/bin/lnsd -c /etc/lnsd/lnsd.yaml' /lib/systemd/system/lnsd.service
lns_check "lnsd.service reloads with the installed lnsctl" \
	grep -qx 'ExecReload=/usr/bin/lnsctl reload' /lib/systemd/system/lnsd.service
lns_check "lnsd-dpdk-setup.service runs the installed helpers" \
	sh -c 'grep -q "exec /usr/libexec/lnsd/hugepages.sh setup" /lib/systemd/system/lnsd-dpdk-setup.service &&
	       grep -q "exec /usr/libexec/lnsd/bind-nic.sh" /lib/systemd/system/lnsd-dpdk-setup.service &&
	       grep -qx "EnvironmentFile=/etc/default/lnsd-dpdk" /lib/systemd/system/lnsd-dpdk-setup.service'
lns_check "neither unit is enabled" \
	sh -c '! ls /etc/systemd/system/*.wants/lnsd*.service 2>/dev/null | grep -q .'

# systemd-analyze verify exits 0 on unknown keys but prints them: both must hold
# (it also checks that ExecStart binaries exist and the man pages of Documentation=).
# It loads the units ours pull in too: what it says about other packages' units
# (this machine has some) is not ours.
systemd-analyze verify /lib/systemd/system/lnsd.service \
	/lib/systemd/system/lnsd-dpdk-setup.service >"$LNS_WORK/verify.log" 2>&1
rc=$?
if [ "$rc" = 0 ] && ! grep -q lnsd "$LNS_WORK/verify.log"; then
	lns_pass "systemd-analyze verify accepts both units"
else
	cat "$LNS_WORK/verify.log"
	lns_fail "systemd-analyze verify accepts both units"
fi

systemd-analyze security --offline=yes /lib/systemd/system/lnsd.service \
	>"$LNS_WORK/security.log" 2>&1
lns_log "$(tail -n 1 "$LNS_WORK/security.log")"
lns_check "systemd-analyze security rates lnsd.service OK or better (exposure < 5.0)" \
	"$PY" -c 'import re, sys
m = re.search(r"exposure level for lnsd.service: ([0-9.]+)", open(sys.argv[1]).read())
sys.exit(not (m and float(m.group(1)) < 5.0))' "$LNS_WORK/security.log"

# ---- the installed lnsd and lnsctl
lns_check "installed lnsd --check accepts the installed /etc/lnsd/lnsd.yaml" \
	/usr/bin/lnsd --check -c /etc/lnsd/lnsd.yaml
lns_check "installed lnsctl knows its commands" sh -c '/usr/bin/lnsctl --list-commands | grep -q "^show stats"'

# Run it as lnsd.service would: only the unit's capability bounding set, no new
# privileges (setpriv applies what systemd would).
caps=$(sed -n 's/^CapabilityBoundingSet=//p' /lib/systemd/system/lnsd.service)
setpriv_caps=$(printf '%s\n' $caps | tr 'A-Z' 'a-z' | sed 's/^cap_/+/' | paste -sd, -)
lns_check "lnsd.service keeps a capability bounding set ($setpriv_caps)" [ -n "$setpriv_caps" ]
mk_wrapper() {  # mk_wrapper FILE CAPS
	printf '#!/bin/sh\nexec setpriv --bounding-set -all,%s --inh-caps -all --no-new-privs /usr/bin/lnsd "$@"\n' \
		"$2" >"$1"
	chmod +x "$1"
}
lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml" "
log:
  level: info
"
# Without CAP_NET_RAW the af_packet ports cannot open: the bounding set is enforced.
mk_wrapper "$LNS_WORK/lnsd-noraw" "$(printf '%s' "$setpriv_caps" | sed 's/+net_raw,\{0,1\}//; s/,$//')"
timeout 60 "$LNS_WORK/lnsd-noraw" -c "$LNS_WORK/lnsd.yaml" >"$LNS_WORK/noraw.log" 2>&1
rc=$?
lns_check "without CAP_NET_RAW the installed lnsd fails to start (exit 2, got $rc)" [ "$rc" = 2 ]
rm -rf "/var/run/dpdk/$LNS_PREFIX"

mk_wrapper "$LNS_WORK/lnsd-unit" "$setpriv_caps"
LNSD=$LNS_WORK/lnsd-unit
# stderr "is the journal": JOURNAL_STREAM names its device and inode, as systemd does
: >"$LNS_WORK/lnsd.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$LNS_WORK/lnsd.log")
export JOURNAL_STREAM
lns_start "$LNS_WORK/lnsd.yaml" || exit 1
unset JOURNAL_STREAM
lns_check "installed lnsd answers ping on its access port" \
	ip netns exec "$LNS_NS_ACC" ping -c 2 -i 0.2 -W 2 -q "$LNS_ACC_ADDR"
lns_check "installed lnsctl reads its counters" lns_wait_stat counters.icmp_echo_out 2
lns_check "installed lnsctl lists tunnels and SAs (none)" \
	sh -c "/usr/bin/lnsctl --file-prefix $LNS_PREFIX show tunnels >/dev/null &&
	       /usr/bin/lnsctl --file-prefix $LNS_PREFIX show sa >/dev/null"
lns_check "installed lnsctl changes a log level" \
	sh -c "/usr/bin/lnsctl --file-prefix $LNS_PREFIX set log l2tp debug >/dev/null &&
	       /usr/bin/lnsctl --file-prefix $LNS_PREFIX --json show log | grep -q '\"l2tp\": *\"debug\"'"
lns_stop_expect 0
# <5> notice: the start and stop events; every line carries a priority
lns_check "under the journal, lnsd's start line has priority <5> (notice)" \
	grep -q '^<5>lnsd: event=start' "$LNS_WORK/lnsd.log"
lns_check "under the journal, every log line starts with <0>..<7>" \
	sh -c "! grep -v '^<[0-7]>' '$LNS_WORK/lnsd.log' | grep -q ."

# ---- reinstall: an edited conffile is kept
echo "# edited by test_deb" >>/etc/lnsd/lnsd.yaml
if (cd "$LNS_WORK/deb" && "${APT[@]}" install --reinstall "./${deb##*/}" </dev/null) \
	>"$LNS_WORK/reinstall.log" 2>&1; then
	lns_check "reinstalling keeps the operator's /etc/lnsd/lnsd.yaml" \
		grep -qx '# edited by test_deb' /etc/lnsd/lnsd.yaml
else
	cat "$LNS_WORK/reinstall.log"
	lns_fail "apt-get install --reinstall (no conffile prompt)"
fi

# ---- purge: nothing left
if "${APT[@]}" purge lnsd </dev/null >"$LNS_WORK/purge.log" 2>&1; then
	lns_pass "apt-get purge lnsd"
else
	cat "$LNS_WORK/purge.log"
	lns_fail "apt-get purge lnsd"
fi
left=()
while read -r f; do
	[ -d "$f" ] && continue  # shared directories (and /lib -> usr/lib) stay
	{ [ -e "$f" ] || [ -L "$f" ]; } && left+=("$f")
done <"$LNS_WORK/files"
lns_check "every file dpkg -L listed is gone (${#left[@]} left: ${left[*]:-none})" [ "${#left[@]}" = 0 ]
for d in /etc/lnsd /usr/libexec/lnsd /usr/share/lnsd /usr/share/doc/lnsd; do
	lns_check "$d is gone" [ ! -e "$d" ]
done
lns_check "/etc/default/lnsd-dpdk is gone" [ ! -e /etc/default/lnsd-dpdk ]
lns_check "dpkg no longer knows lnsd" \
	sh -c "! dpkg-query -W -f='\${db:Status-Status}' lnsd 2>/dev/null | grep -qv '^not-installed$'"
installed=0

lns_finish
