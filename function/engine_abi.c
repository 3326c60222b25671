/* engine_abi.c - the interface version an engine was built for
 * (engine_abi.h); linked into each engine, not into the runtime. */
#include "engine_abi.h"

const struct engine_abi syncfn_engine_abi = ENGINE_ABI_INIT;
