/* err.c - text for the error vocabulary of err.h, and the always-on assertion handler. */
#include "lockyard/err.h"
#include "lockyard/check.h"

#include <stdio.h>
#include <stdlib.h>

const char *ly_err_str(int code)
{
    static const char *const text[] = {
        "ok",           "out of memory", "invalid input", "not found",           "already exists",
        "not empty",    "too big",       "i/o error",     "precondition failed", "out of range",
        "storage full", "not supported", "conflict",      "no such container",
    };
    LY_STATIC_ASSERT(LY_ARRAY_LEN(text) == -LY_ERR_MIN_, "one text per code");
    if (code > 0 || code <= LY_ERR_MIN_)
        return "unknown error";
    return text[-code];
}

void ly_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "lockyard: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
