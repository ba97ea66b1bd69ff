/*
 * sigv4.c - SigV4 canonical request, string to sign, signing key,
 * verification, the client signer and the aws-chunked signature chain
 * (see sigv4.h). Parsing of the Authorization header / presigned query
 * is in sigv4_parse.c, URI helpers in sigv4_uri.c.
 */
#include "lockyard/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lockyard/check.h"
#include "lockyard/pct.h"
#include "sigv4_uri.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void hex_lower(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_SIG_HEX_SIZE])
{
    uint8_t md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return LY_EIO;
    hex_lower(md, 32, out);
    return 0;
}

static int hmac_raw(const void *key, size_t key_len, const void *msg, size_t len,
                    uint8_t out[SIGV4_KEY_LEN])
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &n) || n != SIGV4_KEY_LEN)
        return LY_EIO;
    return 0;
}

int sigv4_hmac_hex(const uint8_t key[SIGV4_KEY_LEN], const void *msg, size_t len,
                   char out[SIGV4_SIG_HEX_SIZE])
{
    uint8_t mac[SIGV4_KEY_LEN];
    int rc = hmac_raw(key, SIGV4_KEY_LEN, msg, len, mac);
    if (!rc)
        hex_lower(mac, sizeof mac, out);
    return rc;
}

int sigv4_signing_key(const char *secret, const char *date, const char *region, const char *service,
                      uint8_t key[SIGV4_KEY_LEN])
{
    char k0[4 + 256];
    size_t n = strlen(secret);
    if (n > 256)
        return LY_EINVAL;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, n);
    uint8_t a[SIGV4_KEY_LEN], b[SIGV4_KEY_LEN];
    int rc = hmac_raw(k0, 4 + n, date, strlen(date), a);
    if (!rc)
        rc = hmac_raw(a, sizeof a, region, strlen(region), b);
    if (!rc)
        rc = hmac_raw(b, sizeof b, service, strlen(service), a);
    if (!rc)
        rc = hmac_raw(a, sizeof a, "aws4_request", 12, key);
    OPENSSL_cleanse(k0, sizeof k0);
    return rc;
}

int sigv4_scope(const struct sigv4_auth *auth, char out[SIGV4_SCOPE_SIZE])
{
    int n = snprintf(out, SIGV4_SCOPE_SIZE, "%s/%s/%s/aws4_request", auth->date, auth->region,
                     auth->service);
    return n > 0 && (size_t)n < SIGV4_SCOPE_SIZE ? 0 : LY_EINVAL;
}

int sigv4_string_to_sign(const char *datetime, const char *scope, const char *canonical,
                         size_t canonical_len, struct ly_buf *out)
{
    char hash[SIGV4_SIG_HEX_SIZE];
    int rc = sigv4_sha256_hex(canonical, canonical_len, hash);
    if (!rc)
        rc = ly_buf_addf(out, SIGV4_ALGORITHM "\n%s\n%s\n%s", datetime, scope, hash);
    return rc;
}

int sigv4_hex_bytes(const char *s, size_t n, struct ly_buf *out)
{
    int rc = ly_buf_reserve(out, n * 3);
    for (size_t i = 0; i < n && !rc; i++)
        rc = ly_buf_addf(out, i ? " %02x" : "%02x", (unsigned char)s[i]);
    return rc;
}

void sigv4_result_init(struct sigv4_result *res)
{
    memset(res, 0, sizeof *res);
    ly_buf_init(&res->canonical_request, SIGV4_CANONICAL_MAX);
    ly_buf_init(&res->string_to_sign, SIGV4_CANONICAL_MAX);
}

void sigv4_result_cleanup(struct sigv4_result *res)
{
    ly_buf_cleanup(&res->canonical_request);
    ly_buf_cleanup(&res->string_to_sign);
    OPENSSL_cleanse(res->signing_key, sizeof res->signing_key);
}

/* ---- canonical URI -------------------------------------------------- */

/* S3: each '/'-separated segment decoded once and encoded once. */
static int uri_s3(const char *path, struct ly_buf *out)
{
    struct ly_buf seg;
    ly_buf_init(&seg, SIGV4_CANONICAL_MAX);
    int rc = 0;
    const char *p = path;
    if (*p != '/')
        rc = ly_buf_adds(out, "/");
    while (!rc) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        ly_buf_reset(&seg);
        rc = ly_pct_decode_buf(&seg, p, n, 0);
        if (!rc)
            rc = ly_pct_encode(out, seg.data, seg.len, 0);
        if (rc || !slash)
            break;
        rc = ly_buf_add(out, "/", 1);
        p = slash + 1;
    }
    ly_buf_cleanup(&seg);
    return rc;
}

/*
 * Other services (botocore's normalize_url_path + quote(safe='/~')): drop
 * empty and "." segments, let ".." pop, keep a trailing '/', then encode
 * the still-encoded path once more.
 */
