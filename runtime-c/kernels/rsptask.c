/* rsptask.h is a header-only ABI; this unit checks the params block size the microcode expects. */
#include "rsptask.h"

typedef char dnnc_rsp_params_is_64_bytes[sizeof(dnnc_rsp_params) == 64 ? 1 : -1];
