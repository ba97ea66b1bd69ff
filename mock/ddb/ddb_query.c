/*
 * ddb_query.c - Query and Scan over the base table.
 *
 * Query is a store range scan over the partition's key prefix, in sort-key
 * order (ScanIndexForward=false walks it backwards); Scan walks the whole
 * table in key order and keeps the items of its Segment (a hash of the
 * partition key). Limit counts items read (after the key condition, before
 * the filter), as DynamoDB does; a page also ends at 1 MB of items read, and
 * LastEvaluatedKey is then the key of the last item read. With IndexName the
 * walk is over the index's entries (index key order, then primary key), the key
 * condition is on the index's key, and LastEvaluatedKey holds both keys. A GSI
 * answers only its projection; a KEYS_ONLY / INCLUDE LSI reads the table's item
 * behind each entry (as DynamoDB fetches) and shows the projection unless asked
 * for more.
 */
#include "ddb_internal.h"
#include "lockyard/ddb_keycodec.h"

#include <stdio.h>
#include <string.h>

#define PAGE_BYTES_MAX (1u << 20)

struct reader {
    struct ddb_call *c;
    const struct ddb_table *t;
    const struct store_ddb_index *ix; /* IndexName, or NULL */
    const struct ddb_key_schema *qks; /* the key walked: the index's or the table's */
    bool project_index;               /* show an LSI's projection of a fetched item */
    const struct ddb_keycond *kc;     /* Query; NULL for Scan */
    const struct ddb_cond *filter;
    const struct ddb_proj *proj;
    bool count_only;
    int64_t limit;          /* 0 = none */
    int64_t segment, total; /* total 0 = no segments */
    json_t *items;
    size_t count, scanned, bytes;
    json_t *last_key;
    int rc;
};

static uint32_t segment_of(const struct ddb_val *hash)
{
    struct ly_buf b;
    uint32_t h = 2166136261u;
    ly_buf_init(&b, DDB_KEYCODEC_BYTES_MAX);
    if (ddb_keycodec_append(hash, &b) == 0)
        for (size_t i = 0; i < b.len; i++)
            h = (h ^ (unsigned char)b.data[i]) * 16777619u;
    ly_buf_cleanup(&b);
    return h;
}

static bool in_projection(const struct reader *r, const char *name)
{
    const struct store_ddb_index *ix = r->ix;
    const char *keys[] = {r->t->ks.hash_name, r->t->ks.range_name, ix->ks.hash_name,
                          ix->ks.range_name};
    for (size_t i = 0; i < 4; i++)
        if (keys[i] && strcmp(keys[i], name) == 0)
            return true;
    for (size_t i = 0; ix->proj == STORE_DDB_PROJ_INCLUDE && i < ix->nattrs; i++)
        if (strcmp(ix->attrs[i], name) == 0)
            return true;
    return false;
}

/* The index's projection of a (fetched) table item. */
static int index_view(const struct reader *r, struct ly_arena *a, const struct ddb_map *item,
                      struct ddb_map *out)
{
    out->n = 0;
    out->attrs = ly_arena_calloc(a, (item->n + 1) * sizeof *out->attrs);
    if (!out->attrs)
        return LY_ENOMEM;
    for (size_t i = 0; i < item->n; i++)
        if (in_projection(r, item->attrs[i].name))
            out->attrs[out->n++] = item->attrs[i];
    return 0;
}

static int take(struct reader *r, const struct ddb_map *item)
{
    struct ly_arena a;
    struct ddb_map shown = *item;
    int rc = 0;
    ly_arena_init(&a, 16u << 20);
    if (r->proj && ddb_proj_apply(r->proj, &a, item, &shown))
        rc = LY_ENOMEM;
    else if (!r->proj && r->project_index && index_view(r, &a, item, &shown))
        rc = LY_ENOMEM;
    if (!rc && json_array_append_new(r->items, ddb_map_to_json(&shown)))
        rc = LY_ENOMEM;
    ly_arena_cleanup(&a);
    return rc;
}

