/*
 * engine_req.c - the requests of a step (S3, DynamoDB, read_list, append):
 * building and signing them, recording invoke and completion in the history,
 * SDK-like retries, saving answer fields into variables, and branching.
 */
#include "engine.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/checksum.h"

struct req_build {
    struct ly_client_req req;
    struct ly_buf path, body, key, cond, copy;
    struct ly_buf bucket, table, fkey; /* fault-matching facts: bucket, table, DynamoDB key */
    struct fault_facts facts;
    char op_id[48];
    char target[96];
    char md5[CKSUM_MD5_HEX_SIZE + 2];
    char etag_q[CKSUM_MD5_HEX_SIZE + 4];
};

static void rb_init(struct req_build *b)
{
    memset(b, 0, sizeof *b);
    ly_buf_init(&b->path, 64 * 1024);
    ly_buf_init(&b->body, LY_CLIENT_BODY_MAX);
    ly_buf_init(&b->key, 4096);
    ly_buf_init(&b->cond, 1024);
    ly_buf_init(&b->bucket, 4096);
    ly_buf_init(&b->table, 1024);
    ly_buf_init(&b->fkey, 64 * 1024);
    ly_buf_init(&b->copy, 8192);
}

static void rb_cleanup(struct req_build *b)
{
    ly_buf_cleanup(&b->path);
    ly_buf_cleanup(&b->body);
    ly_buf_cleanup(&b->key);
    ly_buf_cleanup(&b->cond);
    ly_buf_cleanup(&b->bucket);
    ly_buf_cleanup(&b->table);
    ly_buf_cleanup(&b->fkey);
    ly_buf_cleanup(&b->copy);
}

static const char *s3_method(const char *op)
{
    return !strcmp(op, "GetObject")    ? "GET"
           : !strcmp(op, "HeadObject") ? "HEAD"
           : !strcmp(op, "PutObject") || !strcmp(op, "CopyObject") || !strcmp(op, "UploadPart")
               ? "PUT"
           : !strcmp(op, "CreateMultipartUpload") || !strcmp(op, "CompleteMultipartUpload") ? "POST"
           : !strcmp(op, "DeleteObject") ? "DELETE"
                                         : NULL;
}

/* The multipart subresource of a step's request: ?uploads, ?partNumber=&uploadId=, ?uploadId=. */
static int multipart_query(struct rclient *c, const struct sc_step *st, const char *op,
                           struct ly_buf *path)
{
    struct ly_buf up, part;
    int rc = 0;
    if (!strcmp(op, "CreateMultipartUpload"))
        return ly_buf_adds(path, "?uploads");
    if (strcmp(op, "UploadPart") && strcmp(op, "CompleteMultipartUpload"))
        return 0;
    ly_buf_init(&up, 1024);
    ly_buf_init(&part, 64);
    if (!st->upload_id || (!strcmp(op, "UploadPart") && !st->part)) {
        run_fail(c->run, "line %d: %s wants upload_id%s", st->line, op,
                 strcmp(op, "UploadPart") ? "" : " and part");
        rc = LY_EINVAL;
    }
    if (!rc)
        rc = rclient_expand(c, st->upload_id, &up);
    if (!rc && st->part)
        rc = rclient_expand(c, st->part, &part);
    if (!rc && !strcmp(op, "UploadPart"))
        rc = ly_buf_addf(path, "?partNumber=%s&uploadId=", part.data);
    else if (!rc)
        rc = ly_buf_adds(path, "?uploadId=");
    if (!rc)
        rc = ly_client_encode_key(up.data, path);
    ly_buf_cleanup(&up);
    ly_buf_cleanup(&part);
    return rc;
}

/* The body of an append: the list read by read_list plus the element. */
static int append_body(struct rclient *c, const struct sc_step *st, struct req_build *b,
                       uint32_t *elem)
{
    json_t *list = c->list_text ? json_loads(c->list_text, 0, NULL) : json_array();
    if (!json_is_array(list)) {
        json_decref(list);
        list = json_array();
    }
    struct ly_buf e;
    ly_buf_init(&e, 1024);
    int rc = rclient_expand(c, st->element ? st->element : "{{client}}-{{iter}}", &e);
    if (!rc && list) {
        json_array_append_new(list, json_string(e.data));
        char *text = json_dumps(list, JSON_COMPACT);
        rc = text ? ly_buf_adds(&b->body, text) : LY_ENOMEM;
        free(text);
        *elem = history_intern(&c->run->h, e.data);
    }
    json_decref(list);
    ly_buf_cleanup(&e);
    return list ? rc : LY_ENOMEM;
}

