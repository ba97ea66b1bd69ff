/*
 * ddb_value_json.c - DynamoDB JSON <-> struct ddb_val, with DynamoDB's exact
 * validation messages (see ddb_value.h). jansson does the JSON; this file only
 * interprets the AttributeValue shapes. Pure: no I/O, no globals.
 */
#include "lockyard/checksum.h"
#include "lockyard/ddb_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_PREFIX "One or more parameter values were invalid: "

static int val_json(struct ly_arena *a, const json_t *j, struct ddb_val *out, int depth,
                    struct ddb_err *err);

/* SerializationException text for a JSON value of the wrong shape. */
static int shape_err(const json_t *j, const char *want, struct ddb_err *err)
{
    const char *msg;
    switch (json_typeof(j)) {
    case JSON_OBJECT: msg = "Start of structure or map found where not expected"; break;
    case JSON_ARRAY: msg = "Start of list found where not expected"; break;
    case JSON_STRING: msg = "STRING_VALUE cannot be converted to "; break;
    case JSON_INTEGER:
    case JSON_REAL: msg = "NUMBER_VALUE cannot be converted to "; break;
    default: msg = "BOOLEAN_VALUE cannot be converted to "; break;
    }
    if (json_is_object(j) || json_is_array(j))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "%s", msg);
    return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "%s%s", msg, want);
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict base64 decode into the arena; NUL-terminates. */
static int b64_decode(struct ly_arena *a, const char *s, size_t len, struct ddb_val *out,
                      struct ddb_err *err)
{
    if (len % 4)
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION,
                           "Base64 encoded length is expected a multiple of 4 bytes but found: %zu",
                           len);
    size_t pad = 0;
    if (len && s[len - 1] == '=')
        pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
    char *p = ly_arena_alloc(a, len / 4 * 3 + 1);
    if (!p)
        return ddb_err_nomem(err);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            bool is_pad = i + (size_t)k >= len - pad;
            v[k] = is_pad ? 0 : b64_val((unsigned char)s[i + k]);
            if (v[k] < 0 || (is_pad && s[i + k] != '='))
                return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION,
                                   "Invalid Base64 character: '%c'", s[i + k]);
        }
        unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                          ((unsigned long)v[2] << 6) | (unsigned long)v[3];
        p[o++] = (char)(w >> 16);
        p[o++] = (char)(w >> 8);
        p[o++] = (char)w;
    }
    o -= pad;
    p[o] = '\0';
    out->type = DDB_T_B;
    out->u.bytes.p = p;
    out->u.bytes.len = o;
    return 0;
}

static int str_json(struct ly_arena *a, const json_t *j, enum ddb_type t, struct ddb_val *out,
                    struct ddb_err *err)
{
    if (!json_is_string(j))
        return shape_err(j, t == DDB_T_B ? "Blob" : "String", err);
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (t == DDB_T_B)
        return b64_decode(a, s, len, out, err);
    if (t == DDB_T_N) {
        out->type = DDB_T_N;
        return ddb_num_parse(s, len, &out->u.num, err);
    }
    out->type = DDB_T_S;
    out->u.bytes.p = ly_arena_memdup(a, s, len + 1);
    out->u.bytes.len = len;
    return out->u.bytes.p ? 0 : ddb_err_nomem(err);
}

/* Java-style "[a, b]" listing of a set's JSON strings, for duplicate messages. */
static void set_listing(const json_t *arr, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < json_array_size(arr) && o + 1 < cap; i++) {
        const json_t *e = json_array_get(arr, i);
        int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "",
                         json_is_string(e) ? json_string_value(e) : "");
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static int set_dup_err(const json_t *arr, enum ddb_type t, struct ddb_err *err)
{
    char list[1024];
    set_listing(arr, list, sizeof(list));
    if (t == DDB_T_NS)
        return ddb_err_valid(err, "Input collection contains duplicates");
    if (t == DDB_T_BS)
        return ddb_err_valid(err, MSG_PREFIX "Input collection [%s]of type BS contains duplicates.",
                             list);
    return ddb_err_valid(err, MSG_PREFIX "Input collection [%s] contains duplicates.", list);
}

