/* test_aws_chunked.c - aws-chunked decoder and encoder (aws_chunked.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/aws_chunked.h"

#define EX_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EX_DATETIME "20130524T000000Z"
#define EX_SCOPE "20130524/us-east-1/s3/aws4_request"

static int decode_str(const char *body, size_t len, const struct chunked_opts *o,
                      struct ly_buf *out, struct chunked_result *res)
{
    ly_buf_reset(out);
    return chunked_decode(body, len, o, out, res);
}

static void example_signer(struct sigv4_chunk_signer *cs, const char *seed)
{
    uint8_t key[SIGV4_KEY_LEN];
    assert_int_equal(sigv4_signing_key(EX_SECRET, "20130524", "us-east-1", "s3", key), 0);
    assert_int_equal(sigv4_chunk_init(cs, key, EX_DATETIME, EX_SCOPE, seed), 0);
}

static void test_sdk_unsigned_trailer(void **state)
{
    (void)state;
    /* What botocore / Go v2 / JS v3 send with STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
    const char body[] = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    struct ly_buf out;
    struct chunked_result res;
    ly_buf_init(&out, 1 << 20);
    struct chunked_opts o = {0, 11, "x-amz-checksum-crc32", NULL};
    assert_int_equal(decode_str(body, sizeof body - 1, &o, &out, &res), 0);
    assert_int_equal(out.len, 11);
    assert_memory_equal(out.data, "hello world", 11);
    assert_int_equal(res.chunk_count, 1);
    assert_int_equal(res.trailer_count, 1);
    assert_string_equal(chunked_result_trailer(&res, "X-Amz-Checksum-CRC32"), "DUoRhQ==");
    assert_string_equal(res.trailer_signature, "");
    /* Final CRLF omitted. */
    assert_int_equal(decode_str(body, sizeof body - 3, &o, &out, &res), 0);
    /* No trailer at all, with and without the final CRLF. */
    o.expected_trailer = NULL;
    assert_int_equal(decode_str("b\r\nhello world\r\n0\r\n\r\n", 21, &o, &out, &res), 0);
    assert_int_equal(decode_str("b\r\nhello world\r\n0\r\n", 19, &o, &out, &res), 0);
    assert_int_equal(res.trailer_count, 0);
    /* Upper-case hex and spaces around a trailer value. */
    const char *upper = "B\r\nhello world\r\n0\r\nX-Amz-Checksum-Crc32: DUoRhQ== \r\n\r\n";
    assert_int_equal(decode_str(upper, strlen(upper), &o, &out, &res), 0);
    assert_string_equal(res.trailers[0].name, "x-amz-checksum-crc32");
    assert_string_equal(res.trailers[0].value, "DUoRhQ==");
    /* Empty payload. */
    o.expected_len = 0;
    assert_int_equal(decode_str("0\r\n\r\n", 5, &o, &out, &res), 0);
    assert_int_equal(out.len, 0);
    ly_buf_cleanup(&out);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 7, 8192, 65536, 65537, 100000};
    static const size_t chunks[] = {1, 3, 8192, 65536, 1 << 20};
    uint8_t *data = malloc(100000);
    srand(7);
    for (size_t i = 0; i < 100000; i++)
        data[i] = (uint8_t)rand();
    struct ly_buf enc, dec;
    ly_buf_init(&enc, 1 << 24);
    ly_buf_init(&dec, 1 << 24);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
            if (chunks[ci] == 1 && lens[li] > 8192)
                continue;
            for (int mode = 0; mode < 4; mode++) {
                int with_trailer = mode & 1, signed_ = mode & 2;
                struct sigv4_chunk_signer es, ds;
                example_signer(&es, SIGV4_EMPTY_SHA256);
                ds = es;
                struct chunked_encode_opts eo = {chunks[ci], with_trailer,
                                                 (enum cksum_alg)(li % CKSUM_ALG_COUNT_),
                                                 signed_ ? &es : NULL};
                ly_buf_reset(&enc);
                assert_int_equal(chunked_encode(data, lens[li], &eo, &enc), 0);
                struct chunked_opts o = {0, (int64_t)lens[li],
                                         with_trailer ? cksum_alg_header(eo.trailer_alg) : NULL,
                                         signed_ ? &ds : NULL};
                struct chunked_result res;
                assert_int_equal(decode_str(enc.data, enc.len, &o, &dec, &res), 0);
                assert_int_equal(dec.len, lens[li]);
                if (lens[li])
                    assert_memory_equal(dec.data, data, lens[li]);
                assert_int_equal(res.chunks_signed, signed_ ? 1 : 0);
                if (with_trailer) {
                    char b64[CKSUM_B64_MAX];
                    assert_int_equal(cksum_compute_b64(eo.trailer_alg, data, lens[li], b64), 0);
                    assert_string_equal(res.trailers[0].value, b64);
                }
            }
        }
    }
    ly_buf_cleanup(&enc);
    ly_buf_cleanup(&dec);
    free(data);
}

