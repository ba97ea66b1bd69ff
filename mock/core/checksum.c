/*
 * checksum.c - S3 flexible checksums, MD5 and strict base64 (see checksum.h).
 *
 * CRC32 comes from zlib, CRC32C from ISA-L (crc32_iscsi), SHA1/SHA256/MD5
 * and base64 from OpenSSL. CRC-64/NVME comes from ISA-L's
 * crc64_rocksoft_refl when the installed ISA-L has it (>= 2.31); Debian
 * bookworm ships 2.30, which does not, so a fallback is compiled there:
 * folding 16 bytes at a time by carry-less multiplication on x86-64 CPUs with
 * PCLMULQDQ, else a slicing-by-8 table. All are checked against the published
 * check value and a bit-at-a-time CRC in tests/unit/test_checksum.c.
 */
#include "lockyard/checksum.h"
#include "lockyard/check.h"

#include <endian.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <isa-l.h>
#include <openssl/evp.h>
#include <zlib.h>

#if ISAL_VERSION >= ISAL_MAKE_VERSION(2, 31, 0)
#define CKSUM_HAVE_ISAL_ROCKSOFT 1
#endif

struct alg_info {
    const char *name;
    const char *header;
    size_t digest_len;
};

/* OpenSSL 3 looks a digest up in its provider store on every EVP_md5()-style init (a tenth of
 * a 1 KiB PutObject's instructions); fetched once here instead, and never changed after. */