/* CopyObject's x-amz-copy-source: /bucket/key of the step's copy_source, same bucket. */
static int copy_source(struct rclient *c, const struct sc_step *st, struct req_build *b)
{
    struct ly_buf k, v;
    ly_buf_init(&k, 4096);
    ly_buf_init(&v, 8192);
    int rc = st->copy_source ? rclient_expand(c, st->copy_source, &k) : LY_EINVAL;
    if (!rc)
        rc = rclient_expand(c, st->bucket ? st->bucket : c->run->sc->bucket, &v);
    if (!rc) {
        char *bucket = strdup(v.data);
        ly_buf_reset(&v);
        rc = bucket ? ly_buf_addf(&v, "/%s/", bucket) : LY_ENOMEM;
        free(bucket);
    }
    if (!rc)
        rc = ly_client_encode_key(k.data, &v);
    if (!rc)
        rc = ly_buf_adds(&b->copy, v.data);
    if (!rc)
        rc = ly_client_req_header(&b->req, "x-amz-copy-source", b->copy.data);
    if (rc == LY_EINVAL)
        run_fail(c->run, "line %d: CopyObject wants copy_source", st->line);
    ly_buf_cleanup(&k);
    ly_buf_cleanup(&v);
    return rc;
}

static int build_s3(struct rclient *c, const struct sc_step *st, const char *op,
                    struct req_build *b, uint32_t *elem)
{
    struct run *r = c->run;
    int rc = rclient_expand(c, st->key, &b->key);
    if (!rc)
        rc = rclient_expand(c, st->bucket ? st->bucket : r->sc->bucket, &b->bucket);
    if (!rc)
        rc = ly_buf_addf(&b->path, "/%s/", b->bucket.data);
    if (!rc)
        rc = ly_client_encode_key(b->key.data, &b->path);
    if (!rc)
        rc = multipart_query(c, st, op, &b->path);
    b->facts.bucket = b->bucket.data;
    b->facts.key = b->key.data;
    b->req.method = s3_method(op);
    b->req.path = b->path.data;
    b->req.service = "s3";
    if (!rc && st->kind == ST_APPEND)
        rc = append_body(c, st, b, elem);
    else if (!rc && st->body)
        rc = rclient_expand(c, st->body, &b->body);
    if (!rc && st->kind == ST_APPEND && st->fence)
        rc = c->list_etag[0] ? ly_buf_adds(&b->cond, c->list_etag) : 0;
    else if (!rc && st->if_match)
        rc = rclient_expand(c, st->if_match, &b->cond);
    if (!rc && b->cond.len)
        rc = ly_client_req_header(&b->req, "If-Match", b->cond.data);
    int inm = st->if_none_match || (st->kind == ST_APPEND && st->fence && !c->list_etag[0]);
    if (!rc && inm)
        rc = ly_client_req_header(&b->req, "If-None-Match", "*");
    b->facts.conditional = b->cond.len || inm;
    if (!rc && !strcmp(op, "CopyObject"))
        rc = copy_source(c, st, b);
    else if (!rc && !strcmp(b->req.method, "PUT"))
        rc = ly_client_req_header(&b->req, "Content-Type", "application/json");
    return rc;
}

/* What the server's fault rules match a DynamoDB request on: table, compact Key / Item JSON,
 * whether it carries a condition. */
static int facts_ddb(struct req_build *b, json_t *j)
{
    json_t *k = json_object_get(j, "Key");
    if (!k)
        k = json_object_get(j, "Item");
    char *text = k ? json_dumps(k, JSON_COMPACT) : NULL;
    int rc = ly_buf_adds(&b->fkey, text ? text : "");
    free(text);
    ly_buf_reset(&b->table);
    if (!rc)
        rc = ly_buf_adds(&b->table, json_string_value(json_object_get(j, "TableName")));
    b->facts.table = b->table.data;
    b->facts.key = b->fkey.data;
    b->facts.conditional = json_object_get(j, "ConditionExpression") ||
                           json_object_get(j, "Expected") || json_object_get(j, "TransactItems");
    return rc;
}

