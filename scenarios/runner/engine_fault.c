/*
 * engine_fault.c - a scenario's fault rules applied by the runner itself, for stores that have
 * no lockyard admin API (MinIO, Ceph, R2, AWS, s3rver, ...) or when --client-faults asks.
 *
 * The rules are the same JSON as the server's and are matched by the same core code
 * (fault_rule_fires: globs, nth, every, probability with its seed, count, time window), in
 * the same order (the first firing non-mode rule acts). What the runner can do between the
 * client and the store:
 *   delay          wait ms, then send                           (applied late)
 *   hold           park until a gate releases the rule, a request matching `until` is
 *                  applied, or ms runs out; then send
 *   fail, conflict, throttle, drop
 *                  never send; the client sees the configured status / AWS error
 *                  (409 ConditionalRequestConflict, 503 SlowDown, ...) or no answer
 *   fail_after, drop_after, delay_after, error_in_200 with applied: true
 *                  send; the store applies it; the runner keeps the real answer (so the
 *                  history knows whether it was applied) and shows the client the error,
 *                  no answer, the answer ms later, or 200 OK with an <Error> body
 *   error_in_200 (not applied)
 *                  never send; the client sees 200 OK with an <Error> body
 * stale_read, ignore_conditions and etag_random change what the store itself does: only a
 * lockyard server can do them, so a rule with one of those makes the run pending, and the
 * reason names the rule.
 */
#include "engine.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cf_saved {
    struct ly_client_req req; /* a deferred send: strings point into blob */
    char *blob;
    int answer; /* 1: a made-up or delayed answer to deliver */
    int status;
    char *body;
    size_t body_len;
    struct ly_http_header *headers;
    size_t headers_count;
    struct ly_http_header own[3];
    char reqid[40];
    char code[64];
};

static void on_real_answer(const struct ly_client_resp *resp, void *arg);

static int server_only(enum fault_action a)
{
    return a == FAULT_STALE_READ || a == FAULT_IGNORE_CONDITIONS || a == FAULT_ETAG_RANDOM;
}

int cfault_setup(struct run *r)
{
    struct scenario *sc = r->sc;
    r->rfaults = calloc(sc->nfaults + 1, sizeof *r->rfaults);
    if (!r->rfaults)
        return LY_ENOMEM;
    size_t off = 0;
    for (size_t i = 0; i < sc->nfaults; i++) {
        struct run_fault *f = &r->rfaults[i];
        char err[200];
        json_t *j = json_loads(sc->faults[i].json, 0, NULL);
        int rc = j ? fault_rule_from_json(j, &f->rule, err, sizeof err) : LY_EINVAL;
        json_decref(j);
        if (rc) {
            snprintf(r->error, sizeof r->error, "line %d: %s", sc->faults[i].line,
                     j ? err : "the fault rule is not JSON");
            return LY_EINVAL;
        }
        snprintf(f->rule.id, sizeof f->rule.id, "c%zu", i + 1);
        f->rule.added_ms = 0;
        if (!r->client_faults) {
            f->where = RF_SERVER;
        } else if (server_only(f->rule.action)) {
            f->where = RF_PENDING;
            snprintf(f->why, sizeof f->why,
                     "rule %zu (line %d, %s) changes what the store does; "
                     "only a lockyard target can do it",
                     i + 1, sc->faults[i].line, fault_action_name(f->rule.action));
            if (off < sizeof r->pending)
                off += (size_t)snprintf(r->pending + off, sizeof r->pending - off, "%s%s",
                                        off ? "; " : "", f->why);
        } else {
            f->where = RF_CLIENT;
        }
    }
    return 0;
}

/* The first client-side rule that fires for this request (modes never do), or -1. */
static int choose(struct run *r, const struct fault_facts *f)
{
    for (size_t i = 0; i < r->sc->nfaults; i++) {
        struct run_fault *rf = &r->rfaults[i];
        if (rf->where == RF_CLIENT && fault_rule_fires(&rf->rule, f))
            return (int)i;
    }
    return -1;
}

