/*
 * store_bconf.c - a bucket's configuration (see store_version.h): "bucket\0name" -> value in
 * the bconf database. The policy document is stored as sent; beside it, "policy.gen" holds the
 * store's commit sequence number of the write that stored it, so a compiled copy can be cached
 * by generation (a new document always gets a new generation: the sequence never goes back,
 * not even through store_reset).
 */
#include "lockyard/store_version.h"
#include "store_internal.h"

#include <lmdb.h>
#include <string.h>

#define CONF_KEY_BYTES_MAX 128
#define POLICY_GEN "policy.gen"

static int conf_key(const char *bucket, const char *name, char *buf, MDB_val *k)
{
    size_t bl = strlen(bucket), nl = strlen(name);
    if (bl + 1 + nl > CONF_KEY_BYTES_MAX)
        return LY_EINVAL;
    memcpy(buf, bucket, bl + 1);
    memcpy(buf + bl + 1, name, nl);
    k->mv_data = buf;
    k->mv_size = bl + 1 + nl;
    return 0;
}

static int conf_get_txn(struct store *s, MDB_txn *txn, const char *bucket, const char *name,
                        MDB_val *v)
{
    char buf[CONF_KEY_BYTES_MAX];
    MDB_val k;
    int rc = conf_key(bucket, name, buf, &k);
    if (!rc)
        rc = store_map_rc(mdb_get(txn, s->bconf, &k, v));
    return rc;
}

/* Sets (value != NULL) or removes one configuration value inside txn. */
static int conf_put_txn(struct store *s, MDB_txn *txn, const char *bucket, const char *name,
                        const void *value, size_t len)
{
    char buf[CONF_KEY_BYTES_MAX];
    MDB_val k;
    int rc = conf_key(bucket, name, buf, &k);
    if (!rc && value) {
        MDB_val v = {len, (void *)value};
        rc = store_map_rc(mdb_put(txn, s->bconf, &k, &v, 0));
    } else if (!rc) {
        int r = mdb_del(txn, s->bconf, &k, NULL);
        rc = r == MDB_NOTFOUND ? 0 : store_map_rc(r);
    }
    return rc;
}

int store_bucket_conf_get(struct store *s, const char *bucket, const char *name, struct ly_arena *a,
                          char **value, size_t *len)
{
    MDB_txn *txn;
    MDB_val v;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = conf_get_txn(s, txn, bucket, name, &v);
    if (!rc) {
        *value = ly_arena_strndup(a, v.mv_data, v.mv_size);
        *len = v.mv_size;
        rc = *value ? 0 : LY_ENOMEM;
    }
    store_read_end(s, txn);
    return rc;
}

int store_bucket_conf_put(struct store *s, const char *bucket, const char *name, const char *value,
                          size_t len)
{
    MDB_txn *txn;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = conf_put_txn(s, txn, bucket, name, value, len);
    if (!rc && strcmp(name, STORE_CONF_POLICY) == 0) {
        uint64_t gen = 0;
        rc = store_next_seq(s, txn, &gen);
        if (!rc)
            rc = conf_put_txn(s, txn, bucket, POLICY_GEN, value ? &gen : NULL, sizeof gen);
    }
    if (!rc)
        return store_map_rc(store_wtxn_commit(s, txn));
    store_wtxn_abort(s, txn);
    return rc;
}

int store_versioning_txn(struct store *s, MDB_txn *txn, const char *bucket,
                         enum store_versioning *out)
{
    MDB_val v;
    int rc = conf_get_txn(s, txn, bucket, STORE_CONF_VERSIONING, &v);
    *out = STORE_VERSIONING_OFF;
    if (rc == LY_ENOENT)
        return 0;
    if (!rc && v.mv_size == 7 && memcmp(v.mv_data, "Enabled", 7) == 0)
        *out = STORE_VERSIONING_ENABLED;
    else if (!rc && v.mv_size == 9 && memcmp(v.mv_data, "Suspended", 9) == 0)
        *out = STORE_VERSIONING_SUSPENDED;
    return rc;
}

int store_bucket_versioning(struct store *s, const char *bucket, enum store_versioning *out)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_versioning_txn(s, txn, bucket, out);
    store_read_end(s, txn);
    return rc;
}

int store_bconf_read(struct store *s, MDB_txn *txn, const char *bucket, struct store_bconf *out)
{
    MDB_val v;
    memset(out, 0, sizeof *out);
    int rc = store_versioning_txn(s, txn, bucket, &out->versioning);
    if (!rc)
        rc = conf_get_txn(s, txn, bucket, STORE_CONF_POLICY, &v);
    if (rc)
        return rc == LY_ENOENT ? 0 : rc;
    out->policy = v.mv_data;
    out->policy_len = v.mv_size;
    rc = conf_get_txn(s, txn, bucket, POLICY_GEN, &v);
    if (!rc && v.mv_size == sizeof out->policy_gen)
        memcpy(&out->policy_gen, v.mv_data, sizeof out->policy_gen);
    return rc == LY_ENOENT ? 0 : rc; /* no generation (an older store): never cached */
}

int store_bucket_conf_with(struct store *s, const char *bucket, store_conf_fn fn, void *ctx)
{
    MDB_txn *txn;
    struct store_bconf conf;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_bconf_read(s, txn, bucket, &conf);
    if (!rc)
        rc = fn(ctx, &conf);
    store_read_end(s, txn);
    return rc;
}

int store_write_begin(struct store *s, struct store_wkey *wk, const struct store_write_hooks *h,
                      MDB_txn **txn)
{
    *txn = NULL;
    int rc = store_obj_key(s, wk->bucket, wk->key, wk->buf, &wk->k, &wk->is_long);
    if (!rc)
        rc = store_map_rc(store_wtxn_begin(s, txn));
    store_blob_txn_begin(s);
    if (!rc)
        rc = store_bucket_exists(s, *txn, wk->bucket);
    if (!rc && h && h->conf) {
        struct store_bconf conf;
        rc = store_bconf_read(s, *txn, wk->bucket, &conf);
        if (!rc)
            rc = h->conf(h->ctx, &conf);
    }
    if (!rc && h)
        rc = store_run_check(s, *txn, &wk->k, h->check, h->ctx);
    if (rc && *txn) {
        store_wtxn_abort(s, *txn);
        *txn = NULL;
    }
    return rc;
}
