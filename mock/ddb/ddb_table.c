/*
 * ddb_table.c - CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable,
 * UpdateTimeToLive and DescribeTimeToLive. Tables are ACTIVE at once (as in
 * DynamoDB Local); the stored description is the TableDescription JSON minus
 * the live fields (TableStatus, ItemCount, TableSizeBytes) added on the way out.
 * Index definitions are validated here; the store maintains the indexes (see ddb_index.c).
 */
#include "ddb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P "One or more parameter values were invalid: "

static const char *const key_types[] = {"HASH", "RANGE", NULL};
static const char *const attr_types[] = {"B", "N", "S", NULL};
static const char *const billing_modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
static const char *const projection_types[] = {"ALL", "INCLUDE", "KEYS_ONLY", NULL};

static int table_name_arg(struct ddb_call *c, const char **name)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int rc = ddb_get_str(c, c->in, "TableName", name);
    if (rc)
        return rc;
    ddb_vlist_table_name(&v, *name, "tableName");
    return ddb_vlist_check(c, &v);
}

/* Type and constraint checks of a KeySchema list at `at`. */
static int check_key_schema(struct ddb_call *c, const json_t *ks, const char *at,
                            struct ddb_vlist *v)
{
    size_t i;
    const json_t *k;
    char path[128];
    if (!ks) {
        ddb_vlist_add(v, NULL, at, "Member must not be null");
        return 0;
    }
    if (json_array_size(ks) < 1 || json_array_size(ks) > 2)
        ddb_vlist_add(v, json_array_size(ks) ? "[...]" : "[]", at, "Member must have length %s",
                      json_array_size(ks) < 1 ? "greater than or equal to 1"
                                              : "less than or equal to 2");
    json_array_foreach (ks, i, k) {
        const char *name, *type;
        int rc = ddb_get_str(c, k, "AttributeName", &name);
        if (!rc)
            rc = ddb_get_str(c, k, "KeyType", &type);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "%s.%zu.member.attributeName", at, i + 1);
        if (!name)
            ddb_vlist_add(v, NULL, path, "Member must not be null");
        snprintf(path, sizeof path, "%s.%zu.member.keyType", at, i + 1);
        if (!type)
            ddb_vlist_add(v, NULL, path, "Member must not be null");
        ddb_vlist_enum(v, type, path, key_types);
    }
    return 0;
}

static int check_throughput(struct ddb_call *c, const json_t *pt, const char *at,
                            struct ddb_vlist *v)
{
    static const char *const names[] = {"ReadCapacityUnits", "WriteCapacityUnits"};
    char path[128], val[32];
    for (int i = 0; pt && i < 2; i++) {
        int64_t n;
        int present;
        int rc = ddb_get_int(c, pt, names[i], &n, &present);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "%s.%c%s", at, names[i][0] == 'R' ? 'r' : 'w', names[i] + 1);
        snprintf(val, sizeof val, "%lld", (long long)n);
        if (!present)
            ddb_vlist_add(v, NULL, path, "Member must not be null");
        else if (n < 1)
            ddb_vlist_add(v, val, path, "Member must have value greater than or equal to 1");
    }
    return 0;
}

static int check_indexes(struct ddb_call *c, const json_t *list, const char *at,
                         struct ddb_vlist *v)
{
    size_t i;
    const json_t *ix;
    char path[128];
    json_array_foreach (list, i, ix) {
        const char *name, *ptype = NULL;
        const json_t *ks, *proj, *pt;
        int rc = ddb_get_str(c, ix, "IndexName", &name);
        if (!rc)
            rc = ddb_get_arr(c, ix, "KeySchema", &ks);
        if (!rc)
            rc = ddb_get_obj(c, ix, "Projection", &proj);
        if (!rc)
            rc = ddb_get_obj(c, ix, "ProvisionedThroughput", &pt);
        if (!rc && proj)
            rc = ddb_get_str(c, proj, "ProjectionType", &ptype);
        snprintf(path, sizeof path, "%s.%zu.member.indexName", at, i + 1);
        if (!rc)
            ddb_vlist_table_name(v, name, path);
        snprintf(path, sizeof path, "%s.%zu.member.keySchema", at, i + 1);
        if (!rc)
            rc = check_key_schema(c, ks, path, v);
        snprintf(path, sizeof path, "%s.%zu.member.projection", at, i + 1);
        if (!rc && !proj)
            ddb_vlist_add(v, NULL, path, "Member must not be null");
        snprintf(path, sizeof path, "%s.%zu.member.projection.projectionType", at, i + 1);
        ddb_vlist_enum(v, ptype, path, projection_types);
        snprintf(path, sizeof path, "%s.%zu.member.provisionedThroughput", at, i + 1);
        if (!rc)
            rc = check_throughput(c, pt, path, v);
        if (rc)
            return rc;
    }
    return 0;
}