enum { MD_MD5, MD_SHA1, MD_SHA256, MD_COUNT_ };
static EVP_MD *md_fetched[MD_COUNT_];
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch_all(void)
{
    md_fetched[MD_MD5] = EVP_MD_fetch(NULL, "MD5", NULL);
    md_fetched[MD_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_fetched[MD_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md_get(int which)
{
    (void)pthread_once(&md_once, md_fetch_all);
    if (md_fetched[which])
        return md_fetched[which];
    return which == MD_MD5 ? EVP_md5() : which == MD_SHA1 ? EVP_sha1() : EVP_sha256();
}

static const struct alg_info algs[CKSUM_ALG_COUNT_] = {
    [CKSUM_CRC32] = {"CRC32", "x-amz-checksum-crc32", 4},
    [CKSUM_CRC32C] = {"CRC32C", "x-amz-checksum-crc32c", 4},
    [CKSUM_CRC64NVME] = {"CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    [CKSUM_SHA1] = {"SHA1", "x-amz-checksum-sha1", 20},
    [CKSUM_SHA256] = {"SHA256", "x-amz-checksum-sha256", 32},
};

static int alg_ok(enum cksum_alg alg)
{
    return (unsigned)alg < CKSUM_ALG_COUNT_;
}

const char *cksum_alg_name(enum cksum_alg alg)
{
    return alg_ok(alg) ? algs[alg].name : NULL;
}

const char *cksum_alg_header(enum cksum_alg alg)
{
    return alg_ok(alg) ? algs[alg].header : NULL;
}

size_t cksum_alg_digest_len(enum cksum_alg alg)
{
    return alg_ok(alg) ? algs[alg].digest_len : 0;
}

static int alg_lookup(const char *name, size_t len, int header, enum cksum_alg *out)
{
    for (int i = 0; i < CKSUM_ALG_COUNT_; i++) {
        const char *s = header ? algs[i].header : algs[i].name;
        if (strlen(s) == len && strncasecmp(s, name, len) == 0) {
            *out = (enum cksum_alg)i;
            return 0;
        }
    }
    return LY_EINVAL;
}

int cksum_alg_from_name(const char *name, size_t len, enum cksum_alg *out)
{
    return alg_lookup(name, len, 0, out);
}

int cksum_alg_from_header(const char *name, size_t len, enum cksum_alg *out)
{
    return alg_lookup(name, len, 1, out);
}

/* ---- CRC primitives ------------------------------------------------- */

#ifndef CKSUM_HAVE_ISAL_ROCKSOFT
/*
 * Reflected CRC-64/NVME (poly 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5), eight bytes
 * at a time ("slicing-by-8"): crc64_slice[0][b] is the register after shifting byte b through
 * eight rounds of the polynomial, crc64_slice[k][b] the same byte followed by k zero bytes.
 * A byte at a time (with a 16-entry table) it took ~5 s of a 500 MB PUT, all on the event loop.
 * The tables are built once before main (a constructor), so threads never race on them.
 */
static uint64_t crc64_slice[8][256];

__attribute__((constructor)) static void crc64_slice_init(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t c = b;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x9A6C9329AC4BC9B5ULL : c >> 1;
        crc64_slice[0][b] = c;
    }
    for (unsigned b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            crc64_slice[k][b] = (crc64_slice[k - 1][b] >> 8) ^
                                crc64_slice[0][crc64_slice[k - 1][b] & 0xff];
}
#endif

#ifndef CKSUM_HAVE_ISAL_ROCKSOFT
/* The register c (not inverted) after p[0..n), eight bytes at a time. */
static uint64_t crc64_slices(uint64_t c, const uint8_t *p, size_t n)
{
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c ^= le64toh(w);
        c = crc64_slice[7][c & 0xff] ^ crc64_slice[6][(c >> 8) & 0xff] ^
            crc64_slice[5][(c >> 16) & 0xff] ^ crc64_slice[4][(c >> 24) & 0xff] ^
            crc64_slice[3][(c >> 32) & 0xff] ^ crc64_slice[2][(c >> 40) & 0xff] ^
            crc64_slice[1][(c >> 48) & 0xff] ^ crc64_slice[0][c >> 56];
    }
    for (; n; n--, p++)
        c = (c >> 8) ^ crc64_slice[0][(c ^ *p) & 0xff];
    return c;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define CKSUM_HAVE_CLMUL 1
/*
 * The register c after p[0..n) (n >= 16), sixteen bytes at a time by carry-less multiplication
 * (PCLMULQDQ; a fifth of the slices' instructions): the first 16 bytes (with c folded into
 * them) are the state X, and each next block B makes X = X.lo * K191 ^ X.hi * K127 ^ B, which
 * keeps the message's remainder modulo the polynomial, K_n being x^n mod P bit-reflected
 * (the byte order of a reflected CRC). The last state and the bytes after it go through the
 * slices. test_checksum compares it with a bit-at-a-time CRC at every length and alignment.
 */
__attribute__((target("pclmul,sse2"))) static uint64_t crc64_clmul(uint64_t c, const uint8_t *p,
                                                                   size_t n)
{
    const __m128i k = _mm_set_epi64x((long long)0x21e9761e252621acULL,  /* x^127 mod P */
                                     (long long)0xeadc41fd2ba3d420ULL); /* x^191 mod P */
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)p),
                              _mm_cvtsi64_si128((long long)c));
    for (p += 16, n -= 16; n >= 16; p += 16, n -= 16)
        x = _mm_xor_si128(
            _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)),
            _mm_loadu_si128((const __m128i *)(const void *)p));
    uint8_t last[16];
    _mm_storeu_si128((__m128i *)(void *)last, x);
    return crc64_slices(crc64_slices(0, last, 16), p, n);
}
#endif
#endif

/* state is the finalised CRC so far (0 for no data), like zlib's crc32. */
static uint64_t crc64nvme_update(uint64_t state, const uint8_t *p, size_t n)
{
#ifdef CKSUM_HAVE_ISAL_ROCKSOFT
    return crc64_rocksoft_refl(state, p, n);
#else
#ifdef CKSUM_HAVE_CLMUL
    if (n >= 32 && __builtin_cpu_supports("pclmul"))
        return ~crc64_clmul(~state, p, n);
#endif
    return ~crc64_slices(~state, p, n);
#endif
}

