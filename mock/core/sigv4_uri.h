/*
 * sigv4_uri.h - private helpers of the sigv4 module: query-string splitting (percent-coding
 * is lockyard/pct.h). Not part of the public API
 * (include/lockyard/sigv4.h); shared by sigv4.c and sigv4_parse.c only.
 */
#ifndef LOCKYARD_SIGV4_URI_H
#define LOCKYARD_SIGV4_URI_H

#include <stddef.h>

#include "lockyard/buf.h"

/** One query parameter, pointing into the raw query (still encoded). */
struct sigv4_qparam {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/**
 * Splits the next '&'-separated parameter off *pos (empty pieces are
 * skipped; a piece without '=' has an empty value).
 * @return 1 when p was filled, 0 at the end of the string
 */
int sigv4_query_next(const char **pos, struct sigv4_qparam *p);
/** Decodes a query name or value into a fixed buffer of size `size`.
 *  @return 0, LY_EINVAL (bad escape or does not fit) */
int sigv4_query_decode_into(const char *s, size_t n, char *dst, size_t size);

#endif
