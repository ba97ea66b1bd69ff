/*
 * pipeline.c - the life of one request: parse → route → authenticate → fault rules →
 * (delay | hold) → apply in the handler → (fail_after | drop_after | delay_after) → journal,
 * metrics → exactly one answer (or a dropped connection). A request that waits on a timer or a
 * hold owns copies of everything it needs, so libevent may free its buffers meanwhile.
 */
#include "net_internal.h"
#include "guard.h"
#include "body.h"
#include "journal.h"
#include "metrics.h"
#include "reqlog.h"
#include "lockyard/check.h"
#include "lockyard/sts.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BYTES_MAX (64u << 20)
#define RESP_XML_BYTES_MAX (256u << 20)

struct pending {
    struct server *srv;
    struct evhttp_request *ev;
    struct evhttp_connection *conn;
    struct ly_arena arena;
    struct ly_req req;
    struct ly_resp resp;
    struct ly_buf decoded;      /* aws-chunked payload, or the body copied when deferred */
    struct net_body *body;      /* the body the guard took and hashed as it came, or NULL */
    enum net_service svc;
    struct fault_facts facts;
    struct journal_entry je;
    int has_fault;
    struct fault_rule fault;    /* copy of the rule that fired */
    int dead;                   /* the client closed the connection */
    int held;
    struct event *timer;
    json_t *json_body;          /* DynamoDB: the parsed body, shared with the handler */
    struct pending *next;
};

static void pending_free(struct pending *p)
{
    struct pending **pp = &p->srv->inflight;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    if (p->timer)
        event_free(p->timer);
    json_decref(p->json_body);
    ly_resp_cleanup(&p->resp);
    ly_buf_cleanup(&p->decoded);
    net_body_free(p->body);
    ly_arena_cleanup(&p->arena);
    free(p);
}

static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

static const char *const write_ops[] = {
    "PutObject", "CopyObject", "DeleteObject", "DeleteObjects", "CompleteMultipartUpload",
    "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "AbortMultipartUpload",
    "CreateBucket", "DeleteBucket", "PutBucketVersioning", "PutBucketPolicy",
    "DeleteBucketPolicy", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
    "TransactWriteItems", "CreateTable", "DeleteTable", "UpdateTable", "UpdateTimeToLive", NULL,
};

static const char *const read_ops[] = {"GetObject", "HeadObject", "ListObjects", "ListObjectsV2",
    "ListObjectVersions", "HeadBucket", "GetItem", "BatchGetItem", "Query", "Scan", NULL};

static int op_in(const char *op, const char *const *ops)
{
    for (size_t i = 0; ops[i]; i++)
        if (strcmp(op, ops[i]) == 0)
            return 1;
    return 0;
}

static int is_write(const char *op)
{
    return op_in(op, write_ops);
}

/* Error code of an answer into out (from the handler, or read off an <Error> / JSON body). */
static void answer_code(const struct ly_resp *r, char *out, size_t n)
{
    out[0] = '\0';
    if (r->error_code) {
        copy_text(out, n, r->error_code);
        return;
    }
    if (r->status < 300 || !r->body.data)
        return;
    const char *c = strstr(r->body.data, "<Code>");
    const char *j = strstr(r->body.data, "\"__type\":\"");
    if (c) {
        c += 6;
        snprintf(out, n, "%.*s", (int)strcspn(c, "<"), c);
    } else if (j) {
        j += 10;
        const char *hash = memchr(j, '#', strcspn(j, "\""));
        j = hash ? hash + 1 : j;
        snprintf(out, n, "%.*s", (int)strcspn(j, "\""), j);
    }
}

static void fault_error(struct pending *p, int status, const char *code);

static void send_and_free(struct pending *p)
{
    if (!p->dead) {
        struct guard_mark m = guard_answered(p->srv->guard, p->ev);
        net_send_reply(p->ev, &p->req, &p->resp);
        guard_flush(p->srv->guard, m);
    }
    pending_free(p);
}

/* Group durability: one fsync for every write answered in this loop iteration, then the
 * answers. A failed sync turns them into 500s: nothing is acknowledged that is not on disk. */
