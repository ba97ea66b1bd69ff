/*
 * mpu.h - pure S3 multipart and versioning rules: version and upload ids, the multipart
 * ETag, the part-list checks of CompleteMultipartUpload, and part-number / copy-range parsing.
 *
 * No I/O, no globals. Ids are opaque to clients but encode the store's commit sequence number
 * so that the store can find a version from its id without an index; a keyed checksum makes a
 * mistyped id fail to parse instead of naming another version.
 */
#ifndef LOCKYARD_MPU_H
#define LOCKYARD_MPU_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/err.h"

/** Length of a version id (like AWS's 32 characters of [A-Za-z0-9._]). */
#define S3_VERSION_ID_LEN 32
/** Length of an upload id. */
#define S3_UPLOAD_ID_LEN 64
/** Multipart ETag without quotes: 32 hex digits, '-', up to 5 digits. */
#define S3MPU_ETAG_SIZE 40
#define S3MPU_PARTS_MAX 10000

/** Writes the version id of commit seq (seq > 0) and a NUL to out. */
void s3_version_id_format(uint64_t seq, char out[S3_VERSION_ID_LEN + 1]);
/**
 * Parses a version id. "null" gives *seq = 0.
 * @return 0, or LY_EINVAL when id is not one lockyard could have issued
 */
int s3_version_id_parse(const char *id, uint64_t *seq) LY_WARN_UNUSED;
/** Writes the upload id of commit seq and a NUL to out. */
void s3_upload_id_format(uint64_t seq, char out[S3_UPLOAD_ID_LEN + 1]);
/** @return 0 with *seq, or LY_EINVAL */
int s3_upload_id_parse(const char *id, uint64_t *seq) LY_WARN_UNUSED;

/**
 * The multipart ETag: hex MD5 of the concatenated binary MD5s of the parts, "-", the count.
 * @param part_etags  n part ETags, 32 hex digits each, quotes allowed
 * @return 0, LY_EINVAL (an ETag that is not an MD5) or LY_EIO
 */
int s3mpu_etag(const char *const *part_etags, size_t n, char out[S3MPU_ETAG_SIZE]) LY_WARN_UNUSED;

/* One <Part> of a CompleteMultipartUpload request. */
struct s3mpu_listed {
    long number;
    const char *etag; /* as sent; NULL when absent */
};

/* What the store holds for that part number (etag NULL: never uploaded). */
struct s3mpu_stored {
    const char *etag;
    uint64_t size;
};

enum s3mpu_problem {
    S3MPU_OK = 0,
    S3MPU_INVALID_PART_ORDER, /* numbers not strictly ascending (or out of 1..10000) */
    S3MPU_INVALID_PART,       /* a part that was not uploaded, or whose ETag differs */
    S3MPU_ENTITY_TOO_SMALL,   /* a part other than the last is below the minimum size */
};

/**
 * Checks a part list against what was uploaded, in AWS's order: the whole list's order first,
 * then each part's existence and ETag, then the sizes of all but the last part.
 * @param stored     stored[i] describes listed[i]
 * @param bad_index  out: the index of the offending part (or -1)
 */
enum s3mpu_problem s3mpu_check(const struct s3mpu_listed *listed, const struct s3mpu_stored *stored,
                               size_t n, uint64_t part_bytes_min, long *bad_index);

/** Parses a partNumber value: 1..10000 in decimal. @return 0 or LY_EINVAL */
int s3mpu_part_number_parse(const char *v, long *out) LY_WARN_UNUSED;

/**
 * Parses x-amz-copy-source-range "bytes=first-last" against a source of size bytes.
 * @return 0; LY_EINVAL when malformed; LY_ERANGE when not inside the object
 */
int s3mpu_copy_range_parse(const char *v, uint64_t size, uint64_t *first,
                           uint64_t *last) LY_WARN_UNUSED;

#endif
