/*
 * store.c - the LMDB environment: open, close, reset, sequence numbers (see store.h).
 * Every public call opens and finishes its own transaction.
 */
#include "lockyard/store.h"
#include "lockyard/check.h"
#include "lockyard/checksum.h"
#include "store_internal.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static int open_dbs(struct store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return store_map_rc(rc);
    if (!rc)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    if (!rc)
        rc = mdb_dbi_open(txn, "buckets", MDB_CREATE, &s->buckets);
    if (!rc)
        rc = mdb_dbi_open(txn, "objects", MDB_CREATE, &s->objects);
    if (!rc)
        rc = mdb_dbi_open(txn, "blobs", MDB_CREATE, &s->blobs);
    if (!rc)
        rc = mdb_dbi_open(txn, "longkeys", MDB_CREATE, &s->longkeys);
    if (!rc)
        rc = mdb_dbi_open(txn, "ddb_tables", MDB_CREATE, &s->ddb_tables);
    if (!rc)
        rc = mdb_dbi_open(txn, "ddb_items", MDB_CREATE, &s->ddb_items);
    if (!rc)
        rc = mdb_dbi_open(txn, "ddb_tokens", MDB_CREATE, &s->ddb_tokens);
    if (!rc)
        rc = mdb_dbi_open(txn, "versions", MDB_CREATE, &s->versions);
    if (!rc)
        rc = mdb_dbi_open(txn, "uploads", MDB_CREATE, &s->uploads);
    if (!rc)
        rc = mdb_dbi_open(txn, "parts", MDB_CREATE, &s->parts);
    if (!rc)
        rc = mdb_dbi_open(txn, "bconf", MDB_CREATE, &s->bconf);
    if (!rc && store_blob_init(s, txn) != 0) {
        fprintf(stderr, "lockyard: cannot open the blob directory %s/blobs: %s\n", s->dir,
                strerror(errno));
        rc = EIO;
    }
    if (rc) {
        mdb_txn_abort(txn);
        return store_map_rc(rc);
    }
    return store_map_rc(mdb_txn_commit(txn));
}

/*
 * LMDB maps its lock file: on a full filesystem the mapping's pages cannot be backed and the
 * first touch is a SIGBUS. So the lock file's room is allocated before LMDB opens, and a
 * filesystem without STORE_FREE_BYTES_MIN free is refused with a message.
 */
#define STORE_FREE_BYTES_MIN (1u << 20)
#define LOCK_FILE_BYTES (64u << 10)

static int room_or_complain(const char *dir)
{
    struct statvfs fs;
    char path[4200];
    if (statvfs(dir, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < STORE_FREE_BYTES_MIN) {
        fprintf(stderr,
                "lockyard: no space for the store in %s: %llu bytes free, at least %u "
                "needed\n",
                dir, (unsigned long long)fs.f_bavail * fs.f_frsize, STORE_FREE_BYTES_MIN);
        return -1;
    }
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = fd < 0 ? errno : posix_fallocate(fd, 0, LOCK_FILE_BYTES);
    if (fd >= 0)
        close(fd);
    if (rc && rc != EOPNOTSUPP && rc != EINVAL) {
        fprintf(stderr, "lockyard: cannot create the store's lock file %s: %s\n", path,
                strerror(rc));
        return -1;
    }
    return 0;
}

/* Opens the LMDB environment with a map of map_bytes of address space, or, where the process
 * may not map that much (ulimit -v, valgrind), the largest half of it down to 1 GiB that it
 * may: the map bounds the store's size, not its memory. */
static int env_open_fitting(struct store *s, size_t map_bytes, unsigned flags)
{
    for (;;) {
        int rc = mdb_env_create(&s->env);
        if (!rc)
            rc = mdb_env_set_maxdbs(s->env, 32);
        if (!rc)
            rc = mdb_env_set_mapsize(s->env, map_bytes);
        if (!rc)
            rc = mdb_env_open(s->env, s->dir, flags, 0644);
        if (!rc || (rc != EINVAL && rc != ENOMEM) || map_bytes <= ((size_t)1 << 30))
            return rc;
        mdb_env_close(s->env);
        s->env = NULL;
        map_bytes /= 2;
        fprintf(stderr, "lockyard: cannot map the store's full size; trying %zu MiB\n",
                map_bytes >> 20);
    }
}

int store_open(const struct store_opts *opts, struct store **out)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s)
        return LY_ENOMEM;
    if (opts->dir) {
        s->dir = strdup(opts->dir);
        if (s->dir && mkdir(s->dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "lockyard: cannot create %s: %s\n", s->dir, strerror(errno));
            goto fail;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        char tmpl[4096];
        snprintf(tmpl, sizeof tmpl, "%s/lockyard-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        s->dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
        s->temporary = 1;
    }
    if (!s->dir)
        goto fail;
    if (room_or_complain(s->dir) != 0)
        goto fail;
    s->durability = (int)opts->durability;
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
    if (opts->durability != STORE_DURABILITY_FSYNC || s->temporary)
        flags |= MDB_NOSYNC | MDB_NOMETASYNC;
    /* A temporary store (--memory) is deleted at exit and never synced: its pages are written
     * in the map itself, so a commit makes no write system call (LMDB's MDB_WRITEMAP). */
    if (s->temporary)
        flags |= MDB_WRITEMAP;
    /* group durability on disk: the writes between two syncs share one transaction (LMDB
     * nests transactions only without MDB_WRITEMAP) */
    s->batching = opts->durability == STORE_DURABILITY_GROUP && !s->temporary;
    int rc = env_open_fitting(s, opts->map_bytes, flags);
    if (rc) {
        fprintf(stderr, "lockyard: cannot open LMDB in %s: %s\n", s->dir, mdb_strerror(rc));
        goto fail;
    }
    if (open_dbs(s) != 0)
        goto fail;
    s->lmdb_key_bytes_max = (size_t)mdb_env_get_maxkeysize(s->env);
    LY_ASSERT(s->lmdb_key_bytes_max > 63 + 1 + 1 + LY_KEY_HASH_BYTES + 64);
    LY_ASSERT(s->lmdb_key_bytes_max >= 511); /* store_ddb.c keys use up to 511 bytes */
    *out = s;
    return 0;
fail:
    store_close(s);
    return LY_EIO;
}

static void remove_temp(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->reader)
        mdb_txn_abort(s->reader);
    if (s->child) /* not expected: every write ends before the loop does */
        store_wtxn_abort(s, s->child);
    (void)store_flush(s);
    if (s->env && !s->temporary)
        mdb_env_sync(s->env, 1); /* group/none modes: a clean stop leaves everything on disk */
    store_blob_fini(s);
    if (s->env)
        mdb_env_close(s->env);
    if (s->temporary && s->dir)
        remove_temp(s->dir);
    free(s->dir);
    free(s);
}

