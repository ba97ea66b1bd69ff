/*
 * fuzz_ddb_request.c - libFuzzer driver: whole DynamoDB requests through the handlers and a real
 * (temporary) LMDB store. Input: "Operation\n{json body}". Every request must end in exactly one
 * answer: 200 with a JSON body or a JSON error with a __type. Odd runs hand the handlers the
 * body parsed into the request arena, as net does (ddb_body_parse: a handler that changed that
 * tree would free arena memory, which ASan reports), even runs leave the parse to ddb_handle.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb.h"

static struct store *store;
static struct ddb_config config = {"us-east-1", "000000000000"};
static unsigned runs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1ull << 30};
        if (store_open(&o, &store) != 0)
            abort();
    }
    if (++runs % 2000 == 0 && store_reset(store) != 0)
        abort();
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || nl - data > 64 || size > (1 << 20))
        return 0;
    struct ly_arena a;
    struct ly_req req;
    struct ly_resp resp;
    char target[128];
    memcpy(target, "DynamoDB_20120810.", 18);
    memcpy(target + 18, data, (size_t)(nl - data));
    target[18 + (nl - data)] = '\0';
    struct ly_hdr hdrs[2] = {{"X-Amz-Target", target},
                             {"Content-Type", "application/x-amz-json-1.0"}};
    ly_arena_init(&a, 16 << 20);
    memset(&req, 0, sizeof req);
    req.arena = &a;
    req.method = LY_POST;
    req.method_name = "POST";
    req.raw_path = "/";
    req.raw_query = "";
    req.hdrs = hdrs;
    req.nhdrs = 2;
    req.body = nl + 1;
    req.body_len = size - (size_t)(nl + 1 - data);
    req.request_id = "FUZZREQUEST00001";
    req.host_id = "fuzz";
    req.now_ms = 1800000000000LL;
    ly_resp_init(&resp, 8 << 20);
    struct ddb_ctx ctx = {store, &config, NULL};
    if (runs % 2)
        req.json_body = ddb_body_parse(&a, req.body, req.body_len);
    ddb_handle(&ctx, &req, &resp);
    json_decref(req.json_body);
    ddb_ctx_cleanup(&ctx); /* the table descriptions it cached */
    if (resp.status != 200 && (resp.status < 400 || resp.status > 599))
        abort(); /* a real answer */
    if (resp.status >= 400 && (!resp.body.data || !strstr(resp.body.data, "__type")))
        abort(); /* errors are DynamoDB JSON errors */
    ly_resp_cleanup(&resp);
    ly_arena_cleanup(&a);
    return 0;
}