/* ISA-L's crc32_iscsi keeps the register un-inverted and takes an int len. */
static uint32_t crc32c_update(uint32_t state, const uint8_t *p, size_t n)
{
    uint32_t reg = ~state;
    while (n > 0) {
        int step = n > (size_t)(1 << 30) ? (1 << 30) : (int)n;
        reg = crc32_iscsi((unsigned char *)(uintptr_t)p, step, reg);
        p += step;
        n -= (size_t)step;
    }
    return ~reg;
}

static void put_be(uint8_t *out, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* ---- incremental ---------------------------------------------------- */

int cksum_init(struct cksum_ctx *c, enum cksum_alg alg)
{
    c->alg = alg;
    c->crc = 0;
    c->md = NULL;
    if (!alg_ok(alg))
        return LY_EINVAL;
    if (alg != CKSUM_SHA1 && alg != CKSUM_SHA256)
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return LY_ENOMEM;
    if (!EVP_DigestInit_ex(md, md_get(alg == CKSUM_SHA1 ? MD_SHA1 : MD_SHA256), NULL)) {
        EVP_MD_CTX_free(md);
        return LY_EIO;
    }
    c->md = md;
    return 0;
}

/* The MD5 context is marked by an alg outside the x-amz-checksum set. */
#define CKSUM_MD5_MARK CKSUM_ALG_COUNT_

int cksum_init_md5(struct cksum_ctx *c)
{
    c->alg = CKSUM_MD5_MARK;
    c->crc = 0;
    c->md = EVP_MD_CTX_new();
    if (!c->md)
        return LY_ENOMEM;
    if (!EVP_DigestInit_ex(c->md, md_get(MD_MD5), NULL)) {
        EVP_MD_CTX_free(c->md);
        c->md = NULL;
        return LY_EIO;
    }
    return 0;
}

int cksum_update(struct cksum_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0)
        return 0;
    switch (c->alg) {
    case CKSUM_CRC32: c->crc = crc32_z((uLong)c->crc, p, len); return 0;
    case CKSUM_CRC32C: c->crc = crc32c_update((uint32_t)c->crc, p, len); return 0;
    case CKSUM_CRC64NVME: c->crc = crc64nvme_update(c->crc, p, len); return 0;
    default: LY_ASSERT(c->md != NULL); return EVP_DigestUpdate(c->md, p, len) ? 0 : LY_EIO;
    }
}

int cksum_final(struct cksum_ctx *c, uint8_t out[CKSUM_DIGEST_MAX], size_t *out_len)
{
    size_t n = c->alg == CKSUM_MD5_MARK ? CKSUM_MD5_LEN : cksum_alg_digest_len(c->alg);
    LY_ASSERT(n > 0);
    *out_len = n;
    if (!c->md) {
        put_be(out, c->crc, n);
        return 0;
    }
    unsigned int got = 0;
    int ok = EVP_DigestFinal_ex(c->md, out, &got);
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
    return ok && got == n ? 0 : LY_EIO;
}

int cksum_final_b64(struct cksum_ctx *c, char out[CKSUM_B64_MAX])
{
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    int rc = cksum_final(c, raw, &n);
    if (!rc)
        rc = cksum_b64_encode(raw, n, out, CKSUM_B64_MAX);
    return rc;
}

