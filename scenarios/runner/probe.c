/*
 * probe.c - `lockyard probe URL`: a battery of conditional-semantics probes against any
 * S3-compatible endpoint (lockyard, MinIO, real S3 …), each compared with AWS's documented or
 * recorded answer (reference/s3-conditional.md), printed as a compatibility table.
 * Uses only the shared client; creates one bucket and deletes what it wrote.
 */
#include "lockyard/checksum.h"
#include "lockyard/client.h"
#include "lockyard/runner.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RACERS 16

struct probe_env {
    struct event_base *base;
    struct ly_client *client;
    struct ly_client_conn *conn;
    char bucket[64];
    char etag[128];          /* ETag of the probe object as last written */
    int passed, failed;
};

struct probe_req {
    const char *method, *key, *query, *body;
    const char *h1, *v1, *h2, *v2; /* up to two extra headers ("%E" = the current ETag) */
};

static int64_t now_s(void)
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
            v = subst[i]; /* Content-MD5 of the body */
        else if (strncmp(v, "/%B/", 4) == 0) /* a key in the probe bucket */
            v = (snprintf(subst[i], sizeof subst[i], "/%s/%s", e->bucket, v + 4), subst[i]);
        if (ly_client_req_header(&r, hn[i], v))
            return -1;
    }
    memset(out, 0, sizeof *out);
    return ly_client_call(e->conn, &r, now_s(), out);
}

/* The <Code> of an error body, or "". */
static void body_code(const char *body, char *out, size_t n)
{
    const char *c = body ? strstr(body, "<Code>") : NULL;
    out[0] = '\0';
    if (c)
        snprintf(out, n, "%.*s", (int)strcspn(c + 6, "<"), c + 6);
}

static void verdict(struct probe_env *e, const char *name, int want, const char *want_code,
                    int got, const char *got_code)
{
    int ok = got == want && (!want_code || strcmp(want_code, got_code) == 0);
    char w[80], g[80];
    snprintf(w, sizeof w, "%d %s", want, want_code ? want_code : "");
    snprintf(g, sizeof g, "%d %s", got, got_code);
    printf("  %-58s %-30s %-30s %s\n", name, w, g, ok ? "ok" : "DIFFERS");
    if (ok)
        e->passed++;
    else
        e->failed++;
}

/* One request, one expected answer; a 2xx answer's ETag for the lock object becomes the
 * current ETag. */
static void probe(struct probe_env *e, const char *name, const struct probe_req *p, int want,
                  const char *want_code)
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
    verdict(e, name, want, want_code, rc ? 0 : r.status, code);
    ly_client_result_cleanup(&r);
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

/* RACERS concurrent PUT If-None-Match:* to one fresh key: AWS lets exactly one win. */
static void probe_race(struct probe_env *e, struct ly_client *client)
{
    struct ly_client_conn *conns[RACERS] = {0};
    struct racer racers[RACERS];
    char path[256], body[RACERS][32];
    int pending = 0, wins = 0, lost = 0;
    snprintf(path, sizeof path, "/%s/probe-race-%ld", e->bucket, (long)time(NULL));
    for (int i = 0; i < RACERS; i++) {
        struct ly_client_req r;
        memset(&r, 0, sizeof r);
        snprintf(body[i], sizeof body[i], "racer-%d", i);
        r.method = "PUT";
        r.path = path;
        r.service = "s3";
        r.body = body[i];
        r.body_len = strlen(body[i]);
        racers[i] = (struct racer){0, &pending, e->base};
        if (ly_client_conn_new(client, &conns[i]) || ly_client_req_header(&r, "If-None-Match", "*") ||
            ly_client_send(conns[i], &r, now_s(), race_done, &racers[i]))
            continue;
        pending++;
    }
    if (pending)
        event_base_dispatch(e->base);
    for (int i = 0; i < RACERS; i++) {
        wins += racers[i].status == 200;
        lost += racers[i].status == 412;
        ly_client_conn_free(conns[i]);
    }
    /* reported as wins*1000 + losses: 1015 = one winner, fifteen 412s */
    verdict(e, "16 racing PUT If-None-Match:* (1 x 200, 15 x 412)", 1015, NULL,
            wins * 1000 + lost, "");
    struct probe_req del = {"DELETE", path + strlen(e->bucket) + 2, NULL, NULL, 0, 0, 0, 0};
    struct ly_client_result r;
    if (call(e, &del, &r) == 0)
        ly_client_result_cleanup(&r);
}

