/*
 * auth.c - SigV4 authentication (--auth any|sigv4) and payload decoding for every service:
 * x-amz-content-sha256 verification, aws-chunked framing (signed chunks, trailers).
 * Errors are answered in the shape of the service the request is for.
 */
#include "net_internal.h"
#include "body.h"
#include "lockyard/aws_chunked.h"
#include "lockyard/httpdate.h"
#include "lockyard/sigv4.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum auth_fail {
    AF_NONE,
    AF_MISSING,
    AF_MALFORMED,
    AF_UNSUPPORTED,
    AF_UNKNOWN_KEY,
    AF_SIGNATURE,
    AF_SKEW,
    AF_EXPIRED,
    AF_PAYLOAD_HASH,
    AF_CHUNK_FRAMING,
    AF_CHUNK_SIGNATURE,
    AF_TOO_BIG,
    AF_REGION,
    AF_SERVICE,
    AF_UNSIGNED_HEADER,
};

struct auth_state {
    struct sigv4_request sreq;
    struct sigv4_auth auth;
    struct sigv4_result res;
    int have_auth;
    int verified;
    char body_sha[SIGV4_SIG_HEX_SIZE];
    const char *region;          /* the server's, for scope errors */
    const char *service;         /* the one the endpoint belongs to */
    const char *unsigned_header; /* an x-amz-* header outside SignedHeaders */
};

static const char *secret_for(const struct server *srv, const char *akid)
{
    for (size_t i = 0; i < srv->opts.ncredentials; i++)
        if (strcmp(srv->opts.credentials[i].access_key, akid) == 0)
            return srv->opts.credentials[i].secret;
    return NULL;
}

