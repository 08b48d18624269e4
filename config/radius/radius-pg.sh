#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A shared address pool and one session per user for several lnsd nodes:
# FreeRADIUS 3.2 (Debian freeradius, freeradius-postgresql) with rlm_sql
# accounting and rlm_sqlippool on PostgreSQL 15 (Debian postgresql).
# tests/integration/test_nodes.sh builds its servers with this script, so what
# it writes is what the test proves; docs/many-nodes.md explains the choices.
#
#   radius-pg.sh pg-init   DIR PGPORT             a private cluster in DIR/pg, started,
#                                                 database "radius" with the schemas
#   radius-pg.sh pg-stop   DIR
#   radius-pg.sh pool      DIR PGPORT POOL PREFIX COUNT   PREFIX.1 .. PREFIX.COUNT
#   radius-pg.sh user      DIR PGPORT USER PASSWORD POOL  (Simultaneous-Use := 1)
#   radius-pg.sh roamer    DIR PGPORT USER PASSWORD POOL  (a new login disconnects the old)
#   radius-pg.sh nas       DIR PGPORT NAS-IP DAS-ADDR DAS-PORT DAS-SECRET   (a node, for that)
#   radius-pg.sh raddb     DIR PGPORT AUTHPORT SECRET     DIR/raddb from /etc/freeradius/3.0
#                          (acct on AUTHPORT+1, inner-tunnel on AUTHPORT+2, loopback only)
#   radius-pg.sh start     DIR                    freeradius in the foreground (exec)
#
# A production server uses the packaged raddb and PostgreSQL cluster; the
# `raddb` step lists every change made to the packaged configuration.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
RADDB_SRC=${RADDB_SRC:-/etc/freeradius/3.0}
SQLDIR=$RADDB_SRC/mods-config/sql