static void on_sync(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct server *srv = arg;
    struct pending *q = srv->sync_queue;
    srv->sync_queue = NULL;
    int failed = store_sync(srv->store) != 0;
    while (q) {
        struct pending *next = q->next;
        q->next = NULL;
        if (failed)
            fault_error(q, 500, q->svc == NET_SVC_DDB ? "InternalServerError" : "InternalError");
        send_and_free(q);
        q = next;
    }
}

static int queue_for_sync(struct pending *p)
{
    struct server *srv = p->srv;
    if (!srv->sync_event)
        srv->sync_event = event_new(srv->base, -1, 0, on_sync, srv);
    if (!srv->sync_event)
        return -1;
    /* Out of the in-flight list (nothing can hold or drop it now) into the sync queue. */
    struct pending **pp = &srv->inflight;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    p->next = srv->sync_queue;
    srv->sync_queue = p;
    if (!event_pending(srv->sync_event, EV_TIMEOUT, NULL))
        event_active(srv->sync_event, EV_TIMEOUT, 0);
    return 0;
}

static void finish(struct pending *p)
{
    struct server *srv = p->srv;
    p->je.end_ms = net_now_ms(srv);
    p->je.status = p->resp.status;
    answer_code(&p->resp, p->je.code, sizeof p->je.code);
    if (p->svc != NET_SVC_ADMIN) {
        journal_put(srv->journal, &p->je);
        metrics_request(srv->metrics, p->je.service, p->je.op, p->resp.status,
                        p->je.end_ms - p->je.start_ms);
    }
    if (srv->opts.log_level >= 1)
        reqlog_write(srv->opts.log_json, &p->je, p->req.method_name, p->req.raw_path,
                     p->dead ? NULL : p->conn);
    if (p->je.applied && srv->opts.durability == STORE_DURABILITY_GROUP && queue_for_sync(p) == 0)
        return;
    send_and_free(p);
}

static void close_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    evhttp_connection_free(arg);
}

/* Closes the connection without an answer (drop / drop_after). */
static void drop(struct pending *p)
{
    struct server *srv = p->srv;
    p->je.end_ms = net_now_ms(srv);
    p->je.status = 0;
    journal_put(srv->journal, &p->je);
    metrics_request(srv->metrics, p->je.service, p->je.op, 0, p->je.end_ms - p->je.start_ms);
    if (srv->opts.log_level >= 1)
        reqlog_write(srv->opts.log_json, &p->je, p->req.method_name, p->req.raw_path,
                     p->dead ? NULL : p->conn);
    if (!p->dead) {
        (void)guard_answered(srv->guard, p->ev);
        evhttp_connection_set_closecb(p->conn, NULL, NULL);
        /* Freed from the loop, not from inside libevent's own callback. */
        event_base_once(srv->base, -1, EV_TIMEOUT, close_later, p->conn, NULL);
    }
    pending_free(p);
}

static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
    struct server *srv = arg;
    for (struct pending *p = srv->inflight; p; p = p->next)
        if (p->conn == conn)
            p->dead = 1; /* libevent frees the request; the work still happens, unanswered */
    for (struct pending *p = srv->sync_queue; p; p = p->next)
        if (p->conn == conn)
            p->dead = 1;
}

static void handle_now(struct pending *p);

/* stale_read: the newest snapshot at least ms old (or the oldest kept) for an eventually
 * consistent read; NULL for writes and strongly consistent reads. */
static struct store_snapshot *stale_view(struct pending *p)
{
    struct server *srv = p->srv;
    if (!op_in(p->je.op, read_ops) || srv->nsnaps == 0 || !p->has_fault || p->fault.action != FAULT_STALE_READ)
        return NULL;
    if (p->svc == NET_SVC_DDB && json_is_true(json_object_get(p->json_body, "ConsistentRead")))
        return NULL;
    int64_t cutoff = net_now_ms(srv) - p->fault.ms;
    struct store_snapshot *best = srv->snaps[0].snap;
    for (size_t i = 0; i < srv->nsnaps; i++)
        if (srv->snaps[i].at_ms <= cutoff)
            best = srv->snaps[i].snap;
    return best;
}

