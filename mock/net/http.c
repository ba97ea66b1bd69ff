/*
 * http.c - evhttp request → struct ly_req, routing by service, and exactly one
 * reply per request (struct ly_resp → evhttp).
 */
#include "net_internal.h"
#include "body.h"
#include "lockyard/check.h"
#include "lockyard/pct.h"

#include <event2/buffer.h>
#include <event2/http_struct.h> /* the request's HTTP version */
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <jansson.h>
#include "lockyard/sts.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ARENA_BYTES_MAX (64u << 20)
#define REQ_HEADERS_MAX 256
#define RESP_XML_BYTES_MAX (256u << 20)

static enum ly_method method_of(enum evhttp_cmd_type t, const char **name)
{
    switch (t) {
    case EVHTTP_REQ_GET: *name = "GET"; return LY_GET;
    case EVHTTP_REQ_HEAD: *name = "HEAD"; return LY_HEAD;
    case EVHTTP_REQ_PUT: *name = "PUT"; return LY_PUT;
    case EVHTTP_REQ_POST: *name = "POST"; return LY_POST;
    case EVHTTP_REQ_DELETE: *name = "DELETE"; return LY_DELETE;
    case EVHTTP_REQ_OPTIONS: *name = "OPTIONS"; return LY_OPTIONS;
    case EVHTTP_REQ_PATCH: *name = "PATCH"; return LY_PATCH;
    default: *name = "OTHER"; return LY_OTHER;
    }
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The request id (16 of [0-9A-Z]) and the host id (the base64 form of 32 opaque bytes: 43
 * characters of the base64 alphabet, the last carrying 4 bits, and "="), both different for
 * every request: mixed from the server's seed and request count (a SHA-256 per request cost 9k
 * instructions, 7% of a PutObject; the host id is drawn in its printed form, not encoded). */
static void make_ids(struct server *srv, struct ly_req *req)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t x = ((uint64_t)srv->id_seed << 32) ^ ++srv->request_count * 0x9E3779B97F4A7C15ull;
    uint64_t mix = x;
    char *id = ly_arena_alloc(req->arena, 17);
    char *host = ly_arena_alloc(req->arena, 45);
    if (!id || !host) {
        req->request_id = "0000000000000000";
        req->host_id = "";
        return;
    }
    for (int i = 0; i < 16; i++) {
        id[i] = alnum[x % 36];
        x = x / 36 ^ (x << 29);
    }
    id[16] = '\0';
    for (int w = 0; w < 4; w++) { /* ten characters from each of four mixed words */
        uint64_t v = splitmix64(&mix);
        for (int j = 0; j < 10; j++, v >>= 6)
            host[w * 10 + j] = b64[v & 63];
    }
    uint64_t v = splitmix64(&mix);
    host[40] = b64[v & 63];
    host[41] = b64[v >> 6 & 63];
    host[42] = b64[v >> 12 & 0x3c]; /* the last: 4 bits, then two zero bits */
    memcpy(host + 43, "=", 2);
    req->request_id = id;
    req->host_id = host;
}

/* Copies headers into the arena array, with the framing header the guard kept aside for a
 * body it took (body.h); 0 or LY_ETOOBIG / LY_ENOMEM. */
static int collect_headers(struct evhttp_request *ev, struct ly_req *req,
                           const struct net_body *body)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
    size_t n = 0;
    struct evkeyval *kv;
    for (kv = in->tqh_first; kv; kv = kv->next.tqe_next)
        n++;
    if (n > REQ_HEADERS_MAX)
        return LY_ETOOBIG;
    struct ly_hdr *h = ly_arena_calloc(req->arena, (n + 2) * sizeof *h);
    if (!h)
        return LY_ENOMEM;
    n = 0;
    if (body && body->framing_name[0]) {
        h[n].name = body->framing_name; /* copied below with the others */
        h[n++].value = body->framing_value;
    }
    for (kv = in->tqh_first; kv; kv = kv->next.tqe_next) {
        h[n].name = kv->key;
        h[n++].value = kv->value;
    }
    size_t bytes = 0; /* every name and value copied into one piece of the arena */
    for (size_t i = 0; i < n; i++)
        bytes += strlen(h[i].name) + strlen(h[i].value) + 2;
    char *w = ly_arena_alloc(req->arena, bytes ? bytes : 1);
    if (!w)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(h[i].name) + 1, vl = strlen(h[i].value) + 1;
        h[i].name = memcpy(w, h[i].name, nl);
        h[i].value = memcpy(w + nl, h[i].value, vl);
        w += nl + vl;
    }
    req->hdrs = h;
    req->nhdrs = n;
    ly_req_index_headers(req);
    return 0;
}

