/*
 * s3_internal.h - shared by the mock/s3 handler files only.
 */
#ifndef LOCKYARD_S3_INTERNAL_H
#define LOCKYARD_S3_INTERNAL_H

#include "lockyard/s3.h"
#include "lockyard/buf.h"

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
/** Adds x-amz-checksum-* to a GET/HEAD answer when x-amz-checksum-mode: ENABLED. */
int s3_checksum_headers(struct s3_call *c, const struct store_obj *obj, int ranged);
/** A random ETag (32 hex digits) for the etag_random fault mode. */
int s3_random_etag(char etag[33]);
/** Quoted ETag in the arena. */
const char *s3_quoted_etag(struct s3_call *c, const char *etag);
/** Verifies the request body against Content-MD5 when sent: 0, or the InvalidDigest /
 *  BadDigest answer was sent. */
int s3_content_md5_ok_or_reply(struct s3_call *c);

#endif
