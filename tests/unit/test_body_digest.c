/*
 * test_body_digest.c - a body kept and hashed as it arrives (body_digest.h) and the aws-chunked
 * stream under it (aws_chunked.h): any split of the body gives the result of feeding it whole,
 * digests equal the one-shot ones, and every error of a malformed or cut aws-chunked body is the
 * same whether it came in one piece or a byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/body_digest.h"

#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EX_DATETIME "20130524T000000Z"
#define EX_SCOPE "20130524/us-east-1/s3/aws4_request"
#define EX_SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

static void example_signer(struct sigv4_chunk_signer *cs)
{
    uint8_t key[SIGV4_KEY_LEN];
    assert_int_equal(sigv4_signing_key(EX_SECRET, "20130524", "us-east-1", "s3", key), 0);
    assert_int_equal(sigv4_chunk_init(cs, key, EX_DATETIME, EX_SCOPE, EX_SEED), 0);
}

static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

/* Feeds body in pieces cut at the given points (sorted, within len). */
static void feed_split(struct body_digest *d, const char *body, size_t len, const size_t *cuts,
                       size_t ncuts)
{
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        assert_int_equal(body_digest_feed(d, body + at, to - at), 0);
        at = to;
    }
}

struct outcome {
    struct ly_body_digests out;
    struct ly_buf raw, payload;
    int rc; /* chunked_stream_finish, for aws-chunked bodies */
    struct chunked_result res;
};

static void run(const struct body_digest_opts *o, const char *body, size_t len, const size_t *cuts,
                size_t ncuts, int sign, struct outcome *r)
{
    struct body_digest d;
    ly_buf_init(&r->raw, 1 << 24);
    ly_buf_init(&r->payload, 1 << 24);
    assert_int_equal(body_digest_init(&d, o, &r->raw, &r->payload), 0);
    feed_split(&d, body, len, cuts, ncuts);
    assert_int_equal(body_digest_end(&d), 0);
    r->out = d.out;
    r->rc = 0;
    memset(&r->res, 0, sizeof r->res);
    if (o->aws_chunked) {
        struct sigv4_chunk_signer cs;
        if (sign)
            example_signer(&cs);
        r->rc = chunked_stream_finish(d.cs, sign ? &cs : NULL, NULL, -1);
        r->res = d.cs->res;
    }
    body_digest_cleanup(&d);
}

static void outcome_free(struct outcome *r)
{
    ly_buf_cleanup(&r->raw);
    ly_buf_cleanup(&r->payload);
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->raw.len, b->raw.len);
    assert_memory_equal(a->raw.data, b->raw.data, a->raw.len);
    assert_int_equal(a->payload.len, b->payload.len);
    if (a->payload.len)
        assert_memory_equal(a->payload.data, b->payload.data, a->payload.len);
    assert_memory_equal(&a->out, &b->out, sizeof a->out);
    assert_int_equal(a->res.trailer_count, b->res.trailer_count);
    assert_int_equal(a->res.decoded_len, b->res.decoded_len);
}

static void test_plain_body_any_split(void **state)
{
    (void)state;
    char body[700];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)next_rand();
    struct body_digest_opts o = {1, 1, CKSUM_CRC64NVME, 1, 0, 0, 0, 0};
    struct outcome whole, split;
    run(&o, body, sizeof body, NULL, 0, 0, &whole);
    /* The one-shot digests. */
    uint8_t md5[CKSUM_MD5_LEN];
    char b64[CKSUM_B64_MAX], hex[SIGV4_SIG_HEX_SIZE];
    assert_int_equal(cksum_md5(body, sizeof body, md5), 0);
    assert_int_equal(cksum_compute_b64(CKSUM_CRC64NVME, body, sizeof body, b64), 0);
    assert_int_equal(sigv4_sha256_hex(body, sizeof body, hex), 0);
    assert_true(whole.out.has_md5 && whole.out.has_sha256);
    assert_memory_equal(whole.out.md5, md5, sizeof md5);
    assert_int_equal(whole.out.cksum_alg, CKSUM_CRC64NVME);
    assert_string_equal(whole.out.cksum_b64, b64);
    assert_string_equal(whole.out.sha256_hex, hex);
    /* Every single cut, then random cuts. */
    for (size_t at = 0; at <= sizeof body; at++) {
        run(&o, body, sizeof body, &at, 1, 0, &split);
        assert_same(&whole, &split);
        outcome_free(&split);
    }
    for (int round = 0; round < 200; round++) {
        size_t cuts[12];
        size_t n = next_rand() % 12;
        for (size_t i = 0; i < n; i++)
            cuts[i] = (i ? cuts[i - 1] : 0) + next_rand() % (sizeof body / 6);
        while (n && cuts[n - 1] > sizeof body)
            n--;
        run(&o, body, sizeof body, cuts, n, 0, &split);
        assert_same(&whole, &split);
        outcome_free(&split);
    }
    outcome_free(&whole);
}

