/*
 * fault.c - fault rules: JSON / text parsing with field-naming errors, glob and request
 * matching, firing decisions (nth, every, probability with a seeded PRNG, count, window).
 * Pure: no I/O, no clock (the caller passes now).
 */
#include "lockyard/fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_names[FAULT_ACTION_COUNT_] = {
    "delay",
    "delay_after",
    "fail",
    "fail_after",
    "drop",
    "drop_after",
    "conflict",
    "hold",
    "stale_read",
    "throttle",
    "ignore_conditions",
    "etag_random",
    "error_in_200",
};

bool fault_error_in_200_op(const char *op)
{
    return op && (strcmp(op, "CompleteMultipartUpload") == 0 || strcmp(op, "CopyObject") == 0 ||
                  strcmp(op, "UploadPartCopy") == 0);
}

const char *fault_action_name(enum fault_action a)
{
    return a < FAULT_ACTION_COUNT_ ? action_names[a] : "?";
}

bool fault_glob(const char *p, const char *s)
{
    const char *star = NULL, *retry = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            retry = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++retry;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return LY_EINVAL;
}

/* where: the object's path ("match", "action", "action.until") for messages. */
static int get_text(const json_t *obj, const char *where, const char *name, char *out, size_t size,
                    char *err, size_t n)
{
    const json_t *v = json_object_get(obj, name);
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) >= size)
        return fail(err, n, "field '%s.%s' must be a string (at most %zu characters)", where, name,
                    size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_uint(const json_t *obj, const char *where, const char *name, uint64_t *out,
                    char *err, size_t n)
{
    const json_t *v = json_object_get(obj, name);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(err, n, "field '%s.%s' must be a non-negative integer", where, name);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int check_keys(const json_t *obj, const char *const *allowed, const char *where, char *err,
                      size_t n)
{
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)obj, k, v) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(k, allowed[i]) == 0;
        if (!ok) {
            char name[200];
            snprintf(name, sizeof name, "%s%s%s", where, *where ? "." : "", k);
            return fail(err, n, "unknown field '%s'", name);
        }
    }
    return 0;
}

static int parse_match(const json_t *m, const char *where, struct fault_match *out, char *err,
                       size_t n)
{
    static const char *const fields[] = {
        "service", "op",    "bucket",      "key",  "table",    "client",    "conditional", "nth",
        "every",   "count", "probability", "seed", "after_ms", "before_ms", NULL};
    memset(out, 0, sizeof *out);
    out->conditional = -1;
    out->probability = 1.0;
    out->after_ms = out->before_ms = -1;
    if (!m)
        return 0;
    if (!json_is_object(m))
        return fail(err, n, "field '%s' must be an object", where);
    int rc = check_keys(m, fields, where, err, n);
    if (!rc)
        rc = get_text(m, where, "service", out->service, sizeof out->service, err, n);
    if (!rc)
        rc = get_text(m, where, "op", out->op, sizeof out->op, err, n);
    if (!rc)
        rc = get_text(m, where, "bucket", out->bucket, sizeof out->bucket, err, n);
    if (!rc)
        rc = get_text(m, where, "key", out->key, sizeof out->key, err, n);
    if (!rc)
        rc = get_text(m, where, "table", out->table, sizeof out->table, err, n);
    if (!rc)
        rc = get_text(m, where, "client", out->client, sizeof out->client, err, n);
    if (!rc)
        rc = get_uint(m, where, "nth", &out->nth, err, n);
    if (!rc)
        rc = get_uint(m, where, "every", &out->every, err, n);
    if (!rc)
        rc = get_uint(m, where, "count", &out->count, err, n);
    if (!rc)
        rc = get_uint(m, where, "seed", &out->seed, err, n);
    if (rc)
        return rc;
    if (out->service[0] && strcmp(out->service, "s3") && strcmp(out->service, "dynamodb") &&
        strcmp(out->service, "sts"))
        return fail(err, n, "field '%s.service' must be s3, dynamodb or sts", where);
    const json_t *c = json_object_get(m, "conditional");
    if (c && !json_is_boolean(c))
        return fail(err, n, "field '%s.conditional' must be true or false", where);
    if (c)
        out->conditional = json_is_true(c);
    const json_t *p = json_object_get(m, "probability");
    if (p && (!json_is_number(p) || json_number_value(p) < 0 || json_number_value(p) > 1))
        return fail(err, n, "field '%s.probability' must be a number from 0 to 1", where);
    if (p)
        out->probability = json_number_value(p);
    uint64_t a = 0, b = 0;
    rc = get_uint(m, where, "after_ms", &a, err, n);
    if (!rc)
        rc = get_uint(m, where, "before_ms", &b, err, n);
    if (json_object_get(m, "after_ms"))
        out->after_ms = (int64_t)a;
    if (json_object_get(m, "before_ms"))
        out->before_ms = (int64_t)b;
    return rc;
}

