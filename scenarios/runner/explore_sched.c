/*
 * explore_sched.c - the scheduler of one serialised run (struct run_sched):
 * holds every client before each request, and when all of them are held,
 * waiting or finished, asks the chooser which transition comes next: a held
 * request (maybe with a fault), or waking a waiting client on the logical
 * clock. Faults are applied here, on the client side: a lost acknowledgement
 * is sent and applied but answered 500; fail and conflict are answered
 * without sending; pause puts the client to sleep; crash stops it.
 */
#include "explore.h"

#include <event2/event.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xcl {
    int poised; /* held before a request */
    int permit; /* the next hold lets the request go */
    int wait;   /* enum xwake */
    int64_t wake_ms;
    uint64_t wait_version;
    int fault; /* fault of the request being sent */
    int write, conditional;
    const struct sc_program *prog;
    int *snap;       /* label arrivals at the previous request */
    uint8_t *passed; /* labels passed since the previous request */
    char op[32], service[16];
    char key[XKEY_MAX];
};

struct xfaulted {
    uint32_t ev; /* invoke index in the history */
    int fault;
};

struct xrun {
    const struct xconfig *x;
    xchoose_fn choose;
    void *choose_arg;
    struct run *r;
    struct xcl *cl;
    size_t n;
    int64_t now_ms;
    uint64_t version; /* applied writes so far */
    int last;         /* client of the last transition, -1 */
    int preemptions, faults, steps;
    int inflight, pruned, truncated, failed;
    struct event *decide_ev;
    struct ly_buf choices;
    struct xfaulted *faulted;
    size_t nfaulted, faulted_cap;
    struct run_sched hooks;
};

int xrun_preemptions(const struct xrun *xr)
{
    return xr->preemptions;
}

static void decide(evutil_socket_t fd, short what, void *arg);

static void poke(struct xrun *xr)
{
    if (!xr->decide_ev && xr->r)
        xr->decide_ev = event_new(xr->r->base, -1, 0, decide, xr);
    if (xr->decide_ev)
        event_active(xr->decide_ev, EV_TIMEOUT, 0);
}

static void bind_run(struct xrun *xr, struct rclient *c)
{
    if (!xr->r)
        xr->r = c->run;
}

/* What the held request will be: its operation and key (for dependencies and fault filters). */
static void describe(struct xrun *xr, struct rclient *c, struct xcl *xc)
{
    const struct sc_step *st = &c->prog->steps[c->pc];
    struct ly_buf b, t;
    const char *op = st->kind == ST_READ_LIST ? "GetObject"
                     : st->kind == ST_APPEND  ? "PutObject"
                     : st->op                 ? st->op
                                              : "?";
    snprintf(xc->op, sizeof xc->op, "%s", op);
    snprintf(xc->service, sizeof xc->service, "%s", st->kind == ST_DDB ? "dynamodb" : "s3");
    xc->write = !hev_f_is_read(op);
    xc->conditional = st->if_match || st->if_none_match || (st->kind == ST_APPEND && st->fence) ||
                      (st->request && strstr(st->request, "ConditionExpression"));
    ly_buf_init(&b, 4096);
    ly_buf_init(&t, 4096);
    int rc = rclient_expand(c,
                            st->kind == ST_DDB ? (st->table ? st->table : xr->r->sc->table)
                                               : (st->bucket ? st->bucket : xr->r->sc->bucket),
                            &t);
    if (!rc)
        rc = st->key ? rclient_expand(c, st->key, &b) : ly_buf_adds(&b, "");
    snprintf(xc->key, sizeof xc->key, "%s/%s", rc ? "?" : t.data, rc ? "?" : b.data);
    ly_buf_cleanup(&b);
    ly_buf_cleanup(&t);
}

static int hook_hold(void *arg, struct rclient *c)
{
    struct xrun *xr = arg;
    struct xcl *xc = &xr->cl[c->idx];
    bind_run(xr, c);
    if (xc->permit) {
        xc->permit = 0;
        return 0;
    }
    xc->poised = 1;
    describe(xr, c, xc);
    if (!xc->snap) {
        xc->prog = c->prog;
        xc->snap = calloc(c->prog->n + 1, sizeof *xc->snap);
        xc->passed = calloc(c->prog->n + 1, 1);
    }
    for (size_t i = 0; xc->snap && xc->passed && i < c->prog->n; i++) {
        xc->passed[i] = c->arrivals[i] != xc->snap[i];
        xc->snap[i] = c->arrivals[i];
    }
    poke(xr);
    return 1;
}

