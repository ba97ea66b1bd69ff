/*
 * sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256): parse, canonicalise,
 * sign, verify, and the aws-chunked chunk/trailer signature chain.
 *
 * Shared by the server (which verifies) and lockyard's own client (which
 * signs). Inputs are plain structs of NUL-terminated strings, never HTTP
 * library types. Pure: no I/O, no globals, no clock (callers pass `now`).
 *
 * Typical server flow:
 *
 *     struct sigv4_auth auth;
 *     rc = sigv4_parse_request(&req, &auth);       // LY_ENOENT = anonymous
 *     rc = sigv4_check_time(&auth, now_s);         // skew / expiry
 *     secret = lookup(auth.access_key);
 *     sigv4_result_init(&res);
 *     rc = sigv4_verify(&req, &auth, secret, &res); // LY_ECOND = mismatch
 *     ... res.canonical_request / res.string_to_sign for the error body,
 *     ... sigv4_chunk_init(&cs, &auth, &res) to verify aws-chunked bodies
 *     sigv4_result_cleanup(&res);
 *
 * Canonicalisation follows the AWS SigV4 documentation and botocore:
 *  - URI: for service "s3" the raw path is split on '/', each segment is
 *    percent-decoded and encoded once (RFC 3986 unreserved kept), with no
 *    dot-segment normalisation; for other services the raw (already
 *    encoded) path has its dot segments and empty segments removed and is
 *    encoded again (so "%20" becomes "%2520"), as botocore's SigV4Auth does.
 *  - Query: split on '&' (empty pieces skipped), each name and value
 *    percent-decoded ('+' decodes to a space) and re-encoded, sorted by
 *    name then value; X-Amz-Signature is left out for presigned requests.
 *  - Headers: the names listed in SignedHeaders, lowercase; every value of a
 *    name trimmed, inner whitespace runs collapsed to one space, several
 *    values of one name joined with ','.
 */
#ifndef LOCKYARD_SIGV4_H
#define LOCKYARD_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/buf.h"
#include "lockyard/err.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING_PAYLOAD "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_STREAMING_PAYLOAD_TRAILER "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define SIGV4_STREAMING_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
/** hex sha256("") */
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Limits. Inputs over them are rejected (LY_EINVAL or LY_ETOOBIG). */
#define SIGV4_ACCESS_KEY_MAX 128
#define SIGV4_REGION_MAX 32
#define SIGV4_SERVICE_MAX 32
#define SIGV4_SIGNED_HEADERS_MAX 1024 /* the "a;b;c" list */
#define SIGV4_SECURITY_TOKEN_MAX 4096
#define SIGV4_HEADERS_MAX 256 /* request headers passed in */
#define SIGV4_QUERY_PARAMS_MAX 256
#define SIGV4_CANONICAL_MAX (256 * 1024) /* canonical request bytes */
#define SIGV4_EXPIRES_MAX 604800         /* X-Amz-Expires: one week */
#define SIGV4_SKEW_MAX_S 900             /* X-Amz-Date tolerance: 15 min */

#define SIGV4_DATETIME_SIZE 17 /* "20260101T000000Z" + NUL */
#define SIGV4_SIG_HEX_SIZE 65  /* 64 hex digits + NUL */
#define SIGV4_KEY_LEN 32       /* signing key (HMAC-SHA256) */
/* "YYYYMMDD/" region "/" service "/aws4_request" + NUL */
#define SIGV4_SCOPE_SIZE (9 + SIGV4_REGION_MAX + 1 + SIGV4_SERVICE_MAX + 13 + 1)
#define SIGV4_AUTHORIZATION_SIZE                                                         \
    (sizeof(SIGV4_ALGORITHM " Credential=/") + SIGV4_ACCESS_KEY_MAX + SIGV4_SCOPE_SIZE + \
     sizeof(", SignedHeaders=") + SIGV4_SIGNED_HEADERS_MAX + sizeof(", Signature=") +    \
     SIGV4_SIG_HEX_SIZE)

/** One request header as received (any case, value untrimmed). */
struct sigv4_header {
    const char *name;
    const char *value;
};

