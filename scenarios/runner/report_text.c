/*
 * report_text.c - the text summary and the JSON form of a scenario's verdict.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

void report_kinds(uint32_t bits, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    if (!bits) {
        snprintf(out, size, "pass");
        return;
    }
    for (int k = 0; k < V_KINDS && n < size; k++)
        if (bits >> k & 1)
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "[", violation_name(k));
    if (n < size)
        snprintf(out + n, size - n, "]");
}

const char *report_status(const struct report_info *ri, const struct check_result *r)
{
    if (ri->pending)
        return "pending";
    if (ri->error)
        return "error";
    return check_verdict(r, ri->expect);
}

int report_matches(const struct report_info *ri, const struct check_result *r)
{
    return !strcmp(report_status(ri, r), "ok");
}

/* A line when the journal lost or never listed requests of the run, and one when clients were
 * paused so that the journal reader kept up. */
static void text_journal(FILE *f, json_t *j)
{
    json_int_t dropped = json_integer_value(json_object_get(j, "dropped"));
    json_int_t unlisted = json_integer_value(json_object_get(j, "unlisted"));
    if (dropped || unlisted)
        fprintf(f, "  journal: %lld entries dropped, %lld requests never listed (%s)\n",
                (long long)dropped, (long long)unlisted,
                json_string_value(json_object_get(j, "unlisted_sample")));
    json_int_t pauses = json_integer_value(json_object_get(j, "pauses"));
    if (pauses)
        fprintf(f,
                "  journal: clients paused %lld times (%lld ms in all) so the journal reader "
                "kept up\n",
                (long long)pauses, (long long)json_integer_value(json_object_get(j, "paused_ms")));
}

static const char *order_name(int order)
{
    return order == ORDER_JOURNAL    ? "the server's journal"
           : order == ORDER_REALTIME ? "real time only (no complete journal)"
                                     : "-";
}

const char *report_fault_line(json_t *rule, char *out, size_t size)
{
    const char *where = json_string_value(json_object_get(rule, "where"));
    const char *why = json_string_value(json_object_get(rule, "reason"));
    snprintf(out, size, "fault rule %lld (line %lld, %s): %s%s%s",
             (long long)json_integer_value(json_object_get(rule, "rule")),
             (long long)json_integer_value(json_object_get(rule, "line")),
             json_string_value(json_object_get(rule, "action")),
             where && !strcmp(where, "server")   ? "applied by the lockyard server"
             : where && !strcmp(where, "client") ? "applied by the runner (client side)"
                                                 : "not run",
             why ? ": " : "", why ? why : "");
    return out;
}

static void text_faults(FILE *f, const struct report_info *ri)
{
    char line[512];
    for (size_t i = 0; i < json_array_size(ri->faults); i++)
        fprintf(f, "  %s\n", report_fault_line(json_array_get(ri->faults, i), line, sizeof line));
}

