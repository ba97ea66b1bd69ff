/*
 * body_digest.h - a request body taken as it arrives, in any split: kept (as sent, and decoded
 * when it is aws-chunked) and hashed in the same pass, each byte once per digest it needs -
 * MD5 and one flexible checksum of the payload, SHA-256 of the body as sent. Splitting the body
 * anywhere gives the result of feeding it whole.
 *
 * Pure: no I/O, no globals.
 */
#ifndef LOCKYARD_BODY_DIGEST_H
#define LOCKYARD_BODY_DIGEST_H

#include <stddef.h>

#include "lockyard/aws_chunked.h"
#include "lockyard/buf.h"
#include "lockyard/checksum.h"
#include "lockyard/httpmsg.h"

struct body_digest_opts {
    int md5;   /* MD5 of the payload (ETag, Content-MD5) */
    int cksum; /* a flexible checksum of the payload, alg: */
    enum cksum_alg alg;
    int sha256;               /* SHA-256 of the body as sent (x-amz-content-sha256) */
    int aws_chunked;          /* decode aws-chunked framing into the payload as it comes */
    int record_signatures;    /* keep what the chunk-signature chain needs (signed chunks) */
    size_t decoded_bytes_max; /* aws-chunked payload cap (chunked_opts.decoded_bytes_max) */
    int all_crcs; /* also every CRC of the payload (an UploadPart body: its upload's algorithm
                     is not known here, and completion combines the parts' CRCs) */
};

struct body_digest {
    struct body_digest_opts o;
    struct ly_buf *raw;        /* the body as sent, appended as it comes */
    struct ly_buf *payload;    /* aws_chunked: the decoded payload; else NULL (= raw) */
    struct chunked_stream *cs; /* aws_chunked: framing, trailers, its first error in cs->rc */
    struct cksum_ctx md5, ck, sha;
    int md5_on, ck_on, sha_on;
    struct cksum_ctx crc[3]; /* all_crcs: by enum cksum_alg (the one ck takes is not used) */
    int crc_on;
    int rc;                     /* the first failure to keep or hash (not framing) */
    struct ly_body_digests out; /* filled by body_digest_end */
};

/**
 * Starts a body. raw (and payload when o->aws_chunked) are the caller's, initialised with
 * their caps. @return 0, LY_EINVAL (bad alg) or LY_ENOMEM
 */
int body_digest_init(struct body_digest *d, const struct body_digest_opts *o, struct ly_buf *raw,
                     struct ly_buf *payload) LY_WARN_UNUSED;
/**
 * Takes the next bytes. aws-chunked framing errors stop the decoding (d->cs->rc) but not the
 * keeping of the raw body. @return 0, or LY_ENOMEM / LY_ETOOBIG / LY_EIO (nothing more is kept)
 */
int body_digest_feed(struct body_digest *d, const void *p, size_t n);
/**
 * Ends the body: d->out holds the digests asked for (none of the payload's when aws-chunked
 * decoding failed). Framing is checked by chunked_stream_finish(d->cs, ...). @return d->rc
 */
int body_digest_end(struct body_digest *d);
void body_digest_cleanup(struct body_digest *d);

#endif