static int visit(void *ctx, const struct ddb_map *item)
{
    struct reader *r = ctx;
    const struct ddb_key_schema *ks = r->qks;
    const struct ddb_val *h = ddb_map_get(item, ks->hash_name, strlen(ks->hash_name));
    const struct ddb_val *rg =
        ks->range_name ? ddb_map_get(item, ks->range_name, strlen(ks->range_name)) : NULL;
    if (!h)
        return LY_EIO;
    if (r->kc && (!ddb_val_equal(h, r->kc->hash) || !ddb_keycond_match(r->kc, rg)))
        return 0; /* another partition sharing a long prefix, or outside the sort range */
    if (r->total && segment_of(h) % (uint64_t)r->total != (uint64_t)r->segment)
        return 0;
    r->scanned++;
    r->bytes += ddb_item_size(item);
    if (!r->filter || ddb_cond_eval(r->filter, item)) {
        r->count++;
        if (!r->count_only && (r->rc = take(r, item)))
            return r->rc;
    }
    if ((r->limit && (int64_t)r->scanned >= r->limit) || r->bytes >= PAGE_BYTES_MAX) {
        struct ly_arena a;
        struct ddb_map key;
        ly_arena_init(&a, 1u << 20);
        if (ddb_item_key(&a, &r->t->ks, item, &key) == 0)
            r->last_key = ddb_map_to_json(&key);
        for (int i = 0; r->ix && r->last_key && i < 2; i++) {
            const char *n = i ? ks->range_name : ks->hash_name;
            const struct ddb_val *v = n ? ddb_map_get(item, n, strlen(n)) : NULL;
            if (v && json_object_set_new(r->last_key, n, ddb_val_to_json(v)))
                json_decref(r->last_key), r->last_key = NULL;
        }
        ly_arena_cleanup(&a);
        return r->last_key ? 1 : LY_ENOMEM;
    }
    return 0;
}

/* Select, Limit, IndexName and the projection/filter parameters shared by Query and Scan. */
static int parse_read_common(struct ddb_call *c, struct reader *r, const char **table,
                             const char **select, const char **index)
{
    static const char *const selects[] = {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES",
                                          "ALL_PROJECTED_ATTRIBUTES", NULL};
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int present, consistent = 0;
    char val[32];
    int rc = ddb_get_str(c, c->in, "TableName", table);
    if (!rc)
        rc = ddb_get_str(c, c->in, "Select", select);
    if (!rc)
        rc = ddb_get_str(c, c->in, "IndexName", index);
    if (!rc)
        rc = ddb_get_int(c, c->in, "Limit", &r->limit, &present);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "ConsistentRead", &consistent);
    if (rc)
        return rc;
    ddb_vlist_table_name(&v, *table, "tableName");
    if (*index)
        ddb_vlist_table_name(&v, *index, "indexName");
    snprintf(val, sizeof val, "%lld", (long long)r->limit);
    if (present && r->limit < 1)
        ddb_vlist_add(&v, val, "limit", "Member must have value greater than or equal to 1");
    ddb_vlist_enum(&v, *select, "select", selects);
    if ((rc = ddb_vlist_check(c, &v)) || (rc = ddb_consumed_capacity(c, NULL, NULL, 0)))
        return rc;
    r->count_only = *select && strcmp(*select, "COUNT") == 0;
    return rc;
}

