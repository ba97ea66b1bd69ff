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
#include "syncer.h"
#include "offload.h"
#include "metrics.h"
#include "reqlog.h"
#include "pending.h"
#include "lockyard/check.h"
#include "lockyard/sts.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    memcpy(dst, src ? src : "", len);
    dst[len] = '\0';
}

static const struct ly_op op_unknown = {"Unknown", 0}, op_sts = {"GetCallerIdentity", 0},
                          op_admin = {"Admin", 0};

static void fault_error(struct pending *p, int status, const char *code);
static void internal_error(struct pending *p);

static void send_and_free(struct pending *p)
{
    pending_set(p, PENDING_DONE);
    if (!p->dead) {
        struct guard_mark m = guard_answered(p->srv->guard, p->ev);
        net_send_reply(p->ev, &p->req, &p->resp);
        guard_flush(p->srv->guard, m);
    }
    pending_free(p);
}

/* Group durability: an answer waits until a sync covers every commit its request could have
 * seen (its own write, or someone else's write that a read or a 412 revealed), so nothing a
 * crash could take back is acknowledged or shown. Syncs run on the sync thread (syncer.c)
 * while the loop goes on applying; each one releases the answers it covers and the next one
 * starts at once for those that came meanwhile. A failed sync turns its answers into 500s. */
static void sync_kick(struct server *srv)
{
    if (!srv->sync_queue || syncer_busy(srv->syncer))
        return;
    (void)store_flush(srv->store); /* the writes batched so far are committed, then synced */
    srv->syncing_id = store_commit_id(srv->store);
    (void)syncer_start(srv->syncer);
}

static void on_synced(void *arg, int failed)
{
    struct server *srv = arg;
    struct pending *ready = NULL, **tail = &ready, **pp = &srv->sync_queue;
    /* a batch whose commit failed (store_flush) lost its writes: the answers that could
     * depend on it, those not covered by an earlier sync, are 500s (the outcome is unknown) */
    uint64_t lost = store_lost_id(srv->store), before = srv->synced_id;
    if (!failed)
        srv->synced_id = srv->syncing_id;
    while (*pp) {
        struct pending *q = *pp;
        if (q->seen_id > srv->syncing_id) {
            pp = &q->next;
            continue;
        }
        *pp = q->next;
        q->next = NULL;
        *tail = q;
        tail = &q->next;
    }
    srv->sync_tail = pp; /* the last kept answer's link, or the queue's head */
    sync_kick(srv);
    while (ready) {
        struct pending *next = ready->next;
        if (failed || (ready->seen_id > before && ready->seen_id <= lost))
            internal_error(ready);
        send_and_free(ready);
        ready = next;
    }
}

/* Runs after the callbacks already due in this turn of the loop: the requests read with the
 * first one join its sync instead of waiting for the next. */
static void deferred_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    sync_kick(arg);
}

int net_pipeline_durable_init(struct server *srv)
{
    if (srv->opts.durability != STORE_DURABILITY_GROUP || store_is_temporary(srv->store))
        return 0; /* a temporary store is deleted at exit: every answer goes at once */
    if (store_sync(srv->store) != 0) /* what an earlier run left in the page cache */
        return -1;
    srv->synced_id = store_commit_id(srv->store);
    srv->sync_tail = &srv->sync_queue;
    srv->kick_ev = event_new(srv->base, -1, 0, deferred_kick, srv);
    srv->syncer = srv->kick_ev ? syncer_new(srv->base, srv->store, on_synced, srv) : NULL;
    return srv->syncer ? 0 : -1;
}

/* Moves p from the in-flight list (nothing can hold or drop it now) to the end of the queue. */
static void queue_for_sync(struct pending *p)
{
    struct server *srv = p->srv;
    struct pending **pp = &srv->inflight;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp)
        *pp = p->next;
    pending_set(p, PENDING_SYNCING);
    p->next = NULL;
    *srv->sync_tail = p; /* appended in O(1): thousands of writers may wait for one sync */
    srv->sync_tail = &p->next;
    if (!syncer_busy(srv->syncer)) /* else on_synced starts the next sync */
        event_active(srv->kick_ev, EV_TIMEOUT, 1);
}

