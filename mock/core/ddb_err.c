/* ddb_err.c - filling struct ddb_err (see ddb_err.h). Pure: no I/O. */
#include "lockyard/ddb_err.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

void ddb_err_clear(struct ddb_err *e)
{
    if (!e)
        return;
    e->type = AWS_ERR_NONE;
    e->msg[0] = '\0';
}

static void err_vset(struct ddb_err *e, enum aws_err type, const char *fmt, va_list ap)
{
    if (!e)
        return;
    e->type = type;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int ddb_err_set(struct ddb_err *e, int code, enum aws_err type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, type, fmt, ap);
    va_end(ap);
    return code;
}

int ddb_err_valid(struct ddb_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, AWS_DDB_VALIDATION, fmt, ap);
    va_end(ap);
    return LY_EINVAL;
}

int ddb_err_nomem(struct ddb_err *e)
{
    return ddb_err_set(e, LY_ENOMEM, AWS_DDB_INTERNAL_SERVER_ERROR, "%s", "Internal server error");
}