static int check_select(struct ddb_call *c, const char *select, bool has_proj, const char *index)
{
    /* Select values that rule a ProjectionExpression in (1) or out (0), as DynamoDB words it */
    static const struct {
        const char *select;
        bool proj;
        const char *message;
    } rules[] = {
        {"COUNT", false,
         "Cannot specify the ProjectionExpression when choosing to get only the "
         "Count"},
        {"ALL_ATTRIBUTES", false,
         "Cannot specify the ProjectionExpression when choosing to get "
         "ALL_ATTRIBUTES"},
        {"SPECIFIC_ATTRIBUTES", true,
         "Must specify the ProjectionExpression when choosing to "
         "get SPECIFIC_ATTRIBUTES"},
        {"ALL_PROJECTED_ATTRIBUTES", false,
         "Cannot specify the ProjectionExpression when "
         "choosing to get ALL_PROJECTED_ATTRIBUTES"},
    };
    if (!select)
        return 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(select, rules[i].select) == 0 && has_proj != rules[i].proj)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "%s", rules[i].message);
    if (strcmp(select, "ALL_PROJECTED_ATTRIBUTES") == 0 && !index)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
                        "IndexName");
    return 0;
}

/* IndexName: the index to walk, and what its reads may answer. */
static int use_index(struct ddb_call *c, struct reader *r, const char *index, const char *select,
                     bool consistent, struct store_ddb_range *range)
{
    bool all = select && strcmp(select, "ALL_ATTRIBUTES") == 0;
    r->qks = &r->t->ks;
    if (!index)
        return 0;
    if (!(r->ix = ddb_index_find(r->t, index)))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "The table does not have the specified index: %s", index);
    if (r->ix->global && consistent)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Consistent reads are not supported on global secondary indexes");
    if (r->ix->global && all && r->ix->proj != STORE_DDB_PROJ_ALL)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES "
                        "is not supported for global secondary index %s because its projection "
                        "type is not ALL",
                        index);
    r->qks = &r->ix->ks;
    range->index_id = r->ix->id;
    if (!r->ix->global && r->ix->proj != STORE_DDB_PROJ_ALL) {
        range->fetch_base = 1; /* DynamoDB fetches what an LSI does not hold */
        r->project_index = !all;
    }
    return 0;
}

/* FilterExpression / legacy filter, then ProjectionExpression / AttributesToGet. */
static int parse_filter_proj(struct ddb_call *c, struct reader *r, struct ddb_expr_ctx *cx,
                             const char *legacy_filter)
{
    const char *fe, *pe;
    const json_t *lf, *atg;
    const json_t *op = ddb_member(c, c->in, "ConditionalOperator");
    int rc = ddb_get_str(c, c->in, "FilterExpression", &fe);
    if (!rc)
        rc = ddb_get_str(c, c->in, "ProjectionExpression", &pe);
    if (!rc)
        rc = ddb_get_obj(c, c->in, legacy_filter, &lf);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "AttributesToGet", &atg);
    if (!rc && fe)
        rc = ddb_cond_parse(cx, DDB_EXPR_FILTER, fe, strlen(fe), &r->filter, &c->err);
    else if (!rc && lf)
        rc = ddb_legacy_filter(c->a, lf, json_is_string(op) ? op : NULL, &r->filter, &c->err);
    if (!rc && pe)
        rc = ddb_proj_parse(cx, pe, strlen(pe), &r->proj, &c->err);
    else if (!rc && atg)
        rc = ddb_legacy_attributes_to_get(c->a, atg, &r->proj, &c->err);
    return rc;
}

/* An index's ExclusiveStartKey: the index key and the primary key, as LastEvaluatedKey. */
static int index_start_key(struct ddb_call *c, const struct reader *r, const struct ddb_map *m,
                           const void **key, size_t *len)
{
    const struct ddb_key_schema *ks[2] = {&r->ix->ks, &r->t->ks};
    struct ly_buf b;
    int rc = 0;
    ly_buf_init(&b, 2 * DDB_KEYCODEC_BYTES_MAX);
    for (int i = 0; !rc && i < 2; i++) {
        const struct ddb_val *h = ddb_map_get(m, ks[i]->hash_name, strlen(ks[i]->hash_name));
        const struct ddb_val *g =
            ks[i]->range_name ? ddb_map_get(m, ks[i]->range_name, strlen(ks[i]->range_name)) : NULL;
        if (!h || h->type != ks[i]->hash_type || (ks[i]->range_name && !g) ||
            (g && g->type != ks[i]->range_type))
            rc = LY_EINVAL;
        else
            rc = ddb_keycodec_encode(h, g, &b);
    }
    if (!rc && !(*key = ly_arena_memdup(c->a, b.data, b.len)))
        rc = LY_ENOMEM;
    *len = b.len;
    ly_buf_cleanup(&b);
    if (rc == LY_EINVAL)
        return ddb_fail(c, rc, AWS_DDB_VALIDATION,
                        "The provided starting key is invalid: The "
                        "provided key element does not match the schema");
    return rc ? ddb_fail_store(c, rc) : 0;
}