int net_auth_early_chunk_signer(const struct server *srv, const char *authz, size_t authz_len,
                                const char *amz_date, size_t date_len,
                                struct sigv4_chunk_signer *out)
{
    char value[SIGV4_AUTHORIZATION_SIZE + 64], datetime[SIGV4_DATETIME_SIZE];
    char scope[SIGV4_SCOPE_SIZE];
    uint8_t key[SIGV4_KEY_LEN];
    struct sigv4_auth a;
    if (srv->opts.auth != SERVER_AUTH_SIGV4 || authz_len >= sizeof value ||
        date_len >= sizeof datetime)
        return LY_EINVAL;
    memcpy(value, authz, authz_len);
    value[authz_len] = '\0';
    memcpy(datetime, amz_date, date_len);
    datetime[date_len] = '\0';
    memset(&a, 0, sizeof a);
    const char *secret = sigv4_parse_authorization(value, &a) ? NULL
                                                              : secret_for(srv, a.access_key);
    int rc = secret ? sigv4_scope(&a, scope) : LY_ENOENT;
    if (!rc)
        rc = sigv4_signing_key(secret, a.date, a.region, a.service, key);
    if (!rc)
        rc = sigv4_chunk_init(out, key, datetime, scope, a.signature);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

static char *hex_bytes(struct ly_arena *a, const struct ly_buf *b)
{
    char *out = ly_arena_alloc(a, b->len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < b->len; i++)
        o += (size_t)snprintf(out + o, 4, i ? " %02x" : "%02x", (unsigned char)b->data[i]);
    out[o] = '\0';
    return out;
}

/* A credential scoped to another region or service: S3's AuthorizationHeaderMalformed. */
/* A credential scoped to another region or service: S3's AuthorizationHeaderMalformed. */
static void s3_scope_fail(struct ly_req *req, struct ly_resp *resp, enum auth_fail f,
                          const struct auth_state *st)
{
    const char *lead = st->auth.presigned ? "Error parsing the X-Amz-Credential parameter;"
                                          : "The authorization header is malformed;";
    const char *msg =
        f == AF_REGION
            ? ly_arena_printf(req->arena, "%s the region '%s' is wrong; expecting '%s'", lead,
                              st->auth.region, st->region)
            : ly_arena_printf(req->arena,
                              "%s incorrect service '%s'. This endpoint belongs to '%s'.", lead,
                              st->auth.service, st->service);
    enum aws_err code = st->auth.presigned ? AWS_S3_AUTHORIZATION_QUERY_PARAMETERS_ERROR
                                           : AWS_S3_AUTHORIZATION_HEADER_MALFORMED;
    if (f == AF_REGION)
        aws_s3_error(req, resp, code, "Message", msg, "Region", st->region, NULL);
    else
        aws_s3_error(req, resp, code, "Message", msg, NULL);
}

static void s3_fail(struct ly_req *req, struct ly_resp *resp, enum auth_fail f,
                    struct auth_state *st)
{
    char server_time[LY_ISODATE_LEN];
    ly_isodate_format(req->now_ms, server_time);
    switch (f) {
    case AF_MISSING: aws_s3_error(req, resp, AWS_S3_ACCESS_DENIED, NULL); return;
    case AF_UNSUPPORTED:
        aws_s3_error(req, resp, AWS_S3_INVALID_REQUEST, "Message",
                     "The authorization mechanism "
                     "you have provided is not supported. Please use AWS4-HMAC-SHA256.",
                     NULL);
        return;
    case AF_MALFORMED:
        aws_s3_error(req, resp,
                     st->auth.presigned ? AWS_S3_AUTHORIZATION_QUERY_PARAMETERS_ERROR
                                        : AWS_S3_AUTHORIZATION_HEADER_MALFORMED,
                     NULL);
        return;
    case AF_UNKNOWN_KEY:
        aws_s3_error(req, resp, AWS_S3_INVALID_ACCESS_KEY_ID, "AWSAccessKeyId", st->auth.access_key,
                     NULL);
        return;
    case AF_SIGNATURE:
        aws_s3_error(
            req, resp, AWS_S3_SIGNATURE_DOES_NOT_MATCH, "AWSAccessKeyId", st->auth.access_key,
            "StringToSign", st->res.string_to_sign.data ? st->res.string_to_sign.data : "",
            "SignatureProvided", st->auth.signature, "StringToSignBytes",
            hex_bytes(req->arena, &st->res.string_to_sign), "CanonicalRequest",
            st->res.canonical_request.data ? st->res.canonical_request.data : "",
            "CanonicalRequestBytes", hex_bytes(req->arena, &st->res.canonical_request), NULL);
        return;
    case AF_SKEW:
        aws_s3_error(req, resp, AWS_S3_REQUEST_TIME_TOO_SKEWED, "RequestTime", st->auth.datetime,
                     "ServerTime", server_time, "MaxAllowedSkewMilliseconds", "900000", NULL);
        return;
    case AF_EXPIRED:
        aws_s3_error(req, resp, AWS_S3_ACCESS_DENIED, "Message", "Request has expired",
                     "X-Amz-Expires", ly_arena_printf(req->arena, "%" PRId64, st->auth.expires_s),
                     "ServerTime", server_time, NULL);
        return;
    case AF_PAYLOAD_HASH:
        aws_s3_error(req, resp, AWS_S3_XAMZ_CONTENT_SHA256_MISMATCH, "ClientComputedContentSHA256",
                     ly_req_header(req, "x-amz-content-sha256"), "S3ComputedContentSHA256",
                     st->body_sha, NULL);
        return;
    case AF_CHUNK_FRAMING: aws_s3_error(req, resp, AWS_S3_INCOMPLETE_BODY, NULL); return;
    case AF_CHUNK_SIGNATURE: aws_s3_error(req, resp, AWS_S3_SIGNATURE_DOES_NOT_MATCH, NULL); return;
    case AF_TOO_BIG: aws_s3_error(req, resp, AWS_S3_ENTITY_TOO_LARGE, NULL); return;
    case AF_REGION:
    case AF_SERVICE: s3_scope_fail(req, resp, f, st); return;
    case AF_UNSIGNED_HEADER:
        aws_s3_error(req, resp, AWS_S3_ACCESS_DENIED, "Message",
                     "There were headers present in "
                     "the request which were not signed",
                     "HeadersNotSigned", st->unsigned_header, NULL);
        return;
    case AF_NONE: return;
    }
}

static void ddb_fail(struct ly_req *req, struct ly_resp *resp, enum auth_fail f,
                     struct auth_state *st)
{
    char now[SIGV4_DATETIME_SIZE];
    switch (f) {
    case AF_MISSING:
        aws_ddb_error(req, resp, AWS_DDB_MISSING_AUTHENTICATION_TOKEN, NULL, NULL);
        return;
    case AF_UNKNOWN_KEY: aws_ddb_error(req, resp, AWS_DDB_UNRECOGNIZED_CLIENT, NULL, NULL); return;
    case AF_SKEW:
        sigv4_format_datetime(req->now_ms / 1000, now);
        aws_ddb_error(req, resp, AWS_DDB_INVALID_SIGNATURE,
                      ly_arena_printf(req->arena,
                                      "Signature expired: %s is now earlier than %s "
                                      "(%s - 15 min.)",
                                      st->auth.datetime, now, now),
                      NULL);
        return;
    case AF_SIGNATURE:
    case AF_CHUNK_SIGNATURE:
    case AF_PAYLOAD_HASH: aws_ddb_error(req, resp, AWS_DDB_INVALID_SIGNATURE, NULL, NULL); return;
    case AF_TOO_BIG: aws_ddb_error(req, resp, AWS_DDB_REQUEST_ENTITY_TOO_LARGE, NULL, NULL); return;
    case AF_REGION:
        aws_ddb_error(req, resp, AWS_DDB_INVALID_SIGNATURE,
                      "Credential should be scoped to a valid region. ", NULL);
        return;
    case AF_SERVICE:
        aws_ddb_error(req, resp, AWS_DDB_INVALID_SIGNATURE,
                      "Credential should be scoped to correct service: 'dynamodb'. ", NULL);
        return;
    default: aws_ddb_error(req, resp, AWS_DDB_INCOMPLETE_SIGNATURE, NULL, NULL); return;
    }
}

static void sts_fail(struct ly_req *req, struct ly_resp *resp, enum auth_fail f)
{
    switch (f) {
    case AF_MISSING: aws_sts_error(req, resp, AWS_STS_MISSING_AUTHENTICATION_TOKEN, NULL); return;
    case AF_UNKNOWN_KEY: aws_sts_error(req, resp, AWS_STS_INVALID_CLIENT_TOKEN_ID, NULL); return;
    case AF_SIGNATURE:
    case AF_CHUNK_SIGNATURE:
    case AF_PAYLOAD_HASH: aws_sts_error(req, resp, AWS_STS_SIGNATURE_DOES_NOT_MATCH, NULL); return;
    case AF_SKEW:
    case AF_EXPIRED:
        aws_sts_error(req, resp, AWS_STS_REQUEST_EXPIRED,
                      "Signature expired: the request was "
                      "signed more than 15 minutes away from the server's time.");
        return;
    case AF_REGION:
        aws_sts_error(req, resp, AWS_STS_SIGNATURE_DOES_NOT_MATCH,
                      "Credential should be scoped to a valid region.");
        return;
    case AF_SERVICE:
        aws_sts_error(req, resp, AWS_STS_SIGNATURE_DOES_NOT_MATCH,
                      "Credential should be scoped to correct service: 'sts'.");
        return;
    default: aws_sts_error(req, resp, AWS_STS_INCOMPLETE_SIGNATURE, NULL); return;
    }
}

static void fail_reply(enum net_service svc, struct ly_req *req, struct ly_resp *resp,
                       enum auth_fail f, struct auth_state *st)
{
    if (svc == NET_SVC_DDB)
        ddb_fail(req, resp, f, st);
    else if (svc == NET_SVC_STS)
        sts_fail(req, resp, f);
    else
        s3_fail(req, resp, f, st);
}

static int has_query_param(const char *query, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : "")
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return 1;
    return 0;
}

