/*
 * engine_journal.c - reading a lockyard target's request journal for one run.
 *
 * Every request the runner sends carries `x-lockyard-op: RUNID.N`; the journal lists it with
 * its commit sequence, whether it was applied and the fault that acted. The runner takes the
 * journal's head as its cursor before the clients start (never reads from 0: the journal may
 * hold anyone's earlier requests, or have been reset), follows the journal with a page request
 * every few milliseconds while the clients run so that the ring never overtakes it, and catches
 * up at the end. Entries are matched by op id, never by position, so other clients of the same
 * server and a retry that overtakes its own held original cannot shift the match. When the ring
 * dropped entries after the cursor, the requests it lost keep seq -1 and the checkers treat
 * their commit order as unknown.
 */
#include "engine.h"

#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JOURNAL_POLL_MS 40
#define JOURNAL_PAGE 10000
#define JOURNAL_CATCHUP_PAGES_MAX 100000
#define JOURNAL_SETTLE_MS 3000        /* no new entry and none of ours in flight: give up */
#define JOURNAL_INFLIGHT_MAX_MS 60000 /* the server still works on ours: wait up to this */
/* Back-pressure: clients pause when the reader may be capacity/2 entries behind the ring's end,
 * and go on at capacity/4; a pause longer than JOURNAL_PARK_MAX_MS turns it off. */
#define JOURNAL_PARK_FRACTION 2
#define JOURNAL_RESUME_FRACTION 4
#define JOURNAL_PARK_MAX_MS 30000

int64_t run_op_new(struct run *r, uint32_t invoke)
{
    if (r->nops == r->ops_cap) {
        size_t cap = r->ops_cap ? r->ops_cap * 2 : 256;
        struct run_op *p = realloc(r->ops, cap * sizeof *p);
        if (!p)
            return -1;
        r->ops = p;
        r->ops_cap = cap;
    }
    r->ops[r->nops] = (struct run_op){invoke, -1, -1, 1, 0, 0, 0, 0};
    return (int64_t)r->nops++;
}

/* The op number of an entry of this run, or -1. */
static int64_t entry_op(const struct run *r, json_t *q)
{
    const char *id = json_string_value(json_object_get(q, "op_id"));
    size_t n = strlen(r->run_id);
    if (!id || strncmp(id, r->run_id, n) || id[n] != '.')
        return -1;
    char *end;
    long long k = strtoll(id + n + 1, &end, 10);
    return *end || k < 0 || (size_t)k >= r->nops ? -1 : (int64_t)k;
}

static void take_entry(struct run *r, json_t *q)
{
    int64_t k = entry_op(r, q);
    if (k < 0)
        return;
    struct run_op *op = &r->ops[k];
    op->seq = json_integer_value(json_object_get(q, "seq"));
    json_t *ap = json_object_get(q, "applied");
    if (json_is_boolean(ap))
        op->applied = json_is_true(ap);
    json_t *fault = json_object_get(q, "fault");
    if (fault && !json_is_null(fault)) {
        const char *action = json_string_value(json_object_get(fault, "action"));
        const char *id = json_string_value(json_object_get(fault, "id"));
        char note[160];
        snprintf(note, sizeof note, "server fault %s (rule %s)", action ? action : "?",
                 id ? id : "?");
        op->note = history_intern(&r->h, note);
    }
}

/* One page of the answer. @return 1 when more may be waiting, 0 when caught up, -1 bad answer */
static int take_page(struct run *r, const char *body, size_t len)
{
    json_t *doc = json_loadb(body, len, 0, NULL);
    json_t *reqs = json_object_get(doc, "requests");
    json_t *next = json_object_get(doc, "next");
    json_t *dropped = json_object_get(doc, "dropped");
    if (!json_is_array(reqs) || !json_is_integer(next)) {
        json_decref(doc);
        return -1;
    }
    if (json_is_integer(dropped))
        r->jdropped += json_integer_value(dropped);
    json_t *inflight = json_object_get(doc, "inflight"); /* older servers: absent */
    r->jinflight = json_is_integer(inflight) ? json_integer_value(inflight) : -1;
    json_t *capacity = json_object_get(doc, "capacity"), *head = json_object_get(doc, "head");
    r->jcapacity = json_is_integer(capacity) ? json_integer_value(capacity) : 0;
    if (json_is_integer(head))
        r->jhead = json_integer_value(head);
    for (size_t i = 0; i < json_array_size(reqs); i++)
        take_entry(r, json_array_get(reqs, i));
    int64_t n = json_integer_value(next);
    int more = json_array_size(reqs) >= JOURNAL_PAGE && n > r->jcursor;
    if (n > r->jcursor)
        r->jcursor = n;
    json_decref(doc);
    return more;
}

