/*
 * sigv4_uri.h - private helpers of the sigv4 module: percent-decoding,
 * SigV4 URI encoding and query-string splitting. Not part of the public API
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
 * Appends the percent-decoding of s[0..n) to out. With plus_space, '+'
 * decodes to ' ' (query strings). @return 0, LY_EINVAL for a bad escape,
 * or a buffer error
 */
int sigv4_uri_decode(const char *s, size_t n, int plus_space, struct ly_buf *out);
/**
 * Appends s[0..n) encoded as SigV4 wants: RFC 3986 unreserved bytes
 * (A-Z a-z 0-9 - . _ ~) kept, '/' kept when keep_slash, everything else
 * %XX with uppercase hex. @return 0 or a buffer error
 */
int sigv4_uri_encode(const char *s, size_t n, int keep_slash, struct ly_buf *out);
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
