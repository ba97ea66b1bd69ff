/*
 * admin.c - the admin API under /_lockyard/ (JSON in and out): health, reset, faults, release,
 * requests (the journal), metrics (Prometheus text), clock, ui (the live page), operations (the
 * S3 route table and the DynamoDB operation table).
 */
#include "net_internal.h"
#include "journal.h"
#include "metrics.h"
#include "ui.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LOCKYARD_VERSION "0.1.0"
#define JOURNAL_PAGE_MAX 10000

void admin_reply_json(struct ly_req *req, struct ly_resp *resp, int status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    resp->status = status;
    if (!text || ly_buf_adds(&resp->body, text) ||
        ly_resp_header(resp, req->arena, "Content-Type", "application/json")) {
        resp->status = 500;
        ly_buf_reset(&resp->body);
    }
    free(text);
}

void admin_reply_error(struct ly_req *req, struct ly_resp *resp, int status, const char *msg)
{
    admin_reply_json(req, resp, status, json_pack("{s:s}", "error", msg));
}

static json_t *op_json(const struct ly_op *op, int has_handler)
{
    return json_pack("{s:s, s:b, s:b, s:b, s:b}", "name", op->name, "write",
                     (op->flags & LY_OP_WRITE) != 0, "conditional",
                     (op->flags & LY_OP_CONDITIONAL) != 0, "read", (op->flags & LY_OP_READ) != 0,
                     "handler", has_handler);
}

static void add_s3_route(void *arg, const struct s3_route_info *r)
{
    json_t *o = op_json(&r->op, r->has_handler), *subs = json_array();
    if (r->sub)
        json_array_append_new(subs, json_string(r->sub));
    if (r->sub2)
        json_array_append_new(subs, json_string(r->sub2));
    json_object_set_new(o, "method", json_string(r->method));
    json_object_set_new(o, "level", json_string(r->level));
    json_object_set_new(o, "subresources", subs);
    json_object_set_new(o, "header", r->header ? json_string(r->header) : json_null());
    json_object_set_new(o, "action", json_string(r->action ? r->action : ""));
    json_array_append_new(arg, o);
}

static void add_ddb_op(void *arg, const struct ly_op *op, int has_handler)
{
    json_array_append_new(arg, op_json(op, has_handler));
}

/* {"s3": [route…], "dynamodb": [operation…]}: the tables requests are classified by. */
static json_t *operations(void)
{
    json_t *s3 = json_array(), *ddb = json_array();
    if (s3)
        s3_each_route(add_s3_route, s3);
    if (ddb)
        ddb_each_op(add_ddb_op, ddb);
    return json_pack("{s:o*, s:o*}", "s3", s3, "dynamodb", ddb);
}

/* {"status","version","region"} and, with HTTPS on, "https_port" and "certificate". */
static json_t *health(const struct server *srv)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "status", "ok", "version", LOCKYARD_VERSION, "region",
                          srv->opts.region);
    if (o && srv->https_port > 0) {
        json_object_set_new(o, "https_port", json_integer(srv->https_port));
        json_object_set_new(o, "certificate", json_string(srv->cert_path));
    }
    return o;
}

json_t *admin_body_json(const struct ly_req *req)
{
    if (req->body_len == 0)
        return json_object();
    return json_loadb((const char *)req->body, req->body_len, 0, NULL);
}

static void faults_post(struct server *srv, struct ly_req *req, struct ly_resp *resp)
{
    json_t *doc = admin_body_json(req), *ids = json_array();
    char err[256] = "", id[24];
    if (!doc) {
        admin_reply_error(req, resp, 400, "the body is not JSON");
        json_decref(ids);
        return;
    }
    int many = json_is_array(doc);
    size_t n = many ? json_array_size(doc) : 1;
    struct fault_rule *rules = calloc(n ? n : 1, sizeof *rules);
    int rc = rules ? 0 : LY_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) /* validate all before adding any */
        rc = fault_rule_from_json(many ? json_array_get(doc, i) : doc, &rules[i], err, sizeof err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = net_fault_add(srv, &rules[i], id, sizeof id);
        if (!rc)
            json_array_append_new(ids, json_string(id));
    }
    if (rc)
        admin_reply_error(req, resp, 400, err[0] ? err : "cannot add the rule");
    else if (many)
        admin_reply_json(req, resp, 200, json_pack("{s:O}", "ids", ids));
    else
        admin_reply_json(req, resp, 200, json_pack("{s:O}", "id", json_array_get(ids, 0)));
    free(rules);
    json_decref(ids);
    json_decref(doc);
}

