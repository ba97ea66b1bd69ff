/*
 * engine_answer.c - what a client does with an answer: classify it (ok /
 * fail / info), record the completion, retry like an SDK on 5xx and lost
 * answers, save fields into variables and follow the step's branches.
 */
#include "engine.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_VAR_BYTES_MAX 16384

/* The AWS error code of an answer: S3 XML <Code>, DynamoDB JSON __type. */
static void error_code(const struct ly_client_resp *resp, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(resp->body, "<Code>");
    if (p) {
        p += 6;
        const char *e = strstr(p, "</Code>");
        if (e)
            snprintf(out, size, "%.*s", (int)(e - p), p);
        return;
    }
    p = strstr(resp->body, "\"__type\"");
    if (p && (p = strchr(p + 8, '"'))) {
        const char *e = strchr(p + 1, '"');
        const char *hash = e ? memchr(p, '#', (size_t)(e - p)) : NULL;
        if (e)
            snprintf(out, size, "%.*s", (int)(e - (hash ? hash + 1 : p + 1)),
                     hash ? hash + 1 : p + 1);
    }
}

static int classify(const char *f, int status)
{
    if (status == 0 || status >= 500)
        return HEV_INFO;
    if ((status >= 200 && status < 300) || status == 304)
        return HEV_OK;
    if (status == 404 && (!strcmp(f, "GetObject") || !strcmp(f, "HeadObject")))
        return HEV_OK; /* a read of "absent" */
    return HEV_FAIL;
}

/* The text of the first <name> element of an XML answer, &quot; as '"', into out. */
static const char *xml_text(const struct ly_client_resp *resp, const char *name, char *out,
                            size_t size)
{
    char open[80], close[80];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *p = strstr(resp->body, open), *e;
    size_t o = 0;
    if (!p || !(e = strstr(p += strlen(open), close)))
        return NULL;
    while (p < e && o + 1 < size) {
        int q = !strncmp(p, "&quot;", 6);
        out[o++] = q ? '"' : *p;
        p += q ? 6 : 1;
    }
    out[o] = '\0';
    return out;
}

static int record_completion(struct rclient *c, const struct ly_client_resp *resp, int type,
                             const char *code, int final)
{
    struct run *r = c->run;
    const struct hev *in = &r->h.ev[c->invoke_ev];
    struct hev e = hev_blank();
    e.time_us = run_now_us(r);
    e.process = c->name_id;
    e.type = (uint8_t)type;
    memcpy(e.f, in->f, sizeof e.f);
    e.key = in->key;
    e.role = in->role;
    e.status = resp->status;
    e.applied = type == HEV_OK ? 1 : type == HEV_FAIL ? 0 : -1;
    if (code[0])
        e.code = history_intern(&r->h, code);
    const char *etag = ly_client_resp_header(resp, "ETag");
    char xml_etag[128];
    if (!etag && !strcmp(e.f, "CompleteMultipartUpload") && resp->status == 200)
        etag = xml_text(resp, "ETag", xml_etag, sizeof xml_etag); /* in the result document */
    if (!strcmp(e.f, "GetObject") || !strcmp(e.f, "HeadObject")) {
        e.val_known = type == HEV_OK;
        e.val = type == HEV_OK && resp->status == 200 && etag ? history_intern(&r->h, etag) : 0;
    } else if (type == HEV_OK && etag) {
        e.val = history_intern(&r->h, etag);
    }
    int rc = history_add(&r->h, &e);
    const struct sc_step *st = &c->prog->steps[c->pc];
    if (!rc && final && (st->kind == ST_APPEND || (st->kind == ST_S3 && st->element))) {
        snprintf(e.f, sizeof e.f, "append");
        if (st->kind == ST_S3) { /* the logical op is keyed by its list */
            struct ly_buf t;
            ly_buf_init(&t, 4096);
            rc = rclient_expand(c, st->list ? st->list : st->key, &t);
            e.key = rc ? 0 : history_intern(&r->h, t.data);
            ly_buf_cleanup(&t);
        }
        e.role = ROLE_NONE;
        e.val = 0;
        e.val_known = 0;
        rc = history_add(&r->h, &e);
    }
    return rc;
}

