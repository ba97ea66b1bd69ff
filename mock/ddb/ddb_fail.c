/*
 * ddb_fail.c - how a DynamoDB handler fails: the error type and exact message into c->err
 * (ddb_internal.h). Its own file so that the dispatcher (ddb.c) and every handler depend on it
 * and it depends on neither: ddb.c -> handlers -> helpers (ddb_json.c, ddb_write.c, ...) ->
 * ddb_fail.c.
 */
#include "ddb_internal.h"

#include <stdarg.h>
#include <stdio.h>

int ddb_fail(struct ddb_call *c, int code, enum aws_err type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->err.type = type;
    vsnprintf(c->err.msg, sizeof c->err.msg, fmt, ap);
    va_end(ap);
    return code;
}

int ddb_fail_store(struct ddb_call *c, int rc)
{
    if (rc == LY_EFULL)
        return ddb_fail(c, rc, AWS_DDB_INTERNAL_SERVER_ERROR, "The storage map is full");
    if (rc == LY_ENOMEM)
        return ddb_fail(c, rc, AWS_DDB_INTERNAL_SERVER_ERROR, "Out of memory");
    return ddb_fail(c, rc, AWS_DDB_INTERNAL_SERVER_ERROR, "Internal server error (%s)",
                    ly_err_str(rc));
}