void cksum_cleanup(struct cksum_ctx *c)
{
    if (c->md)
        EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

/* ---- one-shot ------------------------------------------------------- */

int cksum_compute(enum cksum_alg alg, const void *data, size_t len, uint8_t out[CKSUM_DIGEST_MAX],
                  size_t *out_len)
{
    struct cksum_ctx c;
    int rc = cksum_init(&c, alg);
    if (!rc)
        rc = cksum_update(&c, data, len);
    if (!rc)
        rc = cksum_final(&c, out, out_len);
    cksum_cleanup(&c);
    return rc;
}

int cksum_compute_b64(enum cksum_alg alg, const void *data, size_t len, char out[CKSUM_B64_MAX])
{
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    int rc = cksum_compute(alg, data, len, raw, &n);
    if (!rc)
        rc = cksum_b64_encode(raw, n, out, CKSUM_B64_MAX);
    return rc;
}

/* ---- CRC combination ------------------------------------------------ */

/*
 * All three CRCs are reflected, with an initial value and a final xor of all ones, so
 * crc(A||B) = crc(A) * x^(8 len(B)) mod P  xor  crc(B) (zlib's crc32_combine, whose
 * multmodp / x2nmodp this follows for any width). In the reflected representation of width w,
 * x^k is bit w-1-k: x^0 is the top bit.
 */
struct crc_poly {
    uint64_t poly; /* reflected */
    uint64_t top;  /* x^0: 1 << (w - 1) */
};

static int crc_poly_of(enum cksum_alg alg, struct crc_poly *p)
{
    switch (alg) {
    case CKSUM_CRC32: *p = (struct crc_poly){0xEDB88320u, 1ull << 31}; return 0;
    case CKSUM_CRC32C: *p = (struct crc_poly){0x82F63B78u, 1ull << 31}; return 0;
    case CKSUM_CRC64NVME: *p = (struct crc_poly){0x9A6C9329AC4BC9B5ull, 1ull << 63}; return 0;
    default: return LY_EINVAL;
    }
}

/* a * b mod P (both polynomials in the reflected representation). */
static uint64_t crc_mulmod(const struct crc_poly *p, uint64_t a, uint64_t b)
{
    uint64_t m = p->top, r = 0;
    for (;;) {
        if (a & m) {
            r ^= b;
            if ((a & (m - 1)) == 0)
                break;
        }
        m >>= 1;
        b = b & 1 ? (b >> 1) ^ p->poly : b >> 1;
    }
    return r;
}

int cksum_alg_is_crc(enum cksum_alg alg)
{
    return alg == CKSUM_CRC32 || alg == CKSUM_CRC32C || alg == CKSUM_CRC64NVME;
}

int cksum_crc_combine(enum cksum_alg alg, uint64_t crc_a, uint64_t crc_b, uint64_t len_b,
                      uint64_t *out)
{
    struct crc_poly p;
    if (crc_poly_of(alg, &p) != 0)
        return LY_EINVAL;
    uint64_t xn = p.top, sq = p.top >> 8;  /* x^0, x^8 */
    for (uint64_t n = len_b; n; n >>= 1) { /* xn = x^(8 len_b) by squaring */
        if (n & 1)
            xn = crc_mulmod(&p, sq, xn);
        sq = crc_mulmod(&p, sq, sq);
    }
    *out = (crc_a ? crc_mulmod(&p, xn, crc_a) : 0) ^ crc_b;
    return 0;
}

int cksum_crc_from_b64(enum cksum_alg alg, const char *b64, uint64_t *out)
{
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    if (!cksum_alg_is_crc(alg) || !b64 ||
        cksum_b64_decode(b64, strlen(b64), raw, sizeof raw, &n) != 0 ||
        n != cksum_alg_digest_len(alg))
        return LY_EINVAL;
    *out = 0;
    for (size_t i = 0; i < n; i++)
        *out = *out << 8 | raw[i];
    return 0;
}

int cksum_crc_to_b64(enum cksum_alg alg, uint64_t crc, char out[CKSUM_B64_MAX])
{
    uint8_t raw[8];
    size_t n = cksum_alg_digest_len(alg);
    if (!cksum_alg_is_crc(alg))
        return LY_EINVAL;
    put_be(raw, crc, n);
    return cksum_b64_encode(raw, n, out, CKSUM_B64_MAX);
}

/* ---- MD5 ------------------------------------------------------------ */

int cksum_md5(const void *data, size_t len, uint8_t out[CKSUM_MD5_LEN])
{
    unsigned int got = 0;
    if (!EVP_Digest(data, len, out, &got, md_get(MD_MD5), NULL) || got != CKSUM_MD5_LEN)
        return LY_EIO;
    return 0;
}

int cksum_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int got = 0;
    if (!EVP_Digest(data, len, out, &got, md_get(MD_SHA256), NULL) || got != 32)
        return LY_EIO;
    return 0;
}

