/*
 * engine_vm.c - the per-client interpreter of protocol steps: placeholders,
 * one-operator expressions, labels with the interleaving script (gates) and
 * client events (pause, crash), sleeps on the client's own clock, and the
 * critical-section markers.
 */
#include "engine.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEPS_PER_TURN 2000
#define STEPS_PER_ITERATION_MAX 200000

uint64_t rclient_rand(struct rclient *c)
{
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t rclient_now_ms(const struct rclient *c)
{
    const struct run_sched *s = c->run->opts->sched;
    double elapsed = s ? (double)s->now_ms(s->arg) * c->clock_rate
                       : (double)run_now_us(c->run) / 1000.0 * c->clock_rate;
    return c->run->wall0_ms + (int64_t)elapsed + c->clock_offset_ms;
}

const char *rclient_var(const struct rclient *c, const char *name)
{
    for (size_t i = 0; i < c->nvars; i++)
        if (!strcmp(c->vars[i].name, name))
            return c->vars[i].value;
    return NULL;
}

int rclient_set(struct rclient *c, const char *name, const char *value, size_t len)
{
    if (strlen(name) >= sizeof c->vars[0].name || len > RC_VAR_BYTES_MAX)
        return LY_ETOOBIG;
    size_t i = 0;
    while (i < c->nvars && strcmp(c->vars[i].name, name))
        i++;
    if (i == RC_VARS_MAX)
        return LY_ETOOBIG;
    char *copy = malloc(len + 1);
    if (!copy)
        return LY_ENOMEM;
    memcpy(copy, value, len);
    copy[len] = '\0';
    if (i == c->nvars) {
        snprintf(c->vars[i].name, sizeof c->vars[i].name, "%s", name);
        c->nvars++;
    } else {
        free(c->vars[i].value);
    }
    c->vars[i].value = copy;
    return 0;
}

static int builtin(struct rclient *c, const char *name, struct ly_buf *out)
{
    struct run *r = c->run;
    if (!strcmp(name, "client"))
        return ly_buf_adds(out, history_str(&r->h, c->name_id));
    if (!strcmp(name, "uuid")) {
        uint64_t a = rclient_rand(c), b = rclient_rand(c);
        return ly_buf_addf(
            out, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-a%03" PRIx64 "-%012" PRIx64, a >> 32,
            (a >> 16) & 0xffff, a & 0xfff, b >> 52, (uint64_t)(b & 0xffffffffffffull));
    }
    if (!strcmp(name, "now_ms"))
        return ly_buf_addf(out, "%" PRId64, rclient_now_ms(c));
    if (!strcmp(name, "iter"))
        return ly_buf_addf(out, "%d", c->iter + 1);
    if (!strcmp(name, "bucket"))
        return ly_buf_adds(out, r->sc->bucket);
    if (!strcmp(name, "table"))
        return ly_buf_adds(out, r->sc->table);
    if (!strcmp(name, "seed"))
        return ly_buf_addf(out, "%" PRIu64, r->seed);
    return 1;
}

static int expand_depth(struct rclient *c, const char *tpl, struct ly_buf *out, int depth)
{
    int rc = 0;
    const char *p = tpl;
    while (!rc && *p) {
        const char *open = strstr(p, "{{");
        if (!open)
            return ly_buf_adds(out, p);
        const char *close = strstr(open, "}}");
        if (!close)
            return LY_EINVAL;
        rc = ly_buf_add(out, p, (size_t)(open - p));
        char name[64];
        size_t n = (size_t)(close - open - 2);
        if (rc || n >= sizeof name)
            return rc ? rc : LY_EINVAL;
        memcpy(name, open + 2, n);
        name[n] = '\0';
        const char *v = rclient_var(c, name);
        if (v)
            rc = ly_buf_adds(out, v);
        else if ((v = scenario_param(c->run->sc, name)))
            rc = depth < 4 ? expand_depth(c, v, out, depth + 1) : LY_EINVAL;
        else if ((rc = builtin(c, name, out)) == 1) {
            run_fail(c->run, "%s: no variable or parameter '%s'",
                     history_str(&c->run->h, c->name_id), name);
            rc = LY_EINVAL;
        }
        p = close + 2;
    }
    return rc;
}

int rclient_expand(struct rclient *c, const char *tpl, struct ly_buf *out)
{
    ly_buf_reset(out);
    int rc = ly_buf_add(out, "", 0);
    return rc ? rc : expand_depth(c, tpl ? tpl : "", out, 0);
}

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\'' || s[n - 1] == '"'))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\'' || s[i] == '"')
        i++;
    memmove(s, s + i, n - i + 1);
}

