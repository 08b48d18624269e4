#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Where lnsd's log lines go besides stderr and log.file:
#  - stderr that is the journal (systemd sets JOURNAL_STREAM to its device:inode):
#    each line starts with its syslog priority, <5> for notice (sd-daemon(3));
#  - JOURNAL_STREAM set but stderr elsewhere (a redirect): plain lines;
#  - --syslog: datagrams to /dev/log, facility daemon (<29> = daemon.notice), read
#    here by a listener on a /dev/log of this test's own (a private mount namespace,
#    so the machine's /dev stays untouched).
. "$(dirname "$0")/lib.sh"
lns_init logsink
lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml" "
log:
  level: info
"
REAL_LNSD=$LNSD

# ---- the journal
: >"$LNS_WORK/lnsd.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$LNS_WORK/lnsd.log") lns_start "$LNS_WORK/lnsd.yaml" || exit 1
lns_ctl set log l2tp debug >/dev/null
lns_stop_expect 0
lns_check "journal: the start event is a notice line, <5>" \
	grep -q '^<5>lnsd: event=start' "$LNS_WORK/lnsd.log"
lns_check "journal: the stop event too" grep -q '^<5>lnsd: event=stop' "$LNS_WORK/lnsd.log"
lns_check "journal: every line carries a priority <0>..<7>" \
	sh -c "! grep -v '^<[0-7]>' '$LNS_WORK/lnsd.log' | grep -q ."
cp "$LNS_WORK/lnsd.log" "$LNS_WORK/journal.log"

# ---- JOURNAL_STREAM inherited, but stderr is a file: not the journal
: >"$LNS_WORK/other"
JOURNAL_STREAM=$(stat -c '%d:%i' "$LNS_WORK/other") lns_start "$LNS_WORK/lnsd.yaml" || exit 1
lns_stop_expect 0
lns_check "stderr redirected elsewhere: plain lines, no priority prefix" \
	sh -c "grep -q '^lnsd: event=start' '$LNS_WORK/lnsd.log' && ! grep -q '^<[0-7]>' '$LNS_WORK/lnsd.log'"

# ---- syslog
cat >"$LNS_WORK/listen.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
open(sys.argv[1] + '.ready', 'w').close()
with open(sys.argv[1], 'ab', buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b'\n', b' ') + b'\n')
PYEOF
# The wrapper builds a /dev of its own in a tmpfs next to the real one (bind mounts
# of the few nodes lnsd opens), puts a listening /dev/log in it, moves it over /dev
# in a private mount namespace, and execs lnsd --syslog there.
cat >"$LNS_WORK/lnsd-syslog" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c '
set -e
nd=$LNS_WORK/newdev
mkdir -p "\$nd"
mount -t tmpfs -o mode=755 tmpfs "\$nd"
for n in null zero full random urandom; do touch "\$nd/\$n"; mount --bind "/dev/\$n" "\$nd/\$n"; done
for n in shm hugepages; do
	[ -d "/dev/\$n" ] || continue
	mkdir "\$nd/\$n"; mount --rbind "/dev/\$n" "\$nd/\$n"
done
$PY $LNS_WORK/listen.py $LNS_WORK/syslog "\$nd/log" &
for i in \$(seq 100); do [ -e $LNS_WORK/syslog.ready ] && break; sleep 0.05; done
mount --move "\$nd" /dev
exec $REAL_LNSD --syslog "\$@"
' lnsd-syslog "\$@"
EOF
chmod +x "$LNS_WORK/lnsd-syslog"
LNSD=$LNS_WORK/lnsd-syslog
lns_start "$LNS_WORK/lnsd.yaml" || exit 1
lns_check "the machine's /dev is untouched (no /dev/log appeared)" \
	sh -c "[ ! -e /dev/log ] || ! [ /dev/log -ef '$LNS_WORK/newdev/log' ]"
lns_stop_expect 0
sleep 0.3
lns_check "syslog: the start event as daemon.notice (<29>), tagged lnsd[PID]" \
	grep -q '^<29>.* lnsd\[[0-9]*\]: lnsd: event=start' "$LNS_WORK/syslog"
lns_check "syslog: the stop event too" grep -q '^<29>.*lnsd: event=stop' "$LNS_WORK/syslog"
lns_check "syslog: DPDK's own lines go there too (EAL)" grep -q 'EAL: ' "$LNS_WORK/syslog"
lns_check "syslog: one record per line (as many records as the journal run had lines, +-5)" \
	sh -c "a=\$(wc -l <'$LNS_WORK/syslog'); b=\$(wc -l <'$LNS_WORK/journal.log');
	       [ \$((a - b)) -le 5 ] && [ \$((b - a)) -le 5 ]"
lns_check "syslog: nothing from rte_log on stderr" \
	sh -c "! grep -q 'event=' '$LNS_WORK/lnsd.log'"
lns_finish
