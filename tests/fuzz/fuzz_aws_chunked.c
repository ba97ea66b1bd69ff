/*
 * fuzz_aws_chunked.c - libFuzzer driver for chunked_decode and the streaming decoder under it
 * (aws_chunked.h), and for body_digest (body_digest.h), which feeds it as a body arrives.
 *
 * Input: one option byte, then the body. The option byte picks a payload
 * cap, an expected length, an expected trailer and signature checking.
 * The verdict, payload and trailers must be those of the whole-body decoder lockyard had before
 * (aws_chunked_ref.h), also when the body comes in random splits (drawn from the input), and
 * body_digest's payload digests over those splits must be the one-shot ones.
 * Whatever decodes must re-encode and decode to the same payload.
 * Built by tests/fuzz/run (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/aws_chunked.h"
#include "lockyard/body_digest.h"
#include "lockyard/check.h"
#include "aws_chunked_ref.h"

static void reencode(const struct ly_buf *payload, size_t chunk)
{
    struct ly_buf enc, dec;
    struct chunked_result res;
    struct chunked_encode_opts eo = {chunk, 1, CKSUM_CRC32, NULL};
    ly_buf_init(&enc, 1 << 24);
    ly_buf_init(&dec, 1 << 24);
    LY_ASSERT(chunked_encode(payload->data, payload->len, &eo, &enc) == 0);
    struct chunked_opts o = {0, (int64_t)payload->len, "x-amz-checksum-crc32", NULL};
    LY_ASSERT(chunked_decode(enc.data, enc.len, &o, &dec, &res) == 0);
    LY_ASSERT(dec.len == payload->len);
    LY_ASSERT(dec.len == 0 || memcmp(dec.data, payload->data, dec.len) == 0);
    ly_buf_cleanup(&enc);
    ly_buf_cleanup(&dec);
}

static void chunk_signer(struct sigv4_chunk_signer *cs)
{
    uint8_t key[SIGV4_KEY_LEN];
    memset(key, 0x5a, sizeof key);
    LY_ASSERT(sigv4_chunk_init(cs, key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                               SIGV4_EMPTY_SHA256) == 0);
}

/* The body through body_digest in splits drawn from the body itself: the stream's verdict,
 * payload and trailers equal the reference's, and the payload's MD5 and CRC32 the one-shot. */
static void split_feed(const uint8_t *data, size_t size, const struct chunked_opts *o, int ref_rc,
                       const struct ly_buf *ref_out, const struct chunked_result *ref_res)
{
    struct body_digest_opts bo = {1, 1, CKSUM_CRC32, 1, 1, o->signer != NULL,
                                  o->decoded_bytes_max, 0};
    struct body_digest d;
    struct ly_buf raw, payload;
    ly_buf_init(&raw, 1 << 20);
    ly_buf_init(&payload, 1 << 20);
    LY_ASSERT(body_digest_init(&d, &bo, &raw, &payload) == 0);
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < size && i < 64; i++)
        x = (x ^ data[i]) * 16777619u;
    for (size_t at = 0; at < size;) {
        x = x * 1103515245u + 12345u;
        size_t n = 1 + (x >> 16) % (size / 3 + 1);
        n = n < size - at ? n : size - at;
        LY_ASSERT(body_digest_feed(&d, data + at, n) == 0);
        at += n;
    }
    LY_ASSERT(body_digest_end(&d) == 0);
    struct sigv4_chunk_signer cs;
    chunk_signer(&cs);
    int rc = chunked_stream_finish(d.cs, o->signer ? &cs : NULL, o->expected_trailer,
                                   o->expected_len);
    LY_ASSERT(rc == ref_rc);
    LY_ASSERT(raw.len == size && (size == 0 || memcmp(raw.data, data, size) == 0));
    if (rc == 0) {
        LY_ASSERT(payload.len == ref_out->len);
        LY_ASSERT(payload.len == 0 || memcmp(payload.data, ref_out->data, payload.len) == 0);
        LY_ASSERT(d.cs->res.trailer_count == ref_res->trailer_count);
        LY_ASSERT(memcmp(d.cs->res.trailers, ref_res->trailers,
                         ref_res->trailer_count * sizeof ref_res->trailers[0]) == 0);
        uint8_t md5[CKSUM_MD5_LEN];
        char crc[CKSUM_B64_MAX];
        LY_ASSERT(cksum_md5(payload.data ? payload.data : "", payload.len, md5) == 0);
        LY_ASSERT(cksum_compute_b64(CKSUM_CRC32, payload.data ? payload.data : "", payload.len,
                                    crc) == 0);
        LY_ASSERT(d.out.has_md5 && memcmp(d.out.md5, md5, sizeof md5) == 0);
        LY_ASSERT(d.out.cksum_alg == CKSUM_CRC32 && strcmp(d.out.cksum_b64, crc) == 0);
    }
    body_digest_cleanup(&d);
    ly_buf_cleanup(&raw);
    ly_buf_cleanup(&payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    struct sigv4_chunk_signer cs, ref_cs;
    chunk_signer(&cs);
    chunk_signer(&ref_cs);
    struct chunked_opts o = {
        (mode & 1) ? 4096 : 0,
        (mode & 2) ? (int64_t)(mode >> 4) : -1,
        (mode & 4) ? "x-amz-checksum-crc32" : NULL,
        (mode & 8) ? &cs : NULL,
    };
    struct ly_buf out;
    struct chunked_result res;
    ly_buf_init(&out, 1 << 20);
    int rc = chunked_decode(data, size, &o, &out, &res);
    LY_ASSERT(rc == 0 || rc == LY_EINVAL || rc == LY_ERANGE || rc == LY_ECOND ||
              rc == LY_ETOOBIG || rc == LY_ENOMEM);
    struct chunked_opts ro = o;
    struct ly_buf ref_out;
    struct chunked_result ref_res;
    ro.signer = o.signer ? &ref_cs : NULL;
    ly_buf_init(&ref_out, 1 << 20);
    LY_ASSERT(ref_chunked_decode(data, size, &ro, &ref_out, &ref_res) == rc);
    LY_ASSERT(rc != 0 || (ref_out.len == out.len &&
                          (out.len == 0 || memcmp(ref_out.data, out.data, out.len) == 0)));
    split_feed(data, size, &o, rc, &ref_out, &ref_res);
    ly_buf_cleanup(&ref_out);
    if (rc == 0) {
        LY_ASSERT(res.decoded_len == out.len);
        LY_ASSERT(res.trailer_count <= CHUNKED_TRAILERS_MAX);
        LY_ASSERT(out.len <= size);
        reencode(&out, (size_t)(mode >> 4) + 1);
    }
    ly_buf_cleanup(&out);
    return 0;
}
