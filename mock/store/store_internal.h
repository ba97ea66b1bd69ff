/*
 * store_internal.h - the LMDB environment shared by the store files (private to mock/store).
 */
#ifndef LOCKYARD_STORE_INTERNAL_H
#define LOCKYARD_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdint.h>

#include "lockyard/store.h"

/*
 * LMDB keys are shorter (mdb_env_get_maxkeysize: 511 with the usual build) than
 * "bucket\0key" can be (1088). An object key that does not fit is stored under
 * "bucket\0" + its first bytes + "\0" + a hash of the whole key, and the full key is kept
 * in the longkeys database under that LMDB key. Listing order stays exact except among
 * keys that share those first bytes (about 430 of them).
 */
struct store {
    MDB_env *env;
    MDB_dbi meta, buckets, objects, blobs, longkeys;
    MDB_dbi ddb_tables, ddb_items, ddb_tokens; /* store_ddb.c */
    size_t lmdb_key_bytes_max;
    char *dir;
    int temporary;
    struct store_snapshot *read_at; /* reads use this snapshot instead of the current state */
};

struct store_snapshot {
    MDB_txn *txn;                    /* a read transaction kept open */
};

/** Starts a read: the store_read_at snapshot's transaction, or a new read transaction. */
int store_read_begin(struct store *s, MDB_txn **txn);
/** Ends a read started by store_read_begin (a snapshot's transaction stays open). */
void store_read_end(struct store *s, MDB_txn *txn);

/** LMDB return code -> LY_E* code. */
int store_map_rc(int rc);
/** An MDB_val over a NUL-terminated string (without the NUL). */
MDB_val store_str_val(const char *s);
/** Increments and returns the store-wide commit sequence number inside txn. */
int store_next_seq(struct store *s, MDB_txn *txn, uint64_t *seq);

#endif
