-- SPDX-License-Identifier: BSD-3-Clause
-- Pktgen-DPDK rate sweep against lnsd (see README.md in this folder).
--
-- Pktgen sends the pcap loaded on TX_PORT (pktgen -s TX_PORT:FILE, made by
-- lns-trafgen) at each rate step, and counts what lnsd forwards back on RX_PORT
-- (lnsd's other port, cabled back to the generator). Writes one CSV row per step:
-- offered vs forwarded Mpps and Gbps, and loss.
--
-- Settings come from the environment so the one script serves both directions:
--   LNSD_TX_PORT (0)  LNSD_RX_PORT (1)  LNSD_CSV (lnsd-sweep.csv)
--   LNSD_RATES ("10,20,30,40,50,60,70,80,90,100", percent of line rate)
--   LNSD_STEP_MS (5000: measured window per step)  LNSD_SETTLE_MS (1000)

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then return default end
	return v
end

local tx = tonumber(env("LNSD_TX_PORT", "0"))
local rx = tonumber(env("LNSD_RX_PORT", "1"))
local csv_path = env("LNSD_CSV", "lnsd-sweep.csv")
local step_ms = tonumber(env("LNSD_STEP_MS", "5000"))
local settle_ms = tonumber(env("LNSD_SETTLE_MS", "1000"))
local rates = {}
for r in string.gmatch(env("LNSD_RATES", "10,20,30,40,50,60,70,80,90,100"), "[^,]+") do
	rates[#rates + 1] = tonumber(r)
end

-- Counters of one port: packets and bytes each way (portStats returns a table
-- indexed by port number).
local function counters(port)
	local s = pktgen.portStats(tostring(port), "port")[port]
	return { ipackets = s.ipackets, opackets = s.opackets,
	         ibytes = s.ibytes, obytes = s.obytes }
end

local f = assert(io.open(csv_path, "w"))
f:write("rate_pct,offered_mpps,offered_gbps,forwarded_mpps,forwarded_gbps,loss_pct\n")

pktgen.stop("all")
pktgen.clr()
pktgen.pcap(tostring(tx), "on")

for _, rate in ipairs(rates) do
	pktgen.set(tostring(tx), "rate", rate)
	pktgen.start(tostring(tx))
	pktgen.delay(settle_ms)
	local t0 = os.clock()
	local a_tx, a_rx = counters(tx), counters(rx)
	pktgen.delay(step_ms)
	local b_tx, b_rx = counters(tx), counters(rx)
	pktgen.stop(tostring(tx))
	local secs = step_ms / 1000.0
	local sent = b_tx.opackets - a_tx.opackets
	local got = b_rx.ipackets - a_rx.ipackets
	-- Gbps on the wire: frame bytes + FCS (4) + preamble and gap (20) per packet.
	local o_gbps = ((b_tx.obytes - a_tx.obytes) + 24 * sent) * 8 / secs / 1e9
	local f_gbps = ((b_rx.ibytes - a_rx.ibytes) + 24 * got) * 8 / secs / 1e9
	local loss = 0.0
	if sent > 0 then loss = 100.0 * (sent - got) / sent end
	f:write(string.format("%d,%.4f,%.3f,%.4f,%.3f,%.3f\n", rate, sent / secs / 1e6, o_gbps,
	                      got / secs / 1e6, f_gbps, loss))
	f:flush()
	printf("rate %3d%%: offered %.3f Mpps, forwarded %.3f Mpps, loss %.3f%% (%.1fs cpu)\n",
	       rate, sent / secs / 1e6, got / secs / 1e6, loss, os.clock() - t0)
	pktgen.delay(settle_ms)
end

f:close()
printf("wrote %s\n", csv_path)