static int hook_sleep(void *arg, struct rclient *c, int64_t delay_us)
{
    struct xrun *xr = arg;
    struct xcl *xc = &xr->cl[c->idx];
    bind_run(xr, c);
    xc->wait = c->state == RS_WAIT && c->attempt > 0 ? XW_RETRY : XW_POLL;
    xc->wake_ms = xr->now_ms + (delay_us + 999) / 1000;
    xc->wait_version = xr->version;
    poke(xr);
    return 1;
}

static int64_t hook_now(void *arg)
{
    return ((struct xrun *)arg)->now_ms;
}

/* A synthetic answer: the client sees status/code without the request being sent. */
struct fake {
    struct xrun *xr;
    struct rclient *c;
    int status;
    char body[256];
};

static void deliver(struct xrun *xr, struct rclient *c, const struct ly_client_resp *resp)
{
    xr->inflight = 0;
    engine_on_answer(resp, c);
    poke(xr);
}

static void fake_body(struct fake *f, const struct xcl *xc, const char *code, const char *msg)
{
    if (!strcmp(xc->service, "dynamodb"))
        snprintf(f->body, sizeof f->body,
                 "{\"__type\":\"com.amazonaws.dynamodb.v20120810#%s\",\"message\":\"%s\"}", code,
                 msg);
    else
        snprintf(f->body, sizeof f->body,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                 "<Message>%s</Message></Error>",
                 code, msg);
}

/*
 * The request never reached the server: its op is known not applied (and the journal will not
 * list it).
 */
static void on_fake(evutil_socket_t fd, short what, void *arg)
{
    struct fake *f = arg;
    struct ly_client_resp resp = {f->status, 0, f->body, strlen(f->body), NULL, NULL, 0};
    struct rclient *c = f->c;
    (void)fd;
    (void)what;
    f->xr->inflight = 0;
    c->run->ops[c->op].sent = 0; /* never reached the server: known not applied */
    c->run->ops[c->op].applied = 0;
    engine_on_answer(&resp, c);
    poke(f->xr);
    free(f);
}

static int send_fake(struct xrun *xr, struct rclient *c, int fault)
{
    struct xcl *xc = &xr->cl[c->idx];
    struct fake *f = calloc(1, sizeof *f);
    struct timeval zero = {0, 0};
    if (!f)
        return LY_ENOMEM;
    f->xr = xr;
    f->c = c;
    int ddb = !strcmp(xc->service, "dynamodb");
    if (fault == XF_CONFLICT) {
        f->status = 409;
        fake_body(f, xc, "ConditionalRequestConflict",
                  "A conflicting conditional operation is currently in progress against this "
                  "resource. Please try again.");
    } else if (fault == XF_LOST_ACK) {
        f->status = 500;
        fake_body(f, xc, ddb ? "InternalServerError" : "InternalError",
                  "We encountered an internal error. Please try again.");
    } else {
        f->status = ddb ? 500 : 503;
        fake_body(f, xc, ddb ? "InternalServerError" : "SlowDown",
                  ddb ? "Internal server error" : "Please reduce your request rate.");
    }
    if (event_base_once(xr->r->base, -1, EV_TIMEOUT, on_fake, f, &zero)) {
        free(f);
        return LY_ENOMEM;
    }
    return 0;
}

static void on_real(const struct ly_client_resp *resp, void *arg)
{
    struct rclient *c = arg;
    struct xrun *xr = c->run->opts->sched->arg;
    struct xcl *xc = &xr->cl[c->idx];
    if (xc->write && resp->status >= 200 && resp->status < 300)
        xr->version++;
    if (xc->fault == XF_LOST_ACK) {
        struct fake f = {xr, c, 500, ""};
        fake_body(&f, xc,
                  !strcmp(xc->service, "dynamodb") ? "InternalServerError" : "InternalError",
                  "We encountered an internal error. Please try again.");
        struct ly_client_resp lost = {500, 0, f.body, strlen(f.body), NULL, NULL, 0};
        xc->fault = XF_NONE;
        deliver(xr, c, &lost);
        return;
    }
    deliver(xr, c, resp);
}

