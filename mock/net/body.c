/*
 * body.c - request bodies kept and hashed as they arrive (body.h).
 */
#include "body.h"
#include "net_internal.h"
#include "lockyard/aws_chunked.h"
#include "lockyard/sigv4.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

/* The headers a body's digests depend on, found in one pass over the head. */
enum {
    H_SHA,
    H_CE,
    H_AUTHZ,
    H_MD5,
    H_TRAILER,
    H_EXPECT,
    H_AMZDATE,
    H_CKSUM,
    H_COUNT = H_CKSUM + CKSUM_ALG_COUNT_
};

struct head_facts {
    const char *v[H_COUNT]; /* the first value of each (trimmed, not NUL-terminated) */
    size_t n[H_COUNT];
};

/* A header line's value, trimmed of blanks (and the CR). */
static void line_value(const char *p, const char *le, const char **v, size_t *n)
{
    const char *x = p, *e = le;
    while (x < e && (*x == ' ' || *x == '\t'))
        x++;
    while (e > x && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *v = x;
    *n = (size_t)(e - x);
}

#define NAME(s)         \
    {                   \
        s, sizeof s - 1 \
    }
_Static_assert(CKSUM_ALG_COUNT_ == 5, "head_scan names every x-amz-checksum-* header");

static void head_scan(const char *head, size_t len, struct head_facts *f)
{
    static const struct {
        const char *s;
        size_t n;
    } names[H_COUNT] = {
        NAME("x-amz-content-sha256"),
        NAME("content-encoding"),
        NAME("authorization"),
        NAME("content-md5"),
        NAME("x-amz-trailer"),
        NAME("expect"),
        NAME("x-amz-date"),
        /* H_CKSUM + enum cksum_alg, as cksum_alg_header names them */
        NAME("x-amz-checksum-crc32"),
        NAME("x-amz-checksum-crc32c"),
        NAME("x-amz-checksum-crc64nvme"),
        NAME("x-amz-checksum-sha1"),
        NAME("x-amz-checksum-sha256"),
    };
    const char *p = memchr(head, '\n', len), *end = head + len;
    memset(f, 0, sizeof *f);
    while (p && ++p < end) {
        const char *le = memchr(p, '\n', (size_t)(end - p)), *eol = le ? le : end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        size_t nl = colon ? (size_t)(colon - p) : 0;
        for (int i = 0; colon && i < H_COUNT; i++)
            if (!f->v[i] && names[i].n == nl && strncasecmp(p, names[i].s, nl) == 0)
                line_value(colon + 1, eol, &f->v[i], &f->n[i]);
        p = le;
    }
}

static int value_is(const struct head_facts *f, int h, const char *s)
{
    return f->v[h] && f->n[h] == strlen(s) && strncasecmp(f->v[h], s, f->n[h]) == 0;
}

static int is_framing_line(const char *p, size_t n)
{
    return (n > 15 && strncasecmp(p, "content-length:", 15) == 0) ||
           (n > 18 && strncasecmp(p, "transfer-encoding:", 18) == 0);
}

/* The head for evhttp: every line but the framing header, which is kept aside (the lines
 * before and after it added in one piece each). */
static int split_head(struct net_body *b, const char *head, size_t len)
{
    const char *p = head, *end = head + len, *run = head;
    int rc = 0;
    while (!rc && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
        if (p != head && is_framing_line(p, n)) {
            const char *colon = memchr(p, ':', n), *v;
            size_t name = (size_t)(colon - p), vn;
            memcpy(b->framing_name, p,
                   name < sizeof b->framing_name ? name : sizeof b->framing_name - 1);
            line_value(colon + 1, eol ? eol : end, &v, &vn);
            vn = vn < sizeof b->framing_value ? vn : sizeof b->framing_value - 1;
            memcpy(b->framing_value, v, vn);
            rc = ly_buf_add(&b->head, run, (size_t)(p - run));
            run = p + n;
        }
        p += n;
    }
    return rc ? rc : ly_buf_add(&b->head, run, (size_t)(end - run));
}

static int contains_nocase(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

/* The checksum a PUT is checked or stored with: the one sent (header or announced trailer),
 * else the default CRC64NVME. */
static enum cksum_alg put_alg(const struct head_facts *f)
{
    enum cksum_alg alg;
    for (int a = 0; a < CKSUM_ALG_COUNT_; a++)
        if (f->v[H_CKSUM + a])
            return (enum cksum_alg)a;
    if (f->v[H_TRAILER] && cksum_alg_from_header(f->v[H_TRAILER], f->n[H_TRAILER], &alg) == 0)
        return alg;
    return CKSUM_CRC64NVME;
}

enum put_kind { PUT_OTHER, PUT_OBJECT, PUT_PART };

/* What a PUT's query makes it: PutObject (none, or only x-id: the AWS SDKs add ?x-id=PutObject),
 * UploadPart (partNumber and uploadId, and x-id), or something else. */
static enum put_kind put_query_kind(const char *q, const char *end)
{
    int part = 0, upload = 0;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q)), *e = amp ? amp : end;
        size_t n = (size_t)(e - q);
        if (n >= 11 && strncmp(q, "partNumber=", 11) == 0)
            part++;
        else if (n >= 9 && strncmp(q, "uploadId=", 9) == 0)
            upload++;
        else if (!(n >= 5 && strncmp(q, "x-id=", 5) == 0))
            return PUT_OTHER;
        q = e + (amp != NULL);
    }
    return part == 0 && upload == 0 ? PUT_OBJECT : part == 1 && upload == 1 ? PUT_PART : PUT_OTHER;
}

