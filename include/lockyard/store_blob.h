/*
 * store_blob.h - large object bodies kept in files of their own beside the LMDB store.
 *
 * Copying a 200 MiB body into LMDB and committing it held the event loop for most of a second.
 * A body of at least STORE_BLOB_MIN_BYTES that PutObject stores is instead written, as it
 * arrives, to DIR/blobs/ID (net's body path: small write() calls, no memory buffer), and the
 * object's record refers to ID (store.h: store_obj.blob), so the commit is a small LMDB
 * transaction. Blob files are never written once a record refers to them: a copy is a link().
 *
 * Bookkeeping: the LMDB table "blobids" lists every ID a record refers to, updated in the
 * record's own transaction. At open every file of DIR/blobs/ that is not listed (a crash
 * between spooling and committing) is removed. Durability follows the store's mode: fsync
 * syncs the file (and the directory) before the commit; group syncs the files committed since
 * the last store_sync before it syncs LMDB. A file whose record is dropped (overwrite, delete,
 * version removal, bucket purge, reset) is unlinked only once the commit that dropped it is
 * durable (at once with --durability none or a temporary store), so a durable record never
 * refers to a missing file. A reader holding an open descriptor keeps the bytes alive.
 *
 * Multipart uploads: an UploadPart body of at least STORE_BLOB_MIN_BYTES is spooled the same
 * way and its part record refers to the blob; a smaller non-empty part is written to a blob of
 * its own when it is stored. CompleteMultipartUpload copies no bytes: the object's body becomes
 * the list of its parts' blobs (ownership moves from the part records to the object record in
 * the completion's transaction), or the whole object is kept in LMDB when it is under
 * STORE_BLOB_MIN_BYTES (read from the parts' files).
 *
 * An object's body slot (store_obj.blob) is one id (the whole body, as PutObject stores it) or
 * a list of entries, each an id followed by its size as 16 lowercase hex digits, whose bytes in
 * order make the body (STORE_BLOB_ENTRY_LEN each, never an empty file).
 */
#ifndef LOCKYARD_STORE_BLOB_H
#define LOCKYARD_STORE_BLOB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "lockyard/buf.h"
#include "lockyard/err.h"
#include "lockyard/store.h"

/* Bodies this large (and larger) that PutObject / UploadPart store are spooled to a blob file. */
#define STORE_BLOB_MIN_BYTES (1u << 20)
/* An ID: 32 lowercase hex digits (16 random bytes). */
#define STORE_BLOB_ID_LEN 32
/* An entry of a list of blobs: an id and its size in 16 lowercase hex digits. */
#define STORE_BLOB_ENTRY_LEN (STORE_BLOB_ID_LEN + 16)

/** Creates a new empty blob file for writing: its id and a descriptor (O_WRONLY, close it).
 *  @return 0 or LY_EIO */
int store_blob_create(struct store *s, char id[STORE_BLOB_ID_LEN + 1], int *fd) LY_WARN_UNUSED;
/** Removes a blob file no record refers to (a spooled body that was not stored). */
void store_blob_discard(struct store *s, const char *id);
/** Opens a blob for reading. @return 0, LY_ENOENT (gone: e.g. read from an old snapshot) or
 *  LY_EIO */
int store_blob_open(struct store *s, const char *id, int *fd) LY_WARN_UNUSED;
/** A new blob with the same bytes as src (a hard link: blobs are immutable). @return 0 or
 *  LY_EIO / LY_ENOENT */
int store_blob_link(struct store *s, const char *src,
                    char id[STORE_BLOB_ID_LEN + 1]) LY_WARN_UNUSED;
/** Appends len bytes of blob id from off to out. @return 0, LY_ENOMEM, LY_ENOENT, LY_EIO */
int store_blob_read(struct store *s, const char *id, uint64_t off, size_t len,
                    struct ly_buf *out) LY_WARN_UNUSED;
/** A new blob holding n bytes of p (written and closed). @return 0 or LY_EIO */
int store_blob_write(struct store *s, const void *p, size_t n,
                     char id[STORE_BLOB_ID_LEN + 1]) LY_WARN_UNUSED;

/* A piece of one blob file: bytes [off, off + len) of blob id. */
struct store_blob_span {
    char id[STORE_BLOB_ID_LEN + 1];
    uint64_t off, len;
};
typedef int (*store_blob_span_fn)(void *ctx, const struct store_blob_span *sp);
/**
 * Visits, in order, the pieces of blob files that hold bytes [off, off + len) of o's body
 * (o->blob: one id or a list). @return 0, LY_EIO (a list that does not add up to o->size, or a
 * window past it) or fn's code
 */
int store_blob_spans(const struct store_obj *o, uint64_t off, uint64_t len, store_blob_span_fn fn,
                     void *ctx) LY_WARN_UNUSED;
/** Appends an entry (id, size) to a list being built in out. @return 0 or LY_ENOMEM */
int store_blob_list_add(struct ly_buf *out, const char *id, uint64_t size) LY_WARN_UNUSED;
/** Appends bytes [off, off + len) of o's body in blob files to out. @return as store_blob_read */
int store_blob_read_obj(struct store *s, const struct store_obj *o, uint64_t off, size_t len,
                        struct ly_buf *out) LY_WARN_UNUSED;

/** Pins the blob files every record refers to now: none of them is unlinked (dropped by an
 *  overwrite, a delete, a bucket purge or a reset) before store_blob_unpin, so work off the
 *  loop can read what the loop just read (a snapshot of the files). Loop only. @return the pin */
uint64_t store_blob_pin(struct store *s);
void store_blob_unpin(struct store *s, uint64_t pin);

/*
 * One pass over bytes [off, off + len) of a body in blob files (body.blob, body.size: a copy
 * the caller keeps), run off the event loop on pinned files: the MD5 of the bytes and, when
 * alg >= 0, their checksum by that algorithm; with write, a new blob holding the bytes; with
 * link (the whole body), a list of new links to its files (store_blob_list_add entries). Only
 * files and the results are touched, so it may run on any thread. The reads are 1 MiB at a
 * time; cancel (when set) stops it between them.
 */
struct store_blob_pass {
    struct store *s;
    struct store_obj body;
    uint64_t off, len;
    int alg;    /* enum cksum_alg, or -1 */
    int no_md5; /* the MD5 is not wanted */
    int write, link;
    const atomic_int *cancel;
    /* results, when rc == 0 (on failure the pass removed what it made) */
    int rc; /* 0, LY_EIO, LY_ENOENT, LY_ENOMEM, LY_ECONFLICT (cancelled) */
    unsigned char md5[16];
    char cksum_b64[64];
    char id[STORE_BLOB_ID_LEN + 1]; /* write: the new blob */
    struct ly_buf links;            /* link: the new list, NUL-terminated */
};
/** Runs the pass (any thread): p->rc. */
int store_blob_pass_run(struct store_blob_pass *p);
/** Removes the files a successful pass made that were not stored, and frees its results. */
void store_blob_pass_discard(struct store_blob_pass *p);
/** Frees the results of a pass whose files were stored. */
void store_blob_pass_cleanup(struct store_blob_pass *p);

#endif
