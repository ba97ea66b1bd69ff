/*
 * ddb_keycodec.h - order-preserving byte encoding of DynamoDB key values.
 *
 * A table's primary key (hash [, range]) is encoded so that memcmp order of
 * the encodings equals DynamoDB's key order: S and B bytewise (unsigned), N by
 * numeric value. Each encoded value is self-delimiting (no encoding is a prefix
 * of another), so the concatenation enc(hash) + enc(range) orders as the pair
 * and all items of one partition share the prefix enc(hash). This is what
 * makes Query a range scan in the store.
 *
 * Format, one value:
 *   S, B: the bytes with 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01.
 *   N:    zero = 0x02; positive = 0x03, exponent+0x8000 (2 bytes big-endian),
 *         each digit as digit+1 (1..10), terminator 0x00; negative = 0x01 and
 *         the same bytes complemented (255 - b), terminator 0xFF.
 * The type is not written: the table's key schema says what each part is.
 *
 * Pure: no I/O, no globals. Decoding validates everything (used by the fuzzer
 * and by anyone reading keys back) and only accepts canonical encodings.
 */
#ifndef LOCKYARD_DDB_KEYCODEC_H
#define LOCKYARD_DDB_KEYCODEC_H

#include <stddef.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"
#include "lockyard/ddb_value.h"

/* Longest encoding of a whole key: a 2048-byte hash of NULs and a 1024-byte range of NULs. */
#define DDB_KEYCODEC_BYTES_MAX (2 * DDB_HASH_KEY_BYTES_MAX + 2 + 2 * DDB_RANGE_KEY_BYTES_MAX + 2)

/**
 * Appends the encoding of v (type S, N or B) to out.
 * @return 0, LY_EINVAL (another type), LY_ENOMEM or LY_ETOOBIG (out's cap).
 */
int ddb_keycodec_append(const struct ddb_val *v, struct ly_buf *out) LY_WARN_UNUSED;

/** Appends enc(hash) and, when range != NULL, enc(range). Same errors. */
int ddb_keycodec_encode(const struct ddb_val *hash, const struct ddb_val *range,
                        struct ly_buf *out) LY_WARN_UNUSED;

/**
 * Decodes one value of type t (S, N or B) from the start of p[0..len).
 * *used is set to the bytes consumed; the value's bytes live in arena a.
 * @return 0, LY_EINVAL (malformed or non-canonical input) or LY_ENOMEM.
 */
int ddb_keycodec_decode(struct ly_arena *a, enum ddb_type t, const void *p, size_t len,
                        struct ddb_val *out, size_t *used) LY_WARN_UNUSED;

#endif
