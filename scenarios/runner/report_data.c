/*
 * report_data.c - what the HTML report draws, as one JSON document: the
 * lanes (clients, with how often each takes part in a violation), every
 * operation under its one number (the history index of its invoke), the
 * markers (critical sections, pauses, crashes, give-ups), the violations and
 * the checks. Also the verdict badge, the checks table and the story (the
 * scenario file's header comment).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#define DATA_OPS_MAX 100000
#define VALUE_SHOWN 48

const char *report_badge(const struct report_info *ri, const struct check_result *r,
                         const char **css_class)
{
    const char *cls = "bad", *text = "unexpected result";
    if (ri->pending) {
        cls = "pending";
        text = "pending";
    } else if (ri->error) {
        cls = "bad";
        text = "run failed";
    } else if (report_matches(ri, r)) {
        cls = ri->expect ? "bug" : "good";
        text = ri->expect ? "bug reproduced" : "protocol correct";
    } else if (!strcmp(report_status(ri, r), "unknown")) {
        int reproduced = ri->expect && (r->found & ri->expect) == ri->expect;
        cls = reproduced ? "bug" : "pending";
        text = reproduced   ? "bug reproduced, a check undecided"
               : ri->expect ? "undecided: a check the verdict needs could not be decided"
                            : "no violation found, a check undecided";
    }
    if (css_class)
        *css_class = cls;
    return text;
}

size_t report_checks(const struct check_result *r, struct report_check *out, size_t max)
{
    size_t n = 0;
    for (int k = 0; k < V_KINDS && n < max; k++, n++) {
        struct report_check *c = &out[n];
        memset(c, 0, sizeof *c);
        c->name = violation_name(k);
        c->status = r->found >> k & 1     ? RCHECK_FAIL
                    : r->unknown >> k & 1 ? RCHECK_UNKNOWN
                                          : RCHECK_PASS;
        if (c->status == RCHECK_FAIL)
            snprintf(c->reason, sizeof c->reason, "%zu violation%s", r->per_kind[k],
                     r->per_kind[k] == 1 ? "" : "s");
        else if (c->status == RCHECK_UNKNOWN)
            snprintf(c->reason, sizeof c->reason, "%s", r->why[k]);
    }
    return n;
}

char *report_story(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap), line[1024];
    while (out && fgets(line, sizeof line, f) && line[0] == '#') {
        const char *s = line + 1;
        if (*s == ' ')
            s++;
        size_t n = strlen(s);
        if (len + n + 1 > cap) {
            char *p = realloc(out, cap * 2 + n);
            if (!p) {
                free(out);
                out = NULL;
                break;
            }
            out = p;
            cap = cap * 2 + n;
        }
        memcpy(out + len, s, n);
        len += n;
    }
    fclose(f);
    if (out && len == 0) {
        free(out);
        return NULL;
    }
    if (out)
        out[len] = '\0';
    return out;
}

static json_t *str_or_null(const struct history *h, uint32_t id)
{
    return id ? json_string(history_str(h, id)) : json_null();
}

static json_t *short_value(const struct history *h, int64_t id)
{
    const char *s = history_str(h, (uint32_t)id);
    if (!id || !*s)
        return json_null();
    return json_stringn(s, strlen(s) > VALUE_SHOWN ? VALUE_SHOWN : strlen(s));
}

/* The fault action a completion's note names ("fault {"id":..,"action":"fail_after"}"). */
static json_t *fault_action(const struct history *h, const struct hev *d)
{
    const char *note = history_str(h, d->note), *a = strstr(note, "\"action\":\"");
    if (!d->note || strncmp(note, "fault ", 6) || !a)
        return json_null();
    a += 10;
    const char *end = strchr(a, '"');
    return json_stringn(a, end ? (size_t)(end - a) : strlen(a));
}

static json_t *op_json(const struct history *h, size_t i)
{
    const struct hev *e = &h->ev[i], *d = &h->ev[e->pair];
    json_t *o = json_pack("{sI ss ss sI sI ss si si sI}", "n", (json_int_t)i, "p",
                          history_str(h, e->process), "f", e->f, "t0", (json_int_t)e->time_us, "t1",
                          (json_int_t)d->time_us, "ty", hev_type_name(d->type), "st", d->status,
                          "ap", d->applied, "seq", (json_int_t)d->seq);
    if (!o)
        return NULL;
    json_object_set_new(o, "k", str_or_null(h, e->key));
    json_object_set_new(o, "code", str_or_null(h, d->code));
    json_object_set_new(o, "c",
                        json_string(e->cond == COND_INM  ? "If-None-Match"
                                    : e->cond == COND_IM ? "If-Match"
                                                         : ""));
    json_object_set_new(o, "cv", e->cond == COND_IM ? short_value(h, e->cond_val) : json_null());
    json_object_set_new(o, "expr", e->note ? str_or_null(h, e->note) : json_null());
    json_object_set_new(o, "fault", fault_action(h, d));
    json_object_set_new(o, "note", str_or_null(h, d->note));
    json_object_set_new(o, "role", json_string(hev_role_name(e->role)));
    json_object_set_new(o, "v",
                        e->val && strcmp(e->f, "PutObject") ? short_value(h, e->val) : json_null());
    json_object_set_new(o, "rv", d->val_known ? short_value(h, d->val) : json_null());
    return o;
}

static json_t *mark_json(const struct history *h, size_t i)
{
    const struct hev *e = &h->ev[i];
    return json_pack("{sI ss ss sI so}", "n", (json_int_t)i, "p", history_str(h, e->process), "f",
                     e->f, "t", (json_int_t)e->time_us, "note", str_or_null(h, e->note));
}

static json_t *events_json(const struct history *h, json_t **marks)
{
    json_t *ops = json_array();
    *marks = json_array();
    for (size_t i = 0; ops && *marks && i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        if (hev_is_marker(e))
            json_array_append_new(*marks, mark_json(h, i));
        else if (e->type == HEV_INVOKE && e->pair < h->n && json_array_size(ops) < DATA_OPS_MAX)
            json_array_append_new(ops, op_json(h, i));
    }
    return ops;
}

static json_t *violations_json(const struct check_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->n; i++) {
        json_t *ev = json_array();
        for (size_t e = 0; ev && e < r->v[i].nevents; e++)
            json_array_append_new(ev, json_integer(r->v[i].events[e]));
        json_array_append_new(a, json_pack("{ss ss sI so}", "kind", violation_name(r->v[i].kind),
                                           "msg", r->v[i].msg, "t", (json_int_t)r->v[i].time_us,
                                           "ops", ev));
    }
    return a;
}

static json_t *checks_json(const struct check_result *r)
{
    static const char *const names[] = {"pass", "fail", "unknown"};
    struct report_check rows[V_KINDS];
    size_t n = report_checks(r, rows, V_KINDS);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{ss ss ss}", "name", rows[i].name, "status",
                                           names[rows[i].status], "reason", rows[i].reason));
    return a;
}

json_t *report_data(const struct report_info *ri, const struct history *h,
                    const struct check_result *r)
{
    json_t *marks = NULL, *ops = events_json(h, &marks);
    const char *cls;
    const char *badge = report_badge(ri, r, &cls);
    json_t *o = json_pack("{ss ss so so so so sb}", "name", ri->name, "badge", badge, "ops",
                          ops ? ops : json_array(), "marks", marks ? marks : json_array(),
                          "violations", violations_json(r), "checks", checks_json(r), "truncated",
                          ops && json_array_size(ops) >= DATA_OPS_MAX);
    return o;
}
