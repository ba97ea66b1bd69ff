/*
 * engine_target.c - leaving a target as it was found. A run against --target works in its own
 * bucket and table (the scenario's names plus the run id), sets aside the fault rules it finds
 * on a lockyard target and puts them back afterwards (also after an error or Ctrl-C), and
 * removes its bucket and table at the end unless --keep. The embedded server needs none of
 * this: it is started for the run and stopped after it.
 */
#include "engine.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S3_BUCKET_NAME_MAX 63

/* Rewrites match.<field> (and until.<field>) equal to from into to. */
static void rename_in(json_t *rule, const char *field, const char *from, const char *to)
{
    json_t *m[2] = {json_object_get(rule, "match"),
                    json_object_get(json_object_get(rule, "action"), "until")};
    for (int i = 0; i < 2; i++) {
        const char *v = json_string_value(json_object_get(m[i], field));
        if (v && !strcmp(v, from))
            json_object_set_new(m[i], field, json_string(to));
    }
}

static int rename_rules(struct run *r, const char *old_bucket, const char *old_table)
{
    for (size_t i = 0; i < r->sc->nfaults; i++) {
        json_t *rule = json_loads(r->sc->faults[i].json, 0, NULL);
        if (!rule)
            continue;
        rename_in(rule, "bucket", old_bucket, r->sc->bucket);
        if (old_table)
            rename_in(rule, "table", old_table, r->sc->table);
        char *text = json_dumps(rule, JSON_COMPACT);
        json_decref(rule);
        if (!text)
            return LY_ENOMEM;
        free(r->sc->faults[i].json);
        r->sc->faults[i].json = text;
    }
    return 0;
}

/* The run's own names: bucket-RUNID (at most 63 bytes), table-RUNID. */
static int own_names(struct run *r)
{
    char *old_bucket = r->sc->bucket, *old_table = r->sc->table;
    size_t keep = S3_BUCKET_NAME_MAX - 1 - strlen(r->run_id);
    size_t n = strlen(old_bucket) < keep ? strlen(old_bucket) : keep;
    while (n > 3 && (old_bucket[n - 1] == '-' || old_bucket[n - 1] == '.'))
        n--;
    char name[S3_BUCKET_NAME_MAX + 1], table[300];
    snprintf(name, sizeof name, "%.*s-%s", (int)n, old_bucket, r->run_id);
    if (old_table)
        snprintf(table, sizeof table, "%.200s-%s", old_table, r->run_id);
    char *b = strdup(name), *t = old_table ? strdup(table) : NULL;
    if (!b || (old_table && !t)) {
        free(b);
        free(t);
        return LY_ENOMEM;
    }
    r->sc->bucket = b;
    r->sc->table = t;
    int rc = rename_rules(r, old_bucket, old_table);
    free(old_bucket);
    free(old_table);
    return rc;
}

/* Sets the user's fault rules aside: the run's own rules act alone. */
static int save_rules(struct run *r)
{
    struct ly_client_result res;
    int rc = run_call(r, "GET", "/_lockyard/faults", NULL, NULL, NULL, NULL, &res);
    if (rc)
        return rc;
    json_t *doc = res.status == 200 ? json_loads(res.body, 0, NULL) : NULL;
    ly_client_result_cleanup(&res);
    if (res.status == 401 || res.status == 403) {
        snprintf(r->error, sizeof r->error,
                 "the target's admin API refused the runner (%d): "
                 "set LOCKYARD_ADMIN_TOKEN to its --admin-token (or the run's AWS keys to one it "
                 "accepts), or pass --no-admin to treat it as a plain store",
                 res.status);
        return LY_EINVAL;
    }
    json_t *rules = json_object_get(doc, "faults");
    if (json_is_array(rules) && json_array_size(rules) > 0) {
        r->saved_rules = json_incref(rules);
        rc = run_call(r, "DELETE", "/_lockyard/faults", NULL, NULL, NULL, NULL, &res);
        if (!rc) {
            if (res.status / 100 != 2)
                snprintf(r->error, sizeof r->error,
                         "cannot set the target's fault rules aside "
                         "(DELETE /_lockyard/faults answered %d)",
                         res.status);
            ly_client_result_cleanup(&res);
        }
        if (!rc && r->error[0])
            rc = LY_EIO;
    }
    json_decref(doc);
    return rc;
}

int target_prepare(struct run *r)
{
    r->own_target = !r->server_pid;
    int rc = r->own_target ? own_names(r) : 0;
    if (!rc && r->is_lockyard)
        rc = save_rules(r);
    return rc;
}