static int check_create_types(struct ddb_call *c, const char *name)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const json_t *defs, *ks, *pt, *lsi, *gsi;
    const char *billing;
    size_t i;
    const json_t *d;
    int protect = 0;
    int rc = ddb_get_arr(c, c->in, "AttributeDefinitions", &defs);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "KeySchema", &ks);
    if (!rc)
        rc = ddb_get_obj(c, c->in, "ProvisionedThroughput", &pt);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "LocalSecondaryIndexes", &lsi);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "GlobalSecondaryIndexes", &gsi);
    if (!rc)
        rc = ddb_get_str(c, c->in, "BillingMode", &billing);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "DeletionProtectionEnabled", &protect);
    if (rc)
        return rc;
    ddb_vlist_table_name(&v, name, "tableName");
    if (!defs)
        ddb_vlist_add(&v, NULL, "attributeDefinitions", "Member must not be null");
    json_array_foreach (defs, i, d) {
        const char *an, *at;
        char path[96];
        if ((rc = ddb_get_str(c, d, "AttributeName", &an)) ||
            (rc = ddb_get_str(c, d, "AttributeType", &at)))
            return rc;
        snprintf(path, sizeof path, "attributeDefinitions.%zu.member.attributeType", i + 1);
        if (!at)
            ddb_vlist_add(&v, NULL, path, "Member must not be null");
        ddb_vlist_enum(&v, at, path, attr_types);
        snprintf(path, sizeof path, "attributeDefinitions.%zu.member.attributeName", i + 1);
        if (!an)
            ddb_vlist_add(&v, NULL, path, "Member must not be null");
    }
    ddb_vlist_enum(&v, billing, "billingMode", billing_modes);
    if (!rc)
        rc = check_key_schema(c, ks, "keySchema", &v);
    if (!rc)
        rc = check_throughput(c, pt, "provisionedThroughput", &v);
    if (!rc)
        rc = check_indexes(c, lsi, "localSecondaryIndexes", &v);
    if (!rc)
        rc = check_indexes(c, gsi, "globalSecondaryIndexes", &v);
    return rc ? rc : ddb_vlist_check(c, &v);
}

/* "a, b" of a list of objects' member. */
static const char *names_of(struct ddb_call *c, const json_t *list, const char *member)
{
    char buf[1024];
    size_t o = 0, i;
    const json_t *e;
    buf[0] = '\0';
    json_array_foreach (list, i, e) {
        const char *n = json_string_value(json_object_get(e, member));
        int w = snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "", n ? n : "null");
        if (w > 0 && (size_t)w < sizeof buf - o)
            o += (size_t)w;
    }
    return ly_arena_strdup(c->a, buf);
}