static int save_one(struct rclient *c, const char *name, const char *src,
                    const struct ly_client_resp *resp, const char *code)
{
    char num[256];
    const char *v = NULL;
    json_t *j = NULL, *x = NULL;
    if (!strcmp(src, "etag"))
        v = ly_client_resp_header(resp, "ETag");
    else if (!strncmp(src, "xml.", 4))
        v = xml_text(resp, src + 4, num, sizeof num);
    else if (!strcmp(src, "code"))
        v = code;
    else if (!strcmp(src, "status"))
        v = (snprintf(num, sizeof num, "%d", resp->status), num);
    else if (!strcmp(src, "body"))
        v = resp->body_len <= BODY_VAR_BYTES_MAX ? resp->body : "";
    else if (!strncmp(src, "header.", 7))
        v = ly_client_resp_header(resp, src + 7);
    else if (!strncmp(src, "json.", 5) || !strncmp(src, "item.", 5)) {
        j = json_loadb(resp->body, resp->body_len, 0, NULL);
        if (!strncmp(src, "json.", 5))
            x = json_object_get(j, src + 5);
        else {
            json_t *item = json_object_get(j, "Item");
            if (!item)
                item = json_object_get(j, "Attributes");
            json_t *attr = json_object_get(item, src + 5);
            x = json_object_get(attr, "S");
            if (!x)
                x = json_object_get(attr, "N");
            if (!x)
                x = json_object_get(attr, "BOOL");
        }
        if (json_is_string(x))
            v = json_string_value(x);
        else if (json_is_integer(x))
            v = (snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x)), num);
        else if (json_is_boolean(x))
            v = json_is_true(x) ? "true" : "false";
    } else {
        run_fail(c->run,
                 "save: unknown source '%s' (etag status code body header.X json.X item.X "
                 "xml.X)",
                 src);
        return LY_EINVAL;
    }
    int rc = rclient_set(c, name, v ? v : "", v ? strlen(v) : 0);
    json_decref(j);
    return rc;
}

static int after_answer(struct rclient *c, const struct sc_step *st,
                        const struct ly_client_resp *resp, const char *code)
{
    char num[16];
    snprintf(num, sizeof num, "%d", resp->status);
    int rc = rclient_set(c, "status", num, strlen(num));
    const char *etag = ly_client_resp_header(resp, "ETag");
    char xml_etag[128];
    if (!etag && !strcmp(c->run->h.ev[c->invoke_ev].f, "CompleteMultipartUpload") &&
        resp->status == 200)
        etag = xml_text(resp, "ETag", xml_etag, sizeof xml_etag);
    if (!rc)
        rc = rclient_set(c, "etag", etag ? etag : "", etag ? strlen(etag) : 0);
    if (!rc)
        rc = rclient_set(c, "code", code, strlen(code));
    if (!rc && st->kind == ST_READ_LIST) {
        free(c->list_text);
        c->list_text = resp->status == 200 ? strdup(resp->body) : NULL;
        snprintf(c->list_etag, sizeof c->list_etag, "%s", resp->status == 200 && etag ? etag : "");
    }
    for (size_t i = 0; i < st->nsave && !rc; i++)
        rc = save_one(c, st->save[i].name, st->save[i].value, resp, code);
    int next = c->pc + 1, dflt = -1, matched = 0;
    for (size_t i = 0; i < st->non && !matched; i++) {
        const struct sc_branch *b = &st->on[i];
        if (b->status == -1)
            dflt = b->target;
        else if ((b->status > 0 && b->status == resp->status) ||
                 (b->code && !strcmp(b->code, code)))
            next = b->target, matched = 1;
    }
    c->pc = matched ? next : dflt >= 0 ? dflt : next;
    return rc;
}

/*
 * AWS may answer CompleteMultipartUpload, CopyObject and UploadPartCopy 200 OK and then an
 * <Error> body. SDKs read the body and treat it as the error (500: retried); a client that
 * trusts the status line (trust_status: true) takes it for success.
 */
static int error_in_200(const char *f, const struct ly_client_resp *resp)
{
    return resp->status == 200 &&
           (!strcmp(f, "CopyObject") || !strcmp(f, "CompleteMultipartUpload")) &&
           strstr(resp->body, "<Error>") != NULL;
}

static void on_answer_impl(const struct ly_client_resp *in, struct rclient *c)
{
    struct run *r = c->run;
    const struct sc_step *st = &c->prog->steps[c->pc];
    const char *f = r->h.ev[c->invoke_ev].f;
    struct ly_client_resp eff = *in;
    const struct ly_client_resp *resp = &eff;
    char code[96];
    if (!st->trust_status && error_in_200(f, in))
        eff.status = 500;
    error_code(resp, code, sizeof code);
    int type = classify(f, resp->status);
    int retry = type == HEV_INFO && c->attempt < st->retries;
    int rc = record_completion(c, resp, type, code, !retry);
    if (rc) {
        run_fail(r, "recording the history failed: %s", ly_err_str(rc));
        return;
    }
    if (retry) {
        int64_t backoff_us = 20000LL << (c->attempt < 6 ? c->attempt : 6);
        backoff_us += (int64_t)(rclient_rand(c) % (uint64_t)backoff_us);
        c->attempt++;
        rclient_schedule(c, backoff_us);
        return;
    }
    c->attempt = 0;
    rc = after_answer(c, st, resp, code);
    if (rc) {
        if (!r->error[0])
            run_fail(r, "line %d: handling the answer failed: %s", st->line, ly_err_str(rc));
        return;
    }
    c->state = RS_READY;
    rclient_resume(c);
}

void engine_on_answer(const struct ly_client_resp *resp, void *arg)
{
    struct rclient *c = arg;
    if (c->run->stopped)
        return; /* after the time limit: the journal tells what became of it */
    on_answer_impl(resp, c);
}
