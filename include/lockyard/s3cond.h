/*
 * s3cond.h - S3 precondition evaluation (pure).
 *
 * Reads (GET/HEAD, copy source) follow RFC 7232 §6: If-Match, then
 * If-Unmodified-Since, then If-None-Match, then If-Modified-Since; dates are
 * compared at one-second resolution, unparseable dates and a future
 * If-Modified-Since are ignored. Writes (PutObject, CopyObject destination,
 * CompleteMultipartUpload) accept only `If-None-Match: *` and `If-Match: etag`,
 * with AWS's 501 answers for other values (docs/conditional-writes.md lists every case).
 * ETags are compared without their surrounding quotes (and without W/).
 */
#ifndef LOCKYARD_S3COND_H
#define LOCKYARD_S3COND_H

#include <stdint.h>

struct s3cond_read {
    const char *if_match; /* NULL when absent */
    const char *if_none_match;
    const char *if_modified_since;
    const char *if_unmodified_since;
};

enum s3cond_outcome {
    S3COND_PASS = 0,
    S3COND_NOT_MODIFIED = 304,
    S3COND_FAILED = 412,
};

/**
 * Evaluates read preconditions against the current object.
 * @param etag     current ETag, with or without quotes
 * @param failed   out: index 0..3 of the failing header (If-Match, If-Unmodified-Since,
 *                 If-None-Match, If-Modified-Since), or -1
 * @return S3COND_PASS, S3COND_NOT_MODIFIED or S3COND_FAILED
 */
enum s3cond_outcome s3cond_eval_read(const struct s3cond_read *c, const char *etag,
                                     int64_t mtime_ms, int64_t now_ms, int *failed);
/** "If-Match", "If-Unmodified-Since", "If-None-Match", "If-Modified-Since" by index. */
const char *s3cond_read_name(int index);

struct s3cond_write {
    const char *if_match;
    const char *if_none_match;
};

struct s3cond_reject {
    const char *header;             /* the <Header> element of a 501 */
    const char *additional_message; /* the <additionalMessage> element, or NULL */
};

/**
 * Validates write precondition headers before anything is read or written.
 * @return 0, or LY_ENOTSUP with *why filled (answer 501 NotImplemented).
 */
int s3cond_write_validate(const struct s3cond_write *c, struct s3cond_reject *why);

/**
 * Evaluates validated write preconditions against the current ETag (NULL when the key has no
 * current object, or its current version is a delete marker).
 * @return 0; LY_ENOENT (If-Match on a missing key: 404 NoSuchKey); LY_ECOND with *condition set
 *         to "If-Match" or "If-None-Match" (412 PreconditionFailed).
 */
int s3cond_eval_write(const struct s3cond_write *c, const char *cur_etag, const char **condition);

/** 1 when the ETag list `header` ("*", "a", "\"a\", W/\"b\"") matches etag, else 0. */
int s3cond_etag_list_match(const char *header, const char *etag);
/** 1 when the two ETags are equal ignoring surrounding quotes. */
int s3cond_etag_equal(const char *a, const char *b);

#endif