static int set_json(struct ly_arena *a, const json_t *j, enum ddb_type t, struct ddb_val *out,
                    struct ddb_err *err)
{
    if (!json_is_array(j))
        return json_is_object(j)
                   ? shape_err(j, "", err)
                   : ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected list or null");
    size_t n = json_array_size(j);
    enum ddb_type et = ddb_type_set_elem(t);
    if (n == 0) {
        if (t == DDB_T_BS)
            return ddb_err_valid(err, MSG_PREFIX "Binary sets should not be empty");
        return ddb_err_valid(err, MSG_PREFIX "An %s set  may not be empty",
                             t == DDB_T_SS ? "string" : "number");
    }
    struct ddb_val *items = ly_arena_alloc(a, n * sizeof(*items));
    if (!items)
        return ddb_err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        int rc = str_json(a, json_array_get(j, i), et, &items[i], err);
        if (rc)
            return rc;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (ddb_val_equal(&items[i], &items[k]))
                return set_dup_err(j, t, err);
    out->type = t;
    out->u.list.items = items;
    out->u.list.n = n;
    return 0;
}

static int list_json(struct ly_arena *a, const json_t *j, struct ddb_val *out, int depth,
                     struct ddb_err *err)
{
    if (!json_is_array(j))
        return json_is_object(j)
                   ? shape_err(j, "", err)
                   : ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected list or null");
    size_t n = json_array_size(j);
    struct ddb_val *items = ly_arena_alloc(a, (n ? n : 1) * sizeof(*items));
    if (!items)
        return ddb_err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        int rc = val_json(a, json_array_get(j, i), &items[i], depth + 1, err);
        if (rc)
            return rc;
    }
    out->type = DDB_T_L;
    out->u.list.items = items;
    out->u.list.n = n;
    return 0;
}

static int map_json(struct ly_arena *a, const json_t *j, struct ddb_map *out, int depth,
                    struct ddb_err *err)
{
    if (!json_is_object(j))
        return json_is_array(j)
                   ? shape_err(j, "", err)
                   : ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    size_t n = json_object_size(j), i = 0;
    struct ddb_attr *at = ly_arena_alloc(a, (n ? n : 1) * sizeof(*at));
    if (!at)
        return ddb_err_nomem(err);
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach ((json_t *)j, key, key_len, v) {
        if (key_len == 0)
            return ddb_err_valid(err, "Empty attribute name");
        at[i].name = ly_arena_strndup(a, key, key_len);
        if (!at[i].name)
            return ddb_err_nomem(err);
        at[i].name_len = key_len;
        int rc = val_json(a, v, &at[i].val, depth, err);
        if (rc)
            return rc;
        i++;
    }
    out->attrs = at;
    out->n = i;
    return 0;
}

/* Parses one type member of an AttributeValue object. */
static int member_json(struct ly_arena *a, enum ddb_type t, const json_t *v, struct ddb_val *out,
                       int depth, struct ddb_err *err)
{
    switch (t) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B: return str_json(a, v, t, out, err);
    case DDB_T_BOOL:
    case DDB_T_NULL:
        if (!json_is_boolean(v))
            return shape_err(v, "Boolean", err);
        if (t == DDB_T_NULL && !json_is_true(v))
            return ddb_err_valid(err, MSG_PREFIX
                                 "Null attribute value types must have the value of true");
        out->type = t;
        out->u.boolean = json_is_true(v);
        return 0;
    case DDB_T_M:
        if (depth >= DDB_DEPTH_MAX)
            return ddb_err_valid(err, "Nesting Levels have exceeded supported limits");
        out->type = DDB_T_M;
        return map_json(a, v, &out->u.map, depth + 1, err);
    case DDB_T_L:
        if (depth >= DDB_DEPTH_MAX)
            return ddb_err_valid(err, "Nesting Levels have exceeded supported limits");
        return list_json(a, v, out, depth, err);
    default: return set_json(a, v, t, out, err);
    }
}

