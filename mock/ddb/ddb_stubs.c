#include "ddb_internal.h"
#define STUB(n) int n(struct ddb_call *c) { return ddb_fail(c, LY_ENOTSUP, DDB_ERR_UNKNOWN_OP, "%s", ""); }
STUB(ddb_op_batch_get)
STUB(ddb_op_batch_write)
STUB(ddb_op_transact_write)
STUB(ddb_op_transact_get)
