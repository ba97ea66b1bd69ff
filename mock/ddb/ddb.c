/*
 * ddb.c - DynamoDB dispatch: X-Amz-Target -> operation, the JSON body, the one
 * error table (type -> namespace, status, message key) and the answer headers
 * (x-amzn-RequestId, x-amz-crc32 over the exact body bytes).
 */
#include "ddb_internal.h"
#include "lockyard/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TARGET_PREFIX "DynamoDB_20120810."
#define NS_DDB "com.amazonaws.dynamodb.v20120810"
#define NS_VALIDATE "com.amazon.coral.validate"
#define NS_SERVICE "com.amazon.coral.service"

typedef int (*ddb_op_fn)(struct ddb_call *c);

static const struct {
    const char *name;
    ddb_op_fn fn;
} ops[] = {
    {"BatchGetItem", ddb_op_batch_get},
    {"BatchWriteItem", ddb_op_batch_write},
    {"CreateTable", ddb_op_create_table},
    {"DeleteItem", ddb_op_delete_item},
    {"DeleteTable", ddb_op_delete_table},
    {"DescribeTable", ddb_op_describe_table},
    {"DescribeTimeToLive", ddb_op_describe_ttl},
    {"GetItem", ddb_op_get_item},
    {"ListTables", ddb_op_list_tables},
    {"PutItem", ddb_op_put_item},
    {"Query", ddb_op_query},
    {"Scan", ddb_op_scan},
    {"TransactGetItems", ddb_op_transact_get},
    {"TransactWriteItems", ddb_op_transact_write},
    {"UpdateItem", ddb_op_update_item},
    {"UpdateTable", ddb_op_update_table},
    {"UpdateTimeToLive", ddb_op_update_ttl},
};

/* The one error table. Unlisted types are DynamoDB service errors (400, NS_DDB, "message"). */
static const struct {
    const char *type;
    const char *ns;
    int status;
    const char *msg_key; /* NULL = no message member at all */
} errors[] = {
    {DDB_ERR_VALIDATION, NS_VALIDATE, 400, "message"},
    {DDB_ERR_SERIALIZATION, NS_SERVICE, 400, "Message"},
    {DDB_ERR_UNKNOWN_OP, NS_SERVICE, 400, NULL},
    {DDB_ERR_INTERNAL, NS_DDB, 500, "message"},
    {DDB_ERR_CANCELED, NS_DDB, 400, "Message"},
};

int ddb_fail(struct ddb_call *c, int code, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->err.type = type;
    vsnprintf(c->err.msg, sizeof c->err.msg, fmt, ap);
    va_end(ap);
    return code;
}

int ddb_fail_store(struct ddb_call *c, int rc)
{
    if (rc == LY_EFULL)
        return ddb_fail(c, rc, DDB_ERR_INTERNAL, "The storage map is full");
    if (rc == LY_ENOMEM)
        return ddb_fail(c, rc, DDB_ERR_INTERNAL, "Out of memory");
    return ddb_fail(c, rc, DDB_ERR_INTERNAL, "Internal server error (%s)", ly_err_str(rc));
}

static void answer(struct ddb_call *c, struct ly_resp *resp, int status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    ly_buf_reset(&resp->body);
    resp->status = status;
    if (!text || ly_buf_adds(&resp->body, text)) {
        resp->status = 500;
        ly_buf_reset(&resp->body);
        if (ly_buf_adds(&resp->body, "{\"__type\":\"" NS_DDB "#InternalServerError\"}"))
            ly_buf_reset(&resp->body);
    }
    free(text);
    unsigned long crc = crc32(0L, (const Bytef *)resp->body.data, (uInt)resp->body.len);
    if (ly_resp_header_set(resp, c->a, "Content-Type", "application/x-amz-json-1.0") ||
        ly_resp_header_set(resp, c->a, "x-amzn-RequestId", c->req->request_id) ||
        ly_resp_headerf(resp, c->a, "x-amz-crc32", "%lu", crc))
        resp->status = 500;
}

static void answer_error(struct ddb_call *c, struct ly_resp *resp)
{
    const char *type = c->err.type ? c->err.type : DDB_ERR_INTERNAL;
    const char *ns = NS_DDB, *msg_key = "message";
    int status = 400;
    for (size_t i = 0; i < LY_ARRAY_LEN(errors); i++) {
        if (strcmp(errors[i].type, type) == 0) {
            ns = errors[i].ns;
            status = errors[i].status;
            msg_key = errors[i].msg_key;
        }
    }
    if (strcmp(type, DDB_ERR_SERIALIZATION) == 0 && !c->err.msg[0])
        msg_key = NULL; /* unparseable JSON: no message at all */
    char full[256];
    snprintf(full, sizeof full, "%s#%s", ns, type);
    json_t *doc = json_object();
    if (doc) {
        json_object_set_new(doc, "__type", json_string(full));
        if (msg_key)
            json_object_set_new(doc, msg_key, json_string(c->err.msg));
        if (c->err_extra)
            json_object_update(doc, c->err_extra);
    }
    answer(c, resp, status, doc);
    json_decref(doc);
}

static ddb_op_fn find_op(const char *target)
{
    size_t pl = strlen(TARGET_PREFIX);
    if (!target || strncmp(target, TARGET_PREFIX, pl) != 0)
        return NULL;
    for (size_t i = 0; i < LY_ARRAY_LEN(ops); i++)
        if (strcmp(target + pl, ops[i].name) == 0)
            return ops[i].fn;
    return NULL;
}

static int run(struct ddb_call *c, const char *target)
{
    ddb_op_fn fn = find_op(target);
    if (!fn)
        return ddb_fail(c, LY_ENOTSUP, DDB_ERR_UNKNOWN_OP, "%s", "");
    json_error_t je;
    /* net has usually parsed the body already (for fault matching and the journal) */
    c->in = c->req->json_body ? json_incref(c->req->json_body)
                              : json_loadb((const char *)c->req->body, c->req->body_len,
                                           JSON_ALLOW_NUL, &je);
    if (!c->in)
        return ddb_fail(c, LY_EINVAL, DDB_ERR_SERIALIZATION, "%s", "");
    if (!json_is_object(c->in))
        return ddb_fail(c, LY_EINVAL, DDB_ERR_SERIALIZATION,
                        json_is_array(c->in) ? "Start of list found where not expected"
                                             : "Expected map or null");
    c->keep = json_array();
    if (!c->keep)
        return ddb_fail_store(c, LY_ENOMEM);
    return fn(c);
}

void ddb_handle(struct ddb_ctx *ctx, struct ly_req *req, struct ly_resp *resp)
{
    struct ddb_call c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.req = req;
    c.a = req->arena;
    int rc = run(&c, ly_req_header(req, "X-Amz-Target"));
    if (rc == 0) {
        json_t *out = c.out ? c.out : json_object();
        answer(&c, resp, 200, out);
        if (!c.out)
            json_decref(out);
    } else {
        LY_ASSERT(rc < 0);
        answer_error(&c, resp);
    }
    json_decref(c.out);
    json_decref(c.err_extra);
    json_decref(c.keep);
    json_decref(c.in);
}