static int page_request(struct run *r, struct ly_client_req *req, char *query, size_t size)
{
    memset(req, 0, sizeof *req);
    snprintf(query, size, "since=%" PRId64 "&limit=%d&op_prefix=%s.", r->jcursor, JOURNAL_PAGE,
             r->run_id);
    req->method = "GET";
    req->path = "/_lockyard/requests";
    req->query = query;
    return run_admin_auth(req);
}

int journal_begin(struct run *r)
{
    if (!r->is_lockyard || r->opts->no_admin)
        return 0;
    struct ly_client_req req;
    struct ly_client_result res;
    char q[128];
    int rc = page_request(r, &req, q, sizeof q);
    snprintf(q, sizeof q, "since=%" PRId64 "&limit=1", (int64_t)INT64_MAX / 2);
    if (!rc)
        rc = ly_client_call(r->jconn, &req, (int64_t)time(NULL), &res);
    if (rc)
        return rc;
    json_t *doc = res.status == 200 ? json_loadb(res.body, res.body_len, 0, NULL) : NULL;
    json_t *head = json_object_get(doc, "head"), *capacity = json_object_get(doc, "capacity");
    if (json_is_integer(head)) {
        r->jcursor = r->jhead = json_integer_value(head);
        r->jcapacity = json_is_integer(capacity) ? json_integer_value(capacity) : 0;
        r->journal_ok = 1;
    }
    json_decref(doc);
    ly_client_result_cleanup(&res);
    return 0;
}

static void poll_soon(struct run *r, int64_t ms);

/* Entries the server may have added since the reader's cursor: those it had at the last page,
 * plus one for every request made since that page was asked for. */
static int64_t reader_lag(const struct run *r)
{
    return r->jhead - r->jcursor + (int64_t)(r->nops - r->jnops_seen);
}

int journal_must_wait(struct rclient *c)
{
    struct run *r = c->run;
    if (!r->journal_ok || r->jgate_off || r->jcapacity <= 0 || r->opts->sched || r->stopped)
        return 0;
    if (!c->jparked && reader_lag(r) < r->jcapacity / JOURNAL_PARK_FRACTION)
        return 0;
    if (!c->jparked) {
        c->jparked = 1;
        if (r->jparked++ == 0) {
            r->jpark_since_us = run_now_us(r);
            r->jpauses++;
        }
    }
    if (!r->jbusy)
        poll_soon(r, 0);
    return 1;
}

/* Resumes the parked clients once the reader is well behind the ring's end again, or for good
 * when the journal cannot be read or the pause lasted too long (drops are then reported). */
static void release_parked(struct run *r, int page_ok)
{
    if (!r->jparked)
        return;
    int64_t now = run_now_us(r);
    if (!page_ok || now - r->jpark_since_us > (int64_t)JOURNAL_PARK_MAX_MS * 1000)
        r->jgate_off = 1;
    else if (reader_lag(r) >= r->jcapacity / JOURNAL_RESUME_FRACTION)
        return;
    r->jpaused_us += now - r->jpark_since_us;
    r->jparked = 0;
    for (size_t i = 0; i < r->nclients; i++)
        if (r->clients[i].jparked) {
            r->clients[i].jparked = 0;
            rclient_schedule(&r->clients[i], 0);
        }
}

static void on_page(const struct ly_client_resp *resp, void *arg)
{
    struct run *r = arg;
    r->jbusy = 0;
    int more = resp->status == 200 ? take_page(r, resp->body, resp->body_len) : -1;
    r->jnops_seen = r->jnops_sent;
    release_parked(r, more >= 0);
    poll_soon(r, more > 0 || r->jparked ? 0 : JOURNAL_POLL_MS);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    if (r->jbusy || r->live == 0)
        return;
    struct ly_client_req req;
    char q[128];
    if (page_request(r, &req, q, sizeof q) == 0 &&
        ly_client_send(r->jconn, &req, (int64_t)time(NULL), on_page, r) == 0) {
        r->jbusy = 1;
        r->jnops_sent = r->nops;
    } else
        poll_soon(r, JOURNAL_POLL_MS);
}

static void poll_soon(struct run *r, int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    if (r->journal_ev && r->live > 0)
        evtimer_add(r->journal_ev, &tv);
}

int journal_follow(struct run *r)
{
    if (!r->journal_ok)
        return 0;
    r->journal_ev = evtimer_new(r->base, on_poll, r);
    if (!r->journal_ev)
        return LY_ENOMEM;
    poll_soon(r, JOURNAL_POLL_MS);
    return 0;
}

/* Requests sent to the store that the journal has not listed yet. */
static size_t unlisted(const struct run *r)
{
    size_t n = 0;
    for (size_t k = 0; k < r->nops; k++)
        n += r->ops[k].sent && r->ops[k].seq < 0;
    return n;
}

