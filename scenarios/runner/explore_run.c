/*
 * explore_run.c - around one serialised run: preparing the scenario (fault
 * kinds from its rules and events), running one schedule against the
 * explorer's server and checking it, the numbered transcript of its
 * requests, the replay of `script: - schedule:` for `lockyard run`, and the
 * explorer's embedded server.
 */
#include "explore.h"

#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const fault_names[XF_KINDS] = {"none",     "lost_ack", "fail",
                                                  "conflict", "pause",    "crash"};

const char *xfault_name(int f)
{
    return f >= 0 && f < XF_KINDS ? fault_names[f] : "?";
}

int xfault_parse(const char *s)
{
    for (int k = 1; k < XF_KINDS; k++)
        if (!strcmp(s, fault_names[k]))
            return k;
    return -1;
}

void xoutcome_cleanup(struct xoutcome *o)
{
    free(o->choices);
    free(o->transcript);
    memset(o, 0, sizeof *o);
}

int xopt_dependent(const struct xopt *a, const struct xopt *b, int timed)
{
    if (a->client == b->client)
        return 1;
    if (a->wake || b->wake) {
        const struct xopt *w = a->wake ? a : b, *o = a->wake ? b : a;
        if (timed || a->wake == XW_FORCED || b->wake == XW_FORCED)
            return 1;
        /* a write by another client is what wakes a polling client */
        return w->wake == XW_POLL && !o->wake && o->write;
    }
    return !strcmp(a->key, b->key) && (a->write || b->write);
}

/* ---- preparing the scenario ---- */

static int mode_rule(const char *type)
{
    return !strcmp(type, "ignore_conditions") || !strcmp(type, "etag_random") ||
           !strcmp(type, "stale_read");
}

static int rule_kind(const char *type)
{
    static const char *const map[][2] = {
        {"fail_after", "lost_ack"}, {"drop_after", "lost_ack"}, {"fail", "fail"},
        {"drop", "fail"},           {"throttle", "fail"},       {"conflict", "conflict"},
        {"delay", "pause"},         {"delay_after", "pause"},   {"hold", "pause"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(type, map[i][0]))
            return xfault_parse(map[i][1]);
    return -1;
}

static void add_spec(struct xconfig *x, int kind, json_t *match, int64_t ms)
{
    if (x->nspecs == sizeof x->specs / sizeof x->specs[0])
        return;
    struct xfault_spec *s = &x->specs[x->nspecs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->conditional = -1;
    s->ms = ms;
    const char *v;
    if ((v = json_string_value(json_object_get(match, "service"))))
        snprintf(s->service, sizeof s->service, "%s", v);
    if ((v = json_string_value(json_object_get(match, "op"))))
        snprintf(s->op, sizeof s->op, "%s", v);
    if ((v = json_string_value(json_object_get(match, "key"))))
        snprintf(s->key, sizeof s->key, "%s", v);
    json_t *cond = json_object_get(match, "conditional");
    if (json_is_boolean(cond))
        s->conditional = json_is_true(cond);
}

/* Fault rules become fault kinds; store modes stay as server rules. */
static void prepare_faults(struct xconfig *x)
{
    struct scenario *sc = x->sc;
    size_t keep = 0;
    for (size_t i = 0; i < sc->nfaults; i++) {
        json_t *rule = json_loads(sc->faults[i].json, 0, NULL);
        json_t *action = json_object_get(rule, "action");
        const char *type = json_string_value(json_object_get(action, "type"));
        json_int_t ms = json_integer_value(json_object_get(action, "ms"));
        if (type && mode_rule(type)) {
            sc->faults[keep++] = sc->faults[i];
        } else {
            if (type && rule_kind(type) > 0)
                add_spec(x, rule_kind(type), json_object_get(rule, "match"), ms);
            free(sc->faults[i].name);
            free(sc->faults[i].json);
        }
        json_decref(rule);
    }
    sc->nfaults = keep;
}

/* Pause and crash events become fault kinds; clock events stay; gates go. */
static void prepare_events(struct xconfig *x)
{
    struct scenario *sc = x->sc;
    size_t keep = 0;
    for (size_t i = 0; i < sc->nevents; i++) {
        if (sc->events[i].kind == EV_CLOCK) {
            sc->events[keep++] = sc->events[i];
            continue;
        }
        add_spec(x, sc->events[i].kind == EV_PAUSE ? XF_PAUSE : XF_CRASH, NULL, sc->events[i].ms);
        if (sc->events[i].at && x->nspecs)
            snprintf(x->specs[x->nspecs - 1].label, sizeof x->specs[0].label, "%s",
                     sc->events[i].at);
        free(sc->events[i].at);
    }
    sc->nevents = keep;
    for (size_t i = 0; i < sc->ngates; i++) {
        free(sc->gates[i].before);
        free(sc->gates[i].wait_label);
        free(sc->gates[i].release);
    }
    sc->ngates = 0;
}

static int mentions_now(const struct sc_program *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct sc_step *st = &p->steps[i];
        const char *f[] = {st->key,      st->body,     st->request, st->expr,
                           st->sleep_ms, st->if_match, st->element};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            if (f[k] && strstr(f[k], "now_ms"))
                return 1;
        for (size_t k = 0; k < st->nset; k++)
            if (strstr(st->set[k].value, "now_ms"))
                return 1;
    }
    return 0;
}

static int parse_kinds(struct xconfig *x, const char *kinds, char *err, size_t err_size)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", kinds);
    x->nspecs = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = xfault_parse(t);
        if (k < 0) {
            snprintf(err, err_size,
                     "--fault-kinds: unknown kind '%s' (lost_ack fail conflict "
                     "pause crash)",
                     t);
            return LY_EINVAL;
        }
        add_spec(x, k, NULL, 0);
    }
    return 0;
}

int explore_prepare(struct xconfig *x, const char *kinds, int64_t pause_ms, char *err,
                    size_t err_size)
{
    struct scenario *sc = x->sc;
    x->pause_ms = pause_ms > 0 ? pause_ms : 1000;
    prepare_faults(x);
    prepare_events(x);
    if (kinds && parse_kinds(x, kinds, err, err_size))
        return LY_EINVAL;
    for (size_t i = 0; i < x->nspecs; i++)
        if (x->specs[i].kind == XF_PAUSE && x->specs[i].ms <= 0)
            x->specs[i].ms = x->pause_ms;
    x->timed = mentions_now(&sc->prog);
    for (size_t i = 0; i < sc->nclients; i++)
        x->timed |= mentions_now(&sc->clients[i].prog);
    for (size_t i = 0; i < sc->nparams; i++)
        x->timed |= strstr(sc->params[i].value, "now_ms") != NULL;
    sc->seconds = 86400; /* the logical clock decides; no wall-clock limit */
    return 0;
}