/* Keeps snapshots every few ms while stale_read rules exist, as far back as they look. */
static void stale_maintain(struct server *srv, int after_write)
{
    int64_t horizon = 0, now = net_now_ms(srv);
    for (size_t i = 0; i < srv->nrules; i++)
        if (srv->rules[i].action == FAULT_STALE_READ && srv->rules[i].ms > horizon)
            horizon = srv->rules[i].ms;
    int64_t step = horizon / 32 > 5 ? horizon / 32 : 5;
    while (srv->nsnaps && (horizon == 0 || (srv->nsnaps >= 2 &&
                                            srv->snaps[1].at_ms <= now - horizon))) {
        store_snapshot_free(srv->store, srv->snaps[0].snap);
        memmove(&srv->snaps[0], &srv->snaps[1], --srv->nsnaps * sizeof srv->snaps[0]);
    }
    /* A write changes the state: always snapshot after one; otherwise every `step` ms. */
    if (horizon == 0 ||
        (!after_write && srv->nsnaps && srv->snaps[srv->nsnaps - 1].at_ms > now - step))
        return;
    if (srv->nsnaps == NET_SNAPSHOTS_MAX) {
        store_snapshot_free(srv->store, srv->snaps[0].snap);
        memmove(&srv->snaps[0], &srv->snaps[1], --srv->nsnaps * sizeof srv->snaps[0]);
    }
    if (store_snapshot_take(srv->store, &srv->snaps[srv->nsnaps].snap) == 0)
        srv->snaps[srv->nsnaps++].at_ms = now;
}

static void handle(struct pending *p)
{
    struct server *srv = p->srv;
    struct store_snapshot *view = p->svc == NET_SVC_ADMIN ? NULL : stale_view(p);
    if (view) {
        store_read_at(srv->store, view);
        handle_now(p);
        store_read_at(srv->store, NULL);
        return;
    }
    handle_now(p);
}

static void handle_now(struct pending *p)
{
    struct server *srv = p->srv;
    switch (p->svc) {
    case NET_SVC_DDB: ddb_handle(&srv->ddb, &p->req, &p->resp); return;
    case NET_SVC_STS: sts_handle(&p->req, &p->resp); return;
    case NET_SVC_ADMIN: admin_handle(srv, &p->req, &p->resp, p->req.raw_path + 11); return;
    default: s3_handle(&srv->s3, &p->req, &p->resp); return;
    }
}

static void fault_error(struct pending *p, int status, const char *code)
{
    ly_buf_reset(&p->resp.body);
    p->resp.nhdrs = 0;
    if (p->svc == NET_SVC_DDB) {
        /* A rule's default codes are S3 names; DynamoDB answers with its own. */
        if (strcmp(code, "InternalError") == 0)
            code = "InternalServerError";
        else if (strcmp(code, "InvalidRequest") == 0)
            code = "ValidationException";
        net_ddb_error(&p->req, &p->resp, status, code, "Injected by a lockyard fault rule");
        return;
    }
    /* S3 codes outside the handler's table still get an AWS-shaped document. */
    p->resp.status = status;
    p->resp.error_code = code;
    if (ly_buf_addf(&p->resp.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
                    "</Code><Message>Injected by a lockyard fault rule</Message><RequestId>%s"
                    "</RequestId><HostId>%s</HostId></Error>", code, p->req.request_id,
                    p->req.host_id) ||
        ly_resp_header(&p->resp, p->req.arena, "Content-Type", "application/xml") ||
        ly_resp_header(&p->resp, p->req.arena, "x-amz-request-id", p->req.request_id) ||
        ly_resp_header(&p->resp, p->req.arena, "x-amz-id-2", p->req.host_id))
        ly_buf_reset(&p->resp.body);
}

static void release_until(struct server *srv, const struct fault_facts *committed);
static void stale_maintain(struct server *srv, int after_write);
static void after(struct pending *p);

static void on_timer(evutil_socket_t fd, short what, void *arg);

static int defer(struct pending *p, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    if (!p->timer)
        p->timer = evtimer_new(p->srv->base, on_timer, p);
    return p->timer && evtimer_add(p->timer, &tv) == 0 ? 0 : -1;
}

static void apply(struct pending *p)
{
    p->je.applied = 0;
    p->req.now_ms = net_now_ms(p->srv); /* a delayed or held write lands now */
    handle(p);
    /* The journal's order is commit order: the sequence number is taken here, before a
     * delay_after or a commit-released hold lets another request be journaled first. */
    p->je.seq = journal_reserve(p->srv->journal);
    if (is_write(p->je.op) && p->resp.status >= 200 && p->resp.status < 300) {
        p->je.applied = 1;
        stale_maintain(p->srv, 1);
        release_until(p->srv, &p->facts);
    }
    after(p);
}