/* A PUT of an object or a part: its target is not "/" or the admin API, its query one of
 * put_query_kind's; PUT_OTHER for every other request. */
static enum put_kind put_kind(const char *head, size_t text_len)
{
    const char *eol = memchr(head, '\n', text_len), *t = head + 4, *end;
    if (!eol || strncmp(head, "PUT /", 5) != 0)
        return PUT_OTHER;
    end = memchr(t, ' ', (size_t)(eol - t));
    if (!end || strncmp(t, "/_lockyard/", 11) == 0 || t[1] == ' ' || t[1] == '?')
        return PUT_OTHER;
    const char *q = memchr(t, '?', (size_t)(end - t));
    return q ? put_query_kind(q + 1, end) : PUT_OBJECT;
}

/*
 * Whether the body goes to a blob file as it comes: a PutObject or UploadPart (put_kind) whose
 * Content-Length is at least STORE_BLOB_MIN_BYTES. An aws-chunked body's decoded payload is
 * what goes to the file. Any other handler that is given such a body (UploadPartCopy has none)
 * reads it through the file's mapping.
 */
static int spools(enum put_kind kind, const struct httphead *h)
{
    return h->framing == HTTPHEAD_LENGTH && h->content_length >= STORE_BLOB_MIN_BYTES &&
           kind != PUT_OTHER;
}

/*
 * Which digests the request will need, decided from its head as net and the handlers do. A
 * body announced smaller than BODY_HASH_MIN_BYTES is left to the handler, which hashes it in
 * well under a millisecond and only when it needs to (a PutObject refused 412 never does).
 */
#define BODY_HASH_MIN_BYTES (256u << 10)
/* A spooled body is written to its file in pieces of about this size. */
#define SPOOL_WRITE_BYTES (256u << 10)