static bool defined(const json_t *defs, const char *name)
{
    size_t i;
    const json_t *d;
    json_array_foreach (defs, i, d) {
        const char *n = json_string_value(json_object_get(d, "AttributeName"));
        if (n && name && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static const char *key_name(const json_t *ks, size_t i)
{
    return json_string_value(json_object_get(json_array_get(ks, i), "AttributeName"));
}

static const char *key_type(const json_t *ks, size_t i)
{
    return json_string_value(json_object_get(json_array_get(ks, i), "KeyType"));
}

/* The KeySchema rules shared by the table and its indexes. */
static int check_schema_rules(struct ddb_call *c, const json_t *ks, const json_t *defs)
{
    for (size_t i = 0; i < json_array_size(ks); i++)
        if (!defined(defs, key_name(ks, i)))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "Some index key attributes are not defined in AttributeDefinitions. "
                              "Keys: [%s], AttributeDefinitions: [%s]",
                            names_of(c, ks, "AttributeName"), names_of(c, defs, "AttributeName"));
    if (json_array_size(ks) == 2 && strcmp(key_name(ks, 0), key_name(ks, 1)) == 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Both the Hash Key and the Range Key element in the KeySchema have the "
                        "same name");
    if (strcmp(key_type(ks, 0), "HASH") != 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (json_array_size(ks) == 2 && strcmp(key_type(ks, 1), "RANGE") != 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    return 0;
}

static int check_billing(struct ddb_call *c)
{
    const char *billing = json_string_value(ddb_member(c, c->in, "BillingMode"));
    const json_t *pt = ddb_member(c, c->in, "ProvisionedThroughput");
    bool on_demand = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
    if (pt && json_is_null(pt))
        pt = NULL;
    if (on_demand && pt)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                          "BillingMode is PAY_PER_REQUEST");
    if (!on_demand && !pt)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
                          "BillingMode is PROVISIONED");
    return 0;
}

static int check_index_rules(struct ddb_call *c, const json_t *list, bool local, const json_t *ks,
                             const json_t *defs, json_t *seen)
{
    size_t i;
    const json_t *ix;
    if (list && json_array_size(list) == 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, P "List of %s is empty",
                        local ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes");
    if (local && list && json_array_size(ks) != 2)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "Table KeySchema does not have a range key, which is required when "
                          "specifying a LocalSecondaryIndex");
    json_array_foreach (list, i, ix) {
        const char *name = json_string_value(json_object_get(ix, "IndexName"));
        const json_t *iks = json_object_get(ix, "KeySchema");
        const json_t *proj = json_object_get(ix, "Projection");
        const char *ptype = json_string_value(json_object_get(proj, "ProjectionType"));
        int rc = check_schema_rules(c, iks, defs);
        if (rc)
            return rc;
        if (local && json_array_size(iks) != 2)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "Index KeySchema does not have a range key for index: %s", name);
        if (local && strcmp(key_name(iks, 0), key_name(ks, 0)) != 0)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "Index KeySchema does not have the same leading hash key as table "
                              "KeySchema for index: %s. index hash key: %s, table hash key: %s",
                            name, key_name(iks, 0), key_name(ks, 0));
        if (!ptype)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, P "Unknown ProjectionType: null");
        if (json_object_get(proj, "NonKeyAttributes") && strcmp(ptype, "INCLUDE") != 0)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "ProjectionType is %s, but NonKeyAttributes is specified", ptype);
        if (json_object_get(seen, name))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, P "Duplicate index name: %s", name);
        if (json_object_set_new(seen, name, json_true()))
            return ddb_fail_store(c, LY_ENOMEM);
    }
    if (local && json_array_size(list) > 5)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    if (!local && json_array_size(list) > 20)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "GlobalSecondaryIndex count exceeds the per-table limit of 20");
    return 0;
}

static int check_create_rules(struct ddb_call *c)
{
    const json_t *defs = ddb_member(c, c->in, "AttributeDefinitions");
    const json_t *ks = ddb_member(c, c->in, "KeySchema");
    const json_t *lsi = ddb_member(c, c->in, "LocalSecondaryIndexes");
    const json_t *gsi = ddb_member(c, c->in, "GlobalSecondaryIndexes");
    lsi = json_is_null(lsi) ? NULL : lsi;
    gsi = json_is_null(gsi) ? NULL : gsi;
    int rc = check_billing(c);
    for (size_t i = 0; !rc && i < json_array_size(defs); i++)
        for (size_t k = 0; !rc && k < i; k++) {
            const char *a =
                json_string_value(json_object_get(json_array_get(defs, i), "AttributeName"));
            const char *b =
                json_string_value(json_object_get(json_array_get(defs, k), "AttributeName"));
            if (a && b && strcmp(a, b) == 0)
                rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "Attribute Name is duplicated: %s",
                              a);
        }
    if (!rc && json_array_size(ks) > json_array_size(defs))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Invalid KeySchema: Some index key attribute have no definition");
    if (!rc)
        rc = check_schema_rules(c, ks, defs);
    json_t *seen = json_object();
    if (!rc && !seen)
        rc = ddb_fail_store(c, LY_ENOMEM);
    if (!rc)
        rc = check_index_rules(c, lsi, true, ks, defs, seen);
    if (!rc)
        rc = check_index_rules(c, gsi, false, ks, defs, seen);
    json_decref(seen);
    if (rc)
        return rc;
    /* every definition must be used by the table or an index key */
    size_t i;
    const json_t *d;
    json_array_foreach (defs, i, d) {
        const char *n = json_string_value(json_object_get(d, "AttributeName"));
        bool used = false;
        for (size_t k = 0; k < json_array_size(ks); k++)
            used = used || strcmp(key_name(ks, k), n) == 0;
        for (int pass = 0; pass < 2 && !used; pass++) {
            const json_t *list = pass ? gsi : lsi;
            for (size_t x = 0; x < json_array_size(list); x++) {
                const json_t *iks = json_object_get(json_array_get(list, x), "KeySchema");
                for (size_t k = 0; k < json_array_size(iks); k++)
                    used = used || strcmp(key_name(iks, k), n) == 0;
            }
        }
        if (!used)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "Number of attributes in KeySchema does not exactly match number of "
                              "attributes defined in AttributeDefinitions");
    }
    return 0;
}

