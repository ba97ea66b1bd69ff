/*
 * ddb_err.h - the DynamoDB error a pure ddb_* function reports to its caller.
 *
 * Every ddb_* function that can reject client input returns a negative LY_E*
 * code AND fills a struct ddb_err with the AWS error (e.g. AWS_DDB_VALIDATION,
 * lockyard/aws_error.h) and the exact message text DynamoDB would send;
 * aws_ddb_error writes both as {"__type": ns + "#" + type, "message": msg}.
 * The struct is plain storage owned by the caller (usually on the stack); a
 * NULL struct ddb_err pointer is accepted everywhere and means "don't care".
 */
#ifndef LOCKYARD_DDB_ERR_H
#define LOCKYARD_DDB_ERR_H

#include "lockyard/aws_error.h"
#include "lockyard/err.h"

#define DDB_ERR_MSG_MAX 2048 /* longer messages are truncated */

struct ddb_err {
    enum aws_err type;         /* a DynamoDB error (AWS_DDB_*); AWS_ERR_NONE = no error */
    char msg[DDB_ERR_MSG_MAX]; /* exact DynamoDB message text, NUL-terminated */
};

/** Clears e (type AWS_ERR_NONE, empty message). e may be NULL. */
void ddb_err_clear(struct ddb_err *e);

/**
 * Fills e with type and a printf-formatted message. e may be NULL.
 * @return code (so callers can write `return ddb_err_set(e, LY_EINVAL, ...)`)
 */
int ddb_err_set(struct ddb_err *e, int code, enum aws_err type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Shorthand: ValidationException with LY_EINVAL. */
int ddb_err_valid(struct ddb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Shorthand for an allocation failure: InternalServerError, returns LY_ENOMEM. */
int ddb_err_nomem(struct ddb_err *e);

#endif
