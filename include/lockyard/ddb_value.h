/*
 * ddb_value.h - the DynamoDB AttributeValue model.
 *
 * A struct ddb_val is one of S, N, B, BOOL, NULL, M, L, SS, NS, BS. An item
 * (and a Key, and the inside of an M) is a struct ddb_map: name -> value.
 *
 * Ownership: every value, string and array reachable from a ddb_val/ddb_map
 * lives in a struct ly_arena (arena.h) and is freed with it. Values are
 * immutable once built; functions that produce new values (update, projection)
 * may share sub-values with their inputs, so the input arenas must outlive
 * the result (in practice: one arena per request).
 *
 * Strings (S) and binaries (B) are counted byte ranges that may contain NUL;
 * they are also NUL-terminated for convenience. Attribute names likewise.
 *
 * Sets (SS/NS/BS) are stored as arrays of S/N/B element values without
 * duplicates; element order is not meaningful.
 */
#ifndef LOCKYARD_DDB_VALUE_H
#define LOCKYARD_DDB_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"
#include "lockyard/ddb_err.h"
#include "lockyard/ddb_num.h"

#define DDB_DEPTH_MAX 32          /* nesting depth of M/L values */
#define DDB_ITEM_BYTES_MAX 409600 /* 400 KB item size limit */
#define DDB_NAME_BYTES_MAX 65535  /* attribute name length */
#define DDB_HASH_KEY_BYTES_MAX 2048
#define DDB_RANGE_KEY_BYTES_MAX 1024

enum ddb_type {
    DDB_T_NONE = 0, /* "no value": a missing attribute */
    DDB_T_S,
    DDB_T_N,
    DDB_T_B,
    DDB_T_BOOL,
    DDB_T_NULL,
    DDB_T_M,
    DDB_T_L,
    DDB_T_SS,
    DDB_T_NS,
    DDB_T_BS,
};

struct ddb_attr;

struct ddb_map {
    struct ddb_attr *attrs;
    size_t n;
};

struct ddb_val {
    enum ddb_type type;
    union {
        struct {
            const char *p; /* NUL-terminated, but len counts */
            size_t len;
        } bytes;            /* S (UTF-8) and B (raw bytes) */
        struct ddb_num num; /* N */
        bool boolean;       /* BOOL */
        struct {
            struct ddb_val *items;
            size_t n;
        } list;             /* L, SS, NS, BS */
        struct ddb_map map; /* M */
    } u;
};

struct ddb_attr {
    const char *name; /* NUL-terminated, name_len counts */
    size_t name_len;
    struct ddb_val val;
};

/** "S", "N", ..., "BS" ("" for DDB_T_NONE). */
const char *ddb_type_name(enum ddb_type t);
/** Type from its descriptor name; DDB_T_NONE if unknown. */
enum ddb_type ddb_type_from_name(const char *s, size_t len);
/** Element type of a set type (SS -> S), or DDB_T_NONE. */
enum ddb_type ddb_type_set_elem(enum ddb_type set);

/* ---- model (ddb_value.c) ---- */

/** Deep equality: numbers by value, sets and maps regardless of order. */
bool ddb_val_equal(const struct ddb_val *a, const struct ddb_val *b);

/**
 * Orders two values of the same orderable type: S bytewise, N numerically,
 * B as unsigned bytes. @return false (and *cmp untouched) if the types differ
 * or are not S/N/B.
 */
bool ddb_val_order(const struct ddb_val *a, const struct ddb_val *b, int *cmp);

/** True if set value s (SS/NS/BS) contains elem (an S/N/B of the element type). */
bool ddb_set_has(const struct ddb_val *set, const struct ddb_val *elem);

/** Looks up a top-level attribute; NULL if absent. */
const struct ddb_val *ddb_map_get(const struct ddb_map *m, const char *name, size_t len);

/**
 * Returns a copy of m with name set to v (replacing or appending). The attrs
 * array is new (arena); values are shared. @return 0 or LY_ENOMEM.
 */
int ddb_map_put(struct ly_arena *a, const struct ddb_map *m, const char *name, size_t len,
                const struct ddb_val *v, struct ddb_map *out) LY_WARN_UNUSED;

/** Returns a copy of m without name (out may equal m's storage: it is new). */
int ddb_map_del(struct ly_arena *a, const struct ddb_map *m, const char *name, size_t len,
                struct ddb_map *out) LY_WARN_UNUSED;

/** Size of a value as AWS counts it (S UTF-8 bytes, B bytes, N digits, ...). */
size_t ddb_val_size(const struct ddb_val *v);
/** Item size: sum of attribute name lengths plus value sizes. */
size_t ddb_item_size(const struct ddb_map *item);

/* ---- keys (ddb_value.c) ---- */

