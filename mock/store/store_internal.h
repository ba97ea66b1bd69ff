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
};

/** LMDB return code -> LY_E* code. */
int store_map_rc(int rc);
/** An MDB_val over a NUL-terminated string (without the NUL). */
MDB_val store_str_val(const char *s);
/** Increments and returns the store-wide commit sequence number inside txn. */
int store_next_seq(struct store *s, MDB_txn *txn, uint64_t *seq);

#endif
