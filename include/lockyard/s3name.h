/*
 * s3name.h - S3 naming rules and URL coding (pure).
 */
#ifndef LOCKYARD_S3NAME_H
#define LOCKYARD_S3NAME_H

#include <stddef.h>
#include "lockyard/buf.h"

#define S3_KEY_BYTES_MAX 1024
#define S3_BUCKET_NAME_BYTES_MAX 63

/** 1 when name follows the general-purpose bucket naming rules, else 0. */
int s3name_bucket_valid(const char *name);

/**
 * Percent-decodes s[0..n) into out (NUL-terminated, at most out_max bytes including NUL).
 * plus_is_space: 1 for query strings, 0 for paths.
 * @return decoded length, or LY_EINVAL (bad escape, NUL byte) / LY_ETOOBIG.
 */
long s3name_url_decode(const char *s, size_t n, char *out, size_t out_max, int plus_is_space);

/* Flags of s3name_url_encode. */
#define S3NAME_KEEP_SLASH 1 /* '/' stays as is */
#define S3NAME_SPACE_PLUS 2 /* ' ' becomes '+' (form encoding, as listings' encoding-type=url) */

/** Appends s percent-encoded (unreserved A-Za-z0-9-_.~ kept) with S3NAME_* flags. */
int s3name_url_encode(struct ly_buf *b, const char *s, size_t n, int flags) LY_WARN_UNUSED;

/** 1 when s[0..n) is valid UTF-8 without overlong forms or surrogates. */
int s3name_utf8_valid(const char *s, size_t n);
/**
 * 1 when s is UTF-8 that XML 1.0 element text carries: no control characters but tab, line
 * feed and carriage return (written as &#13;), no U+FFFE / U+FFFF.
 */
int s3name_xml_safe(const char *s);

#endif
