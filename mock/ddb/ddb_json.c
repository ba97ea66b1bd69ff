/*
 * ddb_json.c - request field access with DynamoDB's SerializationException texts,
 * framework-style validation lists, table loading and key encoding.
 */
#include "ddb_internal.h"
#include "lockyard/ddb_keycodec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING: return "STRING_VALUE";
    case JSON_INTEGER:
    case JSON_REAL: return "NUMBER_VALUE";
    case JSON_TRUE:
    case JSON_FALSE: return "BOOLEAN_VALUE";
    default: return "VALUE";
    }
}

/* The type error for member v where want ("String", "Boolean", ...) was expected. */
static int type_error(struct ddb_call *c, const json_t *v, const char *want)
{
    if (json_is_object(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION,
                        "Start of structure or map found where not expected");
    if (json_is_array(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION,
                        "Start of list found where not expected");
    return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "%s cannot be converted to %s",
                    json_kind(v), want);
}

json_t *ddb_member(const struct ddb_call *c, const json_t *obj, const char *name)
{
    if (obj != c->in || !c->root_listed)
        return json_object_get(obj, name);
    size_t len = strlen(name);
    for (size_t i = 0; i < c->nroot; i++)
        if (c->root[i].len == len && memcmp(c->root[i].key, name, len) == 0)
            return c->root[i].v;
    return NULL;
}

int ddb_get_str(struct ddb_call *c, const json_t *obj, const char *name, const char **out)
{
    const json_t *v = ddb_member(c, obj, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return type_error(c, v, "String");
    *out = json_string_value(v);
    return 0;
}

int ddb_get_bool(struct ddb_call *c, const json_t *obj, const char *name, int *out)
{
    const json_t *v = ddb_member(c, obj, name);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return type_error(c, v, "Boolean");
    *out = json_is_true(v);
    return 0;
}

int ddb_get_int(struct ddb_call *c, const json_t *obj, const char *name, int64_t *out, int *present)
{
    const json_t *v = ddb_member(c, obj, name);
    *present = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_real(v)) {
        *out = (int64_t)json_real_value(v);
    } else if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
    } else {
        return type_error(c, v, "Integer");
    }
    *present = 1;
    return 0;
}

