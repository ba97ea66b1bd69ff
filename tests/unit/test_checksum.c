/* test_checksum.c - S3 checksum algorithms, MD5, base64 (checksum.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/checksum.h"

static const char check_input[] = "123456789";

static uint64_t be_value(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static void test_check_values(void **state)
{
    (void)state;
    /* Published "check" values of the CRC catalogue for "123456789". */
    static const struct {
        enum cksum_alg alg;
        uint64_t check;
    } crcs[] = {
        {CKSUM_CRC32, 0xCBF43926ULL},
        {CKSUM_CRC32C, 0xE3069283ULL},
        {CKSUM_CRC64NVME, 0xAE8B14860A799888ULL},
    };
    for (size_t i = 0; i < sizeof crcs / sizeof crcs[0]; i++) {
        uint8_t out[CKSUM_DIGEST_MAX];
        size_t n = 0;
        assert_int_equal(cksum_compute(crcs[i].alg, check_input, 9, out, &n), 0);
        assert_int_equal(n, cksum_alg_digest_len(crcs[i].alg));
        assert_true(be_value(out, n) == crcs[i].check);
    }
    char b64[CKSUM_B64_MAX];
    assert_int_equal(cksum_compute_b64(CKSUM_SHA256, "abc", 3, b64), 0);
    /* base64 of ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad */
    assert_string_equal(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    assert_int_equal(cksum_compute_b64(CKSUM_SHA1, "abc", 3, b64), 0);
    /* base64 of a9993e364706816aba3e25717850c26c9cd0d89d */
    assert_string_equal(b64, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    assert_int_equal(cksum_compute_b64(CKSUM_CRC32, check_input, 9, b64), 0);
    assert_string_equal(b64, "y/Q5Jg==");
}

static void test_empty_input(void **state)
{
    (void)state;
    static const struct {
        enum cksum_alg alg;
        const char *b64;
    } empties[] = {
        {CKSUM_CRC32, "AAAAAA=="},
        {CKSUM_CRC32C, "AAAAAA=="},
        {CKSUM_CRC64NVME, "AAAAAAAAAAA="},
        {CKSUM_SHA1, "2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
        {CKSUM_SHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        char b64[CKSUM_B64_MAX];
        assert_int_equal(cksum_compute_b64(empties[i].alg, "", 0, b64), 0);
        assert_string_equal(b64, empties[i].b64);
    }
    char hex[CKSUM_MD5_HEX_SIZE];
    assert_int_equal(cksum_md5_hex("", 0, hex), 0);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_terraform_example(void **state)
{
    (void)state;
    /* The terraform-protocol note quotes CRC32 "WpcFww==" and JS presigned
     * URLs embed the empty-body CRC32 "AAAAAA==". Check a known text too:
     * CRC32C of "hello world" is 0xc99465aa -> "yZRlqg==". */
    char b64[CKSUM_B64_MAX];
    assert_int_equal(cksum_compute_b64(CKSUM_CRC32C, "hello world", 11, b64), 0);
    assert_string_equal(b64, "yZRlqg==");
    assert_int_equal(cksum_compute_b64(CKSUM_CRC32, "hello world", 11, b64), 0);
    assert_string_equal(b64, "DUoRhQ==");
}

static void test_incremental_random_splits(void **state)
{
    (void)state;
    size_t len = 100000;
    uint8_t *data = malloc(len);
    assert_non_null(data);
    srand(42);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)rand();
    for (int alg = 0; alg < CKSUM_ALG_COUNT_; alg++) {
        uint8_t one[CKSUM_DIGEST_MAX], inc[CKSUM_DIGEST_MAX];
        size_t n1, n2;
        assert_int_equal(cksum_compute((enum cksum_alg)alg, data, len, one, &n1), 0);
        for (int round = 0; round < 20; round++) {
            struct cksum_ctx c;
            assert_int_equal(cksum_init(&c, (enum cksum_alg)alg), 0);
            size_t off = 0;
            while (off < len) {
                size_t step = (size_t)rand() % (round < 10 ? 64 : 9000);
                if (step > len - off)
                    step = len - off;
                assert_int_equal(cksum_update(&c, data + off, step), 0);
                off += step;
            }
            assert_int_equal(cksum_final(&c, inc, &n2), 0);
            cksum_cleanup(&c);
            assert_int_equal(n1, n2);
            assert_memory_equal(one, inc, n1);
        }
    }
    free(data);
}

static void test_names(void **state)
{
    (void)state;
    enum cksum_alg a;
    assert_int_equal(cksum_alg_from_name("crc32", 5, &a), 0);
    assert_int_equal(a, CKSUM_CRC32);
    assert_int_equal(cksum_alg_from_name("CRC32C", 6, &a), 0);
    assert_int_equal(a, CKSUM_CRC32C);
    assert_int_equal(cksum_alg_from_name("Crc64Nvme", 9, &a), 0);
    assert_int_equal(a, CKSUM_CRC64NVME);
    assert_int_equal(cksum_alg_from_name("CRC3", 4, &a), LY_EINVAL);
    assert_int_equal(cksum_alg_from_name("MD5", 3, &a), LY_EINVAL);
    assert_int_equal(cksum_alg_from_header("X-Amz-Checksum-Sha256", 21, &a), 0);
    assert_int_equal(a, CKSUM_SHA256);
    assert_int_equal(cksum_alg_from_header("x-amz-checksum-sha", 18, &a), LY_EINVAL);
    for (int i = 0; i < CKSUM_ALG_COUNT_; i++) {
        const char *h = cksum_alg_header((enum cksum_alg)i);
        const char *n = cksum_alg_name((enum cksum_alg)i);
        assert_int_equal(cksum_alg_from_header(h, strlen(h), &a), 0);
        assert_int_equal(a, i);
        assert_int_equal(cksum_alg_from_name(n, strlen(n), &a), 0);
        assert_int_equal(a, i);
    }
    assert_null(cksum_alg_name(CKSUM_ALG_COUNT_));
    assert_int_equal(cksum_alg_digest_len(CKSUM_ALG_COUNT_), 0);
    struct cksum_ctx c;
    assert_int_equal(cksum_init(&c, CKSUM_ALG_COUNT_), LY_EINVAL);
}

static void test_md5(void **state)
{
    (void)state;
    char hex[CKSUM_MD5_HEX_SIZE], b64[CKSUM_B64_MAX];
    const char *s = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(cksum_md5_hex(s, strlen(s), hex), 0);
    assert_string_equal(hex, "9e107d9d372bb6826bd81d3542a419d6");
    assert_int_equal(cksum_md5_b64(s, strlen(s), b64), 0);
    assert_string_equal(b64, "nhB9nTcrtoJr2B01QqQZ1g==");
    uint8_t raw[CKSUM_MD5_LEN], raw2[CKSUM_MD5_LEN];
    assert_int_equal(cksum_md5(s, strlen(s), raw), 0);
    assert_int_equal(cksum_content_md5_parse(b64, strlen(b64), raw2), 0);
    assert_memory_equal(raw, raw2, CKSUM_MD5_LEN);
    /* InvalidDigest cases. */
    assert_int_equal(cksum_content_md5_parse("nhB9nTcrtoJr2B01QqQZ1g=", 23, raw2), LY_EINVAL);
    assert_int_equal(cksum_content_md5_parse("nhB9nTcrtoJr2B01QqQZ1g!=", 24, raw2), LY_EINVAL);
    assert_int_equal(cksum_content_md5_parse("9e107d9d372bb6826bd81d3542a419d6", 32, raw2),
                     LY_EINVAL);
    assert_int_equal(cksum_content_md5_parse("AAAAAA==", 8, raw2), LY_EINVAL);
    assert_int_equal(cksum_content_md5_parse("", 0, raw2), LY_EINVAL);
    /* 18 bytes encode to 24 chars without padding: wrong length. */
    assert_int_equal(cksum_content_md5_parse("AAAAAAAAAAAAAAAAAAAAAAAA", 24, raw2), LY_EINVAL);
}

static void test_base64(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *b64;
    } v[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[32];
        uint8_t dec[32];
        size_t n;
        assert_int_equal(cksum_b64_encode(v[i].raw, strlen(v[i].raw), out, sizeof out), 0);
        assert_string_equal(out, v[i].b64);
        assert_int_equal(cksum_b64_decode(v[i].b64, strlen(v[i].b64), dec, sizeof dec, &n), 0);
        assert_int_equal(n, strlen(v[i].raw));
        assert_memory_equal(dec, v[i].raw, n);
    }
    static const char *bad[] = {
        "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "=Zm9", "Zm=v", "Zm9-", "Zm9_",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t dec[32];
        size_t n;
        assert_int_equal(cksum_b64_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &n), LY_EINVAL);
    }
    char small[4];
    assert_int_equal(cksum_b64_encode("foo", 3, small, sizeof small), LY_ETOOBIG);
    uint8_t tiny[2];
    size_t n;
    assert_int_equal(cksum_b64_decode("Zm9v", 4, tiny, sizeof tiny, &n), LY_ETOOBIG);
    char hex[9];
    cksum_hex("\x01\xab\xff\x00", 4, hex);
    assert_string_equal(hex, "01abff00");
}

/* crc(A||B) from crc(A), crc(B) and len(B) equals the CRC of the whole buffer for every CRC
 * algorithm, at many split points (empty parts included), and chained over several parts as a
 * multipart completion combines them. */
static uint64_t crc_of(enum cksum_alg alg, const uint8_t *p, size_t n)
{
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t len;
    assert_int_equal(cksum_compute(alg, p, n, raw, &len), 0);
    return be_value(raw, len);
}

static void test_crc_combine(void **state)
{
    (void)state;
    size_t len = 70000;
    uint8_t *data = malloc(len);
    assert_non_null(data);
    srand(7);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)rand();
    static const size_t cuts[] = {0,  1,   2,   3,    7,    8,     9,     63,   64,
                                  65, 255, 256, 1000, 4096, 34999, 69999, 70000};
    for (int alg = CKSUM_CRC32; alg <= CKSUM_CRC64NVME; alg++) {
        enum cksum_alg a = (enum cksum_alg)alg;
        uint64_t whole = crc_of(a, data, len), got;
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            size_t k = cuts[i];
            assert_int_equal(cksum_crc_combine(a, crc_of(a, data, k), crc_of(a, data + k, len - k),
                                               len - k, &got),
                             0);
            assert_true(got == whole);
        }
        /* chained over uneven parts, some empty, as CompleteMultipartUpload folds them */
        uint64_t acc = crc_of(a, data, 0);
        size_t off = 0;
        for (int part = 0; off < len; part++) {
            size_t n = part % 4 == 3 ? 0 : (size_t)rand() % 9000;
            n = n > len - off ? len - off : n;
            assert_int_equal(cksum_crc_combine(a, acc, crc_of(a, data + off, n), n, &acc), 0);
            off += n;
        }
        assert_true(acc == whole);
        char b64[CKSUM_B64_MAX], ref[CKSUM_B64_MAX];
        assert_int_equal(cksum_crc_to_b64(a, whole, b64), 0);
        assert_int_equal(cksum_compute_b64(a, data, len, ref), 0);
        assert_string_equal(b64, ref);
        assert_int_equal(cksum_crc_from_b64(a, ref, &got), 0);
        assert_true(got == whole);
    }
    uint64_t out;
    assert_int_equal(cksum_crc_combine(CKSUM_SHA256, 1, 2, 3, &out), LY_EINVAL);
    assert_int_equal(cksum_crc_from_b64(CKSUM_CRC32, "AAAAAAAAAAA=", &out), LY_EINVAL);
    free(data);
}