/** A request as it came off the wire. The struct borrows every string. */
struct sigv4_request {
    const char *method; /* "GET", as sent */
    const char *path;   /* raw path as sent, still percent-encoded, no query */
    const char *query;  /* raw query without '?', or NULL / "" */
    const struct sigv4_header *headers;
    size_t headers_count; /* at most SIGV4_HEADERS_MAX */
    /*
     * Last line of the canonical request. NULL: taken from the
     * x-amz-content-sha256 header; for presigned requests from the
     * X-Amz-Content-Sha256 query parameter, then that header, then
     * "UNSIGNED-PAYLOAD" when the service is s3. Services that do not send
     * the header (DynamoDB, STS) need the caller to pass hex sha256(body).
     */
    const char *payload_hash;
};

/** Authentication parameters from an Authorization header or a presigned URL. */
struct sigv4_auth {
    int presigned; /* 1: from the query string */
    char access_key[SIGV4_ACCESS_KEY_MAX + 1];
    char date[9]; /* credential scope date YYYYMMDD */
    char region[SIGV4_REGION_MAX + 1];
    char service[SIGV4_SERVICE_MAX + 1];
    char datetime[SIGV4_DATETIME_SIZE]; /* X-Amz-Date; "" until known */
    char signed_headers[SIGV4_SIGNED_HEADERS_MAX + 1];
    char signature[SIGV4_SIG_HEX_SIZE];
    int64_t expires_s;                                 /* presigned X-Amz-Expires, else 0 */
    char security_token[SIGV4_SECURITY_TOKEN_MAX + 1]; /* "" when absent */
};

/**
 * What a verification or signing computed. Initialise with
 * sigv4_result_init and release with sigv4_result_cleanup; the two buffers
 * are owned by the struct (each capped at SIGV4_CANONICAL_MAX).
 */
struct sigv4_result {
    struct ly_buf canonical_request;
    struct ly_buf string_to_sign;
    char scope[SIGV4_SCOPE_SIZE]; /* "20260101/us-east-1/s3/aws4_request" */
    uint8_t signing_key[SIGV4_KEY_LEN];
    char signature[SIGV4_SIG_HEX_SIZE]; /* the expected signature */
};

/** How the payload hash line is to be treated. */
enum sigv4_payload {
    SIGV4_PAYLOAD_INVALID = 0,
    SIGV4_PAYLOAD_SHA256,                    /* 64 lowercase hex digits */
    SIGV4_PAYLOAD_UNSIGNED,                  /* UNSIGNED-PAYLOAD */
    SIGV4_PAYLOAD_STREAMING,                 /* aws-chunked, signed chunks */
    SIGV4_PAYLOAD_STREAMING_TRAILER,         /* signed chunks + signed trailer */
    SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER /* unsigned chunks + trailer */
};

/* ---- parsing -------------------------------------------------------- */

/**
 * Parses an Authorization header value. Tolerates the separator variants
 * SDKs send (", ", ",", extra spaces) and any component order.
 * out->datetime is left empty (it comes from the X-Amz-Date header).
 * @return 0; LY_ENOTSUP for another scheme (SigV2 "AWS ", SigV4a);
 *         LY_EINVAL for a malformed value or a component over its limit
 */
int sigv4_parse_authorization(const char *value, struct sigv4_auth *out) LY_WARN_UNUSED;
/**
 * Parses the X-Amz-* parameters of a presigned URL's raw query string.
 * @return 0; LY_ENOENT when there is no X-Amz-Algorithm, X-Amz-Credential
 *         or X-Amz-Signature at all; LY_ENOTSUP for another algorithm;
 *         LY_EINVAL for missing or malformed parameters, duplicates, or
 *         X-Amz-Expires outside 1..SIGV4_EXPIRES_MAX
 */
int sigv4_parse_presigned(const char *query, struct sigv4_auth *out) LY_WARN_UNUSED;
/**
 * Finds and parses the request's authentication (header or presigned),
 * takes X-Amz-Date and X-Amz-Security-Token from the headers for the header
 * form, and checks that the credential date equals X-Amz-Date's date.
 * @return 0; LY_ENOENT for an unauthenticated request; LY_ENOTSUP as above;
 *         LY_EINVAL for malformed auth, both forms at once, or a missing or
 *         bad X-Amz-Date
 */
