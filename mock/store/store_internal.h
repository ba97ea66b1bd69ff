/*
 * store_internal.h - the LMDB environment shared by the store files (private to mock/store).
 */
#ifndef LOCKYARD_STORE_INTERNAL_H
#define LOCKYARD_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdint.h>

#include "lockyard/store.h"
#include "lockyard/store_version.h"

/*
 * LMDB keys are shorter (mdb_env_get_maxkeysize: 511 with the usual build) than
 * "bucket\0key" can be (1088). An object key that does not fit is stored under
 * "bucket\0" + its first bytes + "\0" + a hash of the whole key, and the full key is kept
 * in the longkeys database under that LMDB key. Listing order stays exact except among
 * keys that share those first bytes (about 430 of them).
 */
/* A DynamoDB table known to exist under the current table generation (store_ddb.c). */
struct store_ddb_memo {
    uint64_t gen; /* the store_ddb_tables_gen it was read under; 0: an empty slot */
    uint64_t id;
    int plain; /* the table has no secondary indexes */
    char name[64];
};
#define STORE_DDB_MEMOS 4

struct store {
    MDB_env *env;
    MDB_dbi meta, buckets, objects, blobs, longkeys;
    MDB_dbi ddb_tables, ddb_items, ddb_tokens; /* store_ddb.c */
    MDB_dbi versions, uploads, parts, bconf;   /* store_version.c, store_multipart.c */
    MDB_dbi blobids;                           /* store_blob.c: ids records refer to */
    int durability;                            /* enum store_durability */
    struct store_blobq *bq;                    /* store_blob.c */
    size_t lmdb_key_bytes_max;
    char *dir;
    int temporary;
    struct store_snapshot *read_at; /* reads use this snapshot instead of the current state */
    MDB_txn *reader;                /* a read transaction kept reset between reads */
    int reader_busy;                /* reader is renewed, in a read now */
    uint64_t ddb_tables_gen;        /* changed with every DynamoDB table record (store_ddb.c) */
    struct store_ddb_memo ddb_memo[STORE_DDB_MEMOS]; /* item calls skip the table record read */
    unsigned ddb_memo_next;
    /* group durability on disk: writes share a batch transaction (store_txn.c) */
    int batching;          /* on: every write is a child of the batch */
    MDB_txn *batch;        /* the open batch, or NULL */
    MDB_txn *child;        /* the batch's open child (a write in progress), or NULL */
    uint64_t batch_seq;    /* the open batch's number */
    unsigned batch_writes; /* the writes committed into it */
    uint64_t seq_closed;   /* the number of the last batch committed or lost */
    uint64_t seq_lost;     /* the number of the last batch whose commit failed (0: none) */
    uint64_t seq_floor;    /* the highest store_next_seq handed out: lost batches do not bring
                            the sequence back */
};

struct store_snapshot {
    MDB_txn *txn; /* a read transaction kept open */
};

/** Starts a read: the store_read_at snapshot's transaction, or a new read transaction. */
int store_read_begin(struct store *s, MDB_txn **txn);
/** Ends a read started by store_read_begin (a snapshot's transaction stays open). */
void store_read_end(struct store *s, MDB_txn *txn);

/** Begins a write transaction: a transaction of its own, or with batching a child of the
 *  batch (begun first when none is open). Ended by store_wtxn_commit or store_wtxn_abort.
 *  @return an LMDB code */
int store_wtxn_begin(struct store *s, MDB_txn **txn);
/** Commits a write transaction (into the batch, with batching), with the bookkeeping of the
 *  blobs it refers to and drops (store_blob_commit). @return an LMDB code */
int store_wtxn_commit(struct store *s, MDB_txn *txn);
/** Aborts a write transaction (its writes only; the batch stays). */
void store_wtxn_abort(struct store *s, MDB_txn *txn);

/** A value holding a record and a body (u32 record length, record, body): its two parts. */
int store_value_split(const MDB_val *v, MDB_val *rec, MDB_val *body);
/** Stores record + body as one value at k. from_lmdb: rec/body point into LMDB pages of this
 *  transaction (they are copied before the put); otherwise the value is written in place. */
int store_value_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const MDB_val *rec, const MDB_val *body,
                    int from_lmdb);
/** LMDB return code -> LY_E* code. */
int store_map_rc(int rc);
/** An MDB_val over a NUL-terminated string (without the NUL). */
MDB_val store_str_val(const char *s);
/** Increments and returns the store-wide commit sequence number inside txn. */
int store_next_seq(struct store *s, MDB_txn *txn, uint64_t *seq);

/* ---- blob files (store_blob.c, see lockyard/store_blob.h) ---- */

/* A record with STORE_OBJ_BLOB: its body slot holds the blob's id (STORE_BLOB_ID_LEN bytes) or a
 * list of blobs (store_blob.h). */
/** 1 when n bytes at slot are a valid body slot of a blob record (one id, or a list). */
int store_blob_slot_ok(const void *slot, size_t n);
/** The record being written has body slot slot (NUL-terminated): every id it names is listed. */
int store_blob_ref_slot(struct store *s, MDB_txn *txn, const char *slot);
/** Opens DIR/blobs (creating it) and removes the files no record refers to. */
int store_blob_init(struct store *s, MDB_txn *txn);
/** At close, after the last sync: unlinks dropped blobs; a temporary store's directory goes. */
void store_blob_fini(struct store *s);
/** A snapshot (read transaction txn) opens / closes: blobs it may read are not unlinked. The
 *  loop also takes the drops a store_sync made durable when a snapshot closes. */
