/*
 * probe_ddb.c - the DynamoDB half of `lockyard probe`: the conditional writes a DynamoDB lock
 * relies on (attribute_not_exists acquire, ConditionalCheckFailedException with
 * ReturnValuesOnConditionCheckFailure, owner-checked delete, TransactWriteItems cancellation,
 * racing acquirers), each compared with DynamoDB's documented answer.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static char table[96];

static int ddb_req(struct ly_client_req *r, const char *op, const char *body, char *target,
                   size_t n)
{
    memset(r, 0, sizeof *r);
    snprintf(target, n, "DynamoDB_20120810.%s", op);
    r->method = "POST";
    r->path = "/";
    r->service = "dynamodb";
    r->body = body;
    r->body_len = strlen(body);
    return ly_client_req_header(r, "X-Amz-Target", target) ||
           ly_client_req_header(r, "Content-Type", "application/x-amz-json-1.0");
}

/* One DynamoDB call; every "@T" in the body template becomes the table name. */
static int ddb(struct probe_env *e, const char *op, const char *tmpl, struct ly_client_result *out)
{
    char body[2048], target[96];
    size_t n = 0, tl = strlen(table);
    struct ly_client_req r;
    for (const char *p = tmpl; *p && n + tl + 1 < sizeof body; p++) {
        if (p[0] == '@' && p[1] == 'T') {
            memcpy(body + n, table, tl);
            n += tl;
            p++;
        } else {
            body[n++] = *p;
        }
    }
    body[n] = '\0';
    memset(out, 0, sizeof *out);
    if (ddb_req(&r, op, body, target, sizeof target))
        return -1;
    return ly_client_call(e->conn, &r, probe_now_s(), out);
}

/* "400 ConditionalCheckFailedException" from an answer (the part of __type after '#'). */
static void answer_text(const struct ly_client_result *r, int rc, char *out, size_t n)
{
    json_t *doc = rc == 0 ? json_loads(r->body, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(doc, "__type"));
    const char *hash = type ? strrchr(type, '#') : NULL;
    snprintf(out, n, "%d %s", rc ? 0 : r->status, hash ? hash + 1 : type ? type : "");
    json_decref(doc);
}

static void row(struct probe_env *e, const char *name, const char *op, const char *fmt,
                const char *want, const char *meaning)
{
    struct ly_client_result r;
    char got[160];
    int rc = ddb(e, op, fmt, &r);
    answer_text(&r, rc, got, sizeof got);
    got[strcspn(got, "\n")] = '\0';
    size_t l = strlen(got);
    while (l && got[l - 1] == ' ')
        got[--l] = '\0';
    probe_verdict(e, name, want, got, strcmp(want, got) == 0, meaning);
    ly_client_result_cleanup(&r);
}

static const char *const put_lock =
    "{\"TableName\":\"@T\",\"Item\":{\"LockID\":{\"S\":\"probe-lock\"},\"Owner\":{\"S\":\"me\"}},"
    "\"ConditionExpression\":\"attribute_not_exists(LockID)\"}";

static void failed_check_returns_item(struct probe_env *e)
{
    struct ly_client_result r;
    char got[200];
    int rc = ddb(e, "PutItem",
                 "{\"TableName\":\"@T\",\"Item\":{\"LockID\":{\"S\":\"probe-lock\"},\"Owner\":"
                 "{\"S\":\"you\"}},\"ConditionExpression\":\"attribute_not_exists(LockID)\","
                 "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
                 &r);
    answer_text(&r, rc, got, sizeof got);
    json_t *doc = rc == 0 ? json_loads(r.body, 0, NULL) : NULL;
    const char *owner = json_string_value(
        json_object_get(json_object_get(json_object_get(doc, "Item"), "Owner"), "S"));
    size_t l = strlen(got);
    snprintf(got + l, sizeof got - l, "%s",
             owner && !strcmp(owner, "me") ? " + holder's item" : " (no item)");
    probe_verdict(e, "PutItem ReturnValuesOnConditionCheckFailure=ALL_OLD",
                  "400 ConditionalCheckFailedException + holder's item", got,
                  strcmp(got, "400 ConditionalCheckFailedException + holder's item") == 0, NULL);
    json_decref(doc);
    ly_client_result_cleanup(&r);
}