/* Virtual-hosted style: "bucket.localhost[:port]", "bucket.s3.localhost", "bucket.s3.….amazonaws.com". */
static const char *vhost_bucket(struct ly_arena *a, const char *host)
{
    if (!host)
        return NULL;
    size_t n = strcspn(host, ":");
    const char *suffixes[] = {".s3.localhost", ".localhost", ".amazonaws.com"};
    for (size_t i = 0; i < LY_ARRAY_LEN(suffixes); i++) {
        size_t m = strlen(suffixes[i]);
        if (n <= m || strncasecmp(host + n - m, suffixes[i], m) != 0)
            continue;
        size_t blen = n - m;
        if (i == 2) { /* bucket.s3[.-]region.amazonaws.com */
            const char *s3 = strstr(host, ".s3.");
            const char *s3d = strstr(host, ".s3-");
            const char *cut = s3 && (!s3d || s3 < s3d) ? s3 : s3d;
            if (!cut || cut == host)
                return NULL;
            blen = (size_t)(cut - host);
        }
        return ly_arena_strndup(a, host, blen);
    }
    return NULL;
}

/* Splits the path into bucket and key (decoded). 0, or LY_EINVAL for a bad escape. */
int net_route_s3(struct ly_req *req)
{
    const char *p = req->raw_path;
    if (*p == '/')
        p++;
    const char *vb = vhost_bucket(req->arena, ly_req_header(req, "Host"));
    size_t plen = strlen(p);
    if (vb) {
        req->bucket = vb;
    } else if (*p) {
        size_t bl = strcspn(p, "/");
        char *b = ly_arena_alloc(req->arena, bl + 1);
        if (!b || ly_pct_decode(p, bl, b, bl + 1, LY_PCT_REFUSE_NUL) < 0)
            return LY_EINVAL;
        req->bucket = b;
        p += bl;
        plen -= bl;
        if (*p == '/') {
            p++;
            plen--;
        }
    }
    if (req->bucket && plen > 0) {
        char *k = ly_arena_alloc(req->arena, plen + 1);
        if (!k || ly_pct_decode(p, plen, k, plen + 1, LY_PCT_REFUSE_NUL) < 0)
            return LY_EINVAL;
        req->key = k;
    }
    return 0;
}