static int uri_normalised(const char *path, struct ly_buf *out)
{
    size_t plen = strlen(path);
    if (plen == 0)
        return ly_buf_adds(out, "/");
    struct ly_buf norm; /* the kept segments, each with its leading slash */
    ly_buf_init(&norm, SIGV4_CANONICAL_MAX);
    int rc = ly_buf_reserve(&norm, plen);
    const char *p = path;
    while (!rc && *p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (norm.len > 0 && norm.data[--norm.len] != '/')
                ;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            rc = ly_buf_add(&norm, "/", 1);
            if (!rc)
                rc = ly_buf_add(&norm, p, n);
        }
        p += n + (slash != NULL);
    }
    if (!rc) {
        int lead = path[0] == '/', trail = path[plen - 1] == '/' && norm.len > 0;
        const char *s = norm.data + (lead ? 0 : (norm.len > 0));
        size_t n = norm.len - (lead ? 0 : (norm.len > 0));
        if (lead && norm.len == 0)
            rc = ly_buf_adds(out, "/");
        else
            rc = ly_pct_encode(out, s, n, LY_PCT_KEEP_SLASH);
        if (!rc && trail)
            rc = ly_buf_adds(out, "/");
    }
    ly_buf_cleanup(&norm);
    return rc;
}

/* ---- canonical query ------------------------------------------------ */

struct qpair {
    const char *name, *value;
    size_t name_len, value_len;
};

static int qpair_cmp(const void *a, const void *b)
{
    const struct qpair *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c || x->name_len != y->name_len)
        return c ? c : (x->name_len < y->name_len ? -1 : 1);
    n = x->value_len < y->value_len ? x->value_len : y->value_len;
    c = memcmp(x->value, y->value, n);
    if (c || x->value_len == y->value_len)
        return c;
    return x->value_len < y->value_len ? -1 : 1;
}

/* Decodes and re-encodes one name or value into enc at offset *off, length *len. */
static int recode(const char *s, size_t n, struct ly_buf *tmp, struct ly_buf *enc, size_t *off,
                  size_t *len)
{
    ly_buf_reset(tmp);
    int rc = ly_pct_decode_buf(tmp, s, n, LY_PCT_PLUS_SPACE);
    *off = enc->len;
    if (!rc)
        rc = ly_pct_encode(enc, tmp->data, tmp->len, 0);
    *len = enc->len - *off;
    return rc;
}

static int query_collect(const char *query, int presigned, struct ly_buf *tmp, struct ly_buf *enc,
                         size_t *offs, size_t *count)
{
    struct sigv4_qparam p;
    const char *pos = query;
    int rc = 0;
    *count = 0;
    while (!rc && sigv4_query_next(&pos, &p)) {
        if (presigned && p.name_len == 15 && memcmp(p.name, "X-Amz-Signature", 15) == 0)
            continue;
        if (*count == SIGV4_QUERY_PARAMS_MAX)
            return LY_ETOOBIG;
        size_t *o = offs + 4 * *count;
        rc = recode(p.name, p.name_len, tmp, enc, &o[0], &o[1]);
        if (!rc)
            rc = recode(p.value, p.value_len, tmp, enc, &o[2], &o[3]);
        ++*count;
    }
    return rc;
}

static int canonical_query(const char *query, int presigned, struct ly_buf *out)
{
    if (!query || !*query)
        return 0;
    struct ly_buf tmp, enc;
    ly_buf_init(&tmp, SIGV4_CANONICAL_MAX);
    ly_buf_init(&enc, SIGV4_CANONICAL_MAX);
    size_t *offs = malloc(sizeof(size_t) * 4 * SIGV4_QUERY_PARAMS_MAX);
    struct qpair *pairs = malloc(sizeof *pairs * SIGV4_QUERY_PARAMS_MAX);
    size_t count = 0;
    int rc = offs && pairs ? 0 : LY_ENOMEM;
    if (!rc) /* enc.data must exist even if every name and value is empty */
        rc = ly_buf_reserve(&enc, strlen(query));
    if (!rc)
        rc = query_collect(query, presigned, &tmp, &enc, offs, &count);
    if (!rc && count > 0) {
        for (size_t i = 0; i < count; i++) {
            size_t *o = offs + 4 * i;
            pairs[i] = (struct qpair){enc.data + o[0], enc.data + o[2], o[1], o[3]};
        }
        qsort(pairs, count, sizeof *pairs, qpair_cmp);
        for (size_t i = 0; i < count && !rc; i++) {
            rc = i ? ly_buf_add(out, "&", 1) : 0;
            if (!rc)
                rc = ly_buf_add(out, pairs[i].name, pairs[i].name_len);
            if (!rc)
                rc = ly_buf_add(out, "=", 1);
            if (!rc)
                rc = ly_buf_add(out, pairs[i].value, pairs[i].value_len);
        }
    }
    free(offs);
    free(pairs);
    ly_buf_cleanup(&tmp);
    ly_buf_cleanup(&enc);
    return rc;
}

/* ---- canonical headers ---------------------------------------------- */

