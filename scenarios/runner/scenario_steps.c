/*
 * scenario_steps.c - YAML field helpers and the protocol step language:
 * one map per step, its kind named by its first key (s3, ddb, append,
 * sleep, goto, if, set, label) or a bare word (cs_enter, cs_exit, give_up, done).
 */
#include "scenario_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int ld_fail(struct ld *ld, const yaml_node_t *n, const char *field, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->err_size, "%s:%d: %s: %s", ld->file, n ? ld_line(n) : 0, field, msg);
    return LY_EINVAL;
}

int ld_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

const char *ld_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *ld_get(struct ld *ld, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = ld_scalar(yaml_document_get_node(ld->doc, p->key));
        if (k && !strcmp(k, key))
            return yaml_document_get_node(ld->doc, p->value);
    }
    return NULL;
}

int ld_str(struct ld *ld, const yaml_node_t *map, const char *key, char **out)
{
    yaml_node_t *n = ld_get(ld, map, key);
    if (!n)
        return 0;
    const char *s = ld_scalar(n);
    if (!s)
        return ld_fail(ld, n, key, "wants a string");
    free(*out);
    *out = strdup(s);
    return *out ? 0 : LY_ENOMEM;
}

int ld_int(struct ld *ld, const yaml_node_t *map, const char *key, int64_t lo, int64_t hi,
           int64_t *out)
{
    yaml_node_t *n = ld_get(ld, map, key);
    if (!n)
        return 0;
    const char *s = ld_scalar(n);
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v < lo || v > hi)
        return ld_fail(ld, n, key, "wants an integer in %lld..%lld", (long long)lo, (long long)hi);
    *out = v;
    return 0;
}

int ld_known_keys(struct ld *ld, const yaml_node_t *map, const char *what, const char *const *keys)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return ld_fail(ld, map, what, "wants a mapping");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(ld->doc, p->key);
        const char *k = ld_scalar(kn);
        int ok = 0;
        for (size_t i = 0; k && keys[i] && !ok; i++)
            ok = !strcmp(k, keys[i]);
        if (!ok)
            return ld_fail(ld, kn, what, "unknown field '%s'", k ? k : "?");
    }
    return 0;
}

json_t *ld_json(struct ld *ld, const yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = ld_scalar(n);
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            char *end;
            long long v = strtoll(s, &end, 10);
            if (!strcmp(s, "true") || !strcmp(s, "false"))
                return json_boolean(!strcmp(s, "true"));
            if (!strcmp(s, "null") || !strcmp(s, "~"))
                return json_null();
            if (*s && !*end)
                return json_integer(v);
            double d = strtod(s, &end);
            if (*s && !*end)
                return json_real(d);
        }
        return json_string(s);
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        json_t *a = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             a && i < n->data.sequence.items.top; i++)
            json_array_append_new(a, ld_json(ld, yaml_document_get_node(ld->doc, *i)));
        return a;
    }
    json_t *o = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top;
         p++) {
        const char *k = ld_scalar(yaml_document_get_node(ld->doc, p->key));
        if (k)
            json_object_set_new(o, k, ld_json(ld, yaml_document_get_node(ld->doc, p->value)));
    }
    return o;
}

static int parse_on(struct ld *ld, const yaml_node_t *n, struct sc_step *st)
{
    if (n->type != YAML_MAPPING_NODE)
        return ld_fail(ld, n, "on", "wants a mapping of status or code to label");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = ld_scalar(yaml_document_get_node(ld->doc, p->key));
        const char *v = ld_scalar(yaml_document_get_node(ld->doc, p->value));
        if (!k || !v || st->non == SC_ON_MAX)
            return ld_fail(ld, n, "on", "wants at most %d 'status: label' pairs", SC_ON_MAX);
        struct sc_branch *b = &st->on[st->non++];
        char *end;
        long code = strtol(k, &end, 10);
        b->status = !strcmp(k, "default") ? -1 : *end ? 0 : (int)code;
        b->code = b->status == 0 ? strdup(k) : NULL;
        b->label = strdup(v);
        if (!b->label || (b->status == 0 && !b->code))
            return LY_ENOMEM;
    }
    return 0;
}

static int parse_kvs(struct ld *ld, const yaml_node_t *n, const char *field, struct sc_kv *kv,
                     size_t max, size_t *count)
{
    if (n->type != YAML_MAPPING_NODE)
        return ld_fail(ld, n, field, "wants a mapping");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = ld_scalar(yaml_document_get_node(ld->doc, p->key));
        const char *v = ld_scalar(yaml_document_get_node(ld->doc, p->value));
        if (!k || !v || *count == max)
            return ld_fail(ld, n, field, "wants at most %zu 'name: value' pairs", max);
        kv[*count].name = strdup(k);
        kv[*count].value = strdup(v);
        if (!kv[(*count)++].value)
            return LY_ENOMEM;
    }
    return 0;
}

