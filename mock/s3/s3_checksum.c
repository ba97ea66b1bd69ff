/*
 * s3_checksum.c - S3 flexible checksums on writes and reads: x-amz-checksum-* in a header or an
 * aws-chunked trailer is verified (BadDigest), stored with the object and returned on GET/HEAD
 * with x-amz-checksum-mode: ENABLED (never on a ranged 206). An object written without one gets
 * a CRC64NVME full-object checksum, as S3 computes since 2025.
 */
#include "s3_internal.h"
#include "lockyard/checksum.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Finds the one x-amz-checksum-<alg> value among headers and trailers. */
static int find_checksum(struct s3_call *c, enum cksum_alg *alg, const char **value)
{
    int found = 0;
    for (int a = 0; a < CKSUM_ALG_COUNT_; a++) {
        const char *v = ly_req_header_or_trailer(c->req, cksum_alg_header((enum cksum_alg)a));
        if (!v)
            continue;
        if (found++) {
            s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                     "Expecting a single x-amz-checksum- header. "
                     "Multiple checksum Types are not allowed.",
                     NULL);
            return LY_EINVAL;
        }
        *alg = (enum cksum_alg)a;
        *value = v;
    }
    return found ? 0 : LY_ENOENT;
}

int s3_body_md5(struct s3_call *c, uint8_t out[16])
{
    const struct ly_body_digests *d = c->req->digests;
    if (!d || !d->has_md5) { /* computed here, kept with the request's digests for its reuse */
        struct ly_body_digests *mine = ly_arena_alloc(c->a, sizeof *mine);
        if (!mine)
            return LY_ENOMEM;
        memset(mine, 0, sizeof *mine);
        mine->cksum_alg = -1;
        if (d)
            *mine = *d;
        if (cksum_md5(c->req->body, c->req->body_len, mine->md5) != 0)
            return LY_EIO;
        mine->has_md5 = 1;
        c->req->digests = d = mine;
    }
    memcpy(out, d->md5, 16);
    return 0;
}

int s3_body_md5_hex(struct s3_call *c, char out[33])
{
    uint8_t raw[CKSUM_MD5_LEN];
    int rc = s3_body_md5(c, raw);
    if (!rc)
        cksum_hex(raw, sizeof raw, out);
    return rc;
}

int s3_body_cksum_b64(const struct s3_call *c, enum cksum_alg alg, char out[CKSUM_B64_MAX])
{
    const struct ly_body_digests *d = c->req->digests;
    if (d && d->cksum_alg == (int)alg) {
        memcpy(out, d->cksum_b64, CKSUM_B64_MAX);
        return 0;
    }
    if (d && d->has_crcs && cksum_alg_is_crc(alg)) /* an UploadPart body: every CRC was taken */
        return cksum_crc_to_b64(alg, d->crcs[alg], out);
    return cksum_compute_b64(alg, c->req->body, c->req->body_len, out);
}

static char *lower(struct s3_call *c, const char *s)
{
    char *out = ly_arena_strdup(c->a, s);
    for (char *p = out; p && *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    return out;
}

int s3_checksum_put_or_reply(struct s3_call *c, struct store_obj *o)
{
    enum cksum_alg alg = CKSUM_CRC64NVME, sdk_alg;
    const char *value = NULL, *sdk = ly_req_header(c->req, "x-amz-sdk-checksum-algorithm");
    char computed[CKSUM_B64_MAX];
    int rc = find_checksum(c, &alg, &value);
    if (rc == LY_EINVAL)
        return rc;
    if (sdk && cksum_alg_from_name(sdk, strlen(sdk), &sdk_alg) != 0) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "Value for x-amz-sdk-checksum-algorithm header is invalid.", NULL);
        return LY_EINVAL;
    }
    if (sdk && rc == LY_ENOENT) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "x-amz-sdk-checksum-algorithm specified, but no "
                 "corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
                 NULL);
        return LY_EINVAL;
    }
    if (sdk && sdk_alg != alg) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 ly_arena_printf(c->a,
                                 "Checksum Type mismatch occurred, expected checksum Type: "
                                 "%s, actual checksum Type: %s",
                                 lower(c, cksum_alg_name(sdk_alg)), lower(c, cksum_alg_name(alg))),
                 NULL);
        return LY_EINVAL;
    }
    if (!value) { /* nothing to verify: computed once the write goes ahead (s3_checksum_fill) */
        o->checksum_alg = cksum_alg_name(alg);
        o->checksum_value = NULL;
        return 0;
    }
    if (s3_body_cksum_b64(c, alg, computed) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return LY_ENOMEM;
    }
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n;
    if (cksum_b64_decode(value, strlen(value), raw, sizeof raw, &n) != 0 ||
        n != cksum_alg_digest_len(alg)) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 ly_arena_printf(c->a,
                                 "Value for %s header "
                                 "is invalid.",
                                 cksum_alg_header(alg)),
                 NULL);
        return LY_EINVAL;
    }
    if (strcmp(value, computed) != 0) {
        s3_error(c, AWS_S3_BAD_DIGEST, "Message",
                 ly_arena_printf(c->a,
                                 "The %s you specified did "
                                 "not match the calculated checksum.",
                                 cksum_alg_name(alg)),
                 NULL);
        return LY_ECOND;
    }
    o->checksum_alg = cksum_alg_name(alg);
    o->checksum_value = ly_arena_strdup(c->a, computed);
    if (!o->checksum_value) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return LY_ENOMEM;
    }
    /* PutObject echoes the checksum the client sent. */
    if (s3_header(c, cksum_alg_header(alg), computed) ||
        s3_header(c, "x-amz-checksum-type", "FULL_OBJECT"))
        return LY_ENOMEM;
    return 0;
}

