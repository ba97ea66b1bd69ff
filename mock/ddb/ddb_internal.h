/*
 * ddb_internal.h - shared by the mock/ddb handler files only.
 *
 * A handler gets a struct ddb_call, reads c->in (the request object) and either
 * sets c->out (a new JSON object, NULL meaning {}) and returns 0, or fills
 * c->err (type + exact DynamoDB message; ddb_fail does both) and returns a
 * negative LY_E* code; c->err_extra may then hold extra top-level members of
 * the error body (Item, CancellationReasons). ddb.c turns either into the
 * answer through lockyard/aws_error.h (the DynamoDB error table).
 */
#ifndef LOCKYARD_DDB_INTERNAL_H
#define LOCKYARD_DDB_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lockyard/ddb.h"
#include "lockyard/ddb_err.h"
#include "lockyard/ddb_expr.h"
#include "lockyard/ddb_value.h"
#include "lockyard/store_ddb.h"

#define DDB_MSG_COND "The conditional request failed"
#define DDB_MSG_NOT_FOUND "Requested resource not found"

#define DDB_ROOT_MEMBERS 16

struct ddb_call {
    struct ddb_ctx *ctx;
    struct ly_req *req;
    struct ly_arena *a;
    json_t *in;                     /* the request object (owned by ddb.c) */
    json_t *out;                    /* the response object (new reference) or NULL for {} */
    const struct ddb_map *out_item; /* an item answered before out's members, or NULL */
    const char *out_item_name;      /* its member name: "Item" or "Attributes" */
    json_t *keep;      /* a JSON array freed after the call: loaded descriptions etc. */
    json_t *err_extra; /* extra members of an error body (new reference) or NULL */
    struct ddb_err err;
    /* c->in's members, listed by ddb.c once (nroot 0 and root_listed false when there are more
     * than DDB_ROOT_MEMBERS): ddb_member finds them without hashing the name */
    struct {
        const char *key;
        size_t len;
        json_t *v;
    } root[DDB_ROOT_MEMBERS];
    size_t nroot;
    bool root_listed;
};

/* A table as the handlers see it: the store record plus its parsed key schema. */
struct ddb_table {
    const char *name;
    uint64_t id;
    const char *ttl_attr;
    json_t *desc; /* the stored TableDescription (borrowed from c->keep) */
    struct ddb_key_schema ks;
    const struct store_ddb_index *idx; /* secondary indexes (c->a) */
    size_t nidx;
};

/* Framework-style constraint errors, "N validation error(s) detected: a; b". */
struct ddb_vlist {
    size_t len;
    int n;
    char buf[DDB_ERR_MSG_MAX]; /* its first len bytes (and a NUL) are the list */
};
/* Empties v without clearing its buffer (ddb_vlist_add writes from len on): the handlers start
 * several lists per request. */
static inline void ddb_vlist_init(struct ddb_vlist *v)
{
    v->len = 0;
    v->n = 0;
    v->buf[0] = '\0';
}

