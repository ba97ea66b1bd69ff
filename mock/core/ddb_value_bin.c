/*
 * ddb_value_bin.c - compact, byte-stable binary encoding of an item for
 * storage, and a decoder that trusts nothing (see ddb_value.h).
 *
 * Layout (all lengths/counts are LEB128 varints):
 *   item  := VERSION map
 *   map   := count { name_len name value }      names strictly increasing (bytes)
 *   value := type-byte body
 *     S, B  : len bytes          N : len canonical-text
 *     BOOL  : 0|1                NULL : (nothing)
 *     M     : map                L : count { value }
 *     SS/BS : count { len bytes }  NS : count { len text }, elements strictly increasing
 * Pure: no I/O, no globals.
 */
#include "lockyard/ddb_value.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BIN_VERSION 1

/* ---- encoder ---- */

static int put_varint(struct ly_buf *b, size_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    return ly_buf_add(b, tmp, n);
}

static int put_bytes(struct ly_buf *b, const char *p, size_t len)
{
    int rc = put_varint(b, len);
    if (!rc && len)
        rc = ly_buf_add(b, p, len);
    return rc;
}

static int put_scalar(struct ly_buf *b, const struct ddb_val *v)
{
    if (v->type == DDB_T_N) {
        char num[DDB_NUM_TEXT_MAX];
        size_t n = ddb_num_format(&v->u.num, num, sizeof(num));
        return put_bytes(b, num, n);
    }
    return put_bytes(b, v->u.bytes.p, v->u.bytes.len);
}

static int attr_order(const struct ddb_attr *a, const struct ddb_attr *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static int cmp_attr(const void *x, const void *y)
{
    return attr_order(*(const struct ddb_attr *const *)x, *(const struct ddb_attr *const *)y);
}

static int cmp_elem(const void *x, const void *y)
{
    int c = 0;
    ddb_val_order(*(const struct ddb_val *const *)x, *(const struct ddb_val *const *)y, &c);
    return c;
}

static int put_value(struct ly_buf *b, const struct ddb_val *v);

#define SMALL_MAP 16 /* attributes sorted on the stack, by insertion */

static int put_map(struct ly_buf *b, const struct ddb_map *m)
{
    const struct ddb_attr *small[SMALL_MAP];
    const struct ddb_attr **idx = m->n <= SMALL_MAP ? small : malloc(m->n * sizeof(*idx));
    int rc;
    if (!idx)
        return LY_ENOMEM;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = i;
        for (; m->n <= SMALL_MAP && j && attr_order(idx[j - 1], &m->attrs[i]) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = &m->attrs[i];
    }
    if (m->n > SMALL_MAP)
        qsort(idx, m->n, sizeof(*idx), cmp_attr);
    rc = put_varint(b, m->n);
    for (size_t i = 0; !rc && i < m->n; i++) {
        rc = put_bytes(b, idx[i]->name, idx[i]->name_len);
        if (!rc)
            rc = put_value(b, &idx[i]->val);
    }
    if (idx != small)
        free(idx);
    return rc;
}

static int put_set(struct ly_buf *b, const struct ddb_val *v)
{
    size_t n = v->u.list.n;
    const struct ddb_val **idx = malloc((n ? n : 1) * sizeof(*idx));
    int rc;
    if (!idx)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = &v->u.list.items[i];
    qsort(idx, n, sizeof(*idx), cmp_elem);
    rc = put_varint(b, n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = put_scalar(b, idx[i]);
    free(idx);
    return rc;
}

static int put_value(struct ly_buf *b, const struct ddb_val *v)
{
    unsigned char t = (unsigned char)v->type;
    int rc = ly_buf_add(b, &t, 1);
    if (rc)
        return rc;
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_B:
    case DDB_T_N: return put_scalar(b, v);
    case DDB_T_BOOL: t = v->u.boolean ? 1 : 0; return ly_buf_add(b, &t, 1);
    case DDB_T_NULL: return 0;
    case DDB_T_M: return put_map(b, &v->u.map);
    case DDB_T_L:
        rc = put_varint(b, v->u.list.n);
        for (size_t i = 0; !rc && i < v->u.list.n; i++)
            rc = put_value(b, &v->u.list.items[i]);
        return rc;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: return put_set(b, v);
    case DDB_T_NONE: break;
    }
    return LY_EINVAL;
}

int ddb_item_encode(const struct ddb_map *item, struct ly_buf *out)
{
    unsigned char ver = BIN_VERSION;
    /* room for the usual item at once (a hint: the appends below check for themselves) */
    if (ly_buf_reserve(out, ddb_item_size(item) + 8 * item->n + 16)) {
    }
    int rc = ly_buf_add(out, &ver, 1);
    return rc ? rc : put_map(out, item);
}

/* ---- decoder ---- */

struct rd {
    const unsigned char *p;
    size_t len, off;
    struct ly_arena *a;
};

static int get_varint(struct rd *r, size_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 63; shift += 7) {
        if (r->off >= r->len)
            return LY_EINVAL;
        unsigned char c = r->p[r->off++];
        if (c == 0 && shift > 0) /* non-minimal encoding: only canonical input is valid */
            return LY_EINVAL;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (x > r->len) /* no length or count can exceed the input size */
                return LY_EINVAL;
            *v = (size_t)x;
            return 0;
        }
    }
    return LY_EINVAL;
}

