/*
 * aws_chunked.h - decoder and encoder for `Content-Encoding: aws-chunked`
 * request bodies (S3 streaming uploads).
 *
 * Wire format (the outer HTTP Transfer-Encoding is already removed):
 *
 *     hex-size[;chunk-signature=<64 hex>]\r\n <data> \r\n     (repeated)
 *     0[;chunk-signature=<64 hex>]\r\n                         (final chunk)
 *     [\r\n]                      (AWS's signed-trailer example has this)
 *     name:value\r\n ...          (optional trailers, e.g. x-amz-checksum-crc32,
 *                                  x-amz-trailer-signature)
 *     \r\n                        (end; tolerated when missing at EOF)
 *
 * This is what botocore, aws-sdk-go-v2 and aws-sdk-js-v3 send for
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER ("<hex>\r\n<data>\r\n0\r\n
 * x-amz-checksum-crc32:<b64>\r\n\r\n") and what the S3 documentation shows
 * for the signed forms. The decoder is strict about sizes, CRLFs and
 * signatures and tolerant only where SDKs differ (final CRLF, blank line
 * before the trailers, spaces around a trailer value, unknown chunk
 * extensions, upper-case hex sizes).
 *
 * Pure: no I/O, no globals.
 */
#ifndef LOCKYARD_AWS_CHUNKED_H
#define LOCKYARD_AWS_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/buf.h"
#include "lockyard/checksum.h"
#include "lockyard/err.h"
#include "lockyard/sigv4.h"

#define CHUNKED_LINE_MAX 4096      /* one chunk-size line or trailer line */
#define CHUNKED_SIZE_DIGITS_MAX 16 /* hex digits of a chunk size */
#define CHUNKED_TRAILERS_MAX 8     /* trailers, x-amz-trailer-signature not counted */
#define CHUNKED_TRAILER_NAME_MAX 64
#define CHUNKED_TRAILER_VALUE_MAX 256

struct chunked_trailer {
    char name[CHUNKED_TRAILER_NAME_MAX + 1];   /* lowercased */
    char value[CHUNKED_TRAILER_VALUE_MAX + 1]; /* surrounding blanks trimmed */
};

/** What the decoder found besides the payload. Plain data, no cleanup. */
struct chunked_result {
    size_t decoded_len; /* payload bytes appended to the output */
    size_t chunk_count; /* data chunks, the final 0-size one not counted */
    int chunks_signed;  /* 1 if chunk-signature extensions were present */
    size_t trailer_count;
    struct chunked_trailer trailers[CHUNKED_TRAILERS_MAX];
    char trailer_signature[SIGV4_SIG_HEX_SIZE]; /* "" when none was sent */
};

struct chunked_opts {
    /* Payload cap; 0 means only the output buffer's own max_bytes applies. */
    size_t decoded_bytes_max;
    /* x-amz-decoded-content-length, or -1 when the request had none. */
    int64_t expected_len;
    /* x-amz-trailer value (e.g. "x-amz-checksum-crc32") that must be
     * present among the trailers, or NULL. */
    const char *expected_trailer;
    /*
     * NULL for unsigned bodies (STREAMING-UNSIGNED-PAYLOAD-TRAILER): any
     * chunk-signature is then ignored. Non-NULL (STREAMING-AWS4-HMAC-SHA256-
     * PAYLOAD[-TRAILER]): a chain started with sigv4_chunk_init from the
     * verified request; every chunk, the final one included, must carry a
     * matching chunk-signature, and when trailers are present a matching
     * x-amz-trailer-signature must follow them. The chain is advanced.
     */
    struct sigv4_chunk_signer *signer;
};

/**
 * Decodes a complete aws-chunked body, appending the payload to out (which
 * the caller initialised; it keeps ownership).
 * @param opts  may be NULL: no cap, no expectations, unsigned
 * @param res   filled on success (and partially on failure)
 * @return 0 on success, or
 *   LY_EINVAL   bad framing: non-hex or over-long size, bad extension,
 *               missing CRLF after data, malformed/duplicate/too many
 *               trailers, bytes after the end, expected trailer missing,
 *               chunk-signature or trailer signature missing when signed
 *               (S3: InvalidRequest / IncompleteSignature-like)
 *   LY_ERANGE   body ended early (size larger than what remains, no final
 *               chunk, cut trailer line) or decoded length differs from
 *               expected_len (S3: IncompleteBody)
 *   LY_ECOND    a chunk or trailer signature does not match
 *               (S3: SignatureDoesNotMatch)
 *   LY_ETOOBIG  payload over decoded_bytes_max or out's cap
 *               (S3: EntityTooLarge)
 *   LY_ENOMEM
 * On failure out may hold a partial payload; discard it.
 */
int chunked_decode(const void *body, size_t len, const struct chunked_opts *opts,
                   struct ly_buf *out, struct chunked_result *res) LY_WARN_UNUSED;