die() { echo "radius-pg.sh: $*" >&2; exit 1; }
pg_env() { export PGHOST=$1/pg PGPORT=$2 PGUSER=postgres PGDATABASE=radius; }
# initdb and postgres refuse to run as root
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cmd=${1:-}; shift || true
case $cmd in
pg-init)
	[ $# = 2 ] || die "usage: pg-init DIR PGPORT"
	d=$1/pg
	install -d -o postgres -g postgres "$d"
	as_pg "$PGBIN/initdb" -D "$d/data" -A trust -U postgres --no-sync >"$d/initdb.log"
	# a socket in DIR only, no TCP: nothing else on the machine reaches it
	as_pg "$PGBIN/pg_ctl" -D "$d/data" -l "$d/pg.log" -w \
		-o "-p $2 -k $d -c listen_addresses='' -c fsync=off" start >/dev/null
	pg_env "$@"
	createdb radius
	psql -q -v ON_ERROR_STOP=1 -f "$SQLDIR/main/postgresql/schema.sql" \
		-f "$SQLDIR/ippool/postgresql/schema.sql" >/dev/null
	;;
pg-stop)
	[ $# = 1 ] || die "usage: pg-stop DIR"
	as_pg "$PGBIN/pg_ctl" -D "$1/pg/data" -m fast -w stop >/dev/null
	;;
pool)
	[ $# = 5 ] || die "usage: pool DIR PGPORT POOL PREFIX COUNT"
	pg_env "$1" "$2"
	psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO radippool (pool_name, framedipaddress)
		SELECT '$3', '$4.0'::inet + g FROM generate_series(1, $5) g"
	;;
user)
	[ $# = 5 ] || die "usage: user DIR PGPORT USER PASSWORD POOL"
	pg_env "$1" "$2"
	# radcheck: check items, which also set control attributes (Pool-Name for
	# sqlippool); Simultaneous-Use is counted on radacct by the session section
	psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO radcheck (username, attribute, op, value) VALUES
		('$3', 'Cleartext-Password', ':=', '$4'),
		('$3', 'Simultaneous-Use', ':=', '1'),
		('$3', 'Pool-Name', ':=', '$5')"
	;;
roamer)
	[ $# = 5 ] || die "usage: roamer DIR PGPORT USER PASSWORD POOL"
	pg_env "$1" "$2"
	psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO radcheck (username, attribute, op, value) VALUES
		('$3', 'Cleartext-Password', ':=', '$4'), ('$3', 'Pool-Name', ':=', '$5')"
	;;
nas)
	[ $# = 6 ] || die "usage: nas DIR PGPORT NAS-IP DAS-ADDR DAS-PORT DAS-SECRET"
	pg_env "$1" "$2"
	psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO nas (nasname, shortname, server, ports, secret)
		VALUES ('$3', '$3', '$4', $5, '$6')"
	;;
raddb)
	[ $# = 4 ] || die "usage: raddb DIR PGPORT AUTHPORT SECRET"
	d=$1 pgp=$2 p=$3 secret=$4 r=$1/raddb
	mkdir -p "$d/log" "$d/run"
	cp -a "$RADDB_SRC" "$r"
	# a private instance: its own paths, not the freerad user (it could not
	# write DIR), no stock listeners (they would collide with another instance)
	sed -i -e "s|^raddbdir = .*|raddbdir = $r|" -e "s|^logdir = .*|logdir = $d/log|" \
		-e "s|^run_dir = .*|run_dir = $d/run|" \
		-e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' "$r/radiusd.conf"
	(cd "$r/sites-enabled" && rm -f default inner-tunnel &&
		sed '/^listen {/,/^}/d' ../sites-available/default >default &&
		sed "s/port = 18120/port = $((p + 2))/" ../sites-available/inner-tunnel >inner-tunnel &&
		printf 'listen {\n\ttype = %s\n\tipaddr = 127.0.0.1\n\tport = %s\n\tvirtual_server = default\n}\n' \
			auth "$p" acct "$((p + 1))" >listen)
	printf 'client lo {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n}\n' "$secret" >"$r/clients.conf"
	# rlm_sql on PostgreSQL: users (radcheck), accounting (radacct), Accounting-On
	# (nasreload, which simul_count_query honours)
	sed -i -e 's/^\tdialect = "sqlite"/\tdialect = "postgresql"/' \
		-e 's/^\tdriver = "rlm_sql_null"/\tdriver = "rlm_sql_postgresql"/' \
		-e "s|^\tradius_db = \"radius\"|\tradius_db = \"dbname=radius host=$d/pg port=$pgp user=postgres\"|" \
		"$r/mods-available/sql"
	# Simultaneous-Use from radacct alone: no simul_verify_query, so no checkrad
	# (it cannot ask an lnsd node; a stale row is closed by the node's Stop or
	# Accounting-On instead)
	sed -i '/^simul_verify_query = "/,/[^\\]"$/d' "$r/mods-config/sql/main/postgresql/queries.conf"
	# rlm_sqlippool: the lease key is NAS-IP-Address + NAS-Port (lnsd sends a
	# NAS-Port unique among the node's live sessions); lease_duration bounds how
	# long a lease of a node that never comes back stays taken (Interim-Updates
	# renew live ones: keep Acct-Interim-Interval well below it)
	sed -i -e 's/^\tdialect = "mysql"/\tdialect = "postgresql"/' \
		-e "s/^\tlease_duration = .*/\tlease_duration = ${LEASE_DURATION:-3600}/" \
		"$r/mods-available/sqlippool"
	ln -s ../mods-available/sql ../mods-available/sqlippool "$r/mods-enabled/"
	# sqlippool in accounting (Start/Interim renew, Stop frees, Accounting-On
	# frees the node's leases) and post-auth (allocates); sql in session
	# (Simultaneous-Use); -sql in authorize/accounting/post-auth is already on
	sed -i 's/^#\tsqlippool$/\tsqlippool/; s/^#\tsql$/\tsql/' "$r/sites-enabled/default"
	# the "newest login wins" policy for users without Simultaneous-Use: after
	# the Accept, Disconnect-Request their sessions still open on any node
	printf 'exec disconnect_old {\n\twait = no\n\tshell_escape = yes\n\tprogram = "%s %s %s %%{User-Name} %%{Acct-Session-Id}"\n}\n' \
		"$(cd "$(dirname "$0")" && pwd)/disconnect-old.sh" "$d/pg" "$pgp" >"$r/mods-enabled/disconnect_old"
	sed -i '0,/^post-auth {/s//post-auth {\n\tif (!\&control:Simultaneous-Use) {\n\t\tdisconnect_old\n\t}/' \
		"$r/sites-enabled/default"
	# Acct-Interim-Interval for every Accept (lnsd renews the lease with it)
	printf 'DEFAULT\n\tAcct-Interim-Interval = %s,\n\tFall-Through = Yes\n\n' \
		"${INTERIM:-300}" | cat - "$r/mods-config/files/authorize" >"$r/authorize.new"
	mv "$r/authorize.new" "$r/mods-config/files/authorize"
	;;
start)
	[ $# = 1 ] || die "usage: start DIR"
	exec freeradius -f -d "$1/raddb" -l "$1/log/radius.log"
	;;
*)
	sed -n '3,20p' "$0" >&2
	exit 2
	;;
esac
