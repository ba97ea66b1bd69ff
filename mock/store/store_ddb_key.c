/*
 * store_ddb_key.c - the key layout of the ddb_items map, shared by the tables and items
 * (store_ddb.c) and their secondary indexes (store_ddb_index.c): big-endian ids, the LMDB key
 * of an encoded primary key under a table's or an index's id, and the prefix walk over one id.
 */
#include "lockyard/check.h"
#include "store_ddb_int.h"

#include <lmdb.h>
#include <string.h>

void sddb_put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

uint64_t sddb_get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int sddb_seek_prefix(MDB_cursor *cur, const unsigned char *p, size_t pl, const void *start,
                     size_t sl, MDB_val *k, MDB_val *v)
{
    k->mv_data = (void *)(start ? start : p);
    k->mv_size = start ? sl : pl;
    if (mdb_cursor_get(cur, k, v, MDB_SET_RANGE) != 0)
        return 0;
    return k->mv_size >= pl && memcmp(k->mv_data, p, pl) == 0;
}

int sddb_delete_range(struct store *s, MDB_txn *txn, uint64_t id)
{
    unsigned char p[SDDB_ID_BYTES];
    MDB_cursor *cur;
    MDB_val k, v;
    sddb_put_u64(p, id);
    int rc = store_map_rc(mdb_cursor_open(txn, s->ddb_items, &cur));
    if (rc)
        return rc;
    while (!rc && sddb_seek_prefix(cur, p, SDDB_ID_BYTES, NULL, 0, &k, &v))
        rc = store_map_rc(mdb_cursor_del(cur, 0));
    mdb_cursor_close(cur);
    return rc;
}

/* Keys longer than fit keep their first STORE_DDB_KEY_EXACT_BYTES and end with a hash of the
 * whole encoding (see store_ddb.h). */
int sddb_item_key(uint64_t id, const void *enc, size_t len, unsigned char *buf, MDB_val *k)
{
    LY_ASSERT(enc && len > 0); /* every primary key encodes to at least one byte */
    sddb_put_u64(buf, id);
    if (SDDB_ID_BYTES + len < SDDB_KEY_MAX) {
        memcpy(buf + SDDB_ID_BYTES, enc, len);
        k->mv_size = SDDB_ID_BYTES + len;
    } else {
        if (ly_key_hash(enc, len, buf + SDDB_ID_BYTES + STORE_DDB_KEY_EXACT_BYTES))
            return LY_ENOMEM;
        memcpy(buf + SDDB_ID_BYTES, enc, STORE_DDB_KEY_EXACT_BYTES);
        k->mv_size = SDDB_KEY_MAX;
    }
    k->mv_data = buf;
    return 0;
}