/*
 * Every prefix of a valid body: parsing must either fail cleanly or, for
 * the prefixes that are themselves complete (final CRLF dropped), succeed
 * with the full payload. Also every single-byte corruption must not crash
 * and, when signed, must not yield a different accepted payload.
 */
static void test_every_boundary(void **state)
{
    (void)state;
    const char *payload = "The quick brown fox jumps over the lazy dog";
    size_t plen = strlen(payload);
    for (int signed_ = 0; signed_ < 2; signed_++) {
        struct sigv4_chunk_signer es, ds;
        example_signer(&es, SIGV4_EMPTY_SHA256);
        struct sigv4_chunk_signer seed = es;
        struct ly_buf enc, dec;
        ly_buf_init(&enc, 1 << 20);
        ly_buf_init(&dec, 1 << 20);
        struct chunked_encode_opts eo = {10, 1, CKSUM_CRC32C, signed_ ? &es : NULL};
        assert_int_equal(chunked_encode(payload, plen, &eo, &enc), 0);
        struct chunked_result res;
        for (size_t cut = 0; cut <= enc.len; cut++) {
            ds = seed;
            struct chunked_opts o = {0, (int64_t)plen, "x-amz-checksum-crc32c",
                                     signed_ ? &ds : NULL};
            int rc = decode_str(enc.data, cut, &o, &dec, &res);
            if (cut == enc.len || cut == enc.len - 2) {
                assert_int_equal(rc, 0);
                assert_int_equal(dec.len, plen);
            } else {
                assert_int_not_equal(rc, 0);
            }
        }
        for (size_t i = 0; i < enc.len; i++) {
            char *copy = malloc(enc.len);
            memcpy(copy, enc.data, enc.len);
            copy[i] ^= 0x01;
            ds = seed;
            struct chunked_opts o = {0, -1, NULL, signed_ ? &ds : NULL};
            int rc = decode_str(copy, enc.len, &o, &dec, &res);
            if (rc == 0 && signed_)
                assert_true(dec.len == plen && memcmp(dec.data, payload, plen) == 0);
            free(copy);
        }
        ly_buf_cleanup(&enc);
        ly_buf_cleanup(&dec);
    }
}