static int note_fault(struct xrun *xr, uint32_t ev, int fault)
{
    if (xr->nfaulted == xr->faulted_cap) {
        size_t cap = xr->faulted_cap ? 2 * xr->faulted_cap : 8;
        struct xfaulted *p = realloc(xr->faulted, cap * sizeof *p);
        if (!p)
            return LY_ENOMEM;
        xr->faulted = p;
        xr->faulted_cap = cap;
    }
    xr->faulted[xr->nfaulted++] = (struct xfaulted){ev, fault};
    return 0;
}

static int hook_send(void *arg, struct rclient *c, const struct ly_client_req *req)
{
    struct xrun *xr = arg;
    struct xcl *xc = &xr->cl[c->idx];
    int fault = xc->fault;
    xr->inflight = 1;
    if (fault != XF_NONE) {
        int rc = note_fault(xr, c->invoke_ev, fault);
        if (rc)
            return rc;
    }
    if (fault == XF_FAIL || fault == XF_CONFLICT) {
        xc->fault = XF_NONE;
        return send_fake(xr, c, fault);
    }
    return ly_client_send(c->conn, req, rclient_now_ms(c) / 1000, on_real, c);
}

/* ---- choice points ---- */

static int spec_matches(const struct xfault_spec *s, const struct xcl *xc)
{
    const char *key = strchr(xc->key, '/');
    key = key ? key + 1 : xc->key;
    if (s->service[0] && strcmp(s->service, xc->service))
        return 0;
    if (s->op[0] && strcmp(s->op, xc->op))
        return 0;
    if (s->key[0] && fnmatch(s->key, key, 0))
        return 0;
    if (s->conditional >= 0 && s->conditional != xc->conditional)
        return 0;
    if ((s->kind == XF_LOST_ACK || s->kind == XF_CONFLICT) && !xc->write)
        return 0;
    if (s->label[0]) {
        int at = xc->prog ? sc_program_label(xc->prog, s->label) : -1;
        return at >= 0 && xc->passed && xc->passed[at];
    }
    return 1;
}

static const struct xfault_spec *spec_for(const struct xrun *xr, const struct xcl *xc, int kind)
{
    static const struct xfault_spec any[XF_KINDS] = {
        {XF_NONE, "", "", "", -1, "", 0},  {XF_LOST_ACK, "", "", "", -1, "", 0},
        {XF_FAIL, "", "", "", -1, "", 0},  {XF_CONFLICT, "", "", "", -1, "", 0},
        {XF_PAUSE, "", "", "", -1, "", 0}, {XF_CRASH, "", "", "", -1, "", 0}};
    if (xr->x->any_fault)
        return spec_matches(&any[kind], xc) ? &any[kind] : NULL;
    for (size_t i = 0; i < xr->x->nspecs; i++)
        if (xr->x->specs[i].kind == kind && spec_matches(&xr->x->specs[i], xc))
            return &xr->x->specs[i];
    return NULL;
}

static int settled(const struct xrun *xr)
{
    if (xr->inflight)
        return 0;
    for (size_t i = 0; i < xr->n; i++) {
        const struct rclient *c = &xr->r->clients[i];
        if (c->state != RS_DONE && c->state != RS_CRASHED && !xr->cl[i].poised && !xr->cl[i].wait)
            return 0;
    }
    return 1;
}

static int poised_now(const struct xrun *xr, int i)
{
    const struct rclient *c = &xr->r->clients[i];
    return xr->cl[i].poised && !xr->cl[i].wait && c->state != RS_DONE && c->state != RS_CRASHED;
}

static void add_opt(struct xopt *o, size_t *n, const struct xrun *xr, int i, int fault, int wake)
{
    struct xopt *p = &o[(*n)++];
    memset(p, 0, sizeof *p);
    if (fault == XF_PAUSE) {
        const struct xfault_spec *s = spec_for(xr, &xr->cl[i], XF_PAUSE);
        p->ms = s && s->ms > 0 ? s->ms : xr->x->pause_ms;
    }
    p->client = i;
    p->fault = fault;
    p->wake = wake;
    p->cost = xr->last >= 0 && xr->last != i && poised_now(xr, xr->last);
    if (!wake) {
        p->write = xr->cl[i].write;
        snprintf(p->key, sizeof p->key, "%s", xr->cl[i].key);
    }
}

