/*
 * s3_policy.c - PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, and enforcement of the
 * conditional-write subset (core/s3policy.c) on object writes and deletes. The document is
 * stored as sent; what lockyard does not enforce is named in the x-lockyard-policy-not-enforced
 * header of PutBucketPolicy and GetBucketPolicy answers (docs/s3-compat.md).
 */
#include "s3_internal.h"
#include "lockyard/s3policy.h"

#include <stdlib.h>
#include <string.h>

#define NOT_ENFORCED_HEADER "x-lockyard-policy-not-enforced"

/* Names what the policy does not enforce in a response header (nothing when all of it is). */
static int not_enforced_header(struct s3_call *c, const struct s3policy *p)
{
    struct ly_buf b;
    ly_buf_init(&b, 16384);
    int rc = s3policy_unenforced(p, &b);
    if (rc == LY_ETOOBIG) { /* a very long list: say so rather than fail the request */
        ly_buf_reset(&b);
        rc = ly_buf_adds(&b, "many statements; see docs/s3-compat.md");
    }
    if (!rc && b.len)
        rc = s3_header(c, NOT_ENFORCED_HEADER, b.data);
    ly_buf_cleanup(&b);
    return rc;
}

void s3_put_bucket_policy(struct s3_call *c)
{
    struct s3policy *p;
    const char *why = NULL;
    const char *body = (const char *)c->req->body;
    int rc = s3policy_parse(body ? body : "", c->req->body_len, c->a, &p, &why);
    if (rc == LY_EINVAL || rc == LY_ETOOBIG) {
        s3_error(c, AWS_S3_MALFORMED_POLICY, "Message", why, NULL);
        return;
    }
    if (!rc)
        rc = store_bucket_conf_put(c->ctx->store, c->req->bucket, STORE_CONF_POLICY, body,
                                   c->req->body_len);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    if (not_enforced_header(c, p) == 0)
        c->resp->status = 204;
}

void s3_get_bucket_policy(struct s3_call *c)
{
    char *doc;
    size_t len;
    struct s3policy *p;
    const char *why;
    int rc =
        store_bucket_conf_get(c->ctx->store, c->req->bucket, STORE_CONF_POLICY, c->a, &doc, &len);
    if (rc == LY_ENOENT) {
        s3_error(c, AWS_S3_NO_SUCH_BUCKET_POLICY, "BucketName", c->req->bucket, NULL);
        return;
    }
    if (!rc && s3policy_parse(doc, len, c->a, &p, &why) == 0 && not_enforced_header(c, p))
        return;
    if (!rc)
        rc = ly_buf_add(&c->resp->body, doc, len);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    if (ly_resp_header_set(c->resp, c->a, "Content-Type", "application/json") != 0)
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
    else
        c->resp->status = 200;
}

void s3_delete_bucket_policy(struct s3_call *c)
{
    int rc = store_bucket_conf_put(c->ctx->store, c->req->bucket, STORE_CONF_POLICY, NULL, 0);
    if (rc)
        s3_error_internal(c, rc);
    else
        c->resp->status = 204;
}

/* ---- compiled policies, cached by bucket and generation ---- */

#define CACHE_SLOTS 64
#define BUCKET_BYTES 64

struct slot {
    char bucket[BUCKET_BYTES];
    uint64_t gen;      /* 0: empty */
    struct ly_arena a; /* holds p */
    struct s3policy *p;
};

struct s3_policy_cache {
    struct slot slot[CACHE_SLOTS];
    unsigned next; /* round-robin victim */
};

struct s3_policy_cache *s3_policy_cache_new(void)
{
    return calloc(1, sizeof(struct s3_policy_cache));
}

void s3_policy_cache_free(struct s3_policy_cache *pc)
{
    if (!pc)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (pc->slot[i].gen)
            ly_arena_cleanup(&pc->slot[i].a);
    free(pc);
}

/* The slot of bucket at generation gen, or the one to fill (same bucket, else round robin). */
static struct slot *slot_for(struct s3_policy_cache *pc, const char *bucket, uint64_t gen, int *hit)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct slot *sl = &pc->slot[i];
        if (!sl->gen || strcmp(sl->bucket, bucket) != 0)
            continue;
        *hit = sl->gen == gen;
        return sl;
    }
    *hit = 0;
    return &pc->slot[pc->next++ % CACHE_SLOTS];
}