static void free_body(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* The answer headers libevent reads back from the list (framing, Date, Connection): each stays
 * an entry of its own, so evhttp finds, replaces or adds them as it always did. Content-Type is
 * not one: evhttp looks for it only to add its default content type, and the server sets none
 * (evhttp_set_default_content_type(NULL) in server.c), so it joins the entries around it. */
static int evhttp_reads_n(const char *name, size_t n)
{
    switch (name[0] | 0x20) { /* by the name's length first: Content-Type is in most answers */
    case 'c':
        return (n == 14 && strcasecmp(name, "Content-Length") == 0) ||
               (n == 10 && strcasecmp(name, "Connection") == 0);
    case 'd': return n == 4 && strcasecmp(name, "Date") == 0;
    case 't': return n == 17 && strcasecmp(name, "Transfer-Encoding") == 0;
    case 'p': return n == 16 && strcasecmp(name, "Proxy-Connection") == 0;
    default: return 0;
    }
}

static int evhttp_reads(const char *name)
{
    return evhttp_reads_n(name, strlen(name));
}

/* evhttp_add_header's own test: no CR or LF in a name, in a value only before a folded line's
 * blank. A header it would refuse is left out here too. */
static int header_ok(const struct ly_hdr *h)
{
    if (strpbrk(h->name, "\r\n"))
        return 0;
    for (const char *p = h->value; (p = strpbrk(p, "\r\n")) != NULL;) {
        p += strspn(p, "\r\n");
        if (*p != ' ' && *p != '\t')
            return 0;
    }
    return 1;
}

/*
 * Headers h[0..n) (checked, none that evhttp reads back) as one entry of evhttp's list: the
 * first name, and as its value the first value followed by "\r\nName: value" for the others.
 * evhttp writes every entry as "%s: %s\r\n", so the bytes sent are those of n entries, at one
 * entry's allocations and one formatting call instead of n. libevent frees the entry's key,
 * value and itself with free() (no custom allocator is installed).
 */
static int add_joined(struct evkeyvalq *out, const struct ly_hdr *h, size_t n)
{
    size_t len = strlen(h[0].value) + 1;
    for (size_t i = 1; i < n; i++)
        len += 4 + strlen(h[i].name) + strlen(h[i].value);
    struct evkeyval *kv = malloc(sizeof *kv);
    char *key = strdup(h[0].name), *value = malloc(len), *w = value;
    if (!kv || !key || !value) {
        free(kv);
        free(key);
        free(value);
        return -1;
    }
    w = stpcpy(w, h[0].value);
    for (size_t i = 1; i < n; i++)
        w = stpcpy(stpcpy(stpcpy(stpcpy(w, "\r\n"), h[i].name), ": "), h[i].value);
    kv->key = key;
    kv->value = value;
    kv->next.tqe_next = NULL; /* TAILQ_INSERT_TAIL, as evhttp_add_header links its entries */
    kv->next.tqe_prev = out->tqh_last;
    *out->tqh_last = kv;
    out->tqh_last = &kv->next.tqe_next;
    return 0;
}

/* evhttp's Date header (HTTP/1.1 answers without one), formatted once a second. */
static const char *date_now(void)
{
    static _Thread_local char date[64];
    static _Thread_local time_t at = -1;
    time_t now = time(NULL);
    struct tm tm;
    if (now != at && gmtime_r(&now, &tm) && evutil_date_rfc1123(date, sizeof date, &tm) > 0)
        at = now;
    return at == now ? date : NULL;
}

/* libevent 2.1's reason phrase (evhttp_response_phrase_internal) for each status lockyard
 * answers with; NULL for any other (libevent then picks its own). test_http_phrase checks this
 * table against libevent's. */
const char *net_reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 416: return "Requested range not satisfiable";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return NULL;
    }
}

/* A header joinable into another entry (none that evhttp reads back, none it would refuse):
 * its name's and value's lengths, or 0 for one that is not. */
static int joinable(const struct ly_hdr *h, size_t *nl, size_t *vl)
{
    *nl = strcspn(h->name, "\r\n");
    *vl = strcspn(h->value, "\r\n");
    if (h->name[*nl] || evhttp_reads_n(h->name, *nl))
        return 0;
    if (h->value[*vl]) /* a folded line evhttp takes, or a break it refuses: rare */
        *vl = header_ok(h) ? strlen(h->value) : 0;
    return h->value[*vl] == '\0';
}

/*
 * The status line's reason with the leading headers h[0..*n) (those evhttp need not see in its
 * list) after it: evhttp writes "HTTP/1.1 <status> <reason>\r\n", so "OK\r\nName: value..."
 * sends the same bytes as the phrase followed by those entries, with no entry of their own and
 * no formatting call each. NULL (and *n = 0) when the status has no known phrase, no header
 * leads, or the arena is full: then every header goes to the list.
 */
