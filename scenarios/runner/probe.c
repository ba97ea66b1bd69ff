/*
 * probe.c - `lockyard probe URL`: a battery of conditional-semantics probes against any
 * S3-compatible endpoint (lockyard, MinIO, real S3 …), each compared with AWS's documented or
 * recorded answer, printed as a compatibility table; probe_ddb.c adds the DynamoDB battery.
 * Uses only the shared client; creates one bucket and deletes what it wrote.
 */
#include "lockyard/checksum.h"
#include "lockyard/client.h"
#include "lockyard/runner.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"

struct probe_req {
    const char *method, *key, *query, *body;
    const char *h1, *v1, *h2, *v2; /* up to two extra headers ("%E" = the current ETag) */
};

int64_t probe_now_s(void)
{
    return (int64_t)time(NULL);
}

static int call(struct probe_env *e, const struct probe_req *p, struct ly_client_result *out)
{
    char path[512];
    struct ly_client_req r;
    memset(&r, 0, sizeof r);
    snprintf(path, sizeof path, "/%s%s%s", e->bucket, p->key ? "/" : "", p->key ? p->key : "");
    r.method = p->method;
    r.path = path;
    r.query = p->query;
    r.service = "s3";
    r.body = p->body ? p->body : "";
    r.body_len = p->body ? strlen(p->body) : 0;
    const char *hn[2] = {p->h1, p->h2}, *hv[2] = {p->v1, p->v2};
    char subst[2][600];
    for (int i = 0; i < 2; i++) {
        if (!hn[i])
            continue;
        const char *v = hv[i];
        if (strcmp(v, "%E") == 0) /* the current ETag */
            v = e->etag;
        else if (strcmp(v, "%M") == 0 && cksum_md5_b64(r.body, r.body_len, subst[i]) == 0)
            v = subst[i];                    /* Content-MD5 of the body */
        else if (strncmp(v, "/%B/", 4) == 0) /* a key in the probe bucket */
            v = (snprintf(subst[i], sizeof subst[i], "/%s/%s", e->bucket, v + 4), subst[i]);
        if (ly_client_req_header(&r, hn[i], v))
            return -1;
    }
    memset(out, 0, sizeof *out);
    return ly_client_call(e->conn, &r, probe_now_s(), out);
}

/* The <Code> of an error body, or "". */
static void body_code(const char *body, char *out, size_t n)
{
    const char *c = body ? strstr(body, "<Code>") : NULL;
    out[0] = '\0';
    if (c)
        snprintf(out, n, "%.*s", (int)strcspn(c + 6, "<"), c + 6);
}

void probe_verdict(struct probe_env *e, const char *name, const char *want, const char *got, int ok,
                   const char *meaning)
{
    if (e->rows)
        json_array_append_new(e->rows, json_pack("{s:s, s:s, s:s, s:b}", "probe", name, "aws", want,
                                                 "endpoint", got, "ok", ok));
    else
        printf("  %-58s %-30s %-30s %s\n", name, want, got, ok ? "ok" : "DIFFERS");
    if (ok) {
        e->passed++;
        return;
    }
    e->failed++;
    for (size_t i = 0; meaning && i < e->nmeanings; i++)
        if (strcmp(e->meanings[i], meaning) == 0)
            return;
    if (meaning && e->nmeanings < PROBE_MEANINGS_MAX)
        e->meanings[e->nmeanings++] = meaning;
}

static void verdict(struct probe_env *e, const char *name, int want, const char *want_code, int got,
                    const char *got_code, const char *meaning)
{
    int ok = got == want && (!want_code || strcmp(want_code, got_code) == 0);
    char w[80], g[80];
    snprintf(w, sizeof w, "%d %s", want, want_code ? want_code : "");
    snprintf(g, sizeof g, "%d %s", got, got_code);
    probe_verdict(e, name, w, g, ok, meaning);
}

/* One request, one expected answer; a 2xx answer's ETag for the lock object becomes the
 * current ETag. */
static void probe_m(struct probe_env *e, const char *name, const struct probe_req *p, int want,
                    const char *want_code, const char *meaning)
{
    struct ly_client_result r;
    char code[64] = "";
    int rc = call(e, p, &r);
    if (rc == 0) {
        body_code(r.body, code, sizeof code);
        if (r.status >= 200 && r.status < 300 && r.etag[0] && p->key &&
            strcmp(p->key, "probe.tflock") == 0)
            snprintf(e->etag, sizeof e->etag, "%s", r.etag);
    }
    verdict(e, name, want, want_code, rc ? 0 : r.status, code, meaning);
    ly_client_result_cleanup(&r);
}

