/*
 * engine_setup.c - the blocking calls around a run: reset the lockyard
 * target, create the bucket and table, install the fault rules; afterwards
 * read the final lists and resolve unknown outcomes from the request journal.
 */
#include "engine.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int run_call(struct run *r, const char *method, const char *path, const char *query,
             const char *service, const char *body, const char *target,
             struct ly_client_result *res)
{
    struct ly_client_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.path = path;
    req.query = query;
    req.service = service;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    int rc = 0;
    if (target) {
        rc = ly_client_req_header(&req, "X-Amz-Target", target);
        if (!rc)
            rc = ly_client_req_header(&req, "Content-Type", "application/x-amz-json-1.0");
    } else if (body && !service) {
        rc = ly_client_req_header(&req, "Content-Type", "application/json");
    }
    if (!rc)
        rc = ly_client_req_header(&req, "x-lockyard-client", "final");
    if (!rc && !service && !strncmp(path, "/_lockyard/", 11))
        rc = run_admin_auth(&req); /* after the headers it signs */
    return rc ? rc : ly_client_call(r->admin, &req, (int64_t)time(NULL), res);
}

static int uses_ddb(const struct scenario *sc)
{
    const struct sc_program *progs[SC_CLIENTS_MAX + 1];
    size_t n = 0;
    progs[n++] = &sc->prog;
    for (size_t i = 0; i < sc->nclients && n <= SC_CLIENTS_MAX; i++)
        progs[n++] = &sc->clients[i].prog;
    for (size_t p = 0; p < n; p++)
        for (size_t i = 0; i < progs[p]->n; i++)
            if (progs[p]->steps[i].kind == ST_DDB)
                return 1;
    return 0;
}

static int create_table(struct run *r)
{
    const char *key = scenario_param(r->sc, "table_key");
    json_t *j = json_pack("{ss s[{ssss}] s[{ssss}] ss}", "TableName", r->sc->table,
                          "AttributeDefinitions", "AttributeName", key ? key : "LockID",
                          "AttributeType", "S", "KeySchema", "AttributeName", key ? key : "LockID",
                          "KeyType", "HASH", "BillingMode", "PAY_PER_REQUEST");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    struct ly_client_result res;
    int rc = text ? run_call(r, "POST", "/", NULL, "dynamodb", text,
                             "DynamoDB_20120810.CreateTable", &res)
                  : LY_ENOMEM;
    free(text);
    if (rc)
        return rc;
    r->made_table = res.status == 200;
    if (res.status != 200 && !strstr(res.body, "ResourceInUse"))
        snprintf(r->pending, sizeof r->pending,
                 "DynamoDB is not available on the target (CreateTable answered %d)", res.status);
    ly_client_result_cleanup(&res);
    return 0;
}

static int install_faults(struct run *r)
{
    struct scenario *sc = r->sc;
    r->fault_ids = calloc(sc->nfaults + 1, sizeof *r->fault_ids);
    if (!r->fault_ids)
        return LY_ENOMEM;
    int rc0 = cfault_setup(r);
    if (rc0 || r->client_faults)
        return rc0;
    for (size_t i = 0; i < sc->nfaults && !r->pending[0]; i++) {
        json_t *rule = json_loads(sc->faults[i].json, 0, NULL);
        json_t *m = json_object_get(rule, "match");
        if (json_is_object(m) && json_object_get(m, "probability") && !json_object_get(m, "seed"))
            json_object_set_new(m, "seed", json_integer((json_int_t)(r->seed & 0x7fffffff)));
        char *text = rule ? json_dumps(rule, JSON_COMPACT) : NULL;
        json_decref(rule);
        struct ly_client_result res;
        int rc = text ? run_call(r, "POST", "/_lockyard/faults", NULL, NULL, text, NULL, &res)
                      : LY_ENOMEM;
        free(text);
        if (rc)
            return rc;
        json_t *ans = json_loads(res.body, 0, NULL);
        const char *id = json_string_value(json_object_get(ans, "id"));
        if ((res.status == 200 || res.status == 201) && id)
            r->fault_ids[i] = strdup(id);
        else if (res.status == 404 || res.status == 405)
            snprintf(r->pending, sizeof r->pending,
                     "the server has no fault API (/_lockyard/faults)");
        else
            snprintf(r->error, sizeof r->error, "line %d: the fault rule was refused (%d): %.120s",
                     sc->faults[i].line, res.status, res.body);
        json_decref(ans);
        ly_client_result_cleanup(&res);
        if (r->error[0])
            return LY_EINVAL;
    }
    return 0;
}