static const char *reason_with_headers(struct ly_arena *a, const struct ly_resp *resp, size_t *n)
{
    const char *phrase = net_reason_phrase(resp->status);
    size_t k = 0, pl = phrase ? strlen(phrase) : 0, len = pl + 1;
    size_t nl[LY_RESP_HDRS_MAX], vl[LY_RESP_HDRS_MAX];
    while (phrase && k < resp->nhdrs && joinable(&resp->hdrs[k], &nl[k], &vl[k])) {
        len += 4 + nl[k] + vl[k];
        k++;
    }
    char *reason = k ? ly_arena_alloc(a, len) : NULL, *w = reason;
    *n = reason ? k : 0;
    if (!reason)
        return NULL;
    memcpy(w, phrase, pl);
    w += pl;
    for (size_t i = 0; i < k; i++) {
        memcpy(w, "\r\n", 2);
        memcpy(w + 2, resp->hdrs[i].name, nl[i]);
        w += 2 + nl[i];
        memcpy(w, ": ", 2);
        memcpy(w + 2, resp->hdrs[i].value, vl[i]);
        w += 2 + vl[i];
    }
    *w = '\0';
    return reason;
}

/* The headers from the first-th on as evhttp_add_header one by one would list them, in fewer
 * entries. @return whether one of them is Date, Content-Length or Transfer-Encoding (evhttp
 * adds none then). */
static int add_headers(struct evkeyvalq *out, const struct ly_resp *resp, size_t first)
{
    size_t run = 0, start = 0;
    int framing_or_date = 0;
    for (size_t i = first; i <= resp->nhdrs; i++) {
        const struct ly_hdr *h = i < resp->nhdrs ? &resp->hdrs[i] : NULL;
        int own = h && evhttp_reads(h->name);
        if (h && !own && header_ok(h)) {
            if (!run++)
                start = i;
            continue;
        }
        if (run && add_joined(out, resp->hdrs + start, run) != 0)
            for (size_t k = start; k < start + run; k++) /* no memory: the slow way */
                evhttp_add_header(out, resp->hdrs[k].name, resp->hdrs[k].value);
        run = 0;
        if (own && evhttp_add_header(out, h->name, h->value) == 0)
            framing_or_date |= strcasecmp(h->name, "Connection") != 0 &&
                               strcasecmp(h->name, "Proxy-Connection") != 0;
        /* else: refused by evhttp's test, left out as evhttp_add_header would */
    }
    return framing_or_date;
}

/* What evhttp adds to an HTTP/1.1 answer with no Date, Content-Length or Transfer-Encoding of
 * its own (Date; Content-Length when it carries a body), added here as evhttp would, from a
 * Date string kept for the second. */
static void add_evhttp_defaults(struct evhttp_request *ev, struct evkeyvalq *out,
                                const struct ly_req *req, const struct ly_resp *resp, size_t len)
{
    const char *date = ev->major == 1 && ev->minor >= 1 ? date_now() : NULL;
    if (!date)
        return; /* left to evhttp */
    /* entries of the list as evhttp_add_header makes them, without its tests of values that
     * need none (add_joined of one header) */
    const struct ly_hdr dh = {"Date", date};
    if (add_joined(out, &dh, 1) != 0)
        evhttp_add_header(out, "Date", date);
    if (resp->status != 204 && resp->status != 304 && resp->status >= 200 &&
        req->method != LY_HEAD) {
        char n[24], *d = n + sizeof n - 1;
        *d = '\0';
        do /* decimal, as "%zu" (a formatting call cost 700 instructions per answer) */
            *--d = (char)('0' + len % 10);
        while (len /= 10);
        const struct ly_hdr lh = {"Content-Length", d};
        if (add_joined(out, &lh, 1) != 0)
            evhttp_add_header(out, "Content-Length", d);
    }
}