static int get_bytes(struct rd *r, const char **p, size_t *len)
{
    size_t n;
    if (get_varint(r, &n) || n > r->len - r->off)
        return LY_EINVAL;
    char *s = ly_arena_strndup(r->a, (const char *)r->p + r->off, n);
    if (!s)
        return LY_ENOMEM;
    r->off += n;
    *p = s;
    *len = n;
    return 0;
}

static int get_scalar(struct rd *r, enum ddb_type t, struct ddb_val *v)
{
    const char *p;
    size_t len;
    int rc = get_bytes(r, &p, &len);
    if (rc)
        return rc;
    v->type = t;
    if (t != DDB_T_N) {
        v->u.bytes.p = p;
        v->u.bytes.len = len;
        return 0;
    }
    char canon[DDB_NUM_TEXT_MAX];
    if (ddb_num_parse(p, len, &v->u.num, NULL))
        return LY_EINVAL;
    size_t n = ddb_num_format(&v->u.num, canon, sizeof(canon));
    return (n == len && memcmp(canon, p, n) == 0) ? 0 : LY_EINVAL;
}

static int get_value(struct rd *r, struct ddb_val *v, int depth);

static int get_map(struct rd *r, struct ddb_map *m, int depth)
{
    size_t n;
    int rc = get_varint(r, &n);
    if (rc)
        return rc;
    struct ddb_attr *at = ly_arena_alloc(r->a, (n ? n : 1) * sizeof(*at));
    if (!at)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rc = get_bytes(r, &at[i].name, &at[i].name_len);
        if (!rc && (at[i].name_len == 0 || at[i].name_len > DDB_NAME_BYTES_MAX))
            rc = LY_EINVAL;
        if (!rc && i) {
            const struct ddb_attr *pa = &at[i - 1], *pb = &at[i];
            if (cmp_attr(&pa, &pb) >= 0)
                rc = LY_EINVAL;
        }
        if (!rc)
            rc = get_value(r, &at[i].val, depth);
        if (rc)
            return rc;
    }
    m->attrs = at;
    m->n = n;
    return 0;
}

static int get_list(struct rd *r, struct ddb_val *v, int depth)
{
    size_t n;
    int rc = get_varint(r, &n);
    if (rc)
        return rc;
    bool set = v->type != DDB_T_L;
    if (set && n == 0)
        return LY_EINVAL;
    struct ddb_val *items = ly_arena_alloc(r->a, (n ? n : 1) * sizeof(*items));
    if (!items)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rc = set ? get_scalar(r, ddb_type_set_elem(v->type), &items[i])
                 : get_value(r, &items[i], depth + 1);
        if (rc)
            return rc;
        if (set && i) {
            int c = 0;
            ddb_val_order(&items[i - 1], &items[i], &c);
            if (c >= 0)
                return LY_EINVAL;
        }
    }
    v->u.list.items = items;
    v->u.list.n = n;
    return 0;
}

static int get_value(struct rd *r, struct ddb_val *v, int depth)
{
    if (r->off >= r->len)
        return LY_EINVAL;
    unsigned char t = r->p[r->off++];
    memset(v, 0, sizeof(*v));
    v->type = (enum ddb_type)t;
    switch (t) {
    case DDB_T_S:
    case DDB_T_B:
    case DDB_T_N: return get_scalar(r, v->type, v);
    case DDB_T_BOOL:
        if (r->off >= r->len || r->p[r->off] > 1)
            return LY_EINVAL;
        v->u.boolean = r->p[r->off++] == 1;
        return 0;
    case DDB_T_NULL: return 0;
    case DDB_T_M:
        if (depth >= DDB_DEPTH_MAX)
            return LY_EINVAL;
        return get_map(r, &v->u.map, depth + 1);
    case DDB_T_L:
        if (depth >= DDB_DEPTH_MAX)
            return LY_EINVAL;
        return get_list(r, v, depth);
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: return get_list(r, v, depth);
    default: return LY_EINVAL;
    }
}

int ddb_item_decode(struct ly_arena *a, const void *p, size_t len, struct ddb_map *out)
{
    struct rd r = {p, len, 0, a};
    out->attrs = NULL;
    out->n = 0;
    if (len < 1 || r.p[0] != BIN_VERSION)
        return LY_EINVAL;
    r.off = 1;
    int rc = get_map(&r, out, 0);
    if (!rc && r.off != r.len)
        rc = LY_EINVAL;
    if (rc) {
        out->attrs = NULL;
        out->n = 0;
    }
    return rc;
}