/* Trimall: trim, and collapse inner whitespace runs to one space. */
static int add_trimmed(const char *v, struct ly_buf *out)
{
    int rc = ly_buf_reserve(out, strlen(v));
    int pending = 0, any = 0;
    for (; *v && !rc; v++) {
        if (is_ws(*v)) {
            pending = any;
            continue;
        }
        if (pending)
            out->data[out->len++] = ' ';
        out->data[out->len++] = *v;
        pending = 0;
        any = 1;
    }
    if (!rc)
        out->data[out->len] = '\0';
    return rc;
}

static int canonical_headers(const struct sigv4_request *req, const char *signed_headers,
                             struct ly_buf *out)
{
    const char *p = signed_headers;
    int rc = 0;
    while (!rc && *p) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        if (n == 0)
            return LY_EINVAL;
        rc = ly_buf_add(out, p, n);
        if (!rc)
            rc = ly_buf_add(out, ":", 1);
        int first = 1;
        for (size_t i = 0; i < req->headers_count && !rc; i++) {
            const char *name = req->headers[i].name;
            if (strlen(name) != n || strncasecmp(name, p, n) != 0)
                continue;
            if (!first)
                rc = ly_buf_add(out, ",", 1);
            if (!rc)
                rc = add_trimmed(req->headers[i].value, out);
            first = 0;
        }
        if (!rc)
            rc = ly_buf_add(out, "\n", 1);
        p += n + (semi != NULL);
    }
    return rc;
}

/* ---- canonical request ---------------------------------------------- */

static const char *find_header(const struct sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->headers_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* The payload hash line; written to out (trimmed). */
static int payload_line(const struct sigv4_request *req, const struct sigv4_auth *auth,
                        struct ly_buf *out)
{
    if (req->payload_hash)
        return ly_buf_adds(out, req->payload_hash);
    if (auth->presigned) {
        struct sigv4_qparam p;
        const char *pos = req->query;
        while (sigv4_query_next(&pos, &p)) {
            if (p.name_len == 20 && memcmp(p.name, "X-Amz-Content-Sha256", 20) == 0)
                return ly_pct_decode_buf(out, p.value, p.value_len, LY_PCT_PLUS_SPACE);
        }
    }
    const char *h = find_header(req, "x-amz-content-sha256");
    if (h)
        return add_trimmed(h, out);
    if (auth->presigned && strcmp(auth->service, "s3") == 0)
        return ly_buf_adds(out, SIGV4_UNSIGNED_PAYLOAD);
    return LY_EINVAL;
}

int sigv4_canonical_request(const struct sigv4_request *req, const struct sigv4_auth *auth,
                            struct ly_buf *out)
{
    if (!req->method || !req->path || req->headers_count > SIGV4_HEADERS_MAX)
        return LY_EINVAL;
    int rc = ly_buf_adds(out, req->method);
    if (!rc)
        rc = ly_buf_add(out, "\n", 1);
    if (!rc)
        rc = strcmp(auth->service, "s3") == 0 ? uri_s3(req->path, out)
                                              : uri_normalised(req->path, out);
    if (!rc)
        rc = ly_buf_add(out, "\n", 1);
    if (!rc)
        rc = canonical_query(req->query, auth->presigned, out);
    if (!rc)
        rc = ly_buf_add(out, "\n", 1);
    if (!rc)
        rc = canonical_headers(req, auth->signed_headers, out);
    if (!rc)
        rc = ly_buf_addf(out, "\n%s\n", auth->signed_headers);
    if (!rc)
        rc = payload_line(req, auth, out);
    return rc;
}

/* Canonical request, string to sign, key and expected signature into res. */
static int compute(const struct sigv4_request *req, const struct sigv4_auth *auth,
                   const char *secret, struct sigv4_result *res)
{
    ly_buf_reset(&res->canonical_request);
    ly_buf_reset(&res->string_to_sign);
    res->signature[0] = '\0';
    int rc = sigv4_scope(auth, res->scope);
    if (!rc)
        rc = sigv4_canonical_request(req, auth, &res->canonical_request);
    if (!rc)
        rc = sigv4_string_to_sign(auth->datetime, res->scope, res->canonical_request.data,
                                  res->canonical_request.len, &res->string_to_sign);
    if (!rc)
        rc = sigv4_signing_key(secret, auth->date, auth->region, auth->service, res->signing_key);
    if (!rc)
        rc = sigv4_hmac_hex(res->signing_key, res->string_to_sign.data, res->string_to_sign.len,
                            res->signature);
    return rc;
}

int sigv4_verify(const struct sigv4_request *req, const struct sigv4_auth *auth, const char *secret,
                 struct sigv4_result *res)
{
    int rc = compute(req, auth, secret, res);
    if (rc)
        return rc;
    if (strlen(auth->signature) != 64)
        return LY_ECOND;
    return CRYPTO_memcmp(res->signature, auth->signature, 64) == 0 ? 0 : LY_ECOND;
}