/* Earliest wake-up among the waiting clients, when nobody holds a request; else -1. */
static int64_t earliest_wake(const struct xrun *xr)
{
    int64_t first = INT64_MAX;
    for (size_t i = 0; i < xr->n; i++) {
        const struct rclient *c = &xr->r->clients[i];
        if (c->state == RS_DONE || c->state == RS_CRASHED)
            continue;
        if (poised_now(xr, (int)i))
            return -1;
        if (xr->cl[i].wait && xr->cl[i].wake_ms < first)
            first = xr->cl[i].wake_ms;
    }
    return first == INT64_MAX ? -1 : first;
}

/*
 * A client that backs off in a loop (XW_POLL) is woken when the store changed
 * since it went to sleep, or when nobody holds a request and its wake-up is
 * the earliest (the clock moves). Retries and pauses may end at any point.
 */
static void client_opts(const struct xrun *xr, int i, int64_t first, struct xopt *o, size_t *n)
{
    const struct xcl *xc = &xr->cl[i];
    const struct rclient *c = &xr->r->clients[i];
    if (c->state == RS_DONE || c->state == RS_CRASHED)
        return;
    if (poised_now(xr, i)) {
        add_opt(o, n, xr, i, XF_NONE, XW_NONE);
        for (int k = XF_LOST_ACK; k < XF_KINDS && xr->faults < xr->x->faults_max; k++)
            if (spec_for(xr, xc, k))
                add_opt(o, n, xr, i, k, XW_NONE);
    } else if (xc->wait == XW_RETRY || xc->wait == XW_PAUSE) {
        add_opt(o, n, xr, i, XF_NONE, xc->wait);
    } else if (xc->wait == XW_POLL && xc->wait_version != xr->version) {
        add_opt(o, n, xr, i, XF_NONE, XW_POLL);
    } else if (xc->wait == XW_POLL && xc->wake_ms == first) {
        add_opt(o, n, xr, i, XF_NONE, XW_FORCED);
    }
}

/* The enabled transitions, the last client's first. @return count */
static size_t enumerate(const struct xrun *xr, struct xopt *o)
{
    size_t n = 0;
    int64_t first = earliest_wake(xr);
    if (xr->last >= 0)
        client_opts(xr, xr->last, first, o, &n);
    for (size_t i = 0; i < xr->n; i++)
        if ((int)i != xr->last)
            client_opts(xr, (int)i, first, o, &n);
    return n;
}

static int record_choice(struct xrun *xr, const struct xopt *o)
{
    const char *name = history_str(&xr->r->h, xr->r->clients[o->client].name_id);
    if (o->fault == XF_PAUSE)
        return ly_buf_addf(&xr->choices, "%s%s:pause:%" PRId64, xr->choices.len ? " " : "", name,
                           o->ms);
    if (o->fault)
        return ly_buf_addf(&xr->choices, "%s%s:%s", xr->choices.len ? " " : "", name,
                           xfault_name(o->fault));
    return ly_buf_addf(&xr->choices, "%s%s", xr->choices.len ? " " : "", name);
}

static int wake(struct xrun *xr, struct rclient *c)
{
    struct xcl *xc = &xr->cl[c->idx];
    int was = xc->wait;
    if (xc->wake_ms > xr->now_ms)
        xr->now_ms = xc->wake_ms;
    xc->wait = XW_NONE;
    if (was == XW_PAUSE || xc->poised)
        return run_mark(xr->r, c, "resume", NULL);
    if (c->state == RS_WAIT) { /* an SDK retry after its backoff */
        const struct sc_step *st = &c->prog->steps[c->pc];
        return st->kind == ST_READ_LIST ? rclient_read_list(c, st) : rclient_request(c, st);
    }
    c->state = RS_READY;
    rclient_resume(c);
    return 0;
}