/* x-amz-checksum-sha256 with a hex payload hash: one SHA-256 serves both. */
static void test_sha256_checksum_and_payload_hash_share_one_pass(void **state)
{
    (void)state;
    const char body[] = "one pass over the body for every digest it needs";
    struct body_digest_opts o = {1, 1, CKSUM_SHA256, 1, 0, 0, 0, 0};
    struct outcome r;
    size_t cut = 11;
    char b64[CKSUM_B64_MAX], hex[SIGV4_SIG_HEX_SIZE];
    run(&o, body, sizeof body - 1, &cut, 1, 0, &r);
    assert_int_equal(cksum_compute_b64(CKSUM_SHA256, body, sizeof body - 1, b64), 0);
    assert_int_equal(sigv4_sha256_hex(body, sizeof body - 1, hex), 0);
    assert_int_equal(r.out.cksum_alg, CKSUM_SHA256);
    assert_string_equal(r.out.cksum_b64, b64);
    assert_string_equal(r.out.sha256_hex, hex);
    assert_true(r.out.has_md5);
    outcome_free(&r);
}

/* Every algorithm gives the one-shot checksum. */
static void test_every_checksum_alg(void **state)
{
    (void)state;
    const char body[] = "the quick brown fox jumps over the lazy dog";
    for (int a = 0; a < CKSUM_ALG_COUNT_; a++) {
        struct body_digest_opts o = {0, 1, (enum cksum_alg)a, 0, 0, 0, 0, 0};
        struct outcome r;
        size_t cut = 7;
        char b64[CKSUM_B64_MAX];
        run(&o, body, sizeof body - 1, &cut, 1, 0, &r);
        assert_int_equal(cksum_compute_b64((enum cksum_alg)a, body, sizeof body - 1, b64), 0);
        assert_int_equal(r.out.cksum_alg, a);
        assert_string_equal(r.out.cksum_b64, b64);
        assert_false(r.out.has_md5);
        assert_false(r.out.has_sha256);
        outcome_free(&r);
    }
}

/* all_crcs (an UploadPart body): every CRC of the payload, whatever the checksum sent, equal to
 * the one-shot ones at any split; the one the request's checksum takes is not taken twice. */
static void test_every_crc_of_a_part(void **state)
{
    (void)state;
    char body[3000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)next_rand();
    for (int a = 0; a < CKSUM_ALG_COUNT_; a++) {
        struct body_digest_opts o = {1, 1, (enum cksum_alg)a, 0, 0, 0, 0, 1};
        struct outcome r;
        size_t cuts[] = {1, 1000, 2999};
        run(&o, body, sizeof body, cuts, 3, 0, &r);
        assert_true(r.out.has_crcs);
        for (int c = CKSUM_CRC32; c <= CKSUM_CRC64NVME; c++) {
            uint8_t raw[CKSUM_DIGEST_MAX];
            size_t n;
            uint64_t want = 0;
            assert_int_equal(cksum_compute((enum cksum_alg)c, body, sizeof body, raw, &n), 0);
            for (size_t k = 0; k < n; k++)
                want = want << 8 | raw[k];
            assert_true(r.out.crcs[c] == want);
        }
        outcome_free(&r);
    }
    struct body_digest_opts off = {1, 1, CKSUM_CRC32, 0, 0, 0, 0, 0};
    struct outcome r;
    run(&off, body, sizeof body, NULL, 0, 0, &r);
    assert_false(r.out.has_crcs);
    outcome_free(&r);
}

/* A signed aws-chunked body with a trailer, split at every point: decoded, checked (chunk
 * signatures verified at the end over the hashes kept) and hashed as in one piece. */