static void test_bad_framing(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int rc;
    } cases[] = {
        {"", LY_ERANGE},
        {"x\r\nhello\r\n0\r\n\r\n", LY_EINVAL},             /* non-hex size */
        {"5 \r\nhello\r\n0\r\n\r\n", LY_EINVAL},            /* junk after size */
        {"\r\nhello\r\n0\r\n\r\n", LY_EINVAL},              /* empty size */
        {"10000000000000000\r\nx\r\n0\r\n\r\n", LY_EINVAL}, /* 17 digits */
        {"ffffffffffffffff\r\nx\r\n0\r\n\r\n", LY_ERANGE},  /* larger than remaining */
        {"6\r\nhello\r\n0\r\n\r\n", LY_EINVAL},             /* size off by one */
        {"9\r\nhello\r\n", LY_ERANGE},                      /* runs past the end */
        {"9\r\nhello\r\n0\r\n\r\n", LY_EINVAL},             /* no CRLF where size ends */
        {"5\r\nhelloXX0\r\n\r\n", LY_EINVAL},               /* missing CRLF after data */
        {"5\r\nhello\n0\r\n\r\n", LY_EINVAL},
        {"5\nhello\r\n0\r\n\r\n", LY_EINVAL}, /* bare LF */
        {"5\r\nhello\r\n", LY_ERANGE},        /* no final chunk */
        {"5\r\nhello", LY_ERANGE},
        {"5\r\nhel", LY_ERANGE}, /* truncated */
        {"5\r\nhello\r\n0", LY_ERANGE},
        {"5\r\nhello\r\n0\r", LY_ERANGE},
        {"5\r\nhello\r\n0\r\n\r\nX", LY_ERANGE},     /* a cut trailer line */
        {"5\r\nhello\r\n0\r\n\r\n\r\nX", LY_EINVAL}, /* bytes after the end */
        {"5\r\nhello\r\n0\r\na:1\r\n\r\nX", LY_EINVAL},
        {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32\r\n\r\n", LY_EINVAL}, /* no colon */
        {"5\r\nhello\r\n0\r\n:v\r\n\r\n", LY_EINVAL},                   /* empty name */
        {"5\r\nhello\r\n0\r\nbad name:v\r\n\r\n", LY_EINVAL},
        {"5\r\nhello\r\n0\r\na:1\r\na:2\r\n\r\n", LY_EINVAL}, /* duplicate */
        {"5\r\nhello\r\n0\r\na:1\r\nb:2", LY_ERANGE},         /* cut trailer line */
        {"5;chunk-signature=abc\r\nhello\r\n0\r\n\r\n", LY_EINVAL},
        {"5;=x\r\nhello\r\n0\r\n\r\n", LY_EINVAL},
        {"5;\r\nhello\r\n0\r\n\r\n", LY_EINVAL},
        {"5\r\nhello\r\n0\r\nx-amz-trailer-signature:zz\r\n\r\n", LY_EINVAL},
    };
    struct ly_buf out;
    ly_buf_init(&out, 1 << 20);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct chunked_result res;
        int rc = decode_str(cases[i].body, strlen(cases[i].body), NULL, &out, &res);
        if (rc != cases[i].rc)
            fprintf(stderr, "case %zu: %s -> %d\n", i, cases[i].body, rc);
        assert_int_equal(rc, cases[i].rc);
    }
    /* Unknown extensions are ignored when unsigned. */
    struct chunked_result res;
    assert_int_equal(decode_str("5;foo=bar;baz\r\nhello\r\n0\r\n\r\n", 25, NULL, &out, &res), 0);
    ly_buf_cleanup(&out);
}

static void test_limits(void **state)
{
    (void)state;
    struct ly_buf out;
    struct chunked_result res;
    ly_buf_init(&out, 1 << 20);
    const char *body = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
    struct chunked_opts o = {9, -1, NULL, NULL};
    assert_int_equal(decode_str(body, strlen(body), &o, &out, &res), LY_ETOOBIG);
    o.decoded_bytes_max = 10;
    assert_int_equal(decode_str(body, strlen(body), &o, &out, &res), 0);
    o.expected_len = 11;
    assert_int_equal(decode_str(body, strlen(body), &o, &out, &res), LY_ERANGE);
    o.expected_len = 9;
    assert_int_equal(decode_str(body, strlen(body), &o, &out, &res), LY_ERANGE);
    o.expected_len = 10;
    o.expected_trailer = "x-amz-checksum-crc32"; /* missing trailer */
    assert_int_equal(decode_str(body, strlen(body), &o, &out, &res), LY_EINVAL);
    struct ly_buf small;
    ly_buf_init(&small, 6);
    assert_int_equal(chunked_decode(body, strlen(body), NULL, &small, &res), LY_ETOOBIG);
    ly_buf_cleanup(&small);

    /* Too many trailers; an over-long trailer value; an over-long line. */
    char big[8192];
    size_t n = (size_t)snprintf(big, sizeof big, "0\r\n");
    for (int i = 0; i <= CHUNKED_TRAILERS_MAX; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "x-t%d:v\r\n", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    assert_int_equal(decode_str(big, n, NULL, &out, &res), LY_EINVAL);
    n = (size_t)snprintf(big, sizeof big, "0\r\na:");
    memset(big + n, 'v', CHUNKED_TRAILER_VALUE_MAX + 1);
    n += CHUNKED_TRAILER_VALUE_MAX + 1;
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n\r\n");
    assert_int_equal(decode_str(big, n, NULL, &out, &res), LY_EINVAL);
    memset(big, '0', CHUNKED_LINE_MAX + 10);
    memcpy(big + CHUNKED_LINE_MAX + 10, "\r\n\r\n", 4);
    assert_int_equal(decode_str(big, CHUNKED_LINE_MAX + 14, NULL, &out, &res), LY_EINVAL);
    ly_buf_cleanup(&out);

    struct chunked_encode_opts eo = {0, 0, CKSUM_CRC32, NULL};
    ly_buf_init(&out, 100);
    assert_int_equal(chunked_encode("x", 1, &eo, &out), LY_EINVAL);
    eo.chunk_bytes = 1;
    eo.with_trailer = 1;
    eo.trailer_alg = CKSUM_ALG_COUNT_;
    assert_int_equal(chunked_encode("x", 1, &eo, &out), LY_EINVAL);
    ly_buf_cleanup(&out);
}

/* The S3 documentation's signed examples, decoded and verified end to end. */
/* AWS's documented streaming examples (64 KiB + 1 KiB of 'a'): the seed signatures, the three
 * chunk signatures, and the trailer signature of the variant with a signed trailer. */
#define DOC_SEED_PLAIN "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define DOC_SEED_TRL "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define DOC_TRAILER_SIG "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
static const char *const plain[3] = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};
static const char *const trl[3] = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
};