static json_t *throughput_json(const json_t *pt)
{
    json_int_t r = json_integer_value(json_object_get(pt, "ReadCapacityUnits"));
    json_int_t w = json_integer_value(json_object_get(pt, "WriteCapacityUnits"));
    return json_pack("{s:i, s:I, s:I}", "NumberOfDecreasesToday", 0, "ReadCapacityUnits", r,
                     "WriteCapacityUnits", w);
}

static json_t *indexes_json(struct ddb_call *c, const json_t *list, const char *arn, bool global)
{
    json_t *out = json_array();
    size_t i;
    const json_t *ix;
    json_array_foreach (list, i, ix) {
        const char *name = json_string_value(json_object_get(ix, "IndexName"));
        json_t *o = json_pack("{s:s, s:O, s:O, s:i, s:i, s:s}", "IndexName", name, "KeySchema",
                              json_object_get(ix, "KeySchema"), "Projection",
                              json_object_get(ix, "Projection"), "IndexSizeBytes", 0, "ItemCount",
                              0, "IndexArn", ly_arena_printf(c->a, "%s/index/%s", arn, name));
        if (o && global) {
            json_object_set_new(o, "IndexStatus", json_string("ACTIVE"));
            json_object_set_new(o, "ProvisionedThroughput",
                                throughput_json(json_object_get(ix, "ProvisionedThroughput")));
        }
        if (!out || !o || json_array_append_new(out, o)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static const char *table_arn(struct ddb_call *c, const char *name)
{
    return ly_arena_printf(c->a, "arn:aws:dynamodb:%s:%s:table/%s", c->ctx->config->region,
                           c->ctx->config->account_id, name);
}

static json_t *build_desc(struct ddb_call *c, const char *name)
{
    const char *billing = json_string_value(ddb_member(c, c->in, "BillingMode"));
    bool on_demand = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
    const char *arn = table_arn(c, name);
    double now = (double)c->req->now_ms / 1000.0;
    unsigned long long x = (unsigned long long)c->req->now_ms * 2654435761u;
    for (const char *p = c->req->request_id; *p; p++)
        x = x * 31 + (unsigned char)*p;
    json_t *d = json_pack(
        "{s:O, s:s, s:O, s:f, s:o, s:s, s:s, s:{s:s, s:f}, s:b}", "AttributeDefinitions",
        ddb_member(c, c->in, "AttributeDefinitions"), "TableName", name, "KeySchema",
        ddb_member(c, c->in, "KeySchema"), "CreationDateTime", now, "ProvisionedThroughput",
        throughput_json(on_demand ? NULL : ddb_member(c, c->in, "ProvisionedThroughput")),
        "TableArn", arn, "TableId",
        ly_arena_printf(c->a, "%08llx-%04llx-4%03llx-8%03llx-%012llx", x >> 32, x >> 16 & 0xFFFF,
                        x >> 4 & 0xFFF, x >> 20 & 0xFFF, (x * 0x9E3779B97F4A7C15ull) >> 16),
        "BillingModeSummary", "BillingMode", on_demand ? "PAY_PER_REQUEST" : "PROVISIONED",
        "LastUpdateToPayPerRequestDateTime", now, "DeletionProtectionEnabled",
        json_is_true(ddb_member(c, c->in, "DeletionProtectionEnabled")));
    const json_t *lsi = ddb_member(c, c->in, "LocalSecondaryIndexes");
    const json_t *gsi = ddb_member(c, c->in, "GlobalSecondaryIndexes");
    if (d && json_array_size(lsi))
        json_object_set_new(d, "LocalSecondaryIndexes", indexes_json(c, lsi, arn, false));
    if (d && json_array_size(gsi))
        json_object_set_new(d, "GlobalSecondaryIndexes", indexes_json(c, gsi, arn, true));
    if (d && !on_demand)
        json_object_del(d, "BillingModeSummary");
    return d;
}

/* The description as answered: stored fields + status and live counts. */
static int describe(struct ddb_call *c, const struct ddb_table *t, const char *status, json_t **out)
{
    uint64_t items = 0, bytes = 0;
    int rc = store_ddb_table_stats(c->ctx->store, t->id, &items, &bytes);
    if (rc)
        return ddb_fail_store(c, rc);
    json_t *d = json_deep_copy(t->desc);
    if (!d || json_object_set_new(d, "TableStatus", json_string(status)) ||
        json_object_set_new(d, "ItemCount", json_integer((json_int_t)items)) ||
        json_object_set_new(d, "TableSizeBytes", json_integer((json_int_t)bytes))) {
        json_decref(d);
        return ddb_fail_store(c, LY_ENOMEM);
    }
    if ((rc = ddb_index_describe(c, t, d))) {
        json_decref(d);
        return rc;
    }
    *out = d;
    return 0;
}

static int wrap(struct ddb_call *c, const char *member, json_t *d)
{
    c->out = json_object();
    if (!c->out)
        return json_decref(d), ddb_fail_store(c, LY_ENOMEM);
    return ddb_set(c, c->out, member, d);
}

int ddb_op_create_table(struct ddb_call *c)
{
    const char *name;
    const json_t *tags;
    int rc = ddb_get_str(c, c->in, "TableName", &name);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "Tags", &tags); /* accepted, not kept */
    if (!rc)
        rc = check_create_types(c, name);
    if (!rc)
        rc = check_create_rules(c);
    if (rc)
        return rc;
    struct store_ddb_table rec = {.name = name, .ctime_ms = c->req->now_ms};
    if ((rc = ddb_index_defs(c, &rec)))
        return rc;
    json_t *d = build_desc(c, name);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    rec.desc = text;
    rec.desc_len = text ? strlen(text) : 0;
    rc = text ? store_ddb_table_create(c->ctx->store, &rec) : LY_ENOMEM;
    free(text);
    if (rc == LY_EEXIST)
        rc = ddb_fail(c, rc, AWS_DDB_RESOURCE_IN_USE, "Table already exists: %s", name);
    else if (rc)
        rc = ddb_fail_store(c, rc);
    if (!rc) {
        json_object_set_new(d, "TableStatus", json_string("ACTIVE"));
        json_object_set_new(d, "ItemCount", json_integer(0));
        json_object_set_new(d, "TableSizeBytes", json_integer(0));
        return wrap(c, "TableDescription", d);
    }
    json_decref(d);
    return rc;
}

int ddb_op_describe_table(struct ddb_call *c)
{
    const char *name;
    struct ddb_table t;
    json_t *d;
    int rc = table_name_arg(c, &name);
    if (!rc)
        rc = ddb_table_load(c, name, true, &t);
    if (!rc)
        rc = describe(c, &t, "ACTIVE", &d);
    return rc ? rc : wrap(c, "Table", d);
}

int ddb_op_delete_table(struct ddb_call *c)
{
    const char *name;
    struct ddb_table t;
    struct store_ddb_table rec;
    json_t *d;
    int rc = table_name_arg(c, &name);
    if (!rc)
        rc = ddb_table_load(c, name, true, &t);
    if (!rc && json_is_true(json_object_get(t.desc, "DeletionProtectionEnabled")))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Resource cannot be deleted as it is currently protected against "
                        "deletion. Disable deletion protection first.");
    if (!rc)
        rc = describe(c, &t, "DELETING", &d);
    if (rc)
        return rc;
    /* DynamoDB's answer for a deleting table leaves out its global secondary indexes. */
    json_object_del(d, "GlobalSecondaryIndexes");
    rc = store_ddb_table_delete(c->ctx->store, name, c->a, &rec);
    if (rc) {
        json_decref(d);
        return rc == LY_ENOENT ? ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND,
                                          DDB_MSG_NOT_FOUND ": Table: %s not found", name)
                               : ddb_fail_store(c, rc);
    }
    return wrap(c, "TableDescription", d);
}

