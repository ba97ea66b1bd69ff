/*
 * checksum.h - the S3 flexible-checksum algorithms, MD5 and strict base64.
 *
 * Covers the x-amz-checksum-* set (CRC32, CRC32C, CRC64NVME, SHA1, SHA256)
 * with an incremental context and one-shot helpers, the name mappings
 * between algorithm names ("CRC32") and header names ("x-amz-checksum-crc32"),
 * MD5 for ETag / Content-MD5, and base64 with strict validation.
 *
 * Text forms are what S3 puts on the wire: CRCs are the base64 of the
 * big-endian integer (4 bytes for CRC32/CRC32C, 8 for CRC64NVME), SHA
 * values are the base64 of the digest.
 *
 * Pure: no I/O, no globals. Backed by OpenSSL (SHA, MD5, base64), zlib
 * (CRC32) and ISA-L (CRC32C; CRC64NVME when ISA-L >= 2.31, see checksum.c).
 */
#ifndef LOCKYARD_CHECKSUM_H
#define LOCKYARD_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/err.h"

enum cksum_alg {
    CKSUM_CRC32 = 0,
    CKSUM_CRC32C,
    CKSUM_CRC64NVME,
    CKSUM_SHA1,
    CKSUM_SHA256,
    CKSUM_ALG_COUNT_
};

/** Largest raw digest (SHA256). */
#define CKSUM_DIGEST_MAX 32
/** Base64 text length (without NUL) of n raw bytes. */
#define CKSUM_B64_LEN(n) ((((n) + 2) / 3) * 4)
/** Buffer size for any checksum as base64 text, NUL included. */
#define CKSUM_B64_MAX (CKSUM_B64_LEN(CKSUM_DIGEST_MAX) + 1)
#define CKSUM_MD5_LEN 16
/** Buffer size for an MD5 as lowercase hex, NUL included. */
#define CKSUM_MD5_HEX_SIZE 33

/*
 * Incremental context. Embedded by value; the SHA states live in an OpenSSL
 * context on the heap, so every successful cksum_init must be paired with
 * cksum_cleanup (safe to call twice, and after cksum_final).
 */
struct cksum_ctx {
    enum cksum_alg alg;
    uint64_t crc; /* running CRC state for the CRC algorithms */
    void *md;     /* EVP_MD_CTX * for SHA1/SHA256, NULL otherwise */
};

/* ---- names ---------------------------------------------------------- */

/** "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; NULL for a bad alg. */
const char *cksum_alg_name(enum cksum_alg alg);
/** "x-amz-checksum-crc32" etc. (lowercase); NULL for a bad alg. */
const char *cksum_alg_header(enum cksum_alg alg);
/**
 * Looks up an algorithm by name, case-insensitively ("crc32", "SHA256").
 * @param name  not NUL-terminated necessarily; len bytes are read
 * @return 0 and *out set, or LY_EINVAL for an unknown name
 */
int cksum_alg_from_name(const char *name, size_t len, enum cksum_alg *out);
/** Same for a header name ("X-Amz-Checksum-Crc32"), case-insensitively. */
int cksum_alg_from_header(const char *name, size_t len, enum cksum_alg *out);
/** Raw digest length: 4, 4, 8, 20 or 32; 0 for a bad alg. */
size_t cksum_alg_digest_len(enum cksum_alg alg);

/* ---- incremental ---------------------------------------------------- */

/** @return 0, LY_EINVAL (bad alg) or LY_ENOMEM */
int cksum_init(struct cksum_ctx *c, enum cksum_alg alg) LY_WARN_UNUSED;
/**
 * An incremental MD5 (the ETag, Content-MD5) in the same context: cksum_update, cksum_final
 * (16 bytes) and cksum_cleanup work on it. @return 0, LY_ENOMEM or LY_EIO
 */
int cksum_init_md5(struct cksum_ctx *c) LY_WARN_UNUSED;
/** @return 0 or LY_EIO (OpenSSL failure) */
int cksum_update(struct cksum_ctx *c, const void *data, size_t len) LY_WARN_UNUSED;
/**
 * Writes the raw digest (CRCs big-endian) to out (CKSUM_DIGEST_MAX bytes of
 * room) and its length to *out_len. The context must not be updated again.
 * @return 0 or LY_EIO
 */
int cksum_final(struct cksum_ctx *c, uint8_t out[CKSUM_DIGEST_MAX], size_t *out_len) LY_WARN_UNUSED;
/** As cksum_final, but writes the base64 text (NUL-terminated). */
int cksum_final_b64(struct cksum_ctx *c, char out[CKSUM_B64_MAX]) LY_WARN_UNUSED;
void cksum_cleanup(struct cksum_ctx *c);