static int val_json(struct ly_arena *a, const json_t *j, struct ddb_val *out, int depth,
                    struct ddb_err *err)
{
    if (!json_is_object(j)) {
        if (json_is_array(j))
            return shape_err(j, "", err);
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected null");
    }
    int count = 0;
    const char *key;
    size_t key_len;
    json_t *v;
    memset(out, 0, sizeof(*out));
    json_object_keylen_foreach ((json_t *)j, key, key_len, v) {
        enum ddb_type t = ddb_type_from_name(key, key_len);
        if (t == DDB_T_NONE || json_is_null(v))
            continue; /* unknown members and nulls are ignored, as AWS does */
        struct ddb_val tmp;
        memset(&tmp, 0, sizeof(tmp));
        int rc = member_json(a, t, v, &tmp, depth, err);
        if (rc)
            return rc;
        if (count++ == 0)
            *out = tmp;
    }
    if (count == 0)
        return ddb_err_valid(err, "Supplied AttributeValue is empty, must contain exactly one of "
                                  "the supported datatypes");
    if (count > 1)
        return ddb_err_valid(err, "Supplied AttributeValue has more than one datatypes set, must "
                                  "contain exactly one of the supported datatypes");
    return 0;
}

int ddb_val_from_json(struct ly_arena *a, const json_t *j, struct ddb_val *out, struct ddb_err *err)
{
    return val_json(a, j, out, 0, err);
}

int ddb_map_from_json(struct ly_arena *a, const json_t *j, struct ddb_map *out, struct ddb_err *err)
{
    return map_json(a, j, out, 0, err);
}

static json_t *b64_json(const char *p, size_t len)
{
    size_t olen = CKSUM_B64_LEN(len);
    char *o = malloc(olen + 1);
    if (!o || cksum_b64_encode(p, len, o, olen + 1)) {
        free(o);
        return NULL;
    }
    json_t *j = json_stringn(o, olen);
    free(o);
    return j;
}

static json_t *scalar_json(const struct ddb_val *v)
{
    char num[DDB_NUM_TEXT_MAX];
    switch (v->type) {
    case DDB_T_S: return json_stringn(v->u.bytes.p, v->u.bytes.len);
    case DDB_T_B: return b64_json(v->u.bytes.p, v->u.bytes.len);
    case DDB_T_N: ddb_num_format(&v->u.num, num, sizeof(num)); return json_string(num);
    default: return NULL;
    }
}

static json_t *inner_json(const struct ddb_val *v)
{
    switch (v->type) {
    case DDB_T_BOOL: return json_boolean(v->u.boolean);
    case DDB_T_NULL: return json_true();
    case DDB_T_M: return ddb_map_to_json(&v->u.map);
    case DDB_T_L:
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < v->u.list.n; i++) {
            const struct ddb_val *e = &v->u.list.items[i];
            json_t *x = v->type == DDB_T_L ? ddb_val_to_json(e) : scalar_json(e);
            if (!x || json_array_append_new(arr, x)) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    default: return scalar_json(v);
    }
}

json_t *ddb_val_to_json(const struct ddb_val *v)
{
    json_t *inner = inner_json(v);
    if (!inner)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        json_decref(inner);
        return NULL;
    }
    if (json_object_set_new(o, ddb_type_name(v->type), inner)) { /* consumes inner */
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *ddb_map_to_json(const struct ddb_map *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->n; i++) {
        json_t *x = ddb_val_to_json(&m->attrs[i].val);
        if (!x || json_object_setn_new(o, m->attrs[i].name, m->attrs[i].name_len, x)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}