struct ddb_key_schema {
    const char *hash_name;   /* partition key attribute name */
    enum ddb_type hash_type; /* DDB_T_S, DDB_T_N or DDB_T_B */
    const char *range_name;  /* sort key name, or NULL if the table has none */
    enum ddb_type range_type;
};

/**
 * Checks that a PutItem Item holds valid key attributes:
 * "One or more parameter values were invalid: Missing the key <k> in the item",
 * "... Type mismatch for key <k> expected: S actual: N", empty S/B key values,
 * and the 2048 / 1024 byte key size limits (all ValidationException, LY_EINVAL).
 */
int ddb_item_check_keys(const struct ddb_key_schema *ks, const struct ddb_map *item,
                        struct ddb_err *err);

/**
 * Checks a Key parameter (GetItem/DeleteItem/UpdateItem): exactly the schema's
 * attributes with the declared types, else "The provided key element does not
 * match the schema"; then empty values and size limits as above.
 */
int ddb_key_check(const struct ddb_key_schema *ks, const struct ddb_map *key, struct ddb_err *err);

/**
 * Builds the Key map (hash [, range]) of an item that passed
 * ddb_item_check_keys. Values are shared. @return 0 or LY_ENOMEM.
 */
int ddb_item_key(struct ly_arena *a, const struct ddb_key_schema *ks, const struct ddb_map *item,
                 struct ddb_map *key) LY_WARN_UNUSED;

/* ---- JSON (ddb_value_json.c) ---- */

/**
 * Converts one DynamoDB-JSON AttributeValue ({"S":"x"}, {"N":"1"}, ...) into
 * *out with full validation. Errors carry DynamoDB's messages, e.g.
 * "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
 * "... has more than one datatypes set ...", empty/duplicate sets, invalid
 * numbers, "One or more parameter values were invalid: Null attribute value
 * types must have the value of true", "Nesting Levels have exceeded supported
 * limits" (ValidationException) or JSON-shape errors (SerializationException,
 * e.g. "NUMBER_VALUE cannot be converted to String").
 * @return 0, LY_EINVAL or LY_ENOMEM (arena cap).
 */
int ddb_val_from_json(struct ly_arena *a, const json_t *j, struct ddb_val *out,
                      struct ddb_err *err);

/** Converts a JSON object of name -> AttributeValue (an Item or Key). */
int ddb_map_from_json(struct ly_arena *a, const json_t *j, struct ddb_map *out,
                      struct ddb_err *err);

/** Encodes v as DynamoDB JSON. @return a new reference, or NULL on allocation failure. */
json_t *ddb_val_to_json(const struct ddb_val *v);
/** Encodes a map as a JSON object of AttributeValues. New reference or NULL. */
json_t *ddb_map_to_json(const struct ddb_map *m);

/* ---- the same as text (ddb_value_text.c) ---- */

/** Appends m's DynamoDB JSON text to b: the bytes of json_dumps(ddb_map_to_json(m),
 *  JSON_COMPACT). 0, or LY_ENOMEM (b's cap) / LY_EINVAL (a value of no type). */
int ddb_map_text(const struct ddb_map *m, struct ly_buf *b);
/** The same for one AttributeValue ({"S":"..."}). */
int ddb_val_text(const struct ddb_val *v, struct ly_buf *b);
/** The length of the first run of s[0..n) that a JSON string holds as it is (jansson's dump
 *  escapes the quote, the backslash and the control characters, and nothing else). */
size_t ddb_text_plain_len(const char *s, size_t n);
/** ddb_text_plain_len, or when ascii the first run of bytes 0x20-0x7e but the quote and the
 *  backslash: text a JSON string holds as it is and that decodes to itself, with no UTF-8 to
 *  check (ddb_body_parse's test for a string it may hand to jansson as a placeholder). */
size_t ddb_text_run(const char *s, size_t n, bool ascii);

/* ---- binary item encoding for storage (ddb_value_bin.c) ---- */

/**
 * Appends the canonical binary form of item to out. The encoding is
 * byte-stable: map keys and set elements are written in sorted order, so equal
 * items encode identically. @return 0, LY_ENOMEM or LY_ETOOBIG (buffer cap).
 */
int ddb_item_encode(const struct ddb_map *item, struct ly_buf *out) LY_WARN_UNUSED;

/**
 * Decodes an item written by ddb_item_encode, validating everything (bounds,
 * types, numbers, set rules, nesting depth, trailing bytes). The result lives
 * in arena a and does not point into p.
 * @return 0, LY_EINVAL (corrupt input) or LY_ENOMEM.
 */
int ddb_item_decode(struct ly_arena *a, const void *p, size_t len,
                    struct ddb_map *out) LY_WARN_UNUSED;

#endif