int ddb_op_list_tables(struct ddb_call *c)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const char *start, **names;
    int64_t limit = 100;
    int present, more;
    size_t n;
    int rc = ddb_get_str(c, c->in, "ExclusiveStartTableName", &start);
    if (!rc)
        rc = ddb_get_int(c, c->in, "Limit", &limit, &present);
    if (rc)
        return rc;
    if (start)
        ddb_vlist_table_name(&v, start, "exclusiveStartTableName");
    char val[32];
    snprintf(val, sizeof val, "%lld", (long long)limit);
    if (present && limit < 1)
        ddb_vlist_add(&v, val, "limit", "Member must have value greater than or equal to 1");
    if (present && limit > 100)
        ddb_vlist_add(&v, val, "limit", "Member must have value less than or equal to 100");
    if ((rc = ddb_vlist_check(c, &v)))
        return rc;
    rc = store_ddb_table_list(c->ctx->store, start, (size_t)limit, c->a, &names, &n, &more);
    if (rc)
        return ddb_fail_store(c, rc);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        if (json_array_append_new(list, json_string(names[i])))
            break;
    rc = wrap(c, "TableNames", list);
    if (!rc && more && n)
        rc = ddb_set(c, c->out, "LastEvaluatedTableName", json_string(names[n - 1]));
    return rc;
}