/* The long-key hash of the store: the first 16 bytes of SHA-256 (FIPS 180-2 "abc" vector). */
static void test_key_hash(void **state)
{
    (void)state;
    static const uint8_t abc[LY_KEY_HASH_BYTES] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                                   0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23};
    uint8_t out[LY_KEY_HASH_BYTES + 1];
    out[LY_KEY_HASH_BYTES] = 0x5a;
    assert_int_equal(ly_key_hash("abc", 3, out), 0);
    assert_memory_equal(out, abc, LY_KEY_HASH_BYTES);
    assert_int_equal(out[LY_KEY_HASH_BYTES], 0x5a); /* writes exactly LY_KEY_HASH_BYTES */
    uint8_t other[LY_KEY_HASH_BYTES];
    assert_int_equal(ly_key_hash("abd", 3, other), 0);
    assert_memory_not_equal(out, other, LY_KEY_HASH_BYTES);
}

/* CRC-64/NVME a bit at a time, straight from its definition (reflected poly 0x9A6C9329AC4BC9B5,
 * init and xorout all ones): the reference for every length and alignment, in one piece and
 * split, whichever routine (slices, carry-less multiplication, ISA-L) the build uses. */
static uint64_t crc64_bitwise(const uint8_t *p, size_t n)
{
    uint64_t c = ~0ULL;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x9A6C9329AC4BC9B5ULL : c >> 1;
    }
    return ~c;
}