static void probe(struct probe_env *e, const char *name, const struct probe_req *p, int want,
                  const char *want_code)
{
    probe_m(e, name, p, want, want_code, NULL);
}

struct racer {
    int status;
    int *pending;
    struct event_base *base;
};

static void race_done(const struct ly_client_resp *resp, void *arg)
{
    struct racer *r = arg;
    r->status = resp->status;
    if (--*r->pending == 0)
        event_base_loopexit(r->base, NULL);
}

void probe_race_row(char *out, size_t n, const int *statuses, size_t count)
{
    int seen[16], times[16];
    size_t kinds = 0, len = 0;
    for (size_t i = 0; i < count; i++) {
        size_t k = 0;
        while (k < kinds && seen[k] != statuses[i])
            k++;
        if (k == kinds && kinds < 16) {
            seen[kinds] = statuses[i];
            times[kinds++] = 0;
        }
        if (k < kinds)
            times[k]++;
    }
    out[0] = '\0';
    for (size_t k = 0; k < kinds && len < n; k++) { /* 2xx first, then by status */
        size_t best = k;
        for (size_t j = k + 1; j < kinds; j++)
            if (seen[j] < seen[best])
                best = j;
        int ts = seen[k], tt = times[k];
        seen[k] = seen[best], times[k] = times[best], seen[best] = ts, times[best] = tt;
        int w = snprintf(out + len, n - len, "%s%d\u00d7%d", k ? ", " : "", times[k], seen[k]);
        len += w > 0 ? (size_t)w : 0;
    }
}

int probe_race(struct probe_env *e,
               int (*send)(struct probe_env *e, struct ly_client_conn *c, int i, ly_client_cb cb,
                           void *arg),
               const char *name, const char *want, int ok_status, int lose_status,
               const char *meaning)
{
    struct ly_client_conn *conns[PROBE_RACERS] = {0};
    struct racer racers[PROBE_RACERS];
    int statuses[PROBE_RACERS], pending = 0, wins = 0, lost = 0;
    for (int i = 0; i < PROBE_RACERS; i++) {
        racers[i] = (struct racer){0, &pending, e->base};
        if (ly_client_conn_new(e->client, &conns[i]) || send(e, conns[i], i, race_done, &racers[i]))
            continue;
        pending++;
    }
    if (pending)
        event_base_dispatch(e->base);
    for (int i = 0; i < PROBE_RACERS; i++) {
        statuses[i] = racers[i].status;
        wins += racers[i].status == ok_status;
        lost += racers[i].status == lose_status;
        ly_client_conn_free(conns[i]);
    }
    char got[160];
    probe_race_row(got, sizeof got, statuses, PROBE_RACERS);
    probe_verdict(e, name, want, got, wins == 1 && lost == PROBE_RACERS - 1, meaning);
    return 0;
}

static char race_path[256];

static int race_send(struct probe_env *e, struct ly_client_conn *c, int i, ly_client_cb cb,
                     void *arg)
{
    static char body[PROBE_RACERS][32];
    struct ly_client_req r;
    memset(&r, 0, sizeof r);
    snprintf(body[i], sizeof body[i], "racer-%d", i);
    r.method = "PUT";
    r.path = race_path;
    r.service = "s3";
    r.body = body[i];
    r.body_len = strlen(body[i]);
    (void)e;
    return ly_client_req_header(&r, "If-None-Match", "*") ||
           ly_client_send(c, &r, probe_now_s(), cb, arg);
}

/* PROBE_RACERS concurrent PUT If-None-Match:* to one fresh key: AWS lets exactly one win. */
static void s3_race(struct probe_env *e)
{
    snprintf(race_path, sizeof race_path, "/%s/probe-race-%ld", e->bucket, (long)time(NULL));
    probe_race(e, race_send, "16 racing PUT If-None-Match:*", "1\u00d7200, 15\u00d7412", 200, 412,
               "unsafe for use_lockfile: concurrent If-None-Match writers both win");
    struct probe_req del = {"DELETE", race_path + strlen(e->bucket) + 2, NULL, NULL, 0, 0, 0, 0};
    struct ly_client_result r;
    if (call(e, &del, &r) == 0)
        ly_client_result_cleanup(&r);
}