/*
 * The same decoder fed as the body arrives: chunked_stream_feed takes any split of the body
 * (a byte at a time gives the result of one call with everything), appends the payload to out
 * as it is framed, and hashes each chunk's data once for the chunk-signature chain when asked
 * to. The chain is checked at the end by chunked_stream_finish with the signer of the
 * authenticated request. So that a long body does not leave thousands of HMACs for that moment,
 * a signer derived from the request's head (before it is authenticated) can be given with
 * chunked_stream_sign_early: each chunk is then checked as it is framed, and the end only takes
 * the result, when its signer is the same one (else it checks the whole chain as before).
 * chunked_decode is this stream fed in one piece.
 */
enum chunked_stream_state {
    CHUNKED_S_SIZE,
    CHUNKED_S_DATA,
    CHUNKED_S_SKIP,
    CHUNKED_S_DATA_END,
    CHUNKED_S_TRAILER,
    CHUNKED_S_END,
    CHUNKED_S_FAILED
};

/** One chunk as framed: its chunk-signature ("" when none) and the hex SHA-256 of its data. */
struct chunked_sig_record {
    char sig[SIGV4_SIG_HEX_SIZE];
    char hash[SIGV4_SIG_HEX_SIZE];
};

struct chunked_stream {
    enum chunked_stream_state state;
    int rc;     /* the first error met (the stream stops there) */
    size_t cap; /* payload cap (decoded_bytes_max, or SIZE_MAX) */
    struct ly_buf *out;
    struct chunked_result res;
    char line[CHUNKED_LINE_MAX + 3];
    size_t line_len;
    int line_cr;        /* the line's CR was seen, its LF not yet */
    uint64_t data_left; /* of the current chunk (or of the one skipped) */
    char sig[SIGV4_SIG_HEX_SIZE];
    unsigned char end[2]; /* the CRLF after a chunk's data */
    size_t end_len;
    int blank_allowed;    /* the optional blank line before the trailers */
    int record;           /* keep chunk signatures and data hashes for verify */
    struct cksum_ctx sha; /* the current chunk's data */
    int sha_on;
    struct chunked_sig_record *recs;
    size_t nrecs, recs_cap;
    int early_on;                          /* chunked_stream_sign_early was called */
    int early_rc;                          /* its first failure (the chain stops there) */
    size_t nverified;                      /* records it checked and found right */
    struct sigv4_chunk_signer early_start; /* the signer as it was given */
    struct sigv4_chunk_signer early;       /* ... and after the records verified */
};

/** Starts a stream appending the payload to out. @return 0, LY_ENOMEM or LY_EIO */
int chunked_stream_init(struct chunked_stream *s, size_t decoded_bytes_max, int record_signatures,
                        struct ly_buf *out) LY_WARN_UNUSED;
/**
 * Checks the chunk-signature chain with signer as the chunks are framed (the stream must have
 * been started with record_signatures; call before feeding). chunked_stream_finish uses the
 * result only when its signer equals this one. A wrong chunk does not stop the stream: what is
 * reported, and when, stays as without this call.
 */
void chunked_stream_sign_early(struct chunked_stream *s, const struct sigv4_chunk_signer *signer);
/** Feeds the next bytes. @return 0, or the stream's first error (further bytes are ignored) */
int chunked_stream_feed(struct chunked_stream *s, const void *p, size_t n);
/**
 * Ends the body and checks it as chunked_decode does: the chunk-signature chain when signer is
 * set (the stream must have been started with record_signatures), the trailer signature, the
 * expected trailer and length. The trailers are in s->res. @return as chunked_decode
 */
int chunked_stream_finish(struct chunked_stream *s, struct sigv4_chunk_signer *signer,
                          const char *expected_trailer, int64_t expected_len) LY_WARN_UNUSED;
void chunked_stream_cleanup(struct chunked_stream *s);

/** Value of a decoded trailer by name (case-insensitive), or NULL. */
const char *chunked_result_trailer(const struct chunked_result *res, const char *name);

struct chunked_encode_opts {
    size_t chunk_bytes;         /* payload bytes per chunk, > 0 */
    int with_trailer;           /* 1: append the trailer checksum below */
    enum cksum_alg trailer_alg; /* x-amz-checksum-<alg> over the payload */
    /* NULL: unsigned framing (as the SDKs send with
     * STREAMING-UNSIGNED-PAYLOAD-TRAILER). Non-NULL: signed chunks and, with
     * a trailer, x-amz-trailer-signature; the chain is advanced. */
    struct sigv4_chunk_signer *signer;
};

/**
 * Frames payload as aws-chunked into out (appended). Size lines use
 * lowercase hex; the trailer, if any, follows the final chunk directly
 * ("0\r\nx-amz-checksum-crc32:...\r\n\r\n").
 * @return 0, LY_EINVAL (chunk_bytes 0 or bad alg), LY_ENOMEM, LY_ETOOBIG
 *         (out's cap), LY_EIO
 */
int chunked_encode(const void *payload, size_t len, const struct chunked_encode_opts *opts,
                   struct ly_buf *out) LY_WARN_UNUSED;

#endif