/* A deep copy of a request, for a send that happens later. */
static struct cf_saved *save_request(const struct ly_client_req *req)
{
    size_t bytes = req->body_len + 1;
    const char *strs[4 + 2 * LY_CLIENT_HEADERS_MAX];
    size_t n = 0;
    strs[n++] = req->method;
    strs[n++] = req->path;
    strs[n++] = req->query;
    strs[n++] = req->service;
    for (size_t i = 0; i < req->headers_count; i++) {
        strs[n++] = req->headers[i].name;
        strs[n++] = req->headers[i].value;
    }
    for (size_t i = 0; i < n; i++)
        bytes += strs[i] ? strlen(strs[i]) + 1 : 0;
    struct cf_saved *s = calloc(1, sizeof *s);
    char *p = s ? malloc(bytes) : NULL;
    if (!p) {
        free(s);
        return NULL;
    }
    s->blob = p;
    const char *copies[4 + 2 * LY_CLIENT_HEADERS_MAX];
    for (size_t i = 0; i < n; i++) {
        copies[i] = NULL;
        if (strs[i]) {
            size_t len = strlen(strs[i]) + 1;
            copies[i] = memcpy(p, strs[i], len);
            p += len;
        }
    }
    s->req = *req;
    s->req.method = copies[0];
    s->req.path = copies[1];
    s->req.query = copies[2];
    s->req.service = copies[3];
    for (size_t i = 0; i < req->headers_count; i++)
        s->req.headers[i] = (struct ly_http_header){copies[4 + 2 * i], copies[5 + 2 * i]};
    if (req->body_len)
        memcpy(p, req->body, req->body_len);
    s->req.body = req->body_len ? p : NULL;
    return s;
}

static void saved_free(struct cf_saved *s)
{
    if (!s)
        return;
    free(s->blob);
    free(s->body);
    free(s->headers);
    free(s);
}

void cfault_client_free(struct rclient *c)
{
    if (c->cf_ev)
        event_free(c->cf_ev);
    c->cf_ev = NULL;
    saved_free(c->cf);
    c->cf = NULL;
}

static void on_cf_event(evutil_socket_t fd, short what, void *arg);

static int arm(struct rclient *c, int64_t ms)
{
    if (!c->cf_ev && !(c->cf_ev = evtimer_new(c->run->base, on_cf_event, c)))
        return LY_ENOMEM;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    return evtimer_add(c->cf_ev, &tv) ? LY_EIO : 0;
}

static void note(struct rclient *c, const char *what)
{
    struct run *r = c->run;
    const struct fault_rule *rule = &r->rfaults[c->cf_rule].rule;
    char text[240];
    snprintf(text, sizeof text, "client-side fault %s (rule %d): %s",
             fault_action_name(rule->action), c->cf_rule + 1, what);
    r->ops[c->op].note = history_intern(&r->h, text);
}

/* The AWS error a fail / conflict / throttle rule shows, as S3 XML or DynamoDB JSON. */
static int made_up_error(struct rclient *c, const struct fault_rule *rule, int ddb)
{
    struct cf_saved *s = calloc(1, sizeof *s);
    if (!s)
        return LY_ENOMEM;
    int status = rule->status ? rule->status : 500;
    const char *code = rule->code[0]   ? rule->code
                       : status >= 500 ? "InternalError"
                                       : "InvalidRequest";
    if (rule->action == FAULT_CONFLICT) {
        status = ddb ? 400 : 409;
        code = ddb ? "TransactionConflictException" : "ConditionalRequestConflict";
    } else if (rule->action == FAULT_THROTTLE) {
        status = ddb ? 400 : 503;
        code = ddb ? "ThrottlingException" : "SlowDown";
    } else if (rule->action == FAULT_ERROR_IN_200) {
        status = 200; /* the status line says success, the body says InternalError */
        code = rule->code[0] ? rule->code : "InternalError";
    } else if (ddb && !rule->code[0]) {
        code = status >= 500 ? "InternalServerError" : "ValidationException";
    }
    char body[512];
    int n = ddb ? snprintf(body, sizeof body,
                           "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\","
                           "\"message\":\"injected by lockyard run (client-side fault)\"}",
                           code)
                : snprintf(body, sizeof body,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
                           "<Code>%s</Code><Message>injected by lockyard run (client-side fault)"
                           "</Message></Error>",
                           code);
    s->answer = 1;
    s->status = status;
    snprintf(s->code, sizeof s->code, "%s", code);
    s->body = strdup(body);
    s->body_len = (size_t)n;
    snprintf(s->reqid, sizeof s->reqid, "lockyard-run-%lld", (long long)c->op);
    s->own[0] = (struct ly_http_header){"Content-Type",
                                        ddb ? "application/x-amz-json-1.0" : "application/xml"};
    s->own[1] = (struct ly_http_header){"x-amz-request-id", s->reqid};
    s->own[2] = (struct ly_http_header){"x-lockyard-fault", "client"};
    if (!s->body) {
        saved_free(s);
        return LY_ENOMEM;
    }
    saved_free(c->cf);
    c->cf = s;
    return 0;
}