/* error_in_200: always status 200, code InternalError unless given, applied only when asked. */
static int parse_error_in_200(const json_t *a, struct fault_rule *r, uint64_t status, char *err,
                              size_t n)
{
    const json_t *ap = json_object_get(a, "applied");
    if (r->action != FAULT_ERROR_IN_200)
        return ap ? fail(err, n, "field '%s' only applies to error_in_200", "action.applied") : 0;
    if (ap && !json_is_boolean(ap))
        return fail(err, n, "field '%s' must be true or false", "action.applied");
    if (status)
        return fail(err, n, "field '%s' does not apply to error_in_200 (the status line is 200)",
                    "action.status");
    if (r->match.op[0] && !fault_error_in_200_op(r->match.op))
        return fail(err, n,
                    "field '%s' must be CompleteMultipartUpload, CopyObject or "
                    "UploadPartCopy for error_in_200",
                    "match.op");
    r->applied = json_is_true(ap);
    if (!r->code[0])
        snprintf(r->code, sizeof r->code, "%s", "InternalError");
    return 0;
}

static int parse_action(const json_t *a, struct fault_rule *r, char *err, size_t n)
{
    static const char *const fields[] = {"type", "status", "code", "ms", "until", "applied", NULL};
    if (!json_is_object(a))
        return fail(err, n, "field '%s' is required and must be an object", "action");
    int rc = check_keys(a, fields, "action", err, n);
    if (rc)
        return rc;
    const json_t *t = json_object_get(a, "type");
    if (!json_is_string(t))
        return fail(err, n,
                    "field '%s' is required (delay, delay_after, fail, fail_after, drop, "
                    "drop_after, conflict, hold, stale_read, throttle, ignore_conditions, "
                    "etag_random, error_in_200)",
                    "action.type");
    int found = -1;
    for (int i = 0; i < FAULT_ACTION_COUNT_; i++)
        if (strcmp(json_string_value(t), action_names[i]) == 0)
            found = i;
    if (found < 0)
        return fail(err, n, "field '%s' names no known action", "action.type");
    r->action = (enum fault_action)found;
    uint64_t status = 0, ms = 0;
    rc = get_uint(a, "action", "status", &status, err, n);
    if (!rc)
        rc = get_uint(a, "action", "ms", &ms, err, n);
    if (!rc)
        rc = get_text(a, "action", "code", r->code, sizeof r->code, err, n);
    if (rc)
        return rc;
    r->ms = (int64_t)ms;
    r->status = status <= 999 ? (int)status : 999;
    if (r->action == FAULT_FAIL || r->action == FAULT_FAIL_AFTER) {
        if (!r->status)
            r->status = 500;
        if (r->status < 400 || r->status > 599)
            return fail(err, n, "field '%s' must be an HTTP error status (400-599)",
                        "action.status");
        if (!r->code[0])
            snprintf(r->code, sizeof r->code, "%s",
                     r->status >= 500 ? "InternalError" : "InvalidRequest");
    }
    if ((rc = parse_error_in_200(a, r, status, err, n)))
        return rc;
    if ((r->action == FAULT_DELAY || r->action == FAULT_DELAY_AFTER ||
         r->action == FAULT_STALE_READ) &&
        ms == 0)
        return fail(err, n, "field '%s' is required (milliseconds > 0)", "action.ms");
    const json_t *u = json_object_get(a, "until");
    if (u && r->action != FAULT_HOLD)
        return fail(err, n, "field '%s' only applies to hold", "action.until");
    if (u) {
        r->has_until = 1;
        return parse_match(u, "action.until", &r->until, err, n);
    }
    return 0;
}

int fault_rule_from_json(const json_t *j, struct fault_rule *out, char *err, size_t err_size)
{
    /* id, matched and fired are what GET lists: accepted and ignored, so a listing re-posts. */
    static const char *const fields[] = {"match", "action", "id", "matched", "fired", NULL};
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return fail(err, err_size, "a rule must be a JSON object with '%s' and 'action'", "match");
    int rc = check_keys(j, fields, "", err, err_size);
    if (!rc)
        rc = parse_match(json_object_get(j, "match"), "match", &out->match, err, err_size);
    if (!rc)
        rc = parse_action(json_object_get(j, "action"), out, err, err_size);
    out->prng = out->match.seed ? out->match.seed : 0x9E3779B97F4A7C15ull;
    return rc;
}

static const char *const match_keys[] = {
    "service", "op",    "bucket",      "key",  "table",    "client",    "conditional", "nth",
    "every",   "count", "probability", "seed", "after_ms", "before_ms", NULL};

/* Fields whose values are names: "key=1" stays the string "1". */
static const char *const text_keys[] = {"service", "op",   "bucket", "key", "table",
                                        "client",  "type", "code",   NULL};

static int is_one_of(const char *k, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(k, list[i]) == 0)
            return 1;
    return 0;
}

static json_t *text_value(const char *k, const char *v)
{
    char *end;
    if (is_one_of(k, text_keys))
        return json_string(v);
    if (strcmp(v, "true") == 0)
        return json_true();
    if (strcmp(v, "false") == 0)
        return json_false();
    long long i = strtoll(v, &end, 10);
    if (*v && !*end)
        return json_integer(i);
    double d = strtod(v, &end);
    if (*v && !*end)
        return json_real(d);
    return json_string(v);
}