static int header_signed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p; p += strcspn(p, ";"), p += *p == ';')
        if (strncasecmp(p, name, n) == 0 && (p[n] == ';' || p[n] == '\0'))
            return 1;
    return 0;
}

/* AWS refuses a credential scoped to another region or service, and (S3, header form) any
 * x-amz-* header the signature does not cover: it could have been added on the way. */
static enum auth_fail check_scope(const struct ly_req *req, struct auth_state *st)
{
    if (strcmp(st->auth.region, st->region) != 0)
        return AF_REGION;
    if (strcmp(st->auth.service, st->service) != 0)
        return AF_SERVICE;
    if (st->auth.presigned || strcmp(st->service, "s3") != 0)
        return AF_NONE;
    for (size_t i = 0; i < req->nhdrs; i++)
        if (strncasecmp(req->hdrs[i].name, "x-amz-", 6) == 0 &&
            !header_signed(st->auth.signed_headers, req->hdrs[i].name)) {
            st->unsigned_header = req->hdrs[i].name;
            return AF_UNSIGNED_HEADER;
        }
    return AF_NONE;
}

/* hex SHA-256 of the body: taken as it came when the guard hashed it, else computed. */
static int body_sha256(const struct ly_req *req, char out[SIGV4_SIG_HEX_SIZE])
{
    if (req->digests && req->digests->has_sha256) {
        memcpy(out, req->digests->sha256_hex, SIGV4_SIG_HEX_SIZE);
        return 0;
    }
    return sigv4_sha256_hex(req->body, req->body_len, out);
}

