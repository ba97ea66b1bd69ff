/*
 * store.h - lockyard's persistent state in LMDB (the only module that includes <lmdb.h>).
 *
 * One LMDB environment with named databases: meta (commit sequence), buckets,
 * objects (metadata records) and blobs (object bodies), keyed by
 * "bucket\0key" so a bucket's objects are one ordered range. Every write is one
 * write transaction that reads the current record, lets the caller's check
 * callback decide, then writes and commits: conditional writes are atomic. A
 * transaction never outlives one call. Values read from LMDB are copied into
 * the caller's arena or buffer before the transaction ends.
 *
 * Errors: LY_ENOPARENT (no such bucket), LY_ENOENT (no such record),
 * LY_EEXIST, LY_ENOTEMPTY, LY_EFULL (map full), LY_EIO (LMDB failure or a
 * corrupt record), LY_ENOMEM, or whatever the check callback returned.
 */
#ifndef LOCKYARD_STORE_H
#define LOCKYARD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"
#include "lockyard/err.h"
#include "lockyard/httpmsg.h"

struct store;

enum store_durability {
    STORE_DURABILITY_FSYNC, /* fsync before every acknowledgement */
    STORE_DURABILITY_NONE,  /* never fsync (tests, tmpfs speed) */
    STORE_DURABILITY_GROUP, /* commits do not fsync; the caller calls store_sync before it
                               acknowledges, once for all the writes that arrived together */
};

/** Flushes every committed write to disk (fdatasync). @return 0 or LY_EIO */
int store_sync(struct store *s) LY_WARN_UNUSED;

/** Group durability on disk: the writes of many requests share one LMDB transaction, the batch
 *  (mock/store/store_txn.c). Commits the open batch (no sync; reads and snapshots do it
 *  themselves first). Loop thread only. @return 0, or an LY_E* code: its writes are lost. */
int store_flush(struct store *s);
/** The number (store_commit_id) of the last batch whose commit failed; 0 when none did. */
uint64_t store_lost_id(const struct store *s);

/** Group durability: the number of the commit that holds every write applied so far (the open
 *  batch's, when one is). After store_flush, a store_sync started makes commits up to the number
 *  it then returns durable, or they were lost (store_lost_id). Loop thread only. */
uint64_t store_commit_id(struct store *s);

struct store_opts {
    const char *dir; /* data directory (created if missing); NULL = temporary */
    enum store_durability durability;
    size_t map_bytes; /* LMDB map size (address space, not disk) */
};

/** Opens (creating) the store. @return 0 or LY_EIO / LY_ENOMEM; *out owned by the caller. */
int store_open(const struct store_opts *opts, struct store **out) LY_WARN_UNUSED;
/** Closes; a temporary store's files are removed. NULL is fine. */
void store_close(struct store *s);
/** Deletes every bucket, object, DynamoDB table and item. */
int store_reset(struct store *s) LY_WARN_UNUSED;
/** 1 for a temporary store (--memory): deleted at exit, nothing to make durable. */
int store_is_temporary(const struct store *s);
/** The data directory in use. */
const char *store_dir(const struct store *s);
/** Bytes used by the LMDB data file (pages in use). */
uint64_t store_used_bytes(struct store *s);

/*
 * Snapshots: a frozen read view of the whole store (an LMDB read transaction kept open), for
 * stale reads. While store_read_at(s, snap) is in force every read call answers from snap;
 * store_read_at(s, NULL) returns to the current state. Keep few and short-lived: an open
 * snapshot stops LMDB from reusing the pages it sees.
 */
struct store_snapshot;

int store_snapshot_take(struct store *s, struct store_snapshot **out) LY_WARN_UNUSED;
void store_snapshot_free(struct store *s, struct store_snapshot *snap);
void store_read_at(struct store *s, struct store_snapshot *snap);

struct store_bucket {
    const char *name;
    const char *region;
    int64_t ctime_ms;
};

int store_bucket_create(struct store *s, const char *name, const char *region,
                        int64_t now_ms) LY_WARN_UNUSED;
int store_bucket_get(struct store *s, const char *name, struct ly_arena *a,
                     struct store_bucket *out) LY_WARN_UNUSED;
