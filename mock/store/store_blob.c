/*
 * store_blob.c - large bodies in files of their own (see lockyard/store_blob.h).
 */
#include "lockyard/store_blob.h"
#include "store_internal.h"
#include "store_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID_LEN STORE_BLOB_ID_LEN

#define SNAPS_MAX 64 /* more open snapshots: every drop waits for them all */

struct blobent {
    char id[ID_LEN + 1];
    uint64_t txn; /* a dropped blob: the commit that dropped it */
};

struct idlist {
    struct blobent *e;
    size_t n, cap;
};

/*
 * A dropped blob is unlinked once its commit is durable (at once without durability or with
 * fsync, after store_sync in group mode) and no snapshot (store_snapshot_take: stale reads)
 * older than that commit is open, since such a snapshot may still read the file.
 */
struct store_blobq {
    int dirfd;                 /* DIR/blobs */
    struct idlist txn_new;     /* loop: blobs the open write transaction refers to */
    struct idlist txn_drops;   /* loop: blobs it stops referring to */
    struct idlist batch_new;   /* loop: the same for the batch's committed children */
    struct idlist batch_drops; /* (store_txn.c), until the batch is committed */
    struct idlist deferred;    /* loop: durable drops an open snapshot may still read */
    uint64_t snaps[SNAPS_MAX]; /* loop: the transaction ids of the open snapshots */
    size_t nsnaps, snaps_lost; /* loop: snapshots not in snaps (then every drop waits) */
    pthread_mutex_t mu;
    struct idlist unsynced; /* under mu: committed blobs the next store_sync syncs */
    struct idlist dropped;  /* under mu: dropped blobs the next store_sync makes durable */
    struct idlist synced;   /* under mu: durable drops the loop unlinks (or defers) */
    atomic_int has_synced;  /* synced is not empty (read without mu first) */
    atomic_int unlinking;   /* unlink_apart threads still running */
};

static int idlist_add(struct idlist *l, const char *id, uint64_t txn)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        void *p = realloc(l->e, cap * sizeof *l->e);
        if (!p)
            return LY_ENOMEM;
        l->e = p;
        l->cap = cap;
    }
    memcpy(l->e[l->n].id, id, ID_LEN);
    l->e[l->n].id[ID_LEN] = '\0';
    l->e[l->n++].txn = txn;
    return 0;
}

/* Appends all of src to dst and empties src. */
static int idlist_move(struct idlist *dst, struct idlist *src)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < src->n; i++)
        rc = idlist_add(dst, src->e[i].id, src->e[i].txn);
    src->n = 0;
    return rc;
}