int ddb_get_obj(struct ddb_call *c, const json_t *obj, const char *name, const json_t **out)
{
    const json_t *v = ddb_member(c, obj, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_array(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION,
                        "Start of list found where not expected");
    if (!json_is_object(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    *out = v;
    return 0;
}

int ddb_get_arr(struct ddb_call *c, const json_t *obj, const char *name, const json_t **out)
{
    const json_t *v = ddb_member(c, obj, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_object(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION,
                        "Start of structure or map found where not expected");
    if (!json_is_array(v))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected list or null");
    *out = v;
    return 0;
}

void ddb_vlist_add(struct ddb_vlist *v, const char *value, const char *at, const char *fmt, ...)
{
    char constraint[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(constraint, sizeof constraint, fmt, ap);
    va_end(ap);
    if (v->n >= 10 || v->len >= sizeof v->buf)
        return;
    int w = value ? snprintf(v->buf + v->len, sizeof v->buf - v->len,
                             "%sValue '%s' at '%s' failed to satisfy constraint: %s",
                             v->n ? "; " : "", value, at, constraint)
                  : snprintf(v->buf + v->len, sizeof v->buf - v->len,
                             "%sValue null at '%s' failed to satisfy constraint: %s",
                             v->n ? "; " : "", at, constraint);
    if (w > 0)
        v->len += (size_t)w < sizeof v->buf - v->len ? (size_t)w : sizeof v->buf - v->len - 1;
    v->n++;
}

int ddb_vlist_check(struct ddb_call *c, const struct ddb_vlist *v)
{
    if (!v->n)
        return 0;
    return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "%d validation error%s detected: %s", v->n,
                    v->n > 1 ? "s" : "", v->buf);
}

void ddb_vlist_table_name(struct ddb_vlist *v, const char *name, const char *at)
{
    if (!name) {
        ddb_vlist_add(v, NULL, at, "Member must not be null");
        return;
    }
    size_t n = 0;
    bool pattern_ok = true; /* [a-zA-Z0-9_.-]*, tested as strlen goes */
    for (; name[n]; n++) {
        char ch = name[n];
        pattern_ok &= (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
    }
    if (!pattern_ok)
        ddb_vlist_add(v, name, at,
                      "Member must satisfy regular expression pattern: "
                      "[a-zA-Z0-9_.-]+");
    if (n < 3)
        ddb_vlist_add(v, name, at, "Member must have length greater than or equal to 3");
    if (n > 255)
        ddb_vlist_add(v, name, at, "Member must have length less than or equal to 255");
}

void ddb_vlist_enum(struct ddb_vlist *v, const char *val, const char *at,
                    const char *const *allowed)
{
    char set[256];
    size_t o = 0;
    if (!val)
        return;
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(val, allowed[i]) == 0)
            return;
        int w = snprintf(set + o, sizeof set - o, "%s%s", i ? ", " : "", allowed[i]);
        if (w > 0 && (size_t)w < sizeof set - o)
            o += (size_t)w;
    }
    ddb_vlist_add(v, val, at, "Member must satisfy enum value set: [%s]", set);
}

static int schema_part(struct ddb_call *c, const json_t *defs, const char *name,
                       enum ddb_type *type)
{
    size_t i;
    const json_t *d;
    json_array_foreach (defs, i, d) {
        const char *n = json_string_value(json_object_get(d, "AttributeName"));
        const char *t = json_string_value(json_object_get(d, "AttributeType"));
        if (n && t && strcmp(n, name) == 0) {
            *type = ddb_type_from_name(t, strlen(t));
            return 0;
        }
    }
    return ddb_fail(c, LY_EIO, AWS_DDB_INTERNAL_SERVER_ERROR, "Corrupt table description");
}

int ddb_table_schema(struct ddb_call *c, const json_t *desc, struct ddb_key_schema *ks)
{
    return ddb_key_schema_parse(c, json_object_get(desc, "KeySchema"),
                                json_object_get(desc, "AttributeDefinitions"), ks);
}

int ddb_key_schema_parse(struct ddb_call *c, const json_t *keys, const json_t *defs,
                         struct ddb_key_schema *ks)
{
    size_t i;
    const json_t *k;
    int rc = 0;
    memset(ks, 0, sizeof *ks);
    json_array_foreach (keys, i, k) {
        const char *n = json_string_value(json_object_get(k, "AttributeName"));
        const char *t = json_string_value(json_object_get(k, "KeyType"));
        if (!n || !t)
            break;
        if (strcmp(t, "HASH") == 0) {
            ks->hash_name = ly_arena_strdup(c->a, n);
            rc = schema_part(c, defs, n, &ks->hash_type);
        } else {
            ks->range_name = ly_arena_strdup(c->a, n);
            rc = schema_part(c, defs, n, &ks->range_type);
        }
        if (rc)
            return rc;
    }
    if (!ks->hash_name)
        return ddb_fail(c, LY_EIO, AWS_DDB_INTERNAL_SERVER_ERROR, "Corrupt table description");
    return 0;
}

int ddb_table_load(struct ddb_call *c, const char *name, bool control, struct ddb_table *t)
{
    struct store_ddb_table rec;
    /* the data-plane operations only read the description: they may share a parsed one, its
     * key schema, and the table record while no table changed */
    uint64_t gen = control ? 0 : store_ddb_tables_gen(c->ctx->store);
    if (gen && ddb_cache_table(c->ctx, name, gen, c->a, t))
        return json_array_append_new(c->keep, t->desc) ? ddb_fail_store(c, LY_ENOMEM) : 0;
    int rc = store_ddb_table_get(c->ctx->store, name, c->a, &rec);
    if (rc == LY_ENOENT) {
        if (control)
            return ddb_fail(c, LY_ENOENT, AWS_DDB_RESOURCE_NOT_FOUND,
                            DDB_MSG_NOT_FOUND ": Table: %s not found", name);
        return ddb_fail(c, LY_ENOENT, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    }
    if (rc)
        return ddb_fail_store(c, rc);
    struct ddb_key_schema *cks = NULL;
    json_t *desc = control ? json_loadb(rec.desc, rec.desc_len, 0, NULL)
                           : ddb_cache_desc(c->ctx, rec.desc, rec.desc_len, &cks);
    if (!desc || json_array_append_new(c->keep, desc))
        return ddb_fail(c, LY_EIO, AWS_DDB_INTERNAL_SERVER_ERROR, "Corrupt table description");
    t->name = rec.name;
    t->id = rec.id;
    t->ttl_attr = rec.ttl_attr;
    t->desc = desc;
    t->idx = rec.indexes;
    t->nidx = rec.nindexes;
    if (cks && cks->hash_name)
        t->ks = *cks;
    else if ((rc = ddb_table_schema(c, desc, &t->ks)) == 0 && cks)
        ddb_cache_set_schema(cks, desc, &t->ks);
    if (!rc && cks && gen)
        ddb_cache_set_table(c->ctx, cks, &rec, gen);
    return rc;
}

int ddb_key_encode(struct ddb_call *c, const struct ddb_key_schema *ks, const struct ddb_map *item,
                   const void **key, size_t *key_len)
{
    struct ly_buf b;
    ly_buf_init(&b, DDB_KEYCODEC_BYTES_MAX + 16);
    const struct ddb_val *h = ddb_map_get(item, ks->hash_name, strlen(ks->hash_name));
    const struct ddb_val *r =
        ks->range_name ? ddb_map_get(item, ks->range_name, strlen(ks->range_name)) : NULL;
    int rc = h ? ddb_keycodec_encode(h, r, &b) : LY_EINVAL;
    if (!rc) {
        *key = ly_arena_memdup(c->a, b.data, b.len);
        *key_len = b.len;
        rc = *key ? 0 : LY_ENOMEM;
    }
    ly_buf_cleanup(&b);
    return rc ? ddb_fail_store(c, rc) : 0;
}

int ddb_map_parse(struct ddb_call *c, const json_t *j, struct ddb_map *out)
{
    return ddb_map_from_json(c->a, j, out, &c->err);
}

int ddb_set(struct ddb_call *c, json_t *obj, const char *name, json_t *v)
{
    if (!v || json_object_set_new(obj, name, v))
        return ddb_fail_store(c, LY_ENOMEM);
    return 0;
}

int ddb_consumed_capacity(struct ddb_call *c, json_t *out, const char *table, double units)
{
    static const char *const modes[] = {"INDEXES", "TOTAL", "NONE", NULL};
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const char *mode;
    int rc = ddb_get_str(c, c->in, "ReturnConsumedCapacity", &mode);
    if (rc)
        return rc;
    ddb_vlist_enum(&v, mode, "returnConsumedCapacity", modes);
    if ((rc = ddb_vlist_check(c, &v)) || !out || !mode || strcmp(mode, "NONE") == 0)
        return rc;
    json_t *cc = strcmp(mode, "INDEXES") == 0
                     ? json_pack("{s:s, s:f, s:{s:f}}", "TableName", table, "CapacityUnits", units,
                                 "Table", "CapacityUnits", units)
                     : json_pack("{s:s, s:f}", "TableName", table, "CapacityUnits", units);
    return ddb_set(c, out, "ConsumedCapacity", cc);
}