static int go(struct xrun *xr, const struct xopt *o)
{
    struct rclient *c = &xr->r->clients[o->client];
    struct xcl *xc = &xr->cl[o->client];
    char note[64];
    xr->preemptions += o->cost;
    xr->last = o->client;
    xr->steps++;
    int rc = record_choice(xr, o);
    if (rc || o->wake)
        return rc ? rc : wake(xr, c);
    xr->faults += o->fault != XF_NONE;
    if (o->fault == XF_PAUSE) {
        xc->wait = XW_PAUSE;
        xc->wake_ms = xr->now_ms + o->ms;
        snprintf(note, sizeof note, "%" PRId64 " ms before %s", o->ms, xc->op);
        return run_mark(xr->r, c, "pause", note);
    }
    if (o->fault == XF_CRASH) {
        xc->poised = 0;
        c->state = RS_CRASHED;
        rc = run_mark(xr->r, c, "crash", "before its next request");
        run_client_finished(xr->r, c);
        return rc;
    }
    xc->poised = 0;
    xc->permit = 1;
    xc->fault = o->fault;
    const struct sc_step *st = &c->prog->steps[c->pc];
    return st->kind == ST_READ_LIST ? rclient_read_list(c, st) : rclient_request(c, st);
}

static void decide(evutil_socket_t fd, short what, void *arg)
{
    struct xrun *xr = arg;
    struct xopt opts[64];
    (void)fd;
    (void)what;
    if (xr->pruned || xr->truncated || xr->r->error[0] || !settled(xr))
        return;
    size_t n = enumerate(xr, opts);
    if (!n)
        return; /* everybody finished: the loop ends */
    if (xr->steps >= xr->x->max_steps) {
        xr->truncated = 1;
        if (run_mark(xr->r, NULL, "fault", "explore: --max-steps reached, clients stopped"))
            run_fail(xr->r, "out of memory");
        event_base_loopexit(xr->r->base, NULL);
        return;
    }
    int i = xr->choose(xr->choose_arg, xr, opts, n);
    if (i == -1) {
        xr->pruned = 1;
        run_fail(xr->r, "explore: schedule pruned");
        return;
    }
    if (i < 0 || (size_t)i >= n) {
        xr->failed = 1;
        run_fail(xr->r, "the schedule does not match the run (at choice %d)", xr->steps + 1);
        return;
    }
    int rc = go(xr, &opts[i]);
    if (rc && !xr->r->error[0])
        run_fail(xr->r, "explore: %s", ly_err_str(rc));
    poke(xr);
}

/* ---- one run ---- */

struct xrun *xrun_new(const struct xconfig *x, xchoose_fn choose, void *arg)
{
    struct xrun *xr = calloc(1, sizeof *xr);
    if (!xr)
        return NULL;
    xr->x = x;
    xr->choose = choose;
    xr->choose_arg = arg;
    xr->n = x->sc->nclients;
    xr->last = -1;
    xr->cl = calloc(xr->n + 1, sizeof *xr->cl);
    ly_buf_init(&xr->choices, 1 << 20);
    if (!xr->cl || ly_buf_add(&xr->choices, "", 0)) {
        xrun_free(xr);
        return NULL;
    }
    xr->hooks = (struct run_sched){xr, hook_hold, hook_send, hook_sleep, hook_now};
    return xr;
}

void xrun_free(struct xrun *xr)
{
    if (!xr)
        return;
    if (xr->decide_ev)
        event_free(xr->decide_ev);
    ly_buf_cleanup(&xr->choices);
    free(xr->faulted);
    for (size_t i = 0; xr->cl && i < xr->n; i++) {
        free(xr->cl[i].snap);
        free(xr->cl[i].passed);
    }
    free(xr->cl);
    free(xr);
}

const struct run_sched *xrun_hooks(struct xrun *xr)
{
    return &xr->hooks;
}

void xrun_detach(struct xrun *xr)
{
    if (xr->decide_ev)
        event_free(xr->decide_ev);
    xr->decide_ev = NULL;
}

int xrun_state(const struct xrun *xr, int *pruned, int *truncated, int *failed, int *faults)
{
    *pruned = xr->pruned;
    *truncated = xr->truncated;
    *failed = xr->failed;
    *faults = xr->faults;
    return xr->preemptions;
}

const char *xrun_choices(const struct xrun *xr)
{
    return xr->choices.data;
}

int xrun_fault_of(const struct xrun *xr, uint32_t ev)
{
    for (size_t i = 0; i < xr->nfaulted; i++)
        if (xr->faulted[i].ev == ev)
            return xr->faulted[i].fault;
    return XF_NONE;
}

const char *xrun_client_name(const struct xrun *xr, int i)
{
    return history_str(&xr->r->h, xr->r->clients[i].name_id);
}