static int id_ok(const char *id, size_t n)
{
    if (n != ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return 0;
    return 1;
}

struct unlink_job {
    atomic_int *live; /* the store's count of these threads (store_blob_fini waits for 0) */
    char path[];
};

static void *unlink_path(void *arg)
{
    struct unlink_job *j = arg;
    unlink(j->path);
    atomic_fetch_sub(j->live, 1);
    free(j);
    return NULL;
}

/* Removing a 200 MiB file frees its pages: 20-50 ms on tmpfs. The loop hands that to a
 * short-lived thread of its own (at once when no thread can be started). */
static void unlink_apart(struct store *s, const char *id)
{
    size_t n = strlen(s->dir) + sizeof "/blobs/" + ID_LEN;
    struct unlink_job *j = malloc(sizeof *j + n);
    pthread_attr_t attr;
    pthread_t t;
    int ok = 0;
    if (j && pthread_attr_init(&attr) == 0) {
        j->live = &s->bq->unlinking;
        snprintf(j->path, n, "%s/blobs/%s", s->dir, id);
        atomic_fetch_add(j->live, 1);
        ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
             pthread_create(&t, &attr, unlink_path, j) == 0;
        if (!ok)
            atomic_fetch_sub(j->live, 1);
        pthread_attr_destroy(&attr);
    }
    if (!ok) {
        free(j);
        (void)unlinkat(s->bq->dirfd, id, 0);
    }
}

/* Waits (at most 10 s) for the unlinking threads: a temporary store's directory can go then. */
static void unlinks_wait(struct store_blobq *q)
{
    for (int i = 0; i < 10000 && atomic_load(&q->unlinking) > 0; i++)
        usleep(1000);
}

static void unlink_all(struct store *s, struct idlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        (void)unlinkat(s->bq->dirfd, l->e[i].id, 0);
    l->n = 0;
}

/* The oldest open snapshot's transaction id (UINT64_MAX: none; 0: not known). */
static uint64_t oldest_snap(const struct store_blobq *q)
{
    uint64_t m = q->snaps_lost ? 0 : UINT64_MAX;
    for (size_t i = 0; i < q->nsnaps; i++)
        m = q->snaps[i] < m ? q->snaps[i] : m;
    return m;
}

/* Durable drops (src, emptied): unlinked, or deferred while a snapshot may read them. */
static void release(struct store *s, struct idlist *src)
{
    struct store_blobq *q = s->bq;
    uint64_t oldest = oldest_snap(q);
    for (size_t i = 0; i < src->n; i++)
        if (src->e[i].txn <= oldest || idlist_add(&q->deferred, src->e[i].id, src->e[i].txn))
            unlink_apart(s, src->e[i].id); /* no snapshot sees it */
    src->n = 0;
}

/* The loop takes the drops store_sync made durable. */
static void take_synced(struct store *s)
{
    struct store_blobq *q = s->bq;
    struct idlist got = {0};
    if (!atomic_load(&q->has_synced))
        return;
    pthread_mutex_lock(&q->mu);
    got = q->synced;
    memset(&q->synced, 0, sizeof q->synced);
    atomic_store(&q->has_synced, 0);
    pthread_mutex_unlock(&q->mu);
    release(s, &got);
    free(got.e);
}

void store_blob_snap_open(struct store *s, uint64_t txn)
{
    struct store_blobq *q = s->bq;
    if (q->nsnaps < SNAPS_MAX)
        q->snaps[q->nsnaps++] = txn;
    else
        q->snaps_lost++;
}

void store_blob_snap_close(struct store *s, uint64_t txn)
{
    struct store_blobq *q = s->bq;
    size_t i = 0;
    while (i < q->nsnaps && q->snaps[i] != txn)
        i++;
    if (i < q->nsnaps)
        q->snaps[i] = q->snaps[--q->nsnaps];
    else if (q->snaps_lost)
        q->snaps_lost--;
    store_blob_collect(s);
}

uint64_t store_blob_pin(struct store *s)
{
    MDB_envinfo info; /* the last commit: what the loop's reads see; later drops wait */
    uint64_t id = mdb_env_info(s->env, &info) == 0 ? (uint64_t)info.me_last_txnid : 0;
    store_blob_snap_open(s, id);
    return id;
}

void store_blob_unpin(struct store *s, uint64_t pin)
{
    store_blob_snap_close(s, pin);
}

void store_blob_collect(struct store *s)
{
    struct store_blobq *q = s->bq;
    struct idlist again = q->deferred;
    memset(&q->deferred, 0, sizeof q->deferred);
    release(s, &again); /* what no open snapshot sees goes now */
    free(again.e);
    take_synced(s);
}

/* Removes every file of DIR/blobs not listed in blobids (all of them when txn is NULL). */
static void remove_orphans(struct store *s, MDB_txn *txn)
{
    int fd = dup(s->bq->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        MDB_val k = {strlen(e->d_name), e->d_name}, v;
        if (e->d_name[0] == '.' || (txn && mdb_get(txn, s->blobids, &k, &v) == 0))
            continue;
        if (unlinkat(s->bq->dirfd, e->d_name, 0) == 0 && txn)
            fprintf(stderr, "lockyard: removed blob file %s/blobs/%s (no record refers to it)\n",
                    s->dir, e->d_name);
    }
    closedir(d);
}

int store_blob_init(struct store *s, MDB_txn *txn)
{
    char path[4200];
    s->bq = calloc(1, sizeof *s->bq);
    if (!s->bq)
        return LY_ENOMEM;
    s->bq->dirfd = -1;
    pthread_mutex_init(&s->bq->mu, NULL);
    snprintf(path, sizeof path, "%s/blobs", s->dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return LY_EIO;
    s->bq->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->bq->dirfd < 0)
        return LY_EIO;
    if (mdb_dbi_open(txn, "blobids", MDB_CREATE, &s->blobids) != 0)
        return LY_EIO;
    remove_orphans(s, txn);
    return 0;
}

void store_blob_fini(struct store *s)
{
    struct store_blobq *q = s->bq;
    if (!q)
        return;
    if (q->dirfd >= 0) { /* after the last sync: every drop is durable, no snapshot is open */
        unlink_all(s, &q->dropped);
        unlink_all(s, &q->synced);
        unlink_all(s, &q->deferred);
        if (s->temporary) {
            char path[4200];
            unlinks_wait(q);
            remove_orphans(s, NULL);
            snprintf(path, sizeof path, "%s/blobs", s->dir);
            rmdir(path);
        }
        close(q->dirfd);
    }
    pthread_mutex_destroy(&q->mu);
    free(q->txn_new.e);
    free(q->txn_drops.e);
    free(q->batch_new.e);
    free(q->batch_drops.e);
    free(q->deferred.e);
    free(q->unsynced.e);
    free(q->dropped.e);
    free(q->synced.e);
    free(q);
    s->bq = NULL;
}

void store_blob_txn_begin(struct store *s)
{
    s->bq->txn_new.n = 0;
    s->bq->txn_drops.n = 0;
}

int store_blob_ref(struct store *s, MDB_txn *txn, const char *id)
{
    MDB_val k = {ID_LEN, (void *)id}, v = {0, ""};
    if (!id_ok(id, strlen(id)))
        return LY_EINVAL;
    int rc = mdb_put(txn, s->blobids, &k, &v, 0);
    if (rc)
        return rc == MDB_MAP_FULL ? LY_EFULL : LY_EIO;
    return idlist_add(&s->bq->txn_new, id, 0);
}

static int unref_id(struct store *s, MDB_txn *txn, const char *id)
{
    MDB_val k = {ID_LEN, (void *)id};
    int rc = mdb_del(txn, s->blobids, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return LY_EIO;
    return idlist_add(&s->bq->txn_drops, id, 0);
}

/* The size field of list entry e (16 lowercase hex digits); 0 when it is not one. */
static int entry_size(const char *e, uint64_t *size)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        char ch = e[ID_LEN + i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (uint64_t)d;
    }
    *size = v;
    return v > 0;
}

int store_blob_slot_ok(const void *slot, size_t n)
{
    const char *p = slot;
    uint64_t size;
    if (n == ID_LEN)
        return id_ok(p, n);
    if (n == 0 || n % STORE_BLOB_ENTRY_LEN)
        return 0;
    for (size_t off = 0; off < n; off += STORE_BLOB_ENTRY_LEN)
        if (!id_ok(p + off, ID_LEN) || !entry_size(p + off, &size))
            return 0;
    return 1;
}

/* The ids of a valid body slot, one after the other: the stride between them. */
static size_t slot_stride(size_t n)
{
    return n == ID_LEN ? ID_LEN : STORE_BLOB_ENTRY_LEN;
}

int store_blob_ref_slot(struct store *s, MDB_txn *txn, const char *slot)
{
    size_t n = strlen(slot);
    int rc = store_blob_slot_ok(slot, n) ? 0 : LY_EINVAL;
    for (size_t off = 0; !rc && off < n; off += slot_stride(n)) {
        char id[ID_LEN + 1];
        memcpy(id, slot + off, ID_LEN);
        id[ID_LEN] = '\0';
        rc = store_blob_ref(s, txn, id);
    }
    return rc;
}

int store_blob_unref(struct store *s, MDB_txn *txn, const MDB_val *rec, const MDB_val *body)
{
    uint32_t flags;
    uint64_t seq;
    char id[ID_LEN + 1];
    if (record_obj_head(rec->mv_data, rec->mv_size, &flags, &seq) != 0 || !(flags & STORE_OBJ_BLOB))
        return 0;
    if (!store_blob_slot_ok(body->mv_data, body->mv_size))
        return LY_EIO;
    int rc = 0;
    for (size_t off = 0; !rc && off < body->mv_size; off += slot_stride(body->mv_size)) {
        memcpy(id, (const char *)body->mv_data + off, ID_LEN); /* pages the deletion may reuse */
        id[ID_LEN] = '\0';
        rc = unref_id(s, txn, id);
    }
    return rc;
}

int store_blob_unref_all(struct store *s, MDB_txn *txn)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = 0;
    if (mdb_cursor_open(txn, s->blobids, &c) != 0)
        return LY_EIO;
    for (int op = MDB_FIRST; !rc && mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op) == 0;
         op = MDB_NEXT)
        if (id_ok(k.mv_data, k.mv_size))
            rc = idlist_add(&s->bq->txn_drops, k.mv_data, 0);
    mdb_cursor_close(c);
    return rc ? rc : (mdb_drop(txn, s->blobids, 0) ? LY_EIO : 0);
}