static int start_key(struct ddb_call *c, const struct reader *r, const void **key, size_t *len)
{
    const struct ddb_table *t = r->t;
    const json_t *esk;
    struct ddb_map m;
    struct ddb_err inner;
    *key = NULL;
    *len = 0;
    int rc = ddb_get_obj(c, c->in, "ExclusiveStartKey", &esk);
    if (rc || !esk)
        return rc;
    rc = ddb_map_from_json(c->a, esk, &m, &inner);
    if (!rc && r->ix)
        return index_start_key(c, r, &m, key, len);
    if (!rc)
        rc = ddb_key_check(&t->ks, &m, &inner);
    if (rc == LY_EINVAL && inner.type == AWS_DDB_VALIDATION)
        return ddb_fail(c, rc, AWS_DDB_VALIDATION, "The provided starting key is invalid: %s",
                        inner.msg);
    if (rc) {
        c->err = inner;
        return rc;
    }
    return ddb_key_encode(c, &t->ks, &m, key, len);
}

static int run_read(struct ddb_call *c, struct reader *r, struct store_ddb_range *range,
                    const char *table, bool consistent)
{
    r->items = json_array();
    if (!r->items)
        return ddb_fail_store(c, LY_ENOMEM);
    int rc = store_ddb_scan(c->ctx->store, range, visit, r);
    if (rc == LY_ENOPARENT)
        rc = ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    else if (rc)
        rc = ddb_fail_store(c, rc);
    if (!rc)
        rc = (c->out = json_object()) ? 0 : ddb_fail_store(c, LY_ENOMEM);
    if (!rc && !r->count_only)
        rc = ddb_set(c, c->out, "Items", json_incref(r->items));
    if (!rc)
        rc = ddb_set(c, c->out, "Count", json_integer((json_int_t)r->count));
    if (!rc)
        rc = ddb_set(c, c->out, "ScannedCount", json_integer((json_int_t)r->scanned));
    if (!rc && r->last_key)
        rc = ddb_set(c, c->out, "LastEvaluatedKey", json_incref(r->last_key));
    if (!rc)
        rc = ddb_consumed_capacity(c, c->out, table, ddb_read_units(r->bytes, consistent));
    json_decref(r->items);
    json_decref(r->last_key);
    return rc;
}

static enum ddb_keycond_op legacy_op(const char *op, size_t *nvals)
{
    static const struct {
        const char *name;
        enum ddb_keycond_op op;
        size_t n;
    } map[] = {{"EQ", DDB_KC_EQ, 1},          {"LT", DDB_KC_LT, 1},
               {"LE", DDB_KC_LE, 1},          {"GT", DDB_KC_GT, 1},
               {"GE", DDB_KC_GE, 1},          {"BEGINS_WITH", DDB_KC_BEGINS_WITH, 1},
               {"BETWEEN", DDB_KC_BETWEEN, 2}};
    for (size_t i = 0; op && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(op, map[i].name) == 0)
            return *nvals = map[i].n, map[i].op;
    return DDB_KC_NONE;
}

