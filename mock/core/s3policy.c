/* s3policy.c - parse, validate and evaluate the conditional-write subset of S3 bucket policies
 * (see s3policy.h). Pure: jansson for JSON, no I/O, no globals. */
#include "lockyard/s3policy.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>

#define STATEMENTS_MAX 256
#define VALUES_MAX 64

enum cond_op { OP_NULL, OP_STR_EQ, OP_STR_NE, OP_BOOL };

struct cond {
    enum cond_op op;
    const char *key; /* lower-case */
    const char **vals;
    size_t nvals;
};

struct stmt {
    int deny;
    const char *why_not; /* NULL: enforced */
    const char *sid;
    const char **actions, **resources;
    size_t nactions, nresources;
    struct cond *conds;
    size_t nconds;
};

struct s3policy {
    struct stmt *st;
    size_t n;
};

static const char *const MALFORMED_JSON =
    "Policies must be valid JSON and the first byte must be '{'";

/* Copies a string or an array of strings into *out; LY_EINVAL for anything else. */
static int str_list(struct ly_arena *a, const json_t *j, const char ***out, size_t *n)
{
    size_t count = json_is_array(j) ? json_array_size(j) : 1;
    if (!json_is_array(j) && !json_is_string(j) && !json_is_boolean(j))
        return LY_EINVAL;
    if (count == 0 || count > VALUES_MAX)
        return LY_EINVAL;
    *out = ly_arena_calloc(a, count * sizeof **out);
    if (!*out)
        return LY_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        const json_t *e = json_is_array(j) ? json_array_get(j, i) : j;
        if (json_is_boolean(e))
            (*out)[i] = json_is_true(e) ? "true" : "false";
        else if (json_is_string(e))
            (*out)[i] = ly_arena_strdup(a, json_string_value(e));
        else
            return LY_EINVAL;
        if (!(*out)[i])
            return LY_ENOMEM;
    }
    *n = count;
    return 0;
}

static int known_key(const char *k)
{
    return strcmp(k, "s3:if-none-match") == 0 || strcmp(k, "s3:if-match") == 0 ||
           strcmp(k, "s3:objectcreationoperation") == 0;
}

static int parse_op(const char *name, enum cond_op *op)
{
    static const struct {
        const char *name;
        enum cond_op op;
    } ops[] = {
        {"Null", OP_NULL},
        {"StringEquals", OP_STR_EQ},
        {"StringNotEquals", OP_STR_NE},
        {"Bool", OP_BOOL},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(name, ops[i].name) == 0) {
            *op = ops[i].op;
            return 0;
        }
    return LY_ENOTSUP;
}

static int parse_conditions(struct ly_arena *a, const json_t *j, struct stmt *s, const char **why)
{
    const char *opname, *key;
    json_t *block, *vals;
    size_t total = 0;
    if (!json_is_object(j)) {
        *why = "Invalid Condition: the Condition block must be an object";
        return LY_EINVAL;
    }
    json_object_foreach ((json_t *)j, opname, block) {
        if (!json_is_object(block) || json_object_size(block) == 0) {
            *why = "Invalid Condition: each operator needs an object of keys";
            return LY_EINVAL;
        }
        total += json_object_size(block);
    }
    s->conds = ly_arena_calloc(a, (total + 1) * sizeof *s->conds);
    if (!s->conds)
        return LY_ENOMEM;
    json_object_foreach ((json_t *)j, opname, block) {
        enum cond_op op = OP_NULL;
        int known_op = parse_op(opname, &op) == 0;
        if (!known_op && !s->why_not)
            s->why_not = ly_arena_printf(a, "condition operator %s", opname);
        json_object_foreach (block, key, vals) {
            struct cond *c = &s->conds[s->nconds++];
            char *lk = ly_arena_strdup(a, key);
            if (!lk)
                return LY_ENOMEM;
            for (char *p = lk; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            c->op = op;
            c->key = lk;
            int rc = str_list(a, vals, &c->vals, &c->nvals);
            if (rc) {
                *why = "Invalid Condition: values must be strings or lists of strings";
                return rc;
            }
            if (known_op && !known_key(lk) && !s->why_not)
                s->why_not = ly_arena_printf(a, "condition key %s", key);
        }
    }
    return 0;
}

static int principal_is_everyone(const json_t *p)
{
    if (json_is_string(p))
        return strcmp(json_string_value(p), "*") == 0;
    const json_t *aws = json_is_object(p) && json_object_size(p) == 1 ? json_object_get(p, "AWS")
                                                                      : NULL;
    return aws && json_is_string(aws) && strcmp(json_string_value(aws), "*") == 0;
}

static int field_known(const char *name)
{
    static const char *const fields[] = {"Sid",          "Effect",      "Principal",
                                         "NotPrincipal", "Action",      "NotAction",
                                         "Resource",     "NotResource", "Condition"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(name, fields[i]) == 0)
            return 1;
    return 0;
}

static int actions_valid(const char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], "*") != 0 && strncasecmp(v[i], "s3:", 3) != 0)
            return 0;
    return 1;
}