/* ---- one-shot ------------------------------------------------------- */

/** @return 0, LY_EINVAL, LY_ENOMEM or LY_EIO */
int cksum_compute(enum cksum_alg alg, const void *data, size_t len, uint8_t out[CKSUM_DIGEST_MAX],
                  size_t *out_len) LY_WARN_UNUSED;
int cksum_compute_b64(enum cksum_alg alg, const void *data, size_t len,
                      char out[CKSUM_B64_MAX]) LY_WARN_UNUSED;

/* ---- CRC combination (multipart FULL_OBJECT checksums) ------------- */

/** 1 for the CRC algorithms (CRC32, CRC32C, CRC64NVME), whose values combine. */
int cksum_alg_is_crc(enum cksum_alg alg);
/**
 * The CRC of A||B from crc(A), crc(B) and the length of B, without the bytes: the GF(2)
 * "CRC combine" (zlib's crc32_combine for CRC32; the same arithmetic for the reflected
 * CRC32C and CRC-64/NVME polynomials). Values are the CRCs as integers (a big-endian raw
 * digest read as a number). @return 0, or LY_EINVAL for an algorithm that is not a CRC
 */
int cksum_crc_combine(enum cksum_alg alg, uint64_t crc_a, uint64_t crc_b, uint64_t len_b,
                      uint64_t *out) LY_WARN_UNUSED;
/** A CRC's base64 text (as x-amz-checksum-* carries it) as an integer: 0 or LY_EINVAL. */
int cksum_crc_from_b64(enum cksum_alg alg, const char *b64, uint64_t *out) LY_WARN_UNUSED;
/** The base64 text of a CRC value. @return 0 or LY_EINVAL */
int cksum_crc_to_b64(enum cksum_alg alg, uint64_t crc, char out[CKSUM_B64_MAX]) LY_WARN_UNUSED;

/* ---- MD5 (ETag, Content-MD5) ---------------------------------------- */

/** @return 0 or LY_EIO */
int cksum_md5(const void *data, size_t len, uint8_t out[CKSUM_MD5_LEN]) LY_WARN_UNUSED;
/** SHA-256 of data (32 bytes) through a digest fetched once per process: 0, or LY_EIO. */
int cksum_sha256(const void *data, size_t len, uint8_t out[32]) LY_WARN_UNUSED;
/** Lowercase hex, NUL-terminated (the ETag form without quotes). */
int cksum_md5_hex(const void *data, size_t len, char out[CKSUM_MD5_HEX_SIZE]) LY_WARN_UNUSED;
/** Base64 of the 16 raw bytes (the Content-MD5 form). */
int cksum_md5_b64(const void *data, size_t len, char out[CKSUM_B64_MAX]) LY_WARN_UNUSED;
/**
 * Decodes a Content-MD5 header value.
 * @return 0 with out filled, or LY_EINVAL when the value is not strict
 *         base64 of exactly 16 bytes (S3 answers InvalidDigest)
 */
int cksum_content_md5_parse(const char *b64, size_t len, uint8_t out[CKSUM_MD5_LEN]) LY_WARN_UNUSED;

/* ---- hex and base64 ------------------------------------------------- */

/** Writes 2*n lowercase hex digits and a NUL to out (2*n+1 bytes of room). */
void cksum_hex(const void *data, size_t n, char *out);
/**
 * Standard base64 with padding, NUL-terminated.
 * @param out_size  room in out; needs CKSUM_B64_LEN(n) + 1
 * @return 0 or LY_ETOOBIG when out is too small
 */
int cksum_b64_encode(const void *data, size_t n, char *out, size_t out_size) LY_WARN_UNUSED;
/**
 * Strict base64 decode: standard alphabet, length a multiple of 4, '='
 * padding only at the end, no whitespace, unused bits zero.
 * @param out_size  room in out; decoding never writes more than
 *                  3 * len / 4 bytes
 * @return 0 with *out_len set, LY_EINVAL for invalid text, LY_ETOOBIG when
 *         the decoded bytes do not fit
 */
int cksum_b64_decode(const char *in, size_t len, uint8_t *out, size_t out_size,
                     size_t *out_len) LY_WARN_UNUSED;

/*
 * The hash that stands for the tail of a store key too long for an LMDB key (S3 object keys,
 * the version index, DynamoDB primary keys): the first LY_KEY_HASH_BYTES of SHA-256.
 */
#define LY_KEY_HASH_BYTES 16
/** out[0..LY_KEY_HASH_BYTES) = the first bytes of SHA-256(p[0..n)). @return 0 or LY_ENOMEM */
int ly_key_hash(const void *p, size_t n, void *out) LY_WARN_UNUSED;

#endif
