/*
 * body.h - a request body the connection guard takes as it arrives (net only).
 *
 * libevent's HTTP server would buffer a whole body and hand it over at the end, where it was
 * copied into one piece and hashed two or three times on the event loop (a 200 MB PUT held
 * every other client for seconds). Instead the guard keeps each body itself: the bytes are
 * appended and hashed in the same pass as they come (lockyard/body_digest.h: MD5 and the
 * checksum the request needs, SHA-256 for a hex x-amz-content-sha256, aws-chunked decoding
 * with the hashes of its chunk-signature chain), and evhttp is given the head alone, without
 * its framing header, once the body is complete. serve() takes the body back by request
 * number and restores the framing header into the request.
 */
#ifndef LOCKYARD_NET_BODY_H
#define LOCKYARD_NET_BODY_H

#include "lockyard/body_digest.h"
#include "lockyard/httphead.h"
#include "lockyard/store_blob.h"

#include <event2/buffer.h>
#include <stdint.h>

struct server;

struct net_body {
    struct ly_buf raw;     /* the body as sent (HTTP chunked framing removed) */
    struct ly_buf payload; /* its aws-chunked payload, decoded as it came */
    struct body_digest dg;
    int aws_chunked;       /* decoded (dg.o.aws_chunked) */
    int expect_continue;   /* HTTP/1.1 with Expect: 100-continue */
    struct ly_buf head;    /* what evhttp is given: the head without its framing header */
    char framing_name[32]; /* that header as sent, restored into the request */
    char framing_value[96];
    uint32_t seq; /* the connection's request number (guard) */
    struct net_body *next;
    /* Spooled (a large PutObject body, see store_blob.h): raw holds at most the bytes not yet
     * written to blob file blob_id; once done the file is mapped read-only at map. */
    struct store *store;
    int spool_fd;
    char blob_id[STORE_BLOB_ID_LEN + 1]; /* "" when not spooled */
    uint64_t spooled;                    /* bytes written to the file */
    void *map;
};

/**
 * A body for a head httphead_check accepted as h (text_len bytes of lines, the empty line not
 * included). raw_max caps the body as sent. @return it, or NULL when out of memory
 */
struct net_body *net_body_new(const struct server *srv, const char *head, size_t text_len,
                              const struct httphead *h, uint64_t raw_max);
/** Takes n bytes off the front of src. @return 0, or LY_ENOMEM / LY_ETOOBIG / LY_EIO */
int net_body_take(struct net_body *b, struct evbuffer *src, size_t n);
/** A trailer line of the HTTP chunked framing (evhttp reads those as headers). */
int net_body_trailer(struct net_body *b, const char *line, size_t len);
/** The body is complete: the digests are computed and the head is ready. @return 0 or LY_E* */
int net_body_done(struct net_body *b);
void net_body_free(struct net_body *b);
/** net_body_free; a spooled body's file is removed unless blob_kept (a record refers to it). */
void net_body_release(struct net_body *b, int blob_kept);

#endif