/* Does the target serve stale reads? (a fault action that may not be implemented yet) */
static int probe_stale_read(struct run *r)
{
    struct ly_client_result res;
    char path[300];
    snprintf(path, sizeof path, "/%s/lockyard-probe-stale", r->sc->bucket);
    const char *rule = "{\"match\":{\"op\":\"GetObject\",\"key\":\"lockyard-probe-stale\","
                       "\"client\":\"final\"},\"action\":{\"type\":\"stale_read\",\"ms\":600000}}";
    /* the rule first: the server keeps snapshots only while a stale_read rule exists */
    int rc = run_call(r, "POST", "/_lockyard/faults", NULL, NULL, rule, NULL, &res);
    if (!rc)
        ly_client_result_cleanup(&res);
    if (!rc && !(rc = run_call(r, "PUT", path, NULL, "s3", "x", NULL, &res)))
        ly_client_result_cleanup(&res);
    if (!rc && !(rc = run_call(r, "GET", path, NULL, "s3", NULL, NULL, &res))) {
        if (res.status == 200)
            snprintf(r->pending, sizeof r->pending,
                     "the server does not serve stale reads yet "
                     "(fault action stale_read)");
        ly_client_result_cleanup(&res);
    }
    if (!rc && !(rc = run_call(r, "DELETE", "/_lockyard/faults", NULL, NULL, NULL, NULL, &res)))
        ly_client_result_cleanup(&res);
    return rc;
}

/* Where this run's requests begin in the journal (a reset keeps the sequence growing). */

int run_setup(struct run *r)
{
    struct ly_client_result res;
    char path[300];
    int rc = run_call(r, "GET", "/_lockyard/health", NULL, NULL, NULL, NULL, &res);
    if (rc)
        return rc;
    r->is_lockyard = res.status == 200 && strstr(res.body, "\"ok\"") && !r->opts->no_admin;
    ly_client_result_cleanup(&res);
    if (res.status == 0) {
        snprintf(r->error, sizeof r->error, "the target %.200s:%d does not answer", r->host,
                 r->port);
        return LY_EIO;
    }
    if (r->is_lockyard && r->opts->reset_target) {
        if ((rc = run_call(r, "POST", "/_lockyard/reset", NULL, NULL, "{}", NULL, &res)))
            return rc;
        ly_client_result_cleanup(&res);
    }
    if ((rc = target_prepare(r)))
        return rc;
    snprintf(path, sizeof path, "/%s", r->sc->bucket);
    if ((rc = run_call(r, "PUT", path, NULL, "s3", NULL, NULL, &res)))
        return rc;
    r->made_bucket = res.status == 200;
    if (res.status != 200 && res.status != 409) {
        snprintf(r->error, sizeof r->error, "creating bucket %s answered %d", r->sc->bucket,
                 res.status);
        rc = LY_EIO;
    }
    ly_client_result_cleanup(&res);
    r->client_faults = !r->is_lockyard || r->opts->client_faults;
    if (!rc && r->sc->requires_stale_read && r->is_lockyard && !r->client_faults)
        rc = probe_stale_read(r);
    if (!rc && !r->pending[0] && r->sc->requires_stale_read && r->client_faults)
        snprintf(r->pending, sizeof r->pending,
                 "the scenario requires stale reads, which only a "
                 "lockyard target without --client-faults serves");
    if (!rc && !r->pending[0] && uses_ddb(r->sc))
        rc = create_table(r);
    if (!rc && !r->pending[0])
        rc = install_faults(r);
    if (!rc && !r->pending[0])
        rc = journal_begin(r);
    return rc;
}

