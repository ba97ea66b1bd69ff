/*
 * store_mpu_done.h - records of completed multipart uploads (private to mock/store).
 * They live in the uploads database under "bucket\0" + STORE_MPU_DONE_MARK + upload id, so a
 * bucket's purge removes them with its uploads and the upload scans skip them.
 */
#ifndef LOCKYARD_STORE_MPU_DONE_H
#define LOCKYARD_STORE_MPU_DONE_H

#include <lmdb.h>

#include "lockyard/store_multipart.h"
#include "store_internal.h"

#define STORE_MPU_DONE_MARK '\x01' /* upload ids are printable: never this byte */

/** Writes the record of a completed upload inside txn. */
int store_mpu_done_put(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                       const struct store_upload_done *d);

#endif