/* Validates the required fields of a statement; 0 or LY_EINVAL with *why. */
static int stmt_shape(struct ly_arena *a, const json_t *j, const char **why)
{
    const char *name;
    json_t *v;
    json_object_foreach ((json_t *)j, name, v) {
        if (!field_known(name)) {
            *why = ly_arena_printf(a, "Unknown field %s", name);
            return LY_EINVAL;
        }
    }
    const json_t *effect = json_object_get(j, "Effect");
    if (!effect) {
        *why = "Missing required field Effect";
        return LY_EINVAL;
    }
    if (!json_is_string(effect) || (strcmp(json_string_value(effect), "Allow") != 0 &&
                                    strcmp(json_string_value(effect), "Deny") != 0)) {
        *why = ly_arena_printf(a, "Invalid effect: %s",
                               json_is_string(effect) ? json_string_value(effect) : "");
        return LY_EINVAL;
    }
    if (!json_object_get(j, "Principal") && !json_object_get(j, "NotPrincipal")) {
        *why = "Missing required field Principal";
        return LY_EINVAL;
    }
    if (!json_object_get(j, "Action") && !json_object_get(j, "NotAction")) {
        *why = "Missing required field Action";
        return LY_EINVAL;
    }
    if (!json_object_get(j, "Resource") && !json_object_get(j, "NotResource")) {
        *why = "Missing required field Resource";
        return LY_EINVAL;
    }
    return 0;
}

static int parse_stmt(struct ly_arena *a, const json_t *j, struct stmt *s, const char **why)
{
    if (!json_is_object(j)) {
        *why = MALFORMED_JSON;
        return LY_EINVAL;
    }
    int rc = stmt_shape(a, j, why);
    if (rc)
        return rc;
    const json_t *sid = json_object_get(j, "Sid");
    s->sid = json_is_string(sid) ? ly_arena_strdup(a, json_string_value(sid)) : NULL;
    s->deny = strcmp(json_string_value(json_object_get(j, "Effect")), "Deny") == 0;
    const json_t *act = json_object_get(j, "Action"), *res = json_object_get(j, "Resource");
    const json_t *nact = json_object_get(j, "NotAction");
    rc = str_list(a, act ? act : nact, &s->actions, &s->nactions);
    if (!rc && !actions_valid(s->actions, s->nactions))
        rc = LY_EINVAL;
    if (rc) {
        *why = "Policy has invalid action";
        return rc == LY_ENOMEM ? rc : LY_EINVAL;
    }
    rc = str_list(a, res ? res : json_object_get(j, "NotResource"), &s->resources, &s->nresources);
    if (rc) {
        *why = "Policy has invalid resource";
        return rc == LY_ENOMEM ? rc : LY_EINVAL;
    }
    const json_t *cond = json_object_get(j, "Condition");
    if (cond && (rc = parse_conditions(a, cond, s, why)) != 0)
        return rc;
    const json_t *pr = json_object_get(j, "Principal");
    if (!s->deny)
        s->why_not = "an Allow statement (lockyard allows whatever no Deny matches)";
    else if (!act)
        s->why_not = "NotAction";
    else if (!res)
        s->why_not = "NotResource";
    else if (!pr || !principal_is_everyone(pr))
        s->why_not = "a Principal other than \"*\" (lockyard has no identities)";
    return 0;
}

