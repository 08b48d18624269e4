# SPDX-License-Identifier: BSD-3-Clause
# The lnsd config of the control-plane setup-rate bench, shared by
# tests/bench/setup-rate.sh and tests/integration/test_setuprate.sh. Source it after
# tests/integration/lib.sh (lns_init, lns_topology_up). Environment:
#   SR_MEM      EAL memory in MB (default 512; 100k sessions want ~2048)
#   SR_AUTH     pap or chap-md5 (default pap)
#   SR_LOG      log level (default notice: lifecycle lines at info would be 4 per
#               session; a real deployment may keep them, that costs write(2)s)
#
# One worker (lcore 1) and the control lcore (0), as DESIGN.md lays them out.
# Admission limits are raised: the generator is one source address opening
# thousands of tunnels a second, exactly what the defaults exist to refuse.
# A non-single-shot profile: the bench tears tunnels down itself (CDN, StopCCN).
sr_write_config() {
	local f=$1
	LNS_LIMITS_EXTRA="  max-tunnels: 65535
  max-sessions: 262144
  punt-ring-size: 8192
  event-log-size: 4096"
	lns_write_config "$f" "
log:
  level: ${SR_LOG:-notice}
l2tp:
  allow-nonsecure: true
  hello-interval: 60
  receive-window: 16
  admission:
    sccrq-rate: 100000
    sccrq-burst: 100000
    max-half-open: 1048576
    max-half-open-per-source: 65535
    icrq-rate: 1000000
    icrq-burst: 1000000
  destination-profiles:
    - name: bench
      allow-nonsecure: true
ppp:
  auth: [${SR_AUTH:-pap}]
  default-pool: bench
  pools:
    - name: bench
      prefix: 10.64.0.0/14
  users:
    - name: bench
      password: benchpass
"
	# lib.sh's config: more EAL memory and buffers for 100k sessions, and
	# af_packet rings of 8k frames instead of 512: a storm's bursts overflow
	# 512 within one scheduling slice of the worker on a shared machine, and
	# net_af_packet does not count those drops (the veth's RX count does)
	sed -i -e "s/^  - \"512\"$/  - \"${SR_MEM:-512}\"/" -e 's/^  mbufs: 8192$/  mbufs: 32768/' \
		-e 's/^\(  - --vdev=net_af_packet[0-9],iface=[^ ]*\)$/\1,framecnt=8192/' "$f"
	grep -q framecnt=8192 "$f" || { echo "sr_write_config: no af_packet vdev line to size" >&2; return 1; }
}