static void test_crc64_every_length(void **state)
{
    (void)state;
    uint8_t data[16 + 700];
    srand(11);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)rand();
    for (size_t off = 0; off < 16; off++) {
        for (size_t n = 0; n + off <= sizeof data && n <= 700; n += n < 80 ? 1 : 13) {
            uint64_t want = crc64_bitwise(data + off, n);
            assert_true(crc_of(CKSUM_CRC64NVME, data + off, n) == want);
            struct cksum_ctx c; /* in two pieces: the second starts mid-block */
            uint8_t out[CKSUM_DIGEST_MAX];
            size_t len = 0, cut = n / 3;
            assert_int_equal(cksum_init(&c, CKSUM_CRC64NVME), 0);
            assert_int_equal(cksum_update(&c, data + off, cut), 0);
            assert_int_equal(cksum_update(&c, data + off + cut, n - cut), 0);
            assert_int_equal(cksum_final(&c, out, &len), 0);
            assert_true(be_value(out, len) == want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_terraform_example),
        cmocka_unit_test(test_incremental_random_splits),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_key_hash),
        cmocka_unit_test(test_crc_combine),
        cmocka_unit_test(test_crc64_every_length),
    };
    return cmocka_run_group_tests_name("checksum", tests, NULL, NULL);
}