/* Removes the run's rules and puts the user's back (they get new ids; counters restart). */
static void restore_rules(struct run *r)
{
    struct ly_client_result res;
    char path[96];
    for (size_t i = 0; r->fault_ids && i < r->sc->nfaults; i++) {
        if (!r->fault_ids[i])
            continue;
        char body[96];
        snprintf(body, sizeof body, "{\"id\":\"%s\"}", r->fault_ids[i]);
        if (!run_call(r, "POST", "/_lockyard/release", NULL, NULL, body, NULL, &res))
            ly_client_result_cleanup(&res); /* requests our holds still park */
        snprintf(path, sizeof path, "/_lockyard/faults/%s", r->fault_ids[i]);
        if (!run_call(r, "DELETE", path, NULL, NULL, NULL, NULL, &res))
            ly_client_result_cleanup(&res);
    }
    for (size_t i = 0; i < json_array_size(r->saved_rules); i++) {
        json_t *rule = json_deep_copy(json_array_get(r->saved_rules, i));
        json_object_del(rule, "id");
        json_object_del(rule, "matched");
        json_object_del(rule, "fired");
        char *text = rule ? json_dumps(rule, JSON_COMPACT) : NULL;
        json_decref(rule);
        int rc = text ? run_call(r, "POST", "/_lockyard/faults", NULL, NULL, text, NULL, &res)
                      : LY_ENOMEM;
        if (!rc) {
            if (res.status / 100 != 2)
                fprintf(stderr, "lockyard: could not restore the target's fault rule %s (%d)\n",
                        text, res.status);
            ly_client_result_cleanup(&res);
        }
        free(text);
    }
}

/* Keys of one ListObjectsV2 page; *token gets the continuation token or "". */
static int list_page(struct run *r, char ***keys, size_t *n, char *token, size_t token_size)
{
    char path[128], query[1200];
    snprintf(path, sizeof path, "/%s", r->sc->bucket);
    struct ly_buf enc;
    ly_buf_init(&enc, 4096);
    int rc = token[0] ? ly_client_encode_key(token, &enc) : 0;
    snprintf(query, sizeof query, "list-type=2%s%s", token[0] ? "&continuation-token=" : "",
             token[0] && !rc ? enc.data : "");
    ly_buf_cleanup(&enc);
    struct ly_client_result res;
    if (!rc)
        rc = run_call(r, "GET", path, query, "s3", NULL, NULL, &res);
    if (rc)
        return rc;
    token[0] = '\0';
    xmlDocPtr doc = res.status == 200 ? xmlReadMemory(res.body, (int)res.body_len, "list.xml", NULL,
                                                      XML_PARSE_NONET)
                                      : NULL;
    ly_client_result_cleanup(&res);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr c = root ? root->children : NULL; c && !rc; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int is_token = !xmlStrcmp(c->name, (const xmlChar *)"NextContinuationToken");
        for (xmlNodePtr k = c->children; k && !is_token; k = k->next) {
            if (k->type != XML_ELEMENT_NODE || xmlStrcmp(k->name, (const xmlChar *)"Key"))
                continue;
            xmlChar *v = xmlNodeGetContent(k);
            char **p = realloc(*keys, (*n + 1) * sizeof *p);
            rc = v && p ? 0 : LY_ENOMEM;
            if (p)
                *keys = p;
            if (!rc && !((*keys)[(*n)++] = strdup((const char *)v)))
                rc = LY_ENOMEM;
            xmlFree(v);
        }
        if (is_token) {
            xmlChar *v = xmlNodeGetContent(c);
            snprintf(token, token_size, "%s", v ? (const char *)v : "");
            xmlFree(v);
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static void delete_objects(struct run *r)
{
    char token[1024] = "";
    struct ly_client_result res;
    for (int page = 0; page < 10000; page++) {
        char **keys = NULL;
        size_t n = 0;
        int rc = list_page(r, &keys, &n, token, sizeof token);
        for (size_t i = 0; i < n; i++) {
            struct ly_buf path;
            ly_buf_init(&path, 8192);
            if (!rc && !ly_buf_addf(&path, "/%s/", r->sc->bucket) &&
                !ly_client_encode_key(keys[i], &path) &&
                !run_call(r, "DELETE", path.data, NULL, "s3", NULL, NULL, &res))
                ly_client_result_cleanup(&res);
            ly_buf_cleanup(&path);
            free(keys[i]);
        }
        free(keys);
        if (rc || !token[0])
            break;
    }
}

/* Empties and removes the run's bucket. Requests still in flight when a run was interrupted
 * may land after the listing (BucketNotEmpty): list again, a few times. */
static void delete_bucket(struct run *r)
{
    char path[128];
    snprintf(path, sizeof path, "/%s", r->sc->bucket);
    for (int attempt = 0; attempt < 10; attempt++) {
        struct ly_client_result res;
        delete_objects(r);
        if (run_call(r, "DELETE", path, NULL, "s3", NULL, NULL, &res))
            return;
        int status = res.status;
        ly_client_result_cleanup(&res);
        if (status / 100 == 2 || status == 404)
            return;
        if (status != 409 || attempt == 9) {
            fprintf(stderr, "lockyard: could not remove bucket %s (%d)\n", r->sc->bucket, status);
            return;
        }
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static void delete_table(struct run *r)
{
    json_t *j = json_pack("{ss}", "TableName", r->sc->table);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    struct ly_client_result res;
    if (text &&
        !run_call(r, "POST", "/", NULL, "dynamodb", text, "DynamoDB_20120810.DeleteTable", &res))
        ly_client_result_cleanup(&res);
    free(text);
}

void target_restore(struct run *r)
{
    if (!r->admin || !r->own_target)
        return;
    if (r->is_lockyard)
        restore_rules(r);
    if (!r->opts->keep && r->made_bucket)
        delete_bucket(r);
    if (!r->opts->keep && r->made_table)
        delete_table(r);
    json_decref(r->saved_rules);
    r->saved_rules = NULL;
}
