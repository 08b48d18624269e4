#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The "newest login wins" policy (docs/many-nodes.md): run by FreeRADIUS
# (exec disconnect_old, post-auth) for an accepted user without
# Simultaneous-Use; sends a Disconnect-Request (RFC 5176) for every session of
# that user still open in radacct to the lnsd node that holds it. The nas table
# is the directory of nodes: nasname = the node's NAS-IP-Address, server and
# ports = its das-address and das-port, secret = its das-clients secret.
#   disconnect-old.sh PGHOST PGPORT USER ACCT-SESSION-ID
# (the new session's own id, from the Access-Request: its Start may already be in)
export PGHOST="$1" PGPORT="$2" PGUSER=postgres PGDATABASE=radius
user=$3 new=$4
echo "SELECT a.acctsessionid, n.server, n.ports, n.secret FROM radacct a
	JOIN nas n ON n.nasname = host(a.nasipaddress)
	WHERE a.username = :'u' AND a.acctsessionid <> :'s' AND a.acctstoptime IS NULL" |
psql -qAt -F ' ' -v u="$user" -v s="$new" |
while read -r sid addr port secret; do
	printf 'User-Name = "%s"\nAcct-Session-Id = "%s"\nMessage-Authenticator = 0x00\n' \
		"$user" "$sid" | radclient -r 2 -t 2 "$addr:$port" disconnect "$secret"
done
