/*
 * check_lin.c - turns a paired history into WGL operations, one partition per
 * key, and runs the search on each. Failed ops (definitely not applied) are
 * dropped; unknown outcomes stay open to the end of the history.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define WGL_OPS_PER_KEY_MAX 200000

static int model_of(const char *name)
{
    if (!name || !strcmp(name, "s3"))
        return WM_S3;
    if (!strcmp(name, "register"))
        return WM_REGISTER;
    if (!strcmp(name, "lock"))
        return WM_LOCK;
    if (!strcmp(name, "counter"))
        return WM_COUNTER;
    return -1;
}

static int64_t num_of(const struct history *h, int64_t id, int64_t dflt)
{
    const char *s = history_str(h, (uint32_t)id);
    char *end;
    long long v = strtoll(s, &end, 10);
    return *s && !*end ? v : dflt;
}

/* Fills op from an invoke/completion pair. @return 1 when the pair belongs to the model */
static int convert(const struct history *h, int model, const struct hev *in, const struct hev *done,
                   struct wgl_op *op)
{
    const char *f = in->f;
    memset(op, 0, sizeof *op);
    op->call = in->time_us;
    op->ret = done->type == HEV_INFO ? HIST_TIME_END : done->time_us;
    op->out_known = done->type == HEV_OK && done->val_known;
    op->unknown = done->type == HEV_INFO;
    op->out = done->val;
    if (model == WM_S3) {
        op->cond = in->cond;
        op->a = in->val;
        op->b = in->cond_val;
        if (!strcmp(f, "GetObject") || !strcmp(f, "HeadObject"))
            op->kind = W_S3_GET;
        else if (!strcmp(f, "PutObject") || !strcmp(f, "CopyObject") ||
                 !strcmp(f, "CompleteMultipartUpload"))
            op->kind = W_S3_PUT; /* a copy writes its source's ETag (engine_req.c); a
                                    completion the ETag it answers */
        else if (!strcmp(f, "DeleteObject"))
            op->kind = W_S3_DELETE;
        else
            return 0;
        if (op->kind == W_S3_PUT && done->type == HEV_OK && done->val)
            op->a = done->val; /* the ETag the server answered */
        return 1;
    }
    if (model == WM_REGISTER) {
        op->kind = !strcmp(f, "read")    ? W_READ
                   : !strcmp(f, "write") ? W_WRITE
                   : !strcmp(f, "cas")   ? W_CAS
                                         : 255;
        op->a = op->kind == W_CAS ? in->cond_val : in->val;
        op->b = in->val;
        return op->kind != 255;
    }
    if (model == WM_LOCK) {
        op->kind = !strcmp(f, "acquire") ? W_ACQUIRE : !strcmp(f, "release") ? W_RELEASE : 255;
        op->a = in->process;
        return op->kind != 255;
    }
    op->kind = !strcmp(f, "read")                          ? W_READ
               : (!strcmp(f, "add") || !strcmp(f, "incr")) ? W_ADD
                                                           : 255;
    op->a = in->val ? num_of(h, in->val, 1) : 1;
    op->out = num_of(h, done->val, 0);
    return op->kind != 255;
}

static int check_key(const struct history *h, int model, uint32_t key, size_t mem,
                     struct check_result *r, struct wgl_op *ops)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        if (e->type != HEV_INVOKE || e->key != key || e->pair == UINT32_MAX || hev_is_marker(e))
            continue;
        const struct hev *d = &h->ev[e->pair];
        if (d->type == HEV_FAIL || (d->applied == 0 && d->type == HEV_INFO))
            continue;
        if (convert(h, model, e, d, &ops[n])) {
            ops[n].ev = (uint32_t)i;
            n++;
        }
    }
    if (n == 0)
        return 0;
    struct wgl_result res = {WGL_UNKNOWN, 0, 0};
    if (n > WGL_OPS_PER_KEY_MAX) { /* beyond the search budget: say so */
        r->stats.wgl_keys++;
        r->stats.wgl_unknown++;
        check_unknown(r, V_NONLINEARIZABLE,
                      "key %s has %zu operations, more than the %d the "
                      "linearizability search takes",
                      history_str(h, key), n, WGL_OPS_PER_KEY_MAX);
        return 0;
    }
    int rc = wgl_check(model, ops, n, mem, &res);
    if (rc)
        return rc;
    r->stats.wgl_keys++;
    if (res.verdict == WGL_OK) {
        r->stats.wgl_ok++;
        return 0;
    }
    if (res.verdict == WGL_UNKNOWN) {
        r->stats.wgl_unknown++;
        check_unknown(r, V_NONLINEARIZABLE,
                      "key %s: the linearizability search ran out of its "
                      "memory budget (%zu operations)",
                      history_str(h, key), n);
        return 0;
    }
    r->stats.wgl_illegal++;
    const struct wgl_op *bad = &ops[res.stuck];
    uint32_t evs[VIOLATION_EVENTS_MAX];
    size_t ne = 0;
    evs[ne++] = bad->ev;
    for (size_t i = 0; i < n && ne < VIOLATION_EVENTS_MAX; i++)
        if (i != res.stuck && ops[i].call <= bad->ret && ops[i].ret >= bad->call)
            evs[ne++] = ops[i].ev;
    return check_add(r, V_NONLINEARIZABLE, h->ev[bad->ev].time_us, evs, ne,
                     "key %s: no linearization (%zu of %zu ops linearized); stuck at %s by %s",
                     history_str(h, key), res.depth, n, h->ev[bad->ev].f,
                     history_str(h, h->ev[bad->ev].process));
}

int check_linearizable(const struct history *h, const char *model_name, size_t mem,
                       struct check_result *r)
{
    int model = model_of(model_name);
    if (model < 0)
        return 0;
    struct wgl_op *ops = malloc((h->n + 1) * sizeof *ops);
    uint8_t *seen = calloc(h->nstrs + 2, 1);
    int rc = ops && seen ? 0 : LY_ENOMEM;
    for (size_t i = 0; !rc && i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        uint32_t key = e->key;
        if (e->type != HEV_INVOKE || hev_is_marker(e) || seen[key])
            continue;
        if (model == WM_S3 && !strstr(e->f, "Object"))
            continue;
        seen[key] = 1;
        rc = check_key(h, model, key, mem, r, ops);
    }
    free(ops);
    free(seen);
    return rc;
}
