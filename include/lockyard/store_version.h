/*
 * store_version.h - S3 bucket versioning and bucket configuration in the store.
 *
 * A bucket's versioning state and its policy live in a small per-bucket configuration
 * database. The objects database always holds a key's current version (possibly a delete
 * marker); noncurrent versions live in a versions database keyed by a hash of the key and the
 * inverted commit sequence number, newest first. A version is named by its seq (0 = the null
 * version). Same transaction and ownership rules as store.h.
 */
#ifndef LOCKYARD_STORE_VERSION_H
#define LOCKYARD_STORE_VERSION_H

#include "lockyard/store.h"

enum store_versioning {
    STORE_VERSIONING_OFF = 0, /* never enabled: every write replaces the null version */
    STORE_VERSIONING_ENABLED,
    STORE_VERSIONING_SUSPENDED,
};

/* Configuration names. */
#define STORE_CONF_VERSIONING "versioning"
#define STORE_CONF_POLICY "policy"

/**
 * Reads a bucket configuration value (copied into a, NUL-terminated, *len bytes).
 * @return 0, LY_ENOPARENT, LY_ENOENT (unset)
 */
int store_bucket_conf_get(struct store *s, const char *bucket, const char *name, struct ly_arena *a,
                          char **value, size_t *len) LY_WARN_UNUSED;
/** Sets (value != NULL) or removes a configuration value. @return 0, LY_ENOPARENT */
int store_bucket_conf_put(struct store *s, const char *bucket, const char *name, const char *value,
                          size_t len) LY_WARN_UNUSED;
/** The bucket's versioning state. @return 0, LY_ENOPARENT */
int store_bucket_versioning(struct store *s, const char *bucket,
                            enum store_versioning *out) LY_WARN_UNUSED;

/* A bucket's configuration as the write transaction sees it, for the caller's conf callback. */
struct store_bconf {
    enum store_versioning versioning;
    const char *policy; /* the policy document (not NUL-terminated; valid only during
                                    the callback), NULL when the bucket has none */
    size_t policy_len;
    uint64_t policy_gen; /* changes whenever a policy is stored (a store-wide sequence
                                    number); 0 for a policy stored by an older lockyard */
};

/** Called inside the write transaction, before the check callback, with the bucket's
 *  configuration. Return 0 to go ahead, or an error code that the store returns unchanged. */
typedef int (*store_conf_fn)(void *ctx, const struct store_bconf *conf);

/* The caller's callbacks of one write (each may be NULL; the struct itself may be NULL). */
struct store_write_hooks {
    store_conf_fn conf;   /* first: the bucket's configuration (e.g. its policy) */
    store_check_fn check; /* then: the current object (preconditions) */
    void *ctx;
};

/**
 * store_obj_put with the bucket's configuration: one write transaction reads the bucket's
 * configuration (h->conf), the current object (h->check), then writes and commits.
 */
int store_obj_write(struct store *s, const char *bucket, const char *key, struct store_obj *obj,
                    const void *body, const struct store_write_hooks *h) LY_WARN_UNUSED;

/** Calls fn with the bucket's configuration inside a read transaction.
 *  @return 0, LY_ENOPARENT, or fn's code */
int store_bucket_conf_with(struct store *s, const char *bucket, store_conf_fn fn,
                           void *ctx) LY_WARN_UNUSED;

/* What a delete did. */
struct store_del_result {
    int marker_created; /* a delete marker became the current version */
    int deleted_marker; /* the version removed was a delete marker */
    uint64_t seq;       /* the marker's or the removed version's seq */
    uint32_t flags;     /* its STORE_OBJ_VERSIONED flag: 0 = the null version */
};

/**
 * DeleteObject: without a version (version == NULL) it removes the key (versioning off) or
 * adds a delete marker (enabled / suspended). With
 * *version (0 = null) it removes exactly that version, promoting the newest remaining one to
 * current when it was current; a missing version is not an error. h->conf sees the bucket's
 * configuration first, h->check the current version. A delete marker is dated
 * now_ms (the server clock; 0 = the wall clock).
 * @return 0, LY_ENOPARENT, or check's code
 */
int store_obj_delete_version(struct store *s, const char *bucket, const char *key,
                             const uint64_t *version, const struct store_write_hooks *h,
                             int64_t now_ms, struct store_del_result *out) LY_WARN_UNUSED;

/**
 * Reads one version (0 = null) like store_obj_get. A delete marker is returned with 0 and
 * STORE_OBJ_DELETE_MARKER set. @return 0, LY_ENOPARENT, LY_ENOENT, LY_ETOOBIG, LY_EIO
 */
int store_obj_get_version(struct store *s, const char *bucket, const char *key, uint64_t version,
                          struct ly_arena *a, struct store_obj *out,
                          struct ly_buf *body) LY_WARN_UNUSED;

/**
 * Visit callback for version listings: every version of a key, current first, then the
 * noncurrent ones newest first. Return 0 to continue, 1 to stop, <0 to abort.
 */
typedef int (*store_version_fn)(void *ctx, const char *key, const struct store_obj *obj,
                                int is_latest);

/**
 * Visits every version of the bucket's keys >= from that begin with prefix, in key order.
 * @return 0, LY_ENOPARENT, or the callback's negative code
 */
int store_version_list(struct store *s, const char *bucket, const char *from, const char *prefix,
                       struct ly_arena *a, store_version_fn fn, void *ctx) LY_WARN_UNUSED;

#endif
