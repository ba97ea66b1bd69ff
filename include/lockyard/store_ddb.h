/*
 * store_ddb.h - DynamoDB tables and items in LMDB (part of the store module).
 *
 * Named databases: ddb_tables (table name -> record), ddb_items (LMDB key ->
 * ddb_item_encode bytes) and ddb_tokens (TransactWriteItems ClientRequestToken
 * -> expiry + request digest).
 *
 * Items are keyed by the table's numeric id (8 bytes, big-endian, assigned at
 * CreateTable from the store sequence, so a re-created table never sees old
 * items) followed by the ddb_keycodec encoding of the item's primary key, so a
 * table is one ordered range and a partition (same hash key) is a sub-range in
 * sort-key order. LMDB keys hold at most 511 bytes; a key whose encoding does
 * not fit (hash + range values of several hundred bytes) is stored as the id +
 * the first STORE_DDB_KEY_EXACT_BYTES of its encoding + a 16-byte SHA-256 of
 * the whole encoding (always exactly the LMDB maximum, which no exact key
 * reaches). Ordering caveat: keys that share those first bytes are ordered by
 * hash, not by value, among themselves; and a partition whose hash-key
 * encoding is longer than that shares its range with other such partitions,
 * so Query callers must check the hash attribute of each visited item.
 *
 * Secondary indexes (LSI and GSI alike) live in ddb_items too, under their own numeric id
 * (from the same sequence, so never a table's): the LMDB key is the index id + the keycodec
 * encoding of the index key + that of the item's primary key, the value the projected item.
 * An item that lacks an index key attribute, or holds it with another type than declared, has
 * no entry (sparse index). Every item write updates the entries of all of the table's indexes
 * in the same transaction, so an index read never sees half of a write.
 *
 * Every public call is one LMDB transaction. Item reads decode into the
 * caller's arena; scans decode into a scratch arena valid only during the
 * visit callback. Writes run the caller's decide callback inside the write
 * transaction with the current item: check-then-act is atomic.
 *
 * Errors: LY_ENOPARENT (no such table, or a different table of that name
 * than the caller looked up), LY_ENOENT, LY_EEXIST, LY_EFULL, LY_EIO (LMDB
 * failure or a corrupt record), LY_ENOMEM, or a callback's own code.
 */
#ifndef LOCKYARD_STORE_DDB_H
#define LOCKYARD_STORE_DDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockyard/arena.h"
#include "lockyard/ddb_keycodec.h" /* index entry keys are built from key encodings */
#include "lockyard/ddb_value.h"
#include "lockyard/store.h"

#define STORE_DDB_KEY_EXACT_BYTES 487 /* 511 - 8 (table id) - 16 (hash) */

enum store_ddb_proj { STORE_DDB_PROJ_ALL, STORE_DDB_PROJ_KEYS_ONLY, STORE_DDB_PROJ_INCLUDE };

struct store_ddb_index {
    uint64_t id; /* 0 = new: assigned (and backfilled) by create / update */
    const char *name;
    bool global;              /* GSI (else LSI); kept for the handler, the store ignores it */
    struct ddb_key_schema ks; /* the index key */
    enum store_ddb_proj proj;
    const char *const *attrs; /* INCLUDE: the NonKeyAttributes */
    size_t nattrs;
};

struct store_ddb_table {
    const char *name;
    uint64_t id; /* set by store_ddb_table_create */
    int64_t ctime_ms;
    const char *ttl_attr; /* TTL attribute name, or NULL when TTL is disabled */
    const char *desc;     /* the handler's description (opaque to the store), NUL-terminated */
    size_t desc_len;
    /* Secondary indexes; the table's key schema is needed (and kept) only when there are. */
    struct ddb_key_schema ks;
    struct store_ddb_index *indexes;
    size_t nindexes;
};

/** Creates a table (t->id is assigned). @return 0, LY_EEXIST, ... */
int store_ddb_table_create(struct store *s, struct store_ddb_table *t) LY_WARN_UNUSED;

/**
 * A number that changes whenever a table record may have changed (create, update, delete,
 * store_reset) in this process (the only writer of its data directory): what a caller read of
 * the tables under one value holds while it stays. 0 while reads come from a snapshot
 * (store_read_at): what they see is not the current state, nothing read then is to be kept.
 */
uint64_t store_ddb_tables_gen(const struct store *s);

/** Reads a table record; strings in a. @return 0, LY_ENOENT, ... */
int store_ddb_table_get(struct store *s, const char *name, struct ly_arena *a,
                        struct store_ddb_table *out) LY_WARN_UNUSED;

/**
 * Called inside the write transaction with the current record: change t->desc / desc_len /
 * ttl_attr / indexes (strings in a) and return 0 to write it, or an error code to abort.
 * An index whose id is 0 is created and backfilled from the table's items; an index that is
 * no longer listed is dropped with its entries, all in the same transaction.
 */
typedef int (*store_ddb_table_fn)(void *ctx, struct ly_arena *a, struct store_ddb_table *t);