static void build_doc_body(struct ly_buf *b, const char *const sigs[3], const char *trailer)
{
    char *a = malloc(65536);
    memset(a, 'a', 65536);
    assert_int_equal(ly_buf_addf(b, "10000;chunk-signature=%s\r\n", sigs[0]), 0);
    assert_int_equal(ly_buf_add(b, a, 65536), 0);
    assert_int_equal(ly_buf_addf(b, "\r\n400;chunk-signature=%s\r\n", sigs[1]), 0);
    assert_int_equal(ly_buf_add(b, a, 1024), 0);
    assert_int_equal(ly_buf_addf(b, "\r\n0;chunk-signature=%s\r\n%s", sigs[2], trailer), 0);
    free(a);
}

static void test_aws_documented_bodies(void **state)
{
    (void)state;
    const char *tsig = DOC_TRAILER_SIG;
    struct ly_buf body, out;
    ly_buf_init(&body, 1 << 20);
    ly_buf_init(&out, 1 << 20);
    struct chunked_result res;
    struct sigv4_chunk_signer cs;

    build_doc_body(&body, plain, "\r\n");
    assert_int_equal(body.len, 66824); /* the example's Content-Length */
    example_signer(&cs, DOC_SEED_PLAIN);
    struct chunked_opts o = {0, 66560, NULL, &cs};
    assert_int_equal(decode_str(body.data, body.len, &o, &out, &res), 0);
    assert_int_equal(out.len, 66560);
    assert_int_equal(res.chunk_count, 2);
    /* A flipped data byte breaks the chain. */
    body.data[100] ^= 1;
    example_signer(&cs, DOC_SEED_PLAIN);
    assert_int_equal(decode_str(body.data, body.len, &o, &out, &res), LY_ECOND);
    /* Unsigned chunks where signatures are required. */
    example_signer(&cs, DOC_SEED_PLAIN);
    assert_int_equal(decode_str("0\r\n\r\n", 5, &o, &out, &res), LY_EINVAL);

    /* With the signed trailer, in both layouts seen in the wild. */
    for (int l = 0; l < 2; l++) {
        char trailer[256];
        snprintf(trailer, sizeof trailer,
                 "%sx-amz-checksum-crc32c:sOO8/Q==\r\n"
                 "x-amz-trailer-signature:%s\r\n%s",
                 l ? "" : "\r\n", tsig, l ? "" : "\r\n");
        ly_buf_reset(&body);
        build_doc_body(&body, trl, trailer);
        example_signer(&cs, DOC_SEED_TRL);
        struct chunked_opts ot = {0, 66560, "x-amz-checksum-crc32c", &cs};
        assert_int_equal(decode_str(body.data, body.len, &ot, &out, &res), 0);
        assert_string_equal(res.trailer_signature, tsig);
        assert_string_equal(chunked_result_trailer(&res, "x-amz-checksum-crc32c"), "sOO8/Q==");
        char b64[CKSUM_B64_MAX];
        assert_int_equal(cksum_compute_b64(CKSUM_CRC32C, out.data, out.len, b64), 0);
        assert_string_equal(b64, "sOO8/Q==");
        /* Another checksum value no longer matches the trailer signature. */
        char *v = strstr(body.data + 66000, "sOO8/Q==");
        v[3] = 'A';
        example_signer(&cs, DOC_SEED_TRL);
        assert_int_equal(decode_str(body.data, body.len, &ot, &out, &res), LY_ECOND);
    }
    /* Trailers without their signature when signed. */
    ly_buf_reset(&body);
    build_doc_body(&body, trl, "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n");
    example_signer(&cs, DOC_SEED_TRL);
    struct chunked_opts ot = {0, 66560, NULL, &cs};
    assert_int_equal(decode_str(body.data, body.len, &ot, &out, &res), LY_EINVAL);
    ly_buf_cleanup(&body);
    ly_buf_cleanup(&out);
}

