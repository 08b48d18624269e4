/* Fixture: an innocent-looking header that pulls in L2TP control. */
#include "lns_l2tp_data.h"
#include "lns_l2tp.h"
