/* Fixture for the layout check: a data-path file that includes a control-plane
 * header directly. The check must fail on it. */
#include "lns_dp.h"
#include "lns_ppp.h"