void store_blob_snap_open(struct store *s, uint64_t txn);
void store_blob_snap_close(struct store *s, uint64_t txn);
/** Unlinks the durable drops no open snapshot may read (loop). */
void store_blob_collect(struct store *s);
/** Starts the bookkeeping of a write transaction (forgets what an aborted one left). */
void store_blob_txn_begin(struct store *s);
/** The record being written refers to blob id (listed in blobids inside txn). */
int store_blob_ref(struct store *s, MDB_txn *txn, const char *id);
/** A record (rec) with body slot body is being removed or replaced inside txn: when it refers
 *  to a blob, the blob is unlisted and unlinked once the commit is durable. */
int store_blob_unref(struct store *s, MDB_txn *txn, const MDB_val *rec, const MDB_val *body);
/** Unlists every blob (store_reset) inside txn; they are unlinked as unref'd ones. */
int store_blob_unref_all(struct store *s, MDB_txn *txn);
/** Commits a write transaction: blobs made part of records are synced first (fsync mode);
 *  after the commit dropped blobs are unlinked or queued for the next store_sync.
 *  @return an LMDB code */
int store_blob_commit(struct store *s, MDB_txn *txn);
/** A child of the batch committed: what it referred to and dropped waits for the batch. */
void store_blob_child_committed(struct store *s);
/** Commits the batch (store_flush): what its children referred to and dropped is then handled
 *  as store_blob_commit handles a transaction's. @return an LMDB code */
int store_blob_batch_commit(struct store *s, MDB_txn *batch);
/** store_sync (any thread): the blobs committed since the last sync are synced, then LMDB
 *  (sync_env); the blobs dropped before it are then unlinked by the loop (its next commit, or
 *  store_blob_snap_close). @return 0 or LY_EIO */
int store_blob_sync(struct store *s, int (*sync_env)(struct store *s));

/* ---- shared by store_s3.c, store_version.c, store_multipart.c ---- */

#define STORE_KEY_BYTES_MAX 1100 /* bucket (63) + NUL + key (1024) */

/** 1 when bucket could name a bucket (1 to 63 bytes). */
int store_bucket_name_ok(const char *bucket);
/** 0 when the bucket exists, LY_ENOPARENT when not. */
int store_bucket_exists(struct store *s, MDB_txn *txn, const char *bucket);
/** The objects/blobs LMDB key of an object into buf[STORE_KEY_BYTES_MAX]. */
int store_obj_key(const struct store *s, const char *bucket, const char *key, char *buf, MDB_val *k,
                  int *is_long);
/** Reads the current record of k (delete markers included); *exists 0 when absent. */
int store_read_current(struct store *s, MDB_txn *txn, MDB_val *k, struct ly_arena *a,
                       struct store_obj *cur, int *exists);

/** Positions cur at the bucket's first object key >= from (a little before it when from is
 *  long); 1 when there is one. buf: STORE_KEY_BYTES_MAX bytes that k may point into. */
int store_seek_bucket(struct store *s, MDB_cursor *cur, const char *bucket, const char *from,
                      MDB_val *k, MDB_val *v, char *buf);
/** Runs check inside txn against the current object of k (NULL: absent or delete marker). */
int store_run_check(struct store *s, MDB_txn *txn, MDB_val *k, store_check_fn check, void *ctx);
/** store_obj_list inside txn; with_markers also visits current delete markers. */
int store_list_current(struct store *s, MDB_txn *txn, const char *bucket, const char *from,
                       const char *prefix, int with_markers, struct ly_arena *a, store_list_fn fn,
                       void *ctx);

/* A key being written: its LMDB key and names. */
struct store_wkey {
    const char *bucket, *key;
    MDB_val k;
    int is_long;
    char buf[STORE_KEY_BYTES_MAX];
};

/**
 * Makes obj the current version of wk inside txn, following the bucket's versioning: the old
 * current version is dropped (off, or null version when suspended) or kept as noncurrent.
 * Fills obj->seq and obj->flags, and *body_out with obj->size bytes of room for the body.
 */
int store_install_current(struct store *s, MDB_txn *txn, struct store_wkey *wk,
                          struct store_obj *obj, void **body_out);
/** The bucket's versioning state inside txn (OFF when never set). */
int store_versioning_txn(struct store *s, MDB_txn *txn, const char *bucket,
                         enum store_versioning *out);
/** The bucket's configuration inside txn (policy points into LMDB memory of txn). */
int store_bconf_read(struct store *s, MDB_txn *txn, const char *bucket, struct store_bconf *out);
/**
 * Begins the write transaction of one S3 write on wk (bucket and key already set): the object
 * key, the bucket's existence, then the write hooks inside it (h->conf with the bucket's
 * configuration, h->check with the current record; h may be NULL). On failure nothing is open.
 */
int store_write_begin(struct store *s, struct store_wkey *wk, const struct store_write_hooks *h,
                      MDB_txn **txn);
/** Removes a bucket's versions, uploads, parts and configuration (inside txn). */
int store_bucket_purge(struct store *s, MDB_txn *txn, const char *bucket);

#endif