static int as_int(const char *s, long long *v)
{
    char *end;
    *v = strtoll(s, &end, 10);
    return *s && !*end;
}

/* Evaluates "A op B" (spaces around op) or "A" into out. */
static void eval(const char *s, char *out, size_t size)
{
    static const char *const ops[] = {" == ", " != ", " <= ", " >= ", " < ", " > ", " + ", " - "};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        const char *at = strstr(s, ops[k]);
        if (!at)
            continue;
        char l[512], rgt[512];
        snprintf(l, sizeof l, "%.*s", (int)(at - s), s);
        snprintf(rgt, sizeof rgt, "%s", at + strlen(ops[k]));
        trim(l);
        trim(rgt);
        long long a, b;
        int num = as_int(l, &a) && as_int(rgt, &b);
        int cmp = num ? (a > b) - (a < b) : strcmp(l, rgt);
        int res[] = {cmp == 0, cmp != 0, cmp <= 0, cmp >= 0, cmp<0, cmp> 0};
        if (k < 6)
            snprintf(out, size, "%s", res[k] ? "true" : "false");
        else if (num)
            snprintf(out, size, "%lld", k == 6 ? a + b : a - b);
        else
            snprintf(out, size, "%s", l);
        return;
    }
    snprintf(out, size, "%s", s);
    trim(out);
}

static int truthy(const char *v)
{
    return *v && strcmp(v, "false") && strcmp(v, "0");
}

void rclient_schedule(struct rclient *c, int64_t delay_us)
{
    const struct run_sched *s = c->run->opts->sched;
    if (s && delay_us > 0 && s->sleep(s->arg, c, delay_us))
        return;
    struct timeval tv = {(time_t)(delay_us / 1000000), (suseconds_t)(delay_us % 1000000)};
    evtimer_add(c->timer, &tv);
}

static int gate_satisfied(const struct run *r, const struct sc_gate *g)
{
    const struct rclient *w = &r->clients[g->wait_client];
    if (w->state == RS_DONE || w->state == RS_CRASHED)
        return 1; /* it will never get there: do not hang */
    if (!strcmp(g->wait_label, "end"))
        return w->end_count >= g->wait_times;
    int at = sc_program_label(w->prog, g->wait_label);
    return at >= 0 && w->arrivals[at] >= g->wait_times;
}

static void wake_gated(struct run *r)
{
    for (size_t i = 0; i < r->nclients; i++) {
        struct rclient *c = &r->clients[i];
        if (c->state == RS_GATED && gate_satisfied(r, &r->sc->gates[c->gate])) {
            c->state = RS_READY;
            evtimer_del(c->timer);
            rclient_schedule(c, 0);
        }
    }
}

/* @return 1 when the client stops here (gate, pause, crash), 0 to go on, <0 error */
static int label_gates(struct rclient *c, const char *label, int count)
{
    struct run *r = c->run;
    for (size_t i = 0; i < r->sc->ngates; i++) {
        const struct sc_gate *g = &r->sc->gates[i];
        if (r->gate_done[i] == 1 || g->client != c->idx || strcmp(g->before, label) ||
            g->times != count)
            continue;
        if (g->release && r->gate_done[i] == 0) {
            for (size_t f = 0; f < r->sc->nfaults; f++)
                if (r->sc->faults[f].name && !strcmp(r->sc->faults[f].name, g->release) &&
                    r->client_faults) {
                    cfault_release(r, (int)f);
                } else if (r->sc->faults[f].name && !strcmp(r->sc->faults[f].name, g->release) &&
                           r->fault_ids[f]) {
                    char body[192];
                    snprintf(body, sizeof body, "{\"id\":\"%s\"}", r->fault_ids[f]);
                    run_admin_post(r, "/_lockyard/release", body);
                }
        }
        if (g->wait_client >= 0 && !gate_satisfied(r, g)) {
            c->gate = (int)i;
            c->state = RS_GATED;
            if (g->max_ms)
                rclient_schedule(c, g->max_ms * 1000);
            if (g->release)
                r->gate_done[i] = 2; /* released already; wait only */
            return 1;
        }
        r->gate_done[i] = 1;
    }
    return 0;
}