static void battery(struct probe_env *e)
{
    const char *k = "probe.tflock";
    static const char *const del_body =
        "<Delete><Object><Key>probe.tflock</Key><ETag>\"0000\"</ETag></Object></Delete>";
    if (!e->rows)
        printf("  %-58s %-30s %-30s %s\n", "probe", "AWS answers", "endpoint answered", "");
    probe(e, "PUT If-None-Match:* on a missing key",
          &(struct probe_req){"PUT", k, 0, "lock-1", "If-None-Match", "*", 0, 0}, 200, NULL);
    probe_m(e, "PUT If-None-Match:* on an existing key",
            &(struct probe_req){"PUT", k, 0, "lock-2", "If-None-Match", "*", 0, 0}, 412,
            "PreconditionFailed", "unsafe for use_lockfile: If-None-Match ignored");
    probe(e, "PUT If-None-Match:<etag> (only * is accepted)",
          &(struct probe_req){"PUT", k, 0, "x", "If-None-Match", "\"abc\"", 0, 0}, 501,
          "NotImplemented");
    probe(e, "PUT If-Match:* (not accepted)",
          &(struct probe_req){"PUT", k, 0, "x", "If-Match", "*", 0, 0}, 501, "NotImplemented");
    probe(e, "PUT If-Match and If-None-Match together",
          &(struct probe_req){"PUT", k, 0, "x", "If-Match", "%E", "If-None-Match", "*"}, 501,
          "NotImplemented");
    probe(e, "PUT If-Match on a missing key",
          &(struct probe_req){"PUT", "probe-missing", 0, "x", "If-Match", "\"abc\"", 0, 0}, 404,
          "NoSuchKey");
    probe_m(e, "PUT If-Match with a wrong ETag",
            &(struct probe_req){"PUT", k, 0, "x", "If-Match", "\"0000\"", 0, 0}, 412,
            "PreconditionFailed", "unsafe for ETag compare-and-swap: If-Match ignored");
    probe(e, "PUT If-Match with the current ETag",
          &(struct probe_req){"PUT", k, 0, "lock-3", "If-Match", "%E", 0, 0}, 200, NULL);
    probe(e, "GET If-None-Match:<current ETag> -> 304",
          &(struct probe_req){"GET", k, 0, 0, "If-None-Match", "%E", 0, 0}, 304, NULL);
    probe(e, "GET If-Match:<wrong ETag> -> 412",
          &(struct probe_req){"GET", k, 0, 0, "If-Match", "\"0000\"", 0, 0}, 412,
          "PreconditionFailed");
    probe(e, "GET If-Match true + If-Unmodified-Since false -> 200",
          &(struct probe_req){"GET", k, 0, 0, "If-Match", "%E", "If-Unmodified-Since",
                              "Mon, 01 Jan 2001 00:00:00 GMT"},
          200, NULL);
    probe(e, "PUT a second object (copy destination)",
          &(struct probe_req){"PUT", "probe-copy.tflock", 0, "other", 0, 0, 0, 0}, 200, NULL);
    probe(e, "CopyObject If-None-Match:* onto an existing key",
          &(struct probe_req){"PUT", "probe-copy.tflock", 0, 0, "x-amz-copy-source",
                              "/%B/probe.tflock", "If-None-Match", "*"},
          412, "PreconditionFailed");
    probe(e, "DeleteObjects with a wrong <ETag> (per-object Error)",
          &(struct probe_req){"POST", NULL, "delete", del_body, "Content-MD5", "%M", 0, 0}, 200,
          "PreconditionFailed");
    probe_m(e, "DELETE If-Match with a wrong ETag",
            &(struct probe_req){"DELETE", k, 0, 0, "If-Match", "\"0000\"", 0, 0}, 412,
            "PreconditionFailed", "unsafe for owner-checked unlock: DELETE If-Match ignored");
    probe(e, "DELETE If-Match with the current ETag",
          &(struct probe_req){"DELETE", k, 0, 0, "If-Match", "%E", 0, 0}, 204, NULL);
    probe(e, "PUT If-None-Match:* after the DELETE",
          &(struct probe_req){"PUT", k, 0, "lock-4", "If-None-Match", "*", 0, 0}, 200, NULL);
}