/* A cancelled transaction: the reasons in order, and none of its writes applied. */
static void transaction_cancelled(struct probe_env *e)
{
    struct ly_client_result r, g;
    char got[256];
    int rc = ddb(e, "TransactWriteItems",
                 "{\"TransactItems\":[{\"Put\":{\"TableName\":\"@T\",\"Item\":{\"LockID\":{\"S\":"
                 "\"probe-txn\"}}}},{\"ConditionCheck\":{\"TableName\":\"@T\",\"Key\":{\"LockID\":"
                 "{\"S\":\"probe-lock\"}},\"ConditionExpression\":\"attribute_not_exists(LockID)\""
                 "}}]}",
                 &r);
    answer_text(&r, rc, got, sizeof got);
    json_t *doc = rc == 0 ? json_loads(r.body, 0, NULL) : NULL, *reason;
    size_t i, l = strlen(got);
    l += (size_t)snprintf(got + l, sizeof got - l, " [");
    json_array_foreach (json_object_get(doc, "CancellationReasons"), i, reason) {
        const char *code = json_string_value(json_object_get(reason, "Code"));
        if (l < sizeof got)
            l +=
                (size_t)snprintf(got + l, sizeof got - l, "%s%s", i ? ", " : "", code ? code : "?");
    }
    if (l < sizeof got)
        snprintf(got + l, sizeof got - l, "]");
    json_decref(doc);
    int grc = ddb(e, "GetItem",
                  "{\"TableName\":\"@T\",\"Key\":{\"LockID\":{\"S\":\"probe-txn\"}},"
                  "\"ConsistentRead\":true}",
                  &g);
    int applied = grc == 0 && g.status == 200 && strstr(g.body, "\"Item\"") != NULL;
    const char *want = "400 TransactionCanceledException [None, ConditionalCheckFailed]";
    probe_verdict(e, "TransactWriteItems with a false ConditionCheck", want, got,
                  strcmp(want, got) == 0, NULL);
    probe_verdict(e, "... and its Put is not applied", "no item",
                  applied ? "item written" : "no item", !applied,
                  "unsafe for transactions: a cancelled TransactWriteItems wrote");
    ly_client_result_cleanup(&r);
    ly_client_result_cleanup(&g);
}

static int race_send(struct probe_env *e, struct ly_client_conn *c, int i, ly_client_cb cb,
                     void *arg)
{
    static char body[PROBE_RACERS][256];
    char target[96];
    struct ly_client_req r;
    (void)e;
    snprintf(body[i], sizeof body[i],
             "{\"TableName\":\"%s\",\"Item\":{\"LockID\":{\"S\":\"probe-race\"},\"Owner\":"
             "{\"S\":\"racer-%d\"}},\"ConditionExpression\":\"attribute_not_exists(LockID)\"}",
             table, i);
    return ddb_req(&r, "PutItem", body[i], target, sizeof target) ||
           ly_client_send(c, &r, probe_now_s(), cb, arg);
}

/* CreateTable and wait (real DynamoDB takes seconds) until it is ACTIVE. */
static int create_table(struct probe_env *e, int required)
{
    struct ly_client_result r;
    char got[160];
    int rc = ddb(e, "CreateTable",
                 "{\"TableName\":\"@T\",\"AttributeDefinitions\":[{\"AttributeName\":\"LockID\","
                 "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"LockID\","
                 "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
                 &r);
    answer_text(&r, rc, got, sizeof got);
    int ok = rc == 0 && r.status == 200;
    ly_client_result_cleanup(&r);
    if (!ok) {
        static char why[200];
        snprintf(why, sizeof why, "DynamoDB probes: CreateTable answered %s", got);
        if (required)
            probe_verdict(e, "CreateTable", "200", got, 0, NULL);
        else
            e->skipped = why;
        return -1;
    }
    for (int i = 0; i < 120; i++) {
        if (ddb(e, "DescribeTable", "{\"TableName\":\"@T\"}", &r) == 0 && r.status == 200 &&
            strstr(r.body, "\"ACTIVE\"")) {
            ly_client_result_cleanup(&r);
            return 0;
        }
        ly_client_result_cleanup(&r);
        sleep(1);
    }
    probe_verdict(e, "CreateTable becomes ACTIVE", "ACTIVE", "not within 120 s", 0, NULL);
    return -1;
}

void probe_ddb_battery(struct probe_env *e, int required)
{
    struct ly_client_result r;
    snprintf(table, sizeof table, "%s", e->bucket);
    if (create_table(e, required))
        return;
    row(e, "PutItem attribute_not_exists(LockID), no item", "PutItem", put_lock, "200", NULL);
    row(e, "PutItem attribute_not_exists(LockID), item exists", "PutItem", put_lock,
        "400 ConditionalCheckFailedException",
        "unsafe for dynamodb_table locks: attribute_not_exists ignored");
    failed_check_returns_item(e);
    row(e, "DeleteItem Owner = :other (not the holder)", "DeleteItem",
        "{\"TableName\":\"@T\",\"Key\":{\"LockID\":{\"S\":\"probe-lock\"}},\"ConditionExpression\":"
        "\"#o = :o\",\"ExpressionAttributeNames\":{\"#o\":\"Owner\"},\"ExpressionAttributeValues\":{\":o\":{\"S\":\"you\"}}}",
        "400 ConditionalCheckFailedException",
        "unsafe for owner-checked unlock: conditional DeleteItem ignored");
    transaction_cancelled(e);
    row(e, "DeleteItem Owner = :me (the holder)", "DeleteItem",
        "{\"TableName\":\"@T\",\"Key\":{\"LockID\":{\"S\":\"probe-lock\"}},\"ConditionExpression\":"
        "\"#o = :o\",\"ExpressionAttributeNames\":{\"#o\":\"Owner\"},\"ExpressionAttributeValues\":{\":o\":{\"S\":\"me\"}}}",
        "200", NULL);
    probe_race(e, race_send, "16 racing PutItem attribute_not_exists", "1\u00d7200, 15\u00d7400",
               200, 400, "unsafe for dynamodb_table locks: concurrent acquirers both win");
    if (ddb(e, "DeleteTable", "{\"TableName\":\"@T\"}", &r) == 0)
        ly_client_result_cleanup(&r);
}
