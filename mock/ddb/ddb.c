/*
 * ddb.c - DynamoDB dispatch: X-Amz-Target -> operation, the JSON body, and the answer
 * (aws_ddb_reply / aws_ddb_error of lockyard/aws_error.h: the error table, the
 * x-amzn-RequestId and x-amz-crc32 headers).
 */
#include "ddb_internal.h"
#include "lockyard/check.h"

#include <stdlib.h>
#include <string.h>

#define TARGET_PREFIX "DynamoDB_20120810."

typedef int (*ddb_op_fn)(struct ddb_call *c);

#define W LY_OP_WRITE
#define C LY_OP_CONDITIONAL
#define R LY_OP_READ

/* The one table of DynamoDB operations: name, flags (lockyard/op.h), handler; in strcmp order
 * of the names (op_row searches it; test_ddb_ops checks the order). */
static const struct {
    struct ly_op op;
    ddb_op_fn fn;
} ops[] = {
    {{"BatchGetItem", R}, ddb_op_batch_get},
    {{"BatchWriteItem", W}, ddb_op_batch_write},
    {{"CreateTable", W}, ddb_op_create_table},
    {{"DeleteItem", W | C}, ddb_op_delete_item},
    {{"DeleteTable", W}, ddb_op_delete_table},
    {{"DescribeTable", 0}, ddb_op_describe_table},
    {{"DescribeTimeToLive", 0}, ddb_op_describe_ttl},
    {{"GetItem", R}, ddb_op_get_item},
    {{"ListTables", 0}, ddb_op_list_tables},
    {{"PutItem", W | C}, ddb_op_put_item},
    {{"Query", R}, ddb_op_query},
    {{"Scan", R}, ddb_op_scan},
    {{"TransactGetItems", 0}, ddb_op_transact_get},
    {{"TransactWriteItems", W | C}, ddb_op_transact_write},
    {{"UpdateItem", W | C}, ddb_op_update_item},
    {{"UpdateTable", W}, ddb_op_update_table},
    {{"UpdateTimeToLive", W}, ddb_op_update_ttl},
};

/* The row of ops named name (the table is in name order: a binary search), or -1. */
static int op_row(const char *name)
{
    int lo = 0, hi = (int)LY_ARRAY_LEN(ops) - 1;
    while (name && lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(name, ops[mid].op.name);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

static ddb_op_fn find_op(const char *target)
{
    size_t pl = strlen(TARGET_PREFIX);
    if (!target || strncmp(target, TARGET_PREFIX, pl) != 0)
        return NULL;
    int row = op_row(target + pl);
    return row < 0 ? NULL : ops[row].fn;
}

const struct ly_op *ddb_op(const char *name)
{
    static const struct ly_op unknown = {"Unknown", 0};
    int row = op_row(name);
    return row < 0 ? &unknown : &ops[row].op;
}

void ddb_each_op(void (*fn)(void *arg, const struct ly_op *op, int has_handler), void *arg)
{
    for (size_t i = 0; i < LY_ARRAY_LEN(ops); i++)
        fn(arg, &ops[i].op, ops[i].fn != NULL);
}

static int run(struct ddb_call *c, const char *target)
{
    ddb_op_fn fn = find_op(target);
    if (!fn)
        return ddb_fail(c, LY_ENOTSUP, AWS_DDB_UNKNOWN_OPERATION, "%s", "");
    json_error_t je;
    /* net has usually parsed the body already (for fault matching and the journal) */
    c->in = c->req->json_body
                ? json_incref(c->req->json_body)
                : json_loadb((const char *)c->req->body, c->req->body_len, JSON_ALLOW_NUL, &je);
    if (!c->in)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "%s", "");
    if (!json_is_object(c->in))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION,
                        json_is_array(c->in) ? "Start of list found where not expected"
                                             : "Expected map or null");
    if (json_object_size(c->in) <= DDB_ROOT_MEMBERS) {
        const char *k;
        size_t len;
        json_t *v;
        json_object_keylen_foreach (c->in, k, len, v) {
            c->root[c->nroot].key = k;
            c->root[c->nroot].len = len;
            c->root[c->nroot++].v = v;
        }
        c->root_listed = true;
    }
    c->keep = json_array();
    if (!c->keep)
        return ddb_fail_store(c, LY_ENOMEM);
    return fn(c);
}

/* The answer {"Item":ITEM, ...c->out's members} (or "Attributes"): the item written as text
 * (ddb_map_text), the rest dumped by jansson. */
static int item_answer(struct ddb_call *c, struct ly_buf *b)
{
    ly_buf_reset(b);
    int rc = ly_buf_add(b, "{\"", 2);
    if (!rc)
        rc = ly_buf_adds(b, c->out_item_name);
    if (!rc)
        rc = ly_buf_add(b, "\":", 2);
    if (!rc)
        rc = ddb_map_text(c->out_item, b);
    if (rc || !c->out || json_object_size(c->out) == 0)
        return rc ? rc : ly_buf_add(b, "}", 1);
    char *rest = json_dumps(c->out, JSON_COMPACT); /* "{...}": its members follow the item */
    rc = rest ? ly_buf_add(b, ",", 1) : LY_ENOMEM;
    if (!rc)
        rc = ly_buf_adds(b, rest + 1);
    free(rest);
    return rc;
}

/* A successful call's answer. */
static void reply(struct ddb_call *c, struct ly_resp *resp)
{
    if (c->out_item && item_answer(c, &resp->body) == 0) {
        aws_ddb_reply_written(c->req, resp, 200);
        return;
    }
    json_t *out = c->out ? json_incref(c->out) : json_object();
    if (c->out_item) { /* the text did not fit: the same answer through jansson */
        json_t *all = json_object();
        if (all && json_object_set_new(all, c->out_item_name, ddb_map_to_json(c->out_item)) == 0 &&
            json_object_update(all, out) == 0) {
            json_decref(out);
            out = all;
        } else {
            json_decref(all);
            json_decref(out);
            out = NULL;
        }
    }
    aws_ddb_reply(c->req, resp, 200, out);
    json_decref(out);
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
        reply(&c, resp);
    } else {
        LY_ASSERT(rc < 0);
        aws_ddb_error(req, resp, c.err.type ? c.err.type : AWS_DDB_INTERNAL_SERVER_ERROR, c.err.msg,
                      c.err_extra);
    }
    json_decref(c.out);
    json_decref(c.err_extra);
    json_decref(c.keep);
    json_decref(c.in);
}
