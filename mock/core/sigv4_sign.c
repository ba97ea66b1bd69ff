/*
 * sigv4_sign.c - the client side of SigV4 (header-form signer) and the
 * aws-chunked chunk/trailer signature chain used by both sides (see sigv4.h).
 */
#include "lockyard/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int copy_str(char *dst, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size)
        return LY_EINVAL;
    memcpy(dst, s, n + 1);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, de-duplicated lowercase names joined with ';' into auth->signed_headers. */
static int build_signed_headers(const struct sigv4_header *h, size_t n, struct sigv4_auth *auth)
{
    struct ly_buf names;
    ly_buf_init(&names, SIGV4_CANONICAL_MAX);
    const char **ptrs = malloc(sizeof *ptrs * (n ? n : 1));
    size_t *offs = malloc(sizeof *offs * (n ? n : 1));
    int rc = ptrs && offs ? 0 : LY_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        offs[i] = names.len;
        rc = ly_buf_add(&names, h[i].name, strlen(h[i].name) + 1);
        for (size_t k = offs[i]; !rc && names.data[k]; k++)
            if (names.data[k] >= 'A' && names.data[k] <= 'Z')
                names.data[k] = (char)(names.data[k] - 'A' + 'a');
    }
    if (!rc) {
        for (size_t i = 0; i < n; i++)
            ptrs[i] = names.data + offs[i];
        qsort(ptrs, n, sizeof *ptrs, name_cmp);
        struct ly_buf list;
        ly_buf_init(&list, SIGV4_SIGNED_HEADERS_MAX);
        for (size_t i = 0; i < n && !rc; i++) {
            if (i > 0 && strcmp(ptrs[i], ptrs[i - 1]) == 0)
                continue;
            rc = ly_buf_addf(&list, "%s%s", list.len ? ";" : "", ptrs[i]);
        }
        if (!rc)
            rc = copy_str(auth->signed_headers, sizeof auth->signed_headers, list.data);
        ly_buf_cleanup(&list);
    }
    free(ptrs);
    free(offs);
    ly_buf_cleanup(&names);
    return rc == LY_ETOOBIG ? LY_EINVAL : rc;
}

static int check_sign_inputs(const struct sigv4_request *req, const struct sigv4_credentials *cred,
                             const char *region, const char *service)
{
    static const char *const added[] = {
        "authorization",
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-security-token",
    };
    if (!req->method || !req->path || !req->payload_hash || !cred || !cred->access_key ||
        !cred->secret_key || !region || !service || req->headers_count > SIGV4_HEADERS_MAX - 3)
        return LY_EINVAL;
    int has_host = 0;
    for (size_t i = 0; i < req->headers_count; i++) {
        for (size_t k = 0; k < sizeof added / sizeof added[0]; k++)
            if (strcasecmp(req->headers[i].name, added[k]) == 0)
                return LY_EINVAL;
        has_host |= strcasecmp(req->headers[i].name, "host") == 0;
    }
    return has_host ? 0 : LY_EINVAL;
}

static int fill_auth(const struct sigv4_credentials *cred, const char *region, const char *service,
                     int64_t now_s, struct sigv4_auth *auth)
{
    memset(auth, 0, sizeof *auth);
    sigv4_format_datetime(now_s, auth->datetime);
    memcpy(auth->date, auth->datetime, 8);
    int rc = copy_str(auth->access_key, sizeof auth->access_key, cred->access_key);
    if (!rc)
        rc = copy_str(auth->region, sizeof auth->region, region);
    if (!rc)
        rc = copy_str(auth->service, sizeof auth->service, service);
    return rc;
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
               const char *region, const char *service, int64_t now_s, struct sigv4_signed *out,
               struct sigv4_result *res)
{
    int rc = check_sign_inputs(req, cred, region, service);
    struct sigv4_auth *auth = malloc(sizeof *auth);
    struct sigv4_header *hdrs = malloc(sizeof *hdrs * (req->headers_count + 3));
    struct sigv4_result local;
    sigv4_result_init(&local);
    if (!res)
        res = &local;
    if (!rc && (!auth || !hdrs))
        rc = LY_ENOMEM;
    if (!rc)
        rc = fill_auth(cred, region, service, now_s, auth);
    if (!rc)
        rc = copy_str(out->content_sha256, sizeof out->content_sha256, req->payload_hash);
    if (!rc) {
        memcpy(out->amz_date, auth->datetime, sizeof out->amz_date);
        size_t n = req->headers_count;
        if (n)
            memcpy(hdrs, req->headers, sizeof *hdrs * n);
        hdrs[n++] = (struct sigv4_header){"x-amz-date", out->amz_date};
        if (strcmp(service, "s3") == 0)
            hdrs[n++] = (struct sigv4_header){"x-amz-content-sha256", out->content_sha256};
        if (cred->session_token)
            hdrs[n++] = (struct sigv4_header){"x-amz-security-token", cred->session_token};
        rc = build_signed_headers(hdrs, n, auth);
        struct sigv4_request signed_req = *req;
        signed_req.headers = hdrs;
        signed_req.headers_count = n;
        if (!rc)
            rc = sigv4_verify(&signed_req, auth, cred->secret_key, res);
        if (rc == LY_ECOND) /* auth->signature is empty: nothing to compare with */
            rc = 0;
    }
    if (!rc) {
        int n = snprintf(out->authorization, sizeof out->authorization,
                         SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                         auth->access_key, res->scope, auth->signed_headers, res->signature);
        rc = n > 0 && (size_t)n < sizeof out->authorization ? 0 : LY_EINVAL;
    }
    sigv4_result_cleanup(&local);
    free(auth);
    free(hdrs);
    return rc;
}