/* Legacy KeyConditions: {"pk":{"ComparisonOperator":"EQ","AttributeValueList":[v]}, ...}. */
static int legacy_keyconds(struct ddb_call *c, const json_t *kconds,
                           const struct ddb_key_schema *ks, struct ddb_keycond *kc)
{
    const char *name;
    const json_t *cond;
    memset(kc, 0, sizeof *kc);
    json_object_foreach ((json_t *)kconds, name, cond) {
        const json_t *list = json_object_get(cond, "AttributeValueList");
        size_t want = 0;
        enum ddb_keycond_op op =
            legacy_op(json_string_value(json_object_get(cond, "ComparisonOperator")), &want);
        bool is_hash = strcmp(name, ks->hash_name) == 0;
        struct ddb_val *v = ly_arena_calloc(c->a, 2 * sizeof *v);
        if (!v)
            return ddb_fail_store(c, LY_ENOMEM);
        if (op == DDB_KC_NONE || json_array_size(list) != want || (is_hash && op != DDB_KC_EQ))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "Query key condition not supported");
        for (size_t i = 0; i < want; i++) {
            int rc = ddb_val_from_json(c->a, json_array_get(list, i), &v[i], &c->err);
            if (rc)
                return rc;
            enum ddb_type t = is_hash ? ks->hash_type : ks->range_type;
            if (v[i].type != t && !(op == DDB_KC_BEGINS_WITH && v[i].type != DDB_T_N))
                return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                                "One or more parameter values were invalid: Condition parameter "
                                "type does not match schema type");
        }
        if (is_hash) {
            kc->hash = &v[0];
        } else if (ks->range_name && strcmp(name, ks->range_name) == 0) {
            kc->op = op;
            kc->lo = &v[0];
            kc->hi = want == 2 ? &v[1] : NULL;
        } else {
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            "Query condition missed key schema element: %s",
                            ks->range_name ? ks->range_name : ks->hash_name);
        }
    }
    if (!kc->hash)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Query condition missed key schema element: %s", ks->hash_name);
    return 0;
}

/* The partition's key prefix: the encoding of the hash key value. */
static int hash_prefix(struct ddb_call *c, const struct ddb_val *hash, const void **out,
                       size_t *len)
{
    struct ly_buf b;
    ly_buf_init(&b, DDB_KEYCODEC_BYTES_MAX);
    int rc = ddb_keycodec_append(hash, &b);
    if (!rc) {
        *out = ly_arena_memdup(c->a, b.data, b.len);
        *len = b.len;
        rc = *out ? 0 : LY_ENOMEM;
    }
    ly_buf_cleanup(&b);
    return rc ? ddb_fail_store(c, rc) : 0;
}

int ddb_op_query(struct ddb_call *c)
{
    struct reader r;
    struct ddb_keycond kc;
    struct ddb_expr_ctx *cx;
    struct ddb_table t;
    const char *table, *select, *kce, *index;
    const json_t *kconds;
    int fwd = 1, consistent = 0;
    memset(&r, 0, sizeof r);
    memset(&kc, 0, sizeof kc);
    memset(&t, 0, sizeof t);
    r.c = c;
    r.kc = &kc;
    r.t = &t;
    struct store_ddb_range range = {0};
    int rc = parse_read_common(c, &r, &table, &select, &index);
    if (!rc)
        rc = ddb_get_str(c, c->in, "KeyConditionExpression", &kce);
    if (!rc)
        rc = ddb_get_obj(c, c->in, "KeyConditions", &kconds);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "ScanIndexForward", &fwd);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "ConsistentRead", &consistent);
    if (!rc)
        rc = ddb_expr_check_request(c->in, &c->err);
    if (!rc && !kce && !kconds)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "Either the KeyConditions or KeyConditionExpression parameter must be "
                      "specified in the request.");
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, ddb_member(c, c->in, "ExpressionAttributeNames"),
                              ddb_member(c, c->in, "ExpressionAttributeValues"), &cx, &c->err);
    if (!rc)
        rc = ddb_table_load(c, table, false, &t);
    if (!rc)
        rc = use_index(c, &r, index, select, consistent, &range);
    if (!rc && kce)
        rc = ddb_keycond_parse(cx, kce, strlen(kce), r.qks, &kc, &c->err);
    else if (!rc)
        rc = legacy_keyconds(c, kconds, r.qks, &kc);
    if (!rc)
        rc = parse_filter_proj(c, &r, cx, "QueryFilter");
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &c->err);
    if (!rc)
        rc = check_select(c, select, r.proj != NULL, index);
    range.table = t.name;
    range.table_id = t.id;
    range.reverse = !fwd;
    if (!rc)
        rc = start_key(c, &r, &range.start, &range.start_len);
    if (!rc)
        rc = hash_prefix(c, kc.hash, &range.prefix, &range.prefix_len);
    return rc ? rc : run_read(c, &r, &range, table, consistent);
}

