/*
 * s3_internal.h - shared by the mock/s3 handler files only.
 */
#ifndef LOCKYARD_S3_INTERNAL_H
#define LOCKYARD_S3_INTERNAL_H

#include "lockyard/s3.h"
#include "lockyard/aws_error.h"
#include "lockyard/buf.h"
#include "lockyard/checksum.h"
#include "lockyard/store_multipart.h"
#include "lockyard/store_version.h"
#include "lockyard/store_blob.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_OWNER_ID "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
#define S3_OWNER_NAME "lockyard"
#define S3_OWNER_XML(elem) \
    "<" elem "><ID>" S3_OWNER_ID "</ID><DisplayName>" S3_OWNER_NAME "</DisplayName></" elem ">"
#define S3_XML_BODY_MAX (4u << 20)

struct s3_call;
struct _xmlDoc;  /* libxml2's xmlDoc */
struct _xmlNode; /* libxml2's xmlNode */

enum s3_level { S3_LEVEL_SERVICE, S3_LEVEL_BUCKET, S3_LEVEL_OBJECT };

/*
 * One S3 operation: the request it answers (method, level, the query parameters and the header
 * that select it), its AWS name and flags (lockyard/op.h), its handler and the IAM action a
 * bucket policy is asked about. The table is in s3_route.c; dispatch, the operation's name,
 * the pipeline's write/read/conditional classification and the journal all read it.
 */
struct s3_route {
    enum ly_method method;
    enum s3_level level;
    const char *sub, *sub2; /* query parameters that must be present, or NULL */
    const char *header;     /* a header that must be present, or NULL */
    struct ly_op op;
    void (*handler)(struct s3_call *c);
    const char *action; /* e.g. "s3:PutObject" */
};

struct s3_call {
    struct s3_ctx *ctx;
    struct ly_req *req;
    struct ly_resp *resp;
    struct ly_arena *a;
    const struct s3_route *route; /* the operation being answered */
};

/** The route of a request, or NULL when no operation takes it. */
const struct s3_route *s3_route_find(const struct ly_req *req);
/** s3_route_find, once per request: the result is kept in req->s3_route. */
const struct s3_route *s3_route_of(struct ly_req *req);
/** The subresource of a request that names an S3 feature lockyard does not implement (it
 *  answers 501 NotImplemented), or NULL. */
const char *s3_route_unimplemented(const struct ly_req *req);

/**
 * Answers an S3 error through aws_s3_error (lockyard/aws_error.h): status and message from
 * the S3 table, then the extra elements given as name/value pairs terminated by NULL (values
 * XML-escaped). A pair named "Message" replaces the table's message. HEAD answers carry no
 * body.
 */
void s3_error(struct s3_call *c, enum aws_err e, ...);
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
/** A listing's element: the value URL-encoded when url, else as text; sets *xml_unsafe (when
 *  not NULL) for a value XML 1.0 cannot carry. */
int s3_list_elem(struct ly_buf *b, const char *name, const char *value, int url, int *xml_unsafe);
/** Appends <CommonPrefixes><Prefix>the first n bytes of key</Prefix></CommonPrefixes> to
 *  prefixes, the prefix copied into the arena as *prefix. */
int s3_list_common_prefix(struct s3_call *c, struct ly_buf *prefixes, const char *key, size_t n,
                          int url, int *xml_unsafe, const char **prefix);
/** Listings: encoding-type (only "url" is valid). 0, or the InvalidArgument answer was sent. */
int s3_list_encoding_or_reply(struct s3_call *c, int *url);
/** Listings: max-keys, a non-negative integer capped at dflt. 0, or answered. */
int s3_list_max_keys_or_reply(struct s3_call *c, long dflt, long *max);
/** Parses the request body (at most S3_XML_BODY_MAX bytes, no network, no DTD errors printed)
 *  into *doc (NULL when empty or too big; the caller frees it with xmlFreeDoc) and returns
 *  its root element when it is named root, else NULL. */
struct _xmlNode *s3_xml_read(struct s3_call *c, const char *root, struct _xmlDoc **doc);
/** The text content of an element, copied into the arena (NULL when out of memory). */
const char *s3_xml_text(struct s3_call *c, struct _xmlNode *n);
/** Sets 200/Content-Type for an XML body already in resp->body. */
void s3_xml_done(struct s3_call *c, int status);

