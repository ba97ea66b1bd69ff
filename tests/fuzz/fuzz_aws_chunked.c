/*
 * fuzz_aws_chunked.c - libFuzzer driver for chunked_decode (aws_chunked.h).
 *
 * Input: one option byte, then the body. The option byte picks a payload
 * cap, an expected length, an expected trailer and signature checking.
 * Whatever decodes must re-encode and decode to the same payload.
 * Built by tests/fuzz/run (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/aws_chunked.h"
#include "lockyard/check.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    struct sigv4_chunk_signer cs;
    uint8_t key[SIGV4_KEY_LEN];
    memset(key, 0x5a, sizeof key);
    LY_ASSERT(sigv4_chunk_init(&cs, key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                               SIGV4_EMPTY_SHA256) == 0);
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
    if (rc == 0) {
        LY_ASSERT(res.decoded_len == out.len);
        LY_ASSERT(res.trailer_count <= CHUNKED_TRAILERS_MAX);
        LY_ASSERT(out.len <= size);
        reencode(&out, (size_t)(mode >> 4) + 1);
    }
    ly_buf_cleanup(&out);
    return 0;
}