/* The compiled policy of conf: from the cache when its generation is there, else parsed once
 * (into the cache when it can hold it, into the request's arena otherwise). 0 or an error. */
static int compiled(struct s3_call *c, const struct store_bconf *conf, struct s3policy **out)
{
    struct s3_policy_cache *pc = c->ctx->policies;
    const char *why;
    size_t bl = strlen(c->req->bucket);
    if (!pc || !conf->policy_gen || bl >= BUCKET_BYTES)
        return s3policy_parse(conf->policy, conf->policy_len, c->a, out, &why);
    int hit;
    struct slot *sl = slot_for(pc, c->req->bucket, conf->policy_gen, &hit);
    if (hit) {
        *out = sl->p;
        return 0;
    }
    if (sl->gen)
        ly_arena_cleanup(&sl->a);
    sl->gen = 0;
    ly_arena_init(&sl->a, 4u << 20);
    int rc = s3policy_parse(conf->policy, conf->policy_len, &sl->a, &sl->p, &why);
    if (rc) {
        ly_arena_cleanup(&sl->a);
        return rc; /* not cached: a document that does not parse is parsed (and refused) again */
    }
    memcpy(sl->bucket, c->req->bucket, bl + 1);
    sl->gen = conf->policy_gen;
    *out = sl->p;
    return 0;
}

/* ---- enforcement ---- */

/* Fails closed: a policy that cannot be read, parsed or evaluated denies (POLICY_UNREADABLE). */
enum { POLICY_ALLOWS, POLICY_DENIES, POLICY_UNREADABLE };

static int decide(struct s3_call *c, const struct s3_policy_ask *ask,
                  const struct store_bconf *conf)
{
    struct s3policy *p;
    if (!conf->policy)
        return POLICY_ALLOWS;
    if (compiled(c, conf, &p) != 0)
        return POLICY_UNREADABLE;
    struct s3policy_req r = {
        ask->action,        ly_arena_printf(c->a, "arn:aws:s3:::%s/%s", c->req->bucket, ask->key),
        ask->if_none_match, ask->if_match,
        ask->creation_op,
    };
    if (!r.resource)
        return POLICY_UNREADABLE;
    return s3policy_denies(p, &r) ? POLICY_DENIES : POLICY_ALLOWS;
}

int s3_policy_gate_fn(struct s3_policy_gate *g, const struct store_bconf *conf)
{
    g->verdict = decide(g->c, &g->ask, conf);
    return g->verdict == POLICY_ALLOWS ? 0 : LY_ECOND;
}

int s3_policy_gate_refused(const struct s3_policy_gate *g)
{
    return g->verdict != POLICY_ALLOWS;
}

void s3_policy_gate_reply(struct s3_call *c, const struct s3_policy_gate *g)
{
    if (g->verdict == POLICY_UNREADABLE)
        s3_error(c, AWS_S3_ACCESS_DENIED, "Message",
                 "Access Denied: the bucket policy could not be "
                 "read or evaluated, so the request is denied",
                 NULL);
    else
        s3_error(c, AWS_S3_ACCESS_DENIED, NULL);
}

static int gate_conf_fn(void *ctx, const struct store_bconf *conf)
{
    return s3_policy_gate_fn(ctx, conf);
}

/* Outside a write: the bucket's configuration read in a read transaction of its own. */
static int policy_check(struct s3_call *c, const struct s3_policy_ask *ask)
{
    struct s3_policy_gate g = {c, *ask, POLICY_ALLOWS};
    int rc = store_bucket_conf_with(c->ctx->store, c->req->bucket, gate_conf_fn, &g);
    if (rc == LY_ENOPARENT)
        return POLICY_ALLOWS; /* no bucket: the operation answers NoSuchBucket */
    return rc && g.verdict == POLICY_ALLOWS ? POLICY_UNREADABLE : g.verdict;
}

int s3_policy_denies(struct s3_call *c, const struct s3_policy_ask *ask)
{
    return policy_check(c, ask) != POLICY_ALLOWS;
}

int s3_policy_allows_or_reply(struct s3_call *c, const struct s3_policy_ask *ask)
{
    struct s3_policy_gate g = {c, *ask, policy_check(c, ask)};
    if (g.verdict == POLICY_ALLOWS)
        return 0;
    s3_policy_gate_reply(c, &g);
    return LY_ECOND;
}