static int no_answer(struct rclient *c)
{
    struct cf_saved *s = calloc(1, sizeof *s);
    if (!s)
        return LY_ENOMEM;
    s->answer = 1;
    saved_free(c->cf);
    c->cf = s;
    return 0;
}

static void deliver(struct rclient *c)
{
    struct cf_saved *s = c->cf;
    c->cf = NULL;
    struct ly_client_resp resp = {s->status,
                                  s->status ? 0 : LY_EIO,
                                  s->body ? s->body : "",
                                  s->body_len,
                                  NULL,
                                  s->headers ? s->headers : s->own,
                                  s->headers ? s->headers_count : (s->body ? 3 : 0)};
    engine_on_answer(&resp, c);
    saved_free(s);
}

static int send_now(struct rclient *c, const struct ly_client_req *req)
{
    return ly_client_send(c->conn, req, rclient_now_ms(c) / 1000, on_real_answer, c);
}

static void on_cf_event(evutil_socket_t fd, short what, void *arg)
{
    struct rclient *c = arg;
    (void)fd;
    (void)what;
    if (!c->cf)
        return;
    if (c->cf->answer) {
        deliver(c);
        return;
    }
    struct cf_saved *s = c->cf; /* a delayed or held send */
    c->cf = NULL;
    c->cf_held = 0;
    c->run->ops[c->op].sent = 1;
    c->run->ops[c->op].applied = -1;
    c->run->ops[c->op].sent_us = run_now_us(c->run);
    int rc = send_now(c, &s->req);
    saved_free(s);
    if (rc)
        run_fail(c->run, "sending a delayed request failed: %s", ly_err_str(rc));
}

void cfault_release(struct run *r, int rule)
{
    for (size_t i = 0; i < r->nclients; i++) {
        struct rclient *c = &r->clients[i];
        if (c->cf_held && (rule < 0 || c->cf_rule == rule) && arm(c, 0))
            run_fail(r, "cannot release a held request");
    }
}

/* A request matching a hold's `until` was applied: release those holds. */
static void release_until(struct run *r, const struct fault_facts *f)
{
    for (size_t i = 0; i < r->nclients; i++) {
        struct rclient *c = &r->clients[i];
        const struct fault_rule *rule = c->cf_held ? &r->rfaults[c->cf_rule].rule : NULL;
        if (rule && rule->has_until && fault_match_static(&rule->until, f) && arm(c, 0))
            run_fail(r, "cannot release a held request");
    }
}