static int get_object(struct run *r, const char *key, struct ly_client_result *res)
{
    struct ly_buf path;
    ly_buf_init(&path, 8192);
    int rc = ly_buf_addf(&path, "/%s/", r->sc->bucket);
    if (!rc)
        rc = ly_client_encode_key(key, &path);
    if (!rc)
        rc = run_call(r, "GET", path.data, NULL, "s3", NULL, NULL, res);
    ly_buf_cleanup(&path);
    return rc;
}

/* A JSON list object, or a versioned log "prefix/" of 0.json, 1.json, ... with a "txn" each. */
static int read_list_items(struct run *r, const char *key, struct hev *e)
{
    int log = key[0] && key[strlen(key) - 1] == '/';
    size_t cap = 64;
    e->list = calloc(cap, sizeof *e->list);
    for (int64_t v = 0; e->list && v < 100000; v++) {
        char k[1024];
        struct ly_client_result res;
        snprintf(k, sizeof k, "%s%" PRId64 ".json", key, v);
        int rc = get_object(r, log ? k : key, &res);
        if (rc)
            return rc;
        e->status = res.status;
        json_t *doc = res.status == 200 ? json_loads(res.body, 0, NULL) : NULL;
        ly_client_result_cleanup(&res);
        json_t *items = log ? json_pack("[O]", json_object_get(doc, "txn")
                                                   ? json_object_get(doc, "txn")
                                                   : json_null())
                            : json_incref(doc);
        json_decref(doc);
        for (size_t i = 0; json_is_array(items) && i < json_array_size(items); i++) {
            json_t *x = json_array_get(items, i);
            if (e->list_len == cap) {
                int64_t *p = realloc(e->list, 2 * cap * sizeof *p);
                if (!p) {
                    json_decref(items);
                    return LY_ENOMEM;
                }
                e->list = p;
                cap *= 2;
            }
            e->list[e->list_len++] =
                history_intern(&r->h, json_is_string(x) ? json_string_value(x) : "?");
        }
        json_decref(items);
        if (!log || e->status != 200)
            break;
    }
    return e->list ? 0 : LY_ENOMEM;
}

static int final_read(struct run *r, const char *key)
{
    struct hev e = hev_blank();
    e.process = history_intern(&r->h, "final");
    e.key = history_intern(&r->h, key);
    snprintf(e.f, sizeof e.f, "read");
    e.time_us = run_now_us(r);
    int rc = history_add(&r->h, &e);
    if (!rc)
        rc = read_list_items(r, key, &e);
    e.type = e.status == 200 || e.status == 404 ? HEV_OK : HEV_INFO;
    e.time_us = run_now_us(r);
    e.val_known = 1;
    if (!rc)
        rc = history_add(&r->h, &e);
    if (rc)
        free(e.list);
    return rc;
}

static int final_reads(struct run *r)
{
    struct scenario *sc = r->sc;
    struct ly_buf key;
    int rc = 0;
    ly_buf_init(&key, 4096);
    for (size_t i = 0; i < sc->nlists && !rc; i++)
        if (!(rc = rclient_expand(&r->clients[0], sc->lists[i], &key)))
            rc = final_read(r, key.data);
    if (sc->nlists == 0 && r->nclients) {
        const struct sc_program *p = r->clients[0].prog;
        char done[8][256];
        size_t ndone = 0;
        for (size_t i = 0; i < p->n && !rc; i++) {
            const struct sc_step *st = &p->steps[i];
            int listed = st->kind == ST_APPEND || (st->kind == ST_S3 && st->element);
            if (!listed ||
                (rc = rclient_expand(&r->clients[0], st->list ? st->list : st->key, &key)))
                continue;
            int seen = 0;
            for (size_t k = 0; k < ndone; k++)
                seen |= !strcmp(done[k], key.data);
            if (seen || ndone == 8)
                continue;
            snprintf(done[ndone++], sizeof done[0], "%s", key.data);
            rc = final_read(r, key.data);
        }
    }
    ly_buf_cleanup(&key);
    return rc;
}

int run_finish(struct run *r)
{
    int rc = final_reads(r);
    if (!rc)
        rc = history_pair(&r->h);
    if (!rc)
        rc = journal_end(r);
    return rc;
}