/** Adds a header, turning failures into the error answer; 0 on success. */
int s3_header(struct s3_call *c, const char *name, const char *value);
/** s3_header without copying: name and value last as long as the answer (literals, or strings
 *  in c->a); NULL value: out of memory, answered as s3_header does. */
int s3_header_ref(struct s3_call *c, const char *name, const char *value);

/* The handlers themselves are declared in s3_route.c, next to the table that calls them. */

/* s3_object.c, s3_checksum.c */
/** Adds the object's stored headers (ETag, Last-Modified, Content-*, x-amz-meta-*, …), not
 *  copied: obj's strings must last as long as the answer (obj read into c->a). */
int s3_object_headers(struct s3_call *c, const struct store_obj *obj);
/** Verifies x-amz-checksum-* of a PutObject body and sets obj's checksum (with none sent, only
 *  its algorithm: s3_checksum_fill computes it once the write goes ahead). 0 or replied. */
int s3_checksum_put_or_reply(struct s3_call *c, struct store_obj *obj);
/** The default checksum s3_checksum_put_or_reply left to compute; 0 or LY_E* (not replied). */
int s3_checksum_fill(struct s3_call *c, struct store_obj *obj);
/** UploadPart checksums: as PutObject, and a part of an upload created with an algorithm
 *  gets that algorithm's checksum (computed when the client sent none; with later, a SHA-1 /
 *  SHA-256 of a body of 1 MiB or more in its file is not: *later is set to the algorithm, for
 *  a pass off the loop). 0 or replied. */
int s3_checksum_part_or_reply(struct s3_call *c, const char *upload_alg, struct store_obj *part,
                              int *later);
/** The answer's body is bytes [off, off + len) of o's body in blob files (one file segment per
 *  blob, opened now: an open file keeps its bytes if the object goes). 0 or LY_E*. */
int s3_blob_body(struct s3_call *c, const struct store_obj *o, uint64_t off, uint64_t len);
/** The request body's checksum by alg as base64: net's when it took that one as the body came
 *  (UploadPart bodies: every CRC), else computed here. 0 or LY_E*. */
int s3_body_cksum_b64(const struct s3_call *c, enum cksum_alg alg, char out[CKSUM_B64_MAX]);
/** Adds x-amz-checksum-* to a GET/HEAD answer when x-amz-checksum-mode: ENABLED. */
int s3_checksum_headers(struct s3_call *c, const struct store_obj *obj, int ranged);
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

/* s3_request.c: validation and object helpers shared by the object, copy, multipart and
 * attributes handlers. */
/** InvalidURI for keys that are not UTF-8, KeyTooLongError over 1024 bytes; 0 or replied. */
int s3_key_ok_or_reply(struct s3_call *c);
/** Fills obj's content headers and user metadata from the request. 0 or error already sent. */
int s3_object_meta_from_req_or_reply(struct s3_call *c, struct store_obj *obj);
/** A random ETag (32 hex digits) for the etag_random fault mode. */
int s3_random_etag(char etag[33]);
/** Quoted ETag in the arena. */
const char *s3_quoted_etag(struct s3_call *c, const char *etag);
/** Reads the current object or ?versionId= (its body into body unless NULL): 0, or the answer
 *  was sent (NoSuchKey, NoSuchVersion, a delete marker's 404/405 with x-amz-delete-marker). */
int s3_object_read_or_reply(struct s3_call *c, struct store_obj *o, struct ly_buf *body);
/** If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since against o: 0 when the read
 *  goes on, else the 304 or 412 was answered. */
int s3_read_cond_or_reply(struct s3_call *c, const struct store_obj *o);
/** GET/HEAD ?partNumber=N: narrows the answer to part N; 0, or replied (status set). */
int s3_part_number_or_reply(struct s3_call *c, const struct store_obj *o, long part, int *ranged);

/* s3_copy.c: the copy source shared by CopyObject and UploadPartCopy. */
struct s3_copy_source {
    const char *bucket, *key;
    const char *version_id; /* ?versionId= as sent, or NULL */
    uint64_t version;       /* parsed (0 = null) when version_id != NULL */
};
/** Parses x-amz-copy-source; 0 or replied. */
int s3_copy_source_or_reply(struct s3_call *c, struct s3_copy_source *src);
/** Reads the source object (and body) with NoSuchBucket / NoSuchKey / NoSuchVersion answers. */
int s3_copy_source_read_or_reply(struct s3_call *c, const struct s3_copy_source *src,
                                 struct store_obj *obj, struct ly_buf *body);
