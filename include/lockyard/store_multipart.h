/*
 * store_multipart.h - S3 multipart uploads in the store.
 *
 * An upload record (key, metadata for the final object, the current object's seq at
 * initiation) lives in the uploads database under "bucket\0uploadId"; each part under
 * "bucket\0uploadId\0" + its big-endian number, metadata and body in one value. Parts are
 * never visible as objects: completion assembles the listed parts into the object inside one
 * write transaction, after the caller's check saw the parts and the current object, then
 * removes the upload and all its parts. Same transaction and ownership rules as store.h.
 */
#ifndef LOCKYARD_STORE_MULTIPART_H
#define LOCKYARD_STORE_MULTIPART_H

#include "lockyard/store.h"

struct store_upload {
    const char *key;
    const char *upload_id;
    uint64_t seq;      /* the upload's own commit seq (its id encodes it) */
    uint64_t init_seq; /* seq of the key's current object at initiation; 0: none */
    int64_t initiated_ms;
    const char *checksum_type; /* "COMPOSITE" / "FULL_OBJECT" with meta.checksum_alg; or NULL */
    struct store_obj meta;     /* content headers, user metadata, checksum_alg of the object */
};

/**
 * CreateMultipartUpload: records the upload and fills u->seq, u->init_seq, u->upload_id (in a).
 * @return 0, LY_ENOPARENT
 */
int store_upload_create(struct store *s, const char *bucket, struct store_upload *u,
                        struct ly_arena *a) LY_WARN_UNUSED;
/** @return 0, LY_ENOPARENT, LY_ENOENT (no such upload) */
int store_upload_get(struct store *s, const char *bucket, const char *upload_id, struct ly_arena *a,
                     struct store_upload *out) LY_WARN_UNUSED;
/** Every upload of the bucket (unsorted). @return 0, LY_ENOPARENT */
int store_upload_list(struct store *s, const char *bucket, struct ly_arena *a,
                      struct store_upload **out, size_t *n) LY_WARN_UNUSED;
/** AbortMultipartUpload: removes the upload and its parts. @return 0, LY_ENOPARENT, LY_ENOENT */
int store_upload_abort(struct store *s, const char *bucket, const char *upload_id) LY_WARN_UNUSED;

/**
 * UploadPart: stores (replacing) part number `number` of an upload whose key is `key`.
 * part holds etag, size, mtime and checksum. @return 0, LY_ENOPARENT, LY_ENOENT (no upload,
 * or it belongs to another key)
 */
int store_part_put(struct store *s, const char *bucket, const char *key, const char *upload_id,
                   long number, struct store_obj *part, const void *body) LY_WARN_UNUSED;

/** Visits the parts of an upload numbered > after, in order; return 1 to stop. */
typedef int (*store_part_fn)(void *ctx, long number, const struct store_obj *part);
/** @return 0, LY_ENOPARENT, LY_ENOENT (no upload), or the callback's negative code */
int store_part_list(struct store *s, const char *bucket, const char *upload_id, long after,
                    struct ly_arena *a, store_part_fn fn, void *ctx) LY_WARN_UNUSED;

/**
 * Called inside the completion transaction: parts[i] is the stored part listed i-th (NULL when
 * missing) and bodies[i] its bytes (parts[i]->size of them, valid during the call only), cur
 * the current object (NULL when absent or a delete marker). It validates, fills
 * obj (etag, size, checksum, part_sizes; strings must outlive the call) and evaluates the
 * preconditions. Return 0 to complete or an error code the store returns unchanged.
 */
typedef int (*store_complete_fn)(void *ctx, const struct store_upload *u,
                                 const struct store_obj *const *parts, const void *const *bodies,
                                 size_t n, const struct store_obj *cur, struct store_obj *obj);

/*
 * A completed upload, remembered (under the upload's id, in the same transaction that made the
 * object) so that a retried CompleteMultipartUpload can be answered as the first one was.
 */
struct store_upload_done {
    const char *key;
    unsigned char digest[32]; /* the caller's digest of the listed parts */
    int64_t completed_ms;
    const char *checksum_type; /* shown in the answer; NULL: no checksum in the answer */
    struct store_obj obj;      /* etag, seq, flags, checksum_alg / checksum_value */
};

/**
 * CompleteMultipartUpload: in one write transaction reads the upload (LY_ENOENT when missing
 * or for another key), the listed parts and the current object, calls fn, writes the object
 * (versioning as store_obj_put) from the listed parts, then removes the upload and its parts
 * and records done (digest, completed_ms and checksum_type set by the caller, possibly in fn;
 * the rest from obj). obj starts as the upload's metadata; seq and flags are filled in.
 * @return 0, LY_ENOPARENT, LY_ENOENT, LY_ETOOBIG (over object_bytes_max), or fn's code
 */
int store_upload_complete(struct store *s, const char *bucket, const char *key,
                          const char *upload_id, const long *numbers, size_t n,
                          uint64_t object_bytes_max, struct ly_arena *a, struct store_obj *obj,
                          struct store_upload_done *done, store_complete_fn fn,
                          void *ctx) LY_WARN_UNUSED;

/** The record of a completed upload (strings in a). @return 0, LY_ENOPARENT, LY_ENOENT */
int store_upload_done_get(struct store *s, const char *bucket, const char *upload_id,
                          struct ly_arena *a, struct store_upload_done *out) LY_WARN_UNUSED;

#endif
