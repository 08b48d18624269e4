/* Fixture for the layout check: what a data-path file may include (the L2TP
 * data codec, the data plane's own headers, system and DPDK headers). */
#include <stdint.h>
#include <rte_mbuf.h>
#include "lns_dp.h"
#include "lns_l2tp_data.h"