static void finish(struct pending *p)
{
    struct server *srv = p->srv;
    p->je.end_ms = net_now_ms(srv);
    p->je.status = p->resp.status;
    /* Every AWS error answer names its code (lockyard/aws_error.h); admin answers are not AWS's */
    LY_ASSERT(p->svc == NET_SVC_ADMIN || p->resp.status < 400 || p->resp.error_code);
    copy_text(p->je.code, sizeof p->je.code, p->resp.error_code);
    if (p->svc != NET_SVC_ADMIN) {
        journal_put(srv->journal, &p->je);
        metrics_request(srv->metrics, p->je.service, p->je.op, p->resp.status,
                        p->je.end_ms - p->je.start_ms);
    }
    if (srv->opts.log_level >= 1)
        reqlog_write(srv->opts.log_json, &p->je, p->req.method_name, p->req.raw_path,
                     p->dead ? NULL : p->conn);
    if (srv->syncer && p->svc != NET_SVC_ADMIN && p->seen_id > srv->synced_id) {
        queue_for_sync(p);
        return;
    }
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
    pending_set(p, PENDING_DONE);
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
        if (p->conn == conn) {
            p->dead = 1; /* libevent frees the request; the work still happens, unanswered */
            net_offload_cancel(p->resp.offload); /* but not a copy off the loop: it stops */
        }
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
    if (!(p->op->flags & LY_OP_READ) || srv->nsnaps == 0 || !p->has_fault ||
        p->fault.action != FAULT_STALE_READ)
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

/* POST /_lockyard/release {"id": RULE_ID} or {} for every hold. */
static void release_api(struct server *srv, struct ly_req *req, struct ly_resp *resp)
{
    json_t *doc = admin_body_json(req);
    const json_t *id = json_object_get(doc, "id");
    if (!doc || (id && !json_is_string(id))) {
        admin_reply_error(req, resp, 400,
                          "the body must be {\"id\": RULE_ID} or {} for every hold");
    } else {
        size_t n = net_release(srv, id ? json_string_value(id) : NULL);
        admin_reply_json(req, resp, 200, json_pack("{s:I}", "released", (json_int_t)n));
    }
    json_decref(doc);
}

/* The admin endpoints that act on requests in flight are the pipeline's; admin.c has the rest. */
static void admin_route(struct server *srv, struct ly_req *req, struct ly_resp *resp)
{
    const char *path = req->raw_path + 11;
    if (strcmp(path, "release") == 0) {
        if (admin_method_is(req, resp, LY_POST, "use POST"))
            release_api(srv, req, resp);
    } else if (strcmp(path, "reset") == 0) {
        if (!admin_method_is(req, resp, LY_POST, "use POST"))
            return;
        net_fault_clear(srv);
        net_release(srv, NULL);
        journal_clear(srv->journal);
        if (store_reset(srv->store) != 0)
            admin_reply_error(req, resp, 500, "reset failed");
        else
            admin_reply_json(req, resp, 200, json_pack("{s:s}", "status", "reset"));
    } else {
        admin_handle(srv, req, resp, path);
    }
}

static void handle_now(struct pending *p)
{
    struct server *srv = p->srv;
    switch (p->svc) {
    case NET_SVC_DDB: ddb_handle(&srv->ddb, &p->req, &p->resp); return;
    case NET_SVC_STS: sts_handle(&p->req, &p->resp); return;
    case NET_SVC_ADMIN: admin_route(srv, &p->req, &p->resp); return;
    default: s3_handle(&srv->s3, &p->req, &p->resp); return;
    }
}

static enum aws_service aws_svc(const struct pending *p)
{
    return p->svc == NET_SVC_DDB ? AWS_SVC_DDB : p->svc == NET_SVC_STS ? AWS_SVC_STS : AWS_SVC_S3;
}

/* A fault rule's error answer, in the request's service's format. */
static void fault_error(struct pending *p, int status, const char *code)
{
    aws_injected_error(&p->req, &p->resp, aws_svc(p), status, code,
                       "Injected by a lockyard fault rule");
}

/* 500 in the request's service's format (an answer that cannot be made durable or copied). */
static void internal_error(struct pending *p)
{
    aws_internal_error(&p->req, &p->resp, aws_svc(p));
}

static void release_until(struct server *srv, const struct fault_facts *committed);
static void after(struct pending *p);

static void on_timer(evutil_socket_t fd, short what, void *arg);

static int defer(struct pending *p, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    if (!p->timer)
        p->timer = evtimer_new(p->srv->base, on_timer, p);
    return p->timer && evtimer_add(p->timer, &tv) == 0 ? 0 : -1;
}

static void applied(struct pending *p);

/* The work a handler left for the worker ended: the request answers, or ends unanswered. */
static void offloaded(void *arg, enum ly_offload_end end)
{
    struct pending *p = arg;
    end = p->dead ? LY_OFFLOAD_CANCELLED : end; /* a cancelled request's connection closes */
    net_offload_resume(&p->resp, end);
    (end == LY_OFFLOAD_CANCELLED ? drop : applied)(p);
}

static void apply(struct pending *p)
{
    pending_set(p, PENDING_APPLIED);
    p->je.applied = 0;
    p->req.now_ms = net_now_ms(p->srv); /* a delayed or held write lands now */
    handle(p);
    if (p->resp.offload) /* the handler resumes off the loop's back: offloaded() */
        net_offload(p->srv, p->resp.offload, p->conn, offloaded, p);
    else
        applied(p);
}

static void applied(struct pending *p)
{
    if (p->srv->syncer)
        p->seen_id = store_commit_id(p->srv->store);
    /* The journal's order is commit order: the sequence number is taken here, before a
     * delay_after or a commit-released hold lets another request be journaled first. */
    p->je.seq = journal_reserve(p->srv->journal);
    if ((p->op->flags & LY_OP_WRITE) && p->resp.status >= 200 && p->resp.status < 300) {
        p->je.applied = 1;
        net_stale_maintain(p->srv, 1);
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
        pending_set(p, PENDING_DELAY_AFTER); /* the timer then answers */
    } else {
        finish(p);
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct pending *p = arg;
    if (p->state == PENDING_DELAY_AFTER) {
        finish(p); /* the delay after applying is over */
        return;
    }
    apply(p); /* a delay before applying, or a hold's timeout */
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
        else
            pending_set(p, PENDING_DELAYED);
        return;
    case FAULT_HOLD:
        /* Parked until released, a matching commit (until), or the timeout (ms). A timer
         * that cannot be armed leaves it to an explicit release. */
        pending_set(p, PENDING_HELD);
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
            aws_ddb_error(&p->req, &p->resp, AWS_DDB_TRANSACTION_CONFLICT,
                          "Injected by a lockyard fault rule", NULL);
        else
            aws_s3_error(&p->req, &p->resp, AWS_S3_CONDITIONAL_REQUEST_CONFLICT, "Key",
                         p->req.key ? p->req.key : "", NULL);
        finish(p);
        return;
    case FAULT_THROTTLE:
        if (p->svc == NET_SVC_DDB)
            aws_ddb_error(&p->req, &p->resp, AWS_DDB_THROTTLING,
                          "Injected by a lockyard fault rule", NULL);
        else
            aws_s3_error(&p->req, &p->resp, AWS_S3_SLOW_DOWN, NULL);
        finish(p);
        return;
    case FAULT_DROP: drop(p); return;
    default: apply(p); return;
    }
}

static void release_one(struct pending *p)
{
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
            if (q->state == PENDING_HELD && q->fault.has_until &&
                fault_match_static(&q->fault.until, committed))
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
            if (q->state == PENDING_HELD && (!rule_id || strcmp(q->fault.id, rule_id) == 0))
                hit = q;
        if (!hit)
            return n;
        release_one(hit);
        n++;
    }
}

