/*
 * s3meta.h - S3 user metadata values (x-amz-meta-*) and Content-Encoding as S3 stores them.
 *
 * AWS decodes RFC 2047 encoded-words in a metadata value before storing it and encodes a
 * stored value that is not printable US-ASCII as one "=?UTF-8?B?…?=" encoded-word when it
 * answers; a raw header byte outside US-ASCII is an ISO-8859-1 character. Stored values are
 * UTF-8. Pure: no I/O, no globals.
 */
#ifndef LOCKYARD_S3META_H
#define LOCKYARD_S3META_H

#include "lockyard/arena.h"

/**
 * The stored (UTF-8) form of a metadata header value: the decoded text of a value made only of
 * encoded-words (charsets UTF-8, US-ASCII, ISO-8859-1; B or Q), else the raw bytes read as
 * ISO-8859-1. A printable US-ASCII value is returned unchanged. NULL on allocation failure.
 */
const char *s3meta_decode(struct ly_arena *a, const char *raw);

/** The header form of a stored value: itself when printable US-ASCII, else an encoded-word. */
const char *s3meta_encode(struct ly_arena *a, const char *value);

/**
 * Content-Encoding as stored: the value as sent, without its aws-chunked codings (transport
 * framing); the remaining codings keep the separator the client used. NULL when none remain.
 */
const char *s3meta_content_encoding(struct ly_arena *a, const char *sent);

#endif
