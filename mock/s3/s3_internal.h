/*
 * s3_internal.h - shared by the mock/s3 handler files only.
 */
#ifndef LOCKYARD_S3_INTERNAL_H
#define LOCKYARD_S3_INTERNAL_H

#include "lockyard/s3.h"
#include "lockyard/buf.h"
#include "lockyard/store_multipart.h"
#include "lockyard/store_version.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_OWNER_ID "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
#define S3_OWNER_NAME "lockyard"
#define S3_XML_BODY_MAX (4u << 20)

struct s3_call {
    struct s3_ctx *ctx;
    struct ly_req *req;
    struct ly_resp *resp;
    struct ly_arena *a;
};

/**
 * Answers an S3 error: status and message from the table in s3_error.c, then the extra
 * elements given as name/value pairs terminated by NULL (values XML-escaped). A pair named
 * "Message" replaces the table's message. HEAD answers carry no body.
 */
void s3_error(struct s3_call *c, const char *code, ...);
/** Answers 500 InternalError (or the matching S3 error) for a store/internal code. */
void s3_error_internal(struct s3_call *c, int rc);

/** Starts an XML document: <?xml …?><root xmlns=…>. */
int s3_xml_begin(struct ly_buf *b, const char *root);
/** <name>escaped value</name> */
int s3_xml_elem(struct ly_buf *b, const char *name, const char *value);
int s3_xml_elemf(struct ly_buf *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** <name>value</name>, the value URL-encoded as AWS listings do when encoding-type=url. */
int s3_xml_elem_listing(struct ly_buf *b, const char *name, const char *value, int url);
/** A query parameter's decoded value, or NULL when absent. */
const char *s3_qval(struct s3_call *c, const char *name);
/**
 * Listings with a delimiter: the length of the CommonPrefix that key rolls up into (key up to
 * and including the first delimiter after prefix), or 0 when it does not roll up.
 */
size_t s3_list_rollup(const char *key, const char *prefix, const char *delimiter);
/** 1 when s (NULL allowed) is exactly the first n bytes of key: a prefix already emitted, or a
 *  marker that names this CommonPrefix. */
int s3_list_same_prefix(const char *s, const char *key, size_t n);
/** Listings: encoding-type (only "url" is valid). 0, or the InvalidArgument answer was sent. */
int s3_list_encoding_or_reply(struct s3_call *c, int *url);
/** Listings: max-keys, a non-negative integer capped at dflt. 0, or answered. */
int s3_list_max_keys_or_reply(struct s3_call *c, long dflt, long *max);
/** Sets 200/Content-Type for an XML body already in resp->body. */
void s3_xml_done(struct s3_call *c, int status);

/** Adds a header, turning failures into the error answer; 0 on success. */
int s3_header(struct s3_call *c, const char *name, const char *value);

/* Handlers, one per operation. */
void s3_list_buckets(struct s3_call *c);
void s3_create_bucket(struct s3_call *c);
void s3_delete_bucket(struct s3_call *c);
void s3_head_bucket(struct s3_call *c);
void s3_get_bucket_location(struct s3_call *c);
void s3_put_object(struct s3_call *c);
void s3_get_object(struct s3_call *c);
void s3_delete_object(struct s3_call *c);
void s3_copy_object(struct s3_call *c);
void s3_delete_objects(struct s3_call *c);
void s3_list_objects(struct s3_call *c, int v2);

/** Adds the object's stored headers (ETag, Last-Modified, Content-*, x-amz-meta-*, …). */
int s3_object_headers(struct s3_call *c, const struct store_obj *obj);
/** Fills obj's content headers and user metadata from the request. 0 or error already sent. */
int s3_object_meta_from_req_or_reply(struct s3_call *c, struct store_obj *obj);
/** Verifies x-amz-checksum-* of a PutObject body and sets obj's checksum. 0 or replied. */
int s3_checksum_put_or_reply(struct s3_call *c, struct store_obj *obj);
/** UploadPart checksums: as PutObject, and a part of an upload created with an algorithm
 *  gets that algorithm's checksum (computed when the client sent none). 0 or replied. */
int s3_checksum_part_or_reply(struct s3_call *c, const char *upload_alg, struct store_obj *part);
/** Adds x-amz-checksum-* to a GET/HEAD answer when x-amz-checksum-mode: ENABLED. */
int s3_checksum_headers(struct s3_call *c, const struct store_obj *obj, int ranged);
/** A random ETag (32 hex digits) for the etag_random fault mode. */
int s3_random_etag(char etag[33]);
/** Quoted ETag in the arena. */
const char *s3_quoted_etag(struct s3_call *c, const char *etag);
/** Verifies the request body against Content-MD5 when sent: 0, or the InvalidDigest /
 *  BadDigest answer was sent. */
int s3_content_md5_ok_or_reply(struct s3_call *c);
/**
 * MD5 of the request body: the one net computed as it arrived, else computed here once per
 * request (Content-MD5 and the ETag share it). 0 or LY_EIO
 */
int s3_body_md5(struct s3_call *c, uint8_t out[16]);
/** The same as lowercase hex (an ETag). */
int s3_body_md5_hex(struct s3_call *c, char out[33]);

/* s3_object.c */
/** KeyTooLongError for keys over 1024 bytes; 0 or replied. */
int s3_key_ok_or_reply(struct s3_call *c);

/* s3_copy.c: the copy source shared by CopyObject and UploadPartCopy. */
struct s3_copy_source {
    const char *bucket, *key;
    const char *version_id;        /* ?versionId= as sent, or NULL */
    uint64_t version;              /* parsed (0 = null) when version_id != NULL */
};
/** Parses x-amz-copy-source; 0 or replied. */
int s3_copy_source_or_reply(struct s3_call *c, struct s3_copy_source *src);
/** Reads the source object (and body) with NoSuchBucket / NoSuchKey / NoSuchVersion answers. */
int s3_copy_source_read_or_reply(struct s3_call *c, const struct s3_copy_source *src,
                                 struct store_obj *obj, struct ly_buf *body);
/** x-amz-copy-source-if-* against the source: 0, or the 412 answer was sent. */
int s3_copy_source_cond_or_reply(struct s3_call *c, const struct store_obj *obj);

/* s3_versioning.c */
void s3_put_bucket_versioning(struct s3_call *c);
void s3_get_bucket_versioning(struct s3_call *c);
void s3_list_object_versions(struct s3_call *c);
/** Reads ?versionId=: *has 0 when absent, else *seq (0 = null). 0, or the 400 was sent. */
int s3_version_param_or_reply(struct s3_call *c, int *has, uint64_t *seq);
/** The version id of obj ("null" for the null version) in the arena. */
const char *s3_version_id(struct s3_call *c, const struct store_obj *obj);
/** Adds x-amz-version-id for obj when its bucket has ever had versioning. 0 or replied. */
int s3_version_header(struct s3_call *c, const struct store_obj *obj);

/* s3_policy.c */
void s3_put_bucket_policy(struct s3_call *c);
void s3_get_bucket_policy(struct s3_call *c);
void s3_delete_bucket_policy(struct s3_call *c);
/* An object request as the bucket policy sees it. */
struct s3_policy_ask {
    const char *action;            /* "s3:PutObject", "s3:DeleteObject", … */
    const char *key;
    const char *if_none_match, *if_match;
    int creation_op;               /* s3:ObjectCreationOperation */
};
/** 1 when the bucket's policy denies the request (no answer sent), else 0. */
int s3_policy_denies(struct s3_call *c, const struct s3_policy_ask *ask);
/** 0 when allowed, or the 403 AccessDenied answer was sent. */
int s3_policy_allows_or_reply(struct s3_call *c, const struct s3_policy_ask *ask);

/* s3_multipart.c, s3_multipart_complete.c, s3_multipart_list.c */
void s3_create_multipart_upload(struct s3_call *c);
void s3_upload_part(struct s3_call *c);
void s3_upload_part_copy(struct s3_call *c);
void s3_abort_multipart_upload(struct s3_call *c);
void s3_complete_multipart_upload(struct s3_call *c);
void s3_list_parts(struct s3_call *c);
void s3_list_multipart_uploads(struct s3_call *c);
/** Reads the ?uploadId= upload (NoSuchUpload when missing or for another key); 0 or replied. */
int s3_upload_or_reply(struct s3_call *c, struct store_upload *u);
/** GET/HEAD ?partNumber=N: narrows the answer to part N; 0, or replied (status set). */
int s3_part_number_or_reply(struct s3_call *c, const struct store_obj *o, long part,
                            int *ranged);

#endif