void net_pipeline_free(struct server *srv)
{
    for (size_t i = 0; i < srv->nsnaps; i++)
        store_snapshot_free(srv->store, srv->snaps[i].snap);
    srv->nsnaps = 0;
    syncer_free(srv->syncer); /* a running sync finishes; its answers are dropped unanswered */
    srv->syncer = NULL;
    if (srv->kick_ev)
        event_free(srv->kick_ev);
    srv->kick_ev = NULL;
    for (struct pending *p = srv->inflight; p; p = p->next)
        p->dead = 1;       /* abandoned: the server stops */
    net_offload_free(srv); /* copies off the loop stop; their requests end unanswered */
    while (srv->inflight) {
        srv->inflight->dead = 1;
        pending_set(srv->inflight, PENDING_DONE); /* abandoned: the server stops */
        pending_free(srv->inflight);
    }
    while (srv->sync_queue) {
        struct pending *next = srv->sync_queue->next;
        pending_set(srv->sync_queue, PENDING_DONE);
        pending_free(srv->sync_queue);
        srv->sync_queue = next;
    }
    srv->sync_tail = &srv->sync_queue;
    pending_pool_free(srv);
    net_fault_free(srv);
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
            (r->action == FAULT_STALE_READ && !(p->op->flags & LY_OP_READ)) ||
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
    struct ly_req *r = &p->req;
    for (int i = JC_IF_MATCH; i <= JC_COPY_IF_NONE_MATCH; i++) {
        const char *v = ly_req_header(r, journal_cond_name((enum journal_cond)i));
        if (v)
            journal_cond_add(&p->je, (enum journal_cond)i, v, strlen(v));
    }
    p->op = s3_op(r);
    p->facts.op = p->op->name;
    p->facts.bucket = r->bucket;
    p->facts.key = r->key;
    p->facts.conditional = s3_is_conditional(r);
    copy_text(p->je.bucket, sizeof p->je.bucket, r->bucket);
    copy_text(p->je.key, sizeof p->je.key, r->key);
}

