/*
 * pct.h - hex digits and percent-coding (pure): the one copy every module uses (URL paths and
 * query strings, SigV4 canonical URIs, S3 listings' encoding-type=url, RFC 2047 words, chunk
 * sizes, ETags).
 */
#ifndef LOCKYARD_PCT_H
#define LOCKYARD_PCT_H

#include <stddef.h>

#include "lockyard/buf.h"

/** The value 0-15 of the hex digit c (0-9, a-f, A-F), or -1. */
int ly_hexval(int c);

/* Flags of ly_pct_decode / ly_pct_encode. */
#define LY_PCT_PLUS_SPACE 1 /* decode: '+' is ' ' (query strings); encode: ' ' becomes '+' */
#define LY_PCT_KEEP_SLASH 2 /* encode: '/' stays as is (paths) */
#define LY_PCT_REFUSE_NUL 4 /* decode: a NUL byte, literal or %00, is an error (names, keys) */

/**
 * Percent-decodes s[0..n) into out (NUL-terminated, at most out_max bytes with the NUL; n + 1
 * always suffices) with LY_PCT_PLUS_SPACE / LY_PCT_REFUSE_NUL.
 * @return the decoded length, LY_EINVAL (a bad escape, or a NUL refused) or LY_ETOOBIG
 */
long ly_pct_decode(const char *s, size_t n, char *out, size_t out_max, int flags);
/** ly_pct_decode appending to b (kept NUL-terminated). @return 0 or an LY_E* error */
int ly_pct_decode_buf(struct ly_buf *b, const char *s, size_t n, int flags) LY_WARN_UNUSED;
/**
 * Appends s[0..n) percent-encoded with uppercase hex: the RFC 3986 unreserved bytes
 * (A-Z a-z 0-9 - . _ ~) stay, and '/' or ' ' as the LY_PCT_KEEP_SLASH / LY_PCT_PLUS_SPACE flags
 * say. @return 0 or a buffer error
 */
int ly_pct_encode(struct ly_buf *b, const char *s, size_t n, int flags) LY_WARN_UNUSED;

#endif
