/*
 * httphead.h - checks an HTTP/1.x request head before libevent parses it (pure).
 *
 * libevent's HTTP server takes the first of several Content-Length headers, reads no body for
 * a Transfer-Encoding other than "chunked", answers its own HTML pages for malformed requests
 * and refuses chunk extensions. lockyard's connection guard (mock/net/guard.c) runs every
 * request head through httphead_check first and answers what it refuses in AWS's shape; the
 * heads it passes have exactly one way to find where their body ends.
 */
#ifndef LOCKYARD_HTTPHEAD_H
#define LOCKYARD_HTTPHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/aws_error.h"

#define HTTPHEAD_HEADERS_MAX 256

enum httphead_framing {
    HTTPHEAD_NO_BODY, /* neither Content-Length nor Transfer-Encoding */
    HTTPHEAD_LENGTH,  /* Content-Length: content_length bytes follow */
    HTTPHEAD_CHUNKED, /* Transfer-Encoding: chunked */
};

/** What a head is refused with: the S3 error (its status and message are the table's,
 *  lockyard/aws_error.h) and the header at fault. */
struct httphead_refusal {
    enum aws_err code;
    const char *header; /* the header at fault, or NULL */
};

struct httphead {
    enum httphead_framing framing;
    uint64_t content_length;
    size_t nheaders;
    int head_method;                 /* HEAD: no body is read whatever the headers say */
    struct httphead_refusal refusal; /* set when httphead_check fails */
};

/**
 * Checks the head text (request line and header lines, each ending in CRLF or LF, without the
 * empty line that ends the head): the request line is METHOD SP TARGET SP HTTP/1.0|1.1 with a
 * method lockyard serves; every header line is a token name, ':' and a value without control
 * characters (no folded lines); at most HTTPHEAD_HEADERS_MAX headers; at most one
 * Content-Length (digits) and one Transfer-Encoding ("chunked" only), never both, and neither
 * on HEAD. @return 0 with out filled, or LY_EINVAL with out->refusal set
 */
int httphead_check(const char *head, size_t len, struct httphead *out);

/**
 * Parses a chunk-size line without its line ending: 1*HEXDIG [ BWS ";" chunk-ext ], the
 * extensions ignored as RFC 9112 §7.1.1 allows. @return 0 and *size, or LY_EINVAL
 */
int httphead_chunk_size(const char *line, size_t len, uint64_t *size);

/**
 * Where a head ends in the n bytes at p: the first empty line (CRLF or LF). @return the bytes
 * through it, with *text_len the head text before the empty line; 0 when it is not there yet
 */
size_t httphead_end(const char *p, size_t n, size_t *text_len);

#endif
