/*
 * httpmsg.h - a parsed HTTP request and the response a handler builds (pure data).
 *
 * net fills a struct ly_req from the wire and hands it to a service handler
 * (s3, ddb, sts, admin), which fills a struct ly_resp. Handlers never see
 * libevent. Ownership: every string of a request lives in req->arena or in the
 * connection's buffers for the duration of the call; response header strings
 * are copied into the arena; the response body is a ly_buf owned by the
 * response (net takes it without copying).
 */
#ifndef LOCKYARD_HTTPMSG_H
#define LOCKYARD_HTTPMSG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"

enum ly_method { LY_GET, LY_HEAD, LY_PUT, LY_POST, LY_DELETE, LY_OPTIONS, LY_PATCH, LY_OTHER };

struct ly_hdr {
    const char *name;
    const char *value;
};

struct ly_qparam {
    const char *name;  /* decoded */
    const char *value; /* decoded; "" for "?acl" and "?acl=" alike */
    int has_value;     /* 1 when the raw form had '=' */
};

/* An object answer carries up to 64 user metadata headers (store.h) beside its own. */
#define LY_RESP_HDRS_MAX 128

/**
 * Digests of a request body that net computed as the body arrived, so a handler never hashes
 * a large body again: MD5 and one flexible checksum of the payload (req->body), SHA-256 of the
 * body as sent (before aws-chunked decoding). Each is there only when its flag says so.
 */
struct ly_body_digests {
    int has_md5;
    unsigned char md5[16];
    int cksum_alg; /* enum cksum_alg of cksum_b64, or -1 */
    char cksum_b64[48];
    int has_sha256;
    char sha256_hex[65];
    int has_crcs;     /* crcs holds every CRC of the payload (UploadPart bodies) */
    uint64_t crcs[3]; /* by enum cksum_alg: CRC32, CRC32C, CRC64NVME */
};

struct ly_req {
    struct ly_arena *arena;
    enum ly_method method;
    const char *method_name;
    const char *raw_path;  /* as sent, without the query, percent-encoded */
    const char *raw_query; /* as sent after '?', or "" */
    const struct ly_hdr *hdrs;
    size_t nhdrs;
    const struct ly_qparam *query;
    size_t nquery;
    const unsigned char *body; /* decoded payload (aws-chunked framing removed) */
    size_t body_len;
    const struct ly_body_digests *digests; /* of body, or NULL: hash it yourself */
    const char *request_id;                /* 16 uppercase alphanumerics */
    const char *host_id;                   /* base64 token for x-amz-id-2 / <HostId> */
    const struct ly_hdr *trailers; /* aws-chunked trailers (x-amz-checksum-*), names lowercase */
    size_t ntrailers;
    const char *access_key; /* from the signature, or NULL when unsigned */
    int64_t now_ms;         /* the server clock when the request arrived */
    /* The body already parsed as JSON by net (a jansson json_t *, borrowed), or NULL. */
    void *json_body;
    /* Fault modes for this request (set by net's fault rules). */
    int ignore_conditions; /* accept every precondition without evaluating it */
    int etag_random;       /* new objects get random ETags instead of the body's MD5 */
    /* S3 addressing, filled by net's router: decoded, NULL when absent. */
    const char *bucket;
    const char *key;
    /* A large body net wrote to a store blob file as it arrived (store_blob.h), or NULL; body
     * then maps that file. The handler that makes the file an object's body sets
     * body_blob_kept; otherwise net removes the file after the answer. */
    const char *body_blob;
    int body_blob_kept;
    /* A bit per header name present, by its first letter and length (ly_hdr_bit), so that most
     * lookups of absent headers cost one test; hdr_indexed 0: every lookup scans. */
    uint64_t hdr_bits;
    int hdr_indexed;
    /* s3: the route s3_op found for this request (its memo; s3_route_found says whether the
     * lookup ran), so the dispatch and the journal's facts look it up once. */
    const void *s3_route;
    int s3_route_found;
};

struct ly_resp {
    int status; /* 0 until a handler answers (net asserts it was set) */
    struct ly_hdr hdrs[LY_RESP_HDRS_MAX];
    size_t nhdrs;
    struct ly_buf body;
    int has_body_length;    /* HEAD: Content-Length is set by the handler, no body sent */
    const char *error_code; /* the AWS error code answered (lockyard/aws_error.h sets it
                                   with every error answer), or NULL: the journal's code */
    int sent;               /* net: the answer went out (exactly once per request) */
    /* nfiles > 0 in a 200 / 206 answer: the body is, in order, files[i].len bytes of file
     * files[i].fd from files[i].off instead of body (net sends them without reading them into
     * memory; ly_resp_add_file adds one). The descriptors are closed by net or
     * ly_resp_cleanup. */
    struct ly_file_seg *files;
    size_t nfiles, files_cap;
    struct ly_offload *offload; /* set by a handler that answers after work off the loop */
};

