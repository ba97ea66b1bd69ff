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
 */
#ifndef LOCKYARD_STORE_BLOB_H
#define LOCKYARD_STORE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/buf.h"
#include "lockyard/err.h"

struct store;

/* Bodies this large (and larger) that PutObject stores are spooled to a blob file. */
#define STORE_BLOB_MIN_BYTES (1u << 20)
/* An ID: 32 lowercase hex digits (16 random bytes). */
#define STORE_BLOB_ID_LEN 32

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

#endif
