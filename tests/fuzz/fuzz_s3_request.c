/*
 * fuzz_s3_request.c - libFuzzer driver: whole S3 requests through the handlers and a real
 * (temporary) LMDB store. Input: "METHOD /bucket/key?query\nName: value\n…\n\nbody".
 * Every request must end in exactly one well-formed answer; the store must stay consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/s3.h"
#include "lockyard/pct.h"
#include "lockyard/s3name.h"

static struct store *store;
static struct s3_config config = {"us-east-1", 1 << 20, 0, 1 << 10, 1 << 20};
static unsigned runs;

static int split_path(struct ly_req *req, const char *path)
{
    const char *p = path[0] == '/' ? path + 1 : path;
    size_t bl = strcspn(p, "/");
    if (bl) {
        char *b = ly_arena_alloc(req->arena, bl + 1);
        if (!b || ly_pct_decode(p, bl, b, bl + 1, LY_PCT_REFUSE_NUL) < 0)
            return -1;
        req->bucket = b;
        p += bl;
        if (*p == '/' && p[1]) {
            size_t kl = strlen(p + 1);
            char *k = ly_arena_alloc(req->arena, kl + 1);
            if (!k || ly_pct_decode(p + 1, kl, k, kl + 1, LY_PCT_REFUSE_NUL) < 0)
                return -1;
            req->key = k;
        }
    }
    return 0;
}

static int parse_input(struct ly_req *req, char *text, size_t len)
{
    static const char *const methods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
    char *nl = memchr(text, '\n', len);
    if (!nl)
        return -1;
    *nl = '\0';
    char *sp = strchr(text, ' ');
    if (!sp)
        return -1;
    *sp = '\0';
    req->method = LY_OTHER;
    for (int i = 0; i < 5; i++)
        if (strcmp(text, methods[i]) == 0)
            req->method = (enum ly_method)i;
    req->method_name = text;
    char *q = strchr(sp + 1, '?');
    if (q)
        *q++ = '\0';
    req->raw_path = sp + 1;
    req->raw_query = q ? q : "";
    struct ly_qparam *qp;
    if (ly_query_parse(req->arena, req->raw_query, &qp, &req->nquery) != 0 ||
        split_path(req, req->raw_path) != 0)
        return -1;
    req->query = qp;
    struct ly_hdr *h = ly_arena_calloc(req->arena, 64 * sizeof *h);
    char *p = nl + 1, *end = text + len;
    while (h && p < end && *p != '\n' && req->nhdrs < 64) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            break;
        *e = '\0';
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            h[req->nhdrs].name = p;
            h[req->nhdrs].value = colon[1] == ' ' ? colon + 2 : colon + 1;
            req->nhdrs++;
        }
        p = e + 1;
    }
    req->hdrs = h;
    if (p < end && *p == '\n')
        p++;
    req->body = (const unsigned char *)p;
    req->body_len = p < end ? (size_t)(end - p) : 0;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1ull << 30};
        if (store_open(&o, &store) != 0)
            abort();
    }
    if (++runs % 2000 == 0 && store_reset(store) != 0)
        abort();
    struct ly_arena a;
    struct ly_req req;
    struct ly_resp resp;
    ly_arena_init(&a, 16 << 20);
    memset(&req, 0, sizeof req);
    req.arena = &a;
    req.request_id = "FUZZREQUEST00001";
    req.host_id = "fuzz";
    req.now_ms = 1800000000000LL;
    ly_resp_init(&resp, 8 << 20);
    char *text = ly_arena_alloc(&a, size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        if (size < (1 << 20) && parse_input(&req, text, size) == 0) {
            struct s3_ctx ctx = {store, &config, NULL};
            s3_handle(&ctx, &req, &resp);
            if (resp.status < 200 || resp.status > 599)
                abort(); /* every request gets a real answer */
            if (resp.status >= 400 && req.method != LY_HEAD && resp.body.len == 0)
                abort(); /* errors carry an <Error> document */
        }
    }
    ly_resp_cleanup(&resp);
    ly_arena_cleanup(&a);
    return 0;
}
