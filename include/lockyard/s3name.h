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

/** 1 when s[0..n) is valid UTF-8 without overlong forms or surrogates. */
int s3name_utf8_valid(const char *s, size_t n);
/**
 * 1 when s is UTF-8 that XML 1.0 element text carries: no control characters but tab, line
 * feed and carriage return (written as &#13;), no U+FFFE / U+FFFF.
 */
int s3name_xml_safe(const char *s);

#endif