static void after(struct pending *p)
{
    enum fault_action a = p->has_fault ? p->fault.action : FAULT_ACTION_COUNT_;
    if (a == FAULT_FAIL_AFTER || (a == FAULT_ERROR_IN_200 && p->fault.applied)) {
        fault_error(p, a == FAULT_FAIL_AFTER ? p->fault.status : 200, p->fault.code);
        finish(p);
    } else if (a == FAULT_DROP_AFTER) {
        drop(p);
    } else if (a == FAULT_DELAY_AFTER && defer(p, p->fault.ms) == 0) {
        p->has_fault = 2; /* 2: the delay after has started; the timer then answers */
    } else {
        finish(p);
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct pending *p = arg;
    if (p->has_fault == 2) {
        finish(p); /* the delay after applying is over */
        return;
    }
    p->held = 0; /* a delay before applying, or a hold's timeout */
    apply(p);
}

static void before(struct pending *p)
{
    if (!p->has_fault) {
        apply(p);
        return;
    }
    metrics_fault(p->srv->metrics, fault_action_name(p->fault.action));
    switch (p->fault.action) {
    case FAULT_DELAY:
        if (defer(p, p->fault.ms) != 0)
            apply(p);
        return;
    case FAULT_HOLD:
        /* Parked until released, a matching commit (until), or the timeout (ms). A timer
         * that cannot be armed leaves it to an explicit release. */
        p->held = 1;
        if (p->fault.ms)
            (void)defer(p, p->fault.ms);
        return;
    case FAULT_FAIL:
        fault_error(p, p->fault.status, p->fault.code);
        finish(p);
        return;
    case FAULT_ERROR_IN_200: /* 200 OK, then an <Error>: applied first only when asked */
        if (p->fault.applied) {
            apply(p);
        } else {
            fault_error(p, 200, p->fault.code);
            finish(p);
        }
        return;
    case FAULT_CONFLICT:
        if (p->svc == NET_SVC_DDB)
            fault_error(p, 400, "TransactionConflictException");
        else
            s3_reply_error(&p->req, &p->resp, "ConditionalRequestConflict", "Key",
                           p->req.key ? p->req.key : "", NULL);
        finish(p);
        return;
    case FAULT_THROTTLE:
        if (p->svc == NET_SVC_DDB)
            fault_error(p, 400, "ThrottlingException");
        else
            s3_reply_error(&p->req, &p->resp, "SlowDown", NULL);
        finish(p);
        return;
    case FAULT_DROP: drop(p); return;
    default: apply(p); return;
    }
}

static void release_one(struct pending *p)
{
    p->held = 0;
    if (p->timer)
        evtimer_del(p->timer);
    apply(p);
}

/* Releases the held requests whose rule waits for a commit matching `committed`. */
static void release_until(struct server *srv, const struct fault_facts *committed)
{
    for (;;) {
        struct pending *hit = NULL;
        for (struct pending *q = srv->inflight; q && !hit; q = q->next)
            if (q->held && q->fault.has_until && fault_match_static(&q->fault.until, committed))
                hit = q;
        if (!hit)
            return;
        release_one(hit);
    }
}

size_t net_release(struct server *srv, const char *rule_id)
{
    size_t n = 0;
    for (;;) {
        struct pending *hit = NULL;
        for (struct pending *q = srv->inflight; q && !hit; q = q->next)
            if (q->held && (!rule_id || strcmp(q->fault.id, rule_id) == 0))
                hit = q;
        if (!hit)
            return n;
        release_one(hit);
        n++;
    }
}

int net_fault_add(struct server *srv, const struct fault_rule *rule, char *id_out, size_t id_size)
{
    if (srv->nrules == srv->rules_cap) {
        size_t cap = srv->rules_cap ? srv->rules_cap * 2 : 16;
        struct fault_rule *r = realloc(srv->rules, cap * sizeof *r);
        if (!r)
            return LY_ENOMEM;
        srv->rules = r;
        srv->rules_cap = cap;
    }
    struct fault_rule *r = &srv->rules[srv->nrules++];
    *r = *rule;
    snprintf(r->id, sizeof r->id, "f%llu", (unsigned long long)++srv->next_rule_id);
    r->added_ms = net_now_ms(srv);
    r->seen = r->fired = 0;
    snprintf(id_out, id_size, "%s", r->id);
    return 0;
}

int net_fault_delete(struct server *srv, const char *id)
{
    for (size_t i = 0; i < srv->nrules; i++) {
        if (strcmp(srv->rules[i].id, id) == 0) {
            memmove(&srv->rules[i], &srv->rules[i + 1], (srv->nrules - i - 1) * sizeof *srv->rules);
            srv->nrules--;
            return 0;
        }
    }
    return LY_ENOENT;
}

void net_fault_clear(struct server *srv)
{
    srv->nrules = 0;
}

void net_pipeline_free(struct server *srv)
{
    for (size_t i = 0; i < srv->nsnaps; i++)
        store_snapshot_free(srv->store, srv->snaps[i].snap);
    srv->nsnaps = 0;
    while (srv->inflight) {
        srv->inflight->dead = 1;
        pending_free(srv->inflight);
    }
    while (srv->sync_queue) {
        struct pending *next = srv->sync_queue->next;
        pending_free(srv->sync_queue);
        srv->sync_queue = next;
    }
    if (srv->sync_event)
        event_free(srv->sync_event);
    free(srv->rules);
    journal_free(srv->journal);
    metrics_free(srv->metrics);
}

/*
 * Picks the fault for this request: every firing mode sets its request flag; the first other
 * firing rule acts (stale_read only on reads). The journal names the acting rule, else the
 * first mode.
 */
static void choose_fault(struct pending *p)
{
    struct server *srv = p->srv;
    for (size_t i = 0; i < srv->nrules; i++) {
        struct fault_rule *r = &srv->rules[i];
        int mode = r->action == FAULT_IGNORE_CONDITIONS || r->action == FAULT_ETAG_RANDOM;
        if ((!mode && p->has_fault) ||
            (r->action == FAULT_STALE_READ && !op_in(p->facts.op, read_ops)) ||
            (r->action == FAULT_ERROR_IN_200 && !fault_error_in_200_op(p->facts.op)))
            continue;
        if (!fault_rule_fires(r, &p->facts))
            continue;
        if (r->action == FAULT_IGNORE_CONDITIONS)
            p->req.ignore_conditions = 1;
        else if (r->action == FAULT_ETAG_RANDOM)
            p->req.etag_random = 1;
        if (mode) {
            metrics_fault(srv->metrics, fault_action_name(r->action));
        } else {
            p->has_fault = 1;
            p->fault = *r;
        }
        if (!mode || !p->je.fault[0]) {
            copy_text(p->je.fault_id, sizeof p->je.fault_id, r->id);
            copy_text(p->je.fault, sizeof p->je.fault, fault_action_name(r->action));
        }
    }
}

static void s3_facts(struct pending *p)
{
    static const char *const h[] = {"If-Match", "If-None-Match", "If-Modified-Since",
        "If-Unmodified-Since", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match"};
    struct ly_req *r = &p->req;
    json_t *c = NULL;
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        const char *v = ly_req_header(r, h[i]);
        if (v && (c || (c = json_object())))
            json_object_set_new(c, h[i], json_string(v));
    }
    char *text = c ? json_dumps(c, JSON_COMPACT) : NULL; /* most requests have none */
    copy_text(p->je.conditions, sizeof p->je.conditions, text);
    free(text);
    json_decref(c);
    p->facts.op = s3_op_name(r);
    p->facts.bucket = r->bucket;
    p->facts.key = r->key;
    p->facts.conditional = s3_is_conditional(r);
    copy_text(p->je.bucket, sizeof p->je.bucket, r->bucket);
    copy_text(p->je.key, sizeof p->je.key, r->key);
}

size_t net_inflight_ops(const struct server *srv, const char *op_prefix)
{
    size_t n = 0, len = strlen(op_prefix);
    for (const struct pending *q = srv->inflight; q; q = q->next)
        n += !q->held && q->je.op_id[0] && !strncmp(q->je.op_id, op_prefix, len);
    return n;
}

/* Whether a fault rule, or a held request's until, matches on the key. */
static int key_matched(const struct server *srv)
{
    for (size_t i = 0; i < srv->nrules; i++)
        if (srv->rules[i].match.key[0] || (srv->rules[i].has_until && srv->rules[i].until.key[0]))
            return 1;
    for (const struct pending *q = srv->inflight; q; q = q->next)
        if (q->held && q->fault.has_until && q->fault.until.key[0])
            return 1;
    return 0;
}

static void ddb_facts(struct pending *p)
{
    struct ly_req *r = &p->req;
    const char *target = ly_req_header(r, "X-Amz-Target");
    const char *dot = target ? strrchr(target, '.') : NULL;
    p->facts.op = ly_arena_strdup(r->arena, dot ? dot + 1 : "Unknown");
    json_t *doc = json_loadb((const char *)r->body, r->body_len, JSON_ALLOW_NUL, NULL);
    const char *table = json_string_value(json_object_get(doc, "TableName"));
    json_t *key = json_object_get(doc, "Key");
    if (!key)
        key = json_object_get(doc, "Item");
    /* The journal keeps the text's start; the whole text (a PutItem's whole item) only when
     * a rule may match on it */
    char *ktext = key && key_matched(p->srv) ? json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS)
                                             : NULL;
    p->facts.table = table ? ly_arena_strdup(r->arena, table) : NULL;
    copy_text(p->je.table, sizeof p->je.table, table);
    if (ktext)
        copy_text(p->je.key, sizeof p->je.key, ktext);
    else if (key)
        journal_json_prefix(key, p->je.key, sizeof p->je.key);
    p->facts.key = ly_arena_strdup(r->arena, ktext ? ktext : p->je.key);
    const char *ce = json_string_value(json_object_get(doc, "ConditionExpression"));
    json_t *c = json_object();
    if (ce)
        json_object_set_new(c, "ConditionExpression", json_string(ce));
    if (json_object_get(doc, "Expected"))
        json_object_set(c, "Expected", json_object_get(doc, "Expected"));
    p->facts.conditional = json_object_size(c) > 0 || (doc && strcmp(p->facts.op,
                                                                      "TransactWriteItems") == 0);
    char *ctext = json_dumps(c, JSON_COMPACT);
    copy_text(p->je.conditions, sizeof p->je.conditions, ctext);
    free(ctext);
    free(ktext);
    json_decref(c);
    p->json_body = doc; /* handed to the DynamoDB handler, freed with the request */
    r->json_body = doc;
}

