/* Fixture for the layout check: a control-plane header reached through another
 * header. The check must fail on it. */
#include "bad_chain.h"
