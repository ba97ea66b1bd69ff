/*
 * admin.c - the admin API under /_lockyard/ (JSON in and out): health, reset.
 */
#include "net_internal.h"

#include <jansson.h>
#include <string.h>

#define LOCKYARD_VERSION "0.1.0"

static void reply_json(struct ly_req *req, struct ly_resp *resp, int status, json_t *doc)
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

static void reply_error(struct ly_req *req, struct ly_resp *resp, int status, const char *msg)
{
    reply_json(req, resp, status, json_pack("{s:s}", "error", msg));
}

void admin_handle(struct server *srv, struct ly_req *req, struct ly_resp *resp, const char *path)
{
    if (strcmp(path, "health") == 0) {
        if (req->method != LY_GET && req->method != LY_HEAD) {
            reply_error(req, resp, 405, "use GET");
            return;
        }
        reply_json(req, resp, 200, json_pack("{s:s, s:s, s:s}", "status", "ok", "version",
                                             LOCKYARD_VERSION, "region", srv->opts.region));
        return;
    }
    if (strcmp(path, "reset") == 0) {
        if (req->method != LY_POST) {
            reply_error(req, resp, 405, "use POST");
            return;
        }
        if (store_reset(srv->store) != 0) {
            reply_error(req, resp, 500, "reset failed");
            return;
        }
        reply_json(req, resp, 200, json_pack("{s:s}", "status", "reset"));
        return;
    }
    reply_error(req, resp, 404, "no such admin endpoint");
}