/* fsync mode: the new blobs' bytes and names are on disk before the record that names them. */
static int sync_files(struct store *s, const struct idlist *l)
{
    int rc = 0;
    for (size_t i = 0; i < l->n; i++) {
        int fd = openat(s->bq->dirfd, l->e[i].id, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            continue; /* dropped and unlinked already: nothing refers to it any more */
        if (fd < 0 || fdatasync(fd) != 0)
            rc = LY_EIO;
        if (fd >= 0)
            close(fd);
    }
    if (l->n && fsync(s->bq->dirfd) != 0)
        rc = LY_EIO;
    return rc;
}

void store_blob_child_committed(struct store *s)
{
    struct store_blobq *q = s->bq;
    if (idlist_move(&q->batch_new, &q->txn_new) || idlist_move(&q->batch_drops, &q->txn_drops))
        fprintf(stderr, "lockyard: blob bookkeeping: out of memory\n"); /* files left behind */
    q->txn_new.n = q->txn_drops.n = 0;
}

int store_blob_batch_commit(struct store *s, MDB_txn *batch)
{
    struct store_blobq *q = s->bq;
    q->txn_new.n = q->txn_drops.n = 0; /* what an aborted child left */
    struct idlist t = q->txn_new;
    q->txn_new = q->batch_new;
    q->batch_new = t;
    t = q->txn_drops;
    q->txn_drops = q->batch_drops;
    q->batch_drops = t;
    return store_blob_commit(s, batch);
}

int store_blob_commit(struct store *s, MDB_txn *txn)
{
    struct store_blobq *q = s->bq;
    int group = s->durability == STORE_DURABILITY_GROUP && !s->temporary;
    int fsync_mode = s->durability == STORE_DURABILITY_FSYNC && !s->temporary;
    if (fsync_mode && q->txn_new.n && sync_files(s, &q->txn_new) != 0) {
        mdb_txn_abort(txn);
        q->txn_new.n = q->txn_drops.n = 0;
        return EIO;
    }
    uint64_t id = (uint64_t)mdb_txn_id(txn);
    for (size_t i = 0; i < q->txn_drops.n; i++)
        q->txn_drops.e[i].txn = id;
    int rc = mdb_txn_commit(txn);
    if (group)
        take_synced(s);
    if (rc == 0 && group && (q->txn_new.n || q->txn_drops.n)) {
        pthread_mutex_lock(&q->mu);
        int r = idlist_move(&q->unsynced, &q->txn_new);
        if (!r)
            r = idlist_move(&q->dropped, &q->txn_drops);
        pthread_mutex_unlock(&q->mu);
        if (r) /* out of memory: a dropped blob is left behind (removed at the next start) */
            fprintf(stderr, "lockyard: blob bookkeeping: out of memory\n");
    } else if (rc == 0) {
        release(s, &q->txn_drops); /* the commit is as durable as it will be */
    }
    q->txn_new.n = q->txn_drops.n = 0;
    return rc;
}

int store_blob_sync(struct store *s, int (*sync_env)(struct store *s))
{
    struct store_blobq *q = s->bq;
    struct idlist news = {0}, drops = {0};
    pthread_mutex_lock(&q->mu);
    int rc = idlist_move(&news, &q->unsynced);
    if (!rc)
        rc = idlist_move(&drops, &q->dropped);
    pthread_mutex_unlock(&q->mu);
    if (!rc)
        rc = sync_files(s, &news);
    if (!rc)
        rc = sync_env(s);
    pthread_mutex_lock(&q->mu);
    if (!rc) { /* durable: the loop unlinks them (it knows the snapshots) */
        (void)idlist_move(&q->synced, &drops);
        atomic_store(&q->has_synced, q->synced.n > 0);
    } else { /* not durable: the drops wait for a sync that works */
        (void)idlist_move(&q->dropped, &drops);
        (void)idlist_move(&q->unsynced, &news);
    }
    pthread_mutex_unlock(&q->mu);
    free(news.e);
    free(drops.e);
    return rc ? LY_EIO : 0;
}

/* ---- public: files ---- */

int store_blob_create(struct store *s, char id[ID_LEN + 1], int *fd)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[ID_LEN / 2];
    for (int tries = 0; tries < 4; tries++) {
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return LY_EIO;
        for (size_t i = 0; i < sizeof r; i++) {
            id[2 * i] = hex[r[i] >> 4];
            id[2 * i + 1] = hex[r[i] & 15];
        }
        id[ID_LEN] = '\0';
        *fd = openat(s->bq->dirfd, id, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (*fd >= 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    return LY_EIO;
}

void store_blob_discard(struct store *s, const char *id)
{
    if (id_ok(id, strlen(id)))
        unlink_apart(s, id);
}

int store_blob_open(struct store *s, const char *id, int *fd)
{
    *fd = id_ok(id, strlen(id)) ? openat(s->bq->dirfd, id, O_RDONLY | O_CLOEXEC) : -1;
    return *fd >= 0 ? 0 : errno == ENOENT ? LY_ENOENT : LY_EIO;
}

int store_blob_link(struct store *s, const char *src, char id[ID_LEN + 1])
{
    int fd;
    int rc = store_blob_create(s, id, &fd); /* a fresh name, then the source takes it */
    if (rc)
        return rc;
    close(fd);
    (void)unlinkat(s->bq->dirfd, id, 0);
    if (!id_ok(src, strlen(src)))
        return LY_EIO;
    if (linkat(s->bq->dirfd, src, s->bq->dirfd, id, 0) == 0)
        return 0;
    return errno == ENOENT ? LY_ENOENT : LY_EIO;
}

int store_blob_read(struct store *s, const char *id, uint64_t off, size_t len, struct ly_buf *out)
{
    int fd;
    int rc = store_blob_open(s, id, &fd);
    if (!rc)
        rc = ly_buf_reserve(out, len + 1);
    size_t done = 0;
    while (!rc && done < len) {
        ssize_t n = pread(fd, out->data + out->len, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = LY_EIO;
            break;
        }
        out->len += (size_t)n;
        done += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    if (!rc)
        out->data[out->len] = '\0';
    return rc;
}

int store_blob_write(struct store *s, const void *p, size_t n, char id[ID_LEN + 1])
{
    int fd;
    int rc = store_blob_create(s, id, &fd);
    if (rc)
        return rc;
    for (size_t done = 0; !rc && done < n;) {
        ssize_t w = write(fd, (const char *)p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = LY_EIO; /* a full disk */
        else
            done += (size_t)w;
    }
    if (close(fd) != 0 && !rc)
        rc = LY_EIO;
    if (rc)
        (void)unlinkat(s->bq->dirfd, id, 0);
    return rc;
}

int store_blob_list_add(struct ly_buf *out, const char *id, uint64_t size)
{
    int rc = ly_buf_add(out, id, ID_LEN);
    return rc ? rc : ly_buf_addf(out, "%016llx", (unsigned long long)size);
}

/* The window [off, off + len) of one blob of size bytes at pos of the body, clipped. */
static int span_visit(const char *id, uint64_t pos, uint64_t size, uint64_t off, uint64_t len,
                      store_blob_span_fn fn, void *ctx)
{
    struct store_blob_span sp;
    uint64_t a = off > pos ? off : pos, b = off + len < pos + size ? off + len : pos + size;
    if (a >= b)
        return 0;
    memcpy(sp.id, id, ID_LEN);
    sp.id[ID_LEN] = '\0';
    sp.off = a - pos;
    sp.len = b - a;
    return fn(ctx, &sp);
}

int store_blob_spans(const struct store_obj *o, uint64_t off, uint64_t len, store_blob_span_fn fn,
                     void *ctx)
{
    size_t n = o->blob ? strlen(o->blob) : 0;
    uint64_t total = 0, size;
    if (!store_blob_slot_ok(o->blob ? o->blob : "", n) || off > o->size || len > o->size - off)
        return LY_EIO;
    if (n == ID_LEN)
        return span_visit(o->blob, 0, o->size, off, len, fn, ctx);
    for (size_t e = 0; e < n; e += STORE_BLOB_ENTRY_LEN)
        total += entry_size(o->blob + e, &size) ? size : 0;
    if (total != o->size)
        return LY_EIO;
    int rc = 0;
    total = 0;
    for (size_t e = 0; !rc && e < n && total < off + len; e += STORE_BLOB_ENTRY_LEN) {
        (void)entry_size(o->blob + e, &size);
        rc = span_visit(o->blob + e, total, size, off, len, fn, ctx);
        total += size;
    }
    return rc;
}

struct read_job {
    struct store *s;
    struct ly_buf *out;
};

static int read_span(void *ctx, const struct store_blob_span *sp)
{
    struct read_job *j = ctx;
    return store_blob_read(j->s, sp->id, sp->off, (size_t)sp->len, j->out);
}

int store_blob_read_obj(struct store *s, const struct store_obj *o, uint64_t off, size_t len,
                        struct ly_buf *out)
{
    struct read_job j = {s, out};
    int rc = ly_buf_reserve(out, len + 1);
    return rc ? rc : store_blob_spans(o, off, len, read_span, &j);
}
