/* httpmsg.c - request lookups, response building and query parsing (see httpmsg.h). Pure. */
#include "lockyard/httpmsg.h"
#include "lockyard/err.h"
#include "lockyard/pct.h"

#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define QUERY_PARAMS_MAX 256

/* Header names equal but for case; the first bytes are compared first, inline: most lookups
 * (about 50 per request) miss on them. */
static int same_name(const char *a, const char *b)
{
    return ((unsigned char)a[0] | 0x20) == ((unsigned char)b[0] | 0x20) && strcasecmp(a, b) == 0;
}

void ly_req_index_headers(struct ly_req *req)
{
    uint64_t m = 0;
    for (size_t i = 0; i < req->nhdrs; i++)
        m |= ly_hdr_bit(req->hdrs[i].name, strlen(req->hdrs[i].name));
    req->hdr_bits = m;
    req->hdr_indexed = 1;
}

const char *ly_req_header_scan(const struct ly_req *req, const char *name)
{
    for (size_t i = 0; i < req->nhdrs; i++)
        if (same_name(req->hdrs[i].name, name))
            return req->hdrs[i].value;
    return NULL;
}

const char *ly_req_header_or_trailer(const struct ly_req *req, const char *name)
{
    const char *v = ly_req_header(req, name);
    for (size_t i = 0; !v && i < req->ntrailers; i++)
        if (same_name(req->trailers[i].name, name))
            v = req->trailers[i].value;
    return v;
}

const struct ly_qparam *ly_req_query(const struct ly_req *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return &req->query[i];
    return NULL;
}

void ly_resp_init(struct ly_resp *resp, size_t body_bytes_max)
{
    resp->status = 0; /* unset: a handler that never answers is caught, not sent as 200 */
    resp->nhdrs = 0;
    resp->sent = 0;
    resp->has_body_length = 0;
    resp->error_code = NULL;
    resp->files = NULL;
    resp->nfiles = resp->files_cap = 0;
    resp->offload = NULL;
    ly_buf_init(&resp->body, body_bytes_max);
}

void ly_resp_cleanup(struct ly_resp *resp)
{
    for (size_t i = 0; i < resp->nfiles; i++)
        if (resp->files[i].fd >= 0)
            close(resp->files[i].fd);
    free(resp->files);
    resp->files = NULL;
    resp->nfiles = resp->files_cap = 0;
    ly_buf_cleanup(&resp->body);
}

int ly_resp_add_file(struct ly_resp *resp, int fd, uint64_t off, uint64_t len)
{
    if (resp->nfiles == resp->files_cap) {
        size_t cap = resp->files_cap ? resp->files_cap * 2 : 4;
        void *p = realloc(resp->files, cap * sizeof *resp->files);
        if (!p) {
            close(fd);
            return LY_ENOMEM;
        }
        resp->files = p;
        resp->files_cap = cap;
    }
    resp->files[resp->nfiles++] = (struct ly_file_seg){fd, off, len};
    return 0;
}

int ly_resp_header_ref(struct ly_resp *resp, const char *name, const char *value)
{
    if (!value) /* a string that could not be made */
        return LY_ENOMEM;
    if (resp->nhdrs >= LY_RESP_HDRS_MAX)
        return LY_ETOOBIG;
    resp->hdrs[resp->nhdrs].name = name;
    resp->hdrs[resp->nhdrs].value = value;
    resp->nhdrs++;
    return 0;
}

int ly_resp_header(struct ly_resp *resp, struct ly_arena *arena, const char *name,
                   const char *value)
{
    if (resp->nhdrs >= LY_RESP_HDRS_MAX)
        return LY_ETOOBIG;
    char *n = ly_arena_strdup(arena, name);
    char *v = ly_arena_strdup(arena, value);
    if (!n || !v)
        return LY_ENOMEM;
    return ly_resp_header_ref(resp, n, v);
}

int ly_resp_headerf(struct ly_resp *resp, struct ly_arena *arena, const char *name, const char *fmt,
                    ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return LY_EINVAL;
    if ((size_t)n < sizeof small)
        return ly_resp_header(resp, arena, name, small);
    char *big = ly_arena_alloc(arena, (size_t)n + 1);
    if (!big)
        return LY_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return ly_resp_header(resp, arena, name, big);
}

int ly_resp_header_set_ref(struct ly_resp *resp, const char *name, const char *value)
{
    for (size_t i = 0; i < resp->nhdrs; i++) {
        if (strcasecmp(resp->hdrs[i].name, name) == 0) {
            if (!value)
                return LY_ENOMEM;
            resp->hdrs[i].value = value;
            return 0;
        }
    }
    return ly_resp_header_ref(resp, name, value);
}

int ly_resp_header_set(struct ly_resp *resp, struct ly_arena *arena, const char *name,
                       const char *value)
{
    for (size_t i = 0; i < resp->nhdrs; i++) {
        if (strcasecmp(resp->hdrs[i].name, name) == 0) {
            char *v = ly_arena_strdup(arena, value);
            if (!v)
                return LY_ENOMEM;
            resp->hdrs[i].value = v;
            return 0;
        }
    }
    return ly_resp_header(resp, arena, name, value);
}

const char *ly_resp_header_get(const struct ly_resp *resp, const char *name)
{
    for (size_t i = 0; i < resp->nhdrs; i++)
        if (strcasecmp(resp->hdrs[i].name, name) == 0)
            return resp->hdrs[i].value;
    return NULL;
}

static char *decode_part(struct ly_arena *arena, const char *s, size_t n)
{
    char *out = ly_arena_alloc(arena, n + 1);
    if (!out)
        return NULL;
    if (ly_pct_decode(s, n, out, n + 1, LY_PCT_REFUSE_NUL | LY_PCT_PLUS_SPACE) < 0)
        return NULL;
    return out;
}

int ly_query_parse(struct ly_arena *arena, const char *raw, struct ly_qparam **out, size_t *n)
{
    size_t count = 0, cap = 1;
    for (const char *p = raw; *p; p++)
        cap += *p == '&';
    if (cap > QUERY_PARAMS_MAX)
        return LY_ETOOBIG;
    struct ly_qparam *params = ly_arena_calloc(arena, cap * sizeof *params);
    if (!params)
        return LY_ENOMEM;
    const char *p = raw;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t nlen = eq ? (size_t)(eq - p) : len;
            struct ly_qparam *q = &params[count++];
            q->name = decode_part(arena, p, nlen);
            q->value = eq ? decode_part(arena, eq + 1, len - nlen - 1) : "";
            q->has_value = eq != NULL;
            if (!q->name || !q->value)
                return LY_EINVAL;
        }
        p += len + (amp ? 1 : 0);
    }
    *out = params;
    *n = count;
    return 0;
}