static void fill_facts(struct pending *p)
{
    static const char *const svc_names[] = {"s3", "dynamodb", "sts", "admin"};
    struct ly_req *r = &p->req;
    const char *client = ly_req_header(r, "x-lockyard-client");
    p->facts.service = svc_names[p->svc];
    p->facts.client = client ? client : r->access_key;
    p->facts.now_ms = r->now_ms;
    if (p->svc == NET_SVC_S3)
        s3_facts(p);
    else if (p->svc == NET_SVC_DDB)
        ddb_facts(p);
    else
        p->facts.op = p->svc == NET_SVC_STS ? "GetCallerIdentity" : "Admin";
    copy_text(p->je.service, sizeof p->je.service, p->facts.service);
    copy_text(p->je.op, sizeof p->je.op, p->facts.op);
    copy_text(p->je.client, sizeof p->je.client, p->facts.client);
    const char *op_id = ly_req_header(r, "x-lockyard-op");
    if (op_id)
        copy_text(p->je.op_id, sizeof p->je.op_id, op_id);
}

/* A request that may wait keeps its own copy of the body (libevent may free its buffer). */
static int own_body(struct pending *p)
{
    const void *b = p->req.body;
    if (p->req.body_len == 0 || (p->decoded.data && b == p->decoded.data) ||
        (p->body && (b == p->body->raw.data || b == p->body->payload.data)))
        return 0; /* already the request's own */
    ly_buf_reset(&p->decoded);
    int rc = ly_buf_add(&p->decoded, p->req.body, p->req.body_len);
    if (!rc)
        p->req.body = (const unsigned char *)p->decoded.data;
    return rc;
}

