/*
 * ddb_value.c - the AttributeValue model: type names, deep equality, ordering,
 * map helpers, AWS item size and key-attribute validation (see ddb_value.h).
 * Pure: no I/O, no globals.
 */
#include "lockyard/ddb_value.h"

#include <string.h>

static const char *const type_names[] = {
    "", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS",
};

const char *ddb_type_name(enum ddb_type t)
{
    if ((size_t)t >= sizeof(type_names) / sizeof(type_names[0]))
        return "";
    return type_names[t];
}

enum ddb_type ddb_type_from_name(const char *s, size_t len)
{
    for (size_t t = 1; t < sizeof(type_names) / sizeof(type_names[0]); t++)
        if (strlen(type_names[t]) == len && memcmp(type_names[t], s, len) == 0)
            return (enum ddb_type)t;
    return DDB_T_NONE;
}

enum ddb_type ddb_type_set_elem(enum ddb_type set)
{
    switch (set) {
    case DDB_T_SS: return DDB_T_S;
    case DDB_T_NS: return DDB_T_N;
    case DDB_T_BS: return DDB_T_B;
    default: return DDB_T_NONE;
    }
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0; /* memcmp compares as unsigned char */
    if (c)
        return c < 0 ? -1 : 1;
    return (alen > blen) - (alen < blen);
}

bool ddb_val_order(const struct ddb_val *a, const struct ddb_val *b, int *cmp)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case DDB_T_S:
    case DDB_T_B:
        *cmp = bytes_cmp(a->u.bytes.p, a->u.bytes.len, b->u.bytes.p, b->u.bytes.len);
        return true;
    case DDB_T_N: *cmp = ddb_num_cmp(&a->u.num, &b->u.num); return true;
    default: return false;
    }
}

bool ddb_set_has(const struct ddb_val *set, const struct ddb_val *elem)
{
    for (size_t i = 0; i < set->u.list.n; i++)
        if (ddb_val_equal(&set->u.list.items[i], elem))
            return true;
    return false;
}

static bool map_equal(const struct ddb_map *a, const struct ddb_map *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const struct ddb_val *o = ddb_map_get(b, a->attrs[i].name, a->attrs[i].name_len);
        if (!o || !ddb_val_equal(&a->attrs[i].val, o))
            return false;
    }
    return true;
}

bool ddb_val_equal(const struct ddb_val *a, const struct ddb_val *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case DDB_T_NONE: return false; /* "no value" never equals anything */
    case DDB_T_S:
    case DDB_T_B:
        return a->u.bytes.len == b->u.bytes.len &&
               (a->u.bytes.len == 0 || memcmp(a->u.bytes.p, b->u.bytes.p, a->u.bytes.len) == 0);
    case DDB_T_N: return ddb_num_cmp(&a->u.num, &b->u.num) == 0;
    case DDB_T_BOOL: return a->u.boolean == b->u.boolean;
    case DDB_T_NULL: return true;
    case DDB_T_M: return map_equal(&a->u.map, &b->u.map);
    case DDB_T_L:
        if (a->u.list.n != b->u.list.n)
            return false;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!ddb_val_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        /* Sets hold no duplicates, so equal size + inclusion is equality. */
        if (a->u.list.n != b->u.list.n)
            return false;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!ddb_set_has(b, &a->u.list.items[i]))
                return false;
        return true;
    }
    return false;
}

const struct ddb_val *ddb_map_get(const struct ddb_map *m, const char *name, size_t len)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->attrs[i].name_len == len && memcmp(m->attrs[i].name, name, len) == 0)
            return &m->attrs[i].val;
    return NULL;
}

int ddb_map_put(struct ly_arena *a, const struct ddb_map *m, const char *name, size_t len,
                const struct ddb_val *v, struct ddb_map *out)
{
    size_t n = m->n;
    struct ddb_attr *at = ly_arena_alloc(a, (n + 1) * sizeof(*at));
    if (!at)
        return LY_ENOMEM;
    if (n)
        memcpy(at, m->attrs, n * sizeof(*at));
    for (size_t i = 0; i < n; i++) {
        if (at[i].name_len == len && memcmp(at[i].name, name, len) == 0) {
            at[i].val = *v;
            out->attrs = at;
            out->n = n;
            return 0;
        }
    }
    at[n].name = ly_arena_strndup(a, name, len);
    if (!at[n].name)
        return LY_ENOMEM;
    at[n].name_len = len;
    at[n].val = *v;
    out->attrs = at;
    out->n = n + 1;
    return 0;
}

int ddb_map_del(struct ly_arena *a, const struct ddb_map *m, const char *name, size_t len,
                struct ddb_map *out)
{
    struct ddb_attr *at = ly_arena_alloc(a, (m->n ? m->n : 1) * sizeof(*at));
    size_t k = 0;
    if (!at)
        return LY_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        if (!(m->attrs[i].name_len == len && memcmp(m->attrs[i].name, name, len) == 0))
            at[k++] = m->attrs[i];
    out->attrs = at;
    out->n = k;
    return 0;
}

