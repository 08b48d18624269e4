# SPDX-License-Identifier: BSD-3-Clause
# Sourced by run.sh: session scale. lnsd provisions BENCH_SCALE_SESSIONS static
# sessions (1000 SA pairs and tunnels; sessions spread evenly over them),
# AES-GCM-128, 64-byte inner, upstream and downstream. Reports start-up time (exec to the first lnsctl answer),
# RSS, data-plane memory per session (RSS over the small bench config's, divided by
# the sessions) and Mpps with traffic on one session against traffic spread at
# random over all of them (131072 packets replayed).

NS=${BENCH_SCALE_SESSIONS:-1000000}
NT=1000
SP=$(( (NS + NT - 1) / NT ))
SD=$W/scale
mkdir -p "$SD"
scale_conf() { # OUT ACCESS CORE
	conf "$SRC/config/bench.yaml" "$1" "$2" "$3" 1 "
c['bench_mem'] = '6144'
g = c['static']['sas'][0]; g['count'] = $NT
c['static']['sas'] = [g]
c['static']['tunnels'] = [{'local-id': 1, 'peer-id': 1, 'sa': g['name'], 'count': $NT,
                           'sessions': $SP, 'pool': 'scale'}]
c['ppp']['pools'] = [{'name': 'scale', 'prefix': '10.0.0.0/11'}]
c['limits'].update({'max-tunnels': 4096, 'max-sessions': 1048576, 'max-sas': 4096,
                    'mbufs': 262144})
"
}
scale_conf "$SD/c0.yaml" x x
echo
echo "# session scale: $((NT * SP)) sessions over $NT tunnels/SA pairs, up, aes128gcm16, 64-byte inner"
"$TG" -c "$SD/c0.yaml" -o "$SD/one" -d up -s 64 -S 1 -n 65536 -q || exit 1
"$TG" -c "$SD/c0.yaml" -o "$SD/all" -d up -s 64 -r 131072 -q || exit 1
"$TG" -c "$SD/c0.yaml" -o "$SD/one" -d down -s 64 -S 1 -n 65536 -q || exit 1
"$TG" -c "$SD/c0.yaml" -o "$SD/all" -d down -s 64 -r 131072 -q || exit 1
# the small bench config, for the baseline RSS
conf "$SRC/config/bench.yaml" "$SD/small.yaml" "$(traffic_vdev "$SD/one/up-64.pcap" 1)" \
	"$(arp_vdev "$SD/one/arp-core.pcap" 1)" 1 "c['bench_mem'] = '6144'; c['limits']['mbufs'] = 262144"
# mscale CONF IN OUT NAME: one scale row, measured and verified like the others;
# sets NAME_m (Mpps or INVALID), NAME_up (start-up s), NAME_rss (KiB), NAME_d (drops)
mscale() {
	measure "$1" "$2" "$3"
	cp "$W/lnsd.json" "$SD/$4.json"
	printf -v "${4}_m" '%s' "$(jget "$W/lnsd.json" mpps)"
	printf -v "${4}_up" '%s' "$(jget "$W/lnsd.json" start_s)"
	printf -v "${4}_rss" '%s' "$(jget "$W/lnsd.json" rss_kb)"
	printf -v "${4}_d" '%s' "$(jget "$W/lnsd.json" drops)"
}
mscale "$SD/small.yaml" 0 1 small
scale_conf "$SD/one.yaml" "$(traffic_vdev "$SD/one/up-64.pcap" 1)" "$(arp_vdev "$SD/one/arp-core.pcap" 1)"
mscale "$SD/one.yaml" 0 1 one
scale_conf "$SD/all.yaml" "$(traffic_vdev "$SD/all/up-64.pcap" 1)" "$(arp_vdev "$SD/all/arp-core.pcap" 1)"
mscale "$SD/all.yaml" 0 1 all
scale_conf "$SD/done.yaml" "$(arp_vdev "$SD/one/arp-access.pcap" 1)" "$(traffic_vdev "$SD/one/down-64.pcap" 1)"
mscale "$SD/done.yaml" 1 0 done
scale_conf "$SD/dall.yaml" "$(arp_vdev "$SD/all/arp-access.pcap" 1)" "$(traffic_vdev "$SD/all/down-64.pcap" 1)"
mscale "$SD/dall.yaml" 1 0 dall
printf '%-34s %10s %10s %10s\n' "" "start s" "RSS MiB" "Mpps"
printf '%-34s %10.2f %10.1f %10s\n' "small config (64 sessions)" "$small_up" "$(echo "$small_rss / 1024" | bc -l)" "-"
printf '%-34s %10.2f %10.1f %10s  %s\n' "$((NT * SP)) sessions, traffic on 1" "$one_up" "$(echo "$one_rss / 1024" | bc -l)" "$(num "$one_m")" "$one_d"
printf '%-34s %10.2f %10.1f %10s  %s\n' "$((NT * SP)) sessions, random over all" "$all_up" "$(echo "$all_rss / 1024" | bc -l)" "$(num "$all_m")" "$all_d"
printf '%-34s %10s %10s %10s  %s\n' "  downstream, traffic on 1" - - "$(num "$done_m")" "$done_d"
printf '%-34s %10s %10s %10s  %s\n' "  downstream, random over all" - - "$(num "$dall_m")" "$dall_d"
for n in one all done dall; do
	note "scale $n" "$SD/$n.json"
	[ "$(jget "$SD/$n.json" sessions)" = "$((NT * SP))" ] ||
		echo "#   ! scale $n: lnsd carried $(jget "$SD/$n.json" sessions) sessions, not $((NT * SP))"
done
per=$(echo "($all_rss - $small_rss) * 1024 / ($NT * $SP)" | bc -l)
ratio=$(ratio "$all_m" "$one_m")
dratio=$(ratio "$dall_m" "$done_m")
printf 'memory per session %.0f bytes (RSS delta); random/one-session Mpps ratio up %s, down %s (target >= 0.80)\n' "$per" "$ratio" "$dratio"
"$PY" -c 'import json,sys
def f(x):
    try: return float(x)
    except ValueError: return None     # INVALID rows and their ratios
a = sys.argv[1:]
print(json.dumps({"scale_sessions": int(a[0]), "start_s": f(a[1]), "rss_kb": int(a[2]), "bytes_per_session": f(a[3]), "mpps_one": f(a[4]), "mpps_random": f(a[5]), "ratio": f(a[6]), "down_mpps_one": f(a[7]), "down_mpps_random": f(a[8]), "down_ratio": f(a[9])}))' \
	"$((NT * SP))" "$all_up" "$all_rss" "$per" "$one_m" "$all_m" "$ratio" "$done_m" "$dall_m" "$dratio" >>"$RES"
