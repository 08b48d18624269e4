# SPDX-License-Identifier: BSD-3-Clause
# FreeRADIUS 3.2 for integration tests: private instances on loopback (see
# ../shared/PEERS.md) and readers of their accounting detail files. Source after
# lib.sh, with W set to the work directory:
#
#   RAD_USERS=... rad_setup NAME PORT     # $W/NAME: auth PORT, acct PORT+1
#   rad_start NAME; rad_pid NAME
#   DETAILS="$W/NAME/log/detail ..."; acct_rec SESSION_ID STATUS; wait_acct SID STATUS [SECS]
#   jfield JSON KEY

# ---------------------------------------------------------------- FreeRADIUS
# Three consecutive free UDP ports per instance (auth, acct, inner-tunnel).
free_udp3() {
	"$PY" -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000, 4)
    ok = True
    for q in (p, p + 1, p + 2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", q))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p); break'
}

# rad_setup NAME PORT: a private instance in $W/NAME (detail file $W/NAME/log/detail),
# secret radsecret, its users file $RAD_USERS
rad_setup() {
	local n=$1 p=$2 d=$W/$1 r
	r=$d/raddb
	mkdir -p "$d/log" "$d/run"
	cp -a /etc/freeradius/3.0 "$r"
	sed -i -e "s|^raddbdir = .*|raddbdir = $r|" -e "s|^logdir = .*|logdir = $d/log|" \
		-e "s|^run_dir = .*|run_dir = $d/run|" \
		-e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' "$r/radiusd.conf"
	(cd "$r/sites-enabled" && rm -f default inner-tunnel &&
		sed '/^listen {/,/^}/d' ../sites-available/default >default &&
		sed "s/port = 18120/port = $((p + 2))/" ../sites-available/inner-tunnel >inner-tunnel &&
		printf 'listen {\n\ttype = %s\n\tipaddr = 127.0.0.1\n\tport = %s\n\tvirtual_server = default\n}\n' \
			auth "$p" acct "$((p + 1))" >listen)
	sed -i "s|^\tfilename = .*|\tfilename = $d/log/detail|" "$r/mods-available/detail"
	printf 'client lo {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n}\n' "radsecret" >"$r/clients.conf"
	# the slow-server switch: an exec module that sleeps $d/delay seconds
	printf '#!/bin/sh\nexec sleep "$(cat %s/delay 2>/dev/null || echo 0)"\n' "$d" >"$d/slow.sh"
	chmod +x "$d/slow.sh"
	printf 'exec slow {\n\twait = yes\n\tprogram = "%s/slow.sh"\n\ttimeout = 20\n}\n' "$d" \
		>"$r/mods-enabled/slow"
	sed -i '0,/^authorize {/s//authorize {\n\tslow/' "$r/sites-enabled/default"
	printf '%s\n' "$RAD_USERS" >"$r/mods-config/files/authorize"
	eval "RAD_PORT_$n=$p"
}

rad_start() {
	local n=$1 d=$W/$1 p
	eval "p=\$RAD_PORT_$n"
	freeradius -f -d "$d/raddb" -l "$d/log/radius.log" >"$d/stdout.log" 2>&1 &
	eval "RAD_PID_$n=$!"
	LNS_BG_PIDS+=("$!")
	for _ in $(seq 100); do
		ss -lun | grep -q "127.0.0.1:$p " && return 0
		sleep 0.1
	done
	lns_log "FreeRADIUS $n did not listen on $p: $(tail -5 "$d/log/radius.log" "$d/stdout.log")"
	return 1
}
rad_pid() { eval "echo \$RAD_PID_$1"; }

# detail NAME: the accounting records as JSON lines (one per record)
detail_json() {
	"$PY" - "$@" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    try:
        text = open(path).read()
    except OSError:
        continue
    for block in text.split("\n\n"):
        rec = {}
        for line in block.splitlines():
            if line.startswith("\t") and " = " in line:
                k, v = line.strip().split(" = ", 1)
                rec[k] = v.strip('"')
        if rec:
            print(json.dumps(rec))
EOF
}
# acct_rec SESSION_ID STATUS: the record (JSON) of that session with that status
acct_rec() { detail_json $DETAILS | "$PY" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("Acct-Session-Id") == sys.argv[1] and r.get("Acct-Status-Type") == sys.argv[2]:
        print(l.strip()); break' "$1" "$2"; }
wait_acct() {
	for _ in $(seq $((${3:-10} * 10))); do
		[ -n "$(acct_rec "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}
jfield() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }

