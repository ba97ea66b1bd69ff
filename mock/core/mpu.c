/* mpu.c - S3 multipart and version-id rules (see mpu.h). Pure: no I/O, no globals. */
#include "lockyard/mpu.h"
#include "lockyard/checksum.h"
#include "lockyard/pct.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

/* tag bytes of SHA-512(salt || be64 seq): ties an id to its sequence number. */
static int id_tag(const char *salt, uint64_t seq, unsigned char *out, size_t n)
{
    unsigned char in[40], md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    size_t sl = strlen(salt);
    memcpy(in, salt, sl);
    for (int i = 0; i < 8; i++)
        in[sl + (size_t)i] = (unsigned char)(seq >> (56 - 8 * i));
    if (!EVP_Digest(in, sl + 8, md, &mdn, EVP_sha512(), NULL) || mdn < n)
        return LY_EIO;
    memcpy(out, md, n);
    return 0;
}

/* Encodes nbytes (a multiple of 3) as 4/3 as many characters of the id alphabet. */
static void encode(const unsigned char *in, size_t nbytes, char *out)
{
    for (size_t i = 0, o = 0; i < nbytes; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        for (int k = 3; k >= 0; k--)
            out[o++] = alphabet[(v >> (6 * k)) & 63];
    }
    out[nbytes / 3 * 4] = '\0';
}

static int decode(const char *in, size_t nchars, unsigned char *out)
{
    for (size_t i = 0, o = 0; i < nchars; i += 4) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            const char *p = in[i + (size_t)k] ? strchr(alphabet, in[i + (size_t)k]) : NULL;
            if (!p)
                return LY_EINVAL;
            v = v << 6 | (uint32_t)(p - alphabet);
        }
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    return 0;
}

static void id_format(const char *salt, uint64_t seq, size_t nbytes, char *out)
{
    unsigned char raw[48];
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)(seq >> (56 - 8 * i));
    if (id_tag(salt, seq, raw + 8, nbytes - 8) != 0)
        memset(raw + 8, 0, nbytes - 8);
    encode(raw, nbytes, out);
}

static int id_parse(const char *salt, const char *id, size_t nbytes, uint64_t *seq)
{
    unsigned char raw[48], tag[40];
    if (strlen(id) != nbytes / 3 * 4 || decode(id, nbytes / 3 * 4, raw) != 0)
        return LY_EINVAL;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | raw[i];
    if (v == 0 || id_tag(salt, v, tag, nbytes - 8) != 0 || memcmp(tag, raw + 8, nbytes - 8) != 0)
        return LY_EINVAL;
    *seq = v;
    return 0;
}

void s3_version_id_format(uint64_t seq, char out[S3_VERSION_ID_LEN + 1])
{
    id_format("lockyard-version", seq, S3_VERSION_ID_LEN / 4 * 3, out);
}

int s3_version_id_parse(const char *id, uint64_t *seq)
{
    if (strcmp(id, "null") == 0) {
        *seq = 0;
        return 0;
    }
    return id_parse("lockyard-version", id, S3_VERSION_ID_LEN / 4 * 3, seq);
}

void s3_upload_id_format(uint64_t seq, char out[S3_UPLOAD_ID_LEN + 1])
{
    id_format("lockyard-upload", seq, S3_UPLOAD_ID_LEN / 4 * 3, out);
}

int s3_upload_id_parse(const char *id, uint64_t *seq)
{
    return id_parse("lockyard-upload", id, S3_UPLOAD_ID_LEN / 4 * 3, seq);
}

/* The 32 hex digits of an ETag with optional quotes, or NULL. */
static const char *etag_hex(const char *e, size_t *n)
{
    size_t len = strlen(e);
    if (len >= 2 && e[0] == '"' && e[len - 1] == '"') {
        e++;
        len -= 2;
    }
    *n = len;
    return e;
}

int s3mpu_etag(const char *const *part_etags, size_t n, char out[S3MPU_ETAG_SIZE])
{
    if (n == 0 || n > S3MPU_PARTS_MAX)
        return LY_EINVAL;
    unsigned char *bin = malloc(n * 16), md[16];
    if (!bin)
        return LY_ENOMEM;
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t len;
        const char *h = etag_hex(part_etags[i], &len);
        if (len != 32)
            rc = LY_EINVAL;
        for (size_t j = 0; !rc && j < 16; j++) {
            int hi = ly_hexval(h[2 * j]), lo = ly_hexval(h[2 * j + 1]);
            if (hi < 0 || lo < 0)
                rc = LY_EINVAL;
            else
                bin[i * 16 + j] = (unsigned char)(hi << 4 | lo);
        }
    }
    if (!rc)
        rc = cksum_md5(bin, n * 16, md);
    free(bin);
    if (rc)
        return rc;
    cksum_hex(md, 16, out);
    out[32] = '-';
    size_t len = 33, m = n, digits = 1;
    while (m >= 10) {
        m /= 10;
        digits++;
    }
    for (size_t d = digits, v = n; d > 0; d--, v /= 10)
        out[len + d - 1] = (char)('0' + v % 10);
    out[len + digits] = '\0';
    return 0;
}

static int etag_same(const char *a, const char *b)
{
    size_t la, lb;
    const char *ca = etag_hex(a, &la), *cb = etag_hex(b, &lb);
    return la == lb && strncmp(ca, cb, la) == 0;
}

enum s3mpu_problem s3mpu_check(const struct s3mpu_listed *listed, const struct s3mpu_stored *stored,
                               size_t n, uint64_t part_bytes_min, long *bad_index)
{
    *bad_index = -1;
    for (size_t i = 0; i < n; i++) {
        if (listed[i].number < 1 || listed[i].number > S3MPU_PARTS_MAX ||
            (i > 0 && listed[i].number <= listed[i - 1].number)) {
            *bad_index = (long)i;
            return S3MPU_INVALID_PART_ORDER;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!stored[i].etag || !listed[i].etag || !etag_same(listed[i].etag, stored[i].etag)) {
            *bad_index = (long)i;
            return S3MPU_INVALID_PART;
        }
    }
    for (size_t i = 0; i + 1 < n; i++) {
        if (stored[i].size < part_bytes_min) {
            *bad_index = (long)i;
            return S3MPU_ENTITY_TOO_SMALL;
        }
    }
    return S3MPU_OK;
}

int s3mpu_part_number_parse(const char *v, long *out)
{
    long n = 0;
    if (!*v || strlen(v) > 5)
        return LY_EINVAL;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return LY_EINVAL;
        n = n * 10 + (*p - '0');
    }
    if (n < 1 || n > S3MPU_PARTS_MAX)
        return LY_EINVAL;
    *out = n;
    return 0;
}

static int parse_u64(const char **p, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return LY_EINVAL;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return LY_EINVAL;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return 0;
}

int s3mpu_copy_range_parse(const char *v, uint64_t size, uint64_t *first, uint64_t *last)
{
    const char *p = v;
    if (strncmp(p, "bytes=", 6) != 0)
        return LY_EINVAL;
    p += 6;
    if (parse_u64(&p, first) || *p++ != '-' || parse_u64(&p, last) || *p || *last < *first)
        return LY_EINVAL;
    return *last >= size ? LY_ERANGE : 0;
}