static int label_events(struct rclient *c, const char *label, int count)
{
    struct run *r = c->run;
    for (size_t i = 0; i < r->sc->nevents; i++) {
        const struct sc_event *e = &r->sc->events[i];
        if (r->event_done[i] || e->client != c->idx || !e->at || strcmp(e->at, label) ||
            e->times != count)
            continue;
        r->event_done[i] = 1;
        char note[64];
        snprintf(note, sizeof note, "%" PRId64 " ms at %s", e->ms, label);
        int rc = run_mark(r, c, e->kind == EV_PAUSE ? "pause" : "crash", note);
        if (rc)
            return rc;
        if (e->kind == EV_CRASH) {
            c->state = RS_CRASHED;
            run_client_finished(r, c);
            return 1;
        }
        c->state = RS_PAUSED;
        rclient_schedule(c, e->ms * 1000);
        return 1;
    }
    return 0;
}

static int at_label(struct rclient *c, int pc, const char *label)
{
    int *count = pc >= 0 ? &c->arrivals[pc] : &c->end_count;
    if (c->label_pc != pc) {
        (*count)++;
        c->label_pc = pc;
        wake_gated(c->run);
    }
    int rc = label_gates(c, label, *count);
    if (!rc)
        rc = label_events(c, label, *count);
    if (rc == 0)
        c->label_pc = -2;
    return rc;
}

static int iteration_end(struct rclient *c)
{
    struct run *r = c->run;
    int rc = at_label(c, -1, "end");
    if (rc)
        return rc;
    if (c->in_cs && (rc = run_mark(r, c, "cs_exit", "program ended inside")))
        return rc;
    c->in_cs = 0;
    c->iter++;
    c->steps_this_iter = 0;
    c->pc = 0;
    if (c->iter >= c->iterations || run_now_us(r) >= r->deadline_us) {
        c->state = RS_DONE;
        run_client_finished(r, c);
        return 1;
    }
    return 0;
}

static int do_sleep(struct rclient *c, const struct sc_step *st)
{
    struct ly_buf b;
    ly_buf_init(&b, 256);
    int rc = rclient_expand(c, st->sleep_ms, &b);
    long long lo = 0, hi = 0;
    char *end = NULL;
    if (!rc) {
        lo = strtoll(b.data, &end, 10);
        hi = lo;
        if (!strncmp(end, "..", 2))
            hi = strtoll(end + 2, &end, 10);
        if (*end || lo < 0 || hi < lo) {
            run_fail(c->run, "line %d: sleep wants MS or MIN..MAX, got '%s'", st->line, b.data);
            rc = LY_EINVAL;
        }
    }
    ly_buf_cleanup(&b);
    if (rc)
        return rc;
    int64_t ms = lo + (hi > lo ? (int64_t)(rclient_rand(c) % (uint64_t)(hi - lo + 1)) : 0);
    c->state = RS_SLEEP;
    c->pc++;
    rclient_schedule(c, (int64_t)((double)ms * 1000.0 / c->clock_rate));
    return 1;
}

static int do_set(struct rclient *c, const struct sc_step *st)
{
    struct ly_buf b;
    char v[1024];
    int rc = 0;
    ly_buf_init(&b, RC_VAR_BYTES_MAX);
    for (size_t i = 0; i < st->nset && !rc; i++) {
        rc = rclient_expand(c, st->set[i].value, &b);
        if (!rc && b.len < 900) {
            eval(b.data, v, sizeof v);
            rc = rclient_set(c, st->set[i].name, v, strlen(v));
        } else if (!rc) {
            rc = rclient_set(c, st->set[i].name, b.data, b.len);
        }
    }
    ly_buf_cleanup(&b);
    c->pc++;
    return rc;
}

static int do_if(struct rclient *c, const struct sc_step *st)
{
    struct ly_buf b;
    char v[1024];
    ly_buf_init(&b, RC_VAR_BYTES_MAX);
    int rc = rclient_expand(c, st->expr, &b);
    if (!rc) {
        eval(b.data, v, sizeof v);
        c->pc = truthy(v) ? st->target : st->else_target >= 0 ? st->else_target : c->pc + 1;
    }
    ly_buf_cleanup(&b);
    return rc;
}