static void faults(struct server *srv, struct ly_req *req, struct ly_resp *resp, const char *id)
{
    if (req->method == LY_GET && !id) {
        json_t *arr = json_array();
        for (size_t i = 0; i < srv->nrules; i++)
            json_array_append_new(arr, fault_rule_to_json(&srv->rules[i]));
        admin_reply_json(req, resp, 200, json_pack("{s:o}", "faults", arr));
    } else if (req->method == LY_POST && !id) {
        faults_post(srv, req, resp);
    } else if (req->method == LY_DELETE && !id) {
        net_fault_clear(srv);
        admin_reply_json(req, resp, 200, json_pack("{s:s}", "status", "cleared"));
    } else if (req->method == LY_DELETE) {
        if (net_fault_delete(srv, id) != 0)
            admin_reply_error(req, resp, 404, "no such fault rule");
        else
            admin_reply_json(req, resp, 200, json_pack("{s:s}", "status", "deleted"));
    } else {
        admin_reply_error(req, resp, 405, "use GET, POST or DELETE");
    }
}

static uint64_t query_u64(struct ly_req *req, const char *name, uint64_t dflt)
{
    const struct ly_qparam *q = ly_req_query(req, name);
    if (!q)
        return dflt;
    char *end;
    unsigned long long v = strtoull(q->value, &end, 10);
    return *q->value && !*end ? (uint64_t)v : dflt;
}

static void clock_api(struct server *srv, struct ly_req *req, struct ly_resp *resp)
{
    if (req->method == LY_POST) {
        json_t *doc = admin_body_json(req);
        const json_t *off = json_object_get(doc, "offset_ms");
        const json_t *adv = json_object_get(doc, "advance_ms");
        if (!doc || (off && !json_is_integer(off)) || (adv && !json_is_integer(adv)) ||
            (!off && !adv)) {
            admin_reply_error(req, resp, 400,
                              "the body must be {\"offset_ms\": N} or {\"advance_ms\": N}");
            json_decref(doc);
            return;
        }
        int64_t set = off ? json_integer_value(off) : 0, by = adv ? json_integer_value(adv) : 0;
        int rc = net_clock_move(srv, off ? &set : NULL, adv ? &by : NULL);
        json_decref(doc);
        if (rc) {
            admin_reply_error(req, resp, 400,
                              "the server clock must stay within "
                              "1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (dates AWS "
                              "can express)");
            return;
        }
    } else if (req->method != LY_GET) {
        admin_reply_error(req, resp, 405, "use GET or POST");
        return;
    }
    admin_reply_json(req, resp, 200,
                     json_pack("{s:I, s:I}", "now_ms", (json_int_t)net_now_ms(srv), "offset_ms",
                               (json_int_t)srv->clock_offset_ms));
}

static void metrics_api(struct server *srv, struct ly_req *req, struct ly_resp *resp)
{
    uint64_t entries = journal_count(srv->journal);
    resp->status = 200;
    if (metrics_render(srv->metrics, store_used_bytes(srv->store), entries, &resp->body) ||
        ly_resp_header(resp, req->arena, "Content-Type", "text/plain; version=0.0.4")) {
        ly_buf_reset(&resp->body);
        resp->status = 500;
    }
}

int admin_method_is(struct ly_req *req, struct ly_resp *resp, enum ly_method m, const char *msg)
{
    if (req->method == m || (m == LY_GET && req->method == LY_HEAD))
        return 1;
    admin_reply_error(req, resp, 405, msg);
    return 0;
}

void admin_handle(struct server *srv, struct ly_req *req, struct ly_resp *resp, const char *path)
{
    if (strcmp(path, "health") == 0) {
        if (admin_method_is(req, resp, LY_GET, "use GET"))
            admin_reply_json(req, resp, 200, health(srv));
    } else if (strcmp(path, "faults") == 0 || strncmp(path, "faults/", 7) == 0) {
        faults(srv, req, resp, path[6] == '/' ? path + 7 : NULL);
    } else if (strcmp(path, "requests") == 0) {
        if (admin_method_is(req, resp, LY_GET, "use GET")) {
            uint64_t limit = query_u64(req, "limit", JOURNAL_PAGE_MAX);
            const struct ly_qparam *prefix = ly_req_query(req, "op_prefix");
            json_t *page = journal_since(srv->journal, query_u64(req, "since", 0),
                                         limit > JOURNAL_PAGE_MAX ? JOURNAL_PAGE_MAX : limit);
            if (page) /* what a reader still has to wait for */
                json_object_set_new(page, "inflight",
                                    json_integer((json_int_t)journal_inflight(
                                        srv->journal, prefix ? prefix->value : "")));
            admin_reply_json(req, resp, 200, page);
        }
    } else if (strcmp(path, "metrics") == 0) {
        if (admin_method_is(req, resp, LY_GET, "use GET"))
            metrics_api(srv, req, resp);
    } else if (strcmp(path, "clock") == 0) {
        clock_api(srv, req, resp);
    } else if (strcmp(path, "operations") == 0) {
        if (admin_method_is(req, resp, LY_GET, "use GET"))
            admin_reply_json(req, resp, 200, operations());
    } else if (strcmp(path, "ui") == 0) {
        if (admin_method_is(req, resp, LY_GET, "use GET"))
            ui_page(req, resp);
    } else {
        admin_reply_error(req, resp, 404, "no such admin endpoint");
    }
}