/* The store's real answer to a request sent by a client whose rules are applied here. */
static void on_real_answer(const struct ly_client_resp *resp, void *arg)
{
    struct rclient *c = arg;
    struct run *r = c->run;
    if (r->stopped)
        return;
    const struct hev *in = &r->h.ev[c->invoke_ev];
    int applied = !hev_f_is_read(in->f) && resp->status >= 200 && resp->status < 300;
    if (resp->status != 0 && r->ops[c->op].seq < 0) /* no answer: the outcome stays unknown */
        r->ops[c->op].applied = (int8_t)applied;
    if (resp->status != 0)
        r->ops[c->op].real_us = run_now_us(r);
    if (applied) {
        struct fault_facts f = {0};
        f.op = in->f;
        f.client = history_str(&r->h, in->process);
        f.key = history_str(&r->h, in->key);
        release_until(r, &f);
    }
    const struct fault_rule *rule = c->cf_rule >= 0 ? &r->rfaults[c->cf_rule].rule : NULL;
    if (!rule || (rule->action != FAULT_FAIL_AFTER && rule->action != FAULT_DROP_AFTER &&
                  rule->action != FAULT_DELAY_AFTER && rule->action != FAULT_ERROR_IN_200)) {
        engine_on_answer(resp, c);
        return;
    }
    char what[160];
    int rc = 0;
    if (rule->action == FAULT_FAIL_AFTER || rule->action == FAULT_ERROR_IN_200) {
        rc = made_up_error(c, rule, r->ops[c->op].ddb);
        snprintf(what, sizeof what, "the store answered %d; the client was shown %d %s",
                 resp->status, rc ? 0 : c->cf->status, rc ? "" : c->cf->code);
    } else if (rule->action == FAULT_DROP_AFTER) {
        rc = no_answer(c);
        snprintf(what, sizeof what, "the store answered %d; the client saw no answer",
                 resp->status);
    } else {
        struct cf_saved *s = calloc(1, sizeof *s);
        rc = s ? 0 : LY_ENOMEM;
        if (s) {
            s->answer = 1;
            s->status = resp->status;
            s->body = malloc(resp->body_len + 1);
            rc = s->body ? ly_client_resp_copy_headers(resp, &s->headers, &s->headers_count)
                         : LY_ENOMEM;
            if (s->body) {
                memcpy(s->body, resp->body, resp->body_len + 1);
                s->body_len = resp->body_len;
            }
            saved_free(c->cf);
            c->cf = s;
        }
        snprintf(what, sizeof what, "the store answered %d; the client got it %lld ms later",
                 resp->status, (long long)rule->ms);
    }
    note(c, what);
    if (!rc)
        rc = arm(c, rule->action == FAULT_DELAY_AFTER ? rule->ms : 0);
    if (rc)
        run_fail(r, "client-side fault: %s", ly_err_str(rc));
}

int cfault_send(struct rclient *c, const struct ly_client_req *req, const struct fault_facts *f)
{
    struct run *r = c->run;
    c->cf_rule = r->client_faults ? choose(r, f) : -1;
    if (c->cf_rule < 0)
        return r->client_faults
                   ? send_now(c, req)
                   : ly_client_send(c->conn, req, rclient_now_ms(c) / 1000, engine_on_answer, c);
    const struct fault_rule *rule = &r->rfaults[c->cf_rule].rule;
    int ddb = r->ops[c->op].ddb;
    switch (rule->action) {
    case FAULT_DELAY:
    case FAULT_HOLD: {
        struct cf_saved *s = save_request(req);
        if (!s)
            return LY_ENOMEM;
        saved_free(c->cf);
        c->cf = s;
        c->cf_held = rule->action == FAULT_HOLD;
        r->ops[c->op].sent = 0; /* not applied while it waits here (it may never leave) */
        r->ops[c->op].applied = 0;
        note(c, c->cf_held ? "held before sending" : "delayed before sending");
        if (rule->action == FAULT_HOLD && !rule->ms)
            return 0; /* until a gate or a matching write releases it */
        return arm(c, rule->ms);
    }
    case FAULT_ERROR_IN_200:
        if (rule->applied)
            return send_now(c, req);
        /* not applied: the client is shown 200 with an <Error> body */
        __attribute__((fallthrough));
    case FAULT_FAIL:
    case FAULT_CONFLICT:
    case FAULT_THROTTLE:
    case FAULT_DROP: {
        int rc = rule->action == FAULT_DROP ? no_answer(c) : made_up_error(c, rule, ddb);
        r->ops[c->op].sent = 0;
        r->ops[c->op].applied = 0;
        char what[160];
        snprintf(what, sizeof what, "not sent; the client was shown %s%s",
                 rc || !c->cf->status ? "no answer" : "", rc ? "" : c->cf->code);
        if (!rc && c->cf->status)
            snprintf(what, sizeof what, "not sent; the client was shown %d %s", c->cf->status,
                     c->cf->code);
        note(c, what);
        return rc ? rc : arm(c, 0);
    }
    default: return send_now(c, req);
    }
}
