/*
 * fuzz_sigv4_auth.c - libFuzzer driver for SigV4 parsing and
 * canonicalisation (sigv4.h).
 *
 * Input: lines separated by '\n': method, raw path, raw query, then up to
 * 32 "name:value" header lines. The first line is also fed to
 * sigv4_parse_authorization and the query to sigv4_parse_presigned. The
 * request is canonicalised for s3 and for another service, parsed and, if
 * parseable, verified against a fixed secret; a signature computed for it
 * must then verify.
 * Built by tests/fuzz/run (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/check.h"
#include "lockyard/sigv4.h"

#define MAX_HEADERS 32

static int rc_ok(int rc)
{
    return rc == 0 || rc == LY_EINVAL || rc == LY_ETOOBIG || rc == LY_ENOMEM ||
           rc == LY_ENOENT || rc == LY_ENOTSUP || rc == LY_ECOND || rc == LY_ERANGE;
}

static void canonicalise(const struct sigv4_request *req, const char *service, int presigned)
{
    struct sigv4_auth a;
    memset(&a, 0, sizeof a);
    memcpy(a.service, service, strlen(service) + 1);
    memcpy(a.signed_headers, "host;x-amz-date", 16);
    a.presigned = presigned;
    struct ly_buf b;
    ly_buf_init(&b, SIGV4_CANONICAL_MAX);
    LY_ASSERT(rc_ok(sigv4_canonical_request(req, &a, &b)));
    ly_buf_cleanup(&b);
}

static void parse_and_verify(const struct sigv4_request *req)
{
    struct sigv4_auth a;
    int rc = sigv4_parse_request(req, &a);
    LY_ASSERT(rc_ok(rc));
    if (rc)
        return;
    LY_ASSERT(rc_ok(sigv4_check_time(&a, 1700000000)));
    struct sigv4_result res;
    sigv4_result_init(&res);
    rc = sigv4_verify(req, &a, "secret", &res);
    LY_ASSERT(rc_ok(rc));
    if (rc == LY_ECOND) {
        /* The signature the verifier expects must be accepted. */
        memcpy(a.signature, res.signature, SIGV4_SIG_HEX_SIZE);
        LY_ASSERT(sigv4_verify(req, &a, "secret", &res) == 0);
    }
    sigv4_result_cleanup(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *line[3 + MAX_HEADERS];
    size_t n = 0;
    char *p = text;
    while (n < 3 + MAX_HEADERS) {
        line[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    struct sigv4_auth a;
    LY_ASSERT(rc_ok(sigv4_parse_authorization(line[0], &a)));
    struct sigv4_header h[MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 3; i < n; i++) {
        char *colon = strchr(line[i], ':');
        if (!colon)
            continue;
        *colon = '\0';
        h[nh++] = (struct sigv4_header){line[i], colon + 1};
    }
    struct sigv4_request req = {
        line[0], n > 1 ? line[1] : "/", n > 2 ? line[2] : "", h, nh, NULL,
    };
    LY_ASSERT(rc_ok(sigv4_parse_presigned(req.query, &a)));
    canonicalise(&req, "s3", 0);
    canonicalise(&req, "dynamodb", 1);
    req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
    canonicalise(&req, "s3", 1);
    req.payload_hash = NULL;
    parse_and_verify(&req);
    free(text);
    return 0;
}