static void battery(struct probe_env *e)
{
    const char *k = "probe.tflock";
    static const char *const del_body =
        "<Delete><Object><Key>probe.tflock</Key><ETag>\"0000\"</ETag></Object></Delete>";
    printf("  %-58s %-30s %-30s %s\n", "probe", "AWS answers", "endpoint answered", "");
    probe(e, "PUT If-None-Match:* on a missing key",
          &(struct probe_req){"PUT", k, 0, "lock-1", "If-None-Match", "*", 0, 0}, 200, NULL);
    probe(e, "PUT If-None-Match:* on an existing key",
          &(struct probe_req){"PUT", k, 0, "lock-2", "If-None-Match", "*", 0, 0}, 412,
          "PreconditionFailed");
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
    probe(e, "PUT If-Match with a wrong ETag",
          &(struct probe_req){"PUT", k, 0, "x", "If-Match", "\"0000\"", 0, 0}, 412,
          "PreconditionFailed");
    probe(e, "PUT If-Match with the current ETag",
          &(struct probe_req){"PUT", k, 0, "lock-3", "If-Match", "%E", 0, 0}, 200, NULL);
    probe(e, "GET If-None-Match:<current ETag> -> 304",
          &(struct probe_req){"GET", k, 0, 0, "If-None-Match", "%E", 0, 0}, 304, NULL);
    probe(e, "GET If-Match:<wrong ETag> -> 412",
          &(struct probe_req){"GET", k, 0, 0, "If-Match", "\"0000\"", 0, 0}, 412,
          "PreconditionFailed");
    probe(e, "GET If-Match true + If-Unmodified-Since false -> 200",
          &(struct probe_req){"GET", k, 0, 0, "If-Match", "%E", "If-Unmodified-Since",
                              "Mon, 01 Jan 2001 00:00:00 GMT"}, 200, NULL);
    probe(e, "PUT a second object (copy destination)",
          &(struct probe_req){"PUT", "probe-copy.tflock", 0, "other", 0, 0, 0, 0}, 200, NULL);
    probe(e, "CopyObject If-None-Match:* onto an existing key",
          &(struct probe_req){"PUT", "probe-copy.tflock", 0, 0, "x-amz-copy-source",
                              "/%B/probe.tflock", "If-None-Match", "*"}, 412,
          "PreconditionFailed");
    probe(e, "DeleteObjects with a wrong <ETag> (per-object Error)",
          &(struct probe_req){"POST", NULL, "delete", del_body, "Content-MD5",
                              "%M", 0, 0}, 200, "PreconditionFailed");
    probe(e, "DELETE If-Match with a wrong ETag",
          &(struct probe_req){"DELETE", k, 0, 0, "If-Match", "\"0000\"", 0, 0}, 412,
          "PreconditionFailed");
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

int runner_cmd_probe(int argc, char **argv)
{
    char host[256];
    int port, tls;
    if (argc != 2 || ly_client_parse_url(argv[1], host, sizeof host, &port, &tls) != 0) {
        fprintf(stderr, "usage: lockyard probe http[s]://HOST[:PORT]   (credentials from "
                        "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, region from AWS_REGION)\n");
        return 2;
    }
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    const char *region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
    struct ly_client_opts co = {host, port, region ? region : "us-east-1", ak ? ak : "test",
                                sk ? sk : "test", getenv("AWS_SESSION_TOKEN"), 10000, tls, NULL};
    struct probe_env e;
    memset(&e, 0, sizeof e);
    snprintf(e.bucket, sizeof e.bucket, "lockyard-probe-%ld-%d", (long)time(NULL),
             (int)(clock() % 1000));
    e.base = event_base_new();
    int rc = e.base && ly_client_new(e.base, &co, &e.client) == 0 &&
             ly_client_conn_new(e.client, &e.conn) == 0 ? 0 : -1;
    struct ly_client_result r;
    memset(&r, 0, sizeof r);
    if (!rc && (call(&e, &(struct probe_req){"PUT", NULL, 0, 0, 0, 0, 0, 0}, &r) != 0 ||
                r.status != 200)) {
        fprintf(stderr, "lockyard probe: cannot create bucket %s at %s (%s)\n", e.bucket,
                argv[1], r.status ? "refused" : "no answer: unreachable, or TLS verification "
                                                 "failed (AWS_CA_BUNDLE?)");
        rc = -1;
    }
    ly_client_result_cleanup(&r);
    if (!rc) {
        printf("probing %s (bucket %s) against AWS S3's recorded answers\n", argv[1], e.bucket);
        battery(&e);
        probe_race(&e, e.client);
        cleanup_bucket(&e);
        printf("%d passed, %d failed\n", e.passed, e.failed);
    }
    ly_client_conn_free(e.conn);
    ly_client_free(e.client);
    if (e.base)
        event_base_free(e.base);
    return rc ? 2 : e.failed ? 1 : 0;
}