int store_bucket_delete(struct store *s, const char *name) LY_WARN_UNUSED;
/** All buckets in name order, allocated in a. */
int store_bucket_list(struct store *s, struct ly_arena *a, struct store_bucket **out,
                      size_t *n) LY_WARN_UNUSED;

#define STORE_META_MAX 64

/* An object's metadata. Strings are NUL-terminated; NULL when absent. */
struct store_obj {
    const char *etag; /* without quotes: 32 hex digits, or "hex-N" */
    uint64_t size;
    int64_t mtime_ms;
    uint64_t seq; /* store commit sequence number of the write (filled by put) */
    const char *content_type;
    const char *content_encoding;
    const char *content_disposition;
    const char *content_language;
    const char *cache_control;
    const char *expires;
    const char *checksum_alg;   /* "CRC32", "SHA256", … */
    const char *checksum_value; /* base64 */
    const char *storage_class;
    struct ly_hdr meta[STORE_META_MAX]; /* user metadata, names lower-case without x-amz-meta- */
    size_t nmeta;
    uint32_t flags;         /* STORE_OBJ_* (filled by put / delete in versioned buckets) */
    const char *part_sizes; /* multipart object: part sizes "n1,n2,…"; NULL otherwise */
    const char *blob;       /* body in blob files (store_blob.h, STORE_OBJ_BLOB): one id or a
                               list of them, or NULL: set by the writer, filled by the reads
                               that ask for a body */
    const char *part_crc;   /* an upload's part: its CRC (base64) in the algorithm of the
                               upload's full-object checksum (combined at completion) */
    int bucket_versioning;  /* not stored: the bucket's enum store_versioning
                                      (store_version.h) as the call that read or wrote this saw it */
};

#define STORE_OBJ_DELETE_MARKER 1u /* a delete marker: no body, GET answers 404/405 */
#define STORE_OBJ_VERSIONED 2u     /* has a version id made from seq; otherwise the null version */
#define STORE_OBJ_BLOB 4u          /* the body is in a blob file (obj->blob), not in LMDB */

/**
 * Called inside the write transaction with the current object (NULL when absent or when the
 * current version is a delete marker).
 * Return 0 to go ahead, or an error code that the store returns unchanged.
 */
typedef int (*store_check_fn)(void *ctx, const struct store_obj *cur);

/**
 * Writes an object: read current → check → write body and record → commit.
 * obj->seq is filled in, and obj->flags says whether it got a version id (versioning enabled:
 * the previous current version becomes noncurrent; suspended: it replaces the null version).
 * check may be NULL.
 */
int store_obj_put(struct store *s, const char *bucket, const char *key, struct store_obj *obj,
                  const void *body, store_check_fn check, void *ctx) LY_WARN_UNUSED;

/**
 * Reads an object's metadata (strings in a) and, when body != NULL, its whole body appended
 * to body. When the current version is a delete marker the answer is LY_ENOENT with *out
 * holding the marker (flags has STORE_OBJ_DELETE_MARKER; otherwise out->flags is 0 on ENOENT).
 * @return 0, LY_ENOPARENT, LY_ENOENT, LY_ETOOBIG (body cap), LY_EIO
 */
int store_obj_get(struct store *s, const char *bucket, const char *key, struct ly_arena *a,
                  struct store_obj *out, struct ly_buf *body) LY_WARN_UNUSED;

/**
 * Deletes an object after check (called with NULL when it does not exist). In a versioned
 * bucket it adds a delete marker instead (see store_version.h for the result).
 * @return 0 (also when absent and check passed), LY_ENOPARENT, or check's code
 */
int store_obj_delete(struct store *s, const char *bucket, const char *key, store_check_fn check,
                     void *ctx) LY_WARN_UNUSED;

/** Visit callback for listing: return 0 to continue, 1 to stop, <0 to abort with that code. */
typedef int (*store_list_fn)(void *ctx, const char *key, const struct store_obj *obj);

/**
 * Visits a bucket's objects in key order starting at the first key >= from (NULL: from the
 * start) whose key begins with prefix (NULL: all), skipping keys whose current version is a
 * delete marker. obj strings live in a (reset by the caller
 * as it likes). @return 0, LY_ENOPARENT, or the callback's negative code
 */
int store_obj_list(struct store *s, const char *bucket, const char *from, const char *prefix,
                   struct ly_arena *a, store_list_fn fn, void *ctx) LY_WARN_UNUSED;

#endif