int cksum_md5_hex(const void *data, size_t len, char out[CKSUM_MD5_HEX_SIZE])
{
    uint8_t raw[CKSUM_MD5_LEN];
    int rc = cksum_md5(data, len, raw);
    if (!rc)
        cksum_hex(raw, sizeof raw, out);
    return rc;
}

int cksum_md5_b64(const void *data, size_t len, char out[CKSUM_B64_MAX])
{
    uint8_t raw[CKSUM_MD5_LEN];
    int rc = cksum_md5(data, len, raw);
    if (!rc)
        rc = cksum_b64_encode(raw, sizeof raw, out, CKSUM_B64_MAX);
    return rc;
}

int cksum_content_md5_parse(const char *b64, size_t len, uint8_t out[CKSUM_MD5_LEN])
{
    uint8_t raw[CKSUM_MD5_LEN + 2];
    size_t n;
    if (len != CKSUM_B64_LEN(CKSUM_MD5_LEN))
        return LY_EINVAL;
    int rc = cksum_b64_decode(b64, len, raw, sizeof raw, &n);
    if (rc || n != CKSUM_MD5_LEN)
        return LY_EINVAL;
    memcpy(out, raw, CKSUM_MD5_LEN);
    return 0;
}

/* ---- hex and base64 ------------------------------------------------- */

void cksum_hex(const void *data, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int cksum_b64_encode(const void *data, size_t n, char *out, size_t out_size)
{
    if (n > (SIZE_MAX / 4) * 3 - 3 || out_size < CKSUM_B64_LEN(n) + 1)
        return LY_ETOOBIG;
    const uint8_t *p = data;
    size_t o = 0;
    /* EVP_EncodeBlock takes an int length: feed it whole 3-byte groups. */
    while (n > 0) {
        size_t step = n > (size_t)3 << 28 ? (size_t)3 << 28 : n;
        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, p, (int)step);
        p += step;
        n -= step;
    }
    out[o] = '\0';
    return 0;
}

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* Validates strictly; returns the padding count (0..2) or -1. */
static int b64_validate(const char *in, size_t len)
{
    if (len % 4 != 0)
        return -1;
    if (len == 0)
        return 0;
    int pad = (in[len - 1] == '=') + (in[len - 2] == '=');
    if (pad == 1 && in[len - 1] != '=')
        return -1; /* "x=y" style: '=' not at the very end */
    for (size_t i = 0; i < len - (size_t)pad; i++)
        if (b64_value((unsigned char)in[i]) < 0)
            return -1;
    /* Unused low bits of the last symbol must be zero (canonical form). */
    if (pad > 0) {
        int last = b64_value((unsigned char)in[len - 1 - (size_t)pad]);
        int mask = pad == 2 ? 0x0f : 0x03;
        if (last & mask)
            return -1;
    }
    return pad;
}

int cksum_b64_decode(const char *in, size_t len, uint8_t *out, size_t out_size, size_t *out_len)
{
    int pad = b64_validate(in, len);
    if (pad < 0)
        return LY_EINVAL;
    size_t n = len / 4 * 3 - (size_t)pad;
    if (n > out_size)
        return LY_ETOOBIG;
    size_t o = 0;
    uint8_t tmp[3];
    for (size_t i = 0; i < len; i += 4) {
        /* EVP_DecodeBlock writes 3 bytes per group, padding included. */
        if (EVP_DecodeBlock(tmp, (const unsigned char *)in + i, 4) != 3)
            return LY_EINVAL;
        size_t take = i + 4 == len ? 3 - (size_t)pad : 3;
        memcpy(out + o, tmp, take);
        o += take;
    }
    *out_len = o;
    return 0;
}

int ly_key_hash(const void *p, size_t n, void *out)
{
    uint8_t md[32];
    if (cksum_sha256(p, n, md))
        return LY_ENOMEM;
    memcpy(out, md, LY_KEY_HASH_BYTES);
    return 0;
}