static void ms(char *out, size_t size, int64_t us)
{
    if (us < 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1f ms", (double)us / 1000.0);
}

void report_text(FILE *f, const struct report_info *ri, const struct history *h,
                 const struct check_result *r)
{
    char found[256], expect[256];
    report_kinds(r->found, found, sizeof found);
    report_kinds(ri->expect, expect, sizeof expect);
    if (ri->pending) {
        fprintf(f, "%-32s PENDING   %s\n", ri->name, ri->pending);
        return;
    }
    if (ri->error) {
        fprintf(f, "%-32s ERROR     %s\n", ri->name, ri->error);
        fprintf(f, "  seed %" PRIu64 "; replay: %s\n", ri->seed, ri->replay);
        return;
    }
    const char *st = report_status(ri, r);
    fprintf(f, "%-32s %-9s found %s, expected %s (%.1f s)\n", ri->name,
            !strcmp(st, "ok")        ? "OK"
            : !strcmp(st, "unknown") ? "UNKNOWN"
                                     : "MISMATCH",
            found, expect, (double)ri->wall_ms / 1000);
    for (size_t i = 0; i < r->n && i < 6; i++)
        fprintf(f, "  %-16s %s\n", violation_name(r->v[i].kind), r->v[i].msg);
    if (r->n > 6)
        fprintf(f, "  ... %zu more\n", r->n - 6);
    for (int k = 0; k < V_KINDS; k++)
        if ((r->unknown & ~r->found) >> k & 1)
            fprintf(f, "  %-16s unknown: %s\n", violation_name(k), r->why[k]);
    if (r->order)
        fprintf(f, "  commit order: %s\n", order_name(r->order));
    text_journal(f, ri->journal);
    text_faults(f, ri);
    const struct check_stats *s = &r->stats;
    char p50[24], p99[24], mx[24], wait[24], rec[24];
    ms(p50, sizeof p50, s->lat_p50_us);
    ms(p99, sizeof p99, s->lat_p99_us);
    ms(mx, sizeof mx, s->lat_max_us);
    ms(wait, sizeof wait, s->wait_max_us);
    ms(rec, sizeof rec, s->recovery_us);
    fprintf(f, "  %zu requests (%zu ok, %zu fail, %zu info); latency p50 %s p99 %s max %s\n",
            s->ops, s->ok, s->fail, s->info, p50, p99, mx);
    fprintf(f,
            "  %zu critical sections; longest wait %s; recovery %s; %zu starved; "
            "linearizable keys %zu/%zu%s\n",
            s->cs_count, wait, rec, s->starved, s->wgl_ok, s->wgl_keys,
            s->wgl_unknown ? " (some unknown: search budget)" : "");
    fprintf(f, "  seed %" PRIu64 "; replay: %s\n", ri->seed, ri->replay);
    (void)h;
}

json_t *report_json(const struct report_info *ri, const struct check_result *r)
{
    json_t *o = json_object(), *found = json_array(), *exp = json_array(), *vs = json_array();
    if (!o || !found || !exp || !vs) {
        json_decref(o);
        json_decref(found);
        json_decref(exp);
        json_decref(vs);
        return NULL;
    }
    for (int k = 0; k < V_KINDS; k++) {
        if (r->found >> k & 1)
            json_array_append_new(found, json_string(violation_name(k)));
        if (ri->expect >> k & 1)
            json_array_append_new(exp, json_string(violation_name(k)));
    }
    for (size_t i = 0; i < r->n; i++) {
        json_t *ev = json_array();
        for (size_t e = 0; ev && e < r->v[i].nevents; e++)
            json_array_append_new(ev, json_integer(r->v[i].events[e]));
        json_array_append_new(vs, json_pack("{ss ss sI so}", "kind", violation_name(r->v[i].kind),
                                            "message", r->v[i].msg, "time_us",
                                            (json_int_t)r->v[i].time_us, "events", ev));
    }
    const struct check_stats *s = &r->stats;
    json_object_set_new(o, "name", json_string(ri->name));
    json_object_set_new(o, "seed", json_integer((json_int_t)ri->seed));
    json_object_set_new(o, "replay", json_string(ri->replay));
    json_object_set_new(o, "status", json_string(report_status(ri, r)));
    json_t *unknown = json_array();
    for (int k = 0; unknown && k < V_KINDS; k++)
        if ((r->unknown & ~r->found) >> k & 1)
            json_array_append_new(
                unknown, json_pack("{ss ss}", "kind", violation_name(k), "reason", r->why[k]));
    json_object_set_new(o, "unknown", unknown ? unknown : json_array());
    json_object_set_new(o, "commit_order",
                        json_string(r->order == ORDER_JOURNAL    ? "journal"
                                    : r->order == ORDER_REALTIME ? "realtime"
                                                                 : "none"));
    json_object_set_new(o, "faults", ri->faults ? json_incref(ri->faults) : json_array());
    if (ri->journal)
        json_object_set_new(o, "journal", json_incref(ri->journal));
    if (ri->pending || ri->error)
        json_object_set_new(o, "reason", json_string(ri->pending ? ri->pending : ri->error));
    json_object_set_new(o, "expected", exp);
    json_object_set_new(o, "found", found);
    json_object_set_new(o, "violations", vs);
    json_object_set_new(
        o, "stats",
        json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI sI}", "requests", (json_int_t)s->ops,
                  "ok", (json_int_t)s->ok, "fail", (json_int_t)s->fail, "info", (json_int_t)s->info,
                  "latency_p50_us", (json_int_t)s->lat_p50_us, "latency_p90_us",
                  (json_int_t)s->lat_p90_us, "latency_p99_us", (json_int_t)s->lat_p99_us,
                  "latency_max_us", (json_int_t)s->lat_max_us, "critical_sections",
                  (json_int_t)s->cs_count, "wait_max_us", (json_int_t)s->wait_max_us, "recovery_us",
                  (json_int_t)s->recovery_us, "starved", (json_int_t)s->starved,
                  "linearizable_keys", (json_int_t)s->wgl_ok, "keys_checked",
                  (json_int_t)s->wgl_keys));
    json_object_set_new(o, "wall_ms", json_integer(ri->wall_ms));
    return o;
}