/* Feeds body in pieces of step bytes to a stream with an early signer (or none), then finishes
 * with final; *verified_before: the records the early check had found right before the end. */
static int stream_decode(const struct ly_buf *body, size_t step,
                         const struct sigv4_chunk_signer *early, struct sigv4_chunk_signer *final,
                         const char *trailer, int64_t len, size_t *verified_before)
{
    struct ly_buf out;
    struct chunked_stream s;
    ly_buf_init(&out, 1 << 20);
    assert_int_equal(chunked_stream_init(&s, 0, 1, &out), 0);
    if (early)
        chunked_stream_sign_early(&s, early);
    for (size_t off = 0; off < body->len; off += step)
        (void)chunked_stream_feed(&s, body->data + off,
                                  body->len - off < step ? body->len - off : step);
    *verified_before = s.nverified;
    int rc = chunked_stream_finish(&s, final, trailer, len);
    chunked_stream_cleanup(&s);
    ly_buf_cleanup(&out);
    return rc;
}

/* Chunks checked as they are framed (an early signer) give what the check at the end gives:
 * for a good body, a changed data byte, a changed chunk signature and a changed trailer
 * signature, at any split; a signer that is not the request's own is not trusted. */
static void test_early_signer(void **state)
{
    (void)state;
    const char *tail = "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" DOC_TRAILER_SIG
                       "\r\n\r\n";
    static const size_t steps[] = {1, 7, 4096, 1 << 20};
    for (int variant = 0; variant < 8; variant++) {
        int trailer = variant >= 4;
        struct ly_buf body;
        ly_buf_init(&body, 1 << 20);
        build_doc_body(&body, trailer ? trl : plain, trailer ? tail : "\r\n");
        if (variant % 4 == 1)
            body.data[100] ^= 1; /* data of the first chunk */
        if (variant % 4 == 2) {  /* a hex digit of the second chunk's signature */
            char *c = strstr(body.data + 66000, "chunk-signature=") + 20;
            *c = *c == '0' ? '1' : '0';
        }
        if (variant % 4 == 3 && trailer)
            body.data[strstr(body.data + 66000, "sOO8") - body.data + 3] = 'A';
        const char *seed = trailer ? DOC_SEED_TRL : DOC_SEED_PLAIN;
        const char *want_trailer = trailer ? "x-amz-checksum-crc32c" : NULL;
        struct sigv4_chunk_signer at_end, early, other;
        size_t verified;
        example_signer(&at_end, seed);
        int want = stream_decode(&body, body.len, NULL, &at_end, want_trailer, 66560, &verified);
        assert_int_equal(want, variant % 4 == 0 || variant == 3 ? 0 : LY_ECOND);
        for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
            example_signer(&early, seed);
            example_signer(&at_end, seed);
            assert_int_equal(
                stream_decode(&body, steps[k], &early, &at_end, want_trailer, 66560, &verified),
                want);
            if (variant % 4 == 0) /* the whole chain was checked before the end */
                assert_int_equal(verified, 3);
            example_signer(&other, plain[0]); /* not the request's signer: checked again */
            example_signer(&at_end, seed);
            assert_int_equal(
                stream_decode(&body, steps[k], &other, &at_end, want_trailer, 66560, &verified),
                want);
        }
        ly_buf_cleanup(&body);
    }
}

static void test_encoder_format(void **state)
{
    (void)state;
    struct ly_buf out;
    ly_buf_init(&out, 1 << 20);
    struct chunked_encode_opts eo = {64, 1, CKSUM_CRC32, NULL};
    assert_int_equal(chunked_encode("hello world", 11, &eo, &out), 0);
    assert_string_equal(out.data, "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
    ly_buf_reset(&out);
    eo.with_trailer = 0;
    eo.chunk_bytes = 5;
    assert_int_equal(chunked_encode("hello world", 11, &eo, &out), 0);
    assert_string_equal(out.data, "5\r\nhello\r\n5\r\n worl\r\n1\r\nd\r\n0\r\n\r\n");
    ly_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdk_unsigned_trailer),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_boundary),
        cmocka_unit_test(test_bad_framing),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_aws_documented_bodies),
        cmocka_unit_test(test_early_signer),
        cmocka_unit_test(test_encoder_format),
    };
    return cmocka_run_group_tests_name("aws_chunked", tests, NULL, NULL);
}