void net_send_reply(struct evhttp_request *ev, struct ly_req *req, struct ly_resp *resp)
{
    LY_ASSERT(resp->status >= 100 && resp->status <= 599); /* every path answers */
    LY_ASSERT(!resp->sent);                                /* and answers once */
    resp->sent = 1;
    struct evkeyvalq *out = evhttp_request_get_output_headers(ev);
    size_t in_reason;
    const char *reason = reason_with_headers(req->arena, resp, &in_reason);
    int own_framing_or_date = add_headers(out, resp, in_reason);
    /* libevent adds no length to HEAD answers; without one node's HTTP parser (so the JS SDK)
     * reads to EOF and drops the keep-alive connection after every HeadBucket or HEAD error. */
    if (req->method == LY_HEAD && !ly_resp_header_get(resp, "Content-Length"))
        evhttp_add_header(out, "Content-Length", "0");
    struct evbuffer *body = evhttp_request_get_output_buffer(ev);
    int sends = req->method != LY_HEAD && resp->status != 204 && resp->status != 304;
    if (sends && resp->nfiles > 0 && (resp->status == 200 || resp->status == 206)) {
        for (size_t i = 0; i < resp->nfiles; i++) { /* blob files (an object's body): mapped */
            struct ly_file_seg *f = &resp->files[i];
            struct evbuffer_file_segment *seg =
                evbuffer_file_segment_new(f->fd, (ev_off_t)f->off, (ev_off_t)f->len,
                                          EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_SENDFILE);
            if (!seg)
                break;  /* a short body: the client sees the connection end early */
            f->fd = -1; /* the segment closes it */
            (void)evbuffer_add_file_segment(body, seg, 0, -1);
            evbuffer_file_segment_free(seg);
        }
    } else if (sends && resp->body.len) {
        size_t len;
        char *data = ly_buf_take(&resp->body, &len);
        if (evbuffer_add_reference(body, data, len, free_body, NULL) != 0)
            free_body(data, len, NULL);
    }
    if (!own_framing_or_date)
        add_evhttp_defaults(ev, out, req, resp, evbuffer_get_length(body));
    evhttp_send_reply(ev, resp->status, reason, NULL);
}

static int form_has_action(const struct ly_req *req)
{
    const char *b = (const char *)req->body;
    for (size_t i = 0; i + 7 <= req->body_len; i++)
        if ((i == 0 || b[i - 1] == '&') && memcmp(b + i, "Action=", 7) == 0)
            return 1;
    return 0;
}

enum net_service net_classify(const struct ly_req *req)
{
    if (strncmp(req->raw_path, "/_lockyard/", 11) == 0)
        return NET_SVC_ADMIN;
    if (ly_req_header(req, "X-Amz-Target"))
        return NET_SVC_DDB;
    const char *ct = ly_req_header(req, "Content-Type");
    if (req->method == LY_POST && strcmp(req->raw_path, "/") == 0 && ct &&
        strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 && req->body_len < 65536 &&
        form_has_action(req))
        return NET_SVC_STS;
    return NET_SVC_S3;
}

int net_fill_request(struct server *srv, struct evhttp_request *ev, struct ly_req *req,
                     const struct net_body *body)
{
    const char *uri = evhttp_request_get_uri(ev);
    const char *q = strchr(uri, '?');
    req->method = method_of(evhttp_request_get_command(ev), &req->method_name);
    size_t len = strlen(uri), pl = q ? (size_t)(q - uri) : len;
    char *path = ly_arena_alloc(req->arena, len + 2); /* "path\0query\0" */
    if (path) {
        memcpy(path, uri, pl);
        path[pl] = '\0';
        memcpy(path + pl + 1, q ? q + 1 : "", q ? len - pl : 1);
    }
    req->raw_path = path;
    req->raw_query = path ? path + pl + 1 : NULL;
    req->now_ms = net_now_ms(srv);
    make_ids(srv, req);
    if (!req->raw_path || !req->raw_query || collect_headers(ev, req, body) != 0)
        return LY_ENOMEM;
    struct ly_qparam *qp = NULL;
    if (ly_query_parse(req->arena, req->raw_query, &qp, &req->nquery) != 0)
        return LY_EINVAL;
    req->query = qp;
    if (body) { /* taken and hashed as it came; the aws-chunked payload is auth.c's */
        req->body = (const unsigned char *)(body->map        ? body->map
                                            : body->raw.data ? body->raw.data
                                                             : "");
        req->body_len = body->map ? body->spooled : body->raw.len;
        req->body_blob = body->map ? body->blob_id : NULL;
        req->digests = body->aws_chunked ? NULL : &body->dg.out;
        return 0;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    req->body_len = evbuffer_get_length(in);
    req->body = req->body_len ? evbuffer_pullup(in, -1) : (const unsigned char *)"";
    return req->body ? 0 : LY_ENOMEM;
}