static void digest_opts(const struct server *srv, const char *head, enum put_kind pk,
                        const struct head_facts *f, const struct httphead *h,
                        struct body_digest_opts *o)
{
    int hash = h->framing != HTTPHEAD_LENGTH || h->content_length >= BODY_HASH_MIN_BYTES;
    char sha[80];
    size_t n = f->v[H_SHA] && f->n[H_SHA] < sizeof sha ? f->n[H_SHA] : 0;
    memcpy(sha, f->v[H_SHA] ? f->v[H_SHA] : "", n);
    sha[n] = '\0';
    enum sigv4_payload kind = f->v[H_SHA] && f->n[H_SHA] < sizeof sha ? sigv4_payload_kind(sha)
                                                                      : SIGV4_PAYLOAD_INVALID;
    int put = strncmp(head, "PUT ", 4) == 0;
    const char *target = strchr(head, ' ');
    memset(o, 0, sizeof *o);
    o->aws_chunked = (kind == SIGV4_PAYLOAD_STREAMING || kind == SIGV4_PAYLOAD_STREAMING_TRAILER ||
                      kind == SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER ||
                      (f->v[H_CE] && contains_nocase(f->v[H_CE], f->n[H_CE], "aws-chunked"))) &&
                     !(target && strncmp(target + 1, "/_lockyard/", 11) == 0);
    o->record_signatures =
        o->aws_chunked && srv->opts.auth == SERVER_AUTH_SIGV4 &&
        (kind == SIGV4_PAYLOAD_STREAMING || kind == SIGV4_PAYLOAD_STREAMING_TRAILER);
    o->decoded_bytes_max = (size_t)srv->opts.object_bytes_max + 1;
    o->sha256 = !o->aws_chunked &&
                (kind == SIGV4_PAYLOAD_SHA256 ||
                 (!f->v[H_SHA] && srv->opts.auth == SERVER_AUTH_SIGV4 && f->v[H_AUTHZ] &&
                  f->n[H_AUTHZ] >= 5 && strncasecmp(f->v[H_AUTHZ], "AWS4-", 5) == 0));
    o->sha256 = o->sha256 && hash;
    o->md5 = hash && (put || f->v[H_MD5]);
    o->cksum = hash && put;
    o->alg = put ? put_alg(f) : CKSUM_CRC64NVME;
    o->all_crcs = o->cksum && pk == PUT_PART;
}

/* Writes what the body holds (the payload of an aws-chunked one, whose framing is not kept) to
 * the blob file: at least min bytes of it, else nothing yet. */