/* How an offloaded job ends: its work ran; the client went or the server stops (the handler
 * releases what it holds and answers nothing); or net could not take it (answer 503). */
enum ly_offload_end { LY_OFFLOAD_DONE, LY_OFFLOAD_CANCELLED, LY_OFFLOAD_BUSY };

/**
 * Work a handler leaves for a worker thread, so that reading and hashing large stored bodies
 * never holds the event loop: the handler sets resp->offload (a job in the request's arena)
 * and no status; net runs work() on a worker thread, then resume() on the loop, which answers
 * as the handler would have (or, cancelled, only releases). work() touches files and its own
 * job only (no store transaction, no response); it may stop early once cancel is set.
 */
struct ly_offload {
    void (*work)(struct ly_offload *job);
    void (*resume)(struct ly_offload *job, enum ly_offload_end end);
    uint64_t bytes;    /* the stored bytes work reads (net's bound on queued work) */
    atomic_int cancel; /* set by net when the client goes */
};

struct ly_file_seg {
    int fd;
    uint64_t off, len;
};

/** Appends a file segment to the answer's body (resp->files); fd is the answer's from now on
 *  (closed here when out of memory). @return 0 or LY_ENOMEM */
int ly_resp_add_file(struct ly_resp *resp, int fd, uint64_t off, uint64_t len) LY_WARN_UNUSED;

/** Indexes hdrs[0..nhdrs) for ly_req_header (call again if hdrs change). */
void ly_req_index_headers(struct ly_req *req);
/** ly_req_header's scan of every header (no index test). */
const char *ly_req_header_scan(const struct ly_req *req, const char *name);

/** A header name's bit in ly_req.hdr_bits: from its first letter (either case) and its
 *  length, which a lookup of a literal name knows at compile time. */
static inline uint64_t ly_hdr_bit(const char *name, size_t len)
{
    return 1ull << ((((unsigned char)name[0] | 0x20) * 7u + len) & 63);
}

/** Case-insensitive lookup of header name (len bytes); the first value or NULL. Inline: most
 *  lookups are of headers the request does not have, which the index answers in a test (about
 *  30 per request). */
static inline const char *ly_req_header_n(const struct ly_req *req, const char *name, size_t len)
{
    if (req->hdr_indexed && !(req->hdr_bits & ly_hdr_bit(name, len)))
        return NULL;
    return ly_req_header_scan(req, name);
}

/** ly_req_header_n of a NUL-terminated name (a literal's length is known when compiling). */
static inline const char *ly_req_header(const struct ly_req *req, const char *name)
{
    return ly_req_header_n(req, name, strlen(name));
}
/** Header lookup that also searches the aws-chunked trailers. */
const char *ly_req_header_or_trailer(const struct ly_req *req, const char *name);
/** Query parameter lookup (exact name); NULL when absent. */
const struct ly_qparam *ly_req_query(const struct ly_req *req, const char *name);

void ly_resp_init(struct ly_resp *resp, size_t body_bytes_max);
void ly_resp_cleanup(struct ly_resp *resp);
/** Adds a header; name and value are copied into arena. @return 0, LY_ENOMEM, LY_ETOOBIG */
int ly_resp_header(struct ly_resp *resp, struct ly_arena *arena, const char *name,
                   const char *value) LY_WARN_UNUSED;
/** Adds a header without copying it: name and value must last as long as the response
 *  (string literals, or strings in the request's arena). @return 0, LY_ETOOBIG, or LY_ENOMEM
 *  for a NULL value (a string that could not be made) */
int ly_resp_header_ref(struct ly_resp *resp, const char *name, const char *value) LY_WARN_UNUSED;
int ly_resp_headerf(struct ly_resp *resp, struct ly_arena *arena, const char *name, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5))) LY_WARN_UNUSED;
/** Replaces (or adds) a header. */
int ly_resp_header_set(struct ly_resp *resp, struct ly_arena *arena, const char *name,
                       const char *value) LY_WARN_UNUSED;
/** ly_resp_header_set without copying (name and value as for ly_resp_header_ref). */
int ly_resp_header_set_ref(struct ly_resp *resp, const char *name,
                           const char *value) LY_WARN_UNUSED;
const char *ly_resp_header_get(const struct ly_resp *resp, const char *name);
/** Parses a raw query string into decoded params allocated in arena. @return 0, LY_EINVAL, LY_ENOMEM */
int ly_query_parse(struct ly_arena *arena, const char *raw, struct ly_qparam **out, size_t *n);

#endif