/* Parses, and in sigv4 mode verifies, the request's signature. */
/* The request may carry credentials: an Authorization header, or a query naming a presigned
 * URL's parameters (matched as sigv4_parse_request matches them: exact, case-sensitive). */
static int may_carry_credentials(const struct ly_req *req)
{
    const char *q = req->raw_query;
    return ly_req_header(req, "Authorization") ||
           (q && (strstr(q, "X-Amz-Algorithm") || strstr(q, "X-Amz-Credential") ||
                  strstr(q, "X-Amz-Signature")));
}

static enum auth_fail authenticate(struct server *srv, struct ly_req *req, struct auth_state *st)
{
    /* Without --auth sigv4 a request without credentials is let in whatever its query holds,
     * and the parse below would only find none: skip it (most local requests are unsigned). */
    if (srv->opts.auth != SERVER_AUTH_SIGV4 && !may_carry_credentials(req))
        return AF_NONE;
    int rc = sigv4_parse_request(&st->sreq, &st->auth);
    if (rc == LY_ENOENT && has_query_param(req->raw_query, "AWSAccessKeyId") &&
        has_query_param(req->raw_query, "Signature"))
        rc = LY_ENOTSUP; /* a SigV2 presigned URL (botocore < 1.31 makes them by default) */
    if (rc == LY_ENOENT)
        return srv->opts.auth == SERVER_AUTH_SIGV4 ? AF_MISSING : AF_NONE;
    if (rc == LY_ENOTSUP)
        return srv->opts.auth == SERVER_AUTH_SIGV4 ? AF_UNSUPPORTED : AF_NONE;
    if (rc)
        return srv->opts.auth == SERVER_AUTH_SIGV4 ? AF_MALFORMED : AF_NONE;
    st->have_auth = 1;
    req->access_key = ly_arena_strdup(req->arena, st->auth.access_key);
    if (srv->opts.auth != SERVER_AUTH_SIGV4)
        return AF_NONE;
    const char *secret = secret_for(srv, st->auth.access_key);
    if (!secret)
        return AF_UNKNOWN_KEY;
    enum auth_fail scope = check_scope(req, st);
    if (scope != AF_NONE)
        return scope;
    rc = sigv4_check_time(&st->auth, req->now_ms / 1000);
    if (rc == LY_ECOND)
        return AF_EXPIRED;
    if (rc == LY_ERANGE)
        return AF_SKEW;
    if (rc)
        return AF_MALFORMED;
    if (!st->auth.presigned && !ly_req_header(req, "x-amz-content-sha256")) {
        /* DynamoDB, STS and curl --aws-sigv4 sign hex sha256(body) without sending it. */
        if (body_sha256(req, st->body_sha))
            return AF_MALFORMED;
        st->sreq.payload_hash = st->body_sha;
    }
    rc = sigv4_verify(&st->sreq, &st->auth, secret, &st->res);
    if (rc == LY_ECOND)
        return AF_SIGNATURE;
    if (rc)
        return AF_MALFORMED;
    st->verified = 1;
    return AF_NONE;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static int is_aws_chunked(const struct ly_req *req, enum sigv4_payload kind)
{
    const char *ce = ly_req_header(req, "Content-Encoding");
    return kind == SIGV4_PAYLOAD_STREAMING || kind == SIGV4_PAYLOAD_STREAMING_TRAILER ||
           kind == SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER ||
           (ce && contains_nocase(ce, "aws-chunked"));
}

static enum auth_fail decode_chunked(struct server *srv, struct ly_req *req, struct auth_state *st,
                                     struct ly_buf *decoded, struct net_body *nb)
{
    struct chunked_opts o = {0, -1, ly_req_header(req, "x-amz-trailer"), NULL};
    struct chunked_result res;
    struct sigv4_chunk_signer signer;
    const char *dl = ly_req_header(req, "x-amz-decoded-content-length");
    if (dl) {
        char *end;
        long long v = strtoll(dl, &end, 10);
        if (*end || v < 0)
            return AF_CHUNK_FRAMING;
        o.expected_len = v;
    }
    enum sigv4_payload kind = sigv4_payload_kind(ly_req_header(req, "x-amz-content-sha256"));
    if (st->verified &&
        (kind == SIGV4_PAYLOAD_STREAMING || kind == SIGV4_PAYLOAD_STREAMING_TRAILER)) {
        if (sigv4_chunk_init(&signer, st->res.signing_key, st->auth.datetime, st->res.scope,
                             st->auth.signature))
            return AF_MALFORMED;
        o.signer = &signer;
    }
    o.decoded_bytes_max = (size_t)srv->opts.object_bytes_max + 1;
    int rc;
    if (nb && nb->aws_chunked) { /* decoded as it came: the chain and the final checks */
        rc = chunked_stream_finish(nb->dg.cs, o.signer, o.expected_trailer, o.expected_len);
        res = nb->dg.cs->res;
        decoded = &nb->payload;
        req->digests = &nb->dg.out;
    } else {
        rc = chunked_decode(req->body, req->body_len, &o, decoded, &res);
        req->digests = NULL;
    }
    if (rc == LY_ECOND)
        return AF_CHUNK_SIGNATURE;
    if (rc == LY_ETOOBIG)
        return AF_TOO_BIG;
    if (rc)
        return AF_CHUNK_FRAMING;
    struct ly_hdr *t = ly_arena_calloc(req->arena, (res.trailer_count + 1) * sizeof *t);
    if (!t)
        return AF_TOO_BIG;
    for (size_t i = 0; i < res.trailer_count; i++) {
        t[i].name = ly_arena_strdup(req->arena, res.trailers[i].name);
        t[i].value = ly_arena_strdup(req->arena, res.trailers[i].value);
    }
    req->trailers = t;
    req->ntrailers = res.trailer_count;
    req->body = decoded->data ? (const unsigned char *)decoded->data : (const unsigned char *)"";
    req->body_len = decoded->len;
    if (nb && nb->aws_chunked && nb->map) { /* spooled to a blob file (body.c) */
        req->body = nb->map;
        req->body_len = nb->spooled;
    }
    return AF_NONE;
}

/* Checks a hex x-amz-content-sha256 against the body (S3 checks it even without --auth sigv4). */
static enum auth_fail check_payload_hash(struct ly_req *req, struct auth_state *st)
{
    const char *h = ly_req_header(req, "x-amz-content-sha256");
    if (!h || sigv4_payload_kind(h) != SIGV4_PAYLOAD_SHA256)
        return AF_NONE;
    if (body_sha256(req, st->body_sha))
        return AF_MALFORMED;
    return strcasecmp(h, st->body_sha) == 0 ? AF_NONE : AF_PAYLOAD_HASH;
}

/* The common local request: unsigned under --auth any or none, not aws-chunked, and (S3) no hex
 * x-amz-content-sha256 to check. Nothing below applies to it, not even the state's set-up. */
static int nothing_to_check(const struct server *srv, enum net_service svc,
                            const struct ly_req *req)
{
    if (srv->opts.auth == SERVER_AUTH_SIGV4 || may_carry_credentials(req))
        return 0;
    enum sigv4_payload kind = sigv4_payload_kind(ly_req_header(req, "x-amz-content-sha256"));
    if (svc != NET_SVC_ADMIN && is_aws_chunked(req, kind))
        return 0;
    return svc != NET_SVC_S3 || kind != SIGV4_PAYLOAD_SHA256;
}

int net_auth_and_payload_or_reply(struct server *srv, enum net_service svc, struct ly_req *req,
                                  struct ly_resp *resp, struct ly_buf *decoded,
                                  struct net_body *body)
{
    if (nothing_to_check(srv, svc, req))
        return 0;
    struct auth_state st;
    struct sigv4_header hdrs[SIGV4_HEADERS_MAX];
    memset(&st, 0, sizeof st);
    sigv4_result_init(&st.res);
    size_t n = req->nhdrs < SIGV4_HEADERS_MAX ? req->nhdrs : SIGV4_HEADERS_MAX;
    for (size_t i = 0; i < n; i++) {
        hdrs[i].name = req->hdrs[i].name;
        hdrs[i].value = req->hdrs[i].value;
    }
    st.sreq.method = req->method_name;
    st.sreq.path = req->raw_path;
    st.sreq.query = req->raw_query;
    st.sreq.headers = hdrs;
    st.sreq.headers_count = n;
    st.region = srv->opts.region;
    st.service = svc == NET_SVC_DDB ? "dynamodb" : svc == NET_SVC_STS ? "sts" : "s3";
    enum auth_fail f = authenticate(srv, req, &st);
    if (f == AF_NONE) {
        enum sigv4_payload kind = sigv4_payload_kind(ly_req_header(req, "x-amz-content-sha256"));
        if (svc != NET_SVC_ADMIN && is_aws_chunked(req, kind))
            f = decode_chunked(srv, req, &st, decoded, body);
        else if (svc == NET_SVC_S3)
            f = check_payload_hash(req, &st);
    }
    if (f != AF_NONE)
        fail_reply(svc, req, resp, f, &st);
    sigv4_result_cleanup(&st.res);
    return f != AF_NONE;
}

static int token_matches(const char *given, const char *token)
{
    size_t n = strlen(token);
    return strlen(given) == n && CRYPTO_memcmp(given, token, n) == 0;
}

/*
 * The admin API resets the store and switches off conditional writes, so once the operator asks
 * for authentication (--auth sigv4 or --admin-token) it answers only the admin token or, under
 * --auth sigv4, a request signed by a configured key. GET /_lockyard/health stays open: it tells
 * nothing but that the server is up, and health checks carry no credentials. So does the live
 * page GET /_lockyard/ui: it is a static page without data; the journal and rules it then
 * fetches need the token like any other admin call.
 */
int net_admin_auth_or_reply(struct server *srv, struct ly_req *req, struct ly_resp *resp,
                            struct ly_buf *decoded, struct net_body *body)
{
    const char *token = srv->opts.admin_token;
    if (!token && srv->opts.auth != SERVER_AUTH_SIGV4)
        return 0;
    if ((req->method == LY_GET || req->method == LY_HEAD) &&
        (strcmp(req->raw_path, "/_lockyard/health") == 0 ||
         strcmp(req->raw_path, "/_lockyard/ui") == 0))
        return 0;
    const char *given = ly_req_header(req, "x-lockyard-admin-token");
    const char *authz = ly_req_header(req, "Authorization");
    if (!given && authz && strncasecmp(authz, "Bearer ", 7) == 0)
        for (given = authz + 7; *given == ' '; given++)
            ;
    if (token && given)
        return token_matches(given, token)
                   ? 0
                   : (aws_s3_error(req, resp, AWS_S3_ACCESS_DENIED, "Message",
                                   "The admin token does "
                                   "not match.",
                                   NULL),
                      -1);
    int signed_req = (authz && strncasecmp(authz, "AWS4-", 5) == 0) ||
                     has_query_param(req->raw_query, "X-Amz-Signature");
    if (srv->opts.auth == SERVER_AUTH_SIGV4 && signed_req)
        return net_auth_and_payload_or_reply(srv, NET_SVC_ADMIN, req, resp, decoded, body) ? -1 : 0;
    aws_s3_error(req, resp, AWS_S3_ACCESS_DENIED, "Message",
                 token ? "The admin API requires the admin token (x-lockyard-admin-token or "
                         "Authorization: Bearer) or a request signed by a configured key."
                       : "The admin API requires a request signed by a configured key.",
                 NULL);
    return -1;
}