/*
 * Reads the journal up to its head, then waits for the run's requests it has not listed yet:
 * requests still in flight when the clients stopped (the time limit cut them, or their answer
 * was lost) are applied and journaled by the server later. While the server says it still
 * works on some of ours, the wait lasts (up to JOURNAL_INFLIGHT_MAX_MS); otherwise it ends
 * after JOURNAL_SETTLE_MS without a new entry. Page fetches that are slow because the machine
 * is loaded do not count as waiting: only time without progress does.
 */
static int catch_up(struct run *r)
{
    if (r->journal_ev)
        evtimer_del(r->journal_ev);
    while (r->jbusy) /* the page in flight when the clients stopped */
        if (event_base_loop(r->base, EVLOOP_ONCE) < 0)
            return LY_EIO;
    int64_t t0 = run_now_us(r) / 1000, progress = t0, cursor = r->jcursor;
    for (int page = 0; page < JOURNAL_CATCHUP_PAGES_MAX; page++) {
        struct ly_client_req req;
        struct ly_client_result res;
        char q[128];
        int rc = page_request(r, &req, q, sizeof q);
        if (!rc)
            rc = ly_client_call(r->jconn, &req, (int64_t)time(NULL), &res);
        if (rc)
            return rc;
        int more = res.status == 200 ? take_page(r, res.body, res.body_len) : -1;
        ly_client_result_cleanup(&res);
        if (more < 0) {
            r->jdropped = r->jdropped ? r->jdropped : 1; /* the rest cannot be read */
            return 0;
        }
        int64_t now = run_now_us(r) / 1000;
        if (r->jcursor != cursor) {
            cursor = r->jcursor;
            progress = now;
        }
        r->jsettle_ms = now - t0;
        if (more)
            continue;
        if (unlisted(r) == 0)
            return 0;
        if (r->jinflight > 0 ? now - t0 > JOURNAL_INFLIGHT_MAX_MS
                             : now - progress > JOURNAL_SETTLE_MS)
            return 0;
        struct timeval tv = {0, JOURNAL_POLL_MS * 1000};
        event_base_loopexit(r->base, &tv); /* let in-flight requests finish writing */
        event_base_dispatch(r->base);
    }
    return 0;
}

/* Counts the requests the journal never listed and names the first few, with the answer the
 * client saw (0: none), so that a commit order that stayed unknown can be traced. */
static void note_unlisted(struct run *r)
{
    size_t len = 0;
    r->junlisted = 0;
    r->junlisted_ids[0] = 0;
    for (size_t k = 0; k < r->nops; k++) {
        const struct run_op *op = &r->ops[k];
        if (!op->sent || op->seq >= 0)
            continue;
        uint32_t done = r->h.ev[op->invoke].pair;
        int status = done == UINT32_MAX ? 0 : r->h.ev[done].status;
        char seen[24] = "no answer";
        if (status)
            snprintf(seen, sizeof seen, "status %d", status);
        if (r->junlisted++ < 5 && len < sizeof r->junlisted_ids) {
            int n = snprintf(r->junlisted_ids + len, sizeof r->junlisted_ids - len, "%s%s.%zu (%s)",
                             len ? ", " : "", r->run_id, k, seen);
            len += n > 0 ? (size_t)n : 0;
        }
    }
}

json_t *journal_summary(const struct run *r)
{
    if (!r->journal_ok)
        return json_pack("{sb}", "followed", 0);
    return json_pack("{sb sI sI sI ss sI sI}", "followed", 1, "dropped", (json_int_t)r->jdropped,
                     "unlisted", (json_int_t)r->junlisted, "settle_ms", (json_int_t)r->jsettle_ms,
                     "unlisted_sample", r->junlisted_ids, "pauses", (json_int_t)r->jpauses,
                     "paused_ms", (json_int_t)(r->jpaused_us / 1000));
}

int journal_end(struct run *r)
{
    if (r->jparked) { /* the run was cut while clients waited */
        r->jpaused_us += run_now_us(r) - r->jpark_since_us;
        r->jparked = 0;
    }
    int rc = r->journal_ok ? catch_up(r) : 0;
    if (r->journal_ok)
        note_unlisted(r);
    for (size_t k = 0; !rc && k < r->nops; k++) {
        const struct run_op *op = &r->ops[k];
        uint32_t done = r->h.ev[op->invoke].pair;
        if (done == UINT32_MAX)
            continue;
        struct hev *e = &r->h.ev[done];
        if (op->seq >= 0)
            e->seq = op->seq;
        if (op->applied >= 0)
            e->applied = op->applied;
        if (op->note)
            e->note = op->note;
        if (op->real_us > 0) /* it committed before the store answered ... */
            e->done_us = op->real_us;
        if (op->sent_us > 0) /* ... and after it was sent */
            r->h.ev[op->invoke].sent_us = op->sent_us;
    }
    return rc;
}