size_t ddb_val_size(const struct ddb_val *v)
{
    size_t sz = 0;
    switch (v->type) {
    case DDB_T_NONE: return 0;
    case DDB_T_S:
    case DDB_T_B: return v->u.bytes.len;
    case DDB_T_N: return ddb_num_size_bytes(&v->u.num);
    case DDB_T_BOOL:
    case DDB_T_NULL: return 1;
    case DDB_T_M:
        sz = 3;
        for (size_t i = 0; i < v->u.map.n; i++)
            sz += 1 + v->u.map.attrs[i].name_len + ddb_val_size(&v->u.map.attrs[i].val);
        return sz;
    case DDB_T_L:
        sz = 3;
        for (size_t i = 0; i < v->u.list.n; i++)
            sz += 1 + ddb_val_size(&v->u.list.items[i]);
        return sz;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        for (size_t i = 0; i < v->u.list.n; i++)
            sz += ddb_val_size(&v->u.list.items[i]);
        return sz;
    }
    return 0;
}

size_t ddb_item_size(const struct ddb_map *item)
{
    size_t sz = 0;
    for (size_t i = 0; i < item->n; i++)
        sz += item->attrs[i].name_len + ddb_val_size(&item->attrs[i].val);
    return sz;
}

/* Empty-value and size rules shared by Item and Key checks. */
static int key_value_check(const char *name, const struct ddb_val *v, bool hash,
                           struct ddb_err *err)
{
    if ((v->type == DDB_T_S || v->type == DDB_T_B) && v->u.bytes.len == 0)
        return ddb_err_valid(err,
                             "One or more parameter values are not valid. The AttributeValue for "
                             "a key attribute cannot contain an empty %s value. Key: %s",
                             v->type == DDB_T_S ? "string" : "binary", name);
    size_t sz = ddb_val_size(v);
    if (hash && sz > DDB_HASH_KEY_BYTES_MAX)
        return ddb_err_valid(err, "One or more parameter values were invalid: Size of hashkey "
                                  "has exceeded the maximum size limit of2048 bytes");
    if (!hash && sz > DDB_RANGE_KEY_BYTES_MAX)
        return ddb_err_valid(err, "One or more parameter values were invalid: Aggregated size of "
                                  "all range keys has exceeded the size limit of 1024 bytes");
    return 0;
}

static int item_key_one(const char *name, enum ddb_type want, bool hash, const struct ddb_map *item,
                        struct ddb_err *err)
{
    const struct ddb_val *v = ddb_map_get(item, name, strlen(name));
    if (!v)
        return ddb_err_valid(err,
                             "One or more parameter values were invalid: Missing the key "
                             "%s in the item",
                             name);
    if (v->type != want)
        return ddb_err_valid(err,
                             "One or more parameter values were invalid: Type mismatch for "
                             "key %s expected: %s actual: %s",
                             name, ddb_type_name(want), ddb_type_name(v->type));
    return key_value_check(name, v, hash, err);
}

int ddb_item_check_keys(const struct ddb_key_schema *ks, const struct ddb_map *item,
                        struct ddb_err *err)
{
    int rc = item_key_one(ks->hash_name, ks->hash_type, true, item, err);
    if (!rc && ks->range_name)
        rc = item_key_one(ks->range_name, ks->range_type, false, item, err);
    return rc;
}

int ddb_key_check(const struct ddb_key_schema *ks, const struct ddb_map *key, struct ddb_err *err)
{
    static const char mismatch[] = "The provided key element does not match the schema";
    size_t want = ks->range_name ? 2 : 1;
    const struct ddb_val *h = ddb_map_get(key, ks->hash_name, strlen(ks->hash_name));
    const struct ddb_val *r =
        ks->range_name ? ddb_map_get(key, ks->range_name, strlen(ks->range_name)) : NULL;
    if (key->n != want || !h || h->type != ks->hash_type ||
        (ks->range_name && (!r || r->type != ks->range_type)))
        return ddb_err_valid(err, "%s", mismatch);
    int rc = key_value_check(ks->hash_name, h, true, err);
    if (!rc && r)
        rc = key_value_check(ks->range_name, r, false, err);
    return rc;
}

int ddb_item_key(struct ly_arena *a, const struct ddb_key_schema *ks, const struct ddb_map *item,
                 struct ddb_map *key)
{
    struct ddb_map k = {NULL, 0};
    const struct ddb_val *h = ddb_map_get(item, ks->hash_name, strlen(ks->hash_name));
    int rc = 0;
    if (h)
        rc = ddb_map_put(a, &k, ks->hash_name, strlen(ks->hash_name), h, &k);
    if (!rc && ks->range_name) {
        const struct ddb_val *r = ddb_map_get(item, ks->range_name, strlen(ks->range_name));
        if (r)
            rc = ddb_map_put(a, &k, ks->range_name, strlen(ks->range_name), r, &k);
    }
    *key = k;
    return rc;
}