/* ---- aws-chunked chain ---------------------------------------------- */

static int is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

int sigv4_chunk_init(struct sigv4_chunk_signer *cs, const uint8_t key[SIGV4_KEY_LEN],
                     const char *datetime, const char *scope, const char *seed_hex)
{
    memset(cs, 0, sizeof *cs);
    memcpy(cs->key, key, SIGV4_KEY_LEN);
    if (strlen(datetime) != SIGV4_DATETIME_SIZE - 1 || !is_hex64(seed_hex))
        return LY_EINVAL;
    int rc = copy_str(cs->datetime, sizeof cs->datetime, datetime);
    if (!rc)
        rc = copy_str(cs->scope, sizeof cs->scope, scope);
    if (!rc)
        rc = copy_str(cs->previous, sizeof cs->previous, seed_hex);
    return rc;
}

static int chain_step_hashed(struct sigv4_chunk_signer *cs, const char *kind, const char *extra,
                             const char *hash, char out[SIGV4_SIG_HEX_SIZE])
{
    char sts[64 + SIGV4_DATETIME_SIZE + SIGV4_SCOPE_SIZE + 3 * SIGV4_SIG_HEX_SIZE];
    int rc;
    int n = snprintf(sts, sizeof sts, "%s\n%s\n%s\n%s\n%s%s", kind, cs->datetime, cs->scope,
                     cs->previous, extra, hash);
    if (n < 0 || (size_t)n >= sizeof sts)
        return LY_EINVAL;
    rc = sigv4_hmac_hex(cs->key, sts, (size_t)n, out);
    if (!rc)
        memcpy(cs->previous, out, SIGV4_SIG_HEX_SIZE);
    return rc;
}

static int chain_step(struct sigv4_chunk_signer *cs, const char *kind, const char *extra,
                      const void *data, size_t len, char out[SIGV4_SIG_HEX_SIZE])
{
    char hash[SIGV4_SIG_HEX_SIZE];
    int rc = sigv4_sha256_hex(data, len, hash);
    return rc ? rc : chain_step_hashed(cs, kind, extra, hash, out);
}

int sigv4_chunk_sign_hashed(struct sigv4_chunk_signer *cs, const char hash_hex[SIGV4_SIG_HEX_SIZE],
                            char out[SIGV4_SIG_HEX_SIZE])
{
    return chain_step_hashed(cs, "AWS4-HMAC-SHA256-PAYLOAD", SIGV4_EMPTY_SHA256 "\n", hash_hex,
                             out);
}

int sigv4_chunk_sign(struct sigv4_chunk_signer *cs, const void *data, size_t len,
                     char out[SIGV4_SIG_HEX_SIZE])
{
    return chain_step(cs, "AWS4-HMAC-SHA256-PAYLOAD", SIGV4_EMPTY_SHA256 "\n", data, len, out);
}

int sigv4_chunk_sign_trailer(struct sigv4_chunk_signer *cs, const char *lines, size_t len,
                             char out[SIGV4_SIG_HEX_SIZE])
{
    return chain_step(cs, "AWS4-HMAC-SHA256-TRAILER", "", lines, len, out);
}