int s3_checksum_fill(struct s3_call *c, struct store_obj *o)
{
    enum cksum_alg alg;
    char computed[CKSUM_B64_MAX];
    if (!o->checksum_alg || o->checksum_value)
        return 0;
    if (cksum_alg_from_name(o->checksum_alg, strlen(o->checksum_alg), &alg) != 0 ||
        s3_body_cksum_b64(c, alg, computed) != 0)
        return LY_EIO;
    o->checksum_value = ly_arena_strdup(c->a, computed);
    return o->checksum_value ? 0 : LY_ENOMEM;
}

int s3_checksum_headers(struct s3_call *c, const struct store_obj *o, int ranged)
{
    const char *mode = ly_req_header(c->req, "x-amz-checksum-mode");
    enum cksum_alg alg;
    if (ranged || !mode || strcasecmp(mode, "ENABLED") != 0 || !o->checksum_alg ||
        cksum_alg_from_name(o->checksum_alg, strlen(o->checksum_alg), &alg) != 0)
        return 0;
    if (s3_header(c, cksum_alg_header(alg), o->checksum_value) ||
        s3_header(c, "x-amz-checksum-type",
                  strchr(o->checksum_value, '-') ? "COMPOSITE" : "FULL_OBJECT"))
        return LY_ENOMEM;
    return 0;
}

int s3_checksum_part_or_reply(struct s3_call *c, const char *upload_alg, struct store_obj *part,
                              int *later)
{
    enum cksum_alg want, sent_alg;
    const char *sent = NULL;
    char computed[CKSUM_B64_MAX];
    int has = find_checksum(c, &sent_alg, &sent) == 0;
    if (s3_checksum_put_or_reply(c, part))
        return LY_EINVAL;
    if (!upload_alg || cksum_alg_from_name(upload_alg, strlen(upload_alg), &want) != 0)
        return 0;
    if (has && sent_alg != want) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 ly_arena_printf(c->a,
                                 "Checksum Type mismatch occurred, expected checksum Type: "
                                 "%s, actual checksum Type: %s",
                                 lower(c, upload_alg), lower(c, cksum_alg_name(sent_alg))),
                 NULL);
        return LY_EINVAL;
    }
    if (has)
        return 0; /* verified and echoed by s3_checksum_put_or_reply */
    if (later && !cksum_alg_is_crc(want) && c->req->body_blob &&
        c->req->body_len >= STORE_BLOB_MIN_BYTES) {
        *later = (int)want; /* a SHA of a large body in its file: hashed off the loop */
        return 0;
    }
    if (s3_body_cksum_b64(c, want, computed) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return LY_ENOMEM;
    }
    part->checksum_alg = cksum_alg_name(want);
    part->checksum_value = ly_arena_strdup(c->a, computed);
    if (!part->checksum_value || s3_header(c, cksum_alg_header(want), computed)) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return LY_ENOMEM;
    }
    return 0;
}