static int spool_flush(struct net_body *b, size_t min)
{
    struct ly_buf *src = b->aws_chunked ? &b->payload : &b->raw;
    size_t done = 0;
    if (b->aws_chunked)
        b->raw.len = 0; /* decoded as it came (the chunk signatures are kept by the stream) */
    if (src->len < min || src->len == 0)
        return 0;
    while (done < src->len) {
        ssize_t n = write(b->spool_fd, src->data + done, src->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LY_EIO; /* a full disk: the request is refused */
        done += (size_t)n;
    }
    b->spooled += done;
    src->len = 0;
    return 0;
}

struct net_body *net_body_new(const struct server *srv, const char *head, size_t text_len,
                              const struct httphead *h, uint64_t raw_max)
{
    struct net_body *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    struct head_facts f;
    struct body_digest_opts o;
    /* What the PUT is, worked out once, for the bodies whose digests or spooling ask */
    enum put_kind kind = h->framing != HTTPHEAD_LENGTH ||
                                 h->content_length >= BODY_HASH_MIN_BYTES ||
                                 h->content_length >= STORE_BLOB_MIN_BYTES
                             ? put_kind(head, text_len)
                             : PUT_OTHER;
    head_scan(head, text_len, &f);
    digest_opts(srv, head, kind, &f, h, &o);
    ly_buf_init(&b->raw, raw_max);
    ly_buf_init(&b->payload, srv->opts.object_bytes_max + (1u << 20));
    ly_buf_init(&b->head, text_len + (64u << 10));
    b->aws_chunked = o.aws_chunked;
    b->spool_fd = -1;
    if (srv->store && spools(kind, h) &&
        store_blob_create(srv->store, b->blob_id, &b->spool_fd) == 0)
        b->store = srv->store;
    const char *eol = memchr(head, '\n', text_len);
    const char *ver = eol && eol > head && eol[-1] == '\r' ? eol - 1 : eol;
    b->expect_continue = ver && ver - head >= 8 && memcmp(ver - 8, "HTTP/1.1", 8) == 0 &&
                         value_is(&f, H_EXPECT, "100-continue");
    if ((h->framing == HTTPHEAD_LENGTH &&
         ly_buf_reserve(&b->raw, b->store ? SPOOL_WRITE_BYTES : (size_t)h->content_length) != 0) ||
        ly_buf_reserve(&b->head, text_len + 2) != 0 || split_head(b, head, text_len) != 0 ||
        body_digest_init(&b->dg, &o, &b->raw, &b->payload)) {
        ly_buf_cleanup(&b->raw);
        ly_buf_cleanup(&b->payload);
        ly_buf_cleanup(&b->head);
        net_body_release(b, 0);
        return NULL;
    }
    struct sigv4_chunk_signer early; /* chunks checked as they come, when the head says how */
    if (o.record_signatures && b->dg.cs && f.v[H_AUTHZ] && f.v[H_AMZDATE]) {
        if (net_auth_early_chunk_signer(srv, f.v[H_AUTHZ], f.n[H_AUTHZ], f.v[H_AMZDATE],
                                        f.n[H_AMZDATE], &early) == 0)
            chunked_stream_sign_early(b->dg.cs, &early);
        OPENSSL_cleanse(&early, sizeof early);
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
        if (!rc && b->store)
            rc = spool_flush(b, SPOOL_WRITE_BYTES);
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

/* The last bytes go to the file, which is then mapped for handlers that read the body. */
static int spool_end(struct net_body *b)
{
    int rc = spool_flush(b, 0);
    if (close(b->spool_fd) != 0 && !rc)
        rc = LY_EIO;
    b->spool_fd = -1;
    if (rc || b->spooled == 0)
        return rc;
    int fd;
    rc = store_blob_open(b->store, b->blob_id, &fd);
    if (rc)
        return rc;
    void *m = mmap(NULL, b->spooled, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    b->map = m == MAP_FAILED ? NULL : m;
    return b->map ? 0 : LY_ENOMEM;
}

int net_body_done(struct net_body *b)
{
    int rc = body_digest_end(&b->dg);
    if (!rc && b->store)
        rc = spool_end(b);
    return rc ? rc : ly_buf_add(&b->head, "\r\n", 2);
}

/* Giving 200 MB back to the system takes 15-25 ms (munmap of every page): a buffer that large
 * is freed by a short-lived thread of its own, off the event loop. */
#define FREE_APART_BYTES (16u << 20)

static void *free_apart(void *p)
{
    free(p);
    return NULL;
}

static void buf_release(struct ly_buf *b)
{
    pthread_attr_t attr;
    pthread_t t;
    if (b->cap >= FREE_APART_BYTES && pthread_attr_init(&attr) == 0) {
        int ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                 pthread_create(&t, &attr, free_apart, b->data) == 0;
        pthread_attr_destroy(&attr);
        if (ok) {
            b->data = NULL;
            b->len = b->cap = 0;
            return;
        }
    }
    ly_buf_cleanup(b);
}

void net_body_free(struct net_body *b)
{
    net_body_release(b, 0);
}

void net_body_release(struct net_body *b, int blob_kept)
{
    if (!b)
        return;
    if (b->map)
        munmap(b->map, b->spooled);
    if (b->spool_fd >= 0)
        close(b->spool_fd);
    if (b->store && !blob_kept)
        store_blob_discard(b->store, b->blob_id);
    body_digest_cleanup(&b->dg);
    buf_release(&b->raw);
    buf_release(&b->payload);
    ly_buf_cleanup(&b->head);
    free(b);
}