/* Whether the handler runs after serve() returns (a delay or hold): only then does libevent's
 * body buffer need copying. */
static int waits_before_apply(const struct pending *p)
{
    return p->has_fault && (p->fault.action == FAULT_DELAY || p->fault.action == FAULT_HOLD);
}

static struct pending *pending_new(struct server *srv, struct evhttp_request *ev)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->srv = srv;
    p->ev = ev;
    p->conn = evhttp_request_get_connection(ev);
    ly_arena_init(&p->arena, ARENA_BYTES_MAX);
    ly_resp_init(&p->resp, srv->opts.object_bytes_max + RESP_XML_BYTES_MAX);
    ly_buf_init(&p->decoded, srv->opts.object_bytes_max + (1u << 20));
    p->req.arena = &p->arena;
    p->next = srv->inflight;
    srv->inflight = p;
    evhttp_connection_set_closecb(p->conn, on_conn_close, srv);
    return p;
}

/* A request the connection guard refused: the refusal, then the connection closes. */
static void refuse(struct pending *p, const struct httphead_refusal *r)
{
    p->svc = NET_SVC_S3;
    p->req.method = LY_GET; /* the stand-in request; the refused one may have been a HEAD */
    p->je.start_ms = p->req.now_ms;
    copy_text(p->je.request_id, sizeof p->je.request_id, p->req.request_id);
    copy_text(p->je.service, sizeof p->je.service, "s3");
    copy_text(p->je.op, sizeof p->je.op, "Refused");
    s3_reply_error(&p->req, &p->resp, r->code, "Message", r->message,
                   r->header ? "Header" : NULL, r->header, NULL);
    if (ly_resp_header_set(&p->resp, p->req.arena, "Connection", "close") != 0)
        p->resp.status = 500;
    finish(p);
}