/** Read-modify-write of a table record. @return 0, LY_ENOENT, or fn's code. */
int store_ddb_table_update(struct store *s, const char *name, struct ly_arena *a,
                           store_ddb_table_fn fn, void *ctx) LY_WARN_UNUSED;

/** Deletes a table and all of its items; *out gets the record as it was. @return 0, LY_ENOENT */
int store_ddb_table_delete(struct store *s, const char *name, struct ly_arena *a,
                           struct store_ddb_table *out) LY_WARN_UNUSED;

/**
 * Table names in order, starting after `after` (NULL: from the first), at most limit of
 * them; *more is 1 when names follow the last one returned. Names live in a.
 */
int store_ddb_table_list(struct store *s, const char *after, size_t limit, struct ly_arena *a,
                         const char ***names, size_t *n, int *more) LY_WARN_UNUSED;

/** Item count and stored bytes of a table or of an index (by its id; a full range count). */
int store_ddb_table_stats(struct store *s, uint64_t table_id, uint64_t *items,
                          uint64_t *bytes) LY_WARN_UNUSED;

enum store_ddb_action {
    STORE_DDB_KEEP,   /* leave the item as it is */
    STORE_DDB_PUT,    /* write *next */
    STORE_DDB_DELETE, /* delete the item (fine when absent) */
};

/**
 * Decides one write inside the write transaction. cur is the current item (NULL when
 * absent), decoded into a (the caller's arena, so the caller may keep it, e.g. for
 * ReturnValues). Set *act (and *next for STORE_DDB_PUT; it must stay valid until the
 * call returns) and return 0, or return an error code (e.g. LY_ECOND).
 */
typedef int (*store_ddb_decide_fn)(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                                   enum store_ddb_action *act, const struct ddb_map **next);

struct store_ddb_op {
    const char *table; /* table name */
    uint64_t table_id; /* the id the caller looked up: a mismatch is LY_ENOPARENT */
    const void *key;   /* ddb_keycodec encoding of the primary key */
    size_t key_len;
    store_ddb_decide_fn decide;
    void *ctx;
    int rc; /* out: what decide returned (or LY_ENOPARENT for this op) */
};

/* TransactWriteItems idempotency: a token is remembered with a digest of its request. */
struct store_ddb_token {
    const char *token;
    const unsigned char *digest;
    size_t digest_len; /* <= 64 */
    int64_t now_ms;
    int64_t ttl_ms; /* how long a committed token is remembered */
};

/**
 * Runs n writes as one atomic transaction: every op's decide is called (in order, even after
 * one failed, so callers can report every reason); if all returned 0 the actions are applied
 * and committed, otherwise nothing is written and the first non-zero op rc is returned.
 * With tok: a live token with the same digest returns LY_EEXIST before anything runs (the
 * request was already applied), one with another digest LY_ECONFLICT; a successful commit
 * records the token.
 */
int store_ddb_write(struct store *s, struct store_ddb_op *ops, size_t n,
                    const struct store_ddb_token *tok, struct ly_arena *a) LY_WARN_UNUSED;

struct store_ddb_get {
    const char *table;
    uint64_t table_id;
    const void *key;
    size_t key_len;
    int found;           /* out */
    struct ddb_map item; /* out, in the caller's arena */
    int rc;              /* out: 0 or LY_ENOPARENT */
};

/** Reads n items in one read transaction (a consistent snapshot). @return first op error */
int store_ddb_get(struct store *s, struct store_ddb_get *gets, size_t n,
                  struct ly_arena *a) LY_WARN_UNUSED;

struct store_ddb_range {
    const char *table;
    uint64_t table_id;
    const void *prefix; /* encoded key prefix (e.g. the hash key for Query), or NULL */
    size_t prefix_len;
    const void *start; /* encoded key to start strictly after (before, reverse), or NULL */
    size_t start_len;
    int reverse;       /* descending key order */
    uint64_t index_id; /* 0: the table; else walk this index of it (LY_ENOPARENT if gone) */
    int fetch_base;    /* with index_id: visit the table's full item, not the projection */
};

/**
 * Visit callback of a scan: item is valid only during the call. Return 0 to continue, 1 to
 * stop, or a negative code to abort the scan with it.
 */
typedef int (*store_ddb_visit_fn)(void *ctx, const struct ddb_map *item);

/** Visits a table's items in key order within the prefix. @return 0, LY_ENOPARENT, fn's code */
int store_ddb_scan(struct store *s, const struct store_ddb_range *r, store_ddb_visit_fn fn,
                   void *ctx) LY_WARN_UNUSED;

/**
 * Deletes, in every table with TTL enabled, up to max_deletes items whose TTL attribute is a
 * Number of epoch seconds <= now_s (and not more than five years old, which DynamoDB
 * ignores). One write transaction. *deleted gets the count.
 */
int store_ddb_ttl_sweep(struct store *s, int64_t now_s, size_t max_deletes,
                        size_t *deleted) LY_WARN_UNUSED;

#endif