/* Executes one step. @return 1 when the client blocks, 0 to continue, <0 error */
static int step_once(struct rclient *c)
{
    if (c->pc >= (int)c->prog->n)
        return iteration_end(c);
    const struct sc_step *st = &c->prog->steps[c->pc];
    int rc = 0;
    if (++c->steps_this_iter > STEPS_PER_ITERATION_MAX) {
        run_fail(c->run, "%s: more than %d steps in one iteration (a loop without a sleep?)",
                 history_str(&c->run->h, c->name_id), STEPS_PER_ITERATION_MAX);
        return LY_EINVAL;
    }
    switch (st->kind) {
    case ST_LABEL:
        if ((rc = at_label(c, c->pc, st->label)) == 0)
            c->pc++;
        return rc;
    case ST_S3:
    case ST_DDB:
    case ST_APPEND: return (rc = rclient_request(c, st)) ? rc : 1;
    case ST_READ_LIST: return (rc = rclient_read_list(c, st)) ? rc : 1;
    case ST_SLEEP:
        if (!c->in_cs && run_now_us(c->run) >= c->run->deadline_us) {
            c->iterations = c->iter + 1; /* time is up: stop at this backoff */
            return iteration_end(c);
        }
        return do_sleep(c, st);
    case ST_GOTO: c->pc = st->target; return 0;
    case ST_IF: return do_if(c, st);
    case ST_SET: return do_set(c, st);
    case ST_CS_ENTER:
    case ST_CS_EXIT:
        c->in_cs = st->kind == ST_CS_ENTER;
        c->run->in_cs += c->in_cs ? 1 : (size_t)-1;
        if (c->in_cs && c->run->in_cs > 1)
            c->run->beliefs_overlap++;
        c->pc++;
        return run_mark(c->run, c, c->in_cs ? "cs_enter" : "cs_exit", NULL);
    case ST_GIVE_UP: c->pc++; return run_mark(c->run, c, "give_up", NULL);
    case ST_DONE: c->pc = (int)c->prog->n; return 0;
    }
    return LY_EINVAL;
}

void rclient_resume(struct rclient *c)
{
    if (c->state != RS_READY || c->run->error[0] || c->run->stopped)
        return;
    for (int i = 0; i < STEPS_PER_TURN; i++) {
        int rc = step_once(c);
        if (rc < 0) {
            if (!c->run->error[0])
                run_fail(c->run, "%s: step %d (line %d) failed: %s",
                         history_str(&c->run->h, c->name_id), c->pc,
                         c->pc < (int)c->prog->n ? c->prog->steps[c->pc].line : 0, ly_err_str(rc));
            return;
        }
        if (rc > 0)
            return;
    }
    rclient_schedule(c, 0); /* let the others run */
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct rclient *c = arg;
    (void)fd;
    (void)what;
    if (c->state == RS_PAUSED) {
        if (run_mark(c->run, c, "resume", NULL))
            return;
        c->label_pc = -2;
        c->pc++; /* past the label where it paused */
        c->state = RS_READY;
    } else if (c->state == RS_SLEEP) {
        c->state = RS_READY;
    } else if (c->state == RS_GATED) {
        c->run->gate_done[c->gate] = 1; /* max_ms ran out */
        c->state = RS_READY;
    } else if (c->state == RS_WAIT && c->attempt > 0) {
        /* an SDK-style retry after its backoff */
        const struct sc_step *st = &c->prog->steps[c->pc];
        int rc = st->kind == ST_READ_LIST ? rclient_read_list(c, st) : rclient_request(c, st);
        if (rc)
            run_fail(c->run, "retry failed: %s", ly_err_str(rc));
        return;
    }
    rclient_resume(c);
}

int rclient_start(struct rclient *c)
{
    c->timer = evtimer_new(c->run->base, on_timer, c);
    c->arrivals = calloc(c->prog->n + 1, sizeof *c->arrivals);
    if (!c->timer || !c->arrivals)
        return LY_ENOMEM;
    c->gate = -1;
    c->label_pc = -2;
    c->state = RS_READY;
    rclient_schedule(c, 0);
    return 0;
}