/* With --admin-listen the admin API is only on its own listener, which serves nothing else. */
static void serve(struct server *srv, struct evhttp_request *ev, int admin_listener)
{
    const struct httphead_refusal *refusal = guard_request(srv->guard, ev);
    struct net_body *body = guard_take_body(srv->guard, ev);
    struct pending *p = pending_new(srv, ev);
    if (!p) {
        net_body_free(body);
        evhttp_send_error(ev, 500, "out of memory");
        return;
    }
    p->body = body;
    int rc = net_fill_request(srv, ev, &p->req, body);
    if (refusal) {
        refuse(p, refusal);
        return;
    }
    p->je.start_ms = p->req.now_ms;
    copy_text(p->je.request_id, sizeof p->je.request_id, p->req.request_id);
    p->svc = rc ? NET_SVC_S3 : net_classify(&p->req);
    if (!rc && srv->opts.admin_host && (p->svc == NET_SVC_ADMIN) != admin_listener)
        p->svc = admin_listener ? NET_SVC_ADMIN : NET_SVC_S3;
    if (!rc && p->svc == NET_SVC_ADMIN && strncmp(p->req.raw_path, "/_lockyard/", 11) != 0) {
        admin_handle(srv, &p->req, &p->resp, "");
    } else if (rc) {
        s3_reply_error(&p->req, &p->resp, rc == LY_EINVAL ? "InvalidURI" : "InternalError", NULL);
    } else if (p->svc == NET_SVC_ADMIN) {
        if (net_admin_auth_or_reply(srv, &p->req, &p->resp, &p->decoded, p->body) == 0)
            handle(p);
    } else if (p->svc == NET_SVC_S3 && net_route_s3(&p->req) != 0) {
        s3_reply_error(&p->req, &p->resp, "InvalidURI", NULL);
    } else if (net_auth_and_payload_or_reply(srv, p->svc, &p->req, &p->resp, &p->decoded,
                                                p->body) == 0) {
        stale_maintain(srv, 0);
        fill_facts(p);
        choose_fault(p);
        if (waits_before_apply(p) && own_body(p) != 0) {
            s3_reply_error(&p->req, &p->resp, "InternalError", NULL);
        } else {
            before(p);
            return;
        }
    }
    if (p->svc != NET_SVC_ADMIN)
        fill_facts(p);
    finish(p);
}

void net_http_request(struct evhttp_request *ev, void *arg)
{
    serve(arg, ev, 0);
}

void net_http_admin_request(struct evhttp_request *ev, void *arg)
{
    serve(arg, ev, 1);
}
