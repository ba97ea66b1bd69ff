/*
 * store_txn.c - LMDB transactions: reads (and snapshots), writes, and the batch group durability
 * shares among writes; LMDB codes as lockyard codes.
 *
 * With --durability group on disk, the writes of many requests share one LMDB transaction, the
 * batch: each write is a child (nested) transaction of it, committed into the batch or aborted
 * on its own. The batch is committed, without a sync, when something needs the committed state
 * from outside it: a read or a snapshot (they see every write applied before them, as without
 * batching), the next sync (net/pipeline.c flushes before it starts one), a reset, close. One
 * commit per batch writes each page the batch touched once, where a commit per request wrote
 * the tree's path and the free list again for every request (about 7 pwrite calls each).
 * No answer depends on it: an answer of group durability waits for the sync after the flush.
 * Without batching (other modes, --memory) every write is a transaction of its own.
 */
#include "lockyard/store.h"
#include "lockyard/check.h"
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A batch is committed after this many writes even when no sync or read asks for it (a burst
 * over many connections while a slow sync runs): its dirty pages stay a few megabytes. Its
 * answers still wait for the sync that follows. */
#define STORE_BATCH_WRITES_MAX 1024

/*
 * A failed write is answered 500 (or 503 for a full map); the operator learns the cause here.
 * One line a second at most: a full disk fails every write. The limiter is the only state.
 */
static void log_write_failure(int rc)
{
    static time_t last;
    time_t now = time(NULL);
    if (now == last)
        return;
    last = now;
    if (rc == MDB_MAP_FULL)
        fprintf(stderr,
                "lockyard: store full: the LMDB map size is used up (%s); writes fail "
                "until objects are deleted or the store is reset\n",
                mdb_strerror(rc));
    else
        fprintf(stderr, "lockyard: store write failed: %s\n", mdb_strerror(rc));
}

int store_map_rc(int rc)
{
    if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT || rc == EIO || rc == EROFS ||
        rc == EFBIG)
        log_write_failure(rc);
    switch (rc) {
    case 0: return 0;
    case MDB_NOTFOUND: return LY_ENOENT;
    case MDB_KEYEXIST: return LY_EEXIST;
    case MDB_MAP_FULL: return LY_EFULL;
    case ENOMEM: return LY_ENOMEM;
    default: return LY_EIO;
    }
}

/* Reads renew one kept read transaction (a renewal costs a third of a begin and an abort); a
 * read started while it is in use gets a transaction of its own. */
int store_read_begin(struct store *s, MDB_txn **txn)
{
    if (s->read_at) {
        *txn = s->read_at->txn;
        return 0;
    }
    (void)store_flush(s); /* a read sees every write applied before it (a lost batch: 500s) */
    if (s->reader && !s->reader_busy && mdb_txn_renew(s->reader) == 0) {
        s->reader_busy = 1;
        *txn = s->reader;
        return 0;
    }
    return store_map_rc(mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn));
}

void store_read_end(struct store *s, MDB_txn *txn)
{
    if (s->read_at && txn == s->read_at->txn)
        return;
    if (txn == s->reader || !s->reader) {
        mdb_txn_reset(txn); /* kept for the next read */
        s->reader = txn;
        s->reader_busy = 0;
        return;
    }
    mdb_txn_abort(txn);
}

int store_snapshot_take(struct store *s, struct store_snapshot **out)
{
    struct store_snapshot *snap = calloc(1, sizeof *snap);
    if (!snap)
        return LY_ENOMEM;
    (void)store_flush(s);
    int rc = store_map_rc(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &snap->txn));
    if (rc) {
        free(snap);
        return rc;
    }
    store_blob_snap_open(s, (uint64_t)mdb_txn_id(snap->txn));
    *out = snap;
    return 0;
}

void store_snapshot_free(struct store *s, struct store_snapshot *snap)
{
    if (!snap)
        return;
    if (s->read_at == snap)
        s->read_at = NULL;
    uint64_t id = (uint64_t)mdb_txn_id(snap->txn);
    mdb_txn_abort(snap->txn);
    free(snap);
    store_blob_snap_close(s, id);
}

void store_read_at(struct store *s, struct store_snapshot *snap)
{
    s->read_at = snap;
}

/* Commits the open batch, if no child is open. @return an LMDB code */
static int flush_batch(struct store *s)
{
    if (!s->batch || s->child)
        return 0;
    MDB_txn *batch = s->batch;
    s->batch = NULL;
    int rc = store_blob_batch_commit(s, batch);
    s->seq_closed = s->batch_seq;
    if (rc) {
        s->seq_lost = s->batch_seq;
        s->ddb_tables_gen++; /* tables the batch made or dropped: what was read of them is stale */
    }
    return rc;
}

int store_wtxn_begin(struct store *s, MDB_txn **txn)
{
    store_blob_txn_begin(s); /* the blob lists are this transaction's */
    if (!s->batching)
        return mdb_txn_begin(s->env, NULL, 0, txn);
    if (s->child) /* a write inside a write: a store bug; refused rather than nested deeper */
        return EINVAL;
    int rc = s->batch_writes >= STORE_BATCH_WRITES_MAX ? flush_batch(s) : 0;
    if (rc)
        return rc;
    if (!s->batch) {
        if ((rc = mdb_txn_begin(s->env, NULL, 0, &s->batch)) != 0) {
            s->batch = NULL;
            return rc;
        }
        s->batch_seq = s->seq_closed + 1;
        s->batch_writes = 0;
    }
    if ((rc = mdb_txn_begin(s->env, s->batch, 0, txn)) != 0)
        return rc;
    s->child = *txn;
    return 0;
}

int store_wtxn_commit(struct store *s, MDB_txn *txn)
{
    if (txn != s->child)
        return store_blob_commit(s, txn); /* a transaction of its own */
    s->child = NULL;
    int rc = mdb_txn_commit(txn);
    if (rc == 0) {
        store_blob_child_committed(s);
        s->batch_writes++;
    }
    return rc;
}

void store_wtxn_abort(struct store *s, MDB_txn *txn)
{
    if (txn == s->child)
        s->child = NULL;
    mdb_txn_abort(txn);
}

int store_flush(struct store *s)
{
    return store_map_rc(flush_batch(s));
}

uint64_t store_lost_id(const struct store *s)
{
    return s->seq_lost;
}

uint64_t store_commit_id(struct store *s)
{
    return s->batch ? s->batch_seq : s->seq_closed;
}