static int update_table_fn(void *ctx, struct ly_arena *a, struct store_ddb_table *t)
{
    struct ddb_call *c = ctx;
    json_t *d = json_loadb(t->desc, t->desc_len, 0, NULL);
    const char *billing = json_string_value(ddb_member(c, c->in, "BillingMode"));
    const json_t *pt = ddb_member(c, c->in, "ProvisionedThroughput");
    const json_t *dp = ddb_member(c, c->in, "DeletionProtectionEnabled");
    if (!d)
        return LY_EIO;
    if (billing && strcmp(billing, "PAY_PER_REQUEST") == 0) {
        json_object_set_new(d, "BillingModeSummary",
                            json_pack("{s:s, s:f}", "BillingMode", billing,
                                      "LastUpdateToPayPerRequestDateTime",
                                      (double)c->req->now_ms / 1000.0));
        json_object_set_new(d, "ProvisionedThroughput", throughput_json(NULL));
    } else if (billing) {
        json_object_set_new(d, "BillingModeSummary", json_pack("{s:s}", "BillingMode", billing));
    }
    if (json_is_object(pt))
        json_object_set_new(d, "ProvisionedThroughput", throughput_json(pt));
    if (json_is_boolean(dp))
        json_object_set(d, "DeletionProtectionEnabled", (json_t *)dp);
    int rc = ddb_member(c, c->in, "GlobalSecondaryIndexUpdates")
                 ? ddb_index_updates_apply(c, a, d, t)
                 : 0;
    char *text = rc ? NULL : json_dumps(d, JSON_COMPACT);
    json_decref(d);
    t->desc = text ? ly_arena_strdup(a, text) : NULL;
    t->desc_len = text ? strlen(text) : 0;
    free(text);
    return rc ? rc : t->desc ? 0 : LY_ENOMEM;
}

int ddb_op_update_table(struct ddb_call *c)
{
    static const char *const members[] = {"ProvisionedThroughput",
                                          "BillingMode",
                                          "StreamSpecification",
                                          "SSESpecification",
                                          "ReplicaUpdates",
                                          "DeletionProtectionEnabled",
                                          "TableClass",
                                          "OnDemandThroughput",
                                          NULL};
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const char *name, *billing;
    const json_t *pt, *gsiu;
    struct ddb_table t;
    json_t *d;
    int rc = table_name_arg(c, &name);
    if (!rc)
        rc = ddb_get_str(c, c->in, "BillingMode", &billing);
    if (!rc)
        rc = ddb_get_obj(c, c->in, "ProvisionedThroughput", &pt);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "GlobalSecondaryIndexUpdates", &gsiu);
    if (!rc)
        rc = check_throughput(c, pt, "provisionedThroughput", &v);
    if (rc)
        return rc;
    ddb_vlist_enum(&v, billing, "billingMode", billing_modes);
    if ((rc = ddb_vlist_check(c, &v)))
        return rc;
    bool any = gsiu != NULL;
    for (size_t i = 0; members[i]; i++)
        any = any ||
              (ddb_member(c, c->in, members[i]) && !json_is_null(ddb_member(c, c->in, members[i])));
    if (!any)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is "
                        "required");
    if ((rc = ddb_table_load(c, name, true, &t)) ||
        (gsiu && (rc = ddb_index_updates_check(c, &t, gsiu))))
        return rc;
    const json_t *before = t.desc;
    if (billing && strcmp(billing, "PAY_PER_REQUEST") == 0 && pt)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                          "BillingMode is PAY_PER_REQUEST");
    rc = store_ddb_table_update(c->ctx->store, name, c->a, update_table_fn, c);
    if (rc)
        return c->err.type ? rc : ddb_fail_store(c, rc);
    if ((rc = ddb_table_load(c, name, true, &t)) || (rc = describe(c, &t, "ACTIVE", &d)))
        return rc;
    if (gsiu && (rc = ddb_index_updates_answer(c, before, d))) {
        json_decref(d);
        return rc;
    }
    return wrap(c, "TableDescription", d);
}