static int parse_segments(struct ddb_call *c, struct reader *r)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int has_seg, has_total;
    char val[32];
    int rc = ddb_get_int(c, c->in, "Segment", &r->segment, &has_seg);
    if (!rc)
        rc = ddb_get_int(c, c->in, "TotalSegments", &r->total, &has_total);
    if (rc)
        return rc;
    snprintf(val, sizeof val, "%lld", (long long)r->segment);
    if (has_seg && r->segment < 0)
        ddb_vlist_add(&v, val, "segment", "Member must have value greater than or equal to 0");
    if (has_seg && r->segment > 999999)
        ddb_vlist_add(&v, val, "segment", "Member must have value less than or equal to 999999");
    snprintf(val, sizeof val, "%lld", (long long)r->total);
    if (has_total && r->total < 1)
        ddb_vlist_add(&v, val, "totalSegments",
                      "Member must have value greater than or equal to 1");
    if (has_total && r->total > 1000000)
        ddb_vlist_add(&v, val, "totalSegments",
                      "Member must have value less than or equal to 1000000");
    if ((rc = ddb_vlist_check(c, &v)))
        return rc;
    if (has_seg && !has_total)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "The TotalSegments parameter is required but was not present in the "
                        "request when Segment parameter is present");
    if (has_total && !has_seg)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "The Segment parameter is required but was not present in the request "
                        "when parameter TotalSegments is present");
    if (has_seg && r->segment >= r->total)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "The Segment parameter is zero-based and must be less than parameter "
                        "TotalSegments: Segment: %lld is not less than TotalSegments: %lld",
                        (long long)r->segment, (long long)r->total);
    if (!has_total)
        r->total = 0;
    return 0;
}

int ddb_op_scan(struct ddb_call *c)
{
    struct reader r;
    struct ddb_expr_ctx *cx;
    struct ddb_table t;
    const char *table, *select, *index;
    int consistent = 0;
    memset(&r, 0, sizeof r);
    memset(&t, 0, sizeof t);
    r.c = c;
    r.t = &t;
    struct store_ddb_range range = {0};
    int rc = parse_read_common(c, &r, &table, &select, &index);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "ConsistentRead", &consistent);
    if (!rc)
        rc = parse_segments(c, &r);
    if (!rc)
        rc = ddb_expr_check_request(c->in, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, ddb_member(c, c->in, "ExpressionAttributeNames"),
                              ddb_member(c, c->in, "ExpressionAttributeValues"), &cx, &c->err);
    if (!rc)
        rc = parse_filter_proj(c, &r, cx, "ScanFilter");
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &c->err);
    if (!rc)
        rc = check_select(c, select, r.proj != NULL, index);
    if (!rc)
        rc = ddb_table_load(c, table, false, &t);
    if (!rc)
        rc = use_index(c, &r, index, select, consistent, &range);
    range.table = t.name;
    range.table_id = t.id;
    if (!rc)
        rc = start_key(c, &r, &range.start, &range.start_len);
    return rc ? rc : run_read(c, &r, &range, table, consistent);
}