int sigv4_parse_request(const struct sigv4_request *req, struct sigv4_auth *out) LY_WARN_UNUSED;

/**
 * Checks time against the caller's clock (seconds since the epoch).
 * @return 0; LY_ERANGE when X-Amz-Date is more than SIGV4_SKEW_MAX_S away
 *         from now (header form: RequestTimeTooSkewed) or in the future
 *         beyond it (presigned: "request is not valid yet"); LY_ECOND when a
 *         presigned URL has expired; LY_EINVAL for an unparsable datetime
 */
int sigv4_check_time(const struct sigv4_auth *auth, int64_t now_s) LY_WARN_UNUSED;
/** "YYYYMMDDTHHMMSSZ" -> seconds since the epoch. @return 0 or LY_EINVAL */
int sigv4_parse_datetime(const char *s, int64_t *epoch_s) LY_WARN_UNUSED;
/** Seconds since the epoch (>= 0) -> "YYYYMMDDTHHMMSSZ". */
void sigv4_format_datetime(int64_t epoch_s, char out[SIGV4_DATETIME_SIZE]);
/** Classifies a payload hash value (x-amz-content-sha256). */
enum sigv4_payload sigv4_payload_kind(const char *payload_hash);

/* ---- canonicalisation and signing primitives ------------------------ */

/**
 * Appends the canonical request for req as authenticated by auth (uses
 * auth->service, auth->signed_headers and auth->presigned) to out.
 * @return 0; LY_EINVAL for a bad path/query escape, a malformed
 *         SignedHeaders list or an unresolvable payload hash; LY_ETOOBIG
 *         over the limits; LY_ENOMEM
 */
int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_auth *auth,
                            struct ly_buf *out) LY_WARN_UNUSED;
/** "YYYYMMDD/region/service/aws4_request" from auth. @return 0 or LY_EINVAL */
int sigv4_scope(const struct sigv4_auth *auth, char out[SIGV4_SCOPE_SIZE]) LY_WARN_UNUSED;
/**
 * Appends "AWS4-HMAC-SHA256\n<datetime>\n<scope>\n<hex sha256(canonical)>".
 * @return 0, LY_EIO or a buffer error
 */
int sigv4_string_to_sign(const char *datetime, const char *scope, const char *canonical,
                         size_t canonical_len, struct ly_buf *out) LY_WARN_UNUSED;
/**
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
 * "aws4_request"). @return 0, LY_EINVAL (secret too long) or LY_EIO
 */
int sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
                      uint8_t key[SIGV4_KEY_LEN]) LY_WARN_UNUSED;
/** hex HMAC-SHA256(key, msg). @return 0 or LY_EIO */
int sigv4_hmac_hex(const uint8_t key[SIGV4_KEY_LEN], const void *msg, size_t len,
                   char out[SIGV4_SIG_HEX_SIZE]) LY_WARN_UNUSED;
/** hex sha256(data), e.g. for a payload hash. @return 0 or LY_EIO */
int sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_SIG_HEX_SIZE]) LY_WARN_UNUSED;
/**
 * Appends s as S3 shows it in StringToSignBytes / CanonicalRequestBytes:
 * two lowercase hex digits per byte separated by single spaces.
 */
int sigv4_hex_bytes(const char *s, size_t n, struct ly_buf *out) LY_WARN_UNUSED;

void sigv4_result_init(struct sigv4_result *res);
void sigv4_result_cleanup(struct sigv4_result *res);

/* ---- verify and sign ------------------------------------------------ */

/**
 * Recomputes the signature of req with secret and compares it (in constant
 * time) with auth->signature. res is filled in both the success and the
 * mismatch case (canonical request, string to sign, scope, signing key,
 * expected signature), so a SignatureDoesNotMatch body can be built and
 * aws-chunked chunk signatures can be chained from it. Time is not checked
 * here (see sigv4_check_time).
 * @return 0 when the signature matches; LY_ECOND when it does not;
 *         LY_EINVAL / LY_ETOOBIG / LY_ENOMEM / LY_EIO as for the primitives
 */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth, const char *secret,
                 struct sigv4_result *res) LY_WARN_UNUSED;