static const char *const request_keys[] = {
    "s3",        "ddb",     "append",   "read_list",     "key",
    "bucket",    "body",    "if_match", "if_none_match", "table",
    "request",   "role",    "retries",  "save",          "on",
    "fence",     "element", "list",     "copy_source",   "trust_status",
    "upload_id", "part",    NULL};

static int parse_request(struct ld *ld, const yaml_node_t *n, struct sc_step *st)
{
    int rc = ld_known_keys(ld, n,
                           st->kind == ST_S3    ? "s3"
                           : st->kind == ST_DDB ? "ddb"
                                                : "append",
                           request_keys);
    if (st->kind == ST_APPEND)
        st->role = ROLE_RESOURCE;
    int64_t retries = 0;
    char *role = NULL, *fence = NULL, *trust = NULL;
    yaml_node_t *x;
    if (!rc)
        rc = ld_str(ld, n, "key", &st->key);
    if (!rc)
        rc = ld_str(ld, n, "bucket", &st->bucket);
    if (!rc)
        rc = ld_str(ld, n, "body", &st->body);
    if (!rc)
        rc = ld_str(ld, n, "if_match", &st->if_match);
    if (!rc)
        rc = ld_str(ld, n, "if_none_match", &st->if_none_match);
    if (!rc)
        rc = ld_str(ld, n, "table", &st->table);
    if (!rc)
        rc = ld_str(ld, n, "element", &st->element);
    if (!rc)
        rc = ld_str(ld, n, "list", &st->list);
    if (!rc)
        rc = ld_str(ld, n, "copy_source", &st->copy_source);
    if (!rc)
        rc = ld_str(ld, n, "upload_id", &st->upload_id);
    if (!rc)
        rc = ld_str(ld, n, "part", &st->part);
    if (!rc)
        rc = ld_str(ld, n, "trust_status", &trust);
    if (!rc && trust && strcmp(trust, "true") && strcmp(trust, "false"))
        rc = ld_fail(ld, ld_get(ld, n, "trust_status"), "trust_status", "wants true or false");
    st->trust_status = trust && !strcmp(trust, "true");
    if (!rc)
        rc = ld_str(ld, n, "role", &role);
    if (!rc)
        rc = ld_str(ld, n, "fence", &fence);
    if (!rc)
        rc = ld_int(ld, n, "retries", 0, 20, &retries);
    st->retries = (int)retries;
    if (!rc && role && !strcmp(role, "none"))
        st->role = ROLE_NONE;
    else if (!rc && role && (st->role = hev_role_parse(role)) < 0)
        rc = ld_fail(ld, ld_get(ld, n, "role"), "role",
                     "wants lock|unlock|force_unlock|heartbeat|resource|read");
    if (!rc && fence && strcmp(fence, "etag") && strcmp(fence, "none"))
        rc = ld_fail(ld, ld_get(ld, n, "fence"), "fence", "wants etag or none");
    st->fence = fence && !strcmp(fence, "etag");
    if (!rc && (x = ld_get(ld, n, "request"))) {
        json_t *j = ld_scalar(x) ? json_loads(ld_scalar(x), 0, NULL) : ld_json(ld, x);
        st->request = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!st->request)
            rc = ld_fail(ld, x, "request", "wants a JSON object (or YAML mapping)");
    }
    if (!rc && (x = ld_get(ld, n, "save")))
        rc = parse_kvs(ld, x, "save", st->save, SC_SAVE_MAX, &st->nsave);
    if (!rc && (x = ld_get(ld, n, "on")))
        rc = parse_on(ld, x, st);
    if (!rc && st->kind == ST_DDB && !st->request)
        rc = ld_fail(ld, n, "ddb", "wants a request");
    free(role);
    free(fence);
    free(trust);
    return rc;
}

static const char *const bare_words[] = {"cs_enter", "cs_exit", "give_up", "done", NULL};
static const int bare_kinds[] = {ST_CS_ENTER, ST_CS_EXIT, ST_GIVE_UP, ST_DONE};