static void cleanup_bucket(struct probe_env *e)
{
    struct ly_client_result r;
    static const char *const keys[] = {"probe.tflock", "probe-copy.tflock", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (call(e, &(struct probe_req){"DELETE", keys[i], 0, 0, 0, 0, 0, 0}, &r) == 0)
            ly_client_result_cleanup(&r);
    if (call(e, &(struct probe_req){"DELETE", NULL, 0, 0, 0, 0, 0, 0}, &r) == 0)
        ly_client_result_cleanup(&r);
}

static void probe_usage(FILE *f)
{
    fprintf(f, "usage: lockyard probe [options] http[s]://HOST[:PORT]\n"
               "  Conditional-write probes against any S3 / DynamoDB endpoint, each compared\n"
               "  with AWS's documented answer, and what the differences mean for a lock.\n"
               "  Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, region from\n"
               "  AWS_REGION, trust from AWS_CA_BUNDLE.\n"
               "  --service s3|dynamodb|all  what to probe (default all: DynamoDB is skipped\n"
               "                            when the endpoint does not serve it)\n"
               "  --json                    one JSON document instead of the table\n"
               "  -h, --help                this text\n");
}

static void summary(struct probe_env *e, char *out, size_t n)
{
    size_t len = 0;
    if (!e->failed) {
        snprintf(out, n, "safe for locks: every conditional write answered as AWS documents");
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < e->nmeanings && len < n; i++) {
        int w = snprintf(out + len, n - len, "%s%s", i ? "; " : "", e->meanings[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    if (!e->nmeanings)
        snprintf(out, n,
                 "differs from AWS in %d probe(s) (rows marked DIFFERS); the lock "
                 "conditions themselves hold",
                 e->failed);
}

static int s3_battery(struct probe_env *e, const char *url)
{
    struct ly_client_result r;
    memset(&r, 0, sizeof r);
    if (call(e, &(struct probe_req){"PUT", NULL, 0, 0, 0, 0, 0, 0}, &r) != 0 || r.status != 200) {
        fprintf(stderr, "lockyard probe: cannot create bucket %s at %s (%s)\n", e->bucket, url,
                r.status ? "refused"
                         : "no answer: unreachable, or TLS verification "
                           "failed (AWS_CA_BUNDLE?)");
        ly_client_result_cleanup(&r);
        return -1;
    }
    ly_client_result_cleanup(&r);
    battery(e);
    s3_race(e);
    cleanup_bucket(e);
    return 0;
}

static void report(struct probe_env *e, const char *url, int json)
{
    char sum[1024];
    summary(e, sum, sizeof sum);
    if (json) {
        json_t *doc = json_pack("{s:s, s:O, s:s, s:i, s:i}", "endpoint", url, "probes", e->rows,
                                "summary", sum, "passed", e->passed, "failed", e->failed);
        if (doc && e->skipped)
            json_object_set_new(doc, "skipped", json_string(e->skipped));
        char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(doc);
        return;
    }
    if (e->skipped)
        printf("skipped: %s\n", e->skipped);
    printf("verdict: %s\n%d passed, %d failed\n", sum, e->passed, e->failed);
}

int runner_cmd_probe(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"service", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    char host[256];
    const char *service = "all";
    int port, tls, c, json = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 's')
            service = optarg;
        else if (c == 'h')
            return probe_usage(stdout), 0;
        else
            return probe_usage(stderr), 2;
    }
    if (strcmp(service, "s3") && strcmp(service, "dynamodb") && strcmp(service, "all")) {
        fprintf(stderr, "lockyard probe: bad value '%s' for --service: want s3, dynamodb or all\n",
                service);
        return 2;
    }
    if (optind != argc - 1 || ly_client_parse_url(argv[optind], host, sizeof host, &port, &tls)) {
        fprintf(stderr, "lockyard probe: %s\n",
                optind == argc - 1 ? "bad URL: want "
                                     "http[s]://HOST[:PORT]"
                                   : "give one endpoint URL");
        probe_usage(stderr);
        return 2;
    }
    const char *url = argv[optind];
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    const char *region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
    struct ly_client_opts co = {host,
                                port,
                                region ? region : "us-east-1",
                                ak ? ak : "test",
                                sk ? sk : "test",
                                getenv("AWS_SESSION_TOKEN"),
                                10000,
                                tls,
                                NULL};
    struct probe_env e;
    memset(&e, 0, sizeof e);
    snprintf(e.bucket, sizeof e.bucket, "lockyard-probe-%ld-%d", (long)time(NULL),
             (int)(clock() % 1000));
    e.rows = json ? json_array() : NULL;
    e.base = event_base_new();
    int rc = e.base && ly_client_new(e.base, &co, &e.client) == 0 &&
                     ly_client_conn_new(e.client, &e.conn) == 0
                 ? 0
                 : -1;
    if (!rc && !json)
        printf("probing %s (bucket %s) against AWS's documented answers\n", url, e.bucket);
    if (!rc && strcmp(service, "dynamodb") != 0)
        rc = s3_battery(&e, url);
    if (!rc && strcmp(service, "s3") != 0)
        probe_ddb_battery(&e, strcmp(service, "dynamodb") == 0);
    if (!rc)
        report(&e, url, json);
    json_decref(e.rows);
    ly_client_conn_free(e.conn);
    ly_client_free(e.client);
    if (e.base)
        event_base_free(e.base);
    return rc ? 2 : e.failed ? 1 : 0;
}
