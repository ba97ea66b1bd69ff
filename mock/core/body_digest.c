/*
 * body_digest.c - a request body kept and hashed as it arrives (see body_digest.h).
 */
#include "lockyard/body_digest.h"

#include <stdlib.h>
#include <string.h>

int body_digest_init(struct body_digest *d, const struct body_digest_opts *o, struct ly_buf *raw,
                     struct ly_buf *payload)
{
    memset(d, 0, sizeof *d);
    d->o = *o;
    d->raw = raw;
    d->payload = o->aws_chunked ? payload : NULL;
    d->out.cksum_alg = -1;
    int rc = 0;
    if (o->aws_chunked && !payload)
        return LY_EINVAL;
    if (o->aws_chunked) /* apart: its line buffer and trailers are 7 KB most bodies never need */
        rc = (d->cs = malloc(sizeof *d->cs)) == NULL
                 ? LY_ENOMEM
                 : chunked_stream_init(d->cs, o->decoded_bytes_max, o->record_signatures, payload);
    if (!rc && o->md5 && (rc = cksum_init_md5(&d->md5)) == 0)
        d->md5_on = 1;
    /* x-amz-checksum-sha256 of a body sent as is is the SHA-256 already taken: hashed once. */
    int ck_is_sha = o->cksum && o->alg == CKSUM_SHA256 && o->sha256 && !o->aws_chunked;
    if (!rc && o->cksum && !ck_is_sha && (rc = cksum_init(&d->ck, o->alg)) == 0)
        d->ck_on = 1;
    if (!rc && o->sha256 && (rc = cksum_init(&d->sha, CKSUM_SHA256)) == 0)
        d->sha_on = 1;
    for (int a = CKSUM_CRC32; !rc && o->all_crcs && a <= CKSUM_CRC64NVME; a++)
        rc = cksum_init(&d->crc[a], (enum cksum_alg)a); /* CRCs hold no resources */
    d->crc_on = !rc && o->all_crcs;
    if (rc)
        body_digest_cleanup(d);
    return rc;
}

/* The payload digests over bytes of the payload. */
static int hash_payload(struct body_digest *d, const void *p, size_t n)
{
    int rc = 0;
    if (d->md5_on)
        rc = cksum_update(&d->md5, p, n);
    if (!rc && d->ck_on)
        rc = cksum_update(&d->ck, p, n);
    for (int a = CKSUM_CRC32; !rc && d->crc_on && a <= CKSUM_CRC64NVME; a++)
        if (!d->ck_on || d->o.alg != (enum cksum_alg)a)
            rc = cksum_update(&d->crc[a], p, n);
    return rc;
}

int body_digest_feed(struct body_digest *d, const void *p, size_t n)
{
    if (d->rc || n == 0)
        return d->rc;
    int rc = ly_buf_add(d->raw, p, n);
    if (!rc && d->sha_on)
        rc = cksum_update(&d->sha, p, n);
    if (!rc && !d->payload) {
        rc = hash_payload(d, p, n);
    } else if (!rc && d->cs->state != CHUNKED_S_FAILED) {
        size_t before = d->payload->len;
        (void)chunked_stream_feed(d->cs, p, n); /* a framing error is kept in cs->rc */
        rc = hash_payload(d, d->payload->data + before, d->payload->len - before);
    }
    d->rc = rc;
    return rc;
}

static int final_into(struct cksum_ctx *c, int *on, uint8_t *raw, size_t *n)
{
    int rc = cksum_final(c, raw, n);
    *on = 0;
    return rc;
}

int body_digest_end(struct body_digest *d)
{
    uint8_t raw[CKSUM_DIGEST_MAX];
    size_t n = 0;
    int payload_ok = !d->payload || d->cs->state != CHUNKED_S_FAILED;
    if (!d->rc && d->crc_on && payload_ok) { /* ck's CRC is taken from ck (not final yet) */
        for (int a = CKSUM_CRC32; a <= CKSUM_CRC64NVME; a++)
            d->out.crcs[a] = d->ck_on && d->o.alg == (enum cksum_alg)a ? d->ck.crc : d->crc[a].crc;
        d->out.has_crcs = 1;
    }
    if (!d->rc && d->md5_on && (d->rc = final_into(&d->md5, &d->md5_on, raw, &n)) == 0 &&
        payload_ok) {
        memcpy(d->out.md5, raw, sizeof d->out.md5);
        d->out.has_md5 = 1;
    }
    if (!d->rc && d->ck_on && (d->rc = final_into(&d->ck, &d->ck_on, raw, &n)) == 0 && payload_ok &&
        (d->rc = cksum_b64_encode(raw, n, d->out.cksum_b64, sizeof d->out.cksum_b64)) == 0)
        d->out.cksum_alg = (int)d->o.alg;
    if (!d->rc && d->sha_on && (d->rc = final_into(&d->sha, &d->sha_on, raw, &n)) == 0) {
        cksum_hex(raw, n, d->out.sha256_hex);
        d->out.has_sha256 = 1;
        if (d->o.cksum && d->o.alg == CKSUM_SHA256 && !d->payload &&
            (d->rc = cksum_b64_encode(raw, n, d->out.cksum_b64, sizeof d->out.cksum_b64)) == 0)
            d->out.cksum_alg = CKSUM_SHA256;
    }
    return d->rc;
}

void body_digest_cleanup(struct body_digest *d)
{
    if (d->md5_on)
        cksum_cleanup(&d->md5);
    if (d->ck_on)
        cksum_cleanup(&d->ck);
    if (d->sha_on)
        cksum_cleanup(&d->sha);
    d->md5_on = d->ck_on = d->sha_on = 0;
    if (d->cs)
        chunked_stream_cleanup(d->cs);
    free(d->cs);
    d->cs = NULL;
}