static int parse_step(struct ld *ld, const yaml_node_t *n, struct sc_step *st)
{
    st->line = ld_line(n);
    st->else_target = -1;
    const char *word = ld_scalar(n);
    for (int i = 0; word && bare_words[i]; i++)
        if (!strcmp(word, bare_words[i])) {
            st->kind = bare_kinds[i];
            return 0;
        }
    if (n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.start == n->data.mapping.pairs.top)
        return ld_fail(ld, n, "step", "wants a mapping or one of cs_enter, cs_exit, give_up, done");
    const char *k = ld_scalar(yaml_document_get_node(ld->doc, n->data.mapping.pairs.start->key));
    yaml_node_t *v = yaml_document_get_node(ld->doc, n->data.mapping.pairs.start->value);
    const char *vs = ld_scalar(v);
    int rc = 0;
    if (!k)
        return ld_fail(ld, n, "step", "wants a kind");
    if (!strcmp(k, "s3") || !strcmp(k, "ddb") || !strcmp(k, "append") || !strcmp(k, "read_list")) {
        st->kind = !strcmp(k, "s3")       ? ST_S3
                   : !strcmp(k, "ddb")    ? ST_DDB
                   : !strcmp(k, "append") ? ST_APPEND
                                          : ST_READ_LIST;
        if (!vs)
            return ld_fail(ld, v, k, "wants an operation name (or the list key)");
        int keyed = st->kind == ST_APPEND || st->kind == ST_READ_LIST;
        if (!(keyed ? (st->key = strdup(vs)) : (st->op = strdup(vs))))
            return LY_ENOMEM;
        return parse_request(ld, n, st);
    }
    if (!strcmp(k, "label") || !strcmp(k, "goto") || !strcmp(k, "sleep")) {
        st->kind = !strcmp(k, "label") ? ST_LABEL : !strcmp(k, "goto") ? ST_GOTO : ST_SLEEP;
        if (!vs)
            return ld_fail(ld, v, k, "wants a value");
        char **dst = st->kind == ST_SLEEP ? &st->sleep_ms : &st->label;
        return (*dst = strdup(vs)) ? 0 : LY_ENOMEM;
    }
    if (!strcmp(k, "if")) {
        st->kind = ST_IF;
        static const char *const keys[] = {"if", "then", "else", NULL};
        if (!vs)
            return ld_fail(ld, v, "if", "wants an expression such as \"{{a}} == {{b}}\"");
        rc = ld_known_keys(ld, n, "if", keys);
        if (!rc && !(st->expr = strdup(vs)))
            rc = LY_ENOMEM;
        if (!rc)
            rc = ld_str(ld, n, "then", &st->label);
        if (!rc)
            rc = ld_str(ld, n, "else", &st->else_label);
        if (!rc && !st->label)
            rc = ld_fail(ld, n, "if", "wants then: LABEL");
        return rc;
    }
    if (!strcmp(k, "set")) {
        st->kind = ST_SET;
        return parse_kvs(ld, v, "set", st->set, SC_SET_MAX, &st->nset);
    }
    return ld_fail(ld, n, "step", "unknown step kind '%s'", k);
}

int sc_program_label(const struct sc_program *p, const char *label)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->steps[i].kind == ST_LABEL && !strcmp(p->steps[i].label, label))
            return (int)i;
    return -1;
}

static int resolve(struct ld *ld, struct sc_program *p, const char *field)
{
    for (size_t i = 0; i < p->n; i++) {
        struct sc_step *st = &p->steps[i];
        const char *bad = NULL;
        if ((st->kind == ST_GOTO || st->kind == ST_IF) &&
            (st->target = sc_program_label(p, st->label)) < 0)
            bad = st->label;
        if (st->kind == ST_IF && st->else_label &&
            (st->else_target = sc_program_label(p, st->else_label)) < 0)
            bad = st->else_label;
        for (size_t b = 0; b < st->non && !bad; b++)
            if ((st->on[b].target = sc_program_label(p, st->on[b].label)) < 0)
                bad = st->on[b].label;
        if (bad) {
            snprintf(ld->err, ld->err_size, "%s:%d: %s[%zu]: no label '%s'", ld->file, st->line,
                     field, i, bad);
            return LY_EINVAL;
        }
    }
    return 0;
}

int ld_program(struct ld *ld, const yaml_node_t *seq, const char *field, struct sc_program *prog)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return ld_fail(ld, seq, field, "wants a list of steps");
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0 || n > SC_STEPS_MAX)
        return ld_fail(ld, seq, field, "wants 1..%d steps", SC_STEPS_MAX);
    prog->steps = calloc(n, sizeof *prog->steps);
    if (!prog->steps)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = parse_step(ld, yaml_document_get_node(ld->doc, seq->data.sequence.items.start[i]),
                            &prog->steps[i]);
        prog->n = i + 1;
        if (rc) {
            size_t len = strlen(ld->err);
            snprintf(ld->err + len, ld->err_size - len, " (%s[%zu])", field, i);
            return rc;
        }
    }
    return resolve(ld, prog, field);
}

static void free_kvs(struct sc_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
}

void sc_program_cleanup(struct sc_program *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct sc_step *st = &p->steps[i];
        char *strs[] = {
            st->label,    st->else_label,    st->op,          st->bucket,    st->key,     st->body,
            st->if_match, st->if_none_match, st->table,       st->request,   st->element, st->list,
            st->sleep_ms, st->expr,          st->copy_source, st->upload_id, st->part};
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            free(strs[k]);
        free_kvs(st->save, st->nsave);
        free_kvs(st->set, st->nset);
        for (size_t b = 0; b < st->non; b++) {
            free(st->on[b].code);
            free(st->on[b].label);
        }
    }
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}