static int build_ddb(struct rclient *c, const struct sc_step *st, struct req_build *b)
{
    struct run *r = c->run;
    int rc = rclient_expand(c, st->request, &b->body);
    json_t *j = rc ? NULL : json_loads(b->body.data, 0, NULL);
    if (!rc && !json_is_object(j)) {
        run_fail(r, "line %d: the expanded DynamoDB request is not a JSON object", st->line);
        rc = LY_EINVAL;
    }
    struct ly_buf table;
    ly_buf_init(&table, 1024);
    if (!rc)
        rc = rclient_expand(c, st->table ? st->table : r->sc->table, &table);
    if (!rc && !json_object_get(j, "TableName"))
        json_object_set_new(j, "TableName", json_string(table.data));
    if (!rc && r->client_faults && json_is_string(json_object_get(j, "TableName")))
        rc = facts_ddb(b, j); /* only the runner's own fault rules read these */
    if (!rc) {
        char *text = json_dumps(j, JSON_COMPACT);
        ly_buf_reset(&b->body);
        rc = text ? ly_buf_adds(&b->body, text) : LY_ENOMEM;
        free(text);
        json_t *ce = json_object_get(j, "ConditionExpression");
        if (!rc && json_is_string(ce))
            rc = ly_buf_adds(&b->cond, json_string_value(ce));
    }
    if (!rc)
        rc = st->key ? rclient_expand(c, st->key, &b->key) : ly_buf_adds(&b->key, table.data);
    if (!rc && st->key) {
        /* history key: table/key */
        struct ly_buf k2;
        ly_buf_init(&k2, 4096);
        rc = ly_buf_addf(&k2, "%s/%s", table.data, b->key.data);
        if (!rc) {
            ly_buf_reset(&b->key);
            rc = ly_buf_adds(&b->key, k2.data);
        }
        ly_buf_cleanup(&k2);
    }
    ly_buf_cleanup(&table);
    json_decref(j);
    snprintf(b->target, sizeof b->target, "DynamoDB_20120810.%s", st->op);
    b->req.method = "POST";
    b->req.path = "/";
    b->req.service = "dynamodb";
    if (!rc)
        rc = ly_client_req_header(&b->req, "X-Amz-Target", b->target);
    if (!rc)
        rc = ly_client_req_header(&b->req, "Content-Type", "application/x-amz-json-1.0");
    return rc;
}

/* A copy writes its source's ETag (single-part sources): the last acknowledged PutObject's. */
static int64_t copied_etag(struct rclient *c, const struct sc_step *st)
{
    struct history *h = &c->run->h;
    struct ly_buf k;
    int64_t val = 0;
    ly_buf_init(&k, 4096);
    uint32_t src = rclient_expand(c, st->copy_source, &k) ? 0 : history_find(h, k.data);
    for (size_t i = h->n; src && i-- > 0 && !val;)
        if (h->ev[i].type == HEV_OK && h->ev[i].key == src && !strcmp(h->ev[i].f, "PutObject"))
            val = h->ev[i].val;
    ly_buf_cleanup(&k);
    return val;
}