/* Whether a fault rule, or a held request's until, matches on the key. */
static int key_matched(const struct server *srv)
{
    for (size_t i = 0; i < srv->nrules; i++)
        if (srv->rules[i].match.key[0] || (srv->rules[i].has_until && srv->rules[i].until.key[0]))
            return 1;
    for (const struct pending *q = srv->inflight; q; q = q->next)
        if (q->state == PENDING_HELD && q->fault.has_until && q->fault.until.key[0])
            return 1;
    return 0;
}

static void ddb_facts(struct pending *p)
{
    struct ly_req *r = &p->req;
    const char *target = ly_req_header(r, "X-Amz-Target");
    const char *dot = target ? strrchr(target, '.') : NULL;
    p->facts.op = ly_arena_strdup(r->arena, dot ? dot + 1 : "Unknown");
    p->op = ddb_op(p->facts.op);
    json_t *doc = ddb_body_parse(r->arena, r->body, r->body_len);
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
    const json_t *ce = json_object_get(doc, "ConditionExpression");
    const json_t *expected = json_object_get(doc, "Expected");
    if (json_is_string(ce))
        journal_cond_add(&p->je, JC_CONDITION_EXPRESSION, json_string_value(ce),
                         json_string_length(ce));
    char *etext = expected ? json_dumps(expected, JSON_COMPACT) : NULL; /* legacy: rare */
    if (etext)
        journal_cond_add(&p->je, JC_EXPECTED, etext, strlen(etext));
    p->facts.conditional =
        (p->op->flags & LY_OP_CONDITIONAL) &&
        (json_is_string(ce) || expected || (doc && strcmp(p->facts.op, "TransactWriteItems") == 0));
    free(etext);
    free(ktext);
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
        p->op = p->svc == NET_SVC_STS ? &op_sts : &op_admin;
    if (p->svc != NET_SVC_S3 && p->svc != NET_SVC_DDB)
        p->facts.op = p->op->name;
    copy_text(p->je.service, sizeof p->je.service, p->facts.service);
    copy_text(p->je.op, sizeof p->je.op, p->facts.op);
    copy_text(p->je.client, sizeof p->je.client, p->facts.client);
    const char *op_id = ly_req_header(r, "x-lockyard-op");
    if (op_id && p->svc != NET_SVC_ADMIN) /* admin calls are not journaled */
        copy_text(p->je.op_id, sizeof p->je.op_id, op_id);
    if (p->je.op_id[0]) /* in flight from here on (state NEW): see pending_set */
        p->inflight_slot = journal_inflight_open(p->srv->journal, p->je.op_id);
}

/* A request that may wait keeps its own copy of the body (libevent may free its buffer). */
static int own_body(struct pending *p)
{
    const void *b = p->req.body;
    if (p->req.body_len == 0 || (p->decoded.data && b == p->decoded.data) ||
        (p->body && (b == p->body->raw.data || b == p->body->payload.data || b == p->body->map)))
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

/* A request the connection guard refused: the refusal, then the connection closes. */
static void refuse(struct pending *p, const struct httphead_refusal *r)
{
    p->svc = NET_SVC_S3;
    p->req.method = LY_GET; /* the stand-in request; the refused one may have been a HEAD */
    p->je.start_ms = p->req.now_ms;
    copy_text(p->je.request_id, sizeof p->je.request_id, p->req.request_id);
    copy_text(p->je.service, sizeof p->je.service, "s3");
    copy_text(p->je.op, sizeof p->je.op, "Refused");
    aws_s3_error(&p->req, &p->resp, r->code, r->header ? "Header" : NULL, r->header, NULL);
    if (ly_resp_header_set(&p->resp, p->req.arena, "Connection", "close") != 0)
        aws_s3_error(&p->req, &p->resp, AWS_S3_INTERNAL_ERROR, NULL);
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
    p->op = &op_unknown;
    evhttp_connection_set_closecb(p->conn, on_conn_close, srv);
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
        aws_s3_error(&p->req, &p->resp,
                     rc == LY_EINVAL ? AWS_S3_INVALID_URI : AWS_S3_INTERNAL_ERROR, NULL);
    } else if (p->svc == NET_SVC_ADMIN) {
        if (net_admin_auth_or_reply(srv, &p->req, &p->resp, &p->decoded, p->body) == 0)
            handle(p);
    } else if (p->svc == NET_SVC_S3 && net_route_s3(&p->req) != 0) {
        aws_s3_error(&p->req, &p->resp, AWS_S3_INVALID_URI, NULL);
    } else if (net_auth_and_payload_or_reply(srv, p->svc, &p->req, &p->resp, &p->decoded,
                                             p->body) == 0) {
        net_stale_maintain(srv, 0);
        fill_facts(p);
        choose_fault(p);
        if (waits_before_apply(p) && own_body(p) != 0) {
            internal_error(p);
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
