/*
 * store_record.h - encoding of stored records (private to mock/store).
 *
 * Object record: magic "LYO1", u32 flags (STORE_OBJ_*; 0 in records older than versioning),
 * u64 size, i64 mtime_ms, u64 seq, then fields (u8 tag, u32 length, bytes) until the end.
 * Upload record: magic "LYU1", u64 seq, u64 init_seq, i64 initiated_ms, u32-prefixed key and
 * checksum type, then an object record holding the final object's metadata. Decoding validates every
 * length and copies strings into the caller's arena, so nothing points into
 * LMDB memory after the transaction.
 */
#ifndef LOCKYARD_STORE_RECORD_H
#define LOCKYARD_STORE_RECORD_H

#include "lockyard/store.h"
#include "lockyard/store_multipart.h"

int record_obj_encode(const struct store_obj *obj, struct ly_buf *out) LY_WARN_UNUSED;
int record_obj_decode(const void *data, size_t len, struct ly_arena *a,
                      struct store_obj *out) LY_WARN_UNUSED;
/** An object record's flags and seq without decoding the rest. @return 0 or LY_EIO */
int record_obj_head(const void *data, size_t len, uint32_t *flags, uint64_t *seq) LY_WARN_UNUSED;
int record_bucket_encode(const struct store_bucket *b, struct ly_buf *out) LY_WARN_UNUSED;
int record_bucket_decode(const char *name, const void *data, size_t len, struct ly_arena *a,
                         struct store_bucket *out) LY_WARN_UNUSED;
int record_upload_encode(const struct store_upload *u, struct ly_buf *out) LY_WARN_UNUSED;
int record_upload_decode(const void *data, size_t len, struct ly_arena *a,
                         struct store_upload *out) LY_WARN_UNUSED;

#endif
