/*
 * history_parse.c - reads a JSON-lines history: the runner's own format or a
 * plain Jepsen-style one ({process, type, f, value, time}). Every value is
 * interned as a string (numbers by their decimal text), so models compare ids.
 */
#include "history.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static uint32_t intern_json(struct history *h, json_t *v)
{
    char tmp[64];
    if (json_is_string(v))
        return history_intern(h, json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)json_integer_value(v));
        return history_intern(h, tmp);
    }
    if (json_is_real(v)) {
        snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
        return history_intern(h, tmp);
    }
    if (json_is_boolean(v))
        return history_intern(h, json_is_true(v) ? "true" : "false");
    return 0;
}

static int parse_type(const char *s)
{
    for (int t = HEV_INVOKE; t <= HEV_INFO; t++)
        if (strcmp(s, hev_type_name(t)) == 0)
            return t;
    return -1;
}

static int parse_value(struct history *h, struct hev *e, json_t *v)
{
    if (!v || json_is_null(v))
        return 0;
    if (json_is_array(v) && !strcmp(e->f, "cas") && json_array_size(v) == 2) {
        e->cond_val = intern_json(h, json_array_get(v, 0));
        e->val = intern_json(h, json_array_get(v, 1));
        return 0;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        e->list = calloc(n ? n : 1, sizeof *e->list);
        if (!e->list)
            return LY_ENOMEM;
        for (size_t i = 0; i < n; i++)
            e->list[i] = intern_json(h, json_array_get(v, i));
        e->list_len = n;
        e->val_known = 1;
        return 0;
    }
    e->val = intern_json(h, v);
    e->val_known = 1;
    return 0;
}

static void parse_fields(struct history *h, struct hev *e, json_t *o)
{
    json_t *x;
    if ((x = json_object_get(o, "key")) && json_is_string(x))
        e->key = history_intern(h, json_string_value(x));
    if ((x = json_object_get(o, "role")) && json_is_string(x) &&
        hev_role_parse(json_string_value(x)) > 0)
        e->role = (uint8_t)hev_role_parse(json_string_value(x));
    if ((x = json_object_get(o, "cond")) && json_is_string(x))
        e->cond = strcmp(json_string_value(x), "If-None-Match") == 0 ? COND_INM : COND_IM;
    if ((x = json_object_get(o, "cond_value")))
        e->cond_val = intern_json(h, x);
    if ((x = json_object_get(o, "status")) && json_is_integer(x))
        e->status = (int)json_integer_value(x);
    if ((x = json_object_get(o, "seq")) && json_is_integer(x))
        e->seq = json_integer_value(x);
    if ((x = json_object_get(o, "done_us")) && json_is_integer(x))
        e->done_us = json_integer_value(x);
    if ((x = json_object_get(o, "sent_us")) && json_is_integer(x))
        e->sent_us = json_integer_value(x);
    if ((x = json_object_get(o, "applied")) && json_is_boolean(x))
        e->applied = json_is_true(x) ? 1 : 0;
    if ((x = json_object_get(o, "code")) && json_is_string(x))
        e->code = history_intern(h, json_string_value(x));
    if ((x = json_object_get(o, "note")) && json_is_string(x))
        e->note = history_intern(h, json_string_value(x));
}

static int parse_line(struct history *h, const char *line, size_t len, int64_t lineno, char *err,
                      size_t err_size)
{
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    struct hev e = hev_blank();
    int rc = LY_EINVAL;
    json_t *proc = o ? json_object_get(o, "process") : NULL;
    json_t *type = o ? json_object_get(o, "type") : NULL;
    json_t *f = o ? json_object_get(o, "f") : NULL;
    json_t *t = o ? json_object_get(o, "time") : NULL;
    if (!o || !json_is_object(o)) {
        snprintf(err, err_size, "line %" PRId64 ": not a JSON object", lineno);
        goto out;
    }
    if (!proc || !type || !json_is_string(type) || parse_type(json_string_value(type)) < 0 || !f ||
        !json_is_string(f)) {
        snprintf(err, err_size, "line %" PRId64 ": wants process, type (invoke|ok|fail|info), f",
                 lineno);
        goto out;
    }
    e.process = intern_json(h, proc);
    e.type = (uint8_t)parse_type(json_string_value(type));
    snprintf(e.f, sizeof e.f, "%s", json_string_value(f));
    e.time_us = t && json_is_integer(t) ? json_integer_value(t) : (int64_t)h->n;
    parse_fields(h, &e, o);
    rc = parse_value(h, &e, json_object_get(o, "value"));
    if (!rc && !e.process)
        rc = LY_ENOMEM;
    if (!rc)
        rc = history_add(h, &e);
    if (rc)
        free(e.list);
out:
    json_decref(o);
    return rc;
}

int history_parse_jsonl(struct history *h, const char *text, size_t len, char *err, size_t err_size)
{
    int64_t lineno = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        lineno++;
        size_t k = i;
        while (k < j && (text[k] == ' ' || text[k] == '\r' || text[k] == '\t'))
            k++;
        if (k < j) {
            int rc = parse_line(h, text + i, j - i, lineno, err, err_size);
            if (rc)
                return rc;
        }
        i = j + 1;
    }
    return history_pair(h);
}
