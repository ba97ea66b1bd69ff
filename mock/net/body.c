/*
 * body.c - request bodies kept and hashed as they arrive (body.h).
 */
#include "body.h"
#include "net_internal.h"
#include "lockyard/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAD_VALUE_MAX 256

/* The first line of head after the request line whose name is name: its value, trimmed, into
 * out (cut at out_size - 1). @return 1 found, 0 not */
static int head_value(const char *head, size_t len, const char *name, char *out, size_t out_size)
{
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', len), *end = head + len;
    while (p && ++p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1, *ve = le;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t n = (size_t)(ve - v) < out_size - 1 ? (size_t)(ve - v) : out_size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        p = eol;
    }
    return 0;
}

static int is_framing_line(const char *p, size_t n)
{
    return (n > 15 && strncasecmp(p, "content-length:", 15) == 0) ||
           (n > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0);
}

/* The head for evhttp: every line but the framing header, which is kept aside. */
static int split_head(struct net_body *b, const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    int rc = 0;
    while (!rc && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        if (p != head && is_framing_line(p, n)) {
            size_t name = (size_t)((const char *)memchr(p, ':', n) - p);
            char value[sizeof b->framing_value];
            memcpy(b->framing_name, p, name < sizeof b->framing_name ? name
                                                                     : sizeof b->framing_name - 1);
            if (!head_value(p - 1, n + 1, b->framing_name, value, sizeof value))
                value[0] = '\0';
            memcpy(b->framing_value, value, sizeof value);
        } else {
            rc = ly_buf_add(&b->head, p, n);
        }
        p += n;
    }
    return rc;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* The checksum a PUT is checked or stored with: the one sent (header or announced trailer),
 * else the default CRC64NVME. */
static enum cksum_alg put_alg(const char *head, size_t len)
{
    char v[HEAD_VALUE_MAX];
    enum cksum_alg alg;
    for (int a = 0; a < CKSUM_ALG_COUNT_; a++)
        if (head_value(head, len, cksum_alg_header((enum cksum_alg)a), v, sizeof v))
            return (enum cksum_alg)a;
    if (head_value(head, len, "x-amz-trailer", v, sizeof v) &&
        cksum_alg_from_header(v, strlen(v), &alg) == 0)
        return alg;
    return CKSUM_CRC64NVME;
}

/* Which digests the request will need, decided from its head as net and the handlers do. */
static void digest_opts(const struct server *srv, const char *head, size_t len,
                        struct body_digest_opts *o)
{
    char sha[HEAD_VALUE_MAX], ce[HEAD_VALUE_MAX], authz[16], v[8];
    int has_sha = head_value(head, len, "x-amz-content-sha256", sha, sizeof sha);
    enum sigv4_payload kind = sigv4_payload_kind(has_sha ? sha : NULL);
    int put = strncmp(head, "PUT ", 4) == 0;
    const char *target = strchr(head, ' ');
    memset(o, 0, sizeof *o);
    o->aws_chunked = (kind == SIGV4_PAYLOAD_STREAMING || kind == SIGV4_PAYLOAD_STREAMING_TRAILER ||
                      kind == SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER ||
                      (head_value(head, len, "Content-Encoding", ce, sizeof ce) &&
                       contains_nocase(ce, "aws-chunked"))) &&
                     !(target && strncmp(target + 1, "/_lockyard/", 11) == 0);
    o->record_signatures = o->aws_chunked && srv->opts.auth == SERVER_AUTH_SIGV4 &&
                           (kind == SIGV4_PAYLOAD_STREAMING ||
                            kind == SIGV4_PAYLOAD_STREAMING_TRAILER);
    o->decoded_bytes_max = (size_t)srv->opts.object_bytes_max + 1;
    o->sha256 = !o->aws_chunked &&
                (kind == SIGV4_PAYLOAD_SHA256 ||
                 (!has_sha && srv->opts.auth == SERVER_AUTH_SIGV4 &&
                  head_value(head, len, "Authorization", authz, sizeof authz) &&
                  strncasecmp(authz, "AWS4-", 5) == 0));
    o->md5 = put || head_value(head, len, "Content-MD5", v, sizeof v);
    o->cksum = put;
    o->alg = put ? put_alg(head, len) : CKSUM_CRC64NVME;
}

struct net_body *net_body_new(const struct server *srv, const char *head, size_t text_len,
                              const struct httphead *h, uint64_t raw_max)
{
    struct net_body *b = calloc(1, sizeof *b);
    char v[32];
    if (!b)
        return NULL;
    struct body_digest_opts o;
    digest_opts(srv, head, text_len, &o);
    ly_buf_init(&b->raw, raw_max);
    ly_buf_init(&b->payload, srv->opts.object_bytes_max + (1u << 20));
    ly_buf_init(&b->head, text_len + (64u << 10));
    b->aws_chunked = o.aws_chunked;
    const char *eol = memchr(head, '\n', text_len);
    const char *ver = eol && eol > head && eol[-1] == '\r' ? eol - 1 : eol;
    b->expect_continue = ver && ver - head >= 8 && memcmp(ver - 8, "HTTP/1.1", 8) == 0 &&
                         head_value(head, text_len, "Expect", v, sizeof v) &&
                         strcasecmp(v, "100-continue") == 0;
    if ((h->framing == HTTPHEAD_LENGTH &&
         ly_buf_reserve(&b->raw, (size_t)h->content_length) != 0) ||
        split_head(b, head, text_len) != 0 || body_digest_init(&b->dg, &o, &b->raw, &b->payload)) {
        ly_buf_cleanup(&b->raw);
        ly_buf_cleanup(&b->payload);
        ly_buf_cleanup(&b->head);
        free(b);
        return NULL;
    }
    return b;
}

int net_body_take(struct net_body *b, struct evbuffer *src, size_t n)
{
    struct evbuffer_iovec vec[16];
    int rc = 0;
    while (n > 0 && !rc) {
        int k = evbuffer_peek(src, (ev_ssize_t)n, NULL, vec, 16);
        size_t done = 0;
        for (int i = 0; i < k && i < 16 && done < n && !rc; i++) {
            size_t m = vec[i].iov_len < n - done ? vec[i].iov_len : n - done;
            rc = body_digest_feed(&b->dg, vec[i].iov_base, m);
            done += m;
        }
        evbuffer_drain(src, done);
        n -= done;
        if (done == 0)
            break;
    }
    return rc;
}

int net_body_trailer(struct net_body *b, const char *line, size_t len)
{
    int rc = ly_buf_add(&b->head, line, len);
    return rc ? rc : ly_buf_add(&b->head, "\r\n", 2);
}

int net_body_done(struct net_body *b)
{
    int rc = body_digest_end(&b->dg);
    return rc ? rc : ly_buf_add(&b->head, "\r\n", 2);
}

void net_body_free(struct net_body *b)
{
    if (!b)
        return;
    body_digest_cleanup(&b->dg);
    ly_buf_cleanup(&b->raw);
    ly_buf_cleanup(&b->payload);
    ly_buf_cleanup(&b->head);
    free(b);
}