struct sigv4_credentials {
    const char *access_key;
    const char *secret_key;
    const char *session_token; /* NULL when not using temporary credentials */
};

/** The header values a signed client request must carry. */
struct sigv4_signed {
    char authorization[SIGV4_AUTHORIZATION_SIZE];
    char amz_date[SIGV4_DATETIME_SIZE]; /* send as X-Amz-Date */
    /* Send as X-Amz-Content-Sha256 when service is "s3" (it is signed then). */
    char content_sha256[SIGV4_SIG_HEX_SIZE + 48];
};

/**
 * Signs a client request in the header form. req->headers are the headers
 * the client will send and are all signed (they must include Host and must
 * not include Authorization, X-Amz-Date, X-Amz-Content-Sha256 or
 * X-Amz-Security-Token: those are added here). req->payload_hash is
 * required (hex sha256, UNSIGNED-PAYLOAD or a STREAMING-* value).
 * X-Amz-Content-Sha256 is added to the signed set only for service "s3";
 * X-Amz-Security-Token (= cred->session_token) when a token is given.
 * @param res  optional (may be NULL): receives the canonical request etc.,
 *             e.g. to sign aws-chunked chunks with sigv4_chunk_init
 * @return 0; LY_EINVAL for missing fields or a forbidden header; the
 *         errors of sigv4_canonical_request
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
               const char *region, const char *service, int64_t now_s, struct sigv4_signed *out,
               struct sigv4_result *res) LY_WARN_UNUSED;

/* ---- aws-chunked signature chain ------------------------------------ */

/**
 * State of a chunk-signature chain: each chunk signs
 *   "AWS4-HMAC-SHA256-PAYLOAD\n<datetime>\n<scope>\n<previous signature>\n"
 *   "<hex sha256("")>\n<hex sha256(chunk data)>"
 * starting from the seed (request) signature; the trailer signs
 *   "AWS4-HMAC-SHA256-TRAILER\n<datetime>\n<scope>\n<previous signature>\n"
 *   "<hex sha256(trailer lines as "name:value\n")>".
 * Plain data; copy freely.
 */
struct sigv4_chunk_signer {
    uint8_t key[SIGV4_KEY_LEN];
    char datetime[SIGV4_DATETIME_SIZE];
    char scope[SIGV4_SCOPE_SIZE];
    char previous[SIGV4_SIG_HEX_SIZE];
};

/**
 * Starts a chain from a verified (or just signed) request: the signing key
 * and scope from res, the datetime from auth (or out->amz_date), the seed
 * signature seed_hex (auth->signature when verifying).
 * @return 0 or LY_EINVAL for over-long / malformed inputs
 */
int sigv4_chunk_init(struct sigv4_chunk_signer *cs, const uint8_t key[SIGV4_KEY_LEN],
                     const char *datetime, const char *scope, const char *seed_hex) LY_WARN_UNUSED;
/** Signature of the next chunk (empty for the final one); advances the chain. */
int sigv4_chunk_sign(struct sigv4_chunk_signer *cs, const void *data, size_t len,
                     char out[SIGV4_SIG_HEX_SIZE]) LY_WARN_UNUSED;
/** As sigv4_chunk_sign, given the chunk's hex SHA-256 instead of its data (hashed as it came). */
int sigv4_chunk_sign_hashed(struct sigv4_chunk_signer *cs, const char hash_hex[SIGV4_SIG_HEX_SIZE],
                            char out[SIGV4_SIG_HEX_SIZE]) LY_WARN_UNUSED;
/**
 * Signature of the trailer section; lines is the canonical trailer text
 * ("x-amz-checksum-crc32:AAAAAA==\n" per trailer). Advances the chain.
 */
int sigv4_chunk_sign_trailer(struct sigv4_chunk_signer *cs, const char *lines, size_t len,
                             char out[SIGV4_SIG_HEX_SIZE]) LY_WARN_UNUSED;

#endif