/** Bytes [off, off + len) of a source whose body lives in blob files (obj->blob) into body
 *  (UploadPartCopy: a part holds its bytes; nothing for a source read with its body); 0 or
 *  replied. */
int s3_copy_source_bytes_or_reply(struct s3_call *c, const struct store_obj *obj, uint64_t off,
                                  uint64_t len, struct ly_buf *body);
/** x-amz-copy-source-if-* against the source: 0, or the 412 answer was sent. */
int s3_copy_source_cond_or_reply(struct s3_call *c, const struct store_obj *obj);

/*
 * A copy's pass over stored bytes off the event loop (store_blob_pass on a worker thread, via
 * resp->offload): the source's files are pinned now, so what the request read stays readable;
 * when the pass ends, finish() runs on the loop with its results (pass.rc == 0) and stores
 * them in one write transaction (the destination's conditions are evaluated there) and
 * answers. A cancelled pass (the client went) stores nothing and removes what it made; one net
 * could not queue answers 503 SlowDown; a failed one 500.
 */
struct s3_pass_job {
    struct ly_offload base; /* first: the job net runs */
    struct s3_call c;
    struct store_blob_pass pass;
    uint64_t pin;
    void (*finish)(struct s3_pass_job *j);
    void *state; /* the operation's, in the arena */
};
/** A job reading bytes [off, off + len) of o's body (o's strings must live in the arena);
 *  set pass.alg / write / link, finish and state, then s3_pass_start. NULL: replied 500. */
struct s3_pass_job *s3_pass_new(struct s3_call *c, const struct store_obj *o, uint64_t off,
                                uint64_t len);
/** Hands the job to net (resp->offload): the answer comes from finish(). */
void s3_pass_start(struct s3_pass_job *j);

/* s3_versioning.c */
/** Reads ?versionId=: *has 0 when absent, else *seq (0 = null). 0, or the 400 was sent. */
int s3_version_param_or_reply(struct s3_call *c, int *has, uint64_t *seq);
/** The version id of obj ("null" for the null version) in the arena. */
const char *s3_version_id(struct s3_call *c, const struct store_obj *obj);
/** Adds x-amz-version-id for obj when its bucket has ever had versioning. 0 or replied. */
int s3_version_header(struct s3_call *c, const struct store_obj *obj);

/* s3_policy.c */
/* An object request as the bucket policy sees it. */
struct s3_policy_ask {
    const char *action; /* "s3:PutObject", "s3:DeleteObject", … */
    const char *key;
    const char *if_none_match, *if_match;
    int creation_op; /* s3:ObjectCreationOperation */
};
/* A write's policy decision, made inside its store transaction (store_write_hooks.conf). */
struct s3_policy_gate {
    struct s3_call *c;
    struct s3_policy_ask ask;
    int verdict; /* set by s3_policy_gate_fn */
};
/** Decides g->ask against the bucket's configuration: 0 allowed, LY_ECOND refused (denied,
 *  or a policy that cannot be read or evaluated: fails closed). */
int s3_policy_gate_fn(struct s3_policy_gate *g, const struct store_bconf *conf);
/** 1 when the gate refused the write. */
int s3_policy_gate_refused(const struct s3_policy_gate *g);
/** The 403 AccessDenied answer of a refused gate. */
void s3_policy_gate_reply(struct s3_call *c, const struct s3_policy_gate *g);
/** 1 when the bucket's policy denies the request (no answer sent), else 0. */
int s3_policy_denies(struct s3_call *c, const struct s3_policy_ask *ask);
/** 0 when allowed, or the 403 AccessDenied answer was sent. */
int s3_policy_allows_or_reply(struct s3_call *c, const struct s3_policy_ask *ask);

/* s3_multipart.c, s3_multipart_complete.c, s3_multipart_list.c */
/** Reads the ?uploadId= upload (NoSuchUpload when missing or for another key); 0 or replied. */
int s3_upload_or_reply(struct s3_call *c, struct store_upload *u);

#endif