struct ttl_change {
    struct ddb_call *c;
    bool enable;
    const char *attr;
};

static int ttl_fn(void *ctx, struct ly_arena *a, struct store_ddb_table *t)
{
    struct ttl_change *tc = ctx;
    struct ddb_call *c = tc->c;
    if (t->ttl_attr && strcmp(t->ttl_attr, tc->attr) != 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "TimeToLive is active on a different AttributeName: current "
                        "AttributeName is %s",
                        t->ttl_attr);
    if (tc->enable && t->ttl_attr)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "TimeToLive is already enabled");
    if (!tc->enable && !t->ttl_attr)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, "TimeToLive is already disabled");
    t->ttl_attr = tc->enable ? ly_arena_strdup(a, tc->attr) : NULL;
    return tc->enable && !t->ttl_attr ? LY_ENOMEM : 0;
}

int ddb_op_update_ttl(struct ddb_call *c)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const char *name, *attr = NULL;
    const json_t *spec;
    int enabled = -1;
    struct ddb_table t;
    int rc = ddb_get_str(c, c->in, "TableName", &name);
    if (!rc)
        rc = ddb_get_obj(c, c->in, "TimeToLiveSpecification", &spec);
    if (!rc && spec)
        rc = ddb_get_str(c, spec, "AttributeName", &attr);
    if (!rc && spec)
        rc = ddb_get_bool(c, spec, "Enabled", &enabled);
    if (rc)
        return rc;
    ddb_vlist_table_name(&v, name, "tableName");
    if (!spec)
        ddb_vlist_add(&v, NULL, "timeToLiveSpecification", "Member must not be null");
    if (spec && !attr)
        ddb_vlist_add(&v, NULL, "timeToLiveSpecification.attributeName", "Member must not be null");
    if (attr && strlen(attr) < 1)
        ddb_vlist_add(&v, attr, "timeToLiveSpecification.attributeName",
                      "Member must have length greater than or equal to 1");
    if (attr && strlen(attr) > 255)
        ddb_vlist_add(&v, attr, "timeToLiveSpecification.attributeName",
                      "Member must have length less than or equal to 255");
    if (spec && enabled < 0)
        ddb_vlist_add(&v, NULL, "timeToLiveSpecification.enabled", "Member must not be null");
    if ((rc = ddb_vlist_check(c, &v)) || (rc = ddb_table_load(c, name, true, &t)))
        return rc;
    struct ttl_change tc = {c, enabled == 1, attr};
    rc = store_ddb_table_update(c->ctx->store, name, c->a, ttl_fn, &tc);
    if (rc == LY_ENOENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND,
                        DDB_MSG_NOT_FOUND ": Table: %s not found", name);
    if (rc)
        return c->err.type ? rc : ddb_fail_store(c, rc);
    return wrap(c, "TimeToLiveSpecification",
                json_pack("{s:s, s:b}", "AttributeName", attr, "Enabled", enabled == 1));
}

int ddb_op_describe_ttl(struct ddb_call *c)
{
    const char *name;
    struct ddb_table t;
    int rc = table_name_arg(c, &name);
    if (!rc)
        rc = ddb_table_load(c, name, true, &t);
    if (rc)
        return rc;
    json_t *d = t.ttl_attr ? json_pack("{s:s, s:s}", "TimeToLiveStatus", "ENABLED", "AttributeName",
                                       t.ttl_attr)
                           : json_pack("{s:s}", "TimeToLiveStatus", "DISABLED");
    return wrap(c, "TimeToLiveDescription", d);
}