int s3policy_parse(const char *json, size_t len, struct ly_arena *a, struct s3policy **out,
                   const char **why)
{
    json_error_t err;
    *why = MALFORMED_JSON;
    if (len > S3POLICY_BYTES_MAX) {
        *why = "Policies must not exceed 20480 bytes";
        return LY_ETOOBIG;
    }
    size_t i = 0;
    while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n'))
        i++;
    if (i == len || json[i] != '{')
        return LY_EINVAL;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return LY_EINVAL;
    }
    int rc = 0;
    const json_t *st = json_object_get(root, "Statement");
    size_t n = json_is_array(st) ? json_array_size(st) : 1;
    struct s3policy *p = ly_arena_calloc(a, sizeof *p);
    if (!st) {
        *why = "Missing required field Statement";
        rc = LY_EINVAL;
    } else if (n == 0 || n > STATEMENTS_MAX) {
        *why = n ? "Too many statements" : "Could not parse the policy: Statement is empty!";
        rc = LY_EINVAL;
    } else if (!p || !(p->st = ly_arena_calloc(a, n * sizeof *p->st))) {
        rc = LY_ENOMEM;
    }
    for (size_t k = 0; !rc && k < n; k++) {
        rc = parse_stmt(a, json_is_array(st) ? json_array_get(st, k) : st, &p->st[k], why);
        p->n += rc == 0;
    }
    json_decref(root);
    if (!rc)
        *out = p;
    return rc;
}

/* Glob match with '*' and '?'; icase for actions. */
static int glob(const char *pat, const char *s, int icase)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        char pc = *pat, sc = *s;
        if (icase) {
            pc = (char)(pc >= 'A' && pc <= 'Z' ? pc + 32 : pc);
            sc = (char)(sc >= 'A' && sc <= 'Z' ? sc + 32 : sc);
        }
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat && (*pat == '?' || pc == sc)) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int any_glob(const char **pats, size_t n, const char *s, int icase)
{
    for (size_t i = 0; i < n; i++)
        if (glob(pats[i], s, icase))
            return 1;
    return 0;
}

static const char *ctx_value(const struct s3policy_req *r, const char *key)
{
    if (strcmp(key, "s3:if-none-match") == 0)
        return r->if_none_match;
    if (strcmp(key, "s3:if-match") == 0)
        return r->if_match;
    if (strcmp(key, "s3:objectcreationoperation") == 0)
        return r->creation_op ? "true" : "false";
    return NULL;
}

static int cond_holds(const struct cond *c, const struct s3policy_req *r)
{
    const char *v = ctx_value(r, c->key);
    for (size_t i = 0; i < c->nvals; i++) {
        const char *w = c->vals[i];
        switch (c->op) {
        case OP_NULL:
            if ((strcasecmp(w, "true") == 0) == (v == NULL))
                return 1;
            break;
        case OP_STR_EQ:
            if (v && strcmp(v, w) == 0)
                return 1;
            break;
        case OP_BOOL:
            if (v && strcasecmp(v, w) == 0)
                return 1;
            break;
        case OP_STR_NE: break;
        }
    }
    if (c->op != OP_STR_NE)
        return 0;
    for (size_t i = 0; v && i < c->nvals; i++)
        if (strcmp(v, c->vals[i]) == 0)
            return 0;
    return 1;
}

int s3policy_denies(const struct s3policy *p, const struct s3policy_req *r)
{
    for (size_t i = 0; p && i < p->n; i++) {
        const struct stmt *s = &p->st[i];
        if (!s->deny || s->why_not || !any_glob(s->actions, s->nactions, r->action, 1) ||
            !any_glob(s->resources, s->nresources, r->resource, 0))
            continue;
        size_t k = 0;
        while (k < s->nconds && cond_holds(&s->conds[k], r))
            k++;
        if (k == s->nconds)
            return 1;
    }
    return 0;
}

int s3policy_unenforced(const struct s3policy *p, struct ly_buf *out)
{
    int rc = 0;
    for (size_t i = 0; !rc && p && i < p->n; i++) {
        const struct stmt *s = &p->st[i];
        if (!s->why_not)
            continue;
        if (out->len)
            rc = ly_buf_adds(out, "; ");
        if (!rc && s->sid)
            rc = ly_buf_addf(out, "statement %zu (Sid %s): %s", i + 1, s->sid, s->why_not);
        else if (!rc)
            rc = ly_buf_addf(out, "statement %zu: %s", i + 1, s->why_not);
    }
    return rc;
}