static int record_invoke(struct rclient *c, const struct sc_step *st, const char *op,
                         struct req_build *b, uint32_t elem)
{
    struct run *r = c->run;
    struct hev e = hev_blank();
    e.time_us = run_now_us(r);
    e.process = c->name_id;
    e.type = HEV_INVOKE;
    e.key = history_intern(&r->h, b->key.data);
    int rc = 0;
    if ((st->kind == ST_APPEND || (st->kind == ST_S3 && st->element)) && c->attempt == 0) {
        snprintf(e.f, sizeof e.f, "append");
        e.val = elem;
        if (st->kind == ST_S3) {
            struct ly_buf t;
            ly_buf_init(&t, 4096);
            rc = rclient_expand(c, st->list ? st->list : st->key, &t);
            e.key = rc ? 0 : history_intern(&r->h, t.data);
            if (!rc && !(rc = rclient_expand(c, st->element, &t)))
                e.val = history_intern(&r->h, t.data);
            ly_buf_cleanup(&t);
        }
        if (!rc)
            rc = history_add(&r->h, &e);
        e.key = history_intern(&r->h, b->key.data);
    }
    snprintf(e.f, sizeof e.f, "%s", op);
    e.role = (uint8_t)(st->kind == ST_READ_LIST ? ROLE_READ : st->role);
    e.val = 0;
    if (b->req.service && !strcmp(b->req.service, "s3")) {
        for (size_t i = 0; i < b->req.headers_count; i++)
            if (!strcmp(b->req.headers[i].name, "If-None-Match"))
                e.cond = COND_INM;
            else if (!strcmp(b->req.headers[i].name, "If-Match"))
                e.cond = COND_IM;
        e.cond_val = b->cond.len ? history_intern(&r->h, b->cond.data) : 0;
        if (!strcmp(op, "PutObject") && !cksum_md5_hex(b->body.data, b->body.len, b->md5)) {
            snprintf(b->etag_q, sizeof b->etag_q, "\"%s\"", b->md5);
            e.val = history_intern(&r->h, b->etag_q);
        } else if (!strcmp(op, "CopyObject")) {
            e.val = copied_etag(c, st);
        }
    } else if (b->cond.len) {
        e.note = history_intern(&r->h, b->cond.data);
    }
    if (!rc)
        rc = history_add(&r->h, &e);
    c->invoke_ev = (uint32_t)(r->h.n - 1);
    return rc;
}

static int send_built(struct rclient *c, const struct sc_step *st, const char *op,
                      struct req_build *b, uint32_t elem)
{
    struct run *r = c->run;
    char *client_name = (char *)history_str(&r->h, c->name_id);
    int rc = ly_client_req_header(&b->req, "x-lockyard-client", client_name);
    b->req.body = b->body.data;
    b->req.body_len = b->body.len;
    if (!rc)
        rc = record_invoke(c, st, op, b, elem);
    int64_t k = rc ? -1 : run_op_new(r, c->invoke_ev);
    if (!rc && k < 0)
        rc = LY_ENOMEM;
    if (!rc) {
        c->op = k;
        r->ops[k].ddb = st->kind == ST_DDB;
        snprintf(b->op_id, sizeof b->op_id, "%s.%lld", r->run_id, (long long)k);
        rc = ly_client_req_header(&b->req, "x-lockyard-op", b->op_id);
    }
    if (!rc) {
        b->facts.service = b->req.service;
        b->facts.op = op;
        b->facts.client = client_name;
        b->facts.now_ms = run_now_us(r) / 1000;
        c->sent_us = run_now_us(r);
        c->state = RS_WAIT;
        const struct run_sched *s = r->opts->sched;
        rc = s ? s->send(s->arg, c, &b->req) : cfault_send(c, &b->req, &b->facts);
    }
    return rc;
}

static int held(struct rclient *c)
{
    const struct run_sched *s = c->run->opts->sched;
    return s && s->hold(s->arg, c);
}

int rclient_request(struct rclient *c, const struct sc_step *st)
{
    if (held(c) || journal_must_wait(c))
        return 0;
    struct req_build b;
    uint32_t elem = 0;
    const char *op = st->kind == ST_APPEND ? "PutObject" : st->op;
    rb_init(&b);
    int rc;
    if (st->kind == ST_DDB) {
        rc = build_ddb(c, st, &b);
    } else if (!s3_method(op)) {
        run_fail(c->run,
                 "line %d: unknown S3 operation '%s' (GetObject HeadObject PutObject "
                 "CopyObject DeleteObject CreateMultipartUpload UploadPart "
                 "CompleteMultipartUpload)",
                 st->line, op);
        rc = LY_EINVAL;
    } else {
        rc = build_s3(c, st, op, &b, &elem);
    }
    if (!rc)
        rc = send_built(c, st, op, &b, elem);
    rb_cleanup(&b);
    return rc;
}

int rclient_read_list(struct rclient *c, const struct sc_step *st)
{
    if (held(c) || journal_must_wait(c))
        return 0;
    struct req_build b;
    rb_init(&b);
    int rc = build_s3(c, st, "GetObject", &b, NULL);
    if (!rc)
        rc = send_built(c, st, "GetObject", &b, 0);
    rb_cleanup(&b);
    return rc;
}
