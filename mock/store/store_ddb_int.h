/*
 * store_ddb_int.h - shared by store_ddb.c, store_ddb_index.c and store_ddb_key.c only (private
 * to mock/store). The files depend one way: store_ddb.c (tables, items) -> store_ddb_index.c
 * (GSI/LSI maintenance) -> store_ddb_key.c (key layout); store_ddb.c also uses store_ddb_key.c.
 */
#ifndef LOCKYARD_STORE_DDB_INT_H
#define LOCKYARD_STORE_DDB_INT_H

#include <lmdb.h>

#include "lockyard/checksum.h"
#include "lockyard/store_ddb.h"
#include "store_internal.h"

#define SDDB_ID_BYTES 8
#define SDDB_HASH_BYTES LY_KEY_HASH_BYTES
#define SDDB_KEY_MAX (SDDB_ID_BYTES + STORE_DDB_KEY_EXACT_BYTES + SDDB_HASH_BYTES)
#define SDDB_SCRATCH_BYTES (8u << 20)

/* ---- store_ddb_key.c ---- */
void sddb_put_u64(unsigned char *p, uint64_t v);
uint64_t sddb_get_u64(const unsigned char *p);
/** Positions cur at the first key >= start (or the prefix p[pl] when start is NULL); 1 when
 * that key begins with p, 0 when there is none. */
int sddb_seek_prefix(MDB_cursor *cur, const unsigned char *p, size_t pl, const void *start,
                     size_t sl, MDB_val *k, MDB_val *v);
/** The LMDB key of encoding enc under id (a table's or an index's) into buf[SDDB_KEY_MAX]. */
int sddb_item_key(uint64_t id, const void *enc, size_t len, unsigned char *buf, MDB_val *k);
/** Deletes every ddb_items key under id. */
int sddb_delete_range(struct store *s, MDB_txn *txn, uint64_t id);

/* ---- store_ddb_index.c ---- */

/** Appends the index section of a table record (nothing when it has no index). */
int sddb_idx_encode(const struct store_ddb_table *t, struct ly_buf *out);
/** Decodes an index section (p may be empty) into t (arena a). LY_EIO when corrupt. */
int sddb_idx_decode(const unsigned char *p, size_t n, struct ly_arena *a,
                    struct store_ddb_table *t);

/** Replaces the index entries of one item: old (NULL: absent) -> item (NULL: deleted). */
int sddb_idx_update(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                    const struct ddb_map *old, const struct ddb_map *item);
/**
 * After a table-record change from before to t: assigns ids to (and backfills) the indexes
 * of t whose id is 0, and drops the entries of the indexes of before that t no longer has.
 */
int sddb_idx_reconcile(struct store *s, MDB_txn *txn, const struct store_ddb_table *before,
                       struct store_ddb_table *t);
/** Drops the entries of every index of t (DeleteTable). */
int sddb_idx_drop_all(struct store *s, MDB_txn *txn, const struct store_ddb_table *t);
/** The table's full item behind an index entry (projected), into a; *found 0 if none. */
int sddb_idx_base_item(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                       const struct ddb_map *entry, struct ly_arena *a, struct ddb_map *out,
                       int *found);

#endif