int store_is_temporary(const struct store *s)
{
    return s->temporary;
}

const char *store_dir(const struct store *s)
{
    return s->dir;
}

uint64_t store_used_bytes(struct store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
        return 0;
    return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

int store_reset(struct store *s)
{
    MDB_txn *txn;
    s->ddb_tables_gen++; /* the DynamoDB tables go: what was read of them is stale */
    int rc = store_wtxn_begin(s, &txn);
    if (rc)
        return store_map_rc(rc);
    if (!rc)
        rc = mdb_drop(txn, s->objects, 0);
    if (!rc)
        rc = mdb_drop(txn, s->blobs, 0);
    if (!rc)
        rc = mdb_drop(txn, s->longkeys, 0);
    if (!rc)
        rc = mdb_drop(txn, s->versions, 0);
    if (!rc)
        rc = mdb_drop(txn, s->uploads, 0);
    if (!rc)
        rc = mdb_drop(txn, s->parts, 0);
    if (!rc)
        rc = mdb_drop(txn, s->bconf, 0);
    if (!rc)
        rc = mdb_drop(txn, s->buckets, 0);
    if (!rc)
        rc = mdb_drop(txn, s->ddb_tables, 0);
    if (!rc)
        rc = mdb_drop(txn, s->ddb_items, 0);
    if (!rc)
        rc = mdb_drop(txn, s->ddb_tokens, 0);
    store_blob_txn_begin(s);
    if (!rc && store_blob_unref_all(s, txn) != 0)
        rc = EIO;
    if (rc) {
        store_wtxn_abort(s, txn);
        return store_map_rc(rc);
    }
    rc = store_map_rc(store_wtxn_commit(s, txn));
    if (!rc)
        rc = store_flush(s);
    if (!rc && s->durability == STORE_DURABILITY_GROUP && (rc = store_sync(s)) == 0)
        store_blob_collect(s); /* rare: the blobs go now rather than after the next sync */
    return rc;
}

MDB_val store_str_val(const char *s)
{
    MDB_val v = {strlen(s), (void *)s};
    return v;
}

int store_next_seq(struct store *s, MDB_txn *txn, uint64_t *seq)
{
    MDB_val k = store_str_val("seq"), v;
    uint64_t n = 0;
    int rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        memcpy(&n, v.mv_data, 8);
    else if (rc != MDB_NOTFOUND)
        return store_map_rc(rc ? rc : MDB_CORRUPTED);
    n = (n > s->seq_floor ? n : s->seq_floor) + 1;
    s->seq_floor = n;
    v.mv_size = 8;
    v.mv_data = &n;
    rc = mdb_put(txn, s->meta, &k, &v, 0);
    *seq = n;
    return store_map_rc(rc);
}

static int sync_env(struct store *s)
{
    return mdb_env_sync(s->env, 1) == 0 ? 0 : LY_EIO;
}

int store_sync(struct store *s)
{
    if (s->temporary)
        return 0; /* a temporary store is deleted at exit: nothing to make durable */
    return store_blob_sync(s, sync_env);
}

int store_value_split(const MDB_val *v, MDB_val *rec, MDB_val *body)
{
    uint32_t n;
    if (v->mv_size < 4)
        return LY_EIO;
    memcpy(&n, v->mv_data, 4);
    if (n > v->mv_size - 4)
        return LY_EIO;
    rec->mv_data = (char *)v->mv_data + 4;
    rec->mv_size = n;
    body->mv_data = (char *)v->mv_data + 4 + n;
    body->mv_size = v->mv_size - 4 - n;
    return 0;
}

int store_value_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const MDB_val *rec, const MDB_val *body,
                    int from_lmdb)
{
    size_t total = 4 + rec->mv_size + body->mv_size;
    uint32_t n = (uint32_t)rec->mv_size;
    char *copy = NULL;
    MDB_val v = {total, NULL};
    int rc;
    if (from_lmdb) {
        /* rec/body point into this transaction's pages, which a put may move: copy first. */
        copy = malloc(total);
        if (!copy)
            return LY_ENOMEM;
        v.mv_data = copy;
    } else if ((rc = store_map_rc(mdb_put(txn, dbi, k, &v, MDB_RESERVE))) != 0) {
        return rc;
    }
    memcpy(v.mv_data, &n, 4);
    memcpy((char *)v.mv_data + 4, rec->mv_data, rec->mv_size);
    if (body->mv_size)
        memcpy((char *)v.mv_data + 4 + rec->mv_size, body->mv_data, body->mv_size);
    rc = from_lmdb ? store_map_rc(mdb_put(txn, dbi, k, &v, 0)) : 0;
    free(copy);
    return rc;
}