static void test_signed_aws_chunked_any_split(void **state)
{
    (void)state;
    char payload[300];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (char)('a' + next_rand() % 26);
    struct sigv4_chunk_signer cs;
    example_signer(&cs);
    struct chunked_encode_opts eo = {64, 1, CKSUM_CRC32, &cs};
    struct ly_buf enc;
    ly_buf_init(&enc, 1 << 20);
    assert_int_equal(chunked_encode(payload, sizeof payload, &eo, &enc), 0);
    struct body_digest_opts o = {1, 1, CKSUM_CRC32, 0, 1, 1, 1 << 20, 0};
    struct outcome whole, split;
    run(&o, enc.data, enc.len, NULL, 0, 1, &whole);
    assert_int_equal(whole.rc, 0);
    assert_int_equal(whole.payload.len, sizeof payload);
    assert_memory_equal(whole.payload.data, payload, sizeof payload);
    assert_int_equal(whole.res.trailer_count, 1);
    char b64[CKSUM_B64_MAX];
    assert_int_equal(cksum_compute_b64(CKSUM_CRC32, payload, sizeof payload, b64), 0);
    assert_string_equal(whole.out.cksum_b64, b64);
    assert_string_equal(chunked_result_trailer(&whole.res, "x-amz-checksum-crc32"), b64);
    for (size_t at = 0; at <= enc.len; at++) {
        size_t cuts[2] = {at, at + (enc.len - at) / 2};
        run(&o, enc.data, enc.len, cuts, 2, 1, &split);
        assert_same(&whole, &split);
        outcome_free(&split);
    }
    /* A wrong chunk signature is found however the body came. */
    char *sig = strstr(enc.data + 70, "chunk-signature=");
    assert_non_null(sig);
    sig[16] = sig[16] == '0' ? '1' : '0';
    outcome_free(&whole);
    run(&o, enc.data, enc.len, NULL, 0, 1, &whole);
    assert_int_equal(whole.rc, LY_ECOND);
    size_t at = (size_t)(sig - enc.data) + 20;
    run(&o, enc.data, enc.len, &at, 1, 1, &split);
    assert_same(&whole, &split);
    outcome_free(&split);
    outcome_free(&whole);
    ly_buf_cleanup(&enc);
}

/* The stream's verdict on a body given whole and a byte at a time. */
static int stream_rc(const char *body, size_t len, int bytewise, int sign, size_t cap,
                     size_t *decoded)
{
    struct ly_buf out;
    struct chunked_stream s;
    struct sigv4_chunk_signer cs;
    ly_buf_init(&out, 1 << 20);
    assert_int_equal(chunked_stream_init(&s, cap, sign, &out), 0);
    if (bytewise)
        for (size_t i = 0; i < len; i++)
            (void)chunked_stream_feed(&s, body + i, 1);
    else
        (void)chunked_stream_feed(&s, body, len);
    if (sign)
        example_signer(&cs);
    int rc = chunked_stream_finish(&s, sign ? &cs : NULL, "x-amz-checksum-crc32", -1);
    *decoded = out.len;
    chunked_stream_cleanup(&s);
    ly_buf_cleanup(&out);
    return rc;
}

/* Cut short at every length and with every byte changed, whole and a byte at a time agree. */
static void test_aws_chunked_errors_do_not_depend_on_splits(void **state)
{
    (void)state;
    const char payload[] = "0123456789abcdef0123456789";
    for (int sign = 0; sign <= 1; sign++) {
        struct sigv4_chunk_signer cs;
        example_signer(&cs);
        struct chunked_encode_opts eo = {10, 1, CKSUM_CRC32, sign ? &cs : NULL};
        struct ly_buf enc;
        ly_buf_init(&enc, 1 << 20);
        assert_int_equal(chunked_encode(payload, sizeof payload - 1, &eo, &enc), 0);
        size_t d1, d2;
        assert_int_equal(stream_rc(enc.data, enc.len, 0, sign, 0, &d1), 0);
        for (size_t len = 0; len < enc.len; len++)
            assert_int_equal(stream_rc(enc.data, len, 0, sign, 0, &d1),
                             stream_rc(enc.data, len, 1, sign, 0, &d2));
        for (size_t i = 0; i < enc.len; i++) {
            char saved = enc.data[i];
            const char subst[] = {'\r', '\n', 'x', '0', ';', ':'};
            for (size_t k = 0; k < sizeof subst; k++) {
                enc.data[i] = subst[k];
                int a = stream_rc(enc.data, enc.len, 0, sign, 16, &d1);
                int b = stream_rc(enc.data, enc.len, 1, sign, 16, &d2);
                assert_int_equal(a, b);
                assert_int_equal(d1, d2);
            }
            enc.data[i] = saved;
        }
        ly_buf_cleanup(&enc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_body_any_split),
        cmocka_unit_test(test_every_checksum_alg),
        cmocka_unit_test(test_every_crc_of_a_part),
        cmocka_unit_test(test_sha256_checksum_and_payload_hash_share_one_pass),
        cmocka_unit_test(test_signed_aws_chunked_any_split),
        cmocka_unit_test(test_aws_chunked_errors_do_not_depend_on_splits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
