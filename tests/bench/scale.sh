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
read -r _ up_small rss_small _ < <(measure "$SD/small.yaml" up_fwd)
scale_conf "$SD/one.yaml" "$(traffic_vdev "$SD/one/up-64.pcap" 1)" "$(arp_vdev "$SD/one/arp-core.pcap" 1)"
read -r m_one up_one rss_one d_one _ < <(measure "$SD/one.yaml" up_fwd)
scale_conf "$SD/all.yaml" "$(traffic_vdev "$SD/all/up-64.pcap" 1)" "$(arp_vdev "$SD/all/arp-core.pcap" 1)"
read -r m_all up_all rss_all d_all _ < <(measure "$SD/all.yaml" up_fwd)
scale_conf "$SD/done.yaml" "$(arp_vdev "$SD/one/arp-access.pcap" 1)" "$(traffic_vdev "$SD/one/down-64.pcap" 1)"
read -r dm_one _ _ dd_one _ < <(measure "$SD/done.yaml" down_fwd)
scale_conf "$SD/dall.yaml" "$(arp_vdev "$SD/all/arp-access.pcap" 1)" "$(traffic_vdev "$SD/all/down-64.pcap" 1)"
read -r dm_all _ _ dd_all _ < <(measure "$SD/dall.yaml" down_fwd)
printf '%-34s %10s %10s %10s\n' "" "start s" "RSS MiB" "Mpps"
printf '%-34s %10.2f %10.1f %10s\n' "small config (64 sessions)" "$up_small" "$(echo "$rss_small / 1024" | bc -l)" "-"
printf '%-34s %10.2f %10.1f %10.3f  %s\n' "$((NT * SP)) sessions, traffic on 1" "$up_one" "$(echo "$rss_one / 1024" | bc -l)" "$m_one" "$d_one"
printf '%-34s %10.2f %10.1f %10.3f  %s\n' "$((NT * SP)) sessions, random over all" "$up_all" "$(echo "$rss_all / 1024" | bc -l)" "$m_all" "$d_all"
printf '%-34s %10s %10s %10.3f  %s\n' "  downstream, traffic on 1" - - "$dm_one" "$dd_one"
printf '%-34s %10s %10s %10.3f  %s\n' "  downstream, random over all" - - "$dm_all" "$dd_all"
per=$(echo "($rss_all - $rss_small) * 1024 / ($NT * $SP)" | bc -l)
ratio=$(echo "if ($m_one > 0) $m_all / $m_one else 0" | bc -l)
dratio=$(echo "if ($dm_one > 0) $dm_all / $dm_one else 0" | bc -l)
printf 'memory per session %.0f bytes (RSS delta); random/one-session Mpps ratio up %.2f, down %.2f (target >= 0.70)\n' "$per" "$ratio" "$dratio"
"$PY" -c 'import json,sys; a=sys.argv[1:]; print(json.dumps({"scale_sessions": int(a[0]), "start_s": float(a[1]), "rss_kb": int(a[2]), "bytes_per_session": float(a[3]), "mpps_one": float(a[4]), "mpps_random": float(a[5]), "ratio": float(a[6]), "down_mpps_one": float(a[7]), "down_mpps_random": float(a[8]), "down_ratio": float(a[9])}))' \
	"$((NT * SP))" "$up_all" "$rss_all" "$per" "$m_one" "$m_all" "$ratio" "$dm_one" "$dm_all" "$dratio" >>"$RES"
