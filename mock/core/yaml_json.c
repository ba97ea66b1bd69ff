/* yaml_json.c - YAML documents to JSON values with libyaml's event parser (see yaml_json.h). */
#include "lockyard/yaml_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct yj {
    yaml_parser_t parser;
    char *err;
    size_t err_size;
    int failed;
};

static void yj_fail(struct yj *y, const yaml_mark_t *m, const char *what)
{
    if (!y->failed)
        snprintf(y->err, y->err_size, "line %zu column %zu: %s", m->line + 1, m->column + 1, what);
    y->failed = 1;
}

static json_t *scalar(const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(v, n);
    if (n == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0)
        return json_null();
    if (strcmp(v, "true") == 0)
        return json_true();
    if (strcmp(v, "false") == 0)
        return json_false();
    char *end;
    long long i = strtoll(v, &end, 10);
    if (*end == '\0' && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
        return json_integer(i);
    double d = strtod(v, &end);
    if (*end == '\0' && (v[0] == '-' || v[0] == '.' || (v[0] >= '0' && v[0] <= '9')))
        return json_real(d);
    return json_stringn(v, n);
}

static json_t *node(struct yj *y, yaml_event_t *first, int depth);

static json_t *sequence(struct yj *y, int depth)
{
    json_t *arr = json_array();
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&y->parser, &e)) {
            yj_fail(y, &y->parser.problem_mark, y->parser.problem ? y->parser.problem : "syntax");
            break;
        }
        if (e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            return arr;
        }
        json_t *v = node(y, &e, depth + 1);
        yaml_event_delete(&e);
        if (!v)
            break;
        json_array_append_new(arr, v);
    }
    json_decref(arr);
    return NULL;
}

static json_t *mapping(struct yj *y, int depth)
{
    json_t *obj = json_object();
    for (;;) {
        yaml_event_t k, e;
        if (!yaml_parser_parse(&y->parser, &k)) {
            yj_fail(y, &y->parser.problem_mark, y->parser.problem ? y->parser.problem : "syntax");
            break;
        }
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            return obj;
        }
        if (k.type != YAML_SCALAR_EVENT) {
            yj_fail(y, &k.start_mark, "mapping keys must be plain text");
            yaml_event_delete(&k);
            break;
        }
        char *key = strndup((const char *)k.data.scalar.value, k.data.scalar.length);
        yaml_event_delete(&k);
        json_t *v = NULL;
        if (key && yaml_parser_parse(&y->parser, &e)) {
            v = node(y, &e, depth + 1);
            yaml_event_delete(&e);
        } else {
            yj_fail(y, &y->parser.problem_mark, "syntax");
        }
        if (v)
            json_object_set_new(obj, key, v);
        free(key);
        if (!v)
            break;
    }
    json_decref(obj);
    return NULL;
}

static json_t *node(struct yj *y, yaml_event_t *e, int depth)
{
    if (depth > YAML_JSON_DEPTH_MAX) {
        yj_fail(y, &e->start_mark, "nested too deeply");
        return NULL;
    }
    switch (e->type) {
    case YAML_SCALAR_EVENT: return scalar(e);
    case YAML_SEQUENCE_START_EVENT: return sequence(y, depth);
    case YAML_MAPPING_START_EVENT: return mapping(y, depth);
    case YAML_ALIAS_EVENT: yj_fail(y, &e->start_mark, "aliases are not supported"); return NULL;
    default: yj_fail(y, &e->start_mark, "unexpected YAML event"); return NULL;
    }
}

json_t *yaml_to_json(const char *text, size_t len, char *err, size_t err_size)
{
    struct yj y = {.err = err, .err_size = err_size};
    json_t *out = NULL;
    err[0] = '\0';
    if (!yaml_parser_initialize(&y.parser)) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
    for (int done = 0; !done && !y.failed;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&y.parser, &e)) {
            yj_fail(&y, &y.parser.problem_mark, y.parser.problem ? y.parser.problem : "syntax");
            break;
        }
        if (e.type == YAML_STREAM_END_EVENT || e.type == YAML_DOCUMENT_END_EVENT) {
            done = e.type == YAML_STREAM_END_EVENT || out != NULL;
        } else if (e.type != YAML_STREAM_START_EVENT && e.type != YAML_DOCUMENT_START_EVENT) {
            if (out)
                yj_fail(&y, &e.start_mark, "only one YAML document is read");
            else
                out = node(&y, &e, 0);
        }
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&y.parser);
    if (y.failed) {
        json_decref(out);
        return NULL;
    }
    return out ? out : json_object();
}