/*
 * "k=v,k=v": match fields go to "match", "action" names the type, "until.FIELD" builds the
 * hold's until matcher, every other key goes to "action" (where unknown ones are reported).
 */
int fault_rule_from_text(const char *text, struct fault_rule *out, char *err, size_t err_size)
{
    json_t *match = json_object(), *action = json_object(), *rule = json_object();
    json_t *until = NULL;
    char *copy = strdup(text);
    int rc = match && action && rule && copy ? 0 : LY_ENOMEM;
    for (char *p = copy, *next; !rc && p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(p, '=');
        if (!eq) {
            rc = fail(err, err_size, "'%s' is not key=value", p);
            break;
        }
        *eq = '\0';
        const char *k = strcmp(p, "action") == 0 ? "type" : p;
        json_t *into = is_one_of(k, match_keys) ? match : action;
        if (strncmp(k, "until.", 6) == 0) {
            k += 6;
            if (!until && !(until = json_object())) {
                rc = LY_ENOMEM;
                break;
            }
            into = until;
        }
        json_object_set_new(into, k, text_value(k, eq + 1));
    }
    if (!rc && until)
        json_object_set(action, "until", until);
    if (!rc) {
        json_object_set(rule, "match", match);
        json_object_set(rule, "action", action);
        rc = fault_rule_from_json(rule, out, err, err_size);
    }
    free(copy);
    json_decref(match);
    json_decref(action);
    json_decref(until);
    json_decref(rule);
    return rc;
}

static json_t *match_to_json(const struct fault_match *m)
{
    json_t *j = json_object();
    const struct {
        const char *k, *v;
    } t[] = {{"service", m->service}, {"op", m->op},       {"bucket", m->bucket},
             {"key", m->key},         {"table", m->table}, {"client", m->client}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].v[0])
            json_object_set_new(j, t[i].k, json_string(t[i].v));
    if (m->conditional >= 0)
        json_object_set_new(j, "conditional", json_boolean(m->conditional));
    const struct {
        const char *k;
        uint64_t v;
    } u[] = {{"nth", m->nth}, {"every", m->every}, {"count", m->count}, {"seed", m->seed}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (u[i].v)
            json_object_set_new(j, u[i].k, json_integer((json_int_t)u[i].v));
    if (m->probability < 1.0)
        json_object_set_new(j, "probability", json_real(m->probability));
    if (m->after_ms >= 0)
        json_object_set_new(j, "after_ms", json_integer(m->after_ms));
    if (m->before_ms >= 0)
        json_object_set_new(j, "before_ms", json_integer(m->before_ms));
    return j;
}

json_t *fault_rule_to_json(const struct fault_rule *r)
{
    json_t *a = json_pack("{s:s}", "type", fault_action_name(r->action));
    if (r->status)
        json_object_set_new(a, "status", json_integer(r->status));
    if (r->code[0])
        json_object_set_new(a, "code", json_string(r->code));
    if (r->ms)
        json_object_set_new(a, "ms", json_integer(r->ms));
    if (r->has_until)
        json_object_set_new(a, "until", match_to_json(&r->until));
    if (r->action == FAULT_ERROR_IN_200)
        json_object_set_new(a, "applied", json_boolean(r->applied));
    return json_pack("{s:s, s:o, s:o, s:I, s:I}", "id", r->id, "match", match_to_json(&r->match),
                     "action", a, "matched", (json_int_t)r->seen, "fired", (json_int_t)r->fired);
}

static bool name_ok(const char *pattern, const char *value)
{
    return !pattern[0] || (value && fault_glob(pattern, value));
}

bool fault_match_static(const struct fault_match *m, const struct fault_facts *f)
{
    if (m->service[0] && (!f->service || strcmp(m->service, f->service) != 0))
        return false;
    if (m->op[0] && (!f->op || strcmp(m->op, f->op) != 0))
        return false;
    if (m->conditional >= 0 && m->conditional != f->conditional)
        return false;
    return name_ok(m->bucket, f->bucket) && name_ok(m->key, f->key) &&
           name_ok(m->table, f->table) && name_ok(m->client, f->client);
}

static double next_uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

bool fault_rule_fires(struct fault_rule *r, const struct fault_facts *f)
{
    const struct fault_match *m = &r->match;
    if (!fault_match_static(m, f))
        return false;
    int64_t age = f->now_ms - r->added_ms;
    if ((m->after_ms >= 0 && age < m->after_ms) || (m->before_ms >= 0 && age > m->before_ms))
        return false;
    if (m->count && r->fired >= m->count)
        return false;
    uint64_t n = ++r->seen;
    if (m->nth && n != m->nth)
        return false;
    if (m->every && n % m->every != 0)
        return false;
    if (m->probability < 1.0 && next_uniform(&r->prng) >= m->probability)
        return false;
    r->fired++;
    return true;
}