/* ---- ddb_fail.c ---- */
/** Fills c->err (printf format) and returns code. */
int ddb_fail(struct ddb_call *c, int code, enum aws_err type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** A store error that is not the client's: InternalServerError (or the mapped code). */
int ddb_fail_store(struct ddb_call *c, int rc);

/* ---- ddb_json.c: request fields, validation helpers, tables, keys ---- */
/** json_object_get(obj, name), from c->root when obj is c->in. */
json_t *ddb_member(const struct ddb_call *c, const json_t *obj, const char *name);
int ddb_get_str(struct ddb_call *c, const json_t *obj, const char *name, const char **out);
int ddb_get_bool(struct ddb_call *c, const json_t *obj, const char *name, int *out);
int ddb_get_int(struct ddb_call *c, const json_t *obj, const char *name, int64_t *out,
                int *present);
int ddb_get_obj(struct ddb_call *c, const json_t *obj, const char *name, const json_t **out);
int ddb_get_arr(struct ddb_call *c, const json_t *obj, const char *name, const json_t **out);

void ddb_vlist_add(struct ddb_vlist *v, const char *value, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** If v holds errors: ValidationException with them. */
int ddb_vlist_check(struct ddb_call *c, const struct ddb_vlist *v);
/** Adds the tableName constraints (null, length, pattern) for name at `at`. */
void ddb_vlist_table_name(struct ddb_vlist *v, const char *name, const char *at);
/** Adds an enum constraint when val is set and not one of the NULL-terminated list. */
void ddb_vlist_enum(struct ddb_vlist *v, const char *val, const char *at,
                    const char *const *allowed);

/**
 * Loads a table. Missing: ResourceNotFoundException, with "Requested resource not found"
 * (data plane) or, when control, "Requested resource not found: Table: X not found".
 */
int ddb_table_load(struct ddb_call *c, const char *name, bool control, struct ddb_table *t);
/** The parsed table description whose stored text is desc (a new reference, never to be
 * modified: it may be shared with later requests), from ctx's cache or parsed and cached;
 * NULL when the text is not JSON or memory runs out. *ks: the cache slot's key schema (its
 * hash_name NULL until set), or NULL when the description is not cached. */
json_t *ddb_cache_desc(struct ddb_ctx *ctx, const char *desc, size_t len,
                       struct ddb_key_schema **ks);
/** Keeps ks (parsed from desc, the description cached with the slot *ks of ddb_cache_desc) in
 *  that slot; its names are taken from desc. */
void ddb_cache_set_schema(struct ddb_key_schema *slot, const json_t *desc,
                          const struct ddb_key_schema *ks);
/** Keeps the table record rec, read under store generation gen, with the cache slot whose key
 *  schema is slot (set before: a table is kept only with its key schema, and only without
 *  secondary indexes). */
void ddb_cache_set_table(struct ddb_ctx *ctx, const struct ddb_key_schema *slot,
                         const struct store_ddb_table *rec, uint64_t gen);
/** The table named name kept under generation gen (non-zero): t filled (name and TTL attribute
 *  in a, desc a new reference for the caller to keep), true; false when none is. */
bool ddb_cache_table(struct ddb_ctx *ctx, const char *name, uint64_t gen, struct ly_arena *a,
                     struct ddb_table *t);
/** Parses the key schema out of a stored description (strings in c->a). */
int ddb_table_schema(struct ddb_call *c, const json_t *desc, struct ddb_key_schema *ks);
/** A KeySchema list with its types from AttributeDefinitions (strings in c->a). */
int ddb_key_schema_parse(struct ddb_call *c, const json_t *keys, const json_t *defs,
                         struct ddb_key_schema *ks);

/** Encodes the primary key of item/key (already checked against ks) into the arena. */
int ddb_key_encode(struct ddb_call *c, const struct ddb_key_schema *ks, const struct ddb_map *item,
                   const void **key, size_t *key_len);
/** Parses a JSON object of AttributeValues (Item / Key) with DynamoDB's messages. */
int ddb_map_parse(struct ddb_call *c, const json_t *j, struct ddb_map *out);
/** Sets member name of obj to a new reference v; ENOMEM if v is NULL. */
int ddb_set(struct ddb_call *c, json_t *obj, const char *name, json_t *v);

/**
 * ReturnConsumedCapacity (NONE | TOTAL | INDEXES, validated into v): adds a plausible
 * ConsumedCapacity for one table to out when requested. units as DynamoDB counts them.
 */
int ddb_consumed_capacity(struct ddb_call *c, json_t *out, const char *table, double units);

/* ---- ddb_write.c: the decide step shared by item writes, batches and transactions ---- */
enum ddb_wkind { DDB_W_PUT, DDB_W_UPDATE, DDB_W_DELETE, DDB_W_CHECK };

struct ddb_wop {
    enum ddb_wkind kind;
    const struct ddb_cond *cond;  /* NULL = unconditional */
    const struct ddb_update *upd; /* UPDATE: NULL = no update clause (key-only upsert) */
    const struct ddb_map *item;   /* PUT: the new item */
    const struct ddb_map *key;    /* UPDATE: the Key, the base of an upsert */
    const struct ddb_table *t;    /* its secondary index keys are checked on the new item */
    /* results, filled by ddb_wop_decide inside the write transaction */
    const struct ddb_map *old;      /* the item before (NULL if absent) */
    const struct ddb_map *new_item; /* the item after (NULL if absent) */
    bool cond_failed;
    struct ddb_err err; /* update application / size errors (LY_EINVAL) */
};

/** store_ddb_decide_fn over a struct ddb_wop (returns LY_ECOND, LY_EINVAL or 0). */
int ddb_wop_decide(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                   enum store_ddb_action *act, const struct ddb_map **next);

/** Parses ConditionExpression or legacy Expected of a request object through cx. */
int ddb_parse_condition(struct ddb_call *c, const json_t *req, struct ddb_expr_ctx *cx,
                        const struct ddb_cond **out);
/** Validates ReturnValuesOnConditionCheckFailure; *all_old = it is ALL_OLD. */
int ddb_parse_rvoccf(struct ddb_call *c, const json_t *req, bool *all_old);
/**
 * Runs one conditional write: LY_ECOND becomes ConditionalCheckFailedException (with
 * "Item" when all_old and an item existed), update errors their ValidationException.
 */
int ddb_write_one(struct ddb_call *c, const struct ddb_table *t, const void *key, size_t key_len,
                  struct ddb_wop *w, bool all_old);
/** Capacity units of a write / read of an item of `bytes` as DynamoDB rounds them. */
double ddb_write_units(size_t bytes);
double ddb_read_units(size_t bytes, bool consistent);

/* ---- ddb_index.c: secondary indexes ---- */
/** The store's index list of a CreateTable request (validated before) into rec. */
int ddb_index_defs(struct ddb_call *c, struct store_ddb_table *rec);
/** The index of t named name, or NULL. */
const struct store_ddb_index *ddb_index_find(const struct ddb_table *t, const char *name);
/**
 * Checks item's secondary index key attributes: a present one must have the declared type
 * and (S/B) not be empty, else LY_EINVAL with DynamoDB's message in err. by_update: the
 * value came from an UpdateExpression (DynamoDB words the empty case differently).
 */
int ddb_index_check_item(const struct ddb_table *t, const struct ddb_map *item, bool by_update,
                         struct ddb_err *err);
/** Adds live IndexSizeBytes / ItemCount to the index descriptions of desc. */
int ddb_index_describe(struct ddb_call *c, const struct ddb_table *t, json_t *desc);
/** Validates UpdateTable's GlobalSecondaryIndexUpdates against t (before any change). */
int ddb_index_updates_check(struct ddb_call *c, const struct ddb_table *t, const json_t *u);
/** Applies them to a table record being rewritten (desc JSON d and rec->indexes, in a). */
int ddb_index_updates_apply(struct ddb_call *c, struct ly_arena *a, json_t *d,
                            struct store_ddb_table *rec);
/**
 * UpdateTable's answer d: a created index CREATING, a deleted one (from the description
 * before) DELETING, as DynamoDB answers; DescribeTable then shows it ACTIVE or gone.
 */
int ddb_index_updates_answer(struct ddb_call *c, const json_t *before, json_t *d);

/* ---- operations ---- */
int ddb_op_create_table(struct ddb_call *c);
int ddb_op_describe_table(struct ddb_call *c);
int ddb_op_list_tables(struct ddb_call *c);
int ddb_op_delete_table(struct ddb_call *c);
int ddb_op_update_table(struct ddb_call *c);
int ddb_op_update_ttl(struct ddb_call *c);
int ddb_op_describe_ttl(struct ddb_call *c);
int ddb_op_put_item(struct ddb_call *c);
int ddb_op_get_item(struct ddb_call *c);
int ddb_op_delete_item(struct ddb_call *c);
int ddb_op_update_item(struct ddb_call *c);
int ddb_op_query(struct ddb_call *c);
int ddb_op_scan(struct ddb_call *c);
int ddb_op_batch_get(struct ddb_call *c);
int ddb_op_batch_write(struct ddb_call *c);
int ddb_op_transact_write(struct ddb_call *c);
int ddb_op_transact_get(struct ddb_call *c);

#endif
